"""The interface every G2P backend implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from speech.text.languages import Language


@runtime_checkable
class G2PBackend(Protocol):
    """Turns normalised text into IPA.

    Implementations keep any expensive state (loaded libraries, dictionaries) on the instance and
    must accept a batch, so callers can amortise per-call costs.
    """

    name: str

    def phonemize(self, texts: Sequence[str], language: Language) -> list[str]:
        """IPA for each text: words separated by single spaces, break marks ``, . ? !`` kept."""
        ...
