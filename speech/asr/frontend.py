"""Acoustic features for the speech encoders: log-mel / Kaldi fbank, utterance normalisation, SpecAugment.

Features are computed *inside* the model from padded waveforms, so a saved model carries its
front-end with it and inference needs nothing but audio at the model's sample rate. Both kinds come
from torchaudio:

- ``log_mel``: :class:`torchaudio.transforms.MelSpectrogram` (batched, runs on any device);
- ``fbank``: :func:`torchaudio.compliance.kaldi.fbank` (Kaldi-compatible, one utterance at a time).

Frames are then normalised per utterance over the valid frames only (:func:`utterance_mvn`),
and, in training mode, SpecAugment masks frequency bands and time spans
(:class:`torchaudio.transforms.FrequencyMasking` / :class:`~torchaudio.transforms.TimeMasking`,
an independent mask per utterance). Masks are filled with 0, the normalised mean.

Shapes: waveforms ``(batch, samples)`` with lengths ``(batch,)``; features ``(batch, frames, bins)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn


@dataclass(kw_only=True)
class FeatureConfig:
    """Filterbank front-end of :class:`~speech.asr.encoder.SpeechEncoder`."""

    kind: Literal["log_mel", "fbank"] = "log_mel"
    """``log_mel``: torchaudio MelSpectrogram (batched); ``fbank``: Kaldi-compatible fbank."""
    num_mel_bins: int = 80
    frame_length_ms: float = 25.0
    frame_shift_ms: float = 10.0
    normalize: Literal["mean_var", "mean", "none"] = "mean_var"
    """Per-utterance normalisation over valid frames."""


@dataclass(kw_only=True)
class SpecAugmentConfig:
    """SpecAugment (Park et al., 2019) applied in training mode only."""

    enabled: bool = True
    num_freq_masks: int = 2
    freq_mask_width: int = 15
    """Widest frequency mask, in mel bins."""
    num_time_masks: int = 2
    time_mask_width: int = 20
    """Longest time mask, in frames (10 ms each by default)."""
    time_mask_max_ratio: float = 0.2
    """A time mask never covers more than this share of the utterance (torchaudio's ``p``)."""


def frame_lengths(sample_lens: torch.Tensor, shift: int, length: int, centered: bool) -> torch.Tensor:
    """Number of feature frames for each waveform length (samples)."""
    if centered:
        return sample_lens // shift + 1
    return torch.clamp((sample_lens - length) // shift + 1, min=0)


def utterance_mvn(feats: torch.Tensor, mask: torch.Tensor, norm_vars: bool = True, eps: float = 1e-5) -> torch.Tensor:
    """Per-utterance mean (and variance) normalisation of ``(B, T, F)`` over the frames where ``mask`` is True.

    Written here rather than taken from ESPnet: ``espnet2.layers.utterance_mvn`` (202511) counts the
    padded frames, shifted by the mean, in the variance when it normalises both, so a padded
    utterance would not be normalised like the same utterance alone.
    """
    m = mask[..., None].to(feats.dtype)
    n = m.sum(1, keepdim=True).clamp(min=1.0)
    mean = (feats * m).sum(1, keepdim=True) / n
    out = feats - mean
    if norm_vars:
        var = ((out * m) ** 2).sum(1, keepdim=True) / n
        out = out / torch.sqrt(var + eps)
    return out


class FeatureExtractor(nn.Module):
    """Waveforms -> normalised filterbank frames (see module docstring).

    Args:
        config: feature settings.
        sample_rate: rate of the input audio.
    """

    def __init__(self, config: FeatureConfig, sample_rate: int) -> None:
        super().__init__()
        import torchaudio

        if config.kind not in ("log_mel", "fbank"):
            raise ValueError(f"features.kind must be 'log_mel' or 'fbank', got {config.kind!r}")
        self.config = config
        self.sample_rate = sample_rate
        self.win_length = int(round(sample_rate * config.frame_length_ms / 1000))
        self.hop_length = int(round(sample_rate * config.frame_shift_ms / 1000))
        if self.win_length <= 0 or self.hop_length <= 0:
            raise ValueError(
                f"frame length and shift must be positive, got {config.frame_length_ms} / {config.frame_shift_ms} ms"
            )
        self.mel: nn.Module | None = None
        if config.kind == "log_mel":
            n_fft = 1 << (self.win_length - 1).bit_length()
            self.mel = torchaudio.transforms.MelSpectrogram(
                sample_rate=sample_rate,
                n_fft=n_fft,
                win_length=self.win_length,
                hop_length=self.hop_length,
                n_mels=config.num_mel_bins,
                center=False,  # centring is done per utterance in _centred (batch consistency)
                power=2.0,
            )
            self.n_fft = n_fft

    @property
    def output_size(self) -> int:
        return self.config.num_mel_bins

    def num_frames(self, sample_lens: torch.Tensor) -> torch.Tensor:
        """Frames produced for waveforms of ``sample_lens`` samples."""
        return frame_lengths(sample_lens, self.hop_length, self.win_length, centered=self.config.kind == "log_mel")

    def forward(self, wav: torch.Tensor, wav_lens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(B, N)`` waveforms, ``(B,)`` lengths -> ``(B, T, F)`` features, ``(B,)`` frame counts."""
        # Filterbanks in float32 whatever the autocast context: log of tiny powers underflows in bf16.
        with torch.autocast(device_type=wav.device.type, enabled=False):
            wav = wav.float()
            lens = self.num_frames(wav_lens)
            if self.mel is not None:
                feats = torch.log(self.mel(self._centred(wav, wav_lens)).clamp(min=1e-10)).transpose(1, 2)
            else:
                feats = self._kaldi_fbank(wav, wav_lens, int(lens.max().item()))
            feats = feats[:, : int(lens.max().item())]
            mask = torch.arange(feats.shape[1], device=feats.device)[None, :] < lens[:, None]
            if self.config.normalize != "none":
                feats = utterance_mvn(feats, mask, norm_vars=self.config.normalize == "mean_var")
            feats = feats.masked_fill(~mask[..., None], 0.0)
        return feats, lens

    def _centred(self, wav: torch.Tensor, wav_lens: torch.Tensor) -> torch.Tensor:
        """Each utterance reflect-padded by half a window at *its own* ends (what ``center=True`` does
        to a lone utterance), so its last frames never see the batch's zero padding."""
        half = self.n_fft // 2
        out = wav.new_zeros(wav.shape[0], wav.shape[1] + 2 * half)
        for i, n in enumerate(wav_lens.tolist()):
            if n <= half:  # too short to reflect; such inputs are refused before the encoder
                out[i, half : half + n] = wav[i, :n]
                continue
            out[i, : n + 2 * half] = torch.nn.functional.pad(wav[i : i + 1, :n], (half, half), mode="reflect")[0]
        return out

    def _kaldi_fbank(self, wav: torch.Tensor, wav_lens: torch.Tensor, max_frames: int) -> torch.Tensor:
        from torchaudio.compliance import kaldi

        out = wav.new_zeros(wav.shape[0], max_frames, self.config.num_mel_bins)
        for i in range(wav.shape[0]):
            n = int(wav_lens[i])
            if n < self.win_length:
                continue
            # Kaldi works on 16-bit sample values; the scale only shifts the log, which MVN removes.
            f = kaldi.fbank(
                wav[i : i + 1, :n] * 32768.0,
                sample_frequency=float(self.sample_rate),
                num_mel_bins=self.config.num_mel_bins,
                frame_length=self.config.frame_length_ms,
                frame_shift=self.config.frame_shift_ms,
                dither=0.0,
                energy_floor=0.0,
            )
            out[i, : f.shape[0]] = f
        return out


class SpecAugment(nn.Module):
    """Frequency and time masking on ``(B, T, F)`` features, in training mode only."""

    def __init__(self, config: SpecAugmentConfig) -> None:
        super().__init__()
        import torchaudio

        self.config = config
        self.freq = torchaudio.transforms.FrequencyMasking(config.freq_mask_width, iid_masks=True)
        self.time = torchaudio.transforms.TimeMasking(config.time_mask_width, iid_masks=True, p=config.time_mask_max_ratio)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        if not (self.training and self.config.enabled):
            return feats
        x = feats.transpose(1, 2)  # torchaudio masks (..., freq, time)
        for _ in range(self.config.num_freq_masks):
            x = self.freq(x)
        for _ in range(self.config.num_time_masks):
            x = self.time(x)
        return x.transpose(1, 2)
