"""What every corpus module shares: errors, the audio probe, the filtered corpus view, and saving.

A corpus module (one per corpus, see :mod:`speech.data.corpora`) does four things:

1. check the layout it expects and fail with a message that names the path and the file it wanted
   (:func:`check_corpus_dir`, :func:`require_file`);
2. probe every audio file the preparation will read (:func:`scan_audio`). Corrupt, empty, truncated
   or missing files are *skipped and counted*, never fatal;
3. run the preparation: lhotse's own recipe where one exists, on a :func:`corpus_view` that hides
   the bad files (lhotse recipes stop at the first unreadable file), or the module's own parser;
4. map every supervision onto the :mod:`speech.data.manifests` convention and hand all splits to
   :func:`finish`, which validates everything first and only then writes (atomically), so a failed
   run leaves no half-written manifests behind.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from speech.errors import SpeechError
from speech.fileio import atomic_write_text

if TYPE_CHECKING:  # lhotse pulls in torch; import it only where it is used
    from lhotse import Recording, RecordingSet, SupervisionSegment, SupervisionSet

logger = logging.getLogger(__name__)

# Formats libsndfile can seek in: for these the probe also decodes the last frames, which catches
# files cut short by an interrupted download or extraction.
_SEEKABLE_SUFFIXES = frozenset({".wav", ".flac", ".ogg"})
_BACKEND_PREFIX = re.compile(r"^Exception #\d+ \(<class '[^']*'>\): (<class '[^']*'>: )?")


class UnknownCorpusError(SpeechError, ValueError):
    """A corpus name that :mod:`speech.data.corpora` does not know."""


class CorpusOptionError(SpeechError, ValueError):
    """An option that a corpus does not take, or a value it does not accept."""


class CorpusNotFoundError(SpeechError, FileNotFoundError):
    """A corpus directory, or a file the corpus layout requires, does not exist."""


class CorpusReadError(SpeechError, PermissionError):
    """A corpus directory or file exists but cannot be read."""


class CorpusFormatError(SpeechError, ValueError):
    """Corpus metadata that does not have the expected format, or a corpus with no usable data."""


@dataclass(frozen=True)
class SkippedItem:
    """One input left out of the manifests, and why.

    Attributes:
        path: the audio file (or metadata file) that was skipped.
        reason: a short human-readable reason (``"corrupt: ..."``, ``"empty: 0 bytes"``...).
    """

    path: Path
    reason: str


@dataclass(frozen=True)
class SplitManifests:
    """The manifests of one prepared split and where they were written."""

    recordings: RecordingSet
    supervisions: SupervisionSet
    recordings_path: Path
    supervisions_path: Path


@dataclass(frozen=True)
class PreparedCorpus:
    """What a ``prepare_<corpus>`` function returns.

    Attributes:
        corpus: the corpus name (prefix of the manifest files and of speaker ids).
        out_dir: where the manifests were written.
        splits: split name (``train``, ``dev``, ``test``, ``all``...) to its manifests.
        skipped: every audio file (or metadata line) left out, with the reason.
    """

    corpus: str
    out_dir: Path
    splits: Mapping[str, SplitManifests]
    skipped: tuple[SkippedItem, ...] = field(default_factory=tuple)

    @property
    def num_utterances(self) -> int:
        """Supervisions over all splits."""
        return sum(len(s.supervisions) for s in self.splits.values())

    @property
    def speakers(self) -> set[str]:
        """Speaker ids over all splits."""
        return {sup.speaker for s in self.splits.values() for sup in s.supervisions}

    @property
    def languages(self) -> set[str]:
        """Canonical language codes over all splits."""
        return {sup.language for s in self.splits.values() for sup in s.supervisions}

    def summary(self) -> str:
        """A few lines for the CLI and the log: splits, counts, and what was skipped."""
        lines = [f"{self.corpus}: {self.num_utterances} utterances, {len(self.speakers)} speakers, "
                 f"languages {', '.join(sorted(self.languages))} -> {self.out_dir}"]
        for name, split in self.splits.items():
            seconds = sum(s.duration for s in split.supervisions)
            lines.append(f"  {name}: {len(split.supervisions)} utterances, {seconds / 3600:.2f} h ({seconds:.0f} s)")
        if self.skipped:
            lines.append(f"  skipped {len(self.skipped)} unusable audio files or metadata lines "
                         f"(listed in {skipped_path(self.out_dir, self.corpus)}):")
            lines.extend(f"    {item.path}: {item.reason}" for item in self.skipped[:10])
            if len(self.skipped) > 10:
                lines.append(f"    ... and {len(self.skipped) - 10} more")
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# Layout checks


def check_corpus_dir(src_dir: str | os.PathLike[str], corpus: str, expected: str) -> Path:
    """Return ``src_dir`` as an absolute path after checking it is a readable directory.

    Args:
        src_dir: the corpus directory given by the user.
        corpus: corpus name, for the message.
        expected: what the directory should hold, e.g. ``"metadata.csv and wavs/"``.

    Raises:
        CorpusNotFoundError: it does not exist or is not a directory.
        CorpusReadError: it cannot be listed.
    """
    path = Path(src_dir).expanduser().absolute()
    if not path.exists():
        raise CorpusNotFoundError(f"{corpus}: corpus directory not found: {path} (expected a folder with {expected})")
    if not path.is_dir():
        raise CorpusNotFoundError(f"{corpus}: {path} is not a directory (expected a folder with {expected})")
    try:
        next(os.scandir(path), None)
    except PermissionError as e:
        raise CorpusReadError(f"{corpus}: cannot read corpus directory {path}: {e.strerror}") from e
    return path


def require_file(path: Path, corpus: str, what: str) -> Path:
    """Check that a file the layout requires exists and is readable; return it.

    Raises:
        CorpusNotFoundError: it is missing (the message names the path and what it should be).
        CorpusReadError: it exists but cannot be opened.
    """
    if not path.is_file():
        raise CorpusNotFoundError(
            f"{corpus}: expected {what} at {path}, but it does not exist. Is --src the corpus root?"
        )
    if not os.access(path, os.R_OK):
        raise CorpusReadError(f"{corpus}: cannot read {path} ({what})")
    return path


def require_dir(path: Path, corpus: str, what: str) -> Path:
    """Like :func:`require_file` for a directory."""
    if not path.is_dir():
        raise CorpusNotFoundError(
            f"{corpus}: expected {what} at {path}, but it does not exist. Is --src the corpus root?"
        )
    if not os.access(path, os.R_OK | os.X_OK):
        raise CorpusReadError(f"{corpus}: cannot read {path} ({what})")
    return path


def read_text_file(path: Path, corpus: str, encodings: Sequence[str] = ("utf-8-sig",)) -> str:
    """Read a metadata file, trying ``encodings`` in order.

    Raises:
        CorpusFormatError: no encoding decodes it.
    """
    data = path.read_bytes()
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CorpusFormatError(f"{corpus}: {path} is not text in any of {', '.join(encodings)}")


# --------------------------------------------------------------------------------------------------
# Audio probe


def _wav_truncation(path: Path, file_size: int) -> str | None:
    """Compare a RIFF/WAVE header's declared data size with the bytes actually present.

    libsndfile silently shortens a truncated WAV to what is there, so its frame count alone cannot
    tell; the header still says how much there should be.
    """
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
            return None
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                return None
            size = int.from_bytes(chunk[4:], "little")
            if chunk[:4] == b"data":
                available = file_size - f.tell()
                # 0 and 0xFFFFFFFF are "unknown size" markers written by streaming encoders / RF64.
                if size not in (0, 0xFFFFFFFF) and size > available:
                    return f"truncated: header declares {size} bytes of audio, file holds {available}"
                return None
            f.seek(size + (size & 1), os.SEEK_CUR)


def _loading_error_summary(error: Exception) -> str:
    """The useful line of a lhotse ``AudioLoadingError`` (the first backend's own message)."""
    lines = [ln.strip() for ln in str(error).splitlines() if ln.strip()]
    for line in lines:
        if line.startswith("Exception #"):
            # "Exception #0 (<class 'Backend'>): <class 'LibsndfileError'>: Error opening ...": keep the end
            return _BACKEND_PREFIX.sub("", line)[:200]
    return (lines[0] if lines else type(error).__name__)[:200]


def probe_audio(path: str | os.PathLike[str]) -> tuple[Recording | None, str | None]:
    """Check that an audio file can be used; return its lhotse :class:`~lhotse.Recording` or why not.

    The probe reads what lhotse's recipes read (``Recording.from_file``), so a file that passes
    cannot stop a recipe, and additionally catches empty and truncated files.

    Args:
        path: an audio file.

    Returns:
        ``(recording, None)`` for a usable file, ``(None, reason)`` otherwise.
    """
    from lhotse import Recording

    p = Path(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        return None, "missing: listed in the corpus metadata but not on disk"
    except OSError as e:
        return None, f"unreadable: {e.strerror}"
    if size == 0:
        return None, "empty: 0 bytes"
    try:
        recording = Recording.from_file(p)
    except Exception as e:  # lhotse's backends raise many types; all mean "unusable"
        return None, f"corrupt: {_loading_error_summary(e)}"
    if recording.num_samples <= 0 or recording.duration <= 0:
        return None, "empty: no audio samples"
    suffix = p.suffix.lower()
    try:
        if suffix == ".wav":
            problem = _wav_truncation(p, size)
            if problem:
                return None, problem
        if suffix in _SEEKABLE_SUFFIXES:
            import soundfile as sf

            with sf.SoundFile(str(p)) as f:
                tail = min(f.frames, 256)
                f.seek(f.frames - tail)
                if len(f.read(tail)) < tail:
                    return None, "truncated: fewer samples than the header declares"
    except Exception as e:  # decoding errors come from libsndfile as several types
        return None, f"corrupt: cannot decode the end of the file ({e})"
    return recording, None


def scan_audio(
    paths: Iterable[Path],
    num_jobs: int = 1,
    desc: str = "Checking audio",
) -> tuple[dict[Path, Recording], list[SkippedItem]]:
    """Probe many audio files in parallel threads (I/O bound), with a progress bar.

    Returns:
        ``(good, skipped)``: usable files with their recordings, and the skipped ones with reasons.
    """
    from tqdm.auto import tqdm

    unique = list(dict.fromkeys(paths))
    good: dict[Path, Recording] = {}
    skipped: list[SkippedItem] = []
    with ThreadPoolExecutor(max_workers=max(1, num_jobs)) as pool:
        results = pool.map(probe_audio, unique)
        for path, (recording, reason) in tqdm(
            zip(unique, results), total=len(unique), desc=desc, unit="file", leave=False,
            disable=len(unique) < 100,
        ):
            if recording is None:
                skipped.append(SkippedItem(path, reason or "unusable"))
            else:
                good[path] = recording
    for item in skipped:
        logger.warning("skipping %s (%s)", item.path, item.reason)
    return good, skipped


def ensure_usable(corpus: str, usable: Mapping[str, int], skipped: Sequence[SkippedItem], hint: str = "") -> None:
    """Fail early, with a clear message, when a unit a lhotse recipe prepares has no usable audio.

    lhotse's recipes assert that every part they prepare keeps at least one recording; this says
    which part is empty, and why, before they get there.

    Args:
        corpus: corpus name, for the message.
        usable: part (as the user would recognise it, e.g. ``"mls_german/dev"``) -> number of
            utterances whose audio passed the probe.
        skipped: what the probe skipped.
        hint: what the user can do about an empty part (e.g. ``"leave it out with --parts"``).

    Raises:
        CorpusFormatError: no part, or one part, has no usable utterance.
    """
    if not any(usable.values()):
        raise CorpusFormatError(
            f"{corpus}: no usable utterances found ({len(skipped)} files skipped). "
            "Check that --src is the corpus root and that its audio is readable."
        )
    empty = [part for part, n in usable.items() if n == 0]
    if empty:
        raise CorpusFormatError(
            f"{corpus}: no usable audio in {', '.join(empty)} ({len(skipped)} files skipped in all)"
            + (f"; {hint}" if hint else "")
        )


# --------------------------------------------------------------------------------------------------
# A view of the corpus without the bad files, for lhotse's recipes


@contextmanager
def corpus_view(
    root: Path,
    exclude: Iterable[Path] = (),
    include_top: Iterable[str] | None = None,
    rewrite: Callable[[Path], None] | None = None,
) -> Iterator[Path]:
    """Yield a directory that looks like ``root`` minus the ``exclude`` files.

    lhotse's recipes read every file they find or are told about and stop at the first one they
    cannot read. Rather than re-writing those recipes, they run on a mirror of the corpus: real
    directories, symlinked files, the bad ones left out, and metadata rewritten by ``rewrite`` where
    a recipe would otherwise fail on a missing file. Nothing is copied, and nothing in ``root`` is
    touched. When there is nothing to hide, ``root`` itself is yielded.

    Args:
        root: the corpus directory.
        exclude: files under ``root`` to leave out.
        include_top: names of the top-level entries to mirror (default: all).
        rewrite: called with the mirror root after it is built, to replace metadata files (they are
            symlinks: unlink before writing).
    """
    excluded = {Path(p).absolute() for p in exclude}
    if not excluded and include_top is None and rewrite is None:
        yield root
        return
    top = None if include_top is None else set(include_top)
    with tempfile.TemporaryDirectory(prefix="speech-corpus-view-") as tmp:
        mirror = Path(tmp) / root.name
        mirror.mkdir()
        for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
            rel = Path(dirpath).relative_to(root)
            if rel == Path(".") and top is not None:
                dirnames[:] = [d for d in dirnames if d in top]
                filenames = [f for f in filenames if f in top]
            target = mirror / rel
            target.mkdir(exist_ok=True)
            for d in dirnames:
                (target / d).mkdir(exist_ok=True)
            for name in filenames:
                src = Path(dirpath) / name
                if src in excluded:
                    continue
                os.symlink(src, target / name)
        if rewrite is not None:
            rewrite(mirror)
        yield mirror


def replace_in_view(path: Path, text: str) -> None:
    """Replace a (symlinked) file inside a :func:`corpus_view` mirror by ``text``."""
    path.unlink()
    path.write_text(text, encoding="utf-8")


def rebase_recordings(recordings: RecordingSet, old_root: Path, new_root: Path) -> RecordingSet:
    """Point file sources recorded under ``old_root`` (a view) back to the real corpus ``new_root``."""
    from lhotse import RecordingSet
    from lhotse.utils import fastcopy

    if old_root == new_root:
        return recordings
    old, new = str(old_root), str(new_root)

    def rebase(rec: Recording) -> Recording:
        sources = [
            fastcopy(s, source=new + s.source[len(old):])
            if s.type == "file" and s.source.startswith(old) else s
            for s in rec.sources
        ]
        return fastcopy(rec, sources=sources)

    return RecordingSet.from_recordings(rebase(r) for r in recordings)


def run_recipe(corpus: str, recipe: Callable[..., Any], corpus_dir: Path, **kwargs: Any) -> Any:
    """Call a lhotse recipe, turning its assertion / parsing failures into :class:`CorpusFormatError`.

    lhotse checks its inputs with ``assert`` and unpacks metadata lines without checks; the layout
    was already checked here, so what is left is malformed metadata, which deserves a clear message.
    """
    try:
        return recipe(corpus_dir, **kwargs)
    except SpeechError:
        raise
    except (AssertionError, ValueError, KeyError, IndexError, UnicodeDecodeError) as e:
        raise CorpusFormatError(
            f"{corpus}: lhotse's {recipe.__name__} could not parse the corpus metadata "
            f"({type(e).__name__}: {e}). Check the files under the corpus directory."
        ) from e


# --------------------------------------------------------------------------------------------------
# Building and saving our manifests


def convert_supervisions(
    supervisions: Iterable[SupervisionSegment],
    convert: Callable[[SupervisionSegment], SupervisionSegment | None],
) -> SupervisionSet:
    """Apply ``convert`` to every supervision; ``None`` drops it."""
    from lhotse import SupervisionSet

    return SupervisionSet.from_segments(s for s in map(convert, supervisions) if s is not None)


def merge_manifests(
    corpus: str, parts: Sequence[tuple[RecordingSet, SupervisionSet]]
) -> tuple[RecordingSet, SupervisionSet]:
    """Concatenate manifests (e.g. several languages of one split); ids must stay unique."""
    from lhotse import RecordingSet, SupervisionSet

    recordings: dict[str, Recording] = {}
    supervisions: dict[str, SupervisionSegment] = {}
    for recs, sups in parts:
        for rec in recs:
            if rec.id in recordings:
                raise CorpusFormatError(f"{corpus}: recording id {rec.id!r} occurs twice ({rec.sources[0].source})")
            recordings[rec.id] = rec
        for sup in sups:
            if sup.id in supervisions:
                raise CorpusFormatError(f"{corpus}: utterance id {sup.id!r} occurs twice")
            supervisions[sup.id] = sup
    return RecordingSet.from_recordings(recordings.values()), SupervisionSet.from_segments(supervisions.values())


def skipped_path(out_dir: Path, corpus: str) -> Path:
    """Where :func:`finish` lists the skipped files of a corpus."""
    return Path(out_dir) / f"{corpus}_skipped.tsv"


def finish(
    corpus: str,
    out_dir: str | os.PathLike[str],
    splits: Mapping[str, tuple[RecordingSet, SupervisionSet]],
    skipped: Sequence[SkippedItem] = (),
) -> PreparedCorpus:
    """Validate every split, then write them all (atomically) and report what was skipped.

    Recordings without a supervision (and the reverse) are dropped first, as lhotse's
    ``fix_manifests`` does. Nothing is written unless every split validates, so an error leaves the
    output directory as it was.

    Raises:
        CorpusFormatError: no utterance is left in any split.
    """
    from lhotse.qa import fix_manifests, validate_recordings_and_supervisions

    from speech.data.manifests import manifest_paths, save_manifests

    out = Path(out_dir).expanduser().absolute()
    skipped = list(skipped)
    fixed: dict[str, tuple[RecordingSet, SupervisionSet]] = {}
    for name, (recs, sups) in splits.items():
        # An utterance without text teaches nothing to TTS, ASR or SLU: leave it out, but say so.
        empty = [s for s in sups if not (s.text or "").strip()]
        if empty:
            skipped.extend(
                SkippedItem(Path(recs[s.recording_id].sources[0].source) if s.recording_id in recs else Path(s.id),
                            "empty transcript")
                for s in empty
            )
            sups = sups.filter(lambda s: bool((s.text or "").strip()))
        if len(sups) == 0:
            logger.warning("%s: split %r has no usable utterances; not written", corpus, name)
            continue
        recs, sups = fix_manifests(recs, sups)
        validate_recordings_and_supervisions(recs, sups)
        fixed[name] = (recs, sups)
    if not fixed:
        raise CorpusFormatError(
            f"{corpus}: no usable utterances found ({len(skipped)} files skipped). "
            "Check that --src is the corpus root and that its audio is readable."
        )
    written: dict[str, SplitManifests] = {}
    for name, (recs, sups) in fixed.items():
        save_manifests(recs, sups, out, corpus, name, validate=False)
        written[name] = SplitManifests(recs, sups, *manifest_paths(out, corpus, name))
    report = skipped_path(out, corpus)
    if skipped:
        lines = ["path\treason"] + [f"{item.path}\t{item.reason}" for item in skipped]
        atomic_write_text(report, "\n".join(lines) + "\n")
        logger.warning("%s: skipped %d unusable audio files or metadata lines; see %s", corpus, len(skipped), report)
    elif report.exists():
        report.unlink()  # stale list from an earlier run
    result = PreparedCorpus(corpus, out, written, tuple(skipped))
    logger.info("%s", result.summary())
    return result
