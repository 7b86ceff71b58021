"""LibriTTS-R (and LibriTTS): 585 hours of read English audiobooks by 2,456 speakers, 24 kHz.

LibriTTS-R is LibriTTS with its sound quality restored by Miipher; the files and transcripts are the
same. Licence: CC BY 4.0. URLs: https://www.openslr.org/141 (LibriTTS-R),
https://www.openslr.org/60 (LibriTTS).

Layout (the extracted ``LibriTTS_R`` or ``LibriTTS`` folder)::

    LibriTTS_R/
        SPEAKERS.txt                                    # ;ID |SEX| SUBSET |MINUTES| NAME
        train-clean-100/19/198/19_198_000000_000000.wav
        train-clean-100/19/198/19_198.trans.tsv         # id  original text  normalized text
        train-clean-100/19/198/19_198.book.tsv          # id ... snr
        dev-clean/ test-clean/ ...

Prepared with lhotse's ``prepare_libritts``. Output: one split per part present (``dev-clean``,
``train-clean-100``...); language ``en-us``; speakers ``libritts_r_19`` (``libritts_19``); gender
from SPEAKERS.txt; ``text`` is the original transcript, the normalised one is in
``custom["normalized_text"]``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from speech.data.corpora.base import (
    CorpusNotFoundError,
    CorpusOptionError,
    PreparedCorpus,
    check_corpus_dir,
    convert_supervisions,
    corpus_view,
    ensure_usable,
    finish,
    rebase_recordings,
    run_recipe,
    scan_audio,
)
from speech.data.manifests import make_supervision

if TYPE_CHECKING:
    from lhotse import SupervisionSegment

PARTS: tuple[str, ...] = (
    "dev-clean", "dev-other", "test-clean", "test-other",
    "train-clean-100", "train-clean-360", "train-other-500",
)
# lhotse's recipe skips this file (corrupt in the LibriTTS-R release of May 2023) and macOS "._"
# resource forks; the probe skips the same names so that it reports only what the recipe reads.
_IGNORED = frozenset({"1092_134562_000013_000004.wav"})


def _prepare(
    corpus: str,
    src_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    parts: Sequence[str] | None,
    num_jobs: int,
) -> PreparedCorpus:
    from lhotse.recipes.libritts import prepare_libritts as lhotse_prepare

    src = check_corpus_dir(src_dir, corpus, f"the LibriTTS parts ({', '.join(PARTS)})")
    present = [p for p in PARTS if (src / p).is_dir()]
    if parts is None:
        if not present:
            raise CorpusNotFoundError(
                f"{corpus}: no LibriTTS part folder ({', '.join(PARTS)}) found in {src}. "
                "Is --src the extracted LibriTTS_R folder?"
            )
        parts = present
    else:
        unknown = [p for p in parts if p not in PARTS]
        if unknown:
            raise CorpusOptionError(f"{corpus}: unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}")
        missing = [p for p in parts if p not in present]
        if missing:
            raise CorpusNotFoundError(f"{corpus}: part folder(s) not found in {src}: {', '.join(missing)}")
    audio = sorted(
        wav for part in parts for wav in (src / part).rglob("*.wav")
        if not wav.name.startswith("._") and wav.name not in _IGNORED
    )
    good, skipped = scan_audio(audio, num_jobs)
    ensure_usable(corpus, {part: sum(1 for p in good if p.is_relative_to(src / part)) for part in parts},
                  skipped, "leave it out with --parts")
    # The recipe skips transcript lines whose audio is not there, so hiding bad files is enough.
    with corpus_view(src, exclude=[s.path for s in skipped]) as view:
        result = run_recipe(corpus, lhotse_prepare, view, dataset_parts=list(parts), num_jobs=num_jobs)
        manifests = {
            part: (rebase_recordings(m["recordings"], view, src), m["supervisions"])
            for part, m in result.items()
        }

    def convert(sup: SupervisionSegment) -> SupervisionSegment:
        custom = sup.custom or {}
        return make_supervision(
            id=sup.id, recording_id=sup.recording_id, duration=sup.duration,
            text=custom.get("orig_text") or sup.text, language="en-us",
            speaker=f"{corpus}_{sup.speaker}",
            gender={"F": "f", "M": "m"}.get((sup.gender or "").strip().upper()),
            corpus=corpus, normalized_text=sup.text, snr=custom.get("snr"),
        )

    splits = {part: (recs, convert_supervisions(sups, convert)) for part, (recs, sups) in manifests.items()}
    return finish(corpus, Path(out_dir), splits, skipped)


def prepare_libritts_r(
    src_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    parts: Sequence[str] | None = None,
    num_jobs: int = 1,
) -> PreparedCorpus:
    """Prepare LibriTTS-R as ``libritts_r_{recordings,supervisions}_<part>.jsonl.gz``.

    Args:
        src_dir: the extracted ``LibriTTS_R`` folder.
        out_dir: where to write the manifests.
        parts: parts to prepare (default: every part folder present).
        num_jobs: threads that check the audio, and lhotse's workers that read it.

    Returns:
        The prepared manifests and the skipped audio files.
    """
    return _prepare("libritts_r", src_dir, out_dir, parts, num_jobs)


def prepare_libritts(
    src_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    parts: Sequence[str] | None = None,
    num_jobs: int = 1,
) -> PreparedCorpus:
    """Prepare the original LibriTTS (same layout as LibriTTS-R), see :func:`prepare_libritts_r`."""
    return _prepare("libritts", src_dir, out_dir, parts, num_jobs)
