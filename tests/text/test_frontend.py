import logging
import warnings

import pytest

from speech.errors import EmptyTextError, MarkupError, TextTooLongError, UnknownLanguageError
from speech.text.backends import BACKENDS
from speech.text.backends.pinyin import pinyin_to_ipa
from speech.text.frontend import Frontend, FrontendConfig, ScriptMismatchWarning

# Checked by hand once against IPA references for each language, then pinned.
PINNED = [
    ("en-us", "The quick brown fox jumps over the lazy dog.", "ðə kwˈɪk bɹˈaʊn fˈɑːks dʒˈʌmps ˌoʊvɚ ðə lˈeɪzi dˈɑːɡ."),
    ("en-gb", "I can't find my car.", "aɪ kˈɑːnt fˈaɪnd maɪ kˈɑː."),
    ("es", "¿Dónde está la biblioteca?", "dˈonde estˈa la βˌiβliotˈeka?"),
    ("fr", "Je voudrais un café, s'il vous plaît.", "ʒə- vudʁˈɛz œ̃ kafˈe, sil vu plˈɛ."),
    ("de", "Ich habe zwei Brüder.", "ɪç hɑːbə tsvˈaɪ bɾˈyːdɜ."),
    ("it", "Buongiorno, come stai?", "bʊondʒˈɔrno, kˌome stˈaj?"),
    ("pt-br", "Eu gosto de música.", "eʊ ɡˈɔstʊ dʒy mˈuzikæ."),
    ("nl", "Goedemorgen, hoe gaat het?", "ɣˈudəmˌɔrɣən, hˈu ɣˈaːt hət?"),
    ("pl", "Dziękuję bardzo!", "dʑɛŋkˈujɛ bˈardʑɔ!"),
    ("cs", "Dobrý den, jak se máte?", "dˈobriː dˈen, jˈak se mˈaːte?"),
    ("ru", "Я люблю читать книги.", "ˈja ɭʲubɭʲˈu tʃʲitˈɑtʲ knʲˈiɡʲɪ."),
    ("fi", "Hyvää huomenta!", "hˈyvæː hˈuomenta!"),
    ("hi", "मैं पानी पीता हूँ।", "mɛ̃ pˈaːni pˈiːtaː hũ."),
    ("cmn", "我爱北京。", "wo˨˩˦ ai̯˥˩ pei̯˨˩˦tɕiŋ˥˥."),
    ("ja", "ありがとうございます。", "ˌäɽiɡˌäto̞ˌɯᵝɡo̞zˌäimˈäsɯᵝ."),
    ("ko", "감사합니다.", "ɡˈɐmsɐhˌɐpnidˌɐ."),
    ("vi", "Cảm ơn bạn.", "kˈaː4m ˈəːn bˈaː6n."),
    ("tr", "Günaydın, nasılsın?", "ɟynajdˈɯn, nasɯɫsˈɯn?"),
    ("el", "Καλημέρα, τι κάνεις;", "kˌalimˈera, tˈi kˈanis?"),
]


@pytest.mark.parametrize("lang, text, ipa", PINNED, ids=[p[0] for p in PINNED])
def test_pinned_phonemes(frontend, lang, text, ipa):
    import unicodedata

    spans = frontend.phonemize(text, lang)
    assert len(spans) == 1
    assert spans[0].phonemes == unicodedata.normalize("NFD", ipa)


def test_stress_and_tone_are_kept(frontend):
    assert "ˈ" in frontend.phonemize("Wonderful weather", "en")[0].phonemes
    assert "˨˩˦" in frontend.phonemize("你好", "zh")[0].phonemes
    assert any(d in frontend.phonemize("Việt Nam", "vi")[0].phonemes for d in "123456")


@pytest.mark.parametrize(
    "lang, text, marks",
    [
        ("en-us", "Wait?! No, no, no.", ["?!", ",", ",", "."]),
        ("ru", "Привет, мир! Как дела?", [",", "!", "?"]),  # the next clause starts with 2 bytes
        ("hi", "नमस्ते, आप कैसे हैं? ठीक।", [",", "?", "."]),  # 3-byte characters
        ("de", "Ja. Nein, doch", [".", ","]),  # no mark at the end: none invented
    ],
)
def test_break_marks_come_back_from_espeak_clauses(frontend, lang, text, marks):
    """espeak-ng ends a clause at each mark and reads one character ahead; every mark is kept,
    attached to the word before it, and none is made up."""
    ipa = frontend.phonemize(text, lang)[0].phonemes
    found = [w[len(w.rstrip(",.?!")) :] for w in ipa.split() if w[-1] in ",.?!"]
    assert found == marks
    assert not any(w.strip(",.?!") == "" for w in ipa.split())


def test_mandarin_backend_reads_polyphones_in_context(frontend):
    # 行 is hang2 in 银行 (bank) and xing2 in 行走 (walk); espeak-ng reads both the same
    bank = frontend.phonemize("银行", "cmn")[0].phonemes
    walk = frontend.phonemize("行走", "cmn")[0].phonemes
    assert bank.startswith("in˧˥xaŋ˧˥")
    assert walk.startswith("ɕiŋ˧˥")


@pytest.mark.parametrize("syllable, ipa", [("zhong1", "ʈʂʊŋ˥˥"), ("xue2", "ɕɥe˧˥"), ("si4", "sɹ̩˥˩"),
                                            ("lv4", "ly˥˩"), ("you3", "jou̯˨˩˦"), ("de5", "tɤ"),
                                            ("yo1", "jo˥˥")])
def test_pinyin_to_ipa(syllable, ipa):
    assert pinyin_to_ipa(syllable) == ipa


def test_pinyin_to_ipa_covers_every_syllable_of_pypinyins_dictionary():
    from pypinyin.contrib.tone_convert import to_tone3
    from pypinyin.pinyin_dict import pinyin_dict

    syllables = {to_tone3(p) for readings in pinyin_dict.values() for p in readings.split(",")}
    # ê1-4 (欸, 誒) are alternative readings that lazy_pinyin never returns (it says ai1, ei2).
    syllables = {s for s in syllables if not s.startswith("ê")}
    assert len(syllables) > 1500
    for syllable in sorted(syllables):
        assert pinyin_to_ipa(syllable)  # raises ValueError on a syllable the table lacks


def test_japanese_kanji_are_read_not_spelled(frontend):
    ipa = frontend.phonemize("東京", "ja")[0].phonemes
    assert "tʃˈaɪniːz" not in ipa  # espeak-ng alone says "Chinese letter"
    import unicodedata

    plain = ipa.replace("ˈ", "").replace("ˌ", "")
    assert plain == unicodedata.normalize("NFD", "to̞ɯᵝkʲo̞ɯᵝ")  # to-u-kyo-u


def test_inline_language_switching(frontend):
    spans = frontend.phonemize("I said <es>hola</es> twice", "en")
    assert [s.language for s in spans] == ["en-us", "es", "en-us"]
    assert spans[1].phonemes == "ˈola"


@pytest.mark.parametrize("text", ["<es>hola", "hola</es>", "<es>a <fr>b</fr></es>"])
def test_malformed_markup(frontend, text):
    with pytest.raises(MarkupError):
        frontend.phonemize(text, "en")


def test_unknown_inline_language(frontend):
    with pytest.raises(UnknownLanguageError):
        frontend.phonemize("<xx>hola</xx>", "en")


def test_non_language_tags_are_text(frontend):
    assert frontend.phonemize("line<br>break", "en")[0].text == "line br break"


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "?!...", "“ ”"])
def test_empty_text(frontend, text):
    with pytest.raises(EmptyTextError):
        frontend.phonemize(text, "en")


def test_text_over_limit():
    fe = Frontend(FrontendConfig(max_chars=20))
    with pytest.raises(TextTooLongError, match="limit of 20"):
        fe.phonemize("a" * 21, "en")


def test_text_in_another_script_is_read_by_a_language_of_that_script(frontend, caplog):
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        spans = frontend.phonemize("Привет мир", "en")
    assert [s.language for s in spans] == ["ru"]
    assert spans == frontend.phonemize("Привет мир", "ru")
    assert any(issubclass(w.category, ScriptMismatchWarning) for w in caught)
    assert "as Russian (ru)" in caplog.text and "<ru>" in caplog.text


def test_mixed_scripts_become_spans_of_their_languages(frontend):
    spans = frontend.phonemize("I said 你好 and שלום today", "en")
    assert [s.language for s in spans] == ["en-us", "cmn", "en-us", "he", "en-us"]
    assert "Chinese" not in " ".join(s.text for s in spans)
    assert spans[1].phonemes == frontend.phonemize("你好", "cmn")[0].phonemes
    # Han next to kana is Japanese; Latin inside Russian is read in English.
    assert [s.language for s in frontend.phonemize("東京にいきます", "en")] == ["ja"]
    assert [s.language for s in frontend.phonemize("Я люблю Python", "ru")] == ["ru", "en-us"]
    # Letters of the language's own scripts stay with it.
    assert [s.language for s in frontend.phonemize("ünïcödé café", "fr")] == ["fr"]


def test_a_script_no_language_reads_is_spelt_with_a_warning(frontend, caplog):
    with caplog.at_level(logging.WARNING):
        spans = frontend.phonemize("Say สวัสดี now", "en")
    assert [s.language for s in spans] == ["en-us"]
    assert "letter by letter" in caplog.text


def test_batch_equals_single(frontend):
    texts = ["Hola mundo.", "Buenos días!", "Hola mundo."]
    batch = frontend.phonemize_batch(texts, "es")
    fresh = Frontend()
    assert batch == [fresh.phonemize(t, "es") for t in texts]


def test_cache_is_lru_and_bounded():
    calls = []

    class Counting:
        name = "espeak"

        def phonemize(self, texts, language):
            calls.extend(texts)
            return [t.lower() for t in texts]

    fe = Frontend(FrontendConfig(cache_size=2), backends={"espeak": Counting()})
    fe.phonemize("A", "es")
    fe.phonemize("A", "es")
    assert calls == ["A"]
    fe.phonemize("B", "es")
    fe.phonemize("C", "es")  # evicts A
    fe.phonemize("A", "es")
    assert calls == ["A", "B", "C", "A"]


def test_custom_backend_plugs_in_and_override_is_validated():
    class Upper:
        name = "upper"

        def phonemize(self, texts, language):
            return [t.upper() for t in texts]

    fe = Frontend(backends={"espeak": Upper()})
    assert fe.phonemize("hola", "es")[0].phonemes == "HOLA"
    assert set(BACKENDS) >= {"espeak", "pinyin", "kana"}
    with pytest.raises(ValueError, match="unknown G2P backend"):
        FrontendConfig(backends={"es": "nope"})
    with pytest.raises(UnknownLanguageError):
        FrontendConfig(backends={"xx": "espeak"})
