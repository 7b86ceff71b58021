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


class OptionError(SpeechError, ValueError):
    """A command-line option or API argument outside its accepted values (a speed of 0, a batch size of -1)."""


class OutputError(SpeechError, ValueError):
    """An output path that cannot be written as asked: unknown format, a directory, a device file."""


class TextFileError(SpeechError, ValueError):
    """A text file that cannot be read as UTF-8 text, or holds a line that cannot be used."""


class SSMLError(MarkupError):
    """SSML markup that is malformed or uses an element or attribute that `speech` cannot render."""


class NotSpeechError(AudioError):
    """Audio that holds no speech: silence, noise, a steady tone, a DC offset."""


class SpeechWarning(UserWarning):
    """Base of the warnings `speech` issues; each is also logged, so the CLI shows only the log line."""
