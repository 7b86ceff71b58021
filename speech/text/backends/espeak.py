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
# phonemizer reports word-count mismatches even with words_mismatch="ignore"; they are expected
# when punctuation is preserved, so its logger only passes errors on.
_phonemizer_logger = logging.getLogger(f"{__name__}.phonemizer")
_phonemizer_logger.setLevel(logging.ERROR)


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


class EspeakBackend:
    """G2P with espeak-ng: stress kept, tones kept (as espeak's tone digits), punctuation kept."""

    name = "espeak"

    def __init__(self) -> None:
        configure_espeak_library()
        self._backends: dict[str, Any] = {}

    def _backend(self, language: Language) -> Any:
        if language.espeak_voice not in self._backends:
            from phonemizer.backend import EspeakBackend as _Phonemizer
            from phonemizer.punctuation import Punctuation

            try:
                self._backends[language.espeak_voice] = _Phonemizer(
                    language.espeak_voice,
                    punctuation_marks=Punctuation.default_marks(),
                    preserve_punctuation=True,
                    with_stress=True,
                    # Foreign words inside a sentence are read by espeak's other voice; drop the
                    # "(en)" flags it would insert.
                    language_switch="remove-flags",
                    words_mismatch="ignore",
                    logger=_phonemizer_logger,
                )
            except RuntimeError as e:
                raise BackendUnavailableError(
                    f"espeak-ng has no voice {language.espeak_voice!r} for {language.code}: {e}"
                ) from e
        return self._backends[language.espeak_voice]

    def phonemize(self, texts: Sequence[str], language: Language) -> list[str]:
        """IPA for each text (see :class:`~speech.text.backends.base.G2PBackend`)."""
        if not texts:
            return []
        out = self._backend(language).phonemize(list(texts), strip=True, njobs=1)
        return [_clean(s) for s in out]


# espeak-ng leaks internal marks into some voices' IPA: '"' (Russian) and a "?" inside a word
# (Danish). Neither is speech; a "?" that ends a word is a real question mark and stays.
_INTERNAL_MARKS = re.compile(r'"|\?(?=\w)')


def _clean(ipa: str) -> str:
    return " ".join(_INTERNAL_MARKS.sub("", ipa).split())
