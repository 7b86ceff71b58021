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

import regex

from speech.text.normalize import BREAK_MARKS

WORD_BOUNDARY = " "
STRESS_MARKS = frozenset("ˈˌ")
LENGTH_MARKS = frozenset("ːˑ")
TONE_LETTERS = frozenset("˥˦˧˨˩")
TONE_DIGITS = frozenset("123456789")
TIE_BARS = frozenset("\u0361\u035c")
# Spacing modifier letters that are prosodic symbols on their own, never part of a phone.
_STANDALONE_MODIFIERS = STRESS_MARKS | LENGTH_MARKS | TONE_LETTERS


_MARKS = "".join(sorted(_STANDALONE_MODIFIERS))
_BREAKS = "".join(BREAK_MARKS)
_DIGITS = "".join(sorted(TONE_DIGITS))
_TIES = "".join(sorted(TIE_BARS))
# A modifier: combining mark (M), modifier letter (Lm) or modifier symbol (Sk, e.g. the rhotic
# hook), but not the prosodic marks, which are symbols of their own, nor a tie bar.
_MOD = rf"[[\p{{M}}\p{{Lm}}\p{{Sk}}]--[{_MARKS}{_TIES}]]"
_BASE = rf"[^\s{_MARKS}{_BREAKS}{_DIGITS}]"
_SYMBOL = regex.compile(
    rf"[{''.join(sorted(TONE_LETTERS))}]+"  # a tone contour
    rf"|{_BASE}{_MOD}*(?:[{_TIES}]{_BASE}?{_MOD}*)*"  # a phone, affricates included
    r"|\s+"  # a word boundary
    r"|.",  # a prosodic mark, break mark, tone digit or a stray modifier
    regex.V1,
)
_SPACE_BEFORE_BREAK = regex.compile(rf"\s+(?=[{_BREAKS}])")


def split_phonemes(ipa: str) -> list[str]:
    """Split an IPA string into phoneme, prosodic-mark and break symbols (see module docstring).

    Whitespace runs become one word boundary; boundaries before break marks or at the ends are
    dropped, so ``"a , b"`` and ``"a, b"`` give the same symbols.
    """
    tidy = _SPACE_BEFORE_BREAK.sub("", " ".join(ipa.split()))
    return [WORD_BOUNDARY if tok.isspace() else tok for tok in _SYMBOL.findall(tidy)]
