"""Plot two prosody profiles (z-scored 100-dim vectors) side by side, one panel per feature."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from speech.eval.prosody import FEATURE_NAMES, FEATURES, NUM_WINDOWS, WINDOW_BOUNDS
from speech.fileio import atomic_path


def plot_profiles(
    z_a: np.ndarray,
    z_b: np.ndarray,
    out_path: str | Path,
    labels: tuple[str, str] = ("source", "target"),
    title: str | None = None,
) -> Path:
    """Draw both z-vectors as step curves over the 10 windows, one panel per feature (PNG).

    Args:
        z_a: first 100-dim z-vector.
        z_b: second 100-dim z-vector.
        out_path: image file to write (format from the suffix), atomically.
        labels: legend labels of the two profiles.
        title: figure title.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    a = np.asarray(z_a, dtype=np.float64).reshape(len(FEATURES), NUM_WINDOWS)
    b = np.asarray(z_b, dtype=np.float64).reshape(len(FEATURES), NUM_WINDOWS)
    edges = np.asarray(WINDOW_BOUNDS, dtype=np.float64)
    fig, axes = plt.subplots(2, 5, figsize=(15, 5.5), sharex=True)
    for i, (feat, ax) in enumerate(zip(FEATURES, axes.ravel(), strict=True)):
        ax.stairs(a[i], edges, label=labels[0], linewidth=1.8)
        ax.stairs(b[i], edges, label=labels[1], linewidth=1.8, linestyle="--")
        ax.axhline(0.0, color="0.7", linewidth=0.8)
        ax.set_title(f"{feat}: {FEATURE_NAMES[feat]}", fontsize=9)
        ax.set_xticks([0, 20, 50, 80, 100])
        if i % 5 == 0:
            ax.set_ylabel("z-score")
        if i >= 5:
            ax.set_xlabel("% of utterance")
    axes[0, 0].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    out = Path(out_path)
    with atomic_path(out) as tmp:
        fig.savefig(tmp, dpi=100, format=out.suffix.lstrip(".") or "png")
    plt.close(fig)
    return out
