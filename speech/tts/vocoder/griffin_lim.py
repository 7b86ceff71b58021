"""Griffin-Lim: the vocoder that needs no training and is always available.

The log-mel is mapped back to a linear magnitude spectrogram (mel filterbank pseudo-inverse,
computed once; or torchaudio's ``InverseMelScale`` least-squares solve), then
``torchaudio.functional.griffinlim`` with momentum ("fast Griffin-Lim", Perraudin et al. 2013)
estimates a phase. It sounds phasey: use it for tests, for a model without a trained vocoder, and
as the baseline a neural vocoder is measured against (``speech tts vocoder evaluate``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import torch
import torchaudio

from speech.audio.features import AudioConfig
from speech.tts.vocoder.base import VocoderMixin
from speech.tts.vocoder.functional import log_mel_to_magnitude, mel_pseudo_inverse, pad_frames


@dataclass(kw_only=True)
class GriffinLimConfig:
    """Settings of :class:`GriffinLimVocoder`.

    Attributes:
        audio: the mel definition the input was made with.
        n_iter: Griffin-Lim iterations; 32 is nearly as good as 60 with momentum, at half the cost.
        momentum: fast Griffin-Lim momentum in [0, 1); 0.99 as in torchaudio's default.
        inverse: ``pinv``: a precomputed pseudo-inverse of the filterbank (one matrix product);
            ``lstsq``: ``torchaudio.transforms.InverseMelScale`` (a least-squares solve per call).
        magnitude_power: raise the magnitude to this power before phase estimation; > 1 sharpens
            harmonics and hides some Griffin-Lim noise (Tacotron used 1.5 on magnitudes).
        rand_init: start from random phases (torchaudio default) instead of zero phases; False keeps
            the output deterministic.
    """

    audio: AudioConfig = field(default_factory=AudioConfig)
    n_iter: int = 32
    momentum: float = 0.99
    inverse: Literal["pinv", "lstsq"] = "pinv"
    magnitude_power: float = 1.0
    rand_init: bool = False

    def __post_init__(self) -> None:
        if self.n_iter < 1:
            raise ValueError(f"n_iter must be >= 1, got {self.n_iter}")
        if not 0.0 <= self.momentum < 1.0:
            raise ValueError(f"momentum must be within [0, 1), got {self.momentum}")
        if self.magnitude_power <= 0:
            raise ValueError(f"magnitude_power must be positive, got {self.magnitude_power}")


class GriffinLimVocoder(VocoderMixin, torch.nn.Module):
    """Log-mel ``(batch, n_mels, frames)`` -> waveform ``(batch, frames * hop)`` by Griffin-Lim.

    Args:
        config: settings; defaults to 32 iterations of fast Griffin-Lim on the default AudioConfig.

    Example:
        >>> vocoder = GriffinLimVocoder()
        >>> vocoder(torch.zeros(1, 80, 10)).shape
        torch.Size([1, 2560])
    """

    def __init__(self, config: GriffinLimConfig | None = None) -> None:
        super().__init__()
        self.config = config or GriffinLimConfig()
        c = self.config.audio
        self.register_buffer("inverse", mel_pseudo_inverse(c), persistent=False)
        self.inverse_mel = (
            torchaudio.transforms.InverseMelScale(
                n_stft=c.n_fft // 2 + 1,
                n_mels=c.n_mels,
                sample_rate=c.sample_rate,
                f_min=c.f_min,
                f_max=c.f_max,
                norm="slaney",
                mel_scale="slaney",
            )
            if self.config.inverse == "lstsq"
            else None
        )
        self.register_buffer("window", torch.hann_window(c.win_length), persistent=False)

    @property
    def audio_config(self) -> AudioConfig:
        """Settings of the mels this vocoder takes."""
        return self.config.audio

    def magnitude(self, mel: torch.Tensor) -> torch.Tensor:
        """``(batch, n_mels, frames)`` log-mel -> ``(batch, n_freqs, frames)`` linear magnitude."""
        if self.inverse_mel is not None:
            spec = self.inverse_mel(torch.exp(mel.float()))
        else:
            spec = log_mel_to_magnitude(mel.float(), self.inverse)
        if self.config.magnitude_power != 1.0:
            spec = spec.pow(self.config.magnitude_power)
        return spec

    def forward(self, mel: torch.Tensor, audio_config: AudioConfig | None = None) -> torch.Tensor:
        """Vocode a batch; see the class docstring.

        Raises:
            AudioError: ``audio_config`` differs from the vocoder's, or the mel has the wrong shape.
        """
        self.check_input(mel, audio_config)
        frames = mel.shape[-1]
        c = self.config.audio
        # One extra frame gives frames * hop samples; very short inputs get a few more, because the
        # STFT inside Griffin-Lim reflect-pads n_fft // 2 samples and needs a longer signal.
        total = max(frames + 1, c.n_fft // (2 * c.hop_length) + 2)
        wav = torchaudio.functional.griffinlim(
            pad_frames(self.magnitude(mel), total - frames),
            window=self.window,
            n_fft=c.n_fft,
            hop_length=c.hop_length,
            win_length=c.win_length,
            power=1.0,  # the input is a magnitude, not a power spectrogram
            n_iter=self.config.n_iter,
            momentum=self.config.momentum,
            length=(total - 1) * c.hop_length,
            rand_init=self.config.rand_init,
        )
        return wav[..., : frames * c.hop_length]
