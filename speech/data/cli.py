"""``speech data ...``: corpus preparation and the bootstrap corpora.

Sub-command groups live next to the code they drive; each module in ``DATA_COMMAND_MODULES`` has a
``register(subparsers)`` that adds its commands under ``speech data``.
"""

from __future__ import annotations

import argparse
import importlib

DATA_COMMAND_MODULES: tuple[str, ...] = ("speech.data.corpora.cli", "speech.data.bootstrap.cli", "speech.data.shar_cli")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``speech data`` and its sub-commands."""
    parser = subparsers.add_parser("data", help="prepare corpora as lhotse manifests; build bootstrap corpora; export Shar shards")
    data_sub = parser.add_subparsers(dest="data_command", metavar="DATA_COMMAND")
    for name in DATA_COMMAND_MODULES:
        importlib.import_module(name).register(data_sub)
