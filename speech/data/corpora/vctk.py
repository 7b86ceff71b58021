"""CSTR VCTK: 110 English speakers with various accents, about 400 sentences each.

Licence: CC BY 4.0. URL: https://datashare.ed.ac.uk/handle/10283/3443

Layouts (both handled by lhotse's ``prepare_vctk``)::

    VCTK-Corpus-0.92/                        # current release (the default download)
        speaker-info.txt                     # ID AGE GENDER ACCENTS REGION COMMENTS
        txt/p225/p225_001.txt                # one sentence per file
        wav48_silence_trimmed/p225/p225_001_mic1.flac, p225_001_mic2.flac   # 48 kHz FLAC

    VCTK-Corpus/                             # release 0.80
        speaker-info.txt, txt/p225/p225_001.txt, wav48/p225/p225_001.wav

Output: one split, ``all``. Speakers ``vctk_p225``...; gender from speaker-info.txt; language
``en-us`` for speakers with an American or Canadian accent and ``en-gb`` for everyone else (the
accent, age and region go to ``custom``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from speech.data.corpora.base import (
    CorpusOptionError,
    PreparedCorpus,
    SkippedItem,
    check_corpus_dir,
    convert_supervisions,
    corpus_view,
    ensure_usable,
    finish,
    rebase_recordings,
    require_dir,
    require_file,
    run_recipe,
    scan_audio,
)
from speech.data.manifests import make_supervision

if TYPE_CHECKING:
    from lhotse import SupervisionSegment

CORPUS = "vctk"
MICS: tuple[str, ...] = ("mic1", "mic2")
# Accents in speaker-info.txt that are North American; every other accent is British Isles or
# another English the espeak-ng en-gb voice covers better.
_US_ACCENTS = frozenset({"american", "canadian"})


def _gender(value: str | None) -> str | None:
    return {"f": "f", "m": "m"}.get((value or "").strip().lower()[:1])


def prepare_vctk(
    src_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    mic: str = "mic2",
    num_jobs: int = 1,
) -> PreparedCorpus:
    """Prepare VCTK as ``vctk_{recordings,supervisions}_all.jsonl.gz``.

    Args:
        src_dir: the VCTK folder (0.92 with ``wav48_silence_trimmed/`` or 0.80 with ``wav48/``).
        out_dir: where to write the manifests.
        mic: which microphone of release 0.92 to use, ``mic1`` or ``mic2`` (ignored for 0.80).
        num_jobs: threads that check the audio files.

    Returns:
        The prepared manifests and the skipped audio files.
    """
    from lhotse.recipes.vctk import prepare_vctk as lhotse_prepare

    if mic not in MICS:
        raise CorpusOptionError(f"vctk: mic must be one of {', '.join(MICS)}, got {mic!r}")
    src = check_corpus_dir(src_dir, CORPUS, "speaker-info.txt, txt/ and wav48_silence_trimmed/ (or wav48/)")
    require_file(src / "speaker-info.txt", CORPUS, "the speaker table speaker-info.txt")
    txt_dir = require_dir(src / "txt", CORPUS, "the transcript folder txt/")
    edinburgh = (src / "wav48_silence_trimmed").is_dir()
    if edinburgh:
        audio_dir, pattern = src / "wav48_silence_trimmed", "*.flac"
    else:
        audio_dir = require_dir(src / "wav48", CORPUS, "the audio folder wav48_silence_trimmed/ (0.92) or wav48/ (0.80)")
        pattern = "*.wav"

    # The recipe reads every audio file under the audio folder, then looks up the one for each
    # transcript and fails when it is not there: probe them all, and hide both the bad audio and
    # the transcripts left without audio.
    audio_files = sorted(p for p in audio_dir.rglob(pattern) if not p.name.startswith("._"))
    good, skipped = scan_audio(audio_files, num_jobs)
    good_ids = {p.stem for p in good}
    bad_ids = {s.path.stem for s in skipped}
    orphans: list[Path] = []
    for txt in sorted(txt_dir.rglob("*.txt")):
        utt = f"{txt.stem}_{mic}" if edinburgh else txt.stem
        speaker = txt.name.split("_")[0]
        if utt in good_ids or (edinburgh and speaker == "p280" and mic == "mic2"):
            continue  # p280 has no mic2 audio; the recipe already leaves it out
        orphans.append(txt)
        if utt not in bad_ids:
            skipped.append(SkippedItem(audio_dir / speaker / f"{utt}{pattern[1:]}", "missing: transcript without audio"))

    orphan_set = set(orphans)
    usable = sum(1 for txt in txt_dir.rglob("*.txt") if txt not in orphan_set)
    ensure_usable(CORPUS, {audio_dir.name: usable}, skipped)
    with corpus_view(src, exclude=[s.path for s in skipped] + orphans) as view:
        result = run_recipe(CORPUS, lhotse_prepare, view, use_edinburgh_vctk_url=edinburgh, mic_id=mic)
        recordings = rebase_recordings(result["recordings"], view, src)

    def convert(sup: SupervisionSegment) -> SupervisionSegment:
        custom = sup.custom or {}
        accent = custom.get("accent")  # None for a speaker missing from speaker-info.txt
        language = "en-us" if (accent or "").lower() in _US_ACCENTS else "en-gb"
        return make_supervision(
            id=sup.id, recording_id=sup.recording_id, duration=sup.duration, text=sup.text,
            language=language, speaker=f"{CORPUS}_{sup.speaker}", gender=_gender(sup.gender),
            corpus=CORPUS, accent=accent, age=custom.get("age"), region=custom.get("region") or None,
        )

    supervisions = convert_supervisions(result["supervisions"], convert)
    return finish(CORPUS, Path(out_dir), {"all": (recordings, supervisions)}, skipped)
