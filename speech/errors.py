"""Errors that users of `speech` can catch.

Every error subclasses both :class:`SpeechError` (catch-all for the toolkit) and the builtin
that describes it best (``ValueError``, ``FileNotFoundError``...), so code that already catches
builtins keeps working.
"""

from __future__ import annotations


class SpeechError(Exception):
    """Base class of all errors raised on purpose by `speech`."""


class UnknownLanguageError(SpeechError, ValueError):
    """A language code that is not in the registry (or not supported by a model)."""


class EmptyTextError(SpeechError, ValueError):
    """Text that is empty or holds only whitespace/punctuation."""


class TextTooLongError(SpeechError, ValueError):
    """Text over the configured length limit."""


class MarkupError(SpeechError, ValueError):
    """Malformed inline language markup such as ``<es>hola`` without a closing tag."""


class SymbolTableError(SpeechError, ValueError):
    """A symbol table file that is corrupt, of another format, or inconsistent with a model."""


class BackendUnavailableError(SpeechError, RuntimeError):
    """A G2P backend whose library or data cannot be found."""


class AudioError(SpeechError, ValueError):
    """Audio that cannot be used: corrupt, empty, silent, too short or too long, wrong rate."""
