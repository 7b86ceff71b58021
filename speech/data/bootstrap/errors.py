"""Errors of the bootstrap corpus builders.

Each subclasses :class:`speech.errors.SpeechError` (so the CLI prints the message without a
traceback) and the builtin that fits best.
"""

from __future__ import annotations

from speech.errors import BackendUnavailableError, SpeechError


class VoiceUnavailableError(BackendUnavailableError):
    """A synthesis program or voice is not installed; the message names the package to install.

    A :class:`~speech.errors.BackendUnavailableError`, so callers of
    :func:`speech.data.bootstrap.engines.say` catch a missing voice as any other missing backend.
    """


class SynthesisError(SpeechError, RuntimeError):
    """A voice failed to synthesise a text (the message names the voice and the text)."""


class SentenceFileError(SpeechError, ValueError):
    """A sentence or phrasing file that is missing, empty, malformed or not in the voice's charset."""


class OutputDirError(SpeechError, ValueError):
    """An output directory holding a corpus built with other settings (seed, format version)."""
