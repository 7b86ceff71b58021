"""Text normalisation before G2P: pure functions, one language at a time.

The steps, in order (see :func:`normalize_text`):

1. Unicode NFC; terminal escape sequences (ANSI colours such as ``ESC[31m``) removed whole, so
   that ``[31m`` is not read as "thirty-one m"; control characters (NUL...) turned into word
   breaks, so that ``hello<NUL>world`` stays two words; format, private-use and unassigned
   characters removed (they crash or confuse espeak-ng); all whitespace folded to single spaces.
   Removed escapes and controls are logged.
2. Quotes and brackets dropped, dashes and colons turned into pauses, full-width CJK punctuation
   turned into ASCII, so that only the four prosodic break marks ``, . ? !`` reach the G2P.
3. Numbers read out in the text's language: ``num2words`` where the registry names it, a small
   reader for Mandarin, and espeak-ng's own number rules elsewhere.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata

import regex

from speech.text.languages import Language

# The prosodic break marks that survive normalisation; everything else maps onto them or goes.
BREAK_MARKS: tuple[str, ...] = (",", ".", "?", "!")

_PUNCT_MAP = {
    # full-width and CJK forms
    "，": ",", "、": ",", "。": ".", "？": "?", "！": "!", "：": ",", "；": ",", "．": ".",
    # pauses (in Greek ";" is the question mark: see normalize_text)
    ":": ",", ";": ",", "…": ".", "—": ",", "–": ",", "―": ",", "‒": ",",
    # Arabic and Greek forms
    "،": ",", "؛": ",", "؟": "?", "·": ",",
    # Devanagari danda
    "।": ".", "॥": ".",
}
# Opening marks of Spanish questions/exclamations carry no extra information once the closing
# mark is kept; quotes and brackets are not spoken.
_DROP = set("¡¿\"“”„‟«»‹›「」『』（）()[]{}<>*_#|~^`")
_APOSTROPHES = {"’": "'", "‘": "'", "‛": "'", "`": "'", "´": "'", "ʼ": "'"}
_CJK_DIGITS = "零一二三四五六七八九"

_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")

logger = logging.getLogger(__name__)

# ECMA-48 escape sequences: CSI (ESC [ ... final byte, or the 8-bit CSI), OSC (ESC ] ... BEL/ST),
# and two-character escapes (ESC followed by one byte in @-_).
_ESCAPES = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def strip_invisible(text: str) -> str:
    """NFC-normalise, remove terminal escapes, turn controls into spaces, drop other non-printables.

    Example:
        >>> strip_invisible("\\x1b[31mred\\x1b[0m hello\\x00world")
        'red hello world'
    """
    text = unicodedata.normalize("NFC", text)
    if text.isprintable():  # the common case: no controls, no tabs/newlines
        return " ".join(text.split())
    text, escapes = _ESCAPES.subn(" ", text)
    out = []
    controls = 0
    for ch in text:
        cat = unicodedata.category(ch)
        if ch.isspace():
            out.append(" ")
        elif cat == "Cc":  # NUL, ESC, BEL...: a break between words, never glue
            out.append(" ")
            controls += 1
        elif cat[0] == "C":  # Cf, Cs, Co, Cn: formats (ZWJ...), surrogates, private, unassigned
            continue
        else:
            out.append(ch)
    if escapes or controls:
        logger.warning("removed %d terminal escape sequence(s) and %d control character(s) from the text",
                       escapes, controls)
    return " ".join("".join(out).split())


_TRANSLATION = str.maketrans({**_PUNCT_MAP, **_APOSTROPHES, **{ch: " " for ch in _DROP}})


_SPACE_BEFORE_MARK = re.compile(r"\s+(?=[,.?!])")
_MARK_RUNS = re.compile(r"([,.?!])[,.]+|,([.?!])")  # ",," "..", ".," -> first; ",." -> "."
_NO_SPACE_AFTER_MARK = re.compile(r"([,.?!])(?=[^\s\d,.?!])")
_SPACED_HYPHEN = re.compile(r"\s+-\s+")


# Guards that let the common sentence skip the work: str.translate looks every character up in a
# dict once the text is not ASCII, and each substitution scans the whole text.
_TRANSLATED = re.compile("[" + re.escape("".join(chr(c) for c in _TRANSLATION)) + "]")
_IRREGULAR = re.compile(r"\s[-,.?!]|[,.?!](?=[^\s\d])")


def normalize_punctuation(text: str) -> str:
    """Map punctuation onto the break marks ``, . ? !``, drop quotes/brackets, tidy spacing."""
    if _TRANSLATED.search(text):
        text = text.translate(_TRANSLATION)
    if _IRREGULAR.search(text):  # a space before a mark, a spaced hyphen, a mark run, "a,b"
        text = _SPACED_HYPHEN.sub(", ", text)  # a spaced hyphen is a dash
        text = _SPACE_BEFORE_MARK.sub("", text)
        text = _MARK_RUNS.sub(lambda m: m.group(1) or m.group(2), text)
        text = _NO_SPACE_AFTER_MARK.sub(r"\1 ", text)  # "a,b" -> "a, b", but 3.5 stays
    # a text never starts with a pause
    return " ".join(text.lstrip(" ,.?!").split())


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


def _read_integer(digits: str, language: Language) -> str:
    """Spell an integer written in ASCII digits; keep the digits where espeak-ng reads them."""
    if language.code == "cmn":
        return _mandarin_number(int(digits))
    if language.num2words_lang is None or len(digits) > 15:
        return digits  # espeak-ng reads digits in the voice's language
    from num2words import num2words

    return num2words(int(digits), lang=language.num2words_lang)


def _read_number(token: str, language: Language) -> str:
    """Spell one digit group such as ``1,234`` or ``3.5`` in ``language``; keep it if unsure.

    Decimals are read digit by digit after the language's decimal word ("three point one four");
    they are never handed to the G2P with their mark, since the mark would be taken for a pause.
    """
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
            return token.replace(group, " ")
        integer = "".join(groups)
    if not integer.isdigit():
        return token
    spoken = _read_integer(integer, language)
    if len(parts) == 1:
        return spoken
    if not parts[1].isdigit():
        return token
    digits = [_read_integer(d, language) for d in parts[1]]
    if language.code in ("cmn", "ja"):
        return spoken + language.decimal_word + "".join(digits)
    return " ".join([spoken, language.decimal_word or dec, *digits])


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


_ANY_LETTER = regex.compile(r"\p{L}")
# ISO 15924 code -> Unicode script names its letters belong to.
_SCRIPT_NAMES: dict[str, tuple[str, ...]] = {
    "Latn": ("Latin",), "Cyrl": ("Cyrillic",), "Grek": ("Greek",), "Arab": ("Arabic",),
    "Hebr": ("Hebrew",), "Deva": ("Devanagari",), "Telu": ("Telugu",), "Taml": ("Tamil",),
    "Beng": ("Bengali",), "Hani": ("Han",), "Jpan": ("Han", "Hiragana", "Katakana"),
    "Hang": ("Hangul", "Han"),  # Korean may contain hanja
}


@functools.lru_cache(maxsize=64)
def _letters_of(scripts: tuple[str, ...]) -> regex.Pattern[str]:
    names = [name for code in scripts for name in _SCRIPT_NAMES[code]]
    return regex.compile("[" + "".join(rf"\p{{Script={n}}}" for n in names) + "]")


@functools.lru_cache(maxsize=64)
def _foreign_letters(scripts: tuple[str, ...]) -> regex.Pattern[str]:
    """Letters outside ``scripts``: one search answers the common case (none)."""
    names = [name for code in scripts for name in _SCRIPT_NAMES[code]]
    return regex.compile(r"[\p{L}--[" + "".join(rf"\p{{Script={n}}}" for n in names) + "]]", regex.V1)


def script_fraction(text: str, language: Language) -> float:
    """Fraction of the letters in ``text`` that are written in one of ``language``'s scripts.

    Returns 1.0 for text without letters (digits, punctuation).
    """
    if text.isascii() and "Latn" in language.scripts:
        return 1.0
    if _foreign_letters(language.scripts).search(text) is None:
        return 1.0
    total = len(_ANY_LETTER.findall(text))
    if total == 0:
        return 1.0
    return len(_letters_of(language.scripts).findall(text)) / total


#: The language that reads a run of letters written in a script its span's language does not use.
#: espeak-ng would otherwise spell such letters one by one ("你好" -> "Chinese letter, Chinese letter").
SCRIPT_READERS: dict[str, str] = {
    "Latin": "en-us", "Cyrillic": "ru", "Greek": "el", "Arabic": "ar", "Hebrew": "he",
    "Devanagari": "hi", "Telugu": "te", "Tamil": "ta", "Bengali": "bn", "Han": "cmn",
    "Hiragana": "ja", "Katakana": "ja", "Hangul": "ko",
}
_KANA = {"Hiragana", "Katakana"}
# Between two letters of one run: spaces, combining marks, apostrophes, hyphens, the kana length
# and middle dots.
_RUN_GAP = regex.compile(r"[\s\p{M}'\-ー・]*")


_SCRIPT_RES = {name: regex.compile(rf"\p{{Script={name}}}") for name in SCRIPT_READERS}


def _script_of(ch: str) -> str | None:
    return next((name for name, pattern in _SCRIPT_RES.items() if pattern.match(ch)), None)


def has_foreign_letters(text: str, language: Language) -> bool:
    """Whether ``text`` holds letters outside ``language``'s scripts (one search; usually none)."""
    if text.isascii() and "Latn" in language.scripts:
        return False
    return _foreign_letters(language.scripts).search(text) is not None


def foreign_script_runs(text: str, language: Language) -> list[tuple[str | None, str]]:
    """Cut ``text`` where it changes into a script that ``language`` is not written in.

    Each foreign run is paired with the code of the language that reads it (:data:`SCRIPT_READERS`;
    Han next to kana is Japanese), everything else with ``None`` (the span's own language). Runs
    of a script no registered language reads stay with ``None``.

    Example:
        >>> from speech.text.languages import get_language
        >>> foreign_script_runs("I said 你好 today", get_language("en"))
        [(None, 'I said '), ('cmn', '你好'), (None, ' today')]
    """
    if not has_foreign_letters(text, language):
        return [(None, text)]
    foreign = _foreign_letters(language.scripts)
    out: list[tuple[str | None, str]] = []
    pos = 0
    while (m := foreign.search(text, pos)) is not None:
        script = _script_of(m.group(0))
        if script is None:  # a script nobody here reads: leave it to the span's language
            out.append((None, text[pos : m.end()]))
            pos = m.end()
            continue
        scripts = {script} | (_KANA | {"Han"} if script in _KANA or script == "Han" else set())
        end = m.end()
        while True:
            gap = _RUN_GAP.match(text, end)
            nxt = gap.end() if gap else end
            if nxt < len(text) and text[nxt].isalpha() and _script_of(text[nxt]) in scripts:
                end = nxt + 1
            else:
                break
        run = text[m.start() : end]
        kana = any(_script_of(c) in _KANA for c in run)
        code = "ja" if kana else SCRIPT_READERS[script]
        if m.start() > pos:
            out.append((None, text[pos : m.start()]))
        out.append((code, run))
        pos = end
    if pos < len(text):
        out.append((None, text[pos:]))
    # Merge neighbouring pieces of the span's own language.
    merged: list[tuple[str | None, str]] = []
    for code, piece in out:
        if merged and merged[-1][0] is None and code is None:
            merged[-1] = (None, merged[-1][1] + piece)
        else:
            merged.append((code, piece))
    return merged


def normalize_text(text: str, language: Language) -> str:
    """Normalise ``text`` for G2P in ``language`` (see the module docstring for the steps).

    Example:
        >>> from speech.text.languages import get_language
        >>> normalize_text("“Hello” — I have 2 cats…", get_language("en"))
        'Hello, I have two cats.'
    """
    text = strip_invisible(text)
    if language.code == "el":
        # The Greek question mark U+037E is ";" once NFC-normalised: in Greek a ";" asks.
        text = text.replace(";", "?")
    text = expand_numbers(text, language)
    return normalize_punctuation(text)
