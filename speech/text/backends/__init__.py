"""G2P backends: each turns normalised text in one language into an IPA string.

All backends return the same kind of string (IPA, words separated by spaces, the break marks
``, . ? !`` kept), so their output maps into the one shared symbol table. The registry names the
default backend of each language (:attr:`speech.text.languages.Language.backend`); a
:class:`~speech.text.frontend.Frontend` can override it per language.
"""

from __future__ import annotations

from collections.abc import Callable

from speech.text.backends.base import G2PBackend
from speech.text.backends.espeak import EspeakBackend
from speech.text.backends.kana import KanaBackend
from speech.text.backends.pinyin import PinyinBackend

BACKENDS: dict[str, Callable[[], G2PBackend]] = {
    "espeak": EspeakBackend,
    "pinyin": PinyinBackend,
    "kana": KanaBackend,
}

__all__ = ["BACKENDS", "G2PBackend", "EspeakBackend", "PinyinBackend", "KanaBackend"]
