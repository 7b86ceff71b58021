"""Mozilla Common Voice: crowd-sourced read speech in 100+ languages, MP3 clips.

Licence: CC0 1.0. URL: https://commonvoice.mozilla.org/datasets

Layout (one release, e.g. ``cv-corpus-17.0-2024-03-15``)::

    cv-corpus-17.0-2024-03-15/
        en/
            train.tsv dev.tsv test.tsv validated.tsv ...
                # client_id path sentence ... age gender accents variant locale ...
            clips/common_voice_en_123.mp3
        de/ ...

Prepared with lhotse's ``prepare_commonvoice``. Output: one split per requested split (default
``train``, ``dev``, ``test``) with all languages together; ``--src`` may also be a single language
folder. Speakers ``commonvoice_<client_id>``; gender ``m``/``f`` from the self-reported field
(``None`` otherwise); age, accents and variant go to ``custom``. A language folder whose code is not
in :mod:`speech.text.languages` (e.g. ``zh-HK``, Cantonese) is an error: leave it out with
``languages``.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from speech.data.corpora.base import (
    CorpusFormatError,
    CorpusNotFoundError,
    CorpusOptionError,
    PreparedCorpus,
    check_corpus_dir,
    convert_supervisions,
    corpus_view,
    ensure_usable,
    finish,
    merge_manifests,
    read_text_file,
    rebase_recordings,
    replace_in_view,
    run_recipe,
    scan_audio,
)
from speech.data.manifests import make_supervision
from speech.errors import UnknownLanguageError

if TYPE_CHECKING:
    from lhotse import SupervisionSegment

CORPUS = "commonvoice"
SPLITS: tuple[str, ...] = ("train", "dev", "test", "validated", "invalidated", "other")
DEFAULT_SPLITS: tuple[str, ...] = ("train", "dev", "test")
# Columns lhotse's recipe reads; releases before 12.0 have no "variant" (older ones lack more).
_REQUIRED = ("client_id", "path", "sentence")
_OPTIONAL = ("age", "gender", "accents", "variant")
# Common Voice codes that the registry's alias rules would map to the wrong language.
_NOT_REGISTERED = {"zh-HK": "Cantonese", "yue": "Cantonese"}


def canonical_language(cv_code: str) -> str:
    """Map a Common Voice language folder name (``en``, ``zh-CN``, ``sv-SE``...) to our code.

    Raises:
        UnknownLanguageError: the language is not in :mod:`speech.text.languages`.
    """
    from speech.text.languages import get_language

    if cv_code in _NOT_REGISTERED:
        raise UnknownLanguageError(
            f"commonvoice: language folder {cv_code!r} ({_NOT_REGISTERED[cv_code]}) is not a supported "
            "language; leave it out with --languages"
        )
    try:
        return get_language(cv_code).code
    except UnknownLanguageError as e:
        raise UnknownLanguageError(f"commonvoice: language folder {cv_code!r}: {e} Leave it out with --languages.") from e


def _gender(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    if value.startswith("female"):
        return "f"
    if value.startswith("male"):
        return "m"
    return None


def _read_tsv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    # QUOTE_NONE like lhotse: Common Voice sentences contain unbalanced quotes.
    reader = csv.DictReader(read_text_file(path, CORPUS).splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def prepare_commonvoice(
    src_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    languages: Sequence[str] | None = None,
    splits: Sequence[str] = DEFAULT_SPLITS,
    num_jobs: int = 1,
) -> PreparedCorpus:
    """Prepare Common Voice as ``commonvoice_{recordings,supervisions}_<split>.jsonl.gz``.

    Args:
        src_dir: a release folder holding language folders, or one language folder.
        out_dir: where to write the manifests.
        languages: Common Voice folder names to prepare (default: every language folder present).
        splits: which ``<split>.tsv`` files to prepare.
        num_jobs: threads that check the audio, and lhotse's worker processes.

    Returns:
        The prepared manifests and the skipped (corrupt, empty, missing) clips.
    """
    from lhotse.recipes.commonvoice import prepare_commonvoice as lhotse_prepare

    src = check_corpus_dir(src_dir, CORPUS, "language folders (en/, de/...) each with clips/ and train.tsv")
    unknown = [s for s in splits if s not in SPLITS]
    if unknown:
        raise CorpusOptionError(f"commonvoice: unknown split(s) {', '.join(unknown)}; choose from {', '.join(SPLITS)}")
    if (src / "clips").is_dir():  # a single language folder
        root, found = src.parent, [src.name]
    else:
        root = src
        found = sorted(d.name for d in src.iterdir() if d.is_dir() and (d / "clips").is_dir())
    if languages is not None:
        missing_langs = [lang for lang in languages if lang not in found]
        if missing_langs:
            raise CorpusNotFoundError(
                f"commonvoice: language folder(s) {', '.join(missing_langs)} not found in {root} "
                f"(found: {', '.join(found) or 'none'})"
            )
        found = list(languages)
    if not found:
        raise CorpusNotFoundError(f"commonvoice: no language folder with clips/ found in {src}")
    codes = {lang: canonical_language(lang) for lang in found}

    audio: list[Path] = []
    listed: dict[str, list[Path]] = {}  # "<lang>/<split>.tsv" -> clips it lists
    rewrite_tsvs: list[Path] = []
    for lang in found:
        for split in splits:
            tsv = root / lang / f"{split}.tsv"
            if not tsv.is_file():
                raise CorpusNotFoundError(f"commonvoice: expected the {split} list at {tsv}, but it does not exist")
            columns, rows = _read_tsv(tsv)
            absent = [c for c in _REQUIRED if c not in columns]
            if absent:
                raise CorpusFormatError(f"commonvoice: {tsv} lacks the column(s) {', '.join(absent)}")
            if any(c not in columns for c in _OPTIONAL):
                rewrite_tsvs.append(tsv)
            clips = [root / lang / "clips" / row["path"] for row in rows if row.get("path")]
            listed[f"{lang}/{split}.tsv"] = clips
            audio.extend(clips)
    good, skipped = scan_audio(sorted(audio), num_jobs, desc="Checking clips")
    ensure_usable(CORPUS, {name: sum(c in good for c in clips) for name, clips in listed.items()}, skipped,
                  "leave it out with --languages / --splits")

    def add_missing_columns(view: Path) -> None:
        # Older releases lack columns the recipe reads; give it empty ones.
        for tsv in rewrite_tsvs:
            columns, rows = _read_tsv(tsv)
            full = columns + [c for c in _OPTIONAL if c not in columns]
            lines = ["\t".join(full)] + ["\t".join(row.get(c) or "" for c in full) for row in rows]
            replace_in_view(view / tsv.relative_to(root), "\n".join(lines) + "\n")

    # The recipe skips clips that are not there, so hiding the bad ones is enough.
    with corpus_view(
        root, exclude=[s.path for s in skipped], include_top=found,
        rewrite=add_missing_columns if rewrite_tsvs else None,
    ) as view, tempfile.TemporaryDirectory(prefix="speech-cv-") as lhotse_out:
        # The recipe insists on writing its own manifests: let it, somewhere we then delete.
        result = run_recipe(
            CORPUS, lhotse_prepare, view, output_dir=lhotse_out, languages=found,
            splits=list(splits), num_jobs=num_jobs,
        )
        per_split: dict[str, list] = {split: [] for split in splits}
        for lang, lang_manifests in result.items():

            def convert(sup: SupervisionSegment, code: str = codes[lang]) -> SupervisionSegment:
                custom = sup.custom or {}
                return make_supervision(
                    id=sup.id, recording_id=sup.recording_id, duration=sup.duration, text=sup.text,
                    language=code, speaker=f"{CORPUS}_{sup.speaker}", gender=_gender(sup.gender),
                    corpus=CORPUS, age=custom.get("age") or None, accents=custom.get("accents") or None,
                    variant=custom.get("variant") or None,
                )

            for split, m in lang_manifests.items():
                recs = rebase_recordings(m["recordings"], view, root)
                per_split[split].append((recs, convert_supervisions(m["supervisions"], convert)))
    merged = {split: merge_manifests(CORPUS, parts) for split, parts in per_split.items() if parts}
    return finish(CORPUS, Path(out_dir), merged, skipped)
