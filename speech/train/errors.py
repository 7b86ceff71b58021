"""Errors raised by the training engine and its config loader.

Each subclasses :class:`speech.errors.SpeechError` and the builtin that fits it best, so callers can
catch either. Errors about saved models (corrupt files, another model type) live in
:mod:`speech.pretrained` and are reused here for training checkpoints.
"""

from __future__ import annotations

from speech.errors import SpeechError


class ConfigError(SpeechError, ValueError):
    """A config that cannot be used: unknown key, wrong type, missing value, bad override."""


class DataPathError(SpeechError, FileNotFoundError):
    """A data path named in a config (cut manifest, corpus directory) that does not exist."""


class RunDirectoryError(SpeechError, ValueError):
    """A run directory that cannot be used as asked (e.g. it already holds another run)."""
