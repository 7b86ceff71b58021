"""The one audio feature definition shared by data, acoustic models and vocoders.

Data preparation, the synthesizer and every vocoder read one :class:`AudioConfig`, and a model
refuses features made with another one (:meth:`AudioConfig.check_compatible`), so a mel computed
for one setting can never silently reach a vocoder trained on another.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import torch
import torchaudio

from speech.errors import AudioError


@dataclass(frozen=True)
class AudioConfig:
    """Waveform and log-mel settings.

    Defaults are the usual 22.05 kHz TTS settings (HiFi-GAN's): 1024-point FFT, hop 256
    (11.6 ms), 80 Slaney mels from 0 to 8 kHz, natural-log magnitude clamped at 1e-5.
    """

    sample_rate: int = 22050
    n_fft: int = 1024
    win_length: int = 1024
    hop_length: int = 256
    n_mels: int = 80
    f_min: float = 0.0
    f_max: float = 8000.0
    log_floor: float = 1e-5

    def __post_init__(self) -> None:
        if self.win_length > self.n_fft:
            raise ValueError(f"win_length {self.win_length} > n_fft {self.n_fft}")
        if not 0 <= self.f_min < self.f_max <= self.sample_rate / 2:
            raise ValueError(f"need 0 <= f_min < f_max <= sample_rate/2, got {self.f_min}, {self.f_max}")
        if self.hop_length <= 0 or self.n_mels <= 0:
            raise ValueError("hop_length and n_mels must be positive")

    @property
    def frames_per_second(self) -> float:
        """Mel frames per second of audio."""
        return self.sample_rate / self.hop_length

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for YAML configs."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AudioConfig:
        """Build from a dict, rejecting unknown keys."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown audio config keys {sorted(unknown)}; known: {sorted(known)}")
        return cls(**data)

    def check_compatible(self, other: AudioConfig, what: str = "model") -> None:
        """Raise if ``other`` would produce different features (names every differing field)."""
        diff = {f.name: (getattr(self, f.name), getattr(other, f.name)) for f in fields(self)
                if getattr(self, f.name) != getattr(other, f.name)}
        if diff:
            detail = ", ".join(f"{k}: {a} vs {b}" for k, (a, b) in diff.items())
            raise AudioError(f"audio settings do not match the {what}'s ({detail})")


class LogMelSpectrogram(torch.nn.Module):
    """Waveform ``(..., time)`` -> log-mel ``(..., n_mels, frames)`` for an :class:`AudioConfig`.

    Frames = ``time // hop_length + 1`` (centred STFT). Works on any device; the filterbank and
    window are buffers, computed once.
    """

    def __init__(self, config: AudioConfig | None = None) -> None:
        super().__init__()
        self.config = config or AudioConfig()
        c = self.config
        self.mel = torchaudio.transforms.MelSpectrogram(
            sample_rate=c.sample_rate,
            n_fft=c.n_fft,
            win_length=c.win_length,
            hop_length=c.hop_length,
            f_min=c.f_min,
            f_max=c.f_max,
            n_mels=c.n_mels,
            power=1.0,
            norm="slaney",
            mel_scale="slaney",
            center=True,
            pad_mode="reflect",
        )

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        return torch.log(torch.clamp(self.mel(waveform), min=self.config.log_floor))


def num_frames(num_samples: int, config: AudioConfig) -> int:
    """Number of mel frames :class:`LogMelSpectrogram` gives for ``num_samples`` samples."""
    return num_samples // config.hop_length + 1
