"""SSML: the common subset becomes text runs with rates, pitch shifts and pauses; the rest is refused."""

from __future__ import annotations

import math

import pytest

from speech.errors import SSMLError, UnknownLanguageError
from speech.text import Tokenizer
from speech.text.languages import get_language
from speech.text.ssml import looks_like_ssml, parse_ssml, ssml_to_text

EN = get_language("en")


def segs(text: str) -> list[tuple[str, float, float, float]]:
    return [(s.text, round(s.rate, 4), round(s.pitch_st, 4), round(s.pause_s, 4)) for s in parse_ssml(text, EN)]


def test_what_looks_like_ssml() -> None:
    assert looks_like_ssml('<speak>Hi</speak>') and looks_like_ssml('Hi <break time="1s"/> there')
    assert not looks_like_ssml("a < b and c > d") and not looks_like_ssml("I <3 it") and not looks_like_ssml("<es>hola</es>")


def test_breaks_rates_and_pitch() -> None:
    assert segs('<speak>Hi <break time="500ms"/> there <break time="1.5s"/><break strength="weak"/>again</speak>') == [
        ("Hi", 1.0, 0.0, 0.0), ("", 1.0, 0.0, 0.5), ("there", 1.0, 0.0, 0.0), ("", 1.0, 0.0, 1.7), ("again", 1.0, 0.0, 0.0),
    ]
    assert segs('<prosody rate="x-slow">a</prosody><prosody rate="150%">b</prosody><prosody rate="+20%">c</prosody>') == [
        ("a", 0.5, 0.0, 0.0), ("b", 1.5, 0.0, 0.0), ("c", 1.2, 0.0, 0.0),
    ]
    # Nested prosody combines: rates multiply, semitones add; -10 % pitch is 12*log2(0.9) semitones.
    nested = segs('<prosody rate="slow" pitch="+2st">a <prosody rate="fast" pitch="-10%">b</prosody></prosody>')
    assert nested == [("a", 0.75, 2.0, 0.0), ("b", round(0.75 * 1.25, 4), round(2 + 12 * math.log2(0.9), 4), 0.0)]
    assert segs('<emphasis level="strong">now</emphasis>') == [("now", 0.85, 2.0, 0.0)]


def test_say_as_sub_lang_and_structure() -> None:
    assert ssml_to_text('<say-as interpret-as="characters">USA</say-as>', EN) == "U S A"
    assert ssml_to_text('<say-as interpret-as="digits">2024</say-as>', EN) == "2 0 2 4"
    assert ssml_to_text('The <say-as interpret-as="ordinal">3</say-as> day', EN) == "The third day"
    assert ssml_to_text('<sub alias="World Wide Web">WWW</sub>', EN) == "World Wide Web"
    assert ssml_to_text('I said <lang xml:lang="es">hola</lang>', EN) == "I said <es>hola</es>"
    assert [s.pause_s for s in parse_ssml("<speak><s>One.</s><s>Two.</s></speak>", EN) if s.is_pause] == [0.3]
    assert ssml_to_text('<speak>Hello <mark name="m1"/>there</speak>', EN) == "Hello there"


def test_the_front_end_reads_the_words_never_the_tags() -> None:
    tok = Tokenizer()
    marked = tok.encode('<speak>Hello <break time="500ms"/> <prosody rate="slow">world</prosody></speak>', "en")
    assert marked.phonemes == tok.encode("Hello world", "en").phonemes
    mixed = tok.encode('<speak>I said <lang xml:lang="es">hola</lang></speak>', "en")
    assert set(mixed.languages) == {"en-us", "es"}


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("<speak>Hello", "not well-formed XML"),
        ('<speak>Hi <break time="soon"/></speak>', "write the time as e.g. 500ms"),
        ('<speak>Hi <break time="11s"/></speak>', "longer than 10 s"),
        ('<speak><prosody rate="0%">a</prosody></speak>', "faster than a standstill"),
        ('<speak><prosody pitch="200Hz">a</prosody></speak>', "Hz is not supported"),
        ('<speak><prosody volume="loud">a</prosody></speak>', "<prosody volume=...> is not supported"),
        ('<speak><audio src="x.wav"/></speak>', "audio"),
        ('<speak><phoneme ph="x">a</phoneme></speak>', "phoneme"),
        ('<speak><say-as interpret-as="date">1/2</say-as></speak>', "'date'.* is not supported"),
        ('<speak><say-as interpret-as="ordinal">third</say-as></speak>', "needs a whole number"),
        ('<!DOCTYPE x [<!ENTITY a "b">]><speak>&a;</speak>', "document type declaration"),
    ],
)
def test_what_cannot_be_rendered_is_refused_by_name(text: str, match: str) -> None:
    with pytest.raises(SSMLError, match=match):
        parse_ssml(text, EN)


def test_unknown_xml_lang_is_named() -> None:
    with pytest.raises(UnknownLanguageError, match="xml:lang='xx'"):
        parse_ssml('<speak xml:lang="xx">Hi</speak>', EN)
