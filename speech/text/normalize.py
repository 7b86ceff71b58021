"""Text normalisation before G2P: pure functions, one language at a time.

The steps, in order (see :func:`normalize_text`):

1. Unicode NFC; control, format, private-use and unassigned characters removed (they crash or
   confuse espeak-ng); all whitespace folded to single spaces.
2. Quotes and brackets dropped, dashes and colons turned into pauses, full-width CJK punctuation
   turned into ASCII, so that only the four prosodic break marks ``, . ? !`` reach the G2P.
3. Numbers read out in the text's language: ``num2words`` where the registry names it, a small
   reader for Mandarin, and espeak-ng's own number rules elsewhere.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from speech.text.languages import Language

# The prosodic break marks that survive normalisation; everything else maps onto them or goes.
BREAK_MARKS: tuple[str, ...] = (",", ".", "?", "!")

_PUNCT_MAP = {
    # full-width and CJK forms
    "，": ",", "、": ",", "。": ".", "？": "?", "！": "!", "：": ",", "；": ",", "．": ".",
    # pauses
    ";": ",", ":": ",", "…": ".", "—": ",", "–": ",", "―": ",", "‒": ",",
    # Arabic and Greek forms
    "،": ",", "؛": ",", "؟": "?", ";": "?", "·": ",",
    # Devanagari danda
    "।": ".", "॥": ".",
}
# Opening marks of Spanish questions/exclamations carry no extra information once the closing
# mark is kept; quotes and brackets are not spoken.
_DROP = set("¡¿\"“”„‟«»‹›「」『』（）()[]{}<>*_#|~^`")
_APOSTROPHES = {"’": "'", "‘": "'", "‛": "'", "`": "'", "´": "'", "ʼ": "'"}
_CJK_DIGITS = "零一二三四五六七八九"

_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")


def strip_invisible(text: str) -> str:
    """NFC-normalise and drop characters that are not printable text; fold whitespace."""
    text = unicodedata.normalize("NFC", text)
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch.isspace():
            out.append(" ")
        elif cat[0] == "C":  # Cc, Cf, Cs, Co, Cn: controls, formats, surrogates, private, unassigned
            continue
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def normalize_punctuation(text: str) -> str:
    """Map punctuation onto the break marks ``, . ? !``, drop quotes/brackets, tidy spacing."""
    chars = []
    for ch in text:
        ch = _APOSTROPHES.get(ch, ch)
        if ch in _DROP:
            chars.append(" ")
            continue
        chars.append(_PUNCT_MAP.get(ch, ch))
    text = "".join(chars)
    text = re.sub(r"\.{2,}", ".", text)
    text = re.sub(r"\s+([,.?!])", r"\1", text)  # no space before a mark
    text = re.sub(r"([,.?!])(?=[^\s\d,.?!])", r"\1 ", text)  # one space after a mark (not in 3.5)
    text = re.sub(r",+", ",", text)
    text = re.sub(r"^[\s,.?!]+", "", text)  # a text never starts with a pause
    text = re.sub(r"\s+-\s+", ", ", text)  # a spaced hyphen is a dash
    return " ".join(text.split())


def _mandarin_number(n: int, leading: bool = True) -> str:
    """Read a non-negative integer in Mandarin (一万二千三百四十五).

    ``leading``: the number starts the reading, so 12 is 十二 (inside 一万零一十, it is 一十).
    """
    if n == 0:
        return _CJK_DIGITS[0]
    units = [(10**8, "亿"), (10**4, "万")]
    for value, name in units:
        if n >= value:
            high, low = divmod(n, value)
            rest = "" if low == 0 else ("零" if low < value // 10 else "") + _mandarin_number(low, False)
            return _mandarin_number(high, leading) + name + rest
    out, started, zero_pending = [], False, False
    for value, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = (n // value) % 10
        if digit == 0:
            zero_pending = started
            continue
        if zero_pending:
            out.append("零")
            zero_pending = False
        # 十二 rather than 一十二 when ten is the leading unit
        if not (value == 10 and digit == 1 and not started and leading):
            out.append(_CJK_DIGITS[digit])
        out.append(name)
        started = True
    return "".join(out)


def _read_number(token: str, language: Language) -> str:
    """Spell one digit group such as ``1,234`` or ``3.5`` in ``language``; keep it if unsure."""
    dec = language.decimal_separator
    group = "," if dec == "." else "."
    parts = token.split(dec)
    if len(parts) > 2:
        return token
    integer = parts[0]
    # 1,234,567 (en) / 1.234.567 (de): drop grouping only when every group has three digits
    if group in integer:
        groups = integer.split(group)
        if not all(len(g) == 3 for g in groups[1:]) or not 1 <= len(groups[0]) <= 3:
            return token
        integer = "".join(groups)
    if not integer.isdigit():
        return token
    if language.code == "cmn":
        spoken = _mandarin_number(int(integer))
        if len(parts) == 2:
            spoken += "点" + "".join(_CJK_DIGITS[int(d)] for d in parts[1])
        return spoken
    if len(parts) == 2 or language.num2words_lang is None or len(integer) > 15:
        # espeak-ng reads digits in the voice's language, and its decimal words are more reliable
        # than num2words' (which says "point fifty" for .5 in some languages); give it the local
        # decimal mark.
        return integer if len(parts) == 1 else f"{integer}{dec}{parts[1]}"
    from num2words import num2words

    return num2words(int(integer), lang=language.num2words_lang)


def expand_numbers(text: str, language: Language) -> str:
    """Replace every number in ``text`` with its spoken form in ``language``."""
    return _NUMBER_RE.sub(lambda m: _spaced(_read_number(m.group(0), language), m, text), text)


def _spaced(spoken: str, match: re.Match[str], text: str) -> str:
    # Keep words apart from neighbouring letters ("3cats" -> "three cats"), except in scripts
    # written without spaces.
    if not spoken or not spoken[0].isalpha() or unicodedata.name(spoken[0], "").startswith("CJK"):
        return spoken
    before = text[match.start() - 1] if match.start() > 0 else " "
    after = text[match.end()] if match.end() < len(text) else " "
    return (" " if before.isalpha() else "") + spoken + (" " if after.isalpha() else "")


_SCRIPT_PREFIXES: dict[str, tuple[str, ...]] = {
    "Latn": ("LATIN",),
    "Cyrl": ("CYRILLIC",),
    "Grek": ("GREEK",),
    "Arab": ("ARABIC",),
    "Hebr": ("HEBREW",),
    "Deva": ("DEVANAGARI",),
    "Telu": ("TELUGU",),
    "Taml": ("TAMIL",),
    "Beng": ("BENGALI",),
    "Hani": ("CJK",),
    "Jpan": ("CJK", "HIRAGANA", "KATAKANA"),
    "Hang": ("HANGUL",),
}


def script_of(ch: str) -> str | None:
    """The ISO 15924 code of a letter's script (``None`` for non-letters or other scripts)."""
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    for code, prefixes in _SCRIPT_PREFIXES.items():
        if code == "Jpan":
            continue
        if name.startswith(prefixes):
            return code
    if name.startswith(("HIRAGANA", "KATAKANA")):
        return "Kana"
    return "Zyyy"


def script_fraction(text: str, language: Language) -> float:
    """Fraction of the letters in ``text`` that are written in one of ``language``'s scripts.

    Returns 1.0 for text without letters (digits, punctuation).
    """
    scripts = Counter(s for s in map(script_of, text) if s is not None)
    total = sum(scripts.values())
    if total == 0:
        return 1.0
    allowed = set(language.scripts)
    if "Jpan" in allowed:
        allowed |= {"Hani", "Kana"}
    if "Hang" in allowed:
        allowed.add("Hani")  # hanja
    return sum(n for s, n in scripts.items() if s in allowed) / total


def normalize_text(text: str, language: Language) -> str:
    """Normalise ``text`` for G2P in ``language`` (see the module docstring for the steps).

    Example:
        >>> from speech.text.languages import get_language
        >>> normalize_text("“Hello” — I have 2 cats…", get_language("en"))
        'Hello, I have two cats.'
    """
    text = strip_invisible(text)
    text = expand_numbers(text, language)
    return normalize_punctuation(text)
