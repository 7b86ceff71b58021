"""Load and save audio through one adapter (soundfile), so no other module depends on a backend.

torchaudio moved its I/O to TorchCodec and changes it between releases; soundfile (libsndfile) is
stable and reads WAV, FLAC and OGG everywhere. Resampling uses torchaudio's functional API, which
is stable across torch 2.9 to 2.11.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile as sf

from speech.errors import AudioError
from speech.fileio import atomic_path


def load_audio(
    path: str | os.PathLike[str],
    sample_rate: int | None = None,
    mono: bool = True,
) -> tuple[np.ndarray, int]:
    """Read an audio file as float32 in [-1, 1].

    Args:
        path: a WAV/FLAC/OGG file.
        sample_rate: resample to this rate when given; otherwise keep the file's rate.
        mono: average channels into one.

    Returns:
        ``(waveform, sample_rate)``; waveform has shape ``(time,)`` when ``mono`` else
        ``(channels, time)``.

    Raises:
        FileNotFoundError: the file does not exist.
        AudioError: the file is corrupt, not audio, or holds no samples.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"audio file not found: {p}")
    try:
        data, sr = sf.read(str(p), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, ValueError) as e:
        raise AudioError(f"cannot read audio file {p}: {e}") from e
    if data.shape[0] == 0:
        raise AudioError(f"audio file {p} holds no samples")
    wav = data.mean(axis=1) if mono else data.T
    wav = np.ascontiguousarray(wav, dtype=np.float32)
    if sample_rate is not None and sample_rate != sr:
        wav = resample(wav, sr, sample_rate)
        sr = sample_rate
    return wav, int(sr)


def resample(waveform: np.ndarray, orig_rate: int, target_rate: int) -> np.ndarray:
    """Resample ``(..., time)`` float audio with torchaudio's band-limited sinc interpolation."""
    if orig_rate <= 0 or target_rate <= 0:
        raise AudioError(f"sample rates must be positive, got {orig_rate} -> {target_rate}")
    if orig_rate == target_rate:
        return waveform
    import torch
    import torchaudio.functional as AF

    out = AF.resample(torch.from_numpy(np.ascontiguousarray(waveform)), orig_rate, target_rate)
    return out.numpy().astype(np.float32, copy=False)


def save_audio(
    path: str | os.PathLike[str],
    waveform: np.ndarray,
    sample_rate: int,
    subtype: str = "PCM_16",
) -> Path:
    """Write ``(time,)`` or ``(channels, time)`` audio atomically; the format follows the suffix.

    Samples are clipped to [-1, 1] first so that int formats never wrap around.
    """
    wav = np.asarray(waveform, dtype=np.float32)
    if wav.ndim == 2:
        wav = wav.T
    elif wav.ndim != 1:
        raise AudioError(f"waveform must be (time,) or (channels, time), got shape {wav.shape}")
    if wav.size == 0:
        raise AudioError(f"refusing to write an empty waveform to {path}")
    wav = np.clip(wav, -1.0, 1.0)
    with atomic_path(path) as tmp:
        sf.write(str(tmp), wav, int(sample_rate), subtype=subtype)
    return Path(path)
