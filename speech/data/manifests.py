"""The one manifest convention every corpus in `speech` follows (lhotse manifests).

Each prepared corpus split is a pair of lhotse manifests, gzipped JSON lines, written atomically::

    <out_dir>/<corpus>_recordings_<split>.jsonl.gz
    <out_dir>/<corpus>_supervisions_<split>.jsonl.gz

Every :class:`lhotse.SupervisionSegment` carries:

- ``text``: the transcript as spoken (not normalised);
- ``language``: a canonical :mod:`speech.text.languages` code (``en-us``, ``es``, ``cmn``...);
- ``speaker``: a corpus-unique speaker id, prefixed with the corpus name (``vctk_p225``);
- ``gender``: ``"m"``, ``"f"`` or ``None`` when unknown;
- ``custom`` (only the keys that apply):
    - ``emotion``: ``neutral | happy | sad | angry | surprised`` (and any other corpus label);
    - ``emotion_synthetic``: ``True`` when the emotion is a prosody style, not acted speech;
    - ``intent``: for SLU, a dict of slots. Fluent Speech Commands schema:
      ``{"action": ..., "object": ..., "location": ...}``; SLURP schema:
      ``{"scenario": ..., "action": ..., "intent": "scenario_action", "slots": [{"type", "filler"}]}``;
    - ``corpus``: the corpus name; ``voice``: the synthetic voice that produced it (bootstrap).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from lhotse import RecordingSet, SupervisionSegment, SupervisionSet
from lhotse.qa import validate_recordings_and_supervisions

from speech.fileio import atomic_path

logger = logging.getLogger(__name__)

EMOTIONS: tuple[str, ...] = ("neutral", "happy", "sad", "angry", "surprised")
GENDERS: tuple[str | None, ...] = ("m", "f", None)


def make_supervision(
    *,
    id: str,
    recording_id: str,
    duration: float,
    text: str,
    language: str,
    speaker: str,
    gender: str | None = None,
    start: float = 0.0,
    **custom: Any,
) -> SupervisionSegment:
    """Build a supervision that follows the convention above (language code checked).

    Keyword arguments beyond the standard ones go into ``custom`` (``emotion=``, ``intent=``...).
    """
    from speech.text.languages import get_language

    if gender not in GENDERS:
        raise ValueError(f"gender must be 'm', 'f' or None, got {gender!r}")
    return SupervisionSegment(
        id=id,
        recording_id=recording_id,
        start=start,
        duration=duration,
        channel=0,
        text=text,
        language=get_language(language).code,
        speaker=speaker,
        gender=gender,
        custom={k: v for k, v in custom.items() if v is not None} or None,
    )


def manifest_paths(out_dir: str | Path, corpus: str, split: str) -> tuple[Path, Path]:
    """Paths of the recordings and supervisions manifests of one corpus split."""
    out = Path(out_dir)
    return (
        out / f"{corpus}_recordings_{split}.jsonl.gz",
        out / f"{corpus}_supervisions_{split}.jsonl.gz",
    )


def save_manifests(
    recordings: RecordingSet,
    supervisions: SupervisionSet,
    out_dir: str | Path,
    corpus: str,
    split: str,
    validate: bool = True,
) -> tuple[Path, Path]:
    """Validate (lhotse QA) and write a corpus split's manifests atomically."""
    if validate:
        validate_recordings_and_supervisions(recordings, supervisions)
    rec_path, sup_path = manifest_paths(out_dir, corpus, split)
    for manifest, path in ((recordings, rec_path), (supervisions, sup_path)):
        with atomic_path(path) as tmp:
            manifest.to_file(tmp)
    logger.info("wrote %d recordings / %d supervisions to %s", len(recordings), len(supervisions), rec_path.parent)
    return rec_path, sup_path


def load_manifests(out_dir: str | Path, corpus: str, split: str) -> tuple[RecordingSet, SupervisionSet]:
    """Read back a corpus split written by :func:`save_manifests`."""
    rec_path, sup_path = manifest_paths(out_dir, corpus, split)
    for path in (rec_path, sup_path):
        if not path.is_file():
            raise FileNotFoundError(f"manifest not found: {path}")
    return RecordingSet.from_file(rec_path), SupervisionSet.from_file(sup_path)
