"""Segmentation of an IPA string (as a G2P backend returns it) into phoneme symbols.

A *phone* is a base character with everything that modifies it: combining diacritics
(``ɔ̃``, ``n̩``), spacing modifier letters (``tʰ``, ``mʲ``, ``ɯᵝ``) and tie-bar affricates
(``t͡ʃ``). Prosodic marks are symbols of their own, so they are shared across languages:

- stress ``ˈ ˌ`` and length ``ː ˑ``, one symbol each;
- a run of Chao tone letters (``˧˥``, ``˨˩˦``) is one tone symbol; espeak-ng's tone digits
  (``2`` in Vietnamese or Mandarin output) are one symbol each;
- a word boundary is ``" "``; the break marks ``, . ? !`` stay as they are.

Example:
    >>> split_phonemes("t͡ʃˈaʊ, nˈi˧˥")
    ['t͡ʃ', 'ˈ', 'a', 'ʊ', ',', ' ', 'n', 'ˈ', 'i', '˧˥']
"""

from __future__ import annotations

import unicodedata

from speech.text.normalize import BREAK_MARKS

WORD_BOUNDARY = " "
STRESS_MARKS = frozenset("ˈˌ")
LENGTH_MARKS = frozenset("ːˑ")
TONE_LETTERS = frozenset("˥˦˧˨˩")
TONE_DIGITS = frozenset("123456789")
TIE_BARS = frozenset("\u0361\u035c")
# Spacing modifier letters that are prosodic symbols on their own, never part of a phone.
_STANDALONE_MODIFIERS = STRESS_MARKS | LENGTH_MARKS | TONE_LETTERS


def _attaches(ch: str) -> bool:
    """True if ``ch`` modifies the previous phone rather than starting a new symbol."""
    if ch in _STANDALONE_MODIFIERS:
        return False
    if unicodedata.combining(ch):
        return True
    # Lm: modifier letters (ʰ ʲ ʷ ˠ ˤ ᵝ); Sk: modifier symbols such as the rhotic hook ˞
    return unicodedata.category(ch) in ("Lm", "Sk")


def split_phonemes(ipa: str) -> list[str]:
    """Split an IPA string into phoneme, prosodic-mark and break symbols (see module docstring).

    Whitespace runs become one word boundary; boundaries next to break marks or at the ends are
    dropped, so ``"a , b"`` and ``"a, b"`` give the same symbols.
    """
    symbols: list[str] = []
    tie_pending = False
    for ch in ipa:
        if tie_pending and symbols:
            symbols[-1] += ch
            tie_pending = False
            continue
        if ch.isspace():
            if symbols and symbols[-1] != WORD_BOUNDARY:
                symbols.append(WORD_BOUNDARY)
        elif ch in TONE_LETTERS and symbols and symbols[-1][-1] in TONE_LETTERS:
            symbols[-1] += ch
        elif ch in TIE_BARS and symbols:
            symbols[-1] += ch
            tie_pending = True
        elif _attaches(ch) and symbols and _is_phone(symbols[-1]):
            symbols[-1] += ch
        else:
            symbols.append(ch)
    return _tidy_boundaries(symbols)


def _is_phone(symbol: str) -> bool:
    head = symbol[0]
    return not (
        head.isspace()
        or head in BREAK_MARKS
        or head in _STANDALONE_MODIFIERS
        or head in TONE_DIGITS
    )


def _tidy_boundaries(symbols: list[str]) -> list[str]:
    out: list[str] = []
    for i, s in enumerate(symbols):
        if s == WORD_BOUNDARY:
            nxt = symbols[i + 1] if i + 1 < len(symbols) else None
            if not out or nxt is None or nxt in BREAK_MARKS:
                continue
        out.append(s)
    return out
