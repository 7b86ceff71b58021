"""Errors raised by the training engine and its config loader (``ConfigError`` lives in
:mod:`speech.config`, layer 1, and is re-exported here).

Each subclasses :class:`speech.errors.SpeechError` and the builtin that fits it best, so callers can
catch either. Errors about saved models (corrupt files, another model type) live in
:mod:`speech.pretrained` and are reused here for training checkpoints.
"""

from __future__ import annotations

from speech.config import ConfigError
from speech.errors import SpeechError

__all__ = ["ConfigError", "DataPathError", "RunDirectoryError"]


class DataPathError(SpeechError, FileNotFoundError):
    """A data path named in a config (cut manifest, corpus directory) that does not exist."""


class RunDirectoryError(SpeechError, ValueError):
    """A run directory that cannot be used as asked (e.g. it already holds another run)."""
