"""Asterisk core sounds: studio-recorded telephone prompts, one professional voice per language.

The Debian packages ``asterisk-core-sounds-{en,es,fr,it,ru}-wav`` install 8 kHz, 16-bit mono WAV
prompts (about 0.5 h per language); the transcripts ship in ``asterisk-core-sounds-XX``
(``/usr/share/doc/asterisk-core-sounds-XX/core-sounds-XX.txt.gz``). Licence: CC BY-SA 3.0
(Digium). URL: https://downloads.asterisk.org/pub/telephony/sounds/

Layout::

    /usr/share/asterisk/sounds/             # --src
        en_US_f_Allison/                    # <language>_<region>_<gender>_<voice name>
            agent-pass.wav                  # "agent-pass: Please enter your password ..."
            digits/1.wav                    # "digits/1: one"
        es_MX_f_Allison/  fr_CA_f_June/  it_IT_m_Carlo/  ru_RU_f_IvrvoiceRU/
        en -> ..., en_US -> ...             # alternatives symlinks: skipped, the voice folders are read
    /usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz   # "<prompt>: <text>" per line

Upstream tarballs put ``core-sounds-XX.txt`` inside the voice folder; that is looked for first.

Output: one split, ``all``. Speaker ``asterisk_<name>`` from the folder (``asterisk_allison``
speaks both the en and the es prompts, as the folder names say; her resemblyzer centroids of the
two languages score 0.83-0.89 cosine, against 0.70-0.86 between different voices and 0.97-0.98
within one folder); gender from the folder name; language ``en-us`` for en_US and the bare
language otherwise (es_MX -> ``es``, fr_CA -> ``fr``; the region stays in ``custom["locale"]``).
``custom`` also notes ``sample_rate: 8000`` (telephone band: nothing above 4 kHz), the prompt name
and the voice folder.

Prompts that are not speech (``[ascending tones]``, ``(beep)``), and transcripts with an editor's
note in brackets inside the sentence (``... il nostro (enfatico) glorioso ...``), are skipped and
listed, since their text is not what was said; a bracketed symbol after the word spoken
(``dash [-]``) is dropped. The Spanish transcripts are written without accents (``numero``,
``contrasena``): a judge that writes ``número`` is charged for it.
"""

from __future__ import annotations

import gzip
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
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

CORPUS = "asterisk"
#: Where Debian installs the transcripts (one package per language).
DEBIAN_DOC_DIR = Path("/usr/share/doc")
SAMPLE_RATE = 8000
_VOICE_DIR = re.compile(r"^(?P<lang>[a-z]{2})_(?P<region>[A-Z]{2})_(?P<gender>[fm])_(?P<name>\w+)$")
# Text that is entirely a note: [ascending tones], <beep ascending>, (beep).
_NON_SPEECH = re.compile(r"^\s*[\[<(][^\])>]*[\])>]\s*$")
# A bracket holding no letter or digit: the symbol of a spoken word ("dash [-]", "at [@]").
_SYMBOL_NOTE = re.compile(r"\s*[\[(<][^\w\])>]*[\])>]")
_BRACKETS = frozenset("[]()<>")


@dataclass(frozen=True)
class AsteriskVoice:
    """One voice folder of the sounds directory.

    Attributes:
        path: the folder.
        language: canonical code (``en-us``, ``es``...).
        locale: the folder's ``<language>_<region>`` (``es_MX``).
        gender: ``"f"`` or ``"m"``.
        speaker: ``asterisk_<name>``.
    """

    path: Path
    language: str
    locale: str
    gender: str
    speaker: str


def find_voices(src: Path) -> list[AsteriskVoice]:
    """The voice folders under ``src`` (or ``src`` itself when it is one), sorted by name.

    Symlinked folders (Debian's ``en``, ``en_US`` alternatives) are skipped: they point at the
    voice folders, which would otherwise be read twice.
    """
    candidates = [src] if _VOICE_DIR.match(src.name) else sorted(
        d for d in src.iterdir() if d.is_dir() and not d.is_symlink()
    )
    voices = []
    for d in candidates:
        m = _VOICE_DIR.match(d.name)
        if m is None:
            continue
        lang, region = m["lang"], m["region"]
        voices.append(AsteriskVoice(
            path=d, language="en-us" if (lang, region) == ("en", "US") else lang, locale=f"{lang}_{region}",
            gender=m["gender"], speaker=f"{CORPUS}_{m['name'].lower()}",
        ))
    return voices


def transcript_file(voice: AsteriskVoice, transcripts_dir: Path | None = None) -> Path:
    """Where ``core-sounds-XX.txt`` (or ``.txt.gz``) of a voice's language is.

    Looked for in ``transcripts_dir``, the voice folder, its parent, and Debian's doc folder.

    Raises:
        CorpusNotFoundError: none of them has it (names the Debian package that ships it).
    """
    lang = voice.locale.split("_")[0]
    folders = [transcripts_dir] if transcripts_dir is not None else []
    folders += [voice.path, voice.path.parent, DEBIAN_DOC_DIR / f"asterisk-core-sounds-{lang}"]
    for folder in folders:
        for name in (f"core-sounds-{lang}.txt", f"core-sounds-{lang}.txt.gz"):
            if (folder / name).is_file():
                return folder / name
    raise CorpusNotFoundError(
        f"{CORPUS}: expected the transcripts core-sounds-{lang}.txt(.gz) of {voice.path} in "
        f"{', '.join(str(f) for f in folders)}; install the Debian package asterisk-core-sounds-{lang} "
        f"(apt-get install asterisk-core-sounds-{lang}) or pass transcripts_dir"
    )


def read_transcripts(path: Path) -> tuple[dict[str, str], list[SkippedItem]]:
    """``prompt -> text`` of one ``core-sounds-XX.txt``; lines that are not ``name: text`` are skipped."""
    if path.suffix == ".gz":
        text = gzip.decompress(path.read_bytes()).decode("utf-8-sig")
    else:
        text = read_text_file(path, CORPUS)
    prompts: dict[str, str] = {}
    skipped: list[SkippedItem] = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip().lstrip("\ufeff")
        if not line or line.startswith(";"):
            continue
        key, sep, value = line.partition(":")
        key = key.strip()
        if not sep or not key or " " in key:
            skipped.append(SkippedItem(path, f"line {n}: expected 'prompt: text', got {line[:60]!r}"))
            continue
        value = value.strip()
        # One Russian line repeats its key ("conf-adminmenu: conf-adminmenu: ...").
        value = value.removeprefix(f"{key}:").strip()
        prompts[key] = value
    return prompts, skipped


def clean_transcript(text: str) -> tuple[str | None, str | None]:
    """The spoken text of a transcript, or ``(None, why)`` when it is not a faithful one."""
    if not text.strip():
        return None, "empty transcript"
    if _NON_SPEECH.match(text):
        return None, f"not speech: {text[:40]!r}"
    spoken = " ".join(_SYMBOL_NOTE.sub("", text).split())
    if any(c in _BRACKETS for c in spoken):
        return None, f"editor's note in the transcript: {text[:60]!r}"
    if not any(c.isalnum() for c in spoken):
        return None, f"no words in the transcript: {text[:40]!r}"
    return spoken, None


def _prompt_files(voice: AsteriskVoice) -> dict[str, Path]:
    """``prompt name -> wav`` of a voice folder (``digits/1`` for ``digits/1.wav``)."""
    return {
        p.relative_to(voice.path).with_suffix("").as_posix(): p
        for p in sorted(voice.path.rglob("*.wav"))
        if not p.name.startswith(".")
    }


def prepare_asterisk(
    src_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    languages: Sequence[str] | None = None,
    transcripts_dir: str | os.PathLike[str] | None = None,
    num_jobs: int = 1,
) -> PreparedCorpus:
    """Prepare the Asterisk prompts as ``asterisk_{recordings,supervisions}_all.jsonl.gz``.

    Args:
        src_dir: the sounds folder (``/usr/share/asterisk/sounds``) or one voice folder in it.
        out_dir: where to write the manifests.
        languages: languages to prepare (``en``, ``es``...; default: every voice folder found).
        transcripts_dir: a folder holding ``core-sounds-XX.txt(.gz)`` (default: next to the audio,
            then Debian's ``/usr/share/doc/asterisk-core-sounds-XX``).
        num_jobs: threads that check the audio files.

    Returns:
        The prepared manifests and the skipped prompts (no transcript, not speech, bad audio).
    """
    from lhotse import RecordingSet, SupervisionSet
    from lhotse.utils import fastcopy

    src = check_corpus_dir(src_dir, CORPUS, "voice folders such as en_US_f_Allison/ with WAV prompts")
    voices = find_voices(src)
    if not voices:
        raise CorpusNotFoundError(
            f"{CORPUS}: no voice folder (<language>_<REGION>_<f|m>_<Name>, e.g. en_US_f_Allison) in {src}; "
            "expected the folder the Debian packages asterisk-core-sounds-XX-wav install, /usr/share/asterisk/sounds"
        )
    if languages is not None:
        wanted = {lang.strip().lower().split("-")[0].split("_")[0] for lang in languages}
        found = {v.locale.split("_")[0] for v in voices}
        if wanted - found:
            raise CorpusOptionError(
                f"{CORPUS}: language(s) {', '.join(sorted(wanted - found))} not in {src} (found: {', '.join(sorted(found))})"
            )
        voices = [v for v in voices if v.locale.split("_")[0] in wanted]
    extra_dir = Path(transcripts_dir) if transcripts_dir is not None else None

    skipped: list[SkippedItem] = []
    items: list[tuple[AsteriskVoice, str, Path, str]] = []  # voice, prompt, wav, text
    for voice in voices:
        prompts, bad_lines = read_transcripts(transcript_file(voice, extra_dir))
        skipped += bad_lines
        # A few names differ only in case between the audio and the transcripts (digits/1F, 1f).
        by_lower = {k.lower(): k for k in prompts}
        for name, wav in _prompt_files(voice).items():
            key = name if name in prompts else by_lower.get(name.lower())
            if key is None:
                skipped.append(SkippedItem(wav, "no transcript for this prompt"))
                continue
            text, why = clean_transcript(prompts[key])
            if text is None:
                skipped.append(SkippedItem(wav, why or "unusable transcript"))
                continue
            items.append((voice, name, wav, text))
    good, bad_audio = scan_audio([item[2] for item in items], num_jobs)
    skipped += bad_audio

    recordings: list[Recording] = []
    supervisions = []
    for voice, name, wav, text in items:
        probed = good.get(wav)
        if probed is None:
            continue
        rec_id = f"{CORPUS}_{voice.locale}_{name.replace('/', '_')}"
        recording = fastcopy(probed, id=rec_id)
        recordings.append(recording)
        supervisions.append(make_supervision(
            id=rec_id, recording_id=rec_id, duration=recording.duration, text=text,
            language=voice.language, speaker=voice.speaker, gender=voice.gender, corpus=CORPUS,
            locale=voice.locale, voice=voice.path.name, prompt=name, sample_rate=recording.sampling_rate,
        ))
    splits = {"all": (RecordingSet.from_recordings(recordings), SupervisionSet.from_segments(supervisions))}
    return finish(CORPUS, Path(out_dir), splits, skipped)
