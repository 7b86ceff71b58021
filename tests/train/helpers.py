"""Helpers of the training-engine tests (configs, CLI subprocesses, metrics files)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from speech.train.config import dump_yaml
from speech.train.schema import TrainConfig

REPO = Path(__file__).resolve().parents[2]
# The toy tasks are not in the task registry: configs name them by module:Class.
TONE_CLASSIFIER = "speech.testing.tones:ToneClassifierTask"
TONE_GAN = "speech.testing.tones:ToneGanTask"


def base_overrides(corpus: dict[str, Path], exp_dir: Path) -> list[str]:
    """Overrides for a small, quick tone-classifier run on CPU."""
    return [
        f"task={TONE_CLASSIFIER}",
        f"data.train_cuts={corpus['train']}",
        f"data.valid_cuts={corpus['valid']}",
        f"exp_dir={exp_dir}",
        "data.sampler.max_duration=5",
        "trainer.accelerator=cpu",
        "trainer.max_steps=30",
        "trainer.val_every_n_steps=10",
        "trainer.log_every_n_steps=1",
        "trainer.progress_bar=false",
        "checkpoint.every_n_steps=5",
        "checkpoint.keep_best=2",
        "optim.lr=2e-3",
    ]


def write_config(config: TrainConfig, path: Path) -> Path:
    """Write a resolved config as YAML (for ``speech train --config``)."""
    path.write_text(dump_yaml(config), encoding="utf-8")
    return path


def speech_cmd(*args: str) -> list[str]:
    """Command line that runs the ``speech`` CLI with this interpreter."""
    return [sys.executable, "-m", "speech.cli", *args]


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("RANK", None)
    env.pop("LOCAL_RANK", None)
    env.pop("WORLD_SIZE", None)
    return env


def run_cli(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(
        speech_cmd(*args), cwd=REPO, env=subprocess_env(), capture_output=True, text=True, timeout=timeout
    )


def read_losses(run_dir: Path, key: str = "train/loss") -> list[tuple[int, float]]:
    """``(step, value)`` rows of ``key`` from the run's metrics.csv, in file order (restarts repeat steps)."""
    path = run_dir / "csv" / "metrics.csv"
    if not path.is_file():
        return []
    with open(path, newline="") as f:
        return [(int(r["step"]), float(r[key])) for r in csv.DictReader(f) if r.get(key)]


def loss_curve(rows: list[tuple[int, float]]) -> dict[int, float]:
    """The joined curve: for each step, the last value logged (a resumed run overrides the killed one)."""
    return dict(rows)
