"""The timing rule the benchmarks share: the best wall time of a few calls.

The scripts import it as a sibling module (``python benchmarks/X.py`` puts this folder on the path).
"""

from __future__ import annotations

import time
from collections.abc import Callable


def best_time(fn: Callable[[], object], repeats: int, warmup: bool = True) -> float:
    """Least wall seconds of ``repeats`` calls of ``fn``, after one untimed call when ``warmup``
    (lazy initialisation, allocator, oneDNN kernel selection)."""
    if warmup:
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)
