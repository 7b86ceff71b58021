"""espeak-ng through `phonemizer`, with the library and data that the `espeakng-loader` wheel
ships, so no Debian espeak-ng package is needed."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from speech.errors import BackendUnavailableError
from speech.text.languages import Language

logger = logging.getLogger(__name__)


def configure_espeak_library() -> str:
    """Point phonemizer at espeakng-loader's library and data; return the library path.

    phonemizer keeps the library path on a class attribute, so this is process-wide; it is
    idempotent.
    """
    try:
        import espeakng_loader
        from phonemizer.backend.espeak.wrapper import EspeakWrapper
    except ImportError as e:  # pragma: no cover - both are hard dependencies
        raise BackendUnavailableError(
            "espeak-ng backend needs `pip install phonemizer espeakng-loader`"
        ) from e
    lib = espeakng_loader.get_library_path()
    EspeakWrapper.set_library(lib)
    EspeakWrapper.set_data_path(espeakng_loader.get_data_path())
    return lib


# espeak-ng leaks internal marks into some voices' IPA: '"' and "^" (Russian) and a "?" inside a word
# (Danish); "_" separates phonemes on some versions; "(en)" flags a switch to another voice for a
# foreign word. None of these is speech.
_INTERNAL_MARKS = re.compile(r'"|\^|_+|\?(?=\w)|\([a-z]{2,3}(?:-[a-z0-9]+)*\)')
_BREAKS = re.compile(r"\s*([,.?!])\s*")
_MARKS = frozenset(",.?!")


class EspeakBackend:
    """G2P with espeak-ng: stress kept, tones kept (as espeak's tone digits), punctuation kept.

    Uses phonemizer's binding to the espeak-ng library (``EspeakWrapper``) directly. The text
    arrives normalised, with only the break marks ``, . ? !``, so the backend splits at those marks
    itself, phonemises each clause and puts the marks back; that skips phonemizer's general
    punctuation and word-count bookkeeping, which cost more than espeak-ng itself.
    """

    name = "espeak"

    def __init__(self) -> None:
        configure_espeak_library()
        self._wrappers: dict[str, Any] = {}

    def _wrapper(self, language: Language) -> Any:
        voice = language.espeak_voice
        if voice not in self._wrappers:
            from phonemizer.backend.espeak.wrapper import EspeakWrapper

            wrapper = EspeakWrapper()  # each instance loads its own copy of the library
            try:
                wrapper.set_voice(voice)
            except RuntimeError as e:
                raise BackendUnavailableError(
                    f"espeak-ng has no voice {voice!r} for {language.code}: {e}"
                ) from e
            self._wrappers[voice] = wrapper
        return self._wrappers[voice]

    def _one(self, text: str, wrapper: Any) -> str:
        words: list[str] = []
        for piece in _BREAKS.split(text):
            if not piece:
                continue
            if piece in _MARKS and words:
                words[-1] += piece  # a break mark sticks to the word before it
            elif piece in _MARKS:
                words.append(piece)
            else:
                words += _INTERNAL_MARKS.sub("", wrapper.text_to_phonemes(piece)).split()
        return " ".join(words)

    def phonemize(self, texts: Sequence[str], language: Language) -> list[str]:
        """IPA for each text (see :class:`~speech.text.backends.base.G2PBackend`)."""
        if not texts:
            return []
        wrapper = self._wrapper(language)
        return [self._one(t, wrapper) if t.strip() else "" for t in texts]
