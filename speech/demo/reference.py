"""The demo's reference-clip check: the shared speech check (:mod:`speech.audio.speech_check`)
with the page's limits (:class:`~speech.demo.config.DemoConfig`), plus trimming.

The CLI (``speech synth --speaker-wav``, ``speech slu predict``) runs the same check, so a clip
the page refuses is refused everywhere.

Example:
    >>> import numpy as np
    >>> t = np.arange(32000) / 16000
    >>> tone = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    >>> inspect_reference(tone, 16000).problem  # doctest: +ELLIPSIS
    'a steady tone, not speech...'
"""

from __future__ import annotations

import numpy as np

from speech.audio.speech_check import (
    SILENCE_RANGE_DB,
    SpeechCheckConfig,
    SpeechReport,
    check_speech,
    inspect_speech,
    to_mono,
)
from speech.demo.config import DemoConfig

__all__ = ["SILENCE_RANGE_DB", "ReferenceReport", "check_config", "inspect_reference", "prepare_reference", "to_mono"]

#: The report of a reference clip (the shared speech check's).
ReferenceReport = SpeechReport


def check_config(config: DemoConfig | None = None) -> SpeechCheckConfig:
    """The speech-check limits of a demo configuration."""
    cfg = config or DemoConfig()
    return SpeechCheckConfig(
        min_duration_s=cfg.min_reference_s,
        max_duration_s=cfg.max_reference_s,
        min_voiced_fraction=cfg.min_voiced_fraction,
        max_voiced_fraction=cfg.max_voiced_fraction,
        min_pitch_spread_st=cfg.min_pitch_spread_st,
        min_energy_spread_db=cfg.min_energy_spread_db,
    )


def inspect_reference(wav: np.ndarray, sample_rate: int, config: DemoConfig | None = None) -> ReferenceReport:
    """Measure a reference clip with the page's limits; never raises for bad audio."""
    return inspect_speech(wav, sample_rate, check_config(config))


def prepare_reference(
    wav: np.ndarray, sample_rate: int, config: DemoConfig | None = None, what: str = "reference clip"
) -> tuple[np.ndarray, ReferenceReport]:
    """Check a reference clip and trim it; the clip to use and its report.

    Raises:
        NotSpeechError: the clip is too short, silent, or not speech (the message says which).
    """
    x = to_mono(wav)
    rep = check_speech(x, sample_rate, check_config(config), what)
    return x[: int(round(rep.used_s * sample_rate))], rep
