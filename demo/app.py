"""Start the demo page: ``python demo/app.py [--model DIR] [--slu-model DIR] [--port N] ...``.

A thin launcher: the page lives in :mod:`speech.demo.app` and this takes the options of
``speech demo`` (see ``speech demo --help``).
"""

from __future__ import annotations

import sys

from speech.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["demo", *sys.argv[1:]]))
