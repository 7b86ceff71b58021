"""espeak-ng through `phonemizer`, with the library and data that the `espeakng-loader` wheel
ships, so no Debian espeak-ng package is needed."""

from __future__ import annotations

import ctypes
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
# (Danish); "(en)" flags a switch to another voice for a foreign word. None of these is speech.
_INTERNAL_MARKS = re.compile(r'"|\^|\?(?=\w)|\([a-z]{2,3}(?:-[a-z0-9]+)*\)')
# espeak-ng leaves the text pointer one character into the next clause (it reads ahead): a clause
# ended at a break mark when its consumed text ends with the mark, a space and that character.
_CLAUSE_MARK = re.compile(rb"([,.?!]+)\s?\S{0,4}$")  # a UTF-8 character is 1-4 bytes
_IPA = 0x02  # espeak_TextToPhonemes phonememode: IPA, no separator between phonemes
_UTF8 = 1  # textmode: espeakCHARS_UTF8


class EspeakBackend:
    """G2P with espeak-ng: stress kept, tones kept (as espeak's tone digits), punctuation kept.

    Calls ``espeak_TextToPhonemes`` on the library copy that phonemizer's ``EspeakWrapper`` loads
    for each voice. espeak-ng returns one clause per call and moves the text pointer past the
    clause; the break mark that ended the clause is read back from the consumed text. One pass per
    text and no Python between clauses: phonemizer's own punctuation and word-count bookkeeping
    cost more than espeak-ng itself, and splitting the text at the marks first made more calls.
    """

    name = "espeak"

    def __init__(self) -> None:
        configure_espeak_library()
        self._voices: dict[str, tuple[Any, Any]] = {}  # voice -> (wrapper, espeak_TextToPhonemes)

    def _function(self, language: Language) -> Any:
        voice = language.espeak_voice
        if voice not in self._voices:
            from phonemizer.backend.espeak.wrapper import EspeakWrapper

            wrapper = EspeakWrapper()  # each instance loads its own copy of the library
            try:
                wrapper.set_voice(voice)
            except RuntimeError as e:
                raise BackendUnavailableError(
                    f"espeak-ng has no voice {voice!r} for {language.code}: {e}"
                ) from e
            # phonemizer re-declares the ctypes signature on every call; declare it once here
            # (the wrapper is kept: it owns the library copy and unloads it when collected)
            try:
                fn = wrapper._espeak._library.espeak_TextToPhonemes
            except AttributeError as e:  # phonemizer's internals moved (written against 3.4)
                raise BackendUnavailableError(
                    f"this phonemizer version hides the espeak-ng library ({e}); "
                    "install the pinned phonemizer (constraints.txt)"
                ) from e
            fn.restype = ctypes.c_char_p
            fn.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
            self._voices[voice] = (wrapper, fn)
        return self._voices[voice][1]

    @staticmethod
    def _one(text: str, fn: Any) -> str:
        data = text.encode("utf8")
        base = ctypes.c_char_p(data)  # espeak-ng only reads the text; Python keeps it alive
        start = ctypes.cast(base, ctypes.c_void_p).value
        ptr = ctypes.c_void_p(start)
        ref = ctypes.byref(ptr)
        clauses: list[bytes] = []
        done = 0
        while ptr.value is not None:
            out = fn(ref, _UTF8, _IPA) or b""
            end = len(data) if ptr.value is None else ptr.value - start
            # search only the clause's last bytes: mark run, space, read-ahead character
            found = _CLAUSE_MARK.search(data, max(done, end - 12), end)
            clauses.append(out + found.group(1) if found else out)  # a mark sticks to its word
            done = end
        return _INTERNAL_MARKS.sub("", b" ".join(clauses).decode())

    def phonemize(self, texts: Sequence[str], language: Language) -> list[str]:
        """IPA for each text (see :class:`~speech.text.backends.base.G2PBackend`)."""
        if not texts:
            return []
        fn = self._function(language)
        return [self._one(t, fn) if t.strip() else "" for t in texts]
