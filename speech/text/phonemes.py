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

import functools
import re
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


_MARKS = "".join(sorted(_STANDALONE_MODIFIERS))
_BREAKS = "".join(BREAK_MARKS)
_DIGITS = "".join(sorted(TONE_DIGITS))
_TIES = "".join(sorted(TIE_BARS))
_MOD_CATEGORIES = frozenset({"Mn", "Mc", "Me", "Lm", "Sk"})


def _modifier_class() -> str:
    """A ``re`` character class of the modifiers: combining marks (M), modifier letters (Lm) and
    modifier symbols (Sk, e.g. the rhotic hook), but not the prosodic marks, which are symbols of
    their own, nor the tie bars. Spelt out as ranges because the standard ``re`` engine, which
    has no ``\\p{M}``, matches about twice as fast as ``regex`` here."""
    ranges: list[tuple[int, int]] = []
    for cp in range(0x10000):  # the Basic Multilingual Plane: every IPA modifier is in it
        ch = chr(cp)
        if unicodedata.category(ch) in _MOD_CATEGORIES and ch not in _STANDALONE_MODIFIERS and ch not in TIE_BARS:
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    return "".join(re.escape(chr(a)) + ("" if a == b else "-" + re.escape(chr(b))) for a, b in ranges)


@functools.cache
def _symbol_pattern() -> re.Pattern[str]:
    # built on first use (about 0.05 s), not at import
    mod = f"[{_modifier_class()}]"
    base = rf"[^\s{re.escape(_MARKS + _BREAKS + _DIGITS)}]"
    return re.compile(
        rf"{base}{mod}*(?:[{_TIES}]{base}?{mod}*)*"  # a phone, affricates included (most matches)
        rf"|[{''.join(sorted(TONE_LETTERS))}]+"  # a tone contour
        r"|\s+"  # a word boundary
        r"|."  # a prosodic mark, break mark, tone digit or a stray modifier
    )


_SPACE_BEFORE_BREAK = re.compile(rf"\s+(?=[{re.escape(_BREAKS)}])")


def tidy_ipa(ipa: str) -> str:
    """NFD, one space between words, none before a break mark (G2P backends differ on all three).

    NFD makes one phone one string: espeak-ng writes nasal u both as U+0169 and as u + U+0303.
    """
    return _SPACE_BEFORE_BREAK.sub("", " ".join(unicodedata.normalize("NFD", ipa).split()))


def split_phonemes(ipa: str) -> list[str]:
    """Split an IPA string into phoneme, prosodic-mark and break symbols (see module docstring).

    The string is tidied first (:func:`tidy_ipa`): whitespace runs become one word boundary, and
    boundaries before break marks or at the ends are dropped, so ``"a , b"`` and ``"a, b"`` give
    the same symbols.
    """
    return split_tidy_phonemes(tidy_ipa(ipa))


def split_tidy_phonemes(ipa: str) -> list[str]:
    """:func:`split_phonemes` for IPA that is already tidy, as the front-end's spans are."""
    return _symbol_pattern().findall(ipa)
