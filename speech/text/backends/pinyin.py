"""Mandarin: characters -> pinyin with `pypinyin`, pinyin -> IPA with Chao tone letters.

pypinyin resolves polyphonic characters from its phrase dictionary (银行 yín*háng* vs 行走
*xíng*zǒu) and applies third-tone sandhi, both of which espeak-ng's Mandarin voice gets wrong.
Text that is not Han characters (Latin words, leftovers) goes to espeak-ng's Mandarin voice.

Why the pinyin -> IPA table is ours (checked December 2026 on the 1545 tone-numbered syllables of
pypinyin's dictionary): the shipped acoustic models were trained on its symbols, and the libraries
write different ones. ``dragonmapper`` 0.3 agrees on 399 syllables only (one tone letter per level,
``a˥`` for our ``a˥˥``; ``˧˩˧`` for ``˨˩˦``; ``aɪ``, ``ɑŋ`` for ``ai̯``, ``aŋ``), and
``pinyin-to-ipa`` 1.0 needs ``pypinyin>=0.54`` (we pin 0.44) and returns sets of alternative
transcriptions. pypinyin itself has no IPA style. The table covers all 1545 syllables.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from speech.text.backends.espeak import EspeakBackend
from speech.text.languages import Language

INITIALS: dict[str, str] = {
    "zh": "ʈʂ", "ch": "ʈʂʰ", "sh": "ʂ",
    "b": "p", "p": "pʰ", "m": "m", "f": "f", "d": "t", "t": "tʰ", "n": "n", "l": "l",
    "g": "k", "k": "kʰ", "h": "x", "j": "tɕ", "q": "tɕʰ", "x": "ɕ", "r": "ʐ",
    "z": "ts", "c": "tsʰ", "s": "s",
}
# Finals written after an initial; "v" is pypinyin's spelling of ü.
FINALS: dict[str, str] = {
    "a": "a", "o": "wo", "e": "ɤ", "ai": "ai̯", "ei": "ei̯", "ao": "au̯", "ou": "ou̯",
    "an": "an", "en": "ən", "ang": "aŋ", "eng": "əŋ", "ong": "ʊŋ", "er": "aɚ̯",
    "i": "i", "ia": "ja", "ie": "je", "iao": "jau̯", "iu": "jou̯", "ian": "jɛn", "in": "in",
    "iang": "jaŋ", "ing": "iŋ", "iong": "jʊŋ",
    "u": "u", "ua": "wa", "uo": "wo", "uai": "wai̯", "ui": "wei̯", "uan": "wan", "un": "wən",
    "uang": "waŋ", "ueng": "wəŋ", "io": "jo",
    "v": "y", "ve": "ɥe", "van": "ɥɛn", "vn": "yn", "ue": "ɥe",
    "m": "m̩", "n": "n̩", "ng": "ŋ̍", "r": "ɚ",
}
# Syllables without an initial are spelled with y/w; map them to the finals above.
ZERO_INITIAL: dict[str, str] = {
    "yi": "i", "ya": "ia", "ye": "ie", "yao": "iao", "you": "iu", "yan": "ian", "yin": "in",
    "yang": "iang", "ying": "ing", "yong": "iong", "yu": "v", "yue": "ve", "yuan": "van",
    "yun": "vn", "wu": "u", "wa": "ua", "wo": "uo", "wai": "uai", "wei": "ui", "wan": "uan",
    "wen": "un", "wang": "uang", "weng": "ueng",
    "yo": "io", "wong": "ueng",  # rare spellings in pypinyin's dictionary: 哟 yo1, 𥥈 wong4
}
TONES: dict[str, str] = {"1": "˥˥", "2": "˧˥", "3": "˨˩˦", "4": "˥˩", "5": ""}

_SYLLABLE = re.compile(r"^([a-zü]+)([1-5])?$")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def pinyin_to_ipa(syllable: str) -> str:
    """IPA of one tone-numbered pinyin syllable (``"zhong1"`` -> ``"ʈʂʊŋ˥˥"``).

    Raises:
        ValueError: not a pinyin syllable.
    """
    m = _SYLLABLE.match(syllable.lower().replace("ü", "v").replace("u:", "v"))
    if not m:
        raise ValueError(f"not a pinyin syllable: {syllable!r}")
    body, tone = m.group(1).replace("ü", "v"), m.group(2) or "5"
    initial = next((i for i in ("zh", "ch", "sh") if body.startswith(i)), None)
    if initial is None and body[:1] in INITIALS and body not in FINALS:
        initial = body[0]
    final = body[len(initial) :] if initial else ZERO_INITIAL.get(body, body)
    if initial in ("j", "q", "x") and final.startswith("u"):
        final = "v" + final[1:]  # ju, que, xuan are written with u but said with ü
    if initial in ("z", "c", "s") and final == "i":
        ipa_final = "ɹ̩"  # apical vowel of zi, ci, si
    elif initial in ("zh", "ch", "sh", "r") and final == "i":
        ipa_final = "ɻ̩"
    elif initial in ("b", "p", "m", "f") and final == "o":
        ipa_final = "wo"
    elif final in FINALS:
        ipa_final = FINALS[final]
    else:
        raise ValueError(f"not a pinyin syllable: {syllable!r}")
    return (INITIALS[initial] if initial else "") + ipa_final + TONES[tone]


class PinyinBackend:
    """pypinyin (phrase dictionary, tone sandhi) + a pinyin-to-IPA table; espeak-ng for the rest."""

    name = "pinyin"

    def __init__(self) -> None:
        from pypinyin.contrib.mmseg import seg

        self._seg = seg
        self._espeak = EspeakBackend()

    def _han_to_ipa(self, han: str) -> str:
        from pypinyin import Style, lazy_pinyin

        # Readings come from the whole run (pypinyin's phrase dictionary sees the context: 银行行长
        # is yin2 hang2 hang2 zhang3); the segmenter only decides where word boundaries go.
        syllables = lazy_pinyin(han, style=Style.TONE3, neutral_tone_with_five=True, tone_sandhi=True)
        if len(syllables) != len(han):
            return " ".join(pinyin_to_ipa(s) for s in syllables)
        words, pos = [], 0
        for word in self._seg.cut(han):
            words.append("".join(pinyin_to_ipa(s) for s in syllables[pos : pos + len(word)]))
            pos += len(word)
        return " ".join(words)

    def _one(self, text: str, language: Language) -> str:
        parts: list[str] = []
        pos = 0
        for m in _HAN.finditer(text):
            if m.start() > pos:
                parts.append(self._other(text[pos : m.start()], language))
            parts.append(self._han_to_ipa(m.group(0)))
            pos = m.end()
        if pos < len(text):
            parts.append(self._other(text[pos:], language))
        return " ".join(p for p in parts if p)

    def _other(self, chunk: str, language: Language) -> str:
        stripped = chunk.strip()
        if not stripped:
            return ""
        if all(not c.isalnum() for c in stripped):
            return stripped  # break marks
        return self._espeak.phonemize([stripped], language)[0]

    def phonemize(self, texts: Sequence[str], language: Language) -> list[str]:
        """IPA for each text (see :class:`~speech.text.backends.base.G2PBackend`)."""
        return [self._one(t, language) for t in texts]
