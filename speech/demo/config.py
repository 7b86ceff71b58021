"""Limits and defaults of the demo page, as a dataclass that loads from YAML.

Example:
    >>> DemoConfig().max_text_chars
    500
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(kw_only=True)
class DemoConfig:
    """What the page accepts and how many requests it runs at once.

    Attributes:
        max_text_chars: longest text accepted, in characters (synthesis on CPU is about real time
            per sentence, so a page request stays under a minute).
        max_reference_s: a reference clip longer than this is trimmed to its start (and the page
            says so); GE2E speaker embeddings saturate after a few seconds of speech anyway.
        min_reference_s: shortest usable reference clip.
        min_voiced_fraction: share of the non-silent frames that must be voiced for a clip to count
            as speech (noise, clicks and whispers have almost none; speech about 0.5-0.9).
        max_voiced_fraction: above this share, the sound never stops being voiced: a tone or a hum.
        min_pitch_spread_st: standard deviation of F0 in semitones below which the pitch does not
            move: a tone (monotone synthetic voices still move by about 1 semitone).
        min_energy_spread_db: standard deviation of the frame level in dB below which the level does
            not move: a steady sound with no syllables (speech: about 9 dB).
        concurrency_limit: synthesis requests run at once (more only queue: 2 CPU cores).
        max_queue: requests waiting in the queue before new ones are turned away.
        default_text: text shown when the page opens.
        default_language: target (and reference) language selected when the page opens, if the
            model speaks it (else its first language); matches ``default_text``.
    """

    max_text_chars: int = 500
    max_reference_s: float = 30.0
    min_reference_s: float = 1.0
    min_voiced_fraction: float = 0.2
    max_voiced_fraction: float = 0.97
    min_pitch_spread_st: float = 0.4
    min_energy_spread_db: float = 4.0
    concurrency_limit: int = 1
    max_queue: int = 16
    default_text: str = "The lighthouse keeper told stories about ships lost at sea."
    default_language: str = "en-us"

    def __post_init__(self) -> None:
        if self.max_text_chars <= 0:
            raise ValueError(f"max_text_chars must be positive, got {self.max_text_chars}")
        if not 0 < self.min_reference_s < self.max_reference_s:
            raise ValueError(
                f"need 0 < min_reference_s < max_reference_s, got {self.min_reference_s} and {self.max_reference_s}"
            )
        if not 0 <= self.min_voiced_fraction < self.max_voiced_fraction <= 1:
            raise ValueError("need 0 <= min_voiced_fraction < max_voiced_fraction <= 1")
        if self.concurrency_limit < 1 or self.max_queue < 1:
            raise ValueError("concurrency_limit and max_queue must be at least 1")

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> DemoConfig:
        """Defaults, or the YAML file at ``path`` (unknown keys and wrong types are errors)."""
        from speech.train.config import load_config

        return load_config(cls, path)
