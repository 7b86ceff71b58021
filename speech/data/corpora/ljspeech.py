"""LJ Speech: one female US-English speaker reading non-fiction books; 13,100 clips, about 24 hours.

Licence: public domain. URL: https://keithito.com/LJ-Speech-Dataset

Layout (the extracted ``LJSpeech-1.1`` folder)::

    LJSpeech-1.1/
        metadata.csv            # LJ001-0001|transcription|normalized transcription
        wavs/LJ001-0001.wav     # 22,050 Hz, 16-bit mono

Prepared with lhotse's ``prepare_ljspeech``. Output: one split, ``all``; language ``en-us``,
speaker ``ljspeech_LJ``, gender ``f``; the normalised transcription goes to
``custom["normalized_text"]``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from speech.data.corpora.base import (
    PreparedCorpus,
    check_corpus_dir,
    convert_supervisions,
    corpus_view,
    ensure_usable,
    finish,
    read_text_file,
    rebase_recordings,
    require_dir,
    require_file,
    run_recipe,
    scan_audio,
)
from speech.data.manifests import make_supervision

if TYPE_CHECKING:
    from lhotse import SupervisionSegment

CORPUS = "ljspeech"
SPEAKER = "ljspeech_LJ"


def prepare_ljspeech(
    src_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    num_jobs: int = 1,
) -> PreparedCorpus:
    """Prepare LJ Speech as ``ljspeech_{recordings,supervisions}_all.jsonl.gz`` in ``out_dir``.

    Args:
        src_dir: the ``LJSpeech-1.1`` folder.
        out_dir: where to write the manifests.
        num_jobs: threads that check the audio files.

    Returns:
        The prepared manifests and the list of skipped (corrupt, empty or missing) audio files.

    Example:
        >>> prepare_ljspeech("LJSpeech-1.1", "data/manifests").num_utterances  # doctest: +SKIP
        13100
    """
    from lhotse.recipes.ljspeech import prepare_ljspeech as lhotse_prepare

    src = check_corpus_dir(src_dir, CORPUS, "metadata.csv and wavs/ (the LJSpeech-1.1 folder)")
    metadata = require_file(src / "metadata.csv", CORPUS, "the transcript file metadata.csv")
    wavs = require_dir(src / "wavs", CORPUS, "the audio folder wavs/")
    ids = [line.split("|", 1)[0] for line in read_text_file(metadata, CORPUS).splitlines() if line.strip()]
    good, skipped = scan_audio((wavs / f"{i}.wav" for i in ids), num_jobs)
    ensure_usable(CORPUS, {"wavs/": len(good)}, skipped)
    # The recipe skips wavs that are not there, so hiding the bad ones is enough.
    with corpus_view(src, exclude=[s.path for s in skipped]) as view:
        result = run_recipe(CORPUS, lhotse_prepare, view)
        recordings = rebase_recordings(result["recordings"], view, src)

    def convert(sup: SupervisionSegment) -> SupervisionSegment:
        return make_supervision(
            id=sup.id, recording_id=sup.recording_id, duration=sup.duration, text=sup.text,
            language="en-us", speaker=SPEAKER, gender="f", corpus=CORPUS,
            normalized_text=(sup.custom or {}).get("normalized_text"),
        )

    supervisions = convert_supervisions(result["supervisions"], convert)
    return finish(CORPUS, Path(out_dir), {"all": (recordings, supervisions)}, skipped)
