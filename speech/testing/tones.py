"""Toy tasks on synthetic tones: what the engine's tests, smoke configs and benchmarks train.

The corpus (:func:`make_tone_corpus`) is real audio on disk: each utterance is a harmonic tone
whose fundamental names its class, with random loudness, phase, vibrato, length and background
noise, written as 16 kHz WAV files and described by lhotse manifests. Features are lhotse's
Kaldi-compatible log-mel filterbanks computed on the fly, the same path speech tasks use.

- :class:`ToneClassifierTask` (``task: speech.testing.tones:ToneClassifierTask``): a 1-D
  convolutional classifier with one optimizer. It learns the classes within a few dozen steps on a
  CPU.
- :class:`ToneGanTask` (``task: speech.testing.tones:ToneGanTask``): a conditional generator of
  mean log-mel spectra with a discriminator, trained GAN-style (least-squares adversarial loss plus an L1 reconstruction term,
  as in HiFi-GAN) with two optimizers: it exercises the engine's manual-optimisation path.

Neither is speech; the supervisions carry ``custom["tone"]`` (the class) and no text or language.
They are not in the task registry: a config names them by ``module:Class``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from lhotse import CutSet, Fbank, FbankConfig, Recording, RecordingSet, SupervisionSegment, SupervisionSet
from lhotse.dataset.input_strategies import OnTheFlyFeatures
from torch import nn

from speech.audio.io import save_audio
from speech.fileio import atomic_path
from speech.pretrained import PretrainedModel
from speech.train.schema import OptimConfig
from speech.train.task import OptimizerGroup, Task

logger = logging.getLogger(__name__)

#: Fundamental frequency (Hz) of each tone class; a ratio of 1.5 keeps harmonics apart.
TONE_F0_HZ: tuple[float, ...] = (180.0, 270.0, 405.0, 607.5, 911.25, 1366.875)


# ------------------------------------------------------------------------------------------------
# Corpus


def synthesize_tone(
    label: int, duration: float, sample_rate: int, rng: np.random.Generator, snr_db: float = 10.0
) -> np.ndarray:
    """One noisy harmonic tone of class ``label`` (float32, peak below 1)."""
    n = int(round(duration * sample_rate))
    t = np.arange(n) / sample_rate
    f0 = TONE_F0_HZ[label] * (1.0 + rng.uniform(-0.02, 0.02))
    vibrato = 1.0 + 0.01 * np.sin(2 * math.pi * rng.uniform(3.0, 6.0) * t)
    phase = 2 * math.pi * np.cumsum(f0 * vibrato) / sample_rate
    wav = sum((0.6**h) * np.sin((h + 1) * phase + rng.uniform(0, 2 * math.pi)) for h in range(3))
    fade = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.02)  # 20 ms fades: no clicks at the edges
    wav = wav * fade
    noise = rng.standard_normal(n)
    noise *= np.sqrt(np.mean(wav**2) / (10 ** (snr_db / 10)) / np.mean(noise**2))
    out = (wav + noise) * rng.uniform(0.1, 0.5) / np.max(np.abs(wav + noise))
    return out.astype(np.float32)


def make_tone_corpus(
    out_dir: str | Path,
    num_train: int = 96,
    num_valid: int = 24,
    num_classes: int = 4,
    sample_rate: int = 16000,
    min_duration: float = 0.3,
    max_duration: float = 1.0,
    seed: int = 0,
) -> dict[str, Path]:
    """Write a tone corpus (WAV files + lhotse cut manifests) and return the manifest paths.

    Args:
        out_dir: created if missing; gets ``wav/`` and ``{train,valid}_cuts.jsonl.gz``.
        num_train: training utterances.
        num_valid: validation utterances.
        num_classes: number of tone classes (at most ``len(TONE_F0_HZ)``).
        sample_rate: audio sample rate.
        min_duration: shortest utterance, seconds.
        max_duration: longest utterance, seconds.
        seed: everything is a function of this seed.

    Returns:
        ``{"train": path, "valid": path}``.
    """
    if not 2 <= num_classes <= len(TONE_F0_HZ):
        raise ValueError(f"num_classes must be within [2, {len(TONE_F0_HZ)}], got {num_classes}")
    out = Path(out_dir)
    wav_dir = out / "wav"
    wav_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths: dict[str, Path] = {}
    for split, count in (("train", num_train), ("valid", num_valid)):
        recordings, supervisions = [], []
        for i in range(count):
            label = int(i % num_classes)
            duration = round(float(rng.uniform(min_duration, max_duration)), 3)
            utt = f"tone_{split}_{i:05d}"
            path = wav_dir / f"{utt}.wav"
            save_audio(path, synthesize_tone(label, duration, sample_rate, rng), sample_rate)
            rec = Recording.from_file(path, recording_id=utt)
            recordings.append(rec)
            supervisions.append(
                SupervisionSegment(
                    id=utt, recording_id=utt, start=0.0, duration=rec.duration, channel=0,
                    custom={"tone": label, "corpus": "tones"},
                )
            )
        cuts = CutSet.from_manifests(RecordingSet.from_recordings(recordings), SupervisionSet.from_segments(supervisions))
        paths[split] = out / f"{split}_cuts.jsonl.gz"
        with atomic_path(paths[split]) as tmp:
            cuts.to_file(tmp)
    logger.info("wrote tone corpus (%d train, %d valid) to %s", num_train, num_valid, out)
    return paths


# ------------------------------------------------------------------------------------------------
# Features


class FbankCollate:
    """CutSet -> ``{"features" (B, T, F), "feature_lens" (B,), "labels" (B,)}`` (picklable).

    Args:
        num_mel_bins: filterbank channels.
        sample_rate: rate the audio is read at.
    """

    def __init__(self, num_mel_bins: int, sample_rate: int) -> None:
        self.num_mel_bins = num_mel_bins
        self.sample_rate = sample_rate
        self._features: OnTheFlyFeatures | None = None

    def __call__(self, cuts: CutSet) -> dict[str, torch.Tensor]:
        if self._features is None:  # built lazily: each worker gets its own extractor
            config = FbankConfig(num_mel_bins=self.num_mel_bins, sampling_rate=self.sample_rate)
            self._features = OnTheFlyFeatures(Fbank(config))
        cuts = cuts.resample(self.sample_rate) if any(c.sampling_rate != self.sample_rate for c in cuts) else cuts
        features, lens = self._features(cuts)
        labels = torch.tensor([int(c.supervisions[0].custom["tone"]) for c in cuts], dtype=torch.long)
        return {"features": features, "feature_lens": lens, "labels": labels}

    def __getstate__(self) -> dict[str, Any]:
        return {"num_mel_bins": self.num_mel_bins, "sample_rate": self.sample_rate, "_features": None}


def masked_mean(x: torch.Tensor, lens: torch.Tensor) -> torch.Tensor:
    """Mean over time of ``(B, T, C)`` frames, ignoring padding beyond ``lens``; returns ``(B, C)``."""
    mask = (torch.arange(x.shape[1], device=x.device)[None, :] < lens[:, None]).to(x.dtype)
    return (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1.0)


# ------------------------------------------------------------------------------------------------
# Classifier


@dataclass(kw_only=True)
class ToneClassifierConfig:
    """Architecture of :class:`ToneClassifier`."""

    num_mel_bins: int = 40
    sample_rate: int = 16000
    hidden: int = 32
    kernel_size: int = 5
    num_classes: int = 4
    dropout: float = 0.1


class ToneClassifier(PretrainedModel):
    """Log-mel frames -> two 1-D convolutions -> masked mean over time -> class logits."""

    model_type = "tone_classifier"
    config_class = ToneClassifierConfig

    def __init__(self, config: ToneClassifierConfig) -> None:
        super().__init__(config)
        pad = config.kernel_size // 2
        self.norm = nn.LayerNorm(config.num_mel_bins)
        self.conv1 = nn.Conv1d(config.num_mel_bins, config.hidden, config.kernel_size, padding=pad)
        self.conv2 = nn.Conv1d(config.hidden, config.hidden, config.kernel_size, padding=pad)
        self.dropout = nn.Dropout(config.dropout)
        self.out = nn.Linear(config.hidden, config.num_classes)

    def forward(self, features: torch.Tensor, feature_lens: torch.Tensor) -> torch.Tensor:
        """``(B, T, num_mel_bins)`` features and ``(B,)`` lengths -> ``(B, num_classes)`` logits."""
        x = self.norm(features).transpose(1, 2)
        x = self.dropout(F.gelu(self.conv1(x)))
        x = self.dropout(F.gelu(self.conv2(x))).transpose(1, 2)
        return self.out(masked_mean(x, feature_lens))


@dataclass(kw_only=True)
class ToneClassifierTaskConfig:
    """``task_conf`` of :class:`ToneClassifierTask`."""

    model: ToneClassifierConfig = field(default_factory=ToneClassifierConfig)
    label_smoothing: float = 0.0


class ToneClassifierTask(Task[ToneClassifierTaskConfig]):
    """Cross-entropy training of :class:`ToneClassifier`; validation reports loss and accuracy."""

    config_class = ToneClassifierTaskConfig

    def build_model(self) -> ToneClassifier:
        return ToneClassifier(self.config.model)

    def make_collate(self) -> FbankCollate:
        return FbankCollate(self.config.model.num_mel_bins, self.config.model.sample_rate)

    def training_losses(
        self, model: ToneClassifier, batch: Mapping[str, Any], *, optimizer: str = "main", cache: dict | None = None
    ) -> dict[str, torch.Tensor]:
        logits = model(batch["features"], batch["feature_lens"])
        loss = F.cross_entropy(logits.float(), batch["labels"], label_smoothing=self.config.label_smoothing)
        accuracy = (logits.argmax(-1) == batch["labels"]).float().mean()
        return {"loss": loss, "accuracy": accuracy}


# ------------------------------------------------------------------------------------------------
# GAN-style task (two optimizers)


@dataclass(kw_only=True)
class ToneGanConfig:
    """Architecture of :class:`ToneGan`."""

    num_mel_bins: int = 40
    sample_rate: int = 16000
    num_classes: int = 4
    noise_dim: int = 8
    hidden: int = 64


class ToneGan(PretrainedModel):
    """Generator: (class, noise) -> mean log-mel spectrum; discriminator: (spectrum, class) -> score."""

    model_type = "tone_gan"
    config_class = ToneGanConfig

    def __init__(self, config: ToneGanConfig) -> None:
        super().__init__(config)
        c = config
        self.class_embedding = nn.Embedding(c.num_classes, c.hidden)
        self.generator = nn.Sequential(
            nn.Linear(c.hidden + c.noise_dim, c.hidden), nn.GELU(), nn.Linear(c.hidden, c.num_mel_bins)
        )
        self.discriminator = nn.Sequential(
            nn.Linear(c.num_mel_bins + c.num_classes, c.hidden), nn.LeakyReLU(0.2), nn.Linear(c.hidden, 1)
        )

    def generator_parameters(self) -> list[nn.Parameter]:
        return [*self.class_embedding.parameters(), *self.generator.parameters()]

    def generate(self, labels: torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
        """``(B,)`` labels -> ``(B, num_mel_bins)`` mean log-mel spectra."""
        if noise is None:
            noise = torch.randn(labels.shape[0], self.config.noise_dim, device=labels.device)
        return self.generator(torch.cat([self.class_embedding(labels), noise], dim=-1))

    def discriminate(self, spectra: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """``(B, num_mel_bins)`` spectra -> ``(B,)`` realness scores."""
        onehot = F.one_hot(labels, self.config.num_classes).to(spectra.dtype)
        return self.discriminator(torch.cat([spectra, onehot], dim=-1)).squeeze(-1)


@dataclass(kw_only=True)
class ToneGanTaskConfig:
    """``task_conf`` of :class:`ToneGanTask`."""

    model: ToneGanConfig = field(default_factory=ToneGanConfig)
    l1_weight: float = 10.0
    generator_optim: OptimConfig = field(default_factory=lambda: OptimConfig(lr=2e-3, betas=(0.5, 0.9)))
    discriminator_optim: OptimConfig = field(default_factory=lambda: OptimConfig(lr=2e-3, betas=(0.5, 0.9)))


class ToneGanTask(Task[ToneGanTaskConfig]):
    """Least-squares GAN plus L1 to the utterance's real mean spectrum; generator step first."""

    config_class = ToneGanTaskConfig

    def build_model(self) -> ToneGan:
        return ToneGan(self.config.model)

    def make_collate(self) -> FbankCollate:
        return FbankCollate(self.config.model.num_mel_bins, self.config.model.sample_rate)

    def optimizer_names(self) -> tuple[str, ...]:
        return ("generator", "discriminator")

    def optimizer_groups(self, model: ToneGan) -> list[OptimizerGroup]:
        return [
            OptimizerGroup("generator", model.generator_parameters(), self.config.generator_optim),
            OptimizerGroup("discriminator", list(model.discriminator.parameters()), self.config.discriminator_optim),
        ]

    def training_losses(
        self, model: ToneGan, batch: Mapping[str, Any], *, optimizer: str = "generator", cache: dict | None = None
    ) -> dict[str, torch.Tensor]:
        cache = {} if cache is None else cache
        labels = batch["labels"]
        if "real" not in cache:
            cache["real"] = masked_mean(batch["features"], batch["feature_lens"])
        real = cache["real"]
        if optimizer == "generator":
            fake = model.generate(labels)
            cache["fake"] = fake.detach()
            adversarial = ((model.discriminate(fake, labels) - 1.0) ** 2).mean()
            l1 = (fake - real).abs().mean()
            return {"loss": adversarial + self.config.l1_weight * l1, "adversarial": adversarial, "l1": l1}
        fake = cache.get("fake")
        if fake is None:
            fake = model.generate(labels).detach()
        d_real = ((model.discriminate(real, labels) - 1.0) ** 2).mean()
        d_fake = (model.discriminate(fake, labels) ** 2).mean()
        return {"loss": d_real + d_fake, "real": d_real, "fake": d_fake}

    def validation_metrics(self, model: ToneGan, batch: Mapping[str, Any]) -> dict[str, torch.Tensor]:
        real = masked_mean(batch["features"], batch["feature_lens"])
        l1 = (model.generate(batch["labels"]) - real).abs().mean()
        return {"loss": l1, "l1": l1}


def main(argv: list[str] | None = None) -> None:
    """``python -m speech.testing.tones OUT_DIR``: write the tone corpus used by tones.yaml."""
    import argparse

    parser = argparse.ArgumentParser(description="Write the synthetic tone corpus (WAV + lhotse manifests).")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--num-train", type=int, default=96)
    parser.add_argument("--num-valid", type=int, default=24)
    parser.add_argument("--num-classes", type=int, default=4)
    args = parser.parse_args(argv)
    paths = make_tone_corpus(args.out_dir, args.num_train, args.num_valid, args.num_classes)
    for split, path in paths.items():
        print(f"{split}: {path}")


if __name__ == "__main__":
    main()
