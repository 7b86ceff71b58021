"""The run config that ``speech train --config X.yaml`` reads, as typed dataclasses.

A complete YAML (every key optional except ``task`` and ``data.train_cuts`` or ``data.train_shar``)::

    task: asr_ctc                  # a name from speech.train.registry.TASKS (or "module:Class")
    task_conf: {...}               # fills the task's own config dataclass
    exp_dir: exp/asr               # run directory: config.yaml, checkpoints/, logs, model/
    resume: auto                   # auto: continue from exp_dir/checkpoints/last.ckpt if present
    data:
      train_cuts: data/train_cuts.jsonl.gz   # a lhotse CutSet manifest (or train_shar: a Shar directory)
      valid_cuts: data/valid_cuts.jsonl.gz
      num_workers: 2
      sampler: {max_duration: 200.0, num_buckets: 10, shuffle: true, seed: 0}
    trainer: {max_steps: 10000, precision: bf16-mixed, devices: 1, accumulate_grad_batches: 1}
    checkpoint: {every_n_steps: 1000, keep_best: 3, monitor: valid/loss, mode: min}
    optim: {name: adamw, lr: 1.0e-3, weight_decay: 0.01}
    scheduler: {name: warmup_cosine, warmup_steps: 500}

"Step" always means one update of the model: ``accumulate_grad_batches`` batches, and one step of
every optimizer for tasks that have several (GAN-style vocoder training).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from speech.train.config import choice_field
from speech.train.errors import ConfigError
from speech.train.registry import TASKS

Precision = Literal["32-true", "bf16-mixed", "16-mixed", "bf16-true"]


@dataclass(kw_only=True)
class SamplerConfig:
    """lhotse ``DynamicBucketingSampler`` settings (batches by total audio duration)."""

    max_duration: float = 200.0
    """Seconds of audio per batch (per device); the main batch-size knob."""
    max_cuts: int | None = None
    """Optional cap on utterances per batch."""
    num_buckets: int = 10
    """Buckets of similar duration; more buckets mean less padding, less randomness."""
    shuffle: bool = True
    drop_last: bool = False
    buffer_size: int = 10000
    """Cuts held in memory to fill buckets (larger: better buckets and shuffle, more memory)."""
    seed: int = 0
    """Shuffle seed; epoch ``e`` shuffles with ``seed + e`` so a resumed run sees the same order."""
    quadratic_duration: float | None = None
    """Penalise long utterances as if attention cost were quadratic (seconds; see lhotse)."""


@dataclass(kw_only=True)
class DataConfig:
    """Where the training data is and how it is batched."""

    train_cuts: str | None = None
    """lhotse CutSet manifest (``.jsonl.gz``) for training (this or ``train_shar``)."""
    train_shar: str | None = None
    """lhotse Shar directory (``speech data export-shar``) for training: each rank and worker streams
    shards of its own, so many GPUs or nodes need no shared random-access filesystem."""
    valid_cuts: str | None = None
    """CutSet for validation (metrics, best-k checkpoints); none: no validation."""
    valid_shar: str | None = None
    """Shar directory for validation instead of ``valid_cuts`` (each rank validates on its shards)."""
    shar_fields: list[str] | None = None
    """Data fields read from the Shar shards (e.g. ``[mel, pitch, energy]``); none: every field."""
    sampler: SamplerConfig = field(default_factory=SamplerConfig)
    valid_max_duration: float | None = None
    """Seconds per validation batch (default: the training ``max_duration``)."""
    num_workers: int = 0
    """DataLoader worker processes (audio loading and feature extraction run there)."""

    def __post_init__(self) -> None:
        if (self.train_cuts is None) == (self.train_shar is None):
            if self.train_cuts is None:
                raise ConfigError("missing required config key 'data.train_cuts' (a cut manifest; or 'data.train_shar', "
                                  "a Shar directory)")
            raise ConfigError("data.train_cuts and data.train_shar are both set; give one of them")
        if self.valid_cuts is not None and self.valid_shar is not None:
            raise ConfigError("data.valid_cuts and data.valid_shar are both set; give one of them")


@dataclass(kw_only=True)
class TrainerConfig:
    """Devices, precision and the optimisation schedule (mapped onto ``lightning.Trainer``)."""

    max_steps: int = 1000
    accelerator: Literal["auto", "cpu", "gpu", "cuda", "mps"] = "auto"
    devices: int | Literal["auto"] = 1
    """Devices per node; ``auto`` takes all (and follows ``torchrun --nproc_per_node``)."""
    num_nodes: int = 1
    strategy: Literal["auto", "ddp"] = "auto"
    """``auto``: one device -> plain, several -> DDP. Launch multi-node runs with torchrun."""
    find_unused_parameters: bool | None = None
    """DDP setting; None: on for multi-optimizer tasks (their steps leave parameters unused)."""
    precision: Precision = "32-true"
    accumulate_grad_batches: int = 1
    gradient_clip_val: float | None = 1.0
    """Clip the global gradient norm to this value (None: no clipping)."""
    val_every_n_steps: int = 500
    limit_val_batches: int | None = None
    """Validate on at most this many batches (None: the whole validation set)."""
    log_every_n_steps: int = 50
    seed: int = 0
    progress_bar: bool = True
    deterministic: bool = False
    """Ask torch for deterministic kernels (slower on GPU)."""
    matmul_precision: Literal["highest", "high", "medium"] = "high"
    """``torch.set_float32_matmul_precision`` (TF32 on Ampere+ GPUs when "high")."""


@dataclass(kw_only=True)
class CheckpointConfig:
    """When checkpoints are written and which are kept (``last.ckpt`` + best-k)."""

    every_n_steps: int = 1000
    """Write ``last.ckpt`` every N steps (and at the end of training)."""
    keep_best: int = 3
    """Keep the k best checkpoints by ``monitor`` (needs validation data; 0: none)."""
    monitor: str = "valid/loss"
    mode: Literal["min", "max"] = "min"
    export: Literal["last", "best"] = "last"
    """Which weights ``exp_dir/model`` (save_pretrained) gets at the end."""


@dataclass(kw_only=True)
class OptimConfig:
    """One optimizer (torch.optim)."""

    name: Literal["adamw", "adam", "sgd"] = "adamw"
    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    momentum: float = 0.0
    """SGD only."""


@dataclass(kw_only=True)
class SchedulerConfig:
    """Learning-rate schedule, stepped once per optimizer step."""

    name: Literal["constant", "warmup_constant", "warmup_linear", "warmup_cosine", "noam"] = "constant"
    warmup_steps: int = 0
    min_lr_ratio: float = 0.0
    """Final LR as a fraction of the peak (linear and cosine decay)."""
    total_steps: int | None = None
    """Length of the decay (default: ``trainer.max_steps``)."""


@dataclass(kw_only=True)
class TrainConfig:
    """Everything a training run needs; ``speech train --print-config`` shows it with defaults."""

    task: str
    task_conf: Any = choice_field("task", TASKS)
    data: DataConfig
    exp_dir: str = "exp/run"
    resume: Literal["auto", "never"] = "auto"
    """auto: continue from ``exp_dir/checkpoints/last.ckpt`` when it exists; never: refuse a used exp_dir."""
    trainer: TrainerConfig = field(default_factory=TrainerConfig)
    checkpoint: CheckpointConfig = field(default_factory=CheckpointConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
