import pytest

from speech.text.languages import get_language
from speech.text.normalize import (
    _mandarin_number,
    expand_numbers,
    normalize_punctuation,
    normalize_text,
    script_fraction,
    strip_invisible,
)


def test_nfc_and_whitespace():
    # "e" + combining acute becomes one code point; tabs/newlines fold; zero-width space goes
    assert strip_invisible("Cafe\u0301 \t\n ok\u200b!") == "Café ok!"


def test_quotes_and_dashes_become_pauses_or_disappear():
    en = get_language("en")
    assert normalize_text("“Hello” — she said… «yes»", en) == "Hello, she said. yes"
    assert normalize_punctuation("¿Qué? ¡Ya!") == "Qué? Ya!"
    assert normalize_punctuation("你好，世界。") == "你好, 世界."


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Hello , world .", "Hello, world."),  # space before a mark
        ("one - two", "one, two"),  # spaced hyphen
        ("well-known fact", "well-known fact"),  # a hyphen inside a word stays
        ("Wait.. what,, now.,", "Wait. what, now."),  # mark runs
        ("x ,.y", "x, y"),
        ("a,b and 3.5 or 3,5", "a, b and 3.5 or 3,5"),  # no space after a mark, but not in numbers
        ("Yes ,no", "Yes, no"),
        ("Really?!", "Really?!"),
        (", leading", "leading"),
        ("Bonjour : « ça va ? »", "Bonjour, ça va?"),  # non-ASCII marks, then spacing
    ],
)
def test_irregular_spacing_and_mark_runs_are_tidied(text, expected):
    # normalize_punctuation skips its substitutions when a quick search finds nothing to fix:
    # each of these must still be found
    assert normalize_punctuation(text) == expected


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        ("en", "I have 3 cats", "I have three cats"),
        ("en", "It costs 1,234 dollars", "It costs one thousand, two hundred and thirty-four dollars"),
        ("es", "Tengo 21 años", "Tengo veintiuno años"),
        ("de", "Es sind 1.000 Leute", "Es sind eintausend Leute"),
        ("fr", "J'ai 80 ans", "J'ai quatre-vingts ans"),
        ("de", "Es kostet 3,5 Euro", "Es kostet drei Komma fünf Euro"),
        ("en", "Pi is 3.14", "Pi is three point one four"),
        ("hi", "2.5 किलो", "2 दशमलव 5 किलो"),
        ("cmn", "3.5公斤", "三点五公斤"),
        ("hi", "मेरे पास 5 किताबें हैं", "मेरे पास 5 किताबें हैं"),  # espeak-ng reads Hindi digits
    ],
)
def test_numbers_are_read_in_the_language(lang, text, expected):
    assert expand_numbers(text, get_language(lang)) == expected


@pytest.mark.parametrize("n, words", [(0, "零"), (10, "十"), (12, "十二"), (105, "一百零五"),
                                      (2024, "二千零二十四"), (10010, "一万零一十"), (30000, "三万")])
def test_mandarin_numbers(n, words):
    assert _mandarin_number(n) == words


def test_number_glued_to_word_gets_spaces():
    assert expand_numbers("3cats", get_language("en")) == "three cats"


def test_script_fraction():
    assert script_fraction("Привет мир", get_language("ru")) == 1.0
    assert script_fraction("Привет мир", get_language("en")) == 0.0
    assert script_fraction("123 !", get_language("en")) == 1.0
    assert script_fraction("東京に行きます", get_language("ja")) == 1.0


def test_terminal_escapes_and_control_characters_are_breaks_never_words(caplog):
    import logging

    from speech.text import Tokenizer

    with caplog.at_level(logging.WARNING):
        assert strip_invisible("\x1b[31mred\x1b[0m alert\x07 hello\x00world") == "red alert hello world"
    assert "removed 2 terminal escape sequence(s) and 2 control character(s)" in caplog.text
    tok = Tokenizer()
    # "[31m" must not be read as "thirty-one m", and a NUL must not glue two words together.
    assert tok.encode("\x1b[31mred\x1b[0m text", "en").phonemes == tok.encode("red text", "en").phonemes
    assert tok.encode("hello\x00world", "en").phonemes == tok.encode("hello world", "en").phonemes


def test_a_semicolon_is_a_pause_except_in_greek() -> None:
    """English ';' is a pause (not a question); Greek ';' (U+037E after NFC) is the question mark."""
    assert normalize_text("I came; I saw.", get_language("en")) == "I came, I saw."
    assert normalize_text("Τι κάνεις\u037e", get_language("el")) == "Τι κάνεις?"
    assert normalize_text("Τι κάνεις;", get_language("el")) == "Τι κάνεις?"
