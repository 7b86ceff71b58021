"""The ``speech`` command.

Each sub-package owns its sub-commands in its own ``cli.py`` with a ``register(subparsers)``
function; this module only wires them together. Handlers import heavy libraries (torch, espnet)
lazily so that ``speech --help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from speech import __version__
from speech.errors import SpeechError

# Modules that contribute sub-commands, in the order `speech --help` lists them.
COMMAND_MODULES: tuple[str, ...] = ("speech.assets.cli", "speech.text.cli", "speech.data.cli", "speech.eval.cli", "speech.asr.cli", "speech.slu.cli", "speech.tts.cli", "speech.tts.vocoder.cli", "speech.train.cli", "speech.demo.cli", "speech.dub.cli")


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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``speech`` console script; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except SpeechError as e:
        # Errors raised on purpose carry a message for the user; no traceback.
        print(f"speech {args.command}: error: {e}", file=sys.stderr)
        return 2
    except FileNotFoundError as e:
        print(f"speech {args.command}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
