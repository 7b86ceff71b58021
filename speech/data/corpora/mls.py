"""Multilingual LibriSpeech (MLS): read audiobooks in 8 languages, about 50,000 hours, 16 kHz.

English, German, Dutch, French, Spanish, Italian, Portuguese and Polish, from LibriVox.
Licence: CC BY 4.0. URL: https://www.openslr.org/94

Layout (one folder per language; ``_opus`` folders hold the same data as OPUS)::

    mls/
        mls_german/                      # or mls_german_opus/
            metainfo.txt                 # SPEAKER | GENDER | PARTITION | MINUTES | BOOK ID | ...
            train/transcripts.txt        # 1844_1484_000000<TAB>text
            train/audio/1844/1484/1844_1484_000000.flac
            dev/...  test/...
        mls_polish/ ...

Prepared with lhotse's ``prepare_mls``. Output: splits ``train``, ``dev``, ``test`` with every
selected language together (each supervision carries its language); speakers ``mls_1844``
(LibriVox reader ids, the same person across languages); gender from metainfo.txt.
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
    SkippedItem,
    check_corpus_dir,
    convert_supervisions,
    corpus_view,
    ensure_usable,
    finish,
    merge_manifests,
    read_text_file,
    rebase_recordings,
    replace_in_view,
    require_file,
    run_recipe,
    scan_audio,
)
from speech.data.manifests import make_supervision

if TYPE_CHECKING:
    from lhotse import SupervisionSegment

CORPUS = "mls"
SPLITS: tuple[str, ...] = ("train", "dev", "test")
# MLS folder name -> canonical language code.
LANGUAGES: dict[str, str] = {
    "english": "en-us", "german": "de", "dutch": "nl", "french": "fr",
    "spanish": "es", "italian": "it", "portuguese": "pt", "polish": "pl",
}


def _select_languages(src: Path, languages: Sequence[str] | None, opus: bool) -> dict[str, Path]:
    """MLS language name -> its folder, for the requested languages in the requested format."""
    suffix = "_opus" if opus else ""
    present = {
        name: src / f"mls_{name}{suffix}" for name in LANGUAGES if (src / f"mls_{name}{suffix}").is_dir()
    }
    if languages is None:
        if not present:
            kind = "OPUS (mls_<language>_opus)" if opus else "FLAC (mls_<language>)"
            raise CorpusNotFoundError(
                f"mls: no {kind} language folder found in {src}; expected e.g. mls_german{suffix}/"
                + ("" if opus else " (pass --opus for the _opus release)")
            )
        return present
    code_to_name = {code: name for name, code in LANGUAGES.items()} | {"en": "english"}
    selected: dict[str, Path] = {}
    for lang in languages:
        name = code_to_name.get(lang.lower(), lang.lower())
        if name not in LANGUAGES:
            raise CorpusOptionError(f"mls: unknown language {lang!r}; MLS has {', '.join(LANGUAGES)}")
        if name not in present:
            raise CorpusNotFoundError(f"mls: language folder not found: {src / f'mls_{name}{suffix}'}")
        selected[name] = present[name]
    return selected


def prepare_mls(
    src_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    languages: Sequence[str] | None = None,
    opus: bool = False,
    num_jobs: int = 1,
) -> PreparedCorpus:
    """Prepare MLS as ``mls_{recordings,supervisions}_{train,dev,test}.jsonl.gz``.

    Args:
        src_dir: the folder that holds the ``mls_<language>`` folders.
        out_dir: where to write the manifests.
        languages: MLS names or codes (``german`` or ``de``); default: every language present.
        opus: read the ``mls_<language>_opus`` folders instead of the FLAC ones.
        num_jobs: threads that check the audio, and lhotse's workers that read it.

    Returns:
        The prepared manifests and the skipped audio files.
    """
    from lhotse.recipes.mls import prepare_mls as lhotse_prepare

    src = check_corpus_dir(src_dir, CORPUS, "mls_<language> folders (e.g. mls_german/)")
    selected = _select_languages(src, languages, opus)
    ext = ".opus" if opus else ".flac"
    audio: list[Path] = []
    missing: list[SkippedItem] = []
    listed: dict[Path, set[str]] = {}  # transcripts.txt -> ids it lists
    for lang_dir in selected.values():
        require_file(lang_dir / "metainfo.txt", CORPUS, "the speaker table metainfo.txt")
        for split in SPLITS:
            transcripts = require_file(lang_dir / split / "transcripts.txt", CORPUS, f"the {split} transcripts")
            ids = {line.split("\t", 1)[0] for line in read_text_file(transcripts, CORPUS).splitlines() if line.strip()}
            listed[transcripts] = ids
            files = {p.stem: p for p in (lang_dir / split).rglob(f"*{ext}")}
            audio.extend(files.values())
            missing.extend(
                SkippedItem(lang_dir / split / "audio" / i.split("_")[0] / i.split("_")[1] / f"{i}{ext}",
                            "missing: listed in transcripts.txt but not on disk")
                for i in sorted(ids - files.keys())
            )
    _, skipped = scan_audio(sorted(audio), num_jobs)
    skipped += missing
    bad_ids = {s.path.stem for s in skipped}
    ensure_usable(
        CORPUS, {f"{t.parent.parent.name}/{t.parent.name}": len(ids - bad_ids) for t, ids in listed.items()},
        skipped, "fix the download or leave the language out with --languages",
    )

    def drop_bad_lines(view: Path) -> None:
        # The recipe looks up the duration of every transcript line's recording and fails when it
        # is missing: keep only lines whose audio is usable.
        for transcripts, ids in listed.items():
            if ids & bad_ids:
                mirrored = view / transcripts.relative_to(src)
                lines = read_text_file(transcripts, CORPUS).splitlines()
                replace_in_view(mirrored, "".join(f"{ln}\n" for ln in lines if ln.split("\t", 1)[0] not in bad_ids))

    # lhotse picks every mls_* folder (FLAC and OPUS alike when opus=True), so the view shows it only
    # the selected ones.
    with corpus_view(
        src, exclude=[s.path for s in skipped], include_top=[d.name for d in selected.values()],
        rewrite=drop_bad_lines,
    ) as view:
        result = run_recipe(CORPUS, lhotse_prepare, view, opus=opus, num_jobs=num_jobs)
        per_split: dict[str, list] = {split: [] for split in SPLITS}
        for name, lang_manifests in result.items():
            code = LANGUAGES[name]

            def convert(sup: SupervisionSegment, code: str = code) -> SupervisionSegment:
                return make_supervision(
                    id=sup.id, recording_id=sup.recording_id, duration=sup.duration, text=sup.text,
                    language=code, speaker=f"{CORPUS}_{sup.speaker}",
                    gender={"F": "f", "M": "m"}.get((sup.gender or "").strip().upper()), corpus=CORPUS,
                )

            for split, m in lang_manifests.items():
                recs = rebase_recordings(m["recordings"], view, src)
                per_split[split].append((recs, convert_supervisions(m["supervisions"], convert)))
    splits = {split: merge_manifests(CORPUS, parts) for split, parts in per_split.items() if parts}
    return finish(CORPUS, Path(out_dir), splits, skipped)
