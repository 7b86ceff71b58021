"""Avila & Ward's three baseline predictors of a translation's prosody, and their evaluation.

Given paired source/target prosody vectors (e.g. English utterances and their Spanish
re-enactments), each baseline predicts the target's z-vector from the source's:

- ``copy``: the source's z-vector itself (prosody kept the same across languages);
- ``mean``: the mean target z-vector of the training pairs (predicts nothing specific);
- ``linear``: least-squares linear regression from source to target z-vectors, with intercept
  (minimum-norm solution when there are fewer training pairs than columns).

As in their code, each language's columns are z-scored with statistics of the *training* split,
and a predictor's score is the mean Euclidean distance between predicted and actual target
z-vectors over the test split (lower is better).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from speech.eval.errors import MismatchError
from speech.eval.prosody import mean_distance

BASELINES: tuple[str, ...] = ("copy", "mean", "linear")


@dataclass(frozen=True)
class LinearMap:
    """``y = x @ weight + bias``."""

    weight: np.ndarray
    bias: np.ndarray

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x, dtype=np.float64) @ self.weight + self.bias


def fit_linear(x: np.ndarray, y: np.ndarray) -> LinearMap:
    """Ordinary least squares from ``(N, D)`` inputs to ``(N, K)`` targets, with intercept."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if len(x) != len(y) or len(x) == 0:
        raise MismatchError(f"need the same, non-zero number of inputs and targets ({len(x)} vs {len(y)})")
    x_mean, y_mean = x.mean(axis=0), y.mean(axis=0)
    weight, *_ = np.linalg.lstsq(x - x_mean, y - y_mean, rcond=None)
    return LinearMap(weight, y_mean - x_mean @ weight)


def predict(name: str, x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray) -> np.ndarray:
    """Target predictions of baseline ``name`` for ``x_test``."""
    if name == "copy":
        return np.asarray(x_test, dtype=np.float64).copy()
    if name == "mean":
        return np.repeat(np.asarray(y_train, dtype=np.float64).mean(axis=0, keepdims=True), len(x_test), axis=0)
    if name == "linear":
        return fit_linear(x_train, y_train)(x_test)
    raise ValueError(f"unknown baseline {name!r}; choose one of {', '.join(BASELINES)}")


def standardize(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Z-score both splits with the training split's mean and std (std 0 -> 1)."""
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    std = np.where(std > 1e-12, std, 1.0)
    return (train - mean) / std, (test - mean) / std


def split_groups(groups: Sequence[str], test_fraction: float = 0.2, seed: int = 0) -> np.ndarray:
    """Boolean test mask that keeps each group on one side, chosen by a stable hash.

    Groups are ordered by the hash of ``f"{seed}:{group}"`` and taken into the test split until
    it holds ``test_fraction`` of the items, so the split does not depend on input order.
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    uniq = sorted(set(groups), key=lambda g: hashlib.sha256(f"{seed}:{g}".encode()).hexdigest())
    if len(uniq) < 2:
        raise MismatchError("a train/test split needs at least 2 groups")
    counts = {g: 0 for g in uniq}
    for g in groups:
        counts[g] += 1
    target = test_fraction * len(groups)
    test_groups: set[str] = set()
    taken = 0
    for g in uniq[:-1]:  # always leave at least one group for training
        if taken >= target:
            break
        test_groups.add(g)
        taken += counts[g]
    return np.array([g in test_groups for g in groups])


def evaluate_baselines(
    source: np.ndarray,
    target: np.ndarray,
    test_mask: np.ndarray,
    baselines: Sequence[str] = BASELINES,
) -> dict[str, float]:
    """Mean test distance of each baseline on raw paired vectors.

    Args:
        source: ``(N, 100)`` raw source-language vectors.
        target: ``(N, 100)`` raw target-language vectors of the same pairs.
        test_mask: ``(N,)`` booleans, True for test pairs.
        baselines: which baselines to run.

    Returns:
        ``{baseline: mean Euclidean distance between predicted and actual target z-vectors}``.
    """
    source = np.asarray(source, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    mask = np.asarray(test_mask, dtype=bool)
    if source.shape != target.shape or len(mask) != len(source):
        raise MismatchError(f"shapes differ: source {source.shape}, target {target.shape}, mask {mask.shape}")
    if mask.all() or not mask.any():
        raise MismatchError("both the train and the test split need pairs")
    xs_train, xs_test = standardize(source[~mask], source[mask])
    ys_train, ys_test = standardize(target[~mask], target[mask])
    return {name: mean_distance(predict(name, xs_train, ys_train, xs_test), ys_test) for name in baselines}
