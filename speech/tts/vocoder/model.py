"""The trained neural vocoder: a Vocos-style generator (default) or espnet's HiFi-GAN generator.

:class:`NeuralVocoder` is what ``load_vocoder(model_dir)`` returns and what ships in
``models/<name>/``. It holds only the generator; the discriminators it was trained with live in
:class:`~speech.tts.vocoder.gan.VocoderGAN` and are dropped on export.

Saved with :meth:`~speech.pretrained.PretrainedMixin.save_pretrained` (``config.yaml`` +
``model.safetensors`` + checksums); the config records the :class:`AudioConfig`, so a vocoder
refuses mels made with other settings.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch

from speech.audio.features import AudioConfig
from speech.pretrained import PretrainedModel
from speech.tts.vocoder.base import VocoderMixin
from speech.tts.vocoder.vocos import VocosConfig, VocosGenerator

#: Version of :class:`NeuralVocoderConfig`; bumped when a field changes meaning.
CONFIG_VERSION = 1


@dataclass(kw_only=True)
class HiFiGANConfig:
    """Architecture of espnet's ``HiFiGANGenerator`` (``espnet2.gan_tts.hifigan``).

    The product of ``upsample_scales`` must equal the hop length. Defaults are HiFi-GAN V2-like
    (channels 128) rather than V1 (512): V1 costs about 30x more per second of audio.

    Attributes:
        channels: channels after the input convolution (halved at every upsampling).
        kernel_size: input and output convolution width.
        upsample_scales: upsampling factor of each stage.
        upsample_kernel_sizes: transposed-convolution width per stage (2 x its scale).
        resblock_kernel_sizes: multi-receptive-field fusion kernel sizes.
        resblock_dilations: dilations of each residual block.
    """

    channels: int = 128
    kernel_size: int = 7
    upsample_scales: list[int] = field(default_factory=lambda: [8, 8, 2, 2])
    upsample_kernel_sizes: list[int] = field(default_factory=lambda: [16, 16, 4, 4])
    resblock_kernel_sizes: list[int] = field(default_factory=lambda: [3, 7, 11])
    resblock_dilations: list[list[int]] = field(default_factory=lambda: [[1, 3, 5], [1, 3, 5], [1, 3, 5]])

    def __post_init__(self) -> None:
        if len(self.upsample_scales) != len(self.upsample_kernel_sizes):
            raise ValueError("hifigan upsample_scales and upsample_kernel_sizes must have the same length")
        for scale, kernel in zip(self.upsample_scales, self.upsample_kernel_sizes):
            if kernel != 2 * scale:
                raise ValueError(f"hifigan upsample kernel must be 2 x its scale, got scale {scale}, kernel {kernel}")
        if len(self.resblock_kernel_sizes) != len(self.resblock_dilations):
            raise ValueError("hifigan resblock_kernel_sizes and resblock_dilations must have the same length")
        if self.kernel_size % 2 == 0:
            raise ValueError(f"hifigan kernel_size must be odd, got {self.kernel_size}")


@dataclass(kw_only=True)
class NeuralVocoderConfig:
    """What a saved neural vocoder is: its audio settings and its architecture.

    Attributes:
        audio: the mel definition it was trained on (checked against every input that names one).
        architecture: ``vocos`` (iSTFT head, cheap on CPU) or ``hifigan`` (espnet's generator).
        vocos: used when ``architecture`` is ``vocos``.
        hifigan: used when ``architecture`` is ``hifigan``.
        version: config format version.
    """

    audio: AudioConfig = field(default_factory=AudioConfig)
    architecture: Literal["vocos", "hifigan"] = "vocos"
    vocos: VocosConfig = field(default_factory=VocosConfig)
    hifigan: HiFiGANConfig = field(default_factory=HiFiGANConfig)
    version: int = CONFIG_VERSION

    def __post_init__(self) -> None:
        if self.version != CONFIG_VERSION:
            raise ValueError(f"neural vocoder config version {self.version} is not supported (this speech reads {CONFIG_VERSION})")
        if self.architecture == "hifigan":
            factor = int(np.prod(self.hifigan.upsample_scales))
            if factor != self.audio.hop_length:
                raise ValueError(
                    f"hifigan upsample_scales {self.hifigan.upsample_scales} multiply to {factor}, "
                    f"but the hop length is {self.audio.hop_length}; they must be equal"
                )


@contextlib.contextmanager
def espnet_weight_norm_quiet() -> Iterator[None]:
    """Silence the FutureWarning that espnet's HiFi-GAN modules trigger with ``torch.nn.utils.weight_norm``.

    The deprecated function is espnet's choice, not ours, and its parameter names
    (``weight_g``/``weight_v``) are what saved checkpoints hold; the warning would only be noise.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*weight_norm.*deprecated", category=FutureWarning)
        yield


def build_generator(config: NeuralVocoderConfig) -> torch.nn.Module:
    """The generator module of ``config`` (mel ``(B, n_mels, T)`` -> ``(B, T * hop)``)."""
    if config.architecture == "vocos":
        return VocosGenerator(config.audio, config.vocos)
    return _HiFiGANWrapper(config.audio, config.hifigan)


class _HiFiGANWrapper(torch.nn.Module):
    """espnet's ``HiFiGANGenerator`` with our shapes: ``(B, 1, T * hop)`` output squeezed to ``(B, T * hop)``."""

    def __init__(self, audio: AudioConfig, config: HiFiGANConfig) -> None:
        super().__init__()
        from espnet2.gan_tts.hifigan import HiFiGANGenerator

        with espnet_weight_norm_quiet():
            self.generator = HiFiGANGenerator(
                in_channels=audio.n_mels,
                out_channels=1,
                channels=config.channels,
                kernel_size=config.kernel_size,
                upsample_scales=list(config.upsample_scales),
                upsample_kernel_sizes=list(config.upsample_kernel_sizes),
                resblock_kernel_sizes=list(config.resblock_kernel_sizes),
                resblock_dilations=[list(d) for d in config.resblock_dilations],
            )

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        return self.generator(mel).squeeze(1).float()


class NeuralVocoder(VocoderMixin, PretrainedModel):
    """Trained vocoder: log-mel ``(batch, n_mels, frames)`` -> waveform ``(batch, frames * hop)``.

    Args:
        config: audio settings and architecture.

    Example:
        >>> vocoder = NeuralVocoder(NeuralVocoderConfig(vocos=VocosConfig(dim=32, intermediate_dim=64, num_layers=1)))
        >>> vocoder(torch.zeros(2, 80, 5)).shape
        torch.Size([2, 1280])
    """

    model_type = "neural_vocoder"
    config_class = NeuralVocoderConfig

    def __init__(self, config: NeuralVocoderConfig) -> None:
        super().__init__(config)
        self.generator = build_generator(config)

    @property
    def audio_config(self) -> AudioConfig:
        """Settings of the mels this vocoder takes."""
        return self.config.audio

    def forward(self, mel: torch.Tensor, audio_config: AudioConfig | None = None) -> torch.Tensor:
        """Vocode a batch (differentiable: this is also the training forward).

        Raises:
            AudioError: ``audio_config`` differs from the vocoder's, or the mel has the wrong shape.
        """
        self.check_input(mel, audio_config)
        return self.generator(mel)
