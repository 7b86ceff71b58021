"""Adapters in front of third-party quirks, so that no other module has to know about them."""

from __future__ import annotations

import contextlib
import importlib
import io
from types import ModuleType


def import_espnet(module: str) -> ModuleType:
    """Import an espnet module without its import-time ``print`` to stdout.

    espnet 202511 prints "Failed to import Flash Attention..." when ``flash_attn`` is missing,
    which would corrupt the machine-readable output of our CLI (``--json``).
    """
    with contextlib.redirect_stdout(io.StringIO()):
        return importlib.import_module(module)
