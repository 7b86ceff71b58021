"""SSML: the common subset, mapped onto what the synthesizer can do.

Users of TTS engines write SSML; reading it tag by tag ("less than speak greater than") is the
worst answer. :func:`parse_ssml` turns a document into :class:`SSMLSegment` runs of plain text
(with inline ``<es>..</es>`` language spans, which the front-end already understands) carrying a
speaking-rate factor, a pitch shift in semitones, or a pause. Supported:

==============================  ==================================================================
``<speak xml:lang="en">``        the root (optional: SSML-looking text without it is wrapped)
``<break time="500ms"/>``        a pause (``time`` in ms or s, up to 10 s; or ``strength``
                                 none / x-weak / weak / medium / strong / x-strong)
``<prosody rate= pitch=>``       rate: x-slow ... x-fast, ``150%``, ``+20%``, ``1.5``; pitch:
                                 x-low ... x-high, ``+2st``, ``-10%``; nested values combine
``<emphasis level=>``            strong / moderate / reduced / none: slower and higher, or faster
                                 and lower
``<lang xml:lang="es">``         an inline language switch (so is ``<es>..</es>``)
``<say-as interpret-as=>``       cardinal / number, ordinal, characters / spell-out / verbatim,
                                 digits
``<sub alias="...">``            speak the alias instead of the text
``<p>``, ``<s>``                 paragraph and sentence: a pause after them
``<mark name=.../>``             accepted and ignored (it produces no sound)
==============================  ==================================================================

Anything else (``<audio>``, ``<phoneme>``, ``<voice>``, ``prosody volume``, vendor extensions) is
refused with :class:`~speech.errors.SSMLError` naming the element or attribute, rather than being
read aloud or silently dropped. A document type declaration is refused (no entity expansion).

Example:
    >>> from speech.text.languages import get_language
    >>> segs = parse_ssml('<speak>Hi <break time="300ms"/><prosody rate="slow">there</prosody></speak>',
    ...                   get_language("en"))
    >>> [(s.text, s.rate, s.pause_s) for s in segs]
    [('Hi', 1.0, 0.0), ('', 1.0, 0.3), ('there', 0.75, 0.0)]
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from speech.errors import SSMLError, UnknownLanguageError
from speech.text.languages import Language, get_language

#: Elements that make text SSML (as opposed to ``a < b`` or ``<3``).
_SSML_TAG = re.compile(
    r"<\s*/?\s*(?:speak|break|prosody|emphasis|say-as|sub|phoneme|audio|voice|mark|lang|p|s|"
    r"amazon:[\w-]+|mstts:[\w-]+)(?:\s[^<>]*)?/?\s*>",
    re.IGNORECASE,
)
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_LONGEST_BREAK_S = 10.0

BREAK_STRENGTH_S: dict[str, float] = {
    "none": 0.0, "x-weak": 0.1, "weak": 0.2, "medium": 0.4, "strong": 0.7, "x-strong": 1.2,
}
RATE_NAMES: dict[str, float] = {"x-slow": 0.5, "slow": 0.75, "medium": 1.0, "default": 1.0, "fast": 1.25, "x-fast": 1.5}
PITCH_NAMES_ST: dict[str, float] = {"x-low": -6.0, "low": -3.0, "medium": 0.0, "default": 0.0, "high": 3.0, "x-high": 6.0}
#: level -> (rate factor, pitch shift in semitones)
EMPHASIS: dict[str, tuple[float, float]] = {
    "strong": (0.85, 2.0), "moderate": (0.92, 1.0), "none": (1.0, 0.0), "reduced": (1.1, -1.0),
}
SAY_AS: tuple[str, ...] = ("cardinal", "number", "ordinal", "characters", "spell-out", "verbatim", "digits")
SUPPORTED_ELEMENTS: tuple[str, ...] = ("speak", "break", "prosody", "emphasis", "lang", "say-as", "sub", "p", "s", "mark")
#: Pause after a paragraph and after a sentence element.
PARAGRAPH_PAUSE_S, SENTENCE_PAUSE_S = 0.6, 0.3


@dataclass(frozen=True)
class SSMLSegment:
    """A run of text spoken with one prosody, or a pause.

    Attributes:
        text: plain text with inline ``<code>..</code>`` spans for other languages; empty for a pause.
        rate: speaking-rate factor (multiplies the caller's speed).
        pitch_st: pitch shift in semitones.
        pause_s: seconds of silence (for a pause; 0 for text).
    """

    text: str
    rate: float = 1.0
    pitch_st: float = 0.0
    pause_s: float = 0.0

    @property
    def is_pause(self) -> bool:
        return not self.text


def looks_like_ssml(text: str) -> bool:
    """Whether ``text`` holds SSML elements (``<speak>``, ``<break/>``...)."""
    return "<" in text and _SSML_TAG.search(text) is not None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _seconds(value: str) -> float:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*", value)
    if m is None:
        raise SSMLError(f"<break time={value!r}>: write the time as e.g. 500ms or 1.5s")
    seconds = float(m.group(1)) / (1000.0 if m.group(2) == "ms" else 1.0)
    if seconds > _LONGEST_BREAK_S:
        raise SSMLError(f"<break time={value!r}> is longer than {_LONGEST_BREAK_S:g} s")
    return seconds


def _rate(value: str) -> float:
    v = value.strip().lower()
    if v in RATE_NAMES:
        return RATE_NAMES[v]
    if m := re.fullmatch(r"([+-])(\d+(?:\.\d+)?)%", v):  # relative change
        factor = 1.0 + (1 if m.group(1) == "+" else -1) * float(m.group(2)) / 100.0
    elif m := re.fullmatch(r"(\d+(?:\.\d+)?)%", v):
        factor = float(m.group(1)) / 100.0
    elif m := re.fullmatch(r"(\d+(?:\.\d+)?)", v):
        factor = float(m.group(1))
    else:
        raise SSMLError(f"<prosody rate={value!r}>: use x-slow, slow, medium, fast, x-fast, 80%, +20% or 1.5")
    if not factor > 0:
        raise SSMLError(f"<prosody rate={value!r}> must be faster than a standstill")
    return factor


def _pitch(value: str) -> float:
    v = value.strip().lower()
    if v in PITCH_NAMES_ST:
        return PITCH_NAMES_ST[v]
    if m := re.fullmatch(r"([+-]?\d+(?:\.\d+)?)st", v):
        return float(m.group(1))
    if m := re.fullmatch(r"([+-])(\d+(?:\.\d+)?)%", v):
        ratio = 1.0 + (1 if m.group(1) == "+" else -1) * float(m.group(2)) / 100.0
        if ratio <= 0:
            raise SSMLError(f"<prosody pitch={value!r}> lowers the pitch below zero")
        return 12.0 * math.log2(ratio)
    raise SSMLError(f"<prosody pitch={value!r}>: use x-low, low, medium, high, x-high, +2st or -10% (Hz is not supported)")


def _say_as(kind: str, text: str, language: Language) -> str:
    kind = kind.strip().lower()
    body = text.strip()
    if kind in ("cardinal", "number"):
        return body
    if kind == "digits":
        return " ".join(ch for ch in body if not ch.isspace())
    if kind in ("characters", "spell-out", "verbatim"):
        return " ".join(ch for ch in body if not ch.isspace())
    if kind == "ordinal":
        digits = body.rstrip(".").replace(",", "")
        if not digits.isdigit():
            raise SSMLError(f"<say-as interpret-as='ordinal'> needs a whole number, got {body!r}")
        if language.num2words_lang is None:
            raise SSMLError(f"<say-as interpret-as='ordinal'> is not available for {language.display_name}")
        from num2words import num2words

        return num2words(int(digits), lang=language.num2words_lang, to="ordinal")
    raise SSMLError(f"<say-as interpret-as={kind!r}> is not supported; use one of {', '.join(SAY_AS)}")


def _check_attributes(elem: ET.Element, name: str, allowed: set[str]) -> None:
    for attr in elem.attrib:
        local = "xml:lang" if attr == _XML_LANG else _local(attr)
        if local not in allowed:
            what = f"<{name} {local}=...>"
            raise SSMLError(f"{what} is not supported; <{name}> takes {', '.join(sorted(allowed)) or 'no attributes'}")


def _element_language(elem: ET.Element, current: Language) -> Language:
    code = elem.get(_XML_LANG) or elem.get("lang")
    if code is None:
        return current
    try:
        return get_language(code)
    except UnknownLanguageError as e:
        raise UnknownLanguageError(f"SSML xml:lang={code!r}: {e}") from None


class _Builder:
    """Collects text runs and pauses while the tree is walked."""

    def __init__(self, default: Language) -> None:
        self.default = default
        self.segments: list[SSMLSegment] = []
        self._runs: list[tuple[str, Language]] = []
        self._prosody: tuple[float, float] = (1.0, 0.0)

    def text(self, text: str | None, language: Language, rate: float, pitch: float) -> None:
        if not text or not text.strip():
            if text and self._runs:
                self._runs.append((" ", language))
            return
        if self._runs and self._prosody != (rate, pitch):
            self.flush()
        self._prosody = (rate, pitch)
        self._runs.append((text, language))

    def pause(self, seconds: float, boundary: bool = False) -> None:
        """Add silence; ``boundary``: the edge of a ``<p>``/``<s>``, which does not add to a neighbouring pause."""
        self.flush()
        if boundary and not self.segments:
            return  # nothing before it to set apart
        if seconds > 0:
            if self.segments and self.segments[-1].is_pause:
                last = self.segments.pop().pause_s
                seconds = max(seconds, last) if boundary else seconds + last
            self.segments.append(SSMLSegment("", pause_s=min(seconds, _LONGEST_BREAK_S)))

    def flush(self) -> None:
        if not self._runs:
            return
        pieces = []
        for text, lang in self._runs:
            words = " ".join(text.split())
            if words and lang.code != self.default.code:
                words = f"<{lang.code}>{words}</{lang.code}>"
            # Element boundaries keep the spacing of the source: "<emphasis>very</emphasis> good".
            pieces.append((" " if text[:1].isspace() else "") + words + (" " if text[-1:].isspace() else ""))
        joined = " ".join("".join(pieces).split())
        self._runs = []
        # Punctuation right after an element ("<emphasis>now</emphasis>!") belongs to the text before it.
        lead = re.match(r"[^\w\s<]+", joined)
        if lead and self.segments and not self.segments[-1].is_pause:
            last = self.segments.pop()
            self.segments.append(SSMLSegment(last.text + lead.group(0), last.rate, last.pitch_st))
            joined = joined[lead.end():].strip()
        if any(ch.isalnum() for ch in joined):
            self.segments.append(SSMLSegment(joined, *self._prosody))


def _walk(elem: ET.Element, out: _Builder, language: Language, rate: float, pitch: float) -> None:
    name = _local(elem.tag)
    if name == "speak":
        _check_attributes(elem, name, {"xml:lang", "version", "xmlns", "lang"})
        language = _element_language(elem, language)
    elif name == "break":
        _check_attributes(elem, name, {"time", "strength"})
        if "time" in elem.attrib:
            out.pause(_seconds(elem.attrib["time"]))
        else:
            strength = elem.get("strength", "medium").strip().lower()
            if strength not in BREAK_STRENGTH_S:
                raise SSMLError(f"<break strength={strength!r}>: use one of {', '.join(BREAK_STRENGTH_S)}")
            out.pause(BREAK_STRENGTH_S[strength])
        if (elem.text or "").strip() or len(elem):
            raise SSMLError("<break> is empty: write <break time=\"500ms\"/>")
        return
    elif name == "prosody":
        _check_attributes(elem, name, {"rate", "pitch"})
        if "rate" in elem.attrib:
            rate *= _rate(elem.attrib["rate"])
        if "pitch" in elem.attrib:
            pitch += _pitch(elem.attrib["pitch"])
    elif name == "emphasis":
        _check_attributes(elem, name, {"level"})
        level = elem.get("level", "moderate").strip().lower()
        if level not in EMPHASIS:
            raise SSMLError(f"<emphasis level={level!r}>: use one of {', '.join(EMPHASIS)}")
        rate, pitch = rate * EMPHASIS[level][0], pitch + EMPHASIS[level][1]
    elif name == "lang":
        _check_attributes(elem, name, {"xml:lang", "lang"})
        if elem.get(_XML_LANG) is None and elem.get("lang") is None:
            raise SSMLError('<lang> needs a language: <lang xml:lang="es">hola</lang>')
        language = _element_language(elem, language)
    elif name in ("say-as", "sub"):
        if len(elem):
            raise SSMLError(f"<{name}> holds plain text only, not other elements")
        if name == "say-as":
            _check_attributes(elem, name, {"interpret-as", "format", "detail"})
            kind = elem.get("interpret-as")
            if kind is None:
                raise SSMLError("<say-as> needs interpret-as, e.g. <say-as interpret-as=\"ordinal\">3</say-as>")
            out.text(_say_as(kind, elem.text or "", language), language, rate, pitch)
        else:
            _check_attributes(elem, name, {"alias"})
            if elem.get("alias") is None:
                raise SSMLError('<sub> needs alias: <sub alias="World Health Organisation">WHO</sub>')
            out.text(elem.get("alias"), language, rate, pitch)
        return
    elif name in ("p", "s"):
        _check_attributes(elem, name, {"xml:lang", "lang"})
        language = _element_language(elem, language)
        out.pause(PARAGRAPH_PAUSE_S if name == "p" else SENTENCE_PAUSE_S, boundary=True)
    elif name == "mark":
        _check_attributes(elem, name, {"name"})
        return
    elif _is_language_code(name) and not elem.attrib:
        language = get_language(name)  # the project's own <es>..</es> spans, inside SSML
    else:
        raise SSMLError(f"SSML element <{name}> is not supported; supported: {', '.join(SUPPORTED_ELEMENTS)}")
    out.text(elem.text, language, rate, pitch)
    for child in elem:
        _walk(child, out, language, rate, pitch)
        out.text(child.tail, language, rate, pitch)
    if name in ("p", "s"):
        out.pause(PARAGRAPH_PAUSE_S if name == "p" else SENTENCE_PAUSE_S, boundary=True)


def _is_language_code(name: str) -> bool:
    try:
        get_language(name)
    except (UnknownLanguageError, ValueError):
        return False
    return True


def parse_ssml(text: str, language: Language) -> list[SSMLSegment]:
    """Parse an SSML document (or text with SSML elements) into segments.

    Args:
        text: ``<speak>...</speak>``, or text holding SSML elements (it is wrapped in ``<speak>``).
        language: the language of text outside ``<lang>`` elements (``<speak xml:lang>`` overrides it).

    Returns:
        Text runs (one prosody each) and pauses, in order; neighbouring pauses are merged.

    Raises:
        SSMLError: malformed XML, a document type declaration, or an element, attribute or value
            that cannot be rendered (the message names it).
        UnknownLanguageError: ``xml:lang`` names an unknown language.
    """
    body = text.strip()
    if re.search(r"<!\s*(DOCTYPE|ENTITY)", body, re.IGNORECASE):
        raise SSMLError("SSML with a document type declaration (<!DOCTYPE>/<!ENTITY>) is refused")
    body = re.sub(r"^<\?xml[^>]*\?>", "", body).strip()
    if not re.match(r"<\s*speak\b", body, re.IGNORECASE):
        body = f"<speak>{body}</speak>"
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        raise SSMLError(f"SSML is not well-formed XML ({e}); close every element and write & as &amp;") from None
    if _local(root.tag) != "speak":
        raise SSMLError(f"the SSML root element must be <speak>, not <{_local(root.tag)}>")
    out = _Builder(language)
    _walk(root, out, language, 1.0, 0.0)
    out.flush()
    while out.segments and out.segments[-1].is_pause:
        out.segments.pop()  # silence at the very end adds nothing
    return out.segments


def ssml_to_text(text: str, language: Language) -> str:
    """The words of an SSML document as plain text (inline language spans kept, prosody dropped).

    What the phonemizer reads when it is handed SSML: it has no use for pauses or rates, but it
    must neither read the tags aloud nor lose the words inside them.
    """
    return " ".join(s.text for s in parse_ssml(text, language) if s.text)
