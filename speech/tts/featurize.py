"""Precomputed synthesizer features of a corpus (``speech tts features``), stored next to lhotse cuts.

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


def _featurise_shard(
    cuts: CutSet,
    storage: Path,
    manifest: Path,
    config: AudioConfig,
    embed_speaker: Callable[[np.ndarray, int], np.ndarray] | None,
    min_duration: float,
    position: int = 0,
) -> tuple[CutSet, int]:
    """Featurise one shard into its own HDF5 file; the shard manifest is written last, atomically."""
    if embed_speaker is None:
        from speech.eval.speaker import SpeakerEncoder

        embed_speaker = SpeakerEncoder().embed
    to_mel = LogMelSpectrogram(config)
    frame_shift = config.hop_length / config.sample_rate
    done, skipped = [], 0
    with NumpyHdf5Writer(storage, mode="w") as writer:
        for cut in tqdm(cuts, desc=f"features {manifest.name.split('.')[0]}", unit="utt", position=position, leave=False):
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
    result = CutSet.from_cuts(done)
    with atomic_path(manifest) as tmp:
        result.to_file(tmp)
    return result, skipped


def _shard_job(args: tuple) -> tuple[int, int]:
    """Process-pool entry: featurise one shard (each worker loads its own speaker encoder)."""
    cuts, storage, manifest, config, min_duration, position = args
    # One thread per worker: resemblyzer's LSTM runs 3-5x slower when workers oversubscribe cores.
    torch.set_num_threads(1)
    result, skipped = _featurise_shard(cuts, storage, manifest, config, None, min_duration, position)
    return len(result), skipped


def extract_tts_features(
    cuts: CutSet,
    out_dir: str | Path,
    config: AudioConfig,
    embed_speaker: Callable[[np.ndarray, int], np.ndarray] | None = None,
    min_duration: float = 0.3,
    shard_size: int = 1000,
    workers: int = 1,
) -> CutSet:
    """Compute and store features for every cut; return the cuts with the arrays attached.

    Args:
        cuts: cuts with recordings and one supervision each (text, language, speaker).
        out_dir: where the feature storage and ``cuts_with_feats.jsonl.gz`` are written.
        config: the audio feature definition.
        embed_speaker: ``(wav, sample_rate) -> d-vector``; resemblyzer's GE2E when ``None``.
        min_duration: shorter cuts are skipped (and counted in the log).
        shard_size: cuts per shard; each shard has its own HDF5 file and manifest, so a killed
            run resumes at the first unfinished shard.
        workers: shards featurised in parallel (processes; only with the default speaker encoder).

    The merged manifest is written atomically once every shard is done; when it already exists it
    is loaded instead.
    """
    out = Path(out_dir)
    manifest = out / "cuts_with_feats.jsonl.gz"
    if manifest.is_file():
        logger.info("features already computed: %s", manifest)
        return CutSet.from_file(manifest)
    shard_dir = out / "shards"
    shard_dir.mkdir(parents=True, exist_ok=True)
    cuts = cuts.to_eager()
    if workers > 1:  # at least one shard per worker
        shard_size = min(shard_size, -(-len(cuts) // workers))
    n_shards = max(1, -(-len(cuts) // shard_size))
    shards = cuts.split(n_shards) if n_shards > 1 else [cuts]
    todo = []
    for i, shard in enumerate(shards):
        shard_manifest = shard_dir / f"shard-{i:05d}.jsonl.gz"
        if shard_manifest.is_file():
            continue
        todo.append((shard, shard_dir / f"feats-{i:05d}.h5", shard_manifest))
    if len(todo) < n_shards:
        logger.info("resuming features: %d of %d shards already done", n_shards - len(todo), n_shards)
    skipped = 0
    if workers > 1 and embed_speaker is None and len(todo) > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        jobs = [(s, st, m, config, min_duration, 1 + k % workers) for k, (s, st, m) in enumerate(todo)]
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
            for _, n_skipped in tqdm(pool.map(_shard_job, jobs), total=len(jobs), desc="feature shards"):
                skipped += n_skipped
    else:
        for shard, storage, shard_manifest in tqdm(todo, desc="feature shards", disable=len(todo) < 2):
            skipped += _featurise_shard(shard, storage, shard_manifest, config, embed_speaker, min_duration)[1]
    done = [c for i in range(n_shards) for c in CutSet.from_file(shard_dir / f"shard-{i:05d}.jsonl.gz")]
    if not done:
        raise AudioError(f"no usable utterance among {len(cuts)} cuts ({skipped} skipped)")
    if len(done) < len(cuts):
        logger.warning("skipped %d of %d cuts (unreadable, silent or shorter than %.1f s)", len(cuts) - len(done), len(cuts), min_duration)
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
