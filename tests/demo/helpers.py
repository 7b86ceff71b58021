"""Shared constants of the demo tests."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TEN_WORDS = "The lighthouse keeper told stories about ships lost at sea."
