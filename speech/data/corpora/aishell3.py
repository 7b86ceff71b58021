"""AISHELL-3: 85 hours of Mandarin read speech by 218 speakers, 44.1 kHz, for multi-speaker TTS.

Licence: Apache 2.0. URL: https://www.openslr.org/93

Layout::

    data_aishell3/
        spk-info.txt                        # SSB0005<TAB>A<TAB>female<TAB>north   ('#' lines: header)
        train/content.txt                   # SSB00050001.wav<TAB>广 guang3 州 zhou1 ...
        train/label_train-set.txt           # SSB00050001|pinyin with prosody|characters  ('#' header)
        train/wav/SSB0005/SSB00050001.wav
        test/content.txt, test/wav/...

Prepared with lhotse's ``prepare_aishell3``. Output: splits ``train`` and ``test``; language
``cmn``; speakers ``aishell3_SSB0005``; gender from spk-info.txt; ``text`` is the characters and
``custom["pinyin"]`` the tone-numbered pinyin (read here: the recipe of lhotse 1.33 leaves it
empty).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from speech.data.corpora.base import (
    CorpusFormatError,
    PreparedCorpus,
    SkippedItem,
    check_corpus_dir,
    convert_supervisions,
    corpus_view,
    ensure_usable,
    finish,
    read_text_file,
    rebase_recordings,
    require_file,
    run_recipe,
    scan_audio,
)
from speech.data.manifests import make_supervision

if TYPE_CHECKING:
    from lhotse import RecordingSet, SupervisionSegment, SupervisionSet

CORPUS = "aishell3"
PARTS: tuple[str, ...] = ("train", "test")


def _read_content(path: Path) -> tuple[dict[str, str], list[SkippedItem]]:
    """utterance id -> pinyin from ``content.txt`` (``id.wav<TAB>char pinyin char pinyin ...``)."""
    pinyin: dict[str, str] = {}
    bad: list[SkippedItem] = []
    for n, line in enumerate(read_text_file(path, CORPUS).splitlines(), 1):
        if not line.strip():
            continue
        name, _, transcript = line.strip().partition("\t")
        tokens = transcript.split()
        if not name.endswith(".wav") or not tokens or len(tokens) % 2:
            bad.append(SkippedItem(path, f"line {n}: expected 'ID.wav<TAB>char pinyin ...', got {line[:60]!r}"))
            continue
        pinyin[name[: -len(".wav")]] = " ".join(tokens[1::2])
    return pinyin, bad


def prepare_aishell3(
    src_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    num_jobs: int = 1,
) -> PreparedCorpus:
    """Prepare AISHELL-3 as ``aishell3_{recordings,supervisions}_{train,test}.jsonl.gz``.

    Args:
        src_dir: the ``data_aishell3`` folder.
        out_dir: where to write the manifests.
        num_jobs: threads that check the audio files.

    Returns:
        The prepared manifests and the skipped audio files.
    """
    from lhotse import RecordingSet, SupervisionSet
    from lhotse.recipes.aishell3 import prepare_aishell3 as lhotse_prepare

    src = check_corpus_dir(src_dir, CORPUS, "spk-info.txt, train/ and test/ (the data_aishell3 folder)")
    spk_info = require_file(src / "spk-info.txt", CORPUS, "the speaker table spk-info.txt")
    # Read genders here too: the recipe calls every speaker missing from the table "female".
    genders = {
        fields[0]: {"female": "f", "male": "m"}.get(fields[2].strip().lower())
        for fields in (ln.strip().split("\t") for ln in read_text_file(spk_info, CORPUS).splitlines())
        if len(fields) >= 3 and not fields[0].startswith("#")
    }
    require_file(src / "train" / "label_train-set.txt", CORPUS, "the prosody labels train/label_train-set.txt")
    pinyin: dict[str, str] = {}
    malformed: list[SkippedItem] = []
    audio: list[Path] = []
    for part in PARTS:
        content = require_file(src / part / "content.txt", CORPUS, f"the {part} transcripts {part}/content.txt")
        part_pinyin, bad = _read_content(content)
        pinyin |= part_pinyin
        malformed += bad
        audio.extend(src / part / "wav" / utt[:7] / f"{utt}.wav" for utt in part_pinyin)
    if malformed:
        # The recipe unpacks every line without checks; a malformed one would stop it.
        raise CorpusFormatError(f"aishell3: {malformed[0].path}: {malformed[0].reason}")
    good, skipped = scan_audio(audio, num_jobs)
    ensure_usable(CORPUS, {part: sum(1 for p in good if p.is_relative_to(src / part)) for part in PARTS}, skipped)
    # The recipe skips wavs that are not there, so hiding the bad ones is enough.
    with corpus_view(src, exclude=[s.path for s in skipped]) as view:
        result = run_recipe(CORPUS, lhotse_prepare, view)
        splits: dict[str, tuple[RecordingSet, SupervisionSet]] = {}
        for part, m in result.items():
            # lhotse 1.33 stores the two manifests under each other's key: go by type instead.
            recs = next(v for v in m.values() if isinstance(v, RecordingSet))
            sups = next(v for v in m.values() if isinstance(v, SupervisionSet))
            splits[part] = (rebase_recordings(recs, view, src), sups)

    def convert(sup: SupervisionSegment) -> SupervisionSegment:
        custom = sup.custom or {}
        return make_supervision(
            id=sup.id, recording_id=sup.recording_id, duration=sup.duration, text=sup.text,
            language="cmn", speaker=f"{CORPUS}_{sup.speaker}",
            gender=genders.get(sup.speaker or ""),
            corpus=CORPUS, pinyin=pinyin.get(sup.id), tones_pinyin=custom.get("tones_pinyin"),
            tones_text=custom.get("tones_text"),
        )

    converted = {part: (recs, convert_supervisions(sups, convert)) for part, (recs, sups) in splits.items()}
    return finish(CORPUS, Path(out_dir), converted, skipped)
