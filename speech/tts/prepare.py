"""Recipe stage "features": manifests -> featurised cuts + the data-dependent model settings.

Reads a prepared corpus (``<corpus>_{recordings,supervisions}_<split>.jsonl.gz``), stores the
synthesizer features of every split (:mod:`speech.tts.featurize`), and writes what the model config
needs from the data: its languages, speakers and emotions, pitch/energy statistics, and the speaker
table (mean d-vector per training speaker) as ``speaker_table.safetensors``. ``task_conf.yaml``
holds these values in the shape of the ``task_conf`` block of a training config.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml
from lhotse import CutSet
from safetensors.torch import save_file

from speech.audio.features import AudioConfig
from speech.data.manifests import EMOTIONS, load_manifests
from speech.fileio import atomic_path, atomic_write_text
from speech.text.symbols import DEFAULT_TABLE_FILE, SymbolTable
from speech.tts.featurize import extract_tts_features, feature_stats

logger = logging.getLogger(__name__)


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``base`` with ``extra`` merged in (nested dicts merged, other values replaced)."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def write_train_config(base_config: str | Path, task_conf: str | Path, out: str | Path, **data: str) -> Path:
    """Merge a recipe's training config with the data-dependent ``task_conf`` (and data paths).

    The base config chooses the architecture (``task_conf.model.dim``...); the data decides the
    vocabularies and statistics. ``data`` keys (``train_cuts=...``) go into the ``data`` block.
    """
    base = yaml.safe_load(Path(base_config).read_text(encoding="utf-8"))
    derived = yaml.safe_load(Path(task_conf).read_text(encoding="utf-8"))
    merged = deep_merge(base, {"task_conf": derived, "data": data})
    atomic_write_text(out, yaml.safe_dump(merged, sort_keys=False, allow_unicode=True))
    return Path(out)


def limit_per_speaker(cuts: CutSet, n: int, seed: int = 0) -> CutSet:
    """At most ``n`` cuts per speaker, chosen at random with a fixed seed (the same on every run)."""
    if n < 1:
        raise ValueError(f"max_per_speaker must be at least 1, got {n}")
    rng = np.random.default_rng(seed)
    by_speaker: dict[str, list] = {}
    for cut in cuts:
        by_speaker.setdefault(cut.supervisions[0].speaker, []).append(cut)
    kept = []
    for speaker in sorted(by_speaker):
        group = by_speaker[speaker]
        order = rng.permutation(len(group))[:n]
        kept.extend(group[i] for i in sorted(order))
    logger.info("kept %d of %d cuts (at most %d per speaker, %d speakers)", len(kept), len(cuts), n, len(by_speaker))
    return CutSet.from_cuts(kept)


def prepare_tts_data(
    manifest_dir: str | Path,
    corpus: str,
    out_dir: str | Path,
    splits: tuple[str, ...] = ("train", "dev"),
    audio: AudioConfig | None = None,
    embed_speaker: Callable[[np.ndarray, int], np.ndarray] | None = None,
    workers: int = 1,
    max_per_speaker: int | None = None,
) -> dict[str, Path]:
    """Featurise ``splits`` of a corpus and write the data-dependent settings.

    Args:
        embed_speaker: ``(wav, rate) -> d-vector``; resemblyzer's GE2E when ``None``.
        workers: feature shards computed in parallel processes.
        max_per_speaker: keep at most this many utterances per speaker in the first split (a
            deterministic random choice), to train on a balanced subset when compute is short.

    Returns:
        Paths: ``<split>`` -> featurised cuts of each split, ``task_conf``, ``speaker_table``,
        ``symbols``.
    """
    audio = audio or AudioConfig()
    out = Path(out_dir)
    paths: dict[str, Path] = {}
    cutsets: dict[str, CutSet] = {}
    for split in splits:
        recordings, supervisions = load_manifests(manifest_dir, corpus, split)
        cuts = CutSet.from_manifests(recordings=recordings.to_eager(), supervisions=supervisions.to_eager())
        if max_per_speaker is not None and split == splits[0]:
            cuts = limit_per_speaker(cuts, max_per_speaker)
        cutsets[split] = extract_tts_features(cuts, out / split, audio, embed_speaker, workers=workers)
        paths[split] = out / split / "cuts_with_feats.jsonl.gz"

    train = cutsets[splits[0]]
    stats = feature_stats(train)
    sups = [c.supervisions[0] for c in train]
    languages = sorted({s.language for s in sups})
    speakers = sorted(stats.speaker_embeddings)
    seen_emotions = {((s.custom or {}).get("emotion") or "neutral") for s in sups}
    emotions = [e for e in EMOTIONS if e in seen_emotions] + sorted(seen_emotions - set(EMOTIONS))

    table = np.stack([stats.speaker_embeddings[s] for s in speakers])
    paths["speaker_table"] = out / "speaker_table.safetensors"
    with atomic_path(paths["speaker_table"]) as tmp:
        save_file({"speaker_table": torch.from_numpy(table).float()}, str(tmp))
    symbols = SymbolTable.default()
    paths["symbols"] = symbols.save(out / DEFAULT_TABLE_FILE)

    task_conf = {
        "model": {
            "vocab_size": len(symbols),
            "languages": languages,
            "speakers": speakers,
            "emotions": emotions,
            "audio": asdict(audio),
            "speaker_dim": int(table.shape[1]),
            "pitch_mean": stats.pitch_mean,
            "pitch_std": stats.pitch_std,
            "energy_mean": stats.energy_mean,
            "energy_std": stats.energy_std,
        },
        "symbols": str(paths["symbols"]),
        "speaker_table": str(paths["speaker_table"]),
    }
    paths["task_conf"] = out / "task_conf.yaml"
    atomic_write_text(paths["task_conf"], yaml.safe_dump(task_conf, sort_keys=False, allow_unicode=True))
    logger.info(
        "%d languages, %d speakers, %d emotions; pitch %.2f±%.2f (log Hz)",
        len(languages), len(speakers), len(emotions), stats.pitch_mean, stats.pitch_std,
    )
    return paths
