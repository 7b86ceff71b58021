"""``task: vocoder`` for the shared training engine (:mod:`speech.train`): GAN training of a vocoder.

Two optimizers, stepped in this order for every batch (Lightning manual optimisation, driven by
the engine):

1. ``generator``: multi-resolution mel loss, plus (once ``loss.discriminator_start`` batches have
   passed) adversarial and feature-matching losses through the discriminators;
2. ``discriminator``: least-squares real/fake loss on the real segment and the generator output
   of step 1 (shared through the engine's per-batch cache, so the generator runs once per batch).
   Idle (a zero loss) before ``discriminator_start``.

In YAML (see ``speech/tts/vocoder/configs/``)::

    task: vocoder            # or speech.tts.vocoder.task:VocoderTask
    task_conf:
      model: {generator: {architecture: vocos, vocos: {dim: 256}}, discriminator: {...}, loss: {...}}
      segment_frames: 32
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from speech.train.schema import OptimConfig, SchedulerConfig
from speech.train.task import OptimizerGroup, Task
from speech.tts.vocoder.data import VocoderCollate
from speech.tts.vocoder.gan import VocoderGAN, VocoderGANConfig

GENERATOR = "generator"
DISCRIMINATOR = "discriminator"


@dataclass(kw_only=True)
class VocoderTaskConfig:
    """``task_conf`` of the vocoder task.

    Attributes:
        model: generator, discriminators and losses.
        segment_frames: mel frames per training segment (32 frames = 8192 samples = 0.37 s).
        random_gain_db: loudness augmentation, +- dB (0: off).
        min_duration: training cuts shorter than this (seconds) are skipped.
        generator_optim: AdamW settings of the generator (HiFi-GAN: lr 2e-4, betas 0.8/0.99).
        discriminator_optim: the same for the discriminators.
        generator_scheduler: LR schedule of the generator (None: the run's ``scheduler``).
        discriminator_scheduler: LR schedule of the discriminators (None: the run's ``scheduler``).
        init_from: a trained vocoder (a directory :func:`~speech.tts.vocoder.loading.load_vocoder`
            reads, e.g. a shipped ``vocoder/``) whose generator weights start this run: fine-tuning
            on new data; the discriminators start fresh.
    """

    model: VocoderGANConfig = field(default_factory=VocoderGANConfig)
    segment_frames: int = 32
    random_gain_db: float = 0.0
    min_duration: float = 0.1
    generator_optim: OptimConfig = field(default_factory=lambda: OptimConfig(lr=2e-4, betas=(0.8, 0.99), weight_decay=0.0))
    discriminator_optim: OptimConfig = field(default_factory=lambda: OptimConfig(lr=2e-4, betas=(0.8, 0.99), weight_decay=0.0))
    generator_scheduler: SchedulerConfig | None = None
    discriminator_scheduler: SchedulerConfig | None = None
    init_from: str | None = None

    def __post_init__(self) -> None:
        if self.segment_frames < 1:
            raise ValueError(f"segment_frames must be >= 1, got {self.segment_frames}")


def _init_generator(model: VocoderGAN, directory: str) -> None:
    """Copy the generator weights of the vocoder in ``directory`` into ``model``.

    Raises:
        ConfigError: the saved generator has another architecture or other mel settings.
    """
    from speech.train.checkpoint_io import copy_weights
    from speech.train.errors import ConfigError
    from speech.tts.vocoder.loading import load_vocoder
    from speech.tts.vocoder.model import NeuralVocoder

    source = load_vocoder(directory)
    if not isinstance(source, NeuralVocoder):
        raise ConfigError(f"task_conf.init_from={directory}: Griffin-Lim has no weights to start from")
    if source.audio_config != model.generator.audio_config:
        raise ConfigError(f"task_conf.init_from={directory}: trained on other mel settings than this run's")
    copy_weights(model.generator, source, f"task_conf.init_from={directory}")


class VocoderTask(Task[VocoderTaskConfig]):
    """GAN training of :class:`~speech.tts.vocoder.gan.VocoderGAN` (see the module docstring)."""

    config_class = VocoderTaskConfig

    def build_model(self) -> VocoderGAN:
        model = VocoderGAN(self.config.model)
        if self.config.init_from:
            _init_generator(model, self.config.init_from)
        return model

    def make_collate(self) -> VocoderCollate:
        return VocoderCollate(
            self.config.model.generator.audio, self.config.segment_frames, random_gain_db=self.config.random_gain_db
        )

    def keep_cut(self, cut: Any) -> bool:
        return cut.duration >= self.config.min_duration

    def optimizer_names(self) -> tuple[str, ...]:
        return (GENERATOR, DISCRIMINATOR)

    def optimizer_groups(self, model: VocoderGAN) -> list[OptimizerGroup]:
        c = self.config
        return [
            OptimizerGroup(GENERATOR, list(model.generator.parameters()), c.generator_optim, c.generator_scheduler),
            OptimizerGroup(DISCRIMINATOR, list(model.discriminator.parameters()), c.discriminator_optim, c.discriminator_scheduler),
        ]

    def training_losses(
        self,
        model: VocoderGAN,
        batch: Mapping[str, Any],
        *,
        optimizer: str = GENERATOR,
        cache: dict[str, Any] | None = None,
    ) -> dict[str, torch.Tensor] | None:
        cache = {} if cache is None else cache
        mel, real = batch["mel"], batch["audio"]
        if optimizer == GENERATOR:
            adversarial = model.adversarial
            fake, losses = model.generator_losses(mel, real)
            cache["fake"] = fake.detach()
            cache["adversarial"] = adversarial
            if model.training:
                model.batches_seen += 1
            return losses
        if optimizer != DISCRIMINATOR:
            raise ValueError(f"unknown optimizer {optimizer!r}; expected {GENERATOR!r} or {DISCRIMINATOR!r}")
        if not cache.get("adversarial", model.adversarial):
            # The Task protocol lets a group skip a batch by returning None, but the engine
            # (speech.train.engine, as of this writing) steps every optimizer on every batch and
            # requires a loss. A zero loss tied to the parameters gives zero gradients, and Adam(W)
            # moves no weight for a zero gradient (only weight decay would, and ours is 0).
            zero = sum(p.sum() for p in model.discriminator.parameters()) * 0.0
            return {"loss": zero}
        fake = cache.get("fake")
        if fake is None:
            with torch.no_grad():
                fake = model.generator(mel)
        return model.discriminator_losses(fake, real)

    @torch.no_grad()
    def validation_metrics(self, model: VocoderGAN, batch: Mapping[str, Any]) -> dict[str, torch.Tensor]:
        """``loss`` = ``mel_l1``: log-mel L1 of the vocoded segment (project mel definition), plus ``mel``."""
        mel, real = batch["mel"], batch["audio"]
        fake = model.generator(mel)
        mel_l1 = model.mel_distance(fake, mel)
        return {"loss": mel_l1, "mel_l1": mel_l1, "mel": model.mel_loss(fake, real)}
