"""What the bootstrap builders share: planned utterances, manifest writing, the build record.

Every build writes ``<corpus>_build.json`` into its output directory before synthesising
anything. It records the settings that decide *what* each file contains (the seed and the format
version); a later build into the same directory must use the same ones, otherwise resuming would
silently mix two different corpora.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from speech.data.bootstrap.errors import OutputDirError
from speech.data.bootstrap.synthesis import UtteranceJob
from speech.data.manifests import make_supervision, save_manifests
from speech.fileio import atomic_write_text

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1


@dataclass(frozen=True)
class PlannedUtterance:
    """A job plus where it goes in the manifests.

    Attributes:
        job: the rendering job.
        split: manifest split (``train``, ``dev``, ``test``, ``heldout``).
        custom: extra supervision fields (``intent``, ``sentence_id``...).
    """

    job: UtteranceJob
    split: str
    custom: dict[str, Any] = field(default_factory=dict)


def prepare_out_dir(out_dir: Path, corpus: str, settings: dict[str, Any]) -> None:
    """Create ``out_dir`` and record ``settings``; refuse a directory built with other settings.

    Raises:
        OutputDirError: ``out_dir`` is a file, or holds a build of ``corpus`` with different
            settings.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputDirError(f"--out {out_dir} exists and is not a directory")
    record = out_dir / f"{corpus}_build.json"
    wanted = {"format_version": FORMAT_VERSION, **settings}
    if record.is_file():
        try:
            previous = json.loads(record.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise OutputDirError(f"{record} is not valid JSON ({e}); remove it or use another --out") from e
        changed = {k: (previous.get(k), v) for k, v in wanted.items() if previous.get(k) != v}
        if changed:
            what = ", ".join(f"{k}: {old!r} -> {new!r}" for k, (old, new) in changed.items())
            raise OutputDirError(
                f"{out_dir} holds a {corpus} build with other settings ({what}); resume with the "
                "same settings or choose another --out")
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(record, json.dumps(wanted, indent=2) + "\n")


def write_manifests(planned: Iterable[PlannedUtterance], corpus: str, out_dir: Path) -> tuple[dict[str, int], float]:
    """Write the recordings and supervisions manifests of every split (validated by lhotse).

    Augmented copies become recordings ``<id>_aug`` with the same supervision fields plus
    ``custom["augmentation"]``.

    Returns:
        ``(counts, hours)``: supervisions per split, and the total audio duration in hours.
    """
    from lhotse import Recording, RecordingSet, SupervisionSet

    by_split: dict[str, list[PlannedUtterance]] = defaultdict(list)
    for p in planned:
        by_split[p.split].append(p)
    counts: dict[str, int] = {}
    seconds = 0.0
    for split, items in sorted(by_split.items()):
        recordings, supervisions = [], []
        for p in sorted(items, key=lambda p: p.job.id):
            job, voice = p.job, p.job.voice
            copies = [(job.id, job.path, None)]
            if job.augment is not None and job.augment_path is not None:
                copies.append((f"{job.id}_aug", job.augment_path, job.augment.to_dict()))
            for rec_id, path, augmentation in copies:
                rec = Recording.from_file(path, recording_id=rec_id)
                recordings.append(rec)
                seconds += rec.duration
                supervisions.append(make_supervision(
                    id=rec_id, recording_id=rec_id, duration=rec.duration, text=job.text,
                    language=voice.language, speaker=voice.speaker, gender=voice.gender,
                    emotion=job.style.emotion, emotion_synthetic=True, corpus=corpus,
                    voice=voice.id, engine=voice.engine, style=job.style.to_dict(),
                    augmentation=augmentation, **p.custom,
                ))
        save_manifests(RecordingSet.from_recordings(recordings),
                       SupervisionSet.from_segments(supervisions), out_dir, corpus, split)
        counts[split] = len(supervisions)
    return counts, seconds / 3600.0


def write_info(out_dir: Path, corpus: str, info: dict[str, Any]) -> Path:
    """Write the human-readable summary ``<corpus>_info.json`` (voices, counts, hours, timing)."""
    path = out_dir / f"{corpus}_info.json"
    atomic_write_text(path, json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    return path
