"""ESD, the Emotional Speech Dataset: 10 Mandarin and 10 English speakers, 5 emotions, 16 kHz.

Each speaker reads the same 350 sentences in each of neutral, angry, happy, sad and surprise
(29 hours in all). Licence: research use only (see the dataset's README). URL:
https://github.com/HLTSingapore/Emotional-Speech-Data

Layout (the extracted ``Emotion Speech Dataset`` folder)::

    Emotion Speech Dataset/
        0001/ ... 0010/                     # Mandarin speakers
        0011/ ... 0020/                     # English speakers
            0011.txt                        # 0011_000001<TAB>Author of the danger trail...<TAB>Neutral
            Neutral/train/0011_000051.wav   # utterances 000001-000350
            Neutral/evaluation/0011_000001.wav
            Neutral/test/0011_000021.wav
            Angry/ (000351-000700)  Happy/ (000701-001050)  Sad/ (001051-001400)  Surprise/ (001401-001750)

The Mandarin transcripts label emotions in Chinese (中立 生气 快乐 伤心 惊喜). Some copies lack the
train/evaluation/test folders; the split is then the official one recovered from the utterance
number (in each block of 350: 1-20 evaluation, 21-50 test, the rest train).

No lhotse recipe exists; this module parses it. Output: splits ``train``, ``dev`` (ESD's
``evaluation``) and ``test``; languages ``cmn`` and ``en-us``; speakers ``esd_0011``; gender from
the dataset's README; ``custom["emotion"]`` in ``neutral | angry | happy | sad | surprised``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from speech.data.corpora.base import (
    CorpusNotFoundError,
    PreparedCorpus,
    SkippedItem,
    check_corpus_dir,
    finish,
    read_text_file,
    require_file,
    scan_audio,
)
from speech.data.manifests import make_supervision

if TYPE_CHECKING:
    from lhotse import Recording, RecordingSet, SupervisionSet

CORPUS = "esd"
# Emotion folder names and transcript labels (English and Chinese) -> our emotion labels.
EMOTIONS: dict[str, str] = {
    "neutral": "neutral", "中立": "neutral",
    "angry": "angry", "生气": "angry",
    "happy": "happy", "快乐": "happy",
    "sad": "sad", "伤心": "sad",
    "surprise": "surprised", "惊喜": "surprised",
}
# ESD folder -> our split name.
SPLIT_FOLDERS: dict[str, str] = {"train": "train", "evaluation": "dev", "test": "test"}
# From the dataset's README.
GENDERS: dict[str, str] = {
    "0001": "f", "0002": "f", "0003": "f", "0004": "m", "0005": "m",
    "0006": "m", "0007": "f", "0008": "m", "0009": "f", "0010": "m",
    "0011": "m", "0012": "m", "0013": "m", "0014": "m", "0015": "f",
    "0016": "f", "0017": "f", "0018": "f", "0019": "f", "0020": "m",
}
_SPEAKER_DIR = re.compile(r"^\d{4}$")
_UTT_ID = re.compile(r"^(\d{4})_(\d{6})$")
# Transcript encodings seen in copies of ESD (the Mandarin files are not always UTF-8).
_ENCODINGS = ("utf-8-sig", "utf-16", "gb18030")


def language_of(speaker: str) -> str:
    """``cmn`` for speakers 0001-0010, ``en-us`` for the rest."""
    return "cmn" if int(speaker) <= 10 else "en-us"


def split_of(utterance_number: int) -> str:
    """The official split of an utterance from its number (for copies without split folders)."""
    k = (utterance_number - 1) % 350 + 1
    return "dev" if k <= 20 else "test" if k <= 50 else "train"


def _find_root(src: Path) -> Path:
    def speakers(d: Path) -> list[Path]:
        return [p for p in d.iterdir() if p.is_dir() and _SPEAKER_DIR.match(p.name)]

    if speakers(src):
        return src
    # Archives unpack to "Emotion Speech Dataset/" (or "ESD/") inside the folder given.
    for sub in sorted(p for p in src.iterdir() if p.is_dir()):
        if speakers(sub):
            return sub
    raise CorpusNotFoundError(
        f"esd: no speaker folder (0001 ... 0020) found in {src}; expected the extracted "
        "'Emotion Speech Dataset' folder"
    )


def _read_transcripts(path: Path) -> tuple[dict[str, tuple[str, str | None]], list[SkippedItem]]:
    """utterance id -> (text, emotion label) from ``<speaker>.txt``; malformed lines are reported."""
    entries: dict[str, tuple[str, str | None]] = {}
    bad: list[SkippedItem] = []
    for n, line in enumerate(read_text_file(path, CORPUS, _ENCODINGS).splitlines(), 1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("\t")]
        if len(parts) < 2 or not _UTT_ID.match(parts[0]) or not parts[1]:
            bad.append(SkippedItem(path, f"line {n}: expected 'ID<TAB>text<TAB>emotion', got {line[:60]!r}"))
            continue
        entries[parts[0]] = (parts[1], EMOTIONS.get(parts[2].lower()) if len(parts) > 2 else None)
    return entries, bad


def prepare_esd(
    src_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    num_jobs: int = 1,
) -> PreparedCorpus:
    """Prepare ESD as ``esd_{recordings,supervisions}_{train,dev,test}.jsonl.gz``.

    Args:
        src_dir: the ``Emotion Speech Dataset`` folder (or the folder it was extracted into).
        out_dir: where to write the manifests.
        num_jobs: threads that check the audio files.

    Returns:
        The prepared manifests and the skipped audio files and transcript lines.
    """
    from lhotse import RecordingSet, SupervisionSet

    src = check_corpus_dir(src_dir, CORPUS, "speaker folders 0001 ... 0020")
    root = _find_root(src)
    skipped: list[SkippedItem] = []
    # (wav, speaker, utterance number, split, emotion, text)
    items: list[tuple[Path, str, int, str, str, str]] = []
    for spk_dir in sorted(p for p in root.iterdir() if p.is_dir() and _SPEAKER_DIR.match(p.name)):
        speaker = spk_dir.name
        transcripts, bad = _read_transcripts(
            require_file(spk_dir / f"{speaker}.txt", CORPUS, f"the transcripts of speaker {speaker}")
        )
        skipped += bad
        for emotion_dir in sorted(p for p in spk_dir.iterdir() if p.is_dir()):
            emotion = EMOTIONS.get(emotion_dir.name.lower())
            if emotion is None:
                continue
            for wav in sorted(emotion_dir.rglob("*.wav")):
                match = _UTT_ID.match(wav.stem)
                if wav.name.startswith("._") or not match:
                    continue
                if wav.stem not in transcripts:
                    skipped.append(SkippedItem(wav, f"no transcript line in {speaker}.txt"))
                    continue
                number = int(match.group(2))
                split = SPLIT_FOLDERS.get(wav.parent.name.lower()) or split_of(number)
                items.append((wav, speaker, number, split, emotion, transcripts[wav.stem][0]))
    good, bad_audio = scan_audio([item[0] for item in items], num_jobs)
    skipped += bad_audio

    recordings: dict[str, list[Recording]] = {s: [] for s in SPLIT_FOLDERS.values()}
    supervisions: dict[str, list] = {s: [] for s in SPLIT_FOLDERS.values()}
    for wav, speaker, _, split, emotion, text in items:
        recording = good.get(wav)
        if recording is None:
            continue
        recordings[split].append(recording)
        supervisions[split].append(make_supervision(
            id=recording.id, recording_id=recording.id, duration=recording.duration, text=text,
            language=language_of(speaker), speaker=f"{CORPUS}_{speaker}", gender=GENDERS.get(speaker),
            corpus=CORPUS, emotion=emotion,
        ))
    splits: dict[str, tuple[RecordingSet, SupervisionSet]] = {
        split: (RecordingSet.from_recordings(recordings[split]), SupervisionSet.from_segments(supervisions[split]))
        for split in recordings
    }
    return finish(CORPUS, Path(out_dir), splits, skipped)
