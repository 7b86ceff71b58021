"""Per-language z-score statistics of the 100 prosody columns.

Avila & Ward standardise each language's features with the mean and standard deviation of that
language's training set, then measure distances between z-vectors. :class:`ProsodyStats` holds
those statistics per language (plus a pooled entry over all languages), saves them as JSON and
loads them back with validation.

The default statistics shipped in ``speech/eval/data/prosody_stats.json`` were
fitted on the bootstrap TTS corpus, 12 languages (``prosody_stats.README.txt`` says how);
refit them on your own reference set with ``speech eval prosody-fit``.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from speech.eval.errors import StatsError
from speech.eval.prosody import COLUMNS
from speech.fileio import atomic_write_text

FORMAT = "speech.eval.prosody_stats"
VERSION = 1
POOLED = "*"
#: Columns whose spread is (near) zero in the reference set get this std, so they neither
#: divide by zero nor dominate the distance.
MIN_STD = 1e-12
#: Pseudo-clips of the pooled variance mixed into each language's variance when fitting. Avila &
#: Ward z-score each language with its own training set's mean and std; on a reference set of
#: synthetic voices some columns are (near) constant for one language (French system voices: peak
#: disalignment in the 90-95 % window has std 6e-10, 3,000x below the pooled 1.7e-6), and one
#: ordinary value there becomes a z of 790 that decides the whole distance. Ten pseudo-clips
#: (about 7 % of a language's 100-200) bound such columns by the pooled spread and move the
#: other columns' std by a few percent; 0 gives the plain per-language std.
PRIOR_CLIPS = 10.0


@dataclass(frozen=True)
class LanguageStats:
    """Mean and standard deviation of the 100 columns for one language."""

    mean: np.ndarray
    std: np.ndarray
    count: int

    def zscore(self, vectors: np.ndarray) -> np.ndarray:
        """Standardise ``(..., 100)`` raw vectors."""
        return (np.asarray(vectors, dtype=np.float64) - self.mean) / self.std


@dataclass(frozen=True)
class ProsodyStats:
    """Z-score statistics per language code, plus ``"*"`` pooled over all languages.

    Attributes:
        languages: language code -> statistics (the pooled entry is under ``"*"``).
        tracker: pitch tracker the vectors were computed with (stats from another tracker would
            shift the pitch columns).
        provenance: free text saying what reference set the statistics come from.
    """

    languages: dict[str, LanguageStats]
    tracker: str
    provenance: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def fit(
        cls,
        vectors: np.ndarray,
        languages: Sequence[str],
        tracker: str,
        provenance: str = "",
        prior_clips: float = PRIOR_CLIPS,
    ) -> ProsodyStats:
        """Fit per-language and pooled statistics on raw ``(N, 100)`` vectors.

        Args:
            vectors: raw prosody vectors, one row per utterance.
            languages: language code of each row.
            tracker: pitch tracker used for the vectors.
            provenance: description saved with the statistics.
            prior_clips: weight, in clips, of the pooled variance in each language's variance
                (see :data:`PRIOR_CLIPS`; 0: each language's own std).
        """
        x = np.asarray(vectors, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != len(COLUMNS):
            raise StatsError(f"expected (N, {len(COLUMNS)}) vectors, got shape {x.shape}")
        if len(languages) != len(x):
            raise StatsError(f"{len(x)} vectors but {len(languages)} language labels")
        if len(x) < 2:
            raise StatsError("need at least 2 utterances to fit z-score statistics")
        if not prior_clips >= 0:
            raise StatsError(f"prior_clips must be >= 0, got {prior_clips}")
        out: dict[str, LanguageStats] = {POOLED: _fit_rows(x)}
        pooled_var = x.var(axis=0)
        langs = np.asarray(languages)
        for lang in sorted(set(languages)):
            rows = x[langs == lang]
            if len(rows) < 2:
                raise StatsError(f"language {lang!r} has {len(rows)} utterance(s); need at least 2")
            out[lang] = _fit_rows(rows, pooled_var, prior_clips)
        return cls(out, tracker=tracker, provenance=provenance)

    def get(self, language: str | None) -> LanguageStats:
        """Statistics of ``language``; ``None`` gives the pooled statistics.

        Raises:
            StatsError: the language has no statistics (message lists those that do).
        """
        key = POOLED if language is None else language
        if key not in self.languages:
            have = ", ".join(sorted(k for k in self.languages if k != POOLED))
            raise StatsError(
                f"no prosody statistics for language {language!r} (have: {have}); fit them with "
                "'speech eval prosody-fit', or leave the language out to use pooled statistics"
            )
        return self.languages[key]

    def zscore(self, vectors: np.ndarray, language: str | None) -> np.ndarray:
        """Standardise raw vectors with ``language``'s statistics."""
        return self.get(language).zscore(vectors)

    def to_json(self) -> str:
        payload = {
            "format": FORMAT,
            "version": VERSION,
            "columns": list(COLUMNS),
            "tracker": self.tracker,
            "provenance": self.provenance,
            "extra": self.extra,
            "languages": {
                k: {"count": v.count, "mean": _round(v.mean), "std": _round(v.std)}
                for k, v in sorted(self.languages.items())
            },
        }
        return json.dumps(payload, indent=1, ensure_ascii=False) + "\n"

    def save(self, path: str | Path) -> Path:
        """Write as JSON (atomically)."""
        atomic_write_text(path, self.to_json())
        return Path(path)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "<dict>") -> ProsodyStats:
        """Validate and build from the JSON structure written by :meth:`to_json`."""
        if data.get("format") != FORMAT:
            raise StatsError(f"{source}: not a prosody statistics file (format={data.get('format')!r})")
        if data.get("version") != VERSION:
            raise StatsError(f"{source}: unsupported version {data.get('version')!r} (expected {VERSION})")
        if list(data.get("columns", [])) != list(COLUMNS):
            raise StatsError(f"{source}: columns differ from this version's {len(COLUMNS)} prosody columns")
        langs: dict[str, LanguageStats] = {}
        for lang, entry in dict(data.get("languages", {})).items():
            mean = np.asarray(entry.get("mean", []), dtype=np.float64)
            std = np.asarray(entry.get("std", []), dtype=np.float64)
            if mean.shape != (len(COLUMNS),) or std.shape != (len(COLUMNS),):
                raise StatsError(f"{source}: language {lang!r} needs {len(COLUMNS)} means and stds")
            if not (np.all(np.isfinite(mean)) and np.all(std > 0)):
                raise StatsError(f"{source}: language {lang!r} has non-finite means or non-positive stds")
            langs[lang] = LanguageStats(mean, std, int(entry.get("count", 0)))
        if POOLED not in langs:
            raise StatsError(f"{source}: missing the pooled '{POOLED}' entry")
        return cls(langs, tracker=str(data.get("tracker", "")), provenance=str(data.get("provenance", "")),
                   extra=dict(data.get("extra", {})))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ProsodyStats:
        """Read a statistics JSON file.

        Raises:
            FileNotFoundError: no such file.
            StatsError: not valid statistics.
        """
        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(f"prosody statistics file not found: {p}")
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise StatsError(f"{p}: not valid JSON: {e}") from e
        if not isinstance(data, dict):
            raise StatsError(f"{p}: expected a JSON object")
        return cls.from_dict(data, source=str(p))

    @classmethod
    def default(cls) -> ProsodyStats:
        """The statistics shipped with `speech` (see ``prosody_stats.README.txt``)."""
        ref = resources.files("speech.eval").joinpath("data/prosody_stats.json")
        with resources.as_file(ref) as p:
            return cls.load(p)


def _fit_rows(rows: np.ndarray, prior_var: np.ndarray | None = None, prior_clips: float = 0.0) -> LanguageStats:
    mean = rows.mean(axis=0)
    var = rows.var(axis=0, ddof=0)  # like sklearn's StandardScaler, which they used
    if prior_var is not None and prior_clips > 0:
        var = (len(rows) * var + prior_clips * prior_var) / (len(rows) + prior_clips)
    std = np.sqrt(var)
    std = np.where(std > MIN_STD, std, 1.0)
    return LanguageStats(mean, std, len(rows))


def _round(a: np.ndarray) -> list[float]:
    return [float(f"{v:.6g}") if math.isfinite(v) else 0.0 for v in a]
