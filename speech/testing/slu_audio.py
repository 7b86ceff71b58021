"""Test fixture: a tiny spoken-command corpus in the Fluent Speech Commands schema, spoken by ``flite``.

For tests, benchmarks and smoke runs: real speech (flite's voices, through
:func:`speech.data.bootstrap.engines.say`), real manifests (lhotse cuts that follow
:mod:`speech.data.manifests`), a handful of commands whose intents share slot values (``turn on`` /
``turn off`` the ``lights`` / ``heat`` in the ``kitchen`` / ...), so that every slot must be
recognised from the audio. Each (command, voice) pair is spoken once and then varied by
speed perturbation, gain and background noise.

This is not the bootstrap corpus (``speech data bootstrap-slu`` builds that); it takes seconds.

Example:
    >>> paths = make_command_corpus(tmp_path, copies=2)  # doctest: +SKIP
    >>> sorted(paths)  # doctest: +SKIP
    ['dev', 'train']
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from speech.audio.io import resample, save_audio
from speech.data.bootstrap.engines import say
from speech.fileio import atomic_path

logger = logging.getLogger(__name__)

#: (transcript, intent) pairs; every slot value occurs with more than one other value.
COMMANDS: tuple[tuple[str, dict[str, str]], ...] = (
    ("turn on the lights", {"action": "activate", "object": "lights", "location": "none"}),
    ("turn off the lights", {"action": "deactivate", "object": "lights", "location": "none"}),
    ("turn on the lights in the kitchen", {"action": "activate", "object": "lights", "location": "kitchen"}),
    ("turn off the lights in the bedroom", {"action": "deactivate", "object": "lights", "location": "bedroom"}),
    ("increase the heat", {"action": "increase", "object": "heat", "location": "none"}),
    ("decrease the heat in the kitchen", {"action": "decrease", "object": "heat", "location": "kitchen"}),
    ("increase the volume", {"action": "increase", "object": "volume", "location": "none"}),
    ("decrease the volume", {"action": "decrease", "object": "volume", "location": "none"}),
)

#: flite voices: three for training, one held out (kal16, a different speaker).
TRAIN_VOICES: tuple[str, ...] = ("slt", "awb", "rms")
HELDOUT_VOICES: tuple[str, ...] = ("kal16",)


def vary(wav: np.ndarray, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """A perturbed copy: speed 0.9-1.1, gain -12..0 dB, noise at 15-35 dB SNR."""
    factor = float(rng.uniform(0.9, 1.1))
    # Speed perturbation: resample, then play at the original rate (changes tempo and pitch).
    x = resample(wav, sample_rate, round(sample_rate / factor))
    noise = rng.standard_normal(x.shape[0]).astype(np.float32)
    snr = float(rng.uniform(15.0, 35.0))
    noise *= np.sqrt(np.mean(x**2) / (10 ** (snr / 10)) / max(float(np.mean(noise**2)), 1e-12))
    y = (x + noise) * (10 ** (float(rng.uniform(-12.0, 0.0)) / 20))
    return (y / max(1.0, float(np.abs(y).max()) / 0.99)).astype(np.float32)


def make_command_corpus(
    out_dir: str | Path,
    copies: int = 3,
    commands: Sequence[tuple[str, Mapping[str, str]]] = COMMANDS,
    splits: Mapping[str, Sequence[str]] | None = None,
    sample_rate: int = 16000,
    seed: int = 0,
) -> dict[str, Path]:
    """Speak every command with every voice of each split, ``copies`` varied times; write cuts manifests.

    Args:
        out_dir: gets ``wav/`` and ``<split>_cuts.jsonl.gz``.
        copies: perturbed renditions per (command, voice); the first one is the clean original.
        commands: transcripts and intents.
        splits: split -> flite voices (default: train on slt/awb/rms, dev on kal16).
        sample_rate: rate of the written audio.
        seed: the perturbations are a function of it.

    Returns:
        ``{split: cuts manifest path}``.
    """
    from lhotse import CutSet, Recording, RecordingSet, SupervisionSet

    from speech.data.manifests import make_supervision

    if copies < 1:
        raise ValueError(f"copies must be >= 1, got {copies}")
    splits = dict(splits) if splits is not None else {"train": TRAIN_VOICES, "dev": HELDOUT_VOICES}
    out = Path(out_dir)
    (out / "wav").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths: dict[str, Path] = {}
    for split, voices in splits.items():
        recordings, supervisions = [], []
        for voice in voices:
            for c, (text, intent) in enumerate(commands):
                clean, sr = say("flite", voice, text)
                if sr != sample_rate:
                    clean = resample(clean, sr, sample_rate)
                for k in range(copies):
                    wav = clean if k == 0 else vary(clean, sample_rate, rng)
                    uid = f"cmd_{split}_{voice}_{c:02d}_{k}"
                    path = save_audio(out / "wav" / f"{uid}.wav", wav, sample_rate)
                    rec = Recording.from_file(path, recording_id=uid)
                    recordings.append(rec)
                    supervisions.append(make_supervision(
                        id=uid, recording_id=uid, duration=rec.duration, text=text, language="en-us",
                        speaker=f"flite_{voice}", intent=dict(intent), corpus="commands", voice=f"flite_{voice}",
                    ))
        cuts = CutSet.from_manifests(RecordingSet.from_recordings(recordings), SupervisionSet.from_segments(supervisions))
        paths[split] = out / f"{split}_cuts.jsonl.gz"
        with atomic_path(paths[split]) as tmp:
            cuts.to_file(tmp)
    logger.info("wrote the command corpus (%s) to %s", ", ".join(f"{k}: {len(v)} voices" for k, v in splits.items()), out)
    return paths


# ------------------------------------------------------------------------------------------------
# Clearly separable signals: each slot value is a tone band (for fast learning tests)

#: slot -> value -> tone frequency (Hz); the bands of different slots do not overlap.
TONE_SLOTS: dict[str, dict[str, float]] = {
    "action": {"activate": 250.0, "deactivate": 400.0},
    "object": {"lights": 700.0, "heat": 1100.0},
    "location": {"none": 1800.0, "kitchen": 2800.0},
}


def tone_command(intent: Mapping[str, str], sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """Three tones in a row, one per slot, whose frequencies name the slot values; noisy, random lengths."""
    parts = []
    for slot, values in TONE_SLOTS.items():
        n = int(sample_rate * rng.uniform(0.2, 0.35))
        t = np.arange(n) / sample_rate
        f = values[intent[slot]] * rng.uniform(0.97, 1.03)
        fade = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.01)
        parts.append(np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi)) * fade * rng.uniform(0.3, 0.8))
    wav = np.concatenate(parts)
    wav = wav + 0.02 * rng.standard_normal(wav.shape[0])
    return (0.9 * wav / np.abs(wav).max()).astype(np.float32)


def make_tone_command_corpus(
    out_dir: str | Path, num_train: int = 48, num_dev: int = 16, sample_rate: int = 16000, seed: int = 0
) -> dict[str, Path]:
    """Write a corpus of :func:`tone_command` utterances (all 8 intents, in turn) as cuts manifests.

    Returns:
        ``{"train": path, "dev": path}``.
    """
    import itertools

    from lhotse import CutSet, Recording, RecordingSet, SupervisionSet

    from speech.data.manifests import make_supervision

    out = Path(out_dir)
    (out / "wav").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    intents = [dict(zip(TONE_SLOTS, combo)) for combo in itertools.product(*(list(v) for v in TONE_SLOTS.values()))]
    paths: dict[str, Path] = {}
    for split, count in (("train", num_train), ("dev", num_dev)):
        recordings, supervisions = [], []
        for i in range(count):
            intent = intents[i % len(intents)]
            uid = f"tone_{split}_{i:04d}"
            path = save_audio(out / "wav" / f"{uid}.wav", tone_command(intent, sample_rate, rng), sample_rate)
            rec = Recording.from_file(path, recording_id=uid)
            recordings.append(rec)
            text = " ".join(intent.values())
            supervisions.append(make_supervision(
                id=uid, recording_id=uid, duration=rec.duration, text=text, language="en-us",
                speaker="tones", intent=intent, corpus="tone_commands",
            ))
        cuts = CutSet.from_manifests(RecordingSet.from_recordings(recordings), SupervisionSet.from_segments(supervisions))
        paths[split] = out / f"{split}_cuts.jsonl.gz"
        with atomic_path(paths[split]) as tmp:
            cuts.to_file(tmp)
    return paths


def tiny_encoder_config(kind: str = "conformer", num_mel_bins: int = 20, dim: int = 32) -> Any:
    """A very small encoder config (seconds to train on a CPU) for tests and smoke runs."""
    from speech.asr.encoder import EncoderConfig, EspnetEncoderConfig
    from speech.asr.frontend import FeatureConfig, SpecAugmentConfig

    return EncoderConfig(
        kind=kind,
        features=FeatureConfig(num_mel_bins=num_mel_bins),
        specaug=SpecAugmentConfig(freq_mask_width=4, time_mask_width=5),
        espnet=EspnetEncoderConfig(
            output_size=dim, attention_heads=2, linear_units=2 * dim, num_blocks=1, subsampling="conv2d",
            cnn_module_kernel=5, dropout=0.0,
        ),
    )
