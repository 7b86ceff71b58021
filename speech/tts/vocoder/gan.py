"""GAN training model of a vocoder: generator + espnet's HiFi-GAN discriminators + espnet's losses.

- Discriminators: ``HiFiGANMultiPeriodDiscriminator`` (MPD) and ``HiFiGANMultiScaleDiscriminator``
  (MSD) from ``espnet2.gan_tts.hifigan``, sized by :class:`DiscriminatorConfig`.
- Losses (``espnet2.gan_tts.hifigan.loss``): ``MelSpectrogramLoss`` at several resolutions (the
  multi-resolution mel loss), ``GeneratorAdversarialLoss`` / ``DiscriminatorAdversarialLoss``
  (least squares by default) and ``FeatureMatchLoss``, weighted as in HiFi-GAN (45 / 1 / 2).

:class:`VocoderGAN` is what the training engine builds, checkpoints and exports; only its
``generator`` (a :class:`~speech.tts.vocoder.model.NeuralVocoder`) is needed for synthesis
(:func:`~speech.tts.vocoder.loading.load_vocoder` accepts both kinds of directory).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import torch
from torch import nn

from speech.audio.features import AudioConfig, LogMelSpectrogram
from speech.pretrained import PretrainedModel
from speech.tts.vocoder.functional import log_mel_distance
from speech.tts.vocoder.model import NeuralVocoder, NeuralVocoderConfig, espnet_weight_norm_quiet


@dataclass(kw_only=True)
class DiscriminatorConfig:
    """Sizes of the HiFi-GAN discriminators (espnet). Defaults are HiFi-GAN's own.

    Attributes:
        periods: periods of the multi-period discriminator; empty: no MPD.
        period_channels: first-layer channels of each period discriminator.
        period_max_channels: channel cap of the period discriminators.
        scales: number of multi-scale discriminators (on 1x, 2x, 4x... average-pooled audio); 0: no MSD.
        scale_channels: first-layer channels of each scale discriminator.
        scale_max_channels: channel cap of the scale discriminators.
        scale_max_groups: grouped-convolution cap of the scale discriminators.
    """

    periods: list[int] = field(default_factory=lambda: [2, 3, 5, 7, 11])
    period_channels: int = 32
    period_max_channels: int = 1024
    scales: int = 3
    scale_channels: int = 128
    scale_max_channels: int = 1024
    scale_max_groups: int = 16

    def __post_init__(self) -> None:
        if not self.periods and self.scales < 1:
            raise ValueError("discriminator needs at least one period or one scale")
        if self.scales < 0 or any(p < 2 for p in self.periods):
            raise ValueError(f"scales must be >= 0 and periods >= 2, got {self.scales}, {self.periods}")


class HiFiGANDiscriminators(nn.Module):
    """MSD and MPD side by side; ``forward`` returns one list of layer outputs per discriminator."""

    def __init__(self, config: DiscriminatorConfig) -> None:
        super().__init__()
        from espnet2.gan_tts.hifigan import HiFiGANMultiPeriodDiscriminator, HiFiGANMultiScaleDiscriminator

        with espnet_weight_norm_quiet():
            self._build(config, HiFiGANMultiPeriodDiscriminator, HiFiGANMultiScaleDiscriminator)

    def _build(self, config: DiscriminatorConfig, mpd_class: type, msd_class: type) -> None:
        self.mpd = (
            mpd_class(
                periods=list(config.periods),
                discriminator_params={
                    "in_channels": 1,
                    "out_channels": 1,
                    "kernel_sizes": [5, 3],
                    "channels": config.period_channels,
                    "downsample_scales": [3, 3, 3, 3, 1],
                    "max_downsample_channels": config.period_max_channels,
                    "bias": True,
                    "nonlinear_activation": "LeakyReLU",
                    "nonlinear_activation_params": {"negative_slope": 0.1},
                    "use_weight_norm": True,
                    "use_spectral_norm": False,
                },
            )
            if config.periods
            else None
        )
        self.msd = (
            msd_class(
                scales=config.scales,
                discriminator_params={
                    "in_channels": 1,
                    "out_channels": 1,
                    "kernel_sizes": [15, 41, 5, 3],
                    "channels": config.scale_channels,
                    "max_downsample_channels": config.scale_max_channels,
                    "max_groups": config.scale_max_groups,
                    "bias": True,
                    "downsample_scales": [2, 2, 4, 4, 1],
                    "nonlinear_activation": "LeakyReLU",
                    "nonlinear_activation_params": {"negative_slope": 0.1},
                },
                follow_official_norm=True,
            )
            if config.scales
            else None
        )

    def forward(self, wav: torch.Tensor) -> list[list[torch.Tensor]]:
        """``(batch, time)`` waveform -> per discriminator, its layer outputs (the score last)."""
        x = wav.unsqueeze(1)
        outs: list[list[torch.Tensor]] = []
        if self.msd is not None:
            outs += self.msd(x)
        if self.mpd is not None:
            outs += self.mpd(x)
        return outs


@dataclass(kw_only=True)
class MelResolution:
    """One resolution of the multi-resolution mel loss."""

    n_fft: int
    hop_length: int
    n_mels: int


@dataclass(kw_only=True)
class GanLossConfig:
    """Loss weights and settings (HiFi-GAN's weights by default).

    Attributes:
        mel_resolutions: STFT sizes of the multi-resolution log-mel L1 loss (espnet
            ``MelSpectrogramLoss``, natural log); the loss is their mean.
        mel_weight: weight of the mel loss.
        adversarial_weight: weight of the generator adversarial loss.
        feature_match_weight: weight of the discriminator feature-matching loss.
        adversarial_loss: ``mse`` (least-squares GAN, as HiFi-GAN) or ``hinge``.
        discriminator_start: training batches with the mel loss alone before the discriminators
            join. A generator that already makes speech-like audio keeps the early discriminator
            from winning outright, and each such batch costs a fraction of a GAN batch.
    """

    mel_resolutions: list[MelResolution] = field(
        default_factory=lambda: [
            MelResolution(n_fft=512, hop_length=128, n_mels=64),
            MelResolution(n_fft=1024, hop_length=256, n_mels=80),
            MelResolution(n_fft=2048, hop_length=512, n_mels=128),
        ]
    )
    mel_weight: float = 45.0
    adversarial_weight: float = 1.0
    feature_match_weight: float = 2.0
    adversarial_loss: Literal["mse", "hinge"] = "mse"
    discriminator_start: int = 0

    def __post_init__(self) -> None:
        if not self.mel_resolutions:
            raise ValueError("mel_resolutions must name at least one resolution")
        if self.discriminator_start < 0:
            raise ValueError(f"discriminator_start must be >= 0, got {self.discriminator_start}")


@dataclass(kw_only=True)
class VocoderGANConfig:
    """Generator, discriminators and losses of a vocoder being trained."""

    generator: NeuralVocoderConfig = field(default_factory=NeuralVocoderConfig)
    discriminator: DiscriminatorConfig = field(default_factory=DiscriminatorConfig)
    loss: GanLossConfig = field(default_factory=GanLossConfig)


class VocoderGAN(PretrainedModel):
    """A :class:`NeuralVocoder` with its discriminators and losses, for training.

    The buffer ``batches_seen`` counts training batches (it is saved in checkpoints, so the
    discriminator starts at the same point in a resumed run).
    """

    model_type = "vocoder_gan"
    config_class = VocoderGANConfig

    def __init__(self, config: VocoderGANConfig) -> None:
        super().__init__(config)
        from espnet2.gan_tts.hifigan.loss import (
            DiscriminatorAdversarialLoss,
            FeatureMatchLoss,
            GeneratorAdversarialLoss,
            MelSpectrogramLoss,
        )

        audio = config.generator.audio
        self.generator = NeuralVocoder(config.generator)
        self.discriminator = HiFiGANDiscriminators(config.discriminator)
        self.mel_losses = nn.ModuleList(
            MelSpectrogramLoss(
                fs=audio.sample_rate,
                n_fft=r.n_fft,
                hop_length=r.hop_length,
                win_length=r.n_fft,
                n_mels=r.n_mels,
                fmin=0,
                fmax=None,
                log_base=None,
            )
            for r in config.loss.mel_resolutions
        )
        self.generator_adversarial_loss = GeneratorAdversarialLoss(loss_type=config.loss.adversarial_loss)
        self.discriminator_adversarial_loss = DiscriminatorAdversarialLoss(loss_type=config.loss.adversarial_loss)
        self.feature_match_loss = FeatureMatchLoss()
        self.log_mel = LogMelSpectrogram(audio)
        self.register_buffer("batches_seen", torch.zeros((), dtype=torch.long))

    @property
    def audio_config(self) -> AudioConfig:
        """The generator's audio settings."""
        return self.config.generator.audio

    @property
    def adversarial(self) -> bool:
        """Whether the discriminators are in play for the current batch."""
        return int(self.batches_seen) >= self.config.loss.discriminator_start

    def mel_loss(self, fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        """Mean multi-resolution log-mel L1 between ``(batch, time)`` waveforms."""
        with torch.autocast(device_type=fake.device.type, enabled=False):
            losses = [loss(fake.float().unsqueeze(1), real.float().unsqueeze(1)) for loss in self.mel_losses]
        return torch.stack(losses).mean()

    def mel_distance(self, fake: torch.Tensor, real_mel: torch.Tensor) -> torch.Tensor:
        """Log-mel L1 of ``fake`` against ``real_mel`` in the project's own mel definition."""
        with torch.autocast(device_type=fake.device.type, enabled=False):
            return log_mel_distance(real_mel.float(), self.log_mel(fake.float())).mean()

    def generator_losses(self, mel: torch.Tensor, real: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Generator output and losses for one batch.

        Args:
            mel: ``(batch, n_mels, frames)`` input log-mels.
            real: ``(batch, frames * hop)`` waveforms they were computed from.

        Returns:
            ``(fake waveform, {"loss", "mel", "mel_l1", ["adversarial", "feature_match"]})``.
        """
        c = self.config.loss
        fake = self.generator(mel)
        mel_loss = self.mel_loss(fake, real)
        losses = {"mel": mel_loss.detach(), "mel_l1": self.mel_distance(fake.detach(), mel)}
        total = c.mel_weight * mel_loss
        if self.adversarial:
            fake_outs = self.discriminator(fake)
            with torch.no_grad():
                real_outs = self.discriminator(real)
            adversarial = self.generator_adversarial_loss(fake_outs)
            feature_match = self.feature_match_loss(fake_outs, real_outs)
            total = total + c.adversarial_weight * adversarial + c.feature_match_weight * feature_match
            losses.update(adversarial=adversarial.detach(), feature_match=feature_match.detach())
        losses["loss"] = total
        return fake, losses

    def discriminator_losses(self, fake: torch.Tensor, real: torch.Tensor) -> dict[str, torch.Tensor]:
        """Discriminator losses on a (detached) generated and a real ``(batch, time)`` batch."""
        real_loss, fake_loss = self.discriminator_adversarial_loss(self.discriminator(fake.detach()), self.discriminator(real))
        return {"loss": real_loss + fake_loss, "real": real_loss.detach(), "fake": fake_loss.detach()}
