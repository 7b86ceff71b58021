"""CSS10: ten single-speaker audiobook corpora (LibriVox), one per language, 22,050 Hz.

German, Greek, Spanish, Finnish, French, Hungarian, Japanese, Dutch, Russian and Chinese.
Licence: CC0 (audio from LibriVox, public domain). URL: https://github.com/Kyubyong/css10

Layout (one folder per language, named after the language or its code)::

    css10/
        german/                             # or de/, de_de/
            transcript.txt
                # achtgesichterambiwasse/achtgesichterambiwasse_0000.wav|original|normalized|duration
            achtgesichterambiwasse/achtgesichterambiwasse_0000.wav
        japanese/ ...

``--src`` may also be one language folder (with ``transcript.txt``); its language then comes from
the folder name or ``language``.

No lhotse recipe exists; this module parses it. Output: one split, ``all``, all languages
together; speakers ``css10_<code>`` (one reader per language); ``text`` is the original script
and ``custom["normalized_text"]`` the normalised one (romanised for Japanese and Chinese).
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
    finish,
    read_text_file,
    scan_audio,
)
from speech.data.manifests import make_supervision

if TYPE_CHECKING:
    from lhotse import Recording

CORPUS = "css10"
# CSS10 language -> canonical code. Folder names seen in the wild: the English name, the code,
# and <code>_<region> (de_de, zh_cn...).
LANGUAGES: dict[str, str] = {
    "german": "de", "greek": "el", "spanish": "es", "finnish": "fi", "french": "fr",
    "hungarian": "hu", "japanese": "ja", "dutch": "nl", "russian": "ru", "chinese": "cmn",
}
_FOLDER_NAMES: dict[str, str] = (
    {name: code for name, code in LANGUAGES.items()}
    | {code: code for code in LANGUAGES.values()}
    | {"zh": "cmn"}
    | {f"{c}_{r}": code for c, r, code in [
        ("de", "de", "de"), ("el", "gr", "el"), ("es", "es", "es"), ("fi", "fi", "fi"), ("fr", "fr", "fr"),
        ("hu", "hu", "hu"), ("ja", "jp", "ja"), ("nl", "nl", "nl"), ("ru", "ru", "ru"), ("zh", "cn", "cmn"),
    ]}
)


def language_of_folder(name: str) -> str | None:
    """Canonical code of a CSS10 language folder name, or ``None``."""
    return _FOLDER_NAMES.get(name.strip().lower().replace("-", "_"))


def _language_dirs(src: Path, language: str | None, languages: Sequence[str] | None) -> dict[Path, str]:
    if (src / "transcript.txt").is_file():  # one language folder
        code = language_of_folder(language) if language else language_of_folder(src.name)
        if code is None:
            raise CorpusOptionError(
                f"css10: cannot tell the language of {src} from its name; pass language= one of "
                f"{', '.join(LANGUAGES)}"
            )
        return {src: code}
    found = {d: language_of_folder(d.name) for d in sorted(src.iterdir()) if d.is_dir() and (d / "transcript.txt").is_file()}
    found = {d: code for d, code in found.items() if code is not None}
    if not found:
        raise CorpusNotFoundError(
            f"css10: no language folder with transcript.txt found in {src}; expected e.g. "
            f"{src / 'german' / 'transcript.txt'}"
        )
    if languages is not None:
        wanted = {language_of_folder(lang) or lang for lang in languages}
        absent = wanted - set(found.values())
        if absent:
            raise CorpusNotFoundError(f"css10: language(s) {', '.join(sorted(absent))} not found in {src}")
        found = {d: code for d, code in found.items() if code in wanted}
    return found


def prepare_css10(
    src_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    languages: Sequence[str] | None = None,
    language: str | None = None,
    num_jobs: int = 1,
) -> PreparedCorpus:
    """Prepare CSS10 as ``css10_{recordings,supervisions}_all.jsonl.gz``.

    Args:
        src_dir: the folder of language folders, or one language folder.
        out_dir: where to write the manifests.
        languages: languages to prepare (names or codes; default: all present).
        language: the language of ``src_dir`` when it is one folder whose name does not say it.
        num_jobs: threads that check the audio files.

    Returns:
        The prepared manifests and the skipped audio files and transcript lines.
    """
    from lhotse import RecordingSet, SupervisionSet

    src = check_corpus_dir(src_dir, CORPUS, "language folders (german/, japanese/...) each with transcript.txt")
    skipped: list[SkippedItem] = []
    # (wav, code, original text, normalized text)
    items: list[tuple[Path, str, str, str]] = []
    for lang_dir, code in _language_dirs(src, language, languages).items():
        transcript = lang_dir / "transcript.txt"
        for n, line in enumerate(read_text_file(transcript, CORPUS).splitlines(), 1):
            if not line.strip():
                continue
            fields = line.split("|")
            if len(fields) < 3 or not fields[0].strip() or not fields[1].strip():
                skipped.append(SkippedItem(
                    transcript, f"line {n}: expected 'path|original|normalized|duration', got {line[:60]!r}"
                ))
                continue
            items.append((lang_dir / fields[0].strip(), code, fields[1].strip(), fields[2].strip()))
    good, bad_audio = scan_audio([item[0] for item in items], num_jobs)
    skipped += bad_audio

    recordings: list[Recording] = []
    supervisions = []
    for wav, code, original, normalized in items:
        probed = good.get(wav)
        if probed is None:
            continue
        # Book-based file names could repeat across languages: the language makes ids unique.
        rec_id = f"{CORPUS}_{code}_{wav.stem}"
        recording = _with_id(probed, rec_id)
        recordings.append(recording)
        supervisions.append(make_supervision(
            id=rec_id, recording_id=rec_id, duration=recording.duration, text=original,
            language=code, speaker=f"{CORPUS}_{code}", corpus=CORPUS,
            normalized_text=normalized if normalized != original else None,
        ))
    splits = {"all": (RecordingSet.from_recordings(recordings), SupervisionSet.from_segments(supervisions))}
    return finish(CORPUS, Path(out_dir), splits, skipped)


def _with_id(recording: Recording, rec_id: str) -> Recording:
    from lhotse.utils import fastcopy

    return fastcopy(recording, id=rec_id)
