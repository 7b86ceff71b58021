"""The ``speech`` command.

Each sub-package owns its sub-commands in its own ``cli.py`` with a ``register(subparsers)``
function; this module only wires them together. Handlers import heavy libraries (torch, espnet)
lazily so that ``speech --help`` stays instant.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import logging
import os
import sys
import warnings
from collections.abc import Callable, Sequence

from speech import __version__
from speech.assets.shipped import extra_providing
from speech.errors import SpeechError, SpeechWarning

# Modules that contribute sub-commands, in the order `speech --help` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "speech.assets.cli",
    "speech.text.cli",
    "speech.data.cli",
    "speech.eval.cli",
    "speech.asr.cli",
    "speech.slu.cli",
    "speech.tts.cli",
    "speech.train.cli",
    "speech.demo.cli",
    "speech.dub.cli",
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every registered sub-command."""
    parser = argparse.ArgumentParser(
        prog="speech",
        description="Cross-lingual speech transfer: phonemes, data, training, synthesis, evaluation.",
    )
    parser.add_argument("--version", action="version", version=f"speech {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv: debug)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


#: What to do about an operating-system error, by errno.
_OS_HINTS: dict[int, str] = {
    errno.ENOENT: "no such file or directory",
    errno.EACCES: "permission denied: choose a location you may read or write",
    errno.EPERM: "operation not permitted: choose a location you may read or write",
    errno.EISDIR: "is a directory: give a file path",
    errno.ENOTDIR: "a part of this path is a file, not a directory",
    errno.EROFS: "read-only filesystem: write somewhere else",
    errno.ENOSPC: "no space left on the device: free some space or write somewhere else",
    errno.EDQUOT: "disk quota exceeded: free some space or write somewhere else",
    errno.ENAMETOOLONG: "file name too long: choose a shorter name",
    errno.EMFILE: "too many open files: raise the limit (ulimit -n) or use fewer files at once",
}


def describe_os_error(e: OSError) -> str:
    """One line for an ``OSError``: the path, what went wrong, and what to do."""
    hint = _OS_HINTS.get(e.errno or -1) or e.strerror or str(e)
    names = [str(n) for n in (e.filename, e.filename2) if n is not None]
    if not names:
        return hint if e.errno in _OS_HINTS else str(e)
    return f"{' -> '.join(names)}: {hint}"


def _fail(command: str | None, message: str) -> int:
    print(f"speech {command or ''}: error: {message}".replace("speech : ", "speech: "), file=sys.stderr)
    return 2


def run_reporting_errors(prog: str, action: Callable[[], object]) -> int:
    """Run a script's ``action`` and print what it returns; a :class:`SpeechError` or an
    ``OSError`` ends as one ``{prog}: error: ...`` line on stderr with exit status 2, as in
    :func:`main` (recipe scripts use it to keep the same contract)."""
    try:
        print(action())
    except SpeechError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"{prog}: error: {describe_os_error(e)}", file=sys.stderr)
        return 2
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``speech`` console script; returns the process exit status.

    This is the one place where errors become messages: every :class:`SpeechError` (raised on
    purpose, with what to do), every ``OSError`` (missing file, permissions, full or read-only
    disk) and undecodable input end as one line on stderr with exit status 2, never a traceback.
    Bad option values are refused by the argparse types of :mod:`speech.options` (also status 2).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    # The library logs each of its warnings too: printing the warning again would say it twice.
    warnings.filterwarnings("ignore", category=SpeechWarning)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    command = args.command
    try:
        return int(args.func(args) or 0)
    except SpeechError as e:
        # Errors raised on purpose carry a message for the user; no traceback.
        return _fail(command, str(e))
    except ModuleNotFoundError as e:
        # A runtime install (`pip install speech`) lacks the extras' libraries: say which extra.
        extra = extra_providing(e.name)
        if extra is None:
            raise
        return _fail(command, f"{e.name} is not installed: pip install 'speech[{extra}]' (or run `make setup`)")
    except BrokenPipeError:
        # The reader of our stdout went away (`speech ... | head`): nothing left to tell it.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except OSError as e:
        return _fail(command, describe_os_error(e))
    except UnicodeError as e:
        return _fail(command, f"input is not valid text ({e}); save text files as UTF-8")
    except KeyboardInterrupt:
        print(f"speech {command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
