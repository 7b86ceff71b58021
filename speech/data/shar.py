"""Export a corpus as lhotse Shar shards, the format that streams data to many GPUs or nodes.

A Shar directory holds, per shard ``NNNNNN``, the cut manifest ``cuts.NNNNNN.jsonl.gz`` and one tar
archive per data field (``recording.NNNNNN.tar`` for audio, ``mel.NNNNNN.tar`` for a custom feature
array...), written by :meth:`lhotse.CutSet.to_shar`. Readers go through a shard sequentially, so a
training run needs no random access to a shared filesystem, and each DDP rank and dataloader worker
can read whole shards of its own (see :class:`speech.train.data.SharBatchStream`). A GPU machine
then carries a few compressed shards instead of a folder tree.

Which fields to store: audio (``recording``) for tasks that compute features on the fly (ASR, SLU,
vocoder), or the arrays a recipe precomputed (``mel``, ``pitch``, ``energy`` of
:func:`speech.tts.featurize.extract_tts_features`) for the synthesizer. By default every data field
the cuts carry is stored; non-array custom values (text, language, a d-vector list) always travel in
the cut manifests.

Formats: audio as ``flac`` (default; lossless for the 16-bit PCM that every corpus here stores) or
``wav``; arrays as ``numpy`` (default, exact) or ``lilcom`` (lossy, about 3x smaller).

Example:
    >>> export_shar("data/train_cuts.jsonl.gz", "data/train_shar", shard_size=500)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lhotse import CutSet, Recording
from lhotse.array import Array, TemporalArray
from lhotse.cut.data import DataCut

from speech.errors import SpeechError

logger = logging.getLogger(__name__)

#: Field names lhotse stores as cut attributes rather than in ``custom``.
RECORDING = "recording"
FEATURES = "features"
#: Formats accepted per kind of field (the first is the default).
AUDIO_FORMATS: tuple[str, ...] = ("flac", "wav")
ARRAY_FORMATS: tuple[str, ...] = ("numpy", "lilcom")


class SharExportError(SpeechError, ValueError):
    """A manifest or option that cannot be exported as Shar (the message says what to change)."""


@dataclass(frozen=True)
class SharExport:
    """What :func:`export_shar` wrote."""

    out_dir: Path
    num_cuts: int
    num_shards: int
    fields: dict[str, str]
    """Field name -> format, as passed to :meth:`lhotse.CutSet.to_shar`."""
    size_bytes: int

    def summary(self) -> str:
        """One line for the command line."""
        fields = ", ".join(f"{k}={v}" for k, v in self.fields.items())
        return (
            f"wrote {self.num_cuts} cuts in {self.num_shards} shards ({fields}; "
            f"{self.size_bytes / 1e6:.1f} MB) to {self.out_dir}"
        )


def parse_fields(spec: str) -> dict[str, str]:
    """Parse ``"recording,mel:lilcom"`` into ``{"recording": "", "mel": "lilcom"}`` ("" = default format).

    Raises:
        SharExportError: an empty or repeated field name.
    """
    out: dict[str, str] = {}
    for item in spec.split(","):
        name, _, fmt = item.strip().partition(":")
        name, fmt = name.strip(), fmt.strip()
        if not name:
            raise SharExportError(f"--fields {spec!r}: empty field name; write e.g. recording or recording,mel:numpy")
        if name == "cuts":
            raise SharExportError("--fields: 'cuts' is always written; list only data fields such as recording or mel")
        if name in out:
            raise SharExportError(f"--fields {spec!r}: field {name!r} is given twice")
        out[name] = fmt
    return out


def data_fields(cut: DataCut) -> dict[str, str]:
    """The data fields ``cut`` carries, each with its default format.

    Audio (the recording and custom :class:`~lhotse.Recording` values) defaults to flac, arrays
    (precomputed features and custom :class:`~lhotse.array.Array`/``TemporalArray`` values) to numpy.
    """
    out: dict[str, str] = {}
    if cut.has_recording:
        out[RECORDING] = AUDIO_FORMATS[0]
    if cut.has_features:
        out[FEATURES] = ARRAY_FORMATS[0]
    for key, value in (cut.custom or {}).items():
        if isinstance(value, Recording):
            out[key] = AUDIO_FORMATS[0]
        elif isinstance(value, (Array, TemporalArray)):
            out[key] = ARRAY_FORMATS[0]
    return out


def _field_kind(cut: DataCut, name: str) -> str | None:
    """``"audio"``, ``"array"``, or ``None`` when ``cut`` has no data under ``name``."""
    if name == RECORDING:
        return "audio" if cut.has_recording else None
    if name == FEATURES:
        return "array" if cut.has_features else None
    value = (cut.custom or {}).get(name)
    if isinstance(value, Recording):
        return "audio"
    if isinstance(value, (Array, TemporalArray)):
        return "array"
    if value is not None:
        return "value"
    return None


def load_cut_manifest(path: str | os.PathLike[str]) -> CutSet:
    """Open a lhotse cut manifest lazily, with a clear error for anything else.

    Raises:
        SharExportError: the file is missing, unreadable, or holds recordings/supervisions, not cuts.
    """
    p = Path(path)
    if not p.is_file():
        raise SharExportError(f"cut manifest not found: {p}")
    if not p.name.endswith((".jsonl", ".jsonl.gz")):
        raise SharExportError(f"{p}: expected a lhotse cut manifest ending in .jsonl or .jsonl.gz")
    try:
        cuts = CutSet.from_jsonl_lazy(p)
        first = next(iter(cuts), None)
    except Exception as e:  # gzip, JSON or lhotse deserialisation errors all mean "not a manifest"
        raise SharExportError(f"{p}: not a readable lhotse cut manifest ({type(e).__name__}: {e})") from e
    if first is None:
        raise SharExportError(f"{p}: the manifest holds no cuts")
    if not isinstance(first, DataCut):
        what = type(first).__name__
        hint = "; make cuts with lhotse.CutSet.from_manifests(recordings, supervisions)" if "Cut" not in what else ""
        raise SharExportError(f"{p}: the first entry is a {what}, not a single-recording cut{hint}")
    return cuts


def _check_cuts(cuts: Iterable[object], fields: dict[str, str], source: str) -> int:
    """Check every cut before anything is written (metadata only); return the number of cuts."""
    n = 0
    seen: set[str] = set()
    for cut in cuts:
        if not isinstance(cut, DataCut):
            raise SharExportError(
                f"{source}: cut {getattr(cut, 'id', '?')} is a {type(cut).__name__}; Shar stores single-recording "
                "cuts: mix or pad them in the training task instead"
            )
        if "/" in cut.id:
            raise SharExportError(f"{source}: cut id {cut.id!r} contains '/', which Shar tar member names cannot hold")
        if cut.id in seen:
            raise SharExportError(f"{source}: cut id {cut.id!r} appears twice; Shar needs unique cut ids")
        seen.add(cut.id)
        for name, fmt in fields.items():
            kind = _field_kind(cut, name)
            if kind is None:
                raise SharExportError(
                    f"{source}: cut {cut.id} has no {name!r}; drop it from --fields or give every cut that field"
                )
            if kind == "value":
                raise SharExportError(
                    f"{source}: {name!r} of cut {cut.id} is a plain value, which stays in the cut manifest anyway; "
                    "drop it from --fields"
                )
            allowed = AUDIO_FORMATS if kind == "audio" else ARRAY_FORMATS
            if fmt not in allowed:
                raise SharExportError(
                    f"--fields: {name!r} is {'audio' if kind == 'audio' else 'an array'}; its format must be one of "
                    f"{', '.join(allowed)} (got {fmt!r})"
                )
        if cut.has_recording:
            for src in cut.recording.sources:
                if src.type == "file" and not Path(src.source).is_file():
                    raise SharExportError(f"{source}: audio of cut {cut.id} not found: {src.source}")
        n += 1
    return n


def _resolve_fields(cuts: CutSet, fields: dict[str, str] | None, source: str) -> dict[str, str]:
    """Fill default formats, or take every data field of the first cut when ``fields`` is None."""
    first = next(iter(cuts))
    if fields is None:
        found = data_fields(first)
        if not found:
            raise SharExportError(f"{source}: cut {first.id} carries no audio or feature data to export")
        return found
    resolved = {}
    for name, fmt in fields.items():
        kind = _field_kind(first, name)
        default = AUDIO_FORMATS[0] if kind == "audio" else ARRAY_FORMATS[0]
        resolved[name] = fmt or default
    return resolved


def _replace_dir(tmp: Path, final: Path) -> None:
    """Move the finished ``tmp`` onto ``final``; an old ``final`` is removed only once ``tmp`` is in place."""
    old = None
    if final.exists():
        old = final.parent / f".{final.name}.old-{os.getpid()}"
        os.replace(final, old)
    os.replace(tmp, final)
    if old is not None:
        shutil.rmtree(old)


def export_shar(
    cuts_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    fields: dict[str, str] | None = None,
    shard_size: int = 1000,
    num_jobs: int = 1,
    overwrite: bool = False,
    skip_bad: bool = False,
    progress: bool = True,
) -> SharExport:
    """Write the cuts of a manifest, with their audio or features, as a Shar directory.

    The shards are written into a temporary directory next to ``out_dir`` and renamed into place at
    the end, so ``out_dir`` is either the previous export or the complete new one, never half.

    Args:
        cuts_path: a lhotse cut manifest (``.jsonl.gz``).
        out_dir: the Shar directory to create.
        fields: field name -> format ("" for the default: flac for audio, numpy for arrays); None
            stores every data field the first cut carries.
        shard_size: cuts per shard. Pick at least ``GPUs x dataloader workers`` shards, so every
            reader has a shard of its own (a few hundred MB per shard suits large corpora).
        num_jobs: shards written in parallel (processes).
        overwrite: replace an existing non-empty ``out_dir``.
        skip_bad: leave out cuts whose audio cannot be read (logged) instead of stopping.
        progress: show a progress bar.

    Returns:
        The written directory, its cut and shard counts, fields and size.

    Raises:
        SharExportError: a bad manifest (missing, unreadable, a cut without a requested field,
            missing audio), bad options, or an ``out_dir`` that exists without ``overwrite``.
    """
    source = str(cuts_path)
    if shard_size < 1:
        raise SharExportError(f"--shard-size must be at least 1 (got {shard_size})")
    if num_jobs < 1:
        raise SharExportError(f"--num-jobs must be at least 1 (got {num_jobs})")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise SharExportError(f"--out {out} is a file; give a directory for the shards")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise SharExportError(f"{out} already exists and is not empty; pass --overwrite to replace it")
    cuts = load_cut_manifest(cuts_path)
    resolved = _resolve_fields(cuts, fields, source)
    num_cuts = _check_cuts(cuts, resolved, source)
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in out.parent.glob(f".{out.name}.tmp-*"):  # left by an export that was killed
        logger.info("removing %s, left by an interrupted export", stale)
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        with warnings.catch_warnings():
            # Data fields left out on purpose (e.g. audio when exporting features) are not a mistake.
            warnings.filterwarnings("ignore", message=".*that is not specified for Shar writing")
            try:
                paths = cuts.to_shar(
                    tmp, fields=resolved, shard_size=shard_size, num_jobs=num_jobs,
                    fault_tolerant=skip_bad, verbose=progress, warn_unused_fields=True,
                )
            except Exception as e:  # audio decoding and I/O errors of one cut stop the export
                # lhotse's messages run over many lines (every backend it tried): keep the first.
                first_line = (str(e).strip().splitlines() or [""])[0][:300]
                raise SharExportError(
                    f"{source}: export stopped ({type(e).__name__}: {first_line}); fix the cut or pass --skip-bad"
                ) from e
        written = sum(1 for _ in CutSet.from_shar(fields={"cuts": paths["cuts"]}))
        if written < num_cuts:
            logger.warning("left out %d of %d cuts whose data could not be read", num_cuts - written, num_cuts)
        os.chmod(tmp, 0o755)  # mkdtemp makes a 0700 directory
        size = sum(p.stat().st_size for p in tmp.iterdir())
        _replace_dir(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    result = SharExport(out, written, len(paths["cuts"]), resolved, size)
    logger.info(result.summary())
    return result
