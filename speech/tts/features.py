"""Precomputed synthesizer features, stored next to lhotse cuts.

Training on 2 CPU cores is only feasible when nothing is recomputed per step, so a recipe stage
computes once per utterance: log-mel (the shared :class:`~speech.audio.features.AudioConfig`),
frame log-F0 (WORLD's DIO + StoneMask through ``pyworld``, 0 where unvoiced), frame log-energy,
and the speaker d-vector (resemblyzer GE2E). They are stored losslessly with lhotse's ``NumpyHdf5Writer``
and attached to each cut as custom arrays ``mel``, ``pitch``, ``energy``, ``dvector``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from lhotse import CutSet
from lhotse.features.io import NumpyHdf5Writer
from tqdm import tqdm

from speech.audio.features import AudioConfig, LogMelSpectrogram, num_frames
from speech.audio.io import resample
from speech.errors import AudioError
from speech.fileio import atomic_path

logger = logging.getLogger(__name__)

F0_MIN, F0_MAX = 60.0, 600.0


def compute_pitch(wav: np.ndarray, config: AudioConfig) -> np.ndarray:
    """Frame log-F0 ``(frames,)`` aligned with the mel frames; 0 where unvoiced."""
    import pyworld

    x = wav.astype(np.float64)
    period_ms = 1000.0 * config.hop_length / config.sample_rate
    f0, t = pyworld.dio(x, config.sample_rate, f0_floor=F0_MIN, f0_ceil=F0_MAX, frame_period=period_ms)
    f0 = pyworld.stonemask(x, f0, t, config.sample_rate)
    n = num_frames(len(wav), config)
    out = np.zeros(n, dtype=np.float32)
    m = min(n, len(f0))
    out[:m] = f0[:m]
    return np.where(out > 0, np.log(np.maximum(out, 1.0)), 0.0).astype(np.float32)


def compute_energy(mel: np.ndarray) -> np.ndarray:
    """Frame log-energy ``(frames,)`` from a log-mel ``(n_mels, frames)``."""
    return np.log(np.exp(2.0 * mel).sum(0) + 1e-8).astype(np.float32)


@dataclass
class FeatureStats:
    """Dataset statistics that the model config needs (see :class:`TTSModelConfig`)."""

    pitch_mean: float
    pitch_std: float
    energy_mean: float
    energy_std: float
    speaker_embeddings: dict[str, np.ndarray]  # mean L2-normalised d-vector per speaker


def extract_tts_features(
    cuts: CutSet,
    out_dir: str | Path,
    config: AudioConfig,
    embed_speaker: Callable[[np.ndarray, int], np.ndarray] | None = None,
    min_duration: float = 0.3,
) -> CutSet:
    """Compute and store features for every cut; return the cuts with the arrays attached.

    Args:
        cuts: cuts with recordings and one supervision each (text, language, speaker).
        out_dir: where the feature storage and ``cuts_with_feats.jsonl.gz`` are written.
        config: the audio feature definition.
        embed_speaker: ``(wav, sample_rate) -> d-vector``; resemblyzer's GE2E when ``None``.
        min_duration: shorter cuts are skipped (and counted in the log).

    The resulting manifest is written atomically; when it already exists it is loaded instead
    (the stage is resumable at this granularity).
    """
    out = Path(out_dir)
    manifest = out / "cuts_with_feats.jsonl.gz"
    if manifest.is_file():
        logger.info("features already computed: %s", manifest)
        return CutSet.from_file(manifest)
    out.mkdir(parents=True, exist_ok=True)
    if embed_speaker is None:
        from speech.eval.speaker import SpeakerEncoder

        embed_speaker = SpeakerEncoder().embed
    to_mel = LogMelSpectrogram(config)
    frame_shift = config.hop_length / config.sample_rate
    done, skipped = [], 0
    storage = out / "feats"
    with NumpyHdf5Writer(storage, mode="w") as writer:
        for cut in tqdm(cuts, desc="features", unit="utt"):
            try:
                audio = cut.load_audio()
            except Exception as e:  # corrupt audio in a real corpus: skip and count
                logger.warning("skipping %s: cannot load audio (%s)", cut.id, e)
                skipped += 1
                continue
            wav = resample(audio.mean(0).astype(np.float32), cut.sampling_rate, config.sample_rate)
            if len(wav) < min_duration * config.sample_rate or np.abs(wav).max() < 1e-4:
                skipped += 1
                continue
            with torch.no_grad():
                mel = to_mel(torch.from_numpy(wav)).numpy()
            pitch = compute_pitch(wav, config)
            energy = compute_energy(mel)
            dvec = np.asarray(embed_speaker(wav, config.sample_rate), dtype=np.float32)
            cut = cut.with_custom("mel", writer.store_array(f"{cut.id}_mel", mel.T, frame_shift, 0))
            cut = cut.with_custom("pitch", writer.store_array(f"{cut.id}_pitch", pitch, frame_shift, 0))
            cut = cut.with_custom("energy", writer.store_array(f"{cut.id}_energy", energy, frame_shift, 0))
            cut = cut.with_custom("dvector", dvec.tolist())
            done.append(cut)
    if not done:
        raise AudioError(f"no usable utterance among {len(cuts)} cuts ({skipped} skipped)")
    if skipped:
        logger.warning("skipped %d of %d cuts (unreadable, silent or shorter than %.1f s)", skipped, len(cuts), min_duration)
    result = CutSet.from_cuts(done)
    with atomic_path(manifest) as tmp:
        result.to_file(tmp)
    return result


def feature_stats(cuts: CutSet) -> FeatureStats:
    """Pitch/energy statistics and the per-speaker mean d-vectors of featurised cuts."""
    pitches, energies = [], []
    by_speaker: dict[str, list[np.ndarray]] = defaultdict(list)
    for cut in cuts:
        p = cut.load_custom("pitch")
        pitches.append(p[p > 0])
        energies.append(cut.load_custom("energy"))
        v = np.asarray(cut.dvector, dtype=np.float64)
        by_speaker[cut.supervisions[0].speaker].append(v / max(np.linalg.norm(v), 1e-8))
    p = np.concatenate(pitches)
    e = np.concatenate(energies)
    if p.size == 0:
        raise AudioError("no voiced frame in the whole corpus: cannot fit pitch statistics")
    speakers = {}
    for spk, vecs in by_speaker.items():
        mean = np.mean(vecs, axis=0)
        speakers[spk] = (mean / max(np.linalg.norm(mean), 1e-8)).astype(np.float32)
    return FeatureStats(float(p.mean()), float(p.std() + 1e-6), float(e.mean()), float(e.std() + 1e-6), speakers)
