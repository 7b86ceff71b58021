"""Parity of our prosody vectors with Ward's toolkit's: per-feature correlation and distance ranks.

The reference vectors are CSV files written by ``../shared/ward/features.sh`` (one row of 100
values per clip, in the toolkit's feature order vo, sr, th, tl, wp, np, cr, le, cp, pd, each
over the 10 windows). Two figures, as issue 20 defines them:

- per feature, the Pearson r between our values and the toolkit's across the clips, for each
  window, and its median over the windows. Windows where the toolkit's value is the same for
  every clip (the 95-100 % window, always 0, and the first window of some features) have no
  correlation; they are left out of the median and counted in ``constant_windows``, and
  :attr:`Parity.constant_agree` says whether ours are the same constant there.
- the Spearman rank correlation between the two sets of pairwise Euclidean distances, after
  z-scoring each column over the clips (constant columns dropped).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from speech.eval.errors import StatsError
from speech.eval.prosody import FEATURES, NUM_WINDOWS, TOOLKIT_FEATURES, toolkit_order


@dataclass(frozen=True)
class Parity:
    """Agreement of our vectors with the toolkit's over a set of clips.

    Attributes:
        feature_r: feature code -> median over windows of the Pearson r across clips.
        window_r: feature code -> the 10 per-window r (NaN where the toolkit's is constant).
        distance_spearman: rank correlation of the pairwise distances.
        constant_windows: how many (feature, window) cells the toolkit holds constant.
        constant_agree: whether ours hold the same constants there (within 1e-9).
        num_clips: clips compared.
    """

    feature_r: dict[str, float]
    window_r: dict[str, list[float]]
    distance_spearman: float
    constant_windows: int
    constant_agree: bool
    num_clips: int

    def table(self) -> str:
        """One line of figures per feature, and the distance rank correlation."""
        head = " ".join(f"{f:>5s}" for f in TOOLKIT_FEATURES)
        vals = " ".join(f"{self.feature_r[f]:5.2f}" for f in TOOLKIT_FEATURES)
        return f"{head}\n{vals}\ndistance Spearman {self.distance_spearman:.3f} over {self.num_clips} clips"


def load_reference(paths: Sequence[str | Path]) -> np.ndarray:
    """``(len(paths), 100)`` toolkit vectors, in the toolkit's order, from its CSV files."""
    rows = []
    for p in paths:
        v = np.loadtxt(p, delimiter=",", dtype=np.float64).reshape(-1)
        if v.shape != (len(FEATURES) * NUM_WINDOWS,):
            raise StatsError(f"{p}: expected {len(FEATURES) * NUM_WINDOWS} values, got {v.size}")
        rows.append(v)
    return np.stack(rows)


def pairwise_distances(vectors: np.ndarray) -> np.ndarray:
    """Condensed pairwise Euclidean distances of the columns' z-scores (constant columns dropped)."""
    x = np.asarray(vectors, dtype=np.float64)
    sd = x.std(axis=0)
    keep = sd > 1e-12 * (1 + np.abs(x).max(axis=0))
    z = (x[:, keep] - x[:, keep].mean(axis=0)) / sd[keep]
    i, j = np.triu_indices(len(z), 1)
    return np.linalg.norm(z[i] - z[j], axis=1)


def parity(ours: np.ndarray, reference: np.ndarray) -> Parity:
    """Compare ``(N, 100)`` vectors in our column order with the toolkit's ``(N, 100)``."""
    a = toolkit_order(np.asarray(ours, dtype=np.float64)).reshape(len(ours), len(FEATURES), NUM_WINDOWS)
    b = np.asarray(reference, dtype=np.float64).reshape(len(reference), len(FEATURES), NUM_WINDOWS)
    if a.shape != b.shape or len(a) < 3:
        raise StatsError(f"need the same >= 3 clips on both sides, got {a.shape[0]} and {b.shape[0]}")
    feature_r: dict[str, float] = {}
    window_r: dict[str, list[float]] = {}
    constant, agree = 0, True
    for k, f in enumerate(TOOLKIT_FEATURES):
        rs = []
        for w in range(NUM_WINDOWS):
            x, y = a[:, k, w], b[:, k, w]
            if np.ptp(y) <= 1e-12 * (1 + np.abs(y).max()):
                constant += 1
                agree &= bool(np.all(np.abs(x - y) <= 1e-9 * (1 + np.abs(y))))
                rs.append(float("nan"))
            elif np.ptp(x) == 0:
                rs.append(0.0)
            else:
                rs.append(float(np.corrcoef(x, y)[0, 1]))
        window_r[f] = rs
        finite = [r for r in rs if np.isfinite(r)]
        feature_r[f] = float(np.median(finite)) if finite else float("nan")
    rho = float(spearmanr(pairwise_distances(a.reshape(len(a), -1)), pairwise_distances(b.reshape(len(b), -1)))[0])
    return Parity(feature_r, window_r, rho, constant, agree, len(a))


def reference_files(folder: str | Path) -> Mapping[str, tuple[Path, Path]]:
    """``name -> (clip, csv)`` for every ``<name>.flac`` with a ``<name>.csv`` beside it."""
    root = Path(folder)
    return {p.stem: (p, p.with_suffix(".csv")) for p in sorted(root.glob("*.flac")) if p.with_suffix(".csv").is_file()}
