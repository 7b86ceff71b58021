"""Errors raised by :mod:`speech.eval`.

Each subclasses :class:`speech.errors.SpeechError` (so the CLI prints the message without a
traceback) and the builtin that fits, so callers that catch builtins keep working.
"""

from __future__ import annotations

from speech.errors import AudioError, SpeechError


class UtteranceTooShortError(AudioError):
    """An utterance shorter than a metric needs (prosody needs at least 500 ms)."""


class MismatchError(SpeechError, ValueError):
    """Inputs that should pair up do not: missing ids, different lengths, unknown columns."""


class StatsError(SpeechError, ValueError):
    """A statistics file that is corrupt, of another version, or lacks a requested language."""


class InputFormatError(SpeechError, ValueError):
    """A JSONL/CSV input file that cannot be parsed or lacks a required field."""


class ModelLoadError(SpeechError, RuntimeError):
    """A model directory that cannot be loaded (missing files, unsupported architecture)."""
