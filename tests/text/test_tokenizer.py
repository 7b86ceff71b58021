from pathlib import Path

import numpy as np

from speech.text.build_symbols import read_sentence_file
from speech.text.phonemes import split_phonemes
from speech.text.symbols import PAD_ID, UNK_ID, SymbolTable, build_table
from speech.text.tokenizer import Tokenizer

DATA = Path(__file__).parent / "data"


def test_every_symbol_of_the_multilingual_sentence_set_is_in_the_table(frontend):
    """What espeak-ng (and the other backends) emit for all languages maps without <unk>."""
    pairs = read_sentence_file(DATA / "sentences.tsv")
    assert len({lang for lang, _ in pairs}) >= 37 and len(pairs) >= 300
    table = SymbolTable.default()
    spans = frontend.phonemize_batch([t for _, t in pairs], [lang for lang, _ in pairs])
    missing = {
        (s.language, sym)
        for text_spans in spans
        for s in text_spans
        for sym in split_phonemes(s.phonemes)
        if sym not in table
    }
    assert not missing


def test_encode_layout(tokenizer):
    tok = tokenizer.encode("Hola, mundo!", "es")
    assert tok.symbols[0] == "<es>"
    assert list(tok.symbols) == tokenizer.decode(tok.ids)
    assert tok.languages == ("es",) * len(tok.ids)
    assert tok.unknown == () and UNK_ID not in tok.ids
    assert "," in tok.symbols and tok.symbols[-1] == "!"


def test_ids_symbols_ids_round_trip(tokenizer):
    tok = tokenizer.encode("Der Preis ist 3,5 Euro. Wirklich?", "de")
    assert tokenizer.symbols.ids(tokenizer.decode(tok.ids)) == list(tok.ids)


def test_inline_switch_tags_each_span(tokenizer):
    tok = tokenizer.encode("I said <es>hola</es> twice", "en")
    assert [s for s in tok.symbols if s.startswith("<")] == ["<en-us>", "<es>", "<en-us>"]
    es_start = tok.symbols.index("<es>")
    assert tok.languages[es_start : es_start + 5] == ("es",) * 5
    assert tok.languages[0] == "en-us" and tok.languages[-1] == "en-us"


def test_unknown_phone_falls_back_to_code_points_then_unk(frontend, caplog):
    small = build_table([])  # no multi-character phones at all
    tok = Tokenizer(small, frontend)
    out = tok.encode("Ich habe zwei Brüder.", "de")
    assert UNK_ID not in out.ids  # 'aɪ' etc. are not phones of this table; their parts are

    class Weird:
        name = "espeak"

        def phonemize(self, texts, language):
            return ["a☃b" for _ in texts]

    from speech.text.frontend import Frontend

    weird = Tokenizer(small, Frontend(backends={"espeak": Weird()}))
    out = weird.encode("hola", "es")
    assert out.unknown == ("☃",) and UNK_ID in out.ids
    assert "not in the symbol table" in caplog.text and "es" in caplog.text


def test_batch_and_pad(tokenizer):
    batch = tokenizer.encode_batch(["Hola.", "Buenos días, amigo."], "es")
    ids, lengths = Tokenizer.pad(batch)
    assert ids.shape == (2, int(lengths.max()))
    assert list(lengths) == [len(b.ids) for b in batch]
    assert np.all(ids[0, lengths[0] :] == PAD_ID)
    assert ids[1].tolist() == list(batch[1].ids)


def test_from_dir(tmp_path, frontend):
    table = build_table(["ab"])
    table.save(tmp_path / "symbols.json")
    assert Tokenizer.from_dir(tmp_path, frontend).symbols == table
