"""Japanese: kanji read into hiragana with `pykakasi` (dictionary-based), then espeak-ng.

espeak-ng's Japanese voice only knows kana: given kanji it says "Chinese letter" for each one.
Converting to kana first fixes that.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from speech.text.backends.espeak import EspeakBackend
from speech.text.languages import Language


class KanaBackend:
    """Kanji -> hiragana (pykakasi), words separated by spaces, then espeak-ng."""

    name = "kana"

    def __init__(self) -> None:
        import pykakasi

        self._kakasi: Any = pykakasi.kakasi()
        self._espeak = EspeakBackend()

    def to_kana(self, text: str) -> str:
        """Hiragana reading of ``text``, one space between the words pykakasi segments."""
        words = [item["hira"] for item in self._kakasi.convert(text)]
        return " ".join(w.strip() for w in words if w.strip())

    def phonemize(self, texts: Sequence[str], language: Language) -> list[str]:
        """IPA for each text (see :class:`~speech.text.backends.base.G2PBackend`)."""
        return self._espeak.phonemize([self.to_kana(t) for t in texts], language)
