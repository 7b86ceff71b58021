"""Fluent Speech Commands (FSC): 30,043 English smart-home commands by 97 speakers, 16 kHz.

248 phrasings map to 31 intents, each a triple of slots (action, object, location).
Licence: Fluent Speech Commands Public License (non-commercial research). URL:
https://fluent.ai/fluent-speech-commands-a-dataset-for-spoken-language-understanding-research/

Layout::

    fluent_speech_commands_dataset/
        data/train_data.csv valid_data.csv test_data.csv
            # ,path,speakerId,transcription,action,object,location
            # 0,wavs/speakers/2BqVo8kVB2Skwgyb/0a3129c0-....wav,2BqVo8kVB2Skwgyb,Turn on the lights,activate,lights,none
        data/speaker_demographics.csv       # speakerId,...,gender,ageRange (optional here)
        wavs/speakers/<speakerId>/<uuid>.wav

Prepared with lhotse's ``prepare_slu``. Output: splits ``train``, ``dev`` (FSC's ``valid``) and
``test``; language ``en-us``; speakers ``fsc_<speakerId>``; gender from the demographics table;
``custom["intent"] = {"action": ..., "object": ..., "location": ...}`` with FSC's own labels
(``"none"`` for an empty slot).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from speech.data.corpora.base import (
    CorpusFormatError,
    PreparedCorpus,
    check_corpus_dir,
    corpus_view,
    ensure_usable,
    finish,
    read_text_file,
    rebase_recordings,
    replace_in_view,
    require_file,
    run_recipe,
    scan_audio,
)
from speech.data.manifests import make_supervision

if TYPE_CHECKING:
    from lhotse import RecordingSet, SupervisionSet

CORPUS = "fsc"
# FSC split name -> ours.
SPLITS: dict[str, str] = {"train": "train", "valid": "dev", "test": "test"}
_COLUMNS = ("path", "speakerId", "transcription", "action", "object", "location")


def _read_split(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(read_text_file(path, CORPUS)))
    rows = list(reader)
    columns = list(reader.fieldnames or [])
    absent = [c for c in _COLUMNS if c not in columns]
    if absent:
        raise CorpusFormatError(f"fsc: {path} lacks the column(s) {', '.join(absent)} (has {', '.join(columns)})")
    return columns, rows


def _read_genders(path: Path) -> dict[str, str | None]:
    if not path.is_file():
        return {}
    reader = csv.DictReader(io.StringIO(read_text_file(path, CORPUS)))
    by_name = {(name or "").strip().lower(): name for name in reader.fieldnames or []}
    spk_col, gender_col = by_name.get("speakerid"), by_name.get("gender")
    if spk_col is None or gender_col is None:
        return {}
    return {
        row[spk_col].strip(): {"female": "f", "male": "m"}.get((row[gender_col] or "").strip().lower())
        for row in reader
    }


def prepare_fsc(
    src_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    num_jobs: int = 1,
) -> PreparedCorpus:
    """Prepare Fluent Speech Commands as ``fsc_{recordings,supervisions}_{train,dev,test}.jsonl.gz``.

    Args:
        src_dir: the ``fluent_speech_commands_dataset`` folder.
        out_dir: where to write the manifests.
        num_jobs: threads that check the audio files.

    Returns:
        The prepared manifests (with intents) and the skipped audio files.
    """
    from lhotse import RecordingSet, SupervisionSet
    from lhotse.recipes.slu import prepare_slu as lhotse_prepare

    src = check_corpus_dir(src_dir, CORPUS, "data/train_data.csv and wavs/ (the fluent_speech_commands_dataset folder)")
    tables = {
        split: _read_split(
            require_file(src / "data" / f"{split}_data.csv", CORPUS, f"the {split} list data/{split}_data.csv")
        )
        for split in SPLITS
    }
    genders = _read_genders(src / "data" / "speaker_demographics.csv")
    rows_by_id = {Path(row["path"]).stem: row for _, rows in tables.values() for row in rows}
    audio = [src / row["path"] for _, rows in tables.values() for row in rows]
    _, skipped = scan_audio(audio, num_jobs)
    bad = {s.path for s in skipped}
    ensure_usable(
        CORPUS,
        {f"data/{split}_data.csv": sum(src / r["path"] not in bad for r in rows) for split, (_, rows) in tables.items()},
        skipped,
    )

    def drop_bad_rows(view: Path) -> None:
        # The recipe opens every listed wav and stops at the first it cannot read: list only good ones.
        for split, (columns, rows) in tables.items():
            kept = [row for row in rows if src / row["path"] not in bad]
            if len(kept) == len(rows):
                continue
            text = io.StringIO()
            writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(kept)
            replace_in_view(view / "data" / f"{split}_data.csv", text.getvalue())

    with corpus_view(src, exclude=bad, rewrite=drop_bad_rows if bad else None) as view, \
            tempfile.TemporaryDirectory(prefix="speech-fsc-") as tmp:
        # lhotse 1.33's prepare_slu returns nothing: it only writes slu_*_<split>.jsonl.gz files, so
        # let it write them somewhere temporary and read them back.
        run_recipe(CORPUS, lhotse_prepare, view, output_dir=tmp)
        splits: dict[str, tuple[RecordingSet, SupervisionSet]] = {}
        for fsc_split, ours in SPLITS.items():
            # from_file opens .jsonl.gz lazily: load now, before the temporary folder goes away.
            recs = RecordingSet.from_file(Path(tmp) / f"slu_recordings_{fsc_split}.jsonl.gz").to_eager()
            sups = SupervisionSet.from_file(Path(tmp) / f"slu_supervisions_{fsc_split}.jsonl.gz").to_eager()
            splits[ours] = (rebase_recordings(recs, view, src), _convert(sups, rows_by_id, genders))
    return finish(CORPUS, Path(out_dir), splits, skipped)


def _convert(
    supervisions: SupervisionSet, rows_by_id: dict[str, dict[str, str]], genders: dict[str, str | None]
) -> SupervisionSet:
    """Our convention from lhotse's FSC supervisions (which have integer ids and no speaker)."""
    from lhotse import SupervisionSet

    out = []
    for sup in supervisions:
        # Labels come from our own reading of the CSV: pandas (inside the recipe) may turn a slot
        # value into a float NaN.
        row = rows_by_id[sup.recording_id]
        speaker = row["speakerId"].strip()
        out.append(make_supervision(
            id=sup.recording_id, recording_id=sup.recording_id, duration=sup.duration,
            text=row["transcription"], language="en-us", speaker=f"{CORPUS}_{speaker}",
            gender=genders.get(speaker), corpus=CORPUS,
            intent={"action": row["action"].strip(), "object": row["object"].strip(),
                    "location": row["location"].strip()},
        ))
    return SupervisionSet.from_segments(out)
