"""SLURP: 72,000 spoken English commands to a home assistant (141 hours), 18 scenarios, 46 actions.

Each sentence is annotated with its scenario, action (intent = ``scenario_action``) and entity
slots, and recorded several times (close-talk "headset" and far-field). Licence: CC BY 4.0.
URL: https://github.com/pswietojanski/slurp (text), https://zenodo.org/record/4274930 (audio).

Layout (the repository, with the audio archives extracted)::

    slurp/
        dataset/slurp/train.jsonl devel.jsonl test.jsonl train_synthetic.jsonl
            # {"slurp_id": 4318, "sentence": "wake me up at ten",
            #  "sentence_annotation": "wake me up at [time : ten]", "intent": "alarm_set",
            #  "scenario": "alarm", "action": "set",
            #  "recordings": [{"file": "audio-1501756826.flac", ...}, ...], ...}
        dataset/slurp/metadata.json         # {slurp_id: {"recordings": {file: {"usrid": ...}}}} (optional)
        audio/slurp_real/audio-1501756826.flac     # 16 kHz FLAC
        audio/slurp_synth/audio-1555234235.flac

The json files may also sit directly in ``--src``, and the audio folders in ``--src``,
``--src/audio`` or ``--src/scripts/audio`` (where ``download_audio.sh`` puts them), or
``audio_dir``.

No lhotse recipe exists; this module parses it. One supervision per recording. Output: splits
``train``, ``dev`` (SLURP's ``devel``), ``test`` and, when the synthetic audio is there,
``train_synthetic``. Language ``en-us``; speakers ``slurp_<usrid>`` from metadata.json
(``slurp_unknown`` without it, ``slurp_synth`` for synthetic audio);
``custom["intent"] = {"scenario", "action", "intent", "slots": [{"type", "filler"}, ...]}`` with
slots parsed from ``sentence_annotation``; ``custom["headset"]`` says which microphone.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from speech.data.corpora.base import (
    CorpusFormatError,
    CorpusNotFoundError,
    PreparedCorpus,
    SkippedItem,
    check_corpus_dir,
    finish,
    read_text_file,
    scan_audio,
)
from speech.data.manifests import make_supervision

if TYPE_CHECKING:
    from lhotse import Recording, RecordingSet, SupervisionSet

logger = logging.getLogger(__name__)

CORPUS = "slurp"
# SLURP json file -> (our split, audio folder).
SPLITS: dict[str, tuple[str, str]] = {
    "train": ("train", "slurp_real"),
    "devel": ("dev", "slurp_real"),
    "test": ("test", "slurp_real"),
    "train_synthetic": ("train_synthetic", "slurp_synth"),
}
_SLOT = re.compile(r"\[\s*([^\[\]:]+?)\s*:\s*([^\[\]]*?)\s*\]")


def parse_slots(annotation: str) -> list[dict[str, str]]:
    """Slots of a SLURP ``sentence_annotation``, in order.

    Example:
        >>> parse_slots("wake me up at [time : five am] [date : tomorrow]")
        [{'type': 'time', 'filler': 'five am'}, {'type': 'date', 'filler': 'tomorrow'}]
    """
    return [{"type": m.group(1), "filler": m.group(2)} for m in _SLOT.finditer(annotation)]


def _find(src: Path, audio_dir: Path | None) -> tuple[Path, Path]:
    """The folder of the json files and the folder that holds ``slurp_real/``."""
    json_dir = next((d for d in (src / "dataset" / "slurp", src) if (d / "train.jsonl").is_file()), None)
    if json_dir is None:
        raise CorpusNotFoundError(
            f"slurp: expected train.jsonl at {src / 'dataset' / 'slurp' / 'train.jsonl'} (or {src / 'train.jsonl'}), "
            "but it does not exist. Is --src the SLURP repository?"
        )
    candidates = [audio_dir] if audio_dir is not None else [src, src / "audio", src / "scripts" / "audio"]
    audio_root = next((d for d in candidates if (d / "slurp_real").is_dir()), None)
    if audio_root is None:
        raise CorpusNotFoundError(
            "slurp: audio folder slurp_real/ not found in "
            + ", ".join(str(d) for d in candidates)
            + "; extract slurp_real.tar.gz there or pass --audio-dir"
        )
    return json_dir, audio_root


def _speakers(json_dir: Path) -> dict[str, str]:
    """Audio file name -> user id, from metadata.json when it is there."""
    path = json_dir / "metadata.json"
    if not path.is_file():
        return {}
    try:
        meta = json.loads(read_text_file(path, CORPUS))
    except json.JSONDecodeError as e:
        raise CorpusFormatError(f"slurp: {path} is not valid JSON: {e}") from e
    return {
        name: str(info["usrid"])
        for record in meta.values()
        for name, info in (record.get("recordings") or {}).items()
        if isinstance(info, dict) and info.get("usrid") is not None
    }


def prepare_slurp(
    src_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    synthetic: bool | None = None,
    headset_only: bool = False,
    audio_dir: str | os.PathLike[str] | None = None,
    num_jobs: int = 1,
) -> PreparedCorpus:
    """Prepare SLURP as ``slurp_{recordings,supervisions}_<split>.jsonl.gz``.

    Args:
        src_dir: the SLURP repository (or a folder with its json files).
        out_dir: where to write the manifests.
        synthetic: prepare ``train_synthetic`` (default: when ``slurp_synth/`` is there).
        headset_only: keep only the close-talk (``-headset``) recordings of real speech.
        audio_dir: the folder that holds ``slurp_real/`` and ``slurp_synth/``, if not found.
        num_jobs: threads that check the audio files.

    Returns:
        The prepared manifests and the skipped audio files and json lines.
    """
    from lhotse import RecordingSet, SupervisionSet

    src = check_corpus_dir(src_dir, CORPUS, "dataset/slurp/train.jsonl and audio/slurp_real/")
    json_dir, audio_root = _find(src, Path(audio_dir).expanduser().absolute() if audio_dir else None)
    if synthetic is None:
        synthetic = (audio_root / "slurp_synth").is_dir()
    elif synthetic and not (audio_root / "slurp_synth").is_dir():
        raise CorpusNotFoundError(f"slurp: synthetic audio folder not found: {audio_root / 'slurp_synth'}")
    speakers = _speakers(json_dir)
    if not speakers:
        logger.warning("slurp: no %s; real recordings get speaker slurp_unknown", json_dir / "metadata.json")

    skipped: list[SkippedItem] = []
    # (our split, wav, sentence record, headset)
    items: list[tuple[str, Path, dict[str, Any], bool]] = []
    for name, (split, folder) in SPLITS.items():
        if folder == "slurp_synth" and not synthetic:
            continue
        path = json_dir / f"{name}.jsonl"
        if not path.is_file():
            raise CorpusNotFoundError(f"slurp: expected the {name} annotations at {path}, but it does not exist")
        seen: set[str] = set()
        for n, line in enumerate(read_text_file(path, CORPUS).splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                files = [r["file"] for r in record["recordings"]]
                absent = [key for key in ("sentence", "scenario", "action") if key not in record]
            except (json.JSONDecodeError, KeyError, TypeError) as e:
                skipped.append(SkippedItem(path, f"line {n}: not a SLURP record ({type(e).__name__}: {e})"))
                continue
            if absent:
                skipped.append(SkippedItem(path, f"line {n}: SLURP record without {', '.join(absent)}"))
                continue
            for file in files:
                headset = file.endswith("-headset.flac")
                if (headset_only and folder == "slurp_real" and not headset) or file in seen:
                    continue
                seen.add(file)
                items.append((split, audio_root / folder / file, record, headset))
    good, bad_audio = scan_audio([item[1] for item in items], num_jobs)
    skipped += bad_audio

    recordings: dict[str, list[Recording]] = {}
    supervisions: dict[str, list] = {}
    for split, wav, record, headset in items:
        recording = good.get(wav)
        if recording is None:
            continue
        synth = wav.parent.name == "slurp_synth"
        speaker = "synth" if synth else speakers.get(wav.name, "unknown")
        intent = record.get("intent") or f"{record['scenario']}_{record['action']}"
        recordings.setdefault(split, []).append(recording)
        supervisions.setdefault(split, []).append(make_supervision(
            id=recording.id, recording_id=recording.id, duration=recording.duration,
            text=record["sentence"], language="en-us", speaker=f"{CORPUS}_{speaker}", corpus=CORPUS,
            intent={
                "scenario": record["scenario"], "action": record["action"], "intent": intent,
                "slots": parse_slots(record.get("sentence_annotation") or ""),
            },
            slurp_id=record.get("slurp_id"), headset=None if synth else headset, synthetic=synth or None,
        ))
    splits: dict[str, tuple[RecordingSet, SupervisionSet]] = {
        split: (RecordingSet.from_recordings(recordings[split]), SupervisionSet.from_segments(supervisions[split]))
        for split in recordings
    }
    return finish(CORPUS, Path(out_dir), splits, skipped)
