"""Training throughput of any registered task through the real engine (``speech.train.engine.train``).

Reports, per precision: updates/s, utterances/s and seconds of audio per second of training, after
``--warmup`` updates (allocator, kernel selection, first batches). Times run from the end of one
batch to the end of the next, so data loading and feature extraction count. On a GPU it also
samples utilisation with ``nvidia-smi`` and reports peak memory.

Without ``--config`` it trains a toy task of :mod:`speech.testing.tones` on a synthetic tone corpus
written to a temp dir (``--task tone_classifier`` or ``tone_gan``). With ``--config`` it times that run config (a
recipe's TTS or SLU config) with validation and checkpoints turned off.

    python benchmarks/train_throughput.py [--task tone_classifier] [--steps 40] [--warmup 5]
        [--precision 32-true bf16-mixed] [--accelerator auto] [--config X.yaml] [key=value ...]
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import torch
from lightning.pytorch.callbacks import Callback

from speech.testing.tones import make_tone_corpus
from speech.train.config import load_config
from speech.train.data import BatchInfo
from speech.train.engine import train
from speech.train.schema import TrainConfig


class ThroughputMeter(Callback):
    """Counts utterances and audio seconds per wall-clock second after ``warmup`` batches."""

    def __init__(self, warmup: int) -> None:
        self.warmup = warmup
        self.batches = 0
        self.cuts = 0
        self.audio_seconds = 0.0
        self.elapsed = 0.0
        self._last: float | None = None

    def _now(self, pl_module: Any) -> float:
        if pl_module.device.type == "cuda":
            torch.cuda.synchronize(pl_module.device)
        return time.perf_counter()

    def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
        now = self._now(pl_module)
        info: BatchInfo = batch[1]
        if self._last is not None and batch_idx >= self.warmup:
            self.batches += 1
            self.cuts += info.num_cuts
            self.audio_seconds += info.audio_seconds
            self.elapsed += now - self._last
        self._last = now


class GpuSampler:
    """Mean GPU utilisation (%) from ``nvidia-smi`` sampled every ``period`` seconds."""

    def __init__(self, period: float = 0.5) -> None:
        self.period = period
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                out = subprocess.run(
                    ["nvidia-smi", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits", "-i", "0"],
                    capture_output=True, text=True, timeout=5, check=True,
                ).stdout
                self.samples.append(float(out.strip().splitlines()[0]))
            except (OSError, subprocess.SubprocessError, ValueError, IndexError):
                return
            self._stop.wait(self.period)

    def __enter__(self) -> GpuSampler:
        if shutil.which("nvidia-smi") and torch.cuda.is_available():
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    @property
    def mean(self) -> float | None:
        return sum(self.samples) / len(self.samples) if self.samples else None


def run_one(config: TrainConfig, warmup: int) -> dict[str, Any]:
    """Train ``config`` once and return its throughput figures."""
    meter = ThroughputMeter(warmup)
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    with GpuSampler() as gpu:
        start = time.perf_counter()
        train(config, callbacks=[meter])
        total = time.perf_counter() - start
    if meter.batches == 0 or meter.elapsed <= 0:
        raise SystemExit("no timed batches: raise --steps above --warmup")
    accumulate = config.trainer.accumulate_grad_batches
    return {
        "precision": config.trainer.precision,
        "batches": meter.batches,
        "updates_per_s": meter.batches / accumulate / meter.elapsed,
        "utts_per_s": meter.cuts / meter.elapsed,
        "audio_s_per_s": meter.audio_seconds / meter.elapsed,
        "mean_batch_utts": meter.cuts / meter.batches,
        "gpu_util": gpu.mean,
        "peak_mem_gb": torch.cuda.max_memory_allocated() / 2**30 if torch.cuda.is_available() else None,
        "wall_s": total,
    }


#: ``--task`` names of the toy tasks (they are not in the task registry).
TOY_TASKS: dict[str, str] = {
    "tone_classifier": "speech.testing.tones:ToneClassifierTask",
    "tone_gan": "speech.testing.tones:ToneGanTask",
}


def base_config(args: argparse.Namespace, workdir: Path) -> list[str]:
    """Overrides that make a timing run: no validation, no checkpoints in the way."""
    overrides = [
        f"exp_dir={workdir / 'exp'}",
        f"trainer.max_steps={args.steps + args.warmup}",
        f"trainer.accelerator={args.accelerator}",
        "trainer.progress_bar=false",
        "trainer.log_every_n_steps=10",
        "data.valid_cuts=null",
        f"checkpoint.every_n_steps={10**9}",
        "resume=never",
    ]
    if args.config is None:
        corpus = make_tone_corpus(workdir / "tones", num_train=args.utterances, num_valid=2, max_duration=args.max_utt_seconds)
        overrides = [
            f"task={TOY_TASKS.get(args.task, args.task)}",
            f"data.train_cuts={corpus['train']}",
            "data.sampler.max_duration=40",
            *overrides,
        ]
    return overrides + list(args.overrides)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, default=None, help="run config to time (default: a built-in task)")
    parser.add_argument("--task", default="tone_classifier", help="toy task (tone_classifier, tone_gan) or module:Class when no --config")
    parser.add_argument("--steps", type=int, default=40, help="timed updates")
    parser.add_argument("--warmup", type=int, default=5, help="untimed first batches")
    parser.add_argument("--precision", nargs="+", default=None, help="default: 32-true, plus bf16-mixed on GPU")
    parser.add_argument("--accelerator", default="auto")
    parser.add_argument("--utterances", type=int, default=400, help="size of the synthetic corpus")
    parser.add_argument("--max-utt-seconds", type=float, default=4.0)
    parser.add_argument("overrides", nargs="*", help="extra key=value overrides")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    precisions = args.precision or (["32-true", "bf16-mixed"] if torch.cuda.is_available() else ["32-true"])
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() and args.accelerator != "cpu" else (
        f"CPU ({torch.get_num_threads()} threads)"
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix="train_bench_") as tmp:
        overrides = base_config(args, Path(tmp))
        for precision in precisions:
            config = load_config(TrainConfig, args.config, [*overrides, f"trainer.precision={precision}"])
            config = dataclasses.replace(config, exp_dir=str(Path(tmp) / f"exp_{precision}"))
            rows.append(run_one(config, args.warmup))
    task = args.config or args.task
    print(f"\ntraining throughput: {task} on {device}, {args.steps} timed updates after {args.warmup} warm-up")
    print(f"{'precision':<11} {'upd/s':>7} {'utt/s':>8} {'audio s/s':>10} {'utt/batch':>9} {'GPU util':>8} {'peak GB':>8}")
    for r in rows:
        util = f"{r['gpu_util']:.0f}%" if r["gpu_util"] is not None else "n/a"
        mem = f"{r['peak_mem_gb']:.2f}" if r["peak_mem_gb"] is not None else "n/a"
        print(
            f"{r['precision']:<11} {r['updates_per_s']:>7.2f} {r['utts_per_s']:>8.1f} {r['audio_s_per_s']:>10.1f} "
            f"{r['mean_batch_utts']:>9.1f} {util:>8} {mem:>8}"
        )


if __name__ == "__main__":
    main()
