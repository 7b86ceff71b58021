"""Checks on audio before a model sees it: sample rate, length, silence, bad samples.

Shared by ASR transcription and SLU prediction. A wrong sample rate is not an error: the audio is
resampled to the model's rate and the note is logged. Audio that is too short to give one encoder
frame, silent, or holds NaN/Inf raises :class:`~speech.errors.AudioError` naming the source.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from speech.audio.io import load_audio, resample
from speech.errors import AudioError

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)


@dataclass(kw_only=True)
class AudioCheckConfig:
    """Limits applied to input audio."""

    min_duration: float = 0.1
    """Seconds; shorter audio is refused (the model's own minimum applies too)."""
    max_duration: float = 60.0
    """Seconds; longer audio is refused (split it first)."""
    silence_dbfs: float = -60.0
    """Audio whose peak is below this level (dB re full scale) is refused as silent."""


def peak_dbfs(wav: np.ndarray) -> float:
    """Peak level of ``wav`` in dB relative to full scale (``-inf`` for all zeros)."""
    peak = float(np.max(np.abs(wav))) if wav.size else 0.0
    return 20.0 * math.log10(peak) if peak > 0 else -math.inf


def prepare_waveform(
    wav: np.ndarray,
    sample_rate: int,
    target_rate: int,
    config: AudioCheckConfig,
    source: str = "<audio>",
    min_samples: int = 1,
) -> np.ndarray:
    """Resample ``wav`` to ``target_rate`` and check it; returns float32 ``(samples,)``.

    Args:
        wav: mono audio ``(samples,)``.
        sample_rate: its rate.
        target_rate: the model's rate.
        config: limits.
        source: file name for messages.
        min_samples: the model's own minimum at ``target_rate``.

    Raises:
        AudioError: not mono, non-finite samples, too short, too long, or silent.
    """
    x = np.asarray(wav, dtype=np.float32)
    if x.ndim != 1:
        raise AudioError(f"{source}: expected mono audio (samples,), got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise AudioError(f"{source}: audio holds NaN or infinite samples")
    if sample_rate != target_rate:
        logger.info("%s: resampling from %d Hz to the model's %d Hz", source, sample_rate, target_rate)
        x = resample(x, sample_rate, target_rate)
    seconds = x.shape[0] / target_rate
    needed = max(config.min_duration, min_samples / target_rate)
    if seconds < needed:
        raise AudioError(f"{source}: audio is too short ({seconds:.3f} s); the model needs at least {needed:.3f} s")
    if seconds > config.max_duration:
        raise AudioError(
            f"{source}: audio is too long ({seconds:.1f} s > {config.max_duration:.0f} s); split it or raise max_duration"
        )
    level = peak_dbfs(x)
    if level < config.silence_dbfs:
        shown = "-inf" if math.isinf(level) else f"{level:.1f}"
        raise AudioError(f"{source}: audio is silent (peak {shown} dBFS < {config.silence_dbfs:.0f} dBFS)")
    return x


def load_checked(
    path: str | os.PathLike[str], target_rate: int, config: AudioCheckConfig, min_samples: int = 1
) -> np.ndarray:
    """Load a file as mono and :func:`prepare_waveform` it."""
    wav, sr = load_audio(Path(path), mono=True)
    return prepare_waveform(wav, sr, target_rate, config, source=str(path), min_samples=min_samples)


def pad_waveforms(waveforms: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad mono waveforms with zeros: ``(batch, max_samples)`` float32 and ``(batch,)`` lengths."""
    import torch

    lens = torch.tensor([w.shape[0] for w in waveforms], dtype=torch.long)
    out = torch.zeros(len(waveforms), int(lens.max()) if len(waveforms) else 0)
    for i, w in enumerate(waveforms):
        out[i, : w.shape[0]] = torch.from_numpy(np.ascontiguousarray(w, dtype=np.float32))
    return out, lens
