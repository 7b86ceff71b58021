"""A Vocos-style generator: ConvNeXt blocks over mel frames, then an inverse-STFT head.

After Siuzdak (2023), "Vocos: Closing the gap between time-domain and Fourier-based neural
vocoders". Every layer runs at the frame rate (86 frames/s at 22.05 kHz, hop 256); the head
predicts a log-magnitude and a phase per STFT bin and ``torch.istft`` makes the waveform. Nothing
is upsampled by transposed convolutions as in HiFi-GAN, which is why it is much cheaper on a CPU
(``benchmarks/vocoder.py``: about 9x faster than a HiFi-GAN V2-sized espnet generator here).

One addition to Vocos (``VocosConfig.magnitude_prior``, on by default): the network predicts the
log-magnitude as a correction to the pseudo-inverse of the mel filterbank applied to its input,
the magnitude Griffin-Lim starts from. Measured with ``configs/bootstrap_cpu.yaml`` on a bootstrap
corpus subset (mel loss only): validation log-mel L1 0.30 after 500 batches with the prior, 0.73
without it (0.53 after 1500); see ``configs/README.md``.

Why these blocks are ours and not the ``vocos`` package's (0.1.0, checked December 2026): its
``VocosBackbone`` is the same network, and the shipped ``models/bootstrap-multilingual/vocoder``
loads into it after renaming three keys (``blocks`` -> ``convnext``, ``final_norm`` ->
``final_layer_norm``), giving the same waveform (max abs difference 0.0 on a 245-frame mel). But
its ``ISTFTHead`` has no place for the magnitude prior above, so the head would stay ours; its
kernel width is fixed at 7; and ``import vocos.models`` runs the package's ``__init__``, which
imports ``huggingface_hub``, ``encodec`` (pinned ``==0.1.1``) and ``einops``: 150 more modules and
0.3-0.4 s more import time on top of our synthesiser, for two classes of about 40 lines.

Shapes: mel ``(batch, n_mels, frames)`` -> waveform ``(batch, frames * hop)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from speech.audio.features import AudioConfig
from speech.tts.vocoder.functional import log_mel_to_magnitude, mel_pseudo_inverse, pad_frames


@dataclass(kw_only=True)
class VocosConfig:
    """Architecture of :class:`VocosGenerator`.

    Attributes:
        dim: channels of the backbone.
        intermediate_dim: hidden width of each ConvNeXt block's pointwise MLP (3 x dim in Vocos).
        num_layers: ConvNeXt blocks.
        kernel_size: depthwise convolution width in frames (odd).
        layer_scale_init: initial value of each block's residual scale; None: ``1 / num_layers``.
        max_log_magnitude: the predicted log-magnitude is clipped here (exp(4.6) = 100) so that an
            early, wild prediction cannot overflow the inverse STFT.
        magnitude_prior: predict the log-magnitude as a correction of the mel filterbank's
            pseudo-inverse applied to the input (our addition to Vocos). The magnitude is then
            nearly right from the first step and training spends itself on the phase and the
            detail, which is what makes a few CPU hours enough.
    """

    dim: int = 384
    intermediate_dim: int = 1152
    num_layers: int = 8
    kernel_size: int = 7
    layer_scale_init: float | None = None
    max_log_magnitude: float = math.log(100.0)
    magnitude_prior: bool = True

    def __post_init__(self) -> None:
        if self.dim < 1 or self.intermediate_dim < 1 or self.num_layers < 1:
            raise ValueError("vocos dim, intermediate_dim and num_layers must be positive")
        if self.kernel_size < 1 or self.kernel_size % 2 == 0:
            raise ValueError(f"vocos kernel_size must be a positive odd number, got {self.kernel_size}")


class ConvNeXtBlock(nn.Module):
    """Depthwise conv -> LayerNorm -> pointwise MLP (GELU) -> layer scale, with a residual.

    Args:
        dim: channels.
        intermediate_dim: MLP hidden width.
        kernel_size: depthwise kernel width (odd).
        layer_scale_init: initial residual scale.
    """

    def __init__(self, dim: int, intermediate_dim: int, kernel_size: int, layer_scale_init: float) -> None:
        super().__init__()
        self.dwconv = nn.Conv1d(dim, dim, kernel_size, padding=kernel_size // 2, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.pwconv1 = nn.Linear(dim, intermediate_dim)
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(intermediate_dim, dim)
        self.gamma = nn.Parameter(torch.full((dim,), layer_scale_init))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, dim, frames)`` -> same shape."""
        y = self.dwconv(x).transpose(1, 2)
        y = self.pwconv2(self.act(self.pwconv1(self.norm(y))))
        return x + (self.gamma * y).transpose(1, 2)


class VocosGenerator(nn.Module):
    """Mel -> ConvNeXt backbone -> (log-magnitude, phase) per bin -> ``torch.istft``.

    Args:
        audio: the STFT and mel settings (n_fft, hop and window of the inverse STFT).
        config: architecture.
    """

    def __init__(self, audio: AudioConfig, config: VocosConfig) -> None:
        super().__init__()
        self.audio = audio
        self.config = config
        scale = config.layer_scale_init if config.layer_scale_init is not None else 1.0 / config.num_layers
        self.embed = nn.Conv1d(audio.n_mels, config.dim, config.kernel_size, padding=config.kernel_size // 2)
        self.norm = nn.LayerNorm(config.dim, eps=1e-6)
        self.blocks = nn.ModuleList(
            ConvNeXtBlock(config.dim, config.intermediate_dim, config.kernel_size, scale) for _ in range(config.num_layers)
        )
        self.final_norm = nn.LayerNorm(config.dim, eps=1e-6)
        self.n_bins = audio.n_fft // 2 + 1
        self.head = nn.Linear(config.dim, 2 * self.n_bins)
        self.register_buffer("window", torch.hann_window(audio.win_length), persistent=False)
        if config.magnitude_prior:
            # Not saved: a function of the AudioConfig, which the config already records.
            self.register_buffer("mel_inverse", mel_pseudo_inverse(audio), persistent=False)
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        # Truncated-normal init as in ConvNeXt; the defaults make the first outputs far too loud.
        if isinstance(module, (nn.Conv1d, nn.Linear)):
            nn.init.trunc_normal_(module.weight, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)

    def spectrum(self, mel: torch.Tensor) -> torch.Tensor:
        """``(batch, n_mels, frames)`` -> complex ``(batch, n_fft // 2 + 1, frames)`` STFT."""
        x = self.embed(mel)
        x = self.norm(x.transpose(1, 2)).transpose(1, 2)
        for block in self.blocks:
            x = block(x)
        h = self.head(self.final_norm(x.transpose(1, 2))).transpose(1, 2).float()
        log_mag, phase = h.split(self.n_bins, dim=1)
        if self.config.magnitude_prior:
            with torch.autocast(device_type=mel.device.type, enabled=False):
                prior = log_mel_to_magnitude(mel.float(), self.mel_inverse)
            log_mag = log_mag + torch.log(prior.clamp(min=self.audio.log_floor))
        magnitude = torch.exp(log_mag.clamp(max=self.config.max_log_magnitude))
        # cos/sin of an unconstrained angle: the phase wraps for free, no discontinuity to learn.
        return torch.complex(magnitude * torch.cos(phase), magnitude * torch.sin(phase))

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        """``(batch, n_mels, frames)`` log-mel -> ``(batch, frames * hop)`` waveform (float32)."""
        frames = mel.shape[-1]
        spec = pad_frames(self.spectrum(mel))
        a = self.audio
        # The inverse STFT runs in float32 even under autocast (no half/bf16 kernels for it on CPU).
        with torch.autocast(device_type=mel.device.type, enabled=False):
            return torch.istft(
                spec,
                n_fft=a.n_fft,
                hop_length=a.hop_length,
                win_length=a.win_length,
                window=self.window,
                center=True,
                length=frames * a.hop_length,
            )
