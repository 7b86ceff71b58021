"""Pure functions behind the vocoders: mel filterbank inversion, frame padding, spectral distances.

Every function takes its settings explicitly (an :class:`~speech.audio.features.AudioConfig` or
plain numbers) and keeps no state; the modules in :mod:`speech.tts.vocoder` compute the constant
parts (filterbank, pseudo-inverse, window) once and store them as buffers.

Shapes follow torchaudio: ``(..., n_mels, frames)`` for mels, ``(..., n_freqs, frames)`` for
spectrograms and ``(..., time)`` for waveforms.
"""

from __future__ import annotations

import torch
import torchaudio

from speech.audio.features import AudioConfig
from speech.errors import AudioError


def mel_filterbank(config: AudioConfig) -> torch.Tensor:
    """The ``(n_fft // 2 + 1, n_mels)`` Slaney filterbank that :class:`LogMelSpectrogram` uses."""
    return torchaudio.functional.melscale_fbanks(
        n_freqs=config.n_fft // 2 + 1,
        f_min=config.f_min,
        f_max=config.f_max,
        n_mels=config.n_mels,
        sample_rate=config.sample_rate,
        norm="slaney",
        mel_scale="slaney",
    )


def mel_pseudo_inverse(config: AudioConfig) -> torch.Tensor:
    """``(n_freqs, n_mels)`` Moore-Penrose pseudo-inverse of the mel projection.

    ``mel = fb.T @ spec``, so the least-squares (minimum-norm) ``spec`` for a mel is
    ``pinv(fb.T) @ mel``. Computed once per config, it turns every inversion into one matrix
    product, instead of the per-call least-squares solve of ``torchaudio.transforms.InverseMelScale``
    (the two agree to float precision; see ``benchmarks/vocoder.py``).

    Every mel filter covers at least one FFT bin for sensible settings, so ``fb.T`` has full row
    rank and the pseudo-inverse is ``fb (fb.T fb)^-1``: an ``n_mels``-square solve (in float64),
    much cheaper than the SVD of ``torch.linalg.pinv``.

    Raises:
        ValueError: a mel filter is empty (too many mels for ``n_fft``).
    """
    fb = mel_filterbank(config).double()
    empty = (fb.sum(dim=0) == 0).nonzero().flatten().tolist()
    if empty:
        raise ValueError(f"mel filters {empty[:5]} cover no FFT bin: lower n_mels or raise n_fft ({config})")
    gram = fb.T @ fb
    return (fb @ torch.linalg.solve(gram, torch.eye(gram.shape[0], dtype=gram.dtype))).float()


def log_mel_to_magnitude(log_mel: torch.Tensor, inverse: torch.Tensor) -> torch.Tensor:
    """Natural-log mel ``(..., n_mels, frames)`` -> non-negative linear magnitude ``(..., n_freqs, frames)``.

    Args:
        log_mel: log-mel as :class:`~speech.audio.features.LogMelSpectrogram` computes it.
        inverse: ``(n_freqs, n_mels)`` matrix from :func:`mel_pseudo_inverse`.
    """
    # Least squares allows negative bins; a magnitude cannot be negative.
    return torch.clamp(torch.matmul(inverse, torch.exp(log_mel)), min=0.0)


def pad_frames(x: torch.Tensor, frames: int = 1) -> torch.Tensor:
    """Repeat the last frame of ``(..., frames)`` ``frames`` more times.

    A centred inverse STFT of ``T`` frames yields ``(T - 1) * hop`` samples; every vocoder here
    returns ``T * hop`` samples (as many as :class:`LogMelSpectrogram` consumed to make ``T``
    frames, rounded down to whole hops), so it synthesises one extra frame, a copy of the last.
    """
    if x.shape[-1] == 0:
        raise ValueError("cannot pad an input with zero frames")
    last = x[..., -1:]
    return torch.cat([x, last.expand(*last.shape[:-1], frames)], dim=-1)


def spectral_convergence(reference: torch.Tensor, estimate: torch.Tensor) -> torch.Tensor:
    """``||reference - estimate||_F / ||reference||_F`` over the last two dims (magnitudes, not logs).

    0 for identical inputs; about 0.1 for a good Griffin-Lim reconstruction.

    Returns:
        A tensor of shape ``reference.shape[:-2]``.
    """
    if reference.shape != estimate.shape:
        raise ValueError(f"shapes differ: {tuple(reference.shape)} vs {tuple(estimate.shape)}")
    num = torch.linalg.matrix_norm(reference - estimate)
    return num / torch.linalg.matrix_norm(reference).clamp(min=1e-12)


def log_mel_distance(reference: torch.Tensor, estimate: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference of two natural-log mels ``(..., n_mels, frames)``, over the last two dims.

    The lengths may differ by a few frames (a vocoder's output re-analysed); the shorter wins.
    """
    frames = min(reference.shape[-1], estimate.shape[-1])
    return (reference[..., :frames] - estimate[..., :frames]).abs().mean(dim=(-2, -1))


def check_mel_shape(mel: torch.Tensor, config: AudioConfig, source: str = "mel") -> None:
    """Raise :class:`~speech.errors.AudioError` unless ``mel`` is ``(batch, n_mels, frames)`` with ``frames >= 1``."""
    if mel.dim() != 3:
        raise AudioError(f"{source}: expected (batch, n_mels, frames), got shape {tuple(mel.shape)}")
    if mel.shape[1] != config.n_mels:
        raise AudioError(
            f"{source}: has {mel.shape[1]} mel bins, the vocoder expects {config.n_mels} "
            f"(is the mel (batch, frames, n_mels)? transpose it to (batch, n_mels, frames))"
        )
    if mel.shape[2] < 1:
        raise AudioError(f"{source}: has no frames")
