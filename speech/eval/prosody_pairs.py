"""Prosody distances over files: utterances, speaker material, pairs, and pair files.

The stateful part of the prosody metric (:mod:`speech.eval.prosody` holds the pure functions):
:class:`ProsodyExtractor` loads audio and caches each utterance's frame-level tracks, so that a
speaker's material is analysed once even when it serves as normalisation for many pairs.

A *pairs file* (CSV, TSV or JSONL) has one row per pair with the columns

======================  =======================================================================
``source``, ``target``  audio paths (relative to the pairs file), or supervision ids of a
                        lhotse manifest passed alongside
``id``                  optional pair id (default: row number)
``source_speaker``,     optional speaker ids: every utterance of a speaker in the pairs file and
``target_speaker``      in the manifest forms that speaker's normalisation material
``source_language``,    optional language codes, for per-language z-scoring
``target_language``
``group``               optional grouping (e.g. conversation) for train/test splits
======================  =======================================================================
"""

from __future__ import annotations

import csv
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from speech.eval.errors import InputFormatError, MismatchError
from speech.eval.pitch import PitchTracker
from speech.eval.prosody import (
    DEFAULT_TRACKER,
    FEATURES,
    LowLevelTracks,
    ProsodyComparison,
    SpeakerProfile,
    compare,
    low_level_tracks,
    prosody_vector,
)
from speech.eval.prosody_stats import PRIOR_CLIPS, ProsodyStats

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Utterance:
    """One utterance: a file, or a segment of one.

    Attributes:
        id: unique id (the path when nothing better is known).
        path: audio file.
        speaker: speaker id; utterances sharing it are normalised together. ``None``: the
            utterance is its own speaker material.
        language: canonical language code, or ``None`` for pooled z-score statistics.
        start: segment start in seconds.
        duration: segment duration in seconds (``None``: to the end of the file).
    """

    id: str
    path: Path
    speaker: str | None = None
    language: str | None = None
    start: float = 0.0
    duration: float | None = None

    @property
    def speaker_key(self) -> str:
        return self.speaker if self.speaker is not None else f"<self:{self.id}>"

    @property
    def name(self) -> str:
        """How error messages name this utterance."""
        if self.start or self.duration is not None:
            return f"{self.path} [{self.start:.2f}s+{self.duration if self.duration is not None else 'end'}]"
        return str(self.path)


@dataclass(frozen=True)
class ProsodyPair:
    """A source utterance and its counterpart (e.g. its translation or its synthesis)."""

    id: str
    source: Utterance
    target: Utterance
    group: str | None = None


@dataclass(frozen=True)
class PairResult:
    """Distance of one pair, with the z-vectors it came from."""

    pair: ProsodyPair
    comparison: ProsodyComparison
    z_source: np.ndarray
    z_target: np.ndarray
    raw_source: np.ndarray
    raw_target: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.pair.id,
            "source": str(self.pair.source.path),
            "target": str(self.pair.target.path),
            "source_language": self.pair.source.language,
            "target_language": self.pair.target.language,
            "distance": self.comparison.distance,
            "feature_shares": self.comparison.feature_shares,
        }


def load_utterance_audio(utt: Utterance) -> tuple[np.ndarray, int]:
    """Read an utterance's samples (mono float32) and rate; errors name the file."""
    from speech.audio.io import load_audio

    wav, sr = load_audio(utt.path)
    if utt.start or utt.duration is not None:
        a = int(round(utt.start * sr))
        b = len(wav) if utt.duration is None else int(round((utt.start + utt.duration) * sr))
        if a >= len(wav) or b > len(wav) + int(0.01 * sr):
            raise MismatchError(f"{utt.path}: segment {utt.start}s+{utt.duration}s lies outside the file")
        wav = wav[a:b]
    return wav, sr


@dataclass
class ProsodyExtractor:
    """Computes and caches frame-level tracks, speaker profiles and raw prosody vectors.

    Args:
        tracker: pitch tracker for every utterance.
    """

    tracker: PitchTracker = DEFAULT_TRACKER
    _tracks: dict[tuple[str, float, float | None], LowLevelTracks] = field(default_factory=dict, repr=False)

    def tracks(self, utt: Utterance) -> LowLevelTracks:
        """Frame-level tracks of ``utt`` (computed once)."""
        key = (str(utt.path), utt.start, utt.duration)
        if key not in self._tracks:
            wav, sr = load_utterance_audio(utt)
            self._tracks[key] = low_level_tracks(wav, sr, tracker=self.tracker, name=utt.name)
        return self._tracks[key]

    def profiles(self, utterances: Iterable[Utterance]) -> dict[str, SpeakerProfile]:
        """One profile per speaker, fitted on all of that speaker's given utterances."""
        from tqdm import tqdm

        by_speaker: dict[str, dict[str, Utterance]] = defaultdict(dict)
        for u in utterances:
            by_speaker[u.speaker_key][u.id] = u
        total = sum(len(v) for v in by_speaker.values())
        out = {}
        with tqdm(total=total, desc="prosody tracks", unit="utt", disable=total < 20) as bar:
            for spk, utts in by_speaker.items():
                tracks = []
                for u in utts.values():
                    tracks.append(self.tracks(u))
                    bar.update(1)
                out[spk] = SpeakerProfile.fit(tracks)
        return out

    def vectors(
        self, utterances: Sequence[Utterance], material: Iterable[Utterance] = ()
    ) -> np.ndarray:
        """Raw ``(N, 100)`` vectors, each normalised with its speaker's profile.

        Args:
            utterances: the utterances to describe.
            material: more utterances of the same speakers, used only for normalisation.
        """
        profiles = self.profiles(list(utterances) + list(material))
        return np.stack([prosody_vector(self.tracks(u), profiles[u.speaker_key]) for u in utterances])


def evaluate_pairs(
    pairs: Sequence[ProsodyPair],
    stats: ProsodyStats,
    extractor: ProsodyExtractor | None = None,
    material: Iterable[Utterance] = (),
) -> list[PairResult]:
    """Prosodic distance of every pair (z-scored per language with ``stats``).

    Args:
        pairs: the pairs.
        stats: per-language z-score statistics.
        extractor: reuses cached tracks; a new one (default tracker) when ``None``.
        material: extra utterances that only serve speaker normalisation.
    """
    if not pairs:
        raise MismatchError("no pairs to evaluate")
    ex = extractor or ProsodyExtractor(tracker=stats.tracker or DEFAULT_TRACKER)
    if stats.tracker and ex.tracker != stats.tracker:
        logger.warning("statistics were fitted with the %r tracker but vectors use %r", stats.tracker, ex.tracker)
    utts = [p.source for p in pairs] + [p.target for p in pairs]
    raw = ex.vectors(utts, material)
    n = len(pairs)
    results = []
    for i, pair in enumerate(pairs):
        z_s = stats.zscore(raw[i], pair.source.language)
        z_t = stats.zscore(raw[n + i], pair.target.language)
        results.append(PairResult(pair, compare(z_s, z_t), z_s, z_t, raw[i], raw[n + i]))
    return results


def summarize(results: Sequence[PairResult]) -> dict[str, Any]:
    """Mean distance over pairs and each feature's share of the summed squared distances."""
    if not results:
        return {"pairs": 0, "mean_distance": float("nan"), "feature_shares": {}}
    d = np.array([r.comparison.distance for r in results])
    sq = np.zeros(len(FEATURES))
    for r in results:
        sq += (r.comparison.difference.reshape(len(FEATURES), -1) ** 2).sum(axis=1)
    total = sq.sum()
    return {
        "pairs": len(results),
        "mean_distance": float(d.mean()),
        "std_distance": float(d.std()),
        "feature_shares": {f: (float(sq[i] / total) if total > 0 else 0.0) for i, f in enumerate(FEATURES)},
    }


def _canonical_language(code: str | None, where: str) -> str | None:
    if code is None or str(code).strip() == "":
        return None
    from speech.text.languages import get_language

    try:
        return get_language(str(code).strip()).code
    except ValueError as e:
        raise InputFormatError(f"{where}: {e}") from e


def read_rows(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a CSV, TSV or JSONL file (chosen by suffix) as dicts; errors name the file."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"file not found: {p}")
    suffix = p.suffix.lower()
    try:
        if suffix in (".jsonl", ".json"):
            rows = []
            for lineno, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as e:
                    raise InputFormatError(f"{p}:{lineno}: not valid JSON: {e}") from e
                if not isinstance(row, dict):
                    raise InputFormatError(f"{p}:{lineno}: expected a JSON object per line")
                rows.append(row)
            return rows
        if suffix in (".csv", ".tsv"):
            with p.open(newline="", encoding="utf-8") as f:
                return list(csv.DictReader(f, delimiter="\t" if suffix == ".tsv" else ","))
    except UnicodeDecodeError as e:
        raise InputFormatError(f"{p}: not UTF-8 text: {e}") from e
    raise InputFormatError(f"{p}: unsupported file type {suffix!r}; use .csv, .tsv or .jsonl")


def utterances_from_manifest(recordings_path: str | Path, supervisions_path: str | Path) -> dict[str, Utterance]:
    """Utterances (keyed by supervision id) of a lhotse recordings + supervisions manifest pair."""
    from lhotse import RecordingSet, SupervisionSet

    for p in (recordings_path, supervisions_path):
        if not Path(p).is_file():
            raise FileNotFoundError(f"manifest not found: {p}")
    recs = {r.id: r for r in RecordingSet.from_file(recordings_path)}
    sups = SupervisionSet.from_file(supervisions_path)
    out = {}
    for s in sups:
        if s.recording_id not in recs:
            raise MismatchError(f"{supervisions_path}: supervision {s.id} refers to unknown recording {s.recording_id}")
        rec = recs[s.recording_id]
        files = [src.source for src in rec.sources if src.type == "file"]
        if not files:
            raise InputFormatError(f"{recordings_path}: recording {rec.id} has no file source")
        whole = abs(s.start) < 1e-6 and abs(s.duration - rec.duration) < 0.011
        out[s.id] = Utterance(
            id=s.id,
            path=Path(files[0]),
            speaker=s.speaker,
            language=_canonical_language(s.language, f"{supervisions_path} ({s.id})"),
            start=0.0 if whole else s.start,
            duration=None if whole else s.duration,
        )
    return out


def _pair_side(row: dict[str, Any], name: str, path: Path, i: int, manifest: dict[str, Utterance]) -> Utterance:
    """The ``source`` or ``target`` utterance of row ``i`` of the pairs file ``path``."""
    value = row.get(name)
    if value is None or str(value).strip() == "":
        raise InputFormatError(f"{path}: row {i} has no '{name}' column value")
    value = str(value).strip()
    spk = row.get(f"{name}_speaker") or None
    lang = _canonical_language(row.get(f"{name}_language"), f"{path} row {i}")
    if value in manifest:
        u = manifest[value]
        return replace(u, speaker=spk or u.speaker, language=lang or u.language)
    audio = Path(value)
    if not audio.is_absolute():
        audio = path.parent / audio
    return Utterance(id=str(audio), path=audio, speaker=spk, language=lang)


def read_pairs(path: str | Path, manifest: dict[str, Utterance] | None = None) -> list[ProsodyPair]:
    """Read a pairs file (see the module docstring).

    Args:
        path: CSV/TSV/JSONL pairs file.
        manifest: utterances by supervision id; ``source``/``target`` values found here refer to
            them (their speaker and language are used unless the row overrides them).

    Raises:
        InputFormatError: a row lacks ``source`` or ``target``, or has a bad language code.
    """
    p = Path(path)
    manifest = manifest or {}
    pairs = []
    for i, row in enumerate(read_rows(p), start=1):
        source = _pair_side(row, "source", p, i, manifest)
        target = _pair_side(row, "target", p, i, manifest)
        pair_id = str(row.get("id") or i)
        pairs.append(ProsodyPair(pair_id, source, target, row.get("group") or None))
    if not pairs:
        raise InputFormatError(f"{p}: no pairs")
    return pairs


def read_utterance_list(path: str | Path) -> list[Utterance]:
    """Read a CSV/TSV/JSONL list of utterances with ``path`` and optional ``speaker``,
    ``language``, ``id`` columns (paths relative to the list file)."""
    p = Path(path)
    out = []
    for i, row in enumerate(read_rows(p), start=1):
        value = row.get("path")
        if value is None or str(value).strip() == "":
            raise InputFormatError(f"{p}: row {i} has no 'path' column value")
        audio = Path(str(value).strip())
        if not audio.is_absolute():
            audio = p.parent / audio
        out.append(
            Utterance(
                id=str(row.get("id") or audio),
                path=audio,
                speaker=row.get("speaker") or None,
                language=_canonical_language(row.get("language"), f"{p} row {i}"),
            )
        )
    if not out:
        raise InputFormatError(f"{p}: no utterances")
    return out


def fit_stats(
    utterances: Sequence[Utterance],
    tracker: PitchTracker = DEFAULT_TRACKER,
    provenance: str = "",
    extractor: ProsodyExtractor | None = None,
    prior_clips: float = PRIOR_CLIPS,
) -> ProsodyStats:
    """Fit per-language z-score statistics on a reference set (speaker-normalised vectors).

    Every utterance needs a language; each speaker's utterances are normalised together.
    ``prior_clips``: see :data:`speech.eval.prosody_stats.PRIOR_CLIPS`.
    """
    missing = [u.name for u in utterances if u.language is None]
    if missing:
        raise InputFormatError(f"{len(missing)} reference utterances have no language, e.g. {missing[0]}")
    ex = extractor or ProsodyExtractor(tracker=tracker)
    vectors = ex.vectors(list(utterances))
    return ProsodyStats.fit(vectors, [u.language for u in utterances], tracker=tracker, provenance=provenance,
                            prior_clips=prior_clips)
