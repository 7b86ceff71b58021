"""Every sentence of the bootstrap corpus phonemises into the shared symbol table, nothing unknown."""

import logging
from pathlib import Path

import speech.data.bootstrap as bootstrap
from speech.text.phonemes import split_phonemes
from speech.text.tokenizer import Tokenizer

SENTENCES = Path(bootstrap.__file__).parent / "sentences"


def test_every_bootstrap_sentence_tokenizes_without_unknown_symbols():
    tokenizer = Tokenizer()
    files = sorted(SENTENCES.glob("*.txt"))
    assert len(files) >= 8
    for f in files:
        lines = [ln.strip() for ln in f.read_text(encoding="utf-8").splitlines() if ln.strip()]
        assert len(lines) >= 300, f.name
        tokens = tokenizer.encode_batch(lines, f.stem)
        unknown = {s for tok in tokens for s in tok.unknown}
        assert not unknown, (f.name, unknown)
        # stronger: every phone is a symbol of its own, not a code-point fallback
        missing = {p for tok in tokens for span in tok.spans for p in split_phonemes(span.phonemes)
                   if p not in tokenizer.symbols}
        assert not missing, (f.name, missing)


def test_every_slu_phrase_tokenizes_without_unknown_symbols(caplog):
    from speech.data.bootstrap.slu import load_phrases, slu_languages

    caplog.set_level(logging.WARNING)
    tokenizer = Tokenizer()
    langs = slu_languages()
    assert {"en-us", "es", "fr", "de"} <= set(langs)
    for lang in langs:
        texts = sorted({t for texts in load_phrases(lang).values() for t in texts})
        tokens = tokenizer.encode_batch(texts, lang)
        assert not {s for tok in tokens for s in tok.unknown}, lang
        missing = {p for tok in tokens for span in tok.spans for p in split_phonemes(span.phonemes)
                   if p not in tokenizer.symbols}
        assert not missing, (lang, missing)
        assert all(len(tok.ids) > 2 for tok in tokens), lang
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
