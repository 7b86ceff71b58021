"""Errors raised by :mod:`speech.dub` (each a :class:`~speech.errors.SpeechError`, so the CLI prints
its one-line message and exits 2)."""

from __future__ import annotations

from speech.errors import SpeechError


class DubError(SpeechError, ValueError):
    """A dubbing request that cannot be met (missing transcript, bad option value)."""


class DurationError(DubError):
    """A requested duration that would stretch or squeeze the speech beyond intelligibility."""
