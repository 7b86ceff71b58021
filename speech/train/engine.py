"""The training engine: one Lightning module for every :class:`~speech.train.task.Task`.

:func:`train` runs a :class:`~speech.train.schema.TrainConfig` end to end: it prepares the run
directory, resumes from ``checkpoints/last.ckpt`` when there is one, trains with PyTorch Lightning
and exports the final model with ``save_pretrained``. Lightning supplies the loop, devices (CPU,
one GPU, DDP over GPUs and nodes, also under ``torchrun``), mixed precision, accumulation,
clipping, logging and the progress bar; this module adds what the field needs on top:

- lhotse dynamic-bucketing batches whose position is saved in every checkpoint;
- per-batch seeding from ``(seed, rank, epoch, batch)``, so a resumed run draws the very random
  numbers (dropout masks, augmentation) that the uninterrupted run would have drawn; RNG state
  therefore need not be stored, and resume is exact for any number of data workers;
- atomic checkpoint files (see :mod:`speech.train.checkpoint`) that record the task and model
  type, so a checkpoint of another model is refused with a clear error;
- multi-optimizer (GAN-style) tasks through Lightning manual optimisation, with the same
  accumulation, clipping and schedulers as single-optimizer tasks.

Multi-GPU / multi-node: ``speech train --config X.yaml trainer.devices=8`` (Lightning launches the
processes), or ``torchrun --nnodes 2 --nproc_per_node 8 -m speech.cli train --config X.yaml
trainer.devices=auto trainer.num_nodes=2``.
"""

from __future__ import annotations

import contextlib
import csv
import logging
import os
import platform
import sys
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightning
import lightning.pytorch as pl
import torch
from lightning.pytorch.callbacks import Callback, LearningRateMonitor, TQDMProgressBar
from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger
from lightning.pytorch.loggers.csv_logs import ExperimentWriter
from lightning.pytorch.loggers.logger import rank_zero_experiment
from lightning.pytorch.strategies import DDPStrategy

from speech import __version__
from speech.fileio import atomic_path, atomic_write_text
from speech.pretrained import ArchitectureMismatchError, ModelTypeMismatchError, check_state_dict
from speech.train.checkpoint import (
    CKPT_DIR,
    LAST_NAME,
    AtomicCheckpointIO,
    checkpoint_callbacks,
    load_checkpoint_file,
    remove_stale_temp_files,
)
from speech.train.config import diff_configs, dump_yaml, load_yaml, to_dict
from speech.train.data import (
    BatchInfo,
    ResumableSampler,
    SharBatchStream,
    build_dataloader,
    build_sampler,
    build_shar_dataloader,
    derive_seed,
    load_cuts,
    open_shar,
    seed_everything,
)
from speech.train.errors import ConfigError, RunDirectoryError
from speech.train.optim import build_optimizer, build_scheduler
from speech.train.registry import TASKS
from speech.train.schema import TrainConfig
from speech.train.task import Task

logger = logging.getLogger(__name__)

#: Version of the ``checkpoint["speech"]`` record.
CHECKPOINT_FORMAT = 1

# Lightning warnings that do not apply to how the engine sets Lightning up.
_IGNORED_WARNINGS = (
    "Using ModelCheckpoint with manual optimization",  # the state after the step is what we want
    "does not have many workers",  # num_workers is the user's choice (0 is right on small CPUs)
    "The number of training batches",  # logging interval vs. epoch length
    "Checkpoint directory .* exists and is not empty",  # a resumed run writes into its own directory
    "You're resuming from a checkpoint that ended before",  # our sampler does resume mid-epoch
    "GPU available but not used",  # trainer.accelerator=cpu is a choice
)


@dataclass
class TrainResult:
    """What :func:`train` returns (on every rank; ``model_dir`` is written by rank 0)."""

    run_dir: Path
    model_dir: Path
    last_checkpoint: Path
    best_checkpoint: Path | None
    steps: int
    metrics: dict[str, float] = field(default_factory=dict)


class TaskModule(pl.LightningModule):
    """Lightning wrapper that trains ``task``'s model as ``config`` says.

    Args:
        task: the task (model factory, collate, losses).
        config: the whole run config.
    """

    def __init__(self, task: Task, config: TrainConfig) -> None:
        super().__init__()
        self.task = task
        self.run_config = config
        self.model = task.build_model()
        self.optimizer_names = task.optimizer_names()
        if len(set(self.optimizer_names)) != len(self.optimizer_names) or not self.optimizer_names:
            raise ConfigError(f"task {config.task!r} returned optimizer names {self.optimizer_names}")
        self.automatic_optimization = len(self.optimizer_names) == 1
        # Data position of the next training batch: (pass over the data, batch index in the pass).
        self._position = (0, 0)
        self._micro_batches = 0  # batches accumulated since the last update (manual optimisation)
        self._resume: dict[str, Any] | None = None
        self.train_sampler: ResumableSampler | SharBatchStream | None = None

    # -- data ---------------------------------------------------------------------------------

    def train_dataloader(self) -> torch.utils.data.DataLoader:
        cfg = self.run_config
        sampler: ResumableSampler | SharBatchStream
        if cfg.data.train_shar is not None:
            sampler = SharBatchStream(
                open_shar(cfg.data.train_shar, "data.train_shar", cfg.data.shar_fields),
                self.task.make_collate(),
                cfg.data.sampler,
                train=True,
                world_size=self.trainer.world_size,
                rank=self.trainer.global_rank,
                num_workers=cfg.data.num_workers,
                seed=cfg.trainer.seed,
                keep_cut=self.task.keep_cut,
            )
        else:
            sampler = build_sampler(
                load_cuts(cfg.data.train_cuts, "data.train_cuts"),
                cfg.data.sampler,
                train=True,
                world_size=self.trainer.world_size,
                rank=self.trainer.global_rank,
                keep_cut=self.task.keep_cut,
            )
        if self._resume is not None:
            epoch, index = self._resume["data_epoch"], self._resume["data_index"]
            saved_ws = self._resume.get("world_size", self.trainer.world_size)
            if saved_ws != self.trainer.world_size:
                # Batches are dealt round-robin to ranks: the same data position is about
                # index * saved_ws / world_size batches into the pass on the new world size.
                index = index * saved_ws // self.trainer.world_size
                logger.warning(
                    "resuming with world size %d (checkpoint: %d): batches differ from here on; "
                    "continuing at about the same data position", self.trainer.world_size, saved_ws
                )
            saved_workers = self._resume.get("num_workers", cfg.data.num_workers)
            if cfg.data.train_shar is not None and saved_workers != cfg.data.num_workers:
                # Shards are dealt to workers: another worker count reads other shards from here on.
                logger.warning(
                    "resuming with data.num_workers=%d (checkpoint: %d): Shar batches differ from here on",
                    cfg.data.num_workers, saved_workers,
                )
            sampler.resume(epoch, index)
            self._position = (epoch, index)
            self._micro_batches = int(self._resume.get("micro_batches", 0))
        self.train_sampler = sampler
        if isinstance(sampler, SharBatchStream):
            return build_shar_dataloader(
                sampler,
                num_workers=cfg.data.num_workers,
                pin_memory=self.trainer.strategy.root_device.type == "cuda",
            )
        return build_dataloader(
            sampler,
            self.task.make_collate(),
            seed=cfg.trainer.seed,
            rank=self.trainer.global_rank,
            num_workers=cfg.data.num_workers,
            pin_memory=self.trainer.strategy.root_device.type == "cuda",
        )

    def val_dataloader(self) -> torch.utils.data.DataLoader:
        cfg = self.run_config
        if cfg.data.valid_shar is not None:
            stream = SharBatchStream(
                open_shar(cfg.data.valid_shar, "data.valid_shar", cfg.data.shar_fields),
                self.task.make_collate(),
                cfg.data.sampler,
                train=False,
                world_size=self.trainer.world_size,
                rank=self.trainer.global_rank,
                num_workers=cfg.data.num_workers,
                seed=cfg.trainer.seed,
                max_duration=cfg.data.valid_max_duration,
            )
            return build_shar_dataloader(
                stream,
                num_workers=cfg.data.num_workers,
                pin_memory=self.trainer.strategy.root_device.type == "cuda",
            )
        if cfg.data.valid_cuts is None:
            return []  # type: ignore[return-value]  # limit_val_batches=0 keeps Lightning from asking
        sampler = build_sampler(
            load_cuts(cfg.data.valid_cuts, "data.valid_cuts"),
            cfg.data.sampler,
            train=False,
            world_size=self.trainer.world_size,
            rank=self.trainer.global_rank,
            max_duration=cfg.data.valid_max_duration,
        )
        return build_dataloader(
            sampler,
            self.task.make_collate(),
            seed=cfg.trainer.seed,
            rank=self.trainer.global_rank,
            num_workers=cfg.data.num_workers,
            pin_memory=self.trainer.strategy.root_device.type == "cuda",
        )

    # -- seeding and data position ------------------------------------------------------------

    def on_train_batch_start(self, batch: tuple[Any, BatchInfo], batch_idx: int) -> None:
        # Random numbers of a training step (dropout...) are a function of the data position, so a
        # resumed run draws exactly what the uninterrupted run drew, without storing RNG states.
        info = batch[1]
        seed_everything(derive_seed(self.run_config.trainer.seed, self.global_rank, info.epoch, info.index, 0))
        self._position = (info.epoch, info.index + 1)

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        epoch, index = self._position
        checkpoint["speech"] = {
            "format_version": CHECKPOINT_FORMAT,
            "speech_version": __version__,
            "task": self.run_config.task,
            "model_type": self.model.model_type,
            "data_epoch": epoch,
            "data_index": index,
            "micro_batches": self._micro_batches,
            "world_size": self.trainer.world_size,
            "num_workers": self.run_config.data.num_workers,
            "seed": self.run_config.trainer.seed,
            "updates": self.updates,
        }

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        info = checkpoint.get("speech")
        if not isinstance(info, dict) or "task" not in info:
            raise ModelTypeMismatchError("checkpoint was not written by `speech train` (no 'speech' record)")
        if info["task"] != self.run_config.task or info.get("model_type") != self.model.model_type:
            raise ModelTypeMismatchError(
                f"checkpoint is from task {info['task']!r} (model {info.get('model_type')!r}), "
                f"but this run trains task {self.run_config.task!r} (model {self.model.model_type!r}); "
                "use another exp_dir"
            )
        if info.get("seed") != self.run_config.trainer.seed:
            logger.warning("trainer.seed changed (%s -> %s): resume is not exact", info.get("seed"), self.run_config.trainer.seed)
        expected = {k: v.shape for k, v in self.state_dict().items()}
        found = {k: v.shape for k, v in checkpoint["state_dict"].items()}
        try:
            check_state_dict(expected, found, "checkpoint")
        except ArchitectureMismatchError as e:
            raise ArchitectureMismatchError(f"{e}; did the model config change since the checkpoint?") from e
        self._resume = info

    # -- optimisation -------------------------------------------------------------------------

    @property
    def updates(self) -> int:
        """Model updates so far (Lightning counts one step per optimizer)."""
        return self.global_step // len(self.optimizer_names)

    def configure_optimizers(self) -> Any:
        cfg = self.run_config
        groups = self.task.optimizer_groups(self.model)
        names = tuple(g.name for g in groups)
        if names != self.optimizer_names:
            raise ConfigError(f"task {cfg.task!r}: optimizer_groups() gives {names}, optimizer_names() {self.optimizer_names}")
        out = []
        for group in groups:
            optimizer = build_optimizer(group.params, group.optim or cfg.optim)
            scheduler = build_scheduler(optimizer, group.scheduler or cfg.scheduler, cfg.trainer.max_steps)
            out.append(
                {
                    "optimizer": optimizer,
                    "lr_scheduler": {"scheduler": scheduler, "interval": "step", "frequency": 1, "name": f"lr/{group.name}"},
                }
            )
        return out[0] if len(out) == 1 else out

    def training_step(self, batch: tuple[Mapping[str, Any], BatchInfo], batch_idx: int) -> torch.Tensor | None:
        data, stats = batch
        if self.automatic_optimization:
            losses = self._losses(data, self.optimizer_names[0], {})
            self._log_train(losses, stats, prefix="")
            return losses["loss"]
        self._manual_step(data, stats)
        return None

    def _losses(self, data: Mapping[str, Any], name: str, cache: dict[str, Any]) -> dict[str, torch.Tensor]:
        losses = self.task.training_losses(self.model, data, optimizer=name, cache=cache)
        if not isinstance(losses, Mapping) or "loss" not in losses:
            raise TypeError(f"task {self.run_config.task!r}: training_losses must return a dict with a 'loss' entry")
        return dict(losses)

    def _manual_step(self, data: Mapping[str, Any], stats: BatchInfo) -> None:
        """One batch of a multi-optimizer task: backward + (every ``accumulate`` batches) step, per group."""
        cfg = self.run_config.trainer
        accumulate = cfg.accumulate_grad_batches
        self._micro_batches += 1
        is_update = self._micro_batches >= accumulate
        if is_update:
            self._micro_batches = 0
        optimizers = self.optimizers()
        schedulers = self.lr_schedulers()
        if not isinstance(optimizers, list):
            optimizers = [optimizers]
        if not isinstance(schedulers, list):
            schedulers = [schedulers]
        cache: dict[str, Any] = {}
        logged: dict[str, torch.Tensor] = {}
        for name, optimizer, scheduler in zip(self.optimizer_names, optimizers, schedulers):
            self.toggle_optimizer(optimizer)
            losses = self._losses(data, name, cache)
            self.manual_backward(losses["loss"] / accumulate)
            if is_update:
                if cfg.gradient_clip_val is not None:
                    self.clip_gradients(optimizer, gradient_clip_val=cfg.gradient_clip_val, gradient_clip_algorithm="norm")
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
                scheduler.step()
            self.untoggle_optimizer(optimizer)
            logged.update({f"{name}_{k}": v for k, v in losses.items()})
        self._log_train(logged, stats, prefix="")

    def _log_train(self, losses: Mapping[str, torch.Tensor], stats: BatchInfo, prefix: str) -> None:
        values = {f"train/{prefix}{k}": v.detach().float() for k, v in losses.items()}
        values["train/batch_cuts"] = float(stats.num_cuts)
        values["train/batch_seconds"] = stats.audio_seconds
        self.log_dict(values, on_step=True, on_epoch=False, batch_size=stats.num_cuts)
        main = "train/loss" if "train/loss" in values else next(iter(values))
        self.log("loss", values[main], prog_bar=True, logger=False, on_step=True, on_epoch=False, batch_size=stats.num_cuts)

    # -- validation ---------------------------------------------------------------------------

    def validation_step(self, batch: tuple[Mapping[str, Any], BatchInfo], batch_idx: int) -> None:
        data, stats = batch
        metrics = self.task.validation_metrics(self.model, data)
        values = {f"valid/{k}": v.detach().float() for k, v in metrics.items()}
        self.log_dict(values, on_step=False, on_epoch=True, sync_dist=True, batch_size=stats.num_cuts)


# ------------------------------------------------------------------------------------------------
# Trainer construction


class _AppendingWriter(ExperimentWriter):
    """Lightning's CSV writer deletes an existing ``metrics.csv``; a resumed run must append to it."""

    def __init__(self, log_dir: str) -> None:
        super().__init__(log_dir)
        self._cut_pending = os.path.isfile(self.metrics_file_path)
        if self._cut_pending:
            # Start from the file's columns, so that new columns rewrite the header over old rows.
            with open(self.metrics_file_path, newline="") as f:
                self.metrics_keys = sorted(csv.DictReader(f).fieldnames or [])

    def log_metrics(self, metrics_dict: dict[str, Any], step: int | None = None) -> None:
        # The resumed run's first row names the step it restarts at (Lightning's own counter, so no
        # guess about when that counter moves): rows the killed run logged from there on go.
        if self._cut_pending and step is not None:
            truncate_metrics(Path(self.metrics_file_path), step)
            self._cut_pending = False
        super().log_metrics(metrics_dict, step)

    def _check_log_dir_exists(self) -> None:
        """Do nothing: a resumed run reuses its log directory on purpose (Lightning would warn)."""


class AppendingCSVLogger(CSVLogger):
    """CSVLogger whose ``metrics.csv`` survives restarts, so one file holds the whole loss curve.

    Rows that a killed run logged after its last checkpoint are cut off when the run resumes
    (:func:`truncate_metrics`), so the resumed run's rows for those steps are the only ones.
    """

    @property
    @rank_zero_experiment
    def experiment(self) -> ExperimentWriter:
        if self._experiment is None:
            self._fs.makedirs(self.root_dir, exist_ok=True)
            self._experiment = _AppendingWriter(log_dir=self.log_dir)
        return self._experiment


def _is_env_rank_zero() -> bool:
    """Whether this process is global rank 0, judged before Lightning starts.

    torchrun sets ``RANK``; processes that Lightning launches get ``NODE_RANK`` and ``LOCAL_RANK``;
    a plain process has neither and is rank 0.
    """
    if "RANK" in os.environ:
        return int(os.environ["RANK"]) == 0
    return int(os.environ.get("NODE_RANK", 0)) == 0 and int(os.environ.get("LOCAL_RANK", 0)) == 0


def _resolve_accelerator(cfg: TrainConfig) -> str:
    acc = cfg.trainer.accelerator
    if acc in ("gpu", "cuda") and not torch.cuda.is_available():
        raise ConfigError(f"trainer.accelerator={acc} but torch sees no CUDA device; use trainer.accelerator=cpu")
    if acc == "auto":
        return "gpu" if torch.cuda.is_available() else "cpu"
    return acc


def _wants_ddp(cfg: TrainConfig, accelerator: str) -> bool:
    t = cfg.trainer
    if t.strategy == "ddp" or t.num_nodes > 1 or int(os.environ.get("WORLD_SIZE", 1)) > 1:
        return True
    if t.devices == "auto":
        return accelerator == "gpu" and torch.cuda.device_count() > 1
    return t.devices > 1


def check_trainer_settings(config: TrainConfig) -> str:
    """Refuse trainer settings that cannot run (before anything is written); return the accelerator.

    Raises:
        ConfigError: a count under 1, or a precision the device cannot run.
    """
    t = config.trainer
    for key in ("max_steps", "accumulate_grad_batches", "val_every_n_steps", "log_every_n_steps"):
        if getattr(t, key) < 1:
            raise ConfigError(f"trainer.{key} must be >= 1, got {getattr(t, key)}")
    if config.checkpoint.every_n_steps < 1:
        raise ConfigError(f"checkpoint.every_n_steps must be >= 1, got {config.checkpoint.every_n_steps}")
    accelerator = _resolve_accelerator(config)
    if accelerator == "cpu" and t.precision == "16-mixed":
        raise ConfigError("trainer.precision=16-mixed needs a GPU; on CPU use bf16-mixed or 32-true")
    return accelerator


def build_trainer(
    config: TrainConfig, module: TaskModule, run_dir: Path, extra_callbacks: Sequence[Callback] = ()
) -> tuple[pl.Trainer, list[Any]]:
    """A Lightning Trainer for ``config``; returns it with its checkpoint callbacks.

    Raises:
        ConfigError: a precision the device cannot run, or settings that contradict each other.
    """
    t = config.trainer
    accelerator = check_trainer_settings(config)
    torch.set_float32_matmul_precision(t.matmul_precision)

    n_opt = len(module.optimizer_names)
    automatic = module.automatic_optimization
    has_validation = (config.data.valid_cuts is not None or config.data.valid_shar is not None) and t.limit_val_batches != 0
    ckpt_callbacks = checkpoint_callbacks(
        run_dir / CKPT_DIR,
        every_n_steps=config.checkpoint.every_n_steps,
        keep_best=config.checkpoint.keep_best,
        monitor=config.checkpoint.monitor,
        mode=config.checkpoint.mode,
        steps_per_update=n_opt,
        has_validation=has_validation,
    )
    callbacks: list[Callback] = [*ckpt_callbacks, LearningRateMonitor(logging_interval="step"), *extra_callbacks]
    if t.progress_bar:
        callbacks.append(TQDMProgressBar(refresh_rate=max(1, min(t.log_every_n_steps, 20))))
    loggers = [
        TensorBoardLogger(save_dir=str(run_dir), name="tensorboard", version="", default_hp_metric=False),
        AppendingCSVLogger(save_dir=str(run_dir), name="csv", version="", flush_logs_every_n_steps=1),
    ]
    if _wants_ddp(config, accelerator):
        find_unused = t.find_unused_parameters if t.find_unused_parameters is not None else n_opt > 1
        strategy: Any = DDPStrategy(find_unused_parameters=find_unused)
    else:
        strategy = "auto"
    trainer = pl.Trainer(
        accelerator=accelerator,
        devices=t.devices,
        num_nodes=t.num_nodes,
        strategy=strategy,
        precision=t.precision,
        plugins=[AtomicCheckpointIO()],
        max_steps=t.max_steps * n_opt,
        max_epochs=-1,
        accumulate_grad_batches=t.accumulate_grad_batches if automatic else 1,
        gradient_clip_val=t.gradient_clip_val if automatic else None,
        gradient_clip_algorithm="norm",
        val_check_interval=t.val_every_n_steps * t.accumulate_grad_batches,
        check_val_every_n_epoch=None,
        limit_val_batches=(t.limit_val_batches if t.limit_val_batches is not None else 1.0) if has_validation else 0,
        num_sanity_val_steps=0,
        log_every_n_steps=t.log_every_n_steps,
        logger=loggers,
        callbacks=callbacks,
        enable_progress_bar=t.progress_bar,
        enable_model_summary=t.progress_bar,
        use_distributed_sampler=False,  # lhotse samplers split batches between ranks themselves
        default_root_dir=str(run_dir),
        deterministic=t.deterministic,
    )
    return trainer, ckpt_callbacks


@contextlib.contextmanager
def _quiet_lightning() -> Iterator[None]:
    with warnings.catch_warnings():
        for message in _IGNORED_WARNINGS:
            warnings.filterwarnings("ignore", message=f".*{message}")
        yield


# ------------------------------------------------------------------------------------------------
# Run directory


def check_data_paths(config: TrainConfig) -> None:
    """Fail early (before any process is launched) when a data path is missing."""
    data = config.data
    if data.train_shar is not None:
        open_shar(data.train_shar, "data.train_shar", data.shar_fields)
    else:
        load_cuts(data.train_cuts, "data.train_cuts")
    if data.valid_shar is not None:
        open_shar(data.valid_shar, "data.valid_shar", data.shar_fields)
    elif data.valid_cuts is not None:
        load_cuts(data.valid_cuts, "data.valid_cuts")


def truncate_metrics(path: Path, step: int) -> int:
    """Drop the rows of ``metrics.csv`` logged at ``step`` or later (atomically); return how many.

    A run killed after its last checkpoint logged steps that the resumed run logs again; without
    this the file would hold those steps twice.
    """
    if not path.is_file():
        return 0
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames or []
        rows = list(reader)
    keep = [r for r in rows if not (r.get("step") or "").isdigit() or int(r["step"]) < step]
    if len(keep) == len(rows):
        return 0
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(keep)
    logger.info("resuming at step %d: dropped %d rows logged after the checkpoint from %s", step, len(rows) - len(keep), path)
    return len(rows) - len(keep)


def write_run_files(config: TrainConfig, resume_from: Path | None) -> None:
    """Write ``config.yaml`` and ``run_info.yaml`` into ``exp_dir``."""
    run_dir = Path(config.exp_dir)
    atomic_write_text(run_dir / "config.yaml", dump_yaml(to_dict(config)))
    info = {
        "speech_version": __version__,
        "torch_version": str(torch.__version__),
        "lightning_version": str(lightning.__version__),
        "python": platform.python_version(),
        "host": platform.node(),
        "command": [str(a) for a in sys.argv],
        "resumed_from": str(resume_from) if resume_from else None,
    }
    atomic_write_text(run_dir / "run_info.yaml", dump_yaml(info))


class _RunFiles(Callback):
    """Writes the run's files once training starts, that is after a resumed checkpoint has loaded.

    A resume that fails (another architecture, a corrupt checkpoint) therefore leaves
    ``config.yaml``, ``run_info.yaml`` and ``metrics.csv`` as the interrupted run left them
    (``metrics.csv`` is cut back only when the resumed run logs its first row).
    """

    def __init__(self, config: TrainConfig, resume_from: Path | None) -> None:
        self.config, self.resume_from = config, resume_from

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.is_global_zero:
            write_run_files(self.config, self.resume_from)


def prepare_run_dir(config: TrainConfig, write: bool) -> Path | None:
    """Check ``exp_dir`` and create it; return the checkpoint to resume (``None``: a new run).

    ``config.yaml`` and ``run_info.yaml`` are written later, once training starts (after a
    resumed checkpoint has loaded): see :func:`write_run_files`.

    Args:
        config: the resolved config.
        write: whether this process creates the directory (rank 0 only).

    Raises:
        RunDirectoryError: ``exp_dir`` is a file, or ``resume: never`` and the directory already
            holds checkpoints.
        ModelTypeMismatchError: the directory holds a run of another task.
    """
    run_dir = Path(config.exp_dir)
    if run_dir.exists() and not run_dir.is_dir():
        raise RunDirectoryError(f"exp_dir={run_dir} is a file, not a directory; choose another exp_dir")
    for parent in run_dir.parents:
        if parent.exists():
            if not parent.is_dir():
                raise RunDirectoryError(f"exp_dir={run_dir}: {parent} is a file, not a directory")
            break
    last = run_dir / CKPT_DIR / f"{LAST_NAME}.ckpt"
    config_path = run_dir / "config.yaml"
    new = to_dict(config)
    resume_from = None
    if last.is_file():
        if config.resume == "never":
            raise RunDirectoryError(
                f"{run_dir} already holds a run ({last}); set resume=auto to continue it or choose another exp_dir"
            )
        resume_from = last
    if config_path.is_file() and (resume_from is not None or any((run_dir / CKPT_DIR).glob("*.ckpt"))):
        old = load_yaml(config_path)
        if old.get("task") != config.task:
            raise ModelTypeMismatchError(
                f"{run_dir} holds a run of task {old.get('task')!r}; this config trains {config.task!r}; "
                "choose another exp_dir"
            )
        changed = diff_configs(old, new)
        if changed:
            logger.warning("config differs from the one this run started with in: %s", ", ".join(changed))
    if write:
        run_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_temp_files(run_dir / CKPT_DIR)
    return resume_from


def build_task(config: TrainConfig) -> Task:
    """Instantiate the task named by ``config.task`` with its ``task_conf``."""
    return TASKS.resolve(config.task)(config.task_conf)


def train(config: TrainConfig, callbacks: Sequence[Callback] = ()) -> TrainResult:
    """Train ``config`` end to end; resume when ``exp_dir`` already holds ``last.ckpt``.

    Args:
        config: the resolved run config.
        callbacks: extra Lightning callbacks (e.g. the throughput meter of the benchmarks).

    Returns:
        Paths of the run directory, exported model and checkpoints, the number of updates done,
        and the last logged metrics.

    Raises:
        DataPathError: a cut manifest is missing.
        ConfigError, RunDirectoryError, ModelTypeMismatchError: see the messages.
    """
    # Everything that can be checked is checked before the run directory is made.
    check_data_paths(config)
    check_trainer_settings(config)
    task = build_task(config)
    seed_everything(config.trainer.seed)  # same initial weights on every rank and every restart
    module = TaskModule(task, config)
    run_dir = Path(config.exp_dir)
    resume_from = prepare_run_dir(config, write=_is_env_rank_zero())
    with _quiet_lightning():
        run_files = _RunFiles(config, resume_from)
        trainer, ckpt_callbacks = build_trainer(config, module, run_dir, [run_files, *callbacks])
        if resume_from is not None:
            logger.info("resuming from %s", resume_from)
        trainer.fit(module, ckpt_path=str(resume_from) if resume_from else None)
    best = ckpt_callbacks[1].best_model_path if len(ckpt_callbacks) > 1 else ""
    model_dir = run_dir / "model"
    if trainer.is_global_zero:
        export_model(module, Path(best) if config.checkpoint.export == "best" and best else None, model_dir)
    trainer.strategy.barrier("speech-export")
    metrics = {k: float(v) for k, v in trainer.callback_metrics.items() if torch.is_tensor(v) and v.numel() == 1}
    return TrainResult(
        run_dir=run_dir,
        model_dir=model_dir,
        last_checkpoint=run_dir / CKPT_DIR / f"{LAST_NAME}.ckpt",
        best_checkpoint=Path(best) if best else None,
        steps=module.updates,
        metrics=metrics,
    )


def export_model(module: TaskModule, checkpoint: Path | None, out_dir: Path) -> Path:
    """``save_pretrained`` the module's model, with weights from ``checkpoint`` when given."""
    model = module.model
    if checkpoint is not None:
        state = load_checkpoint_file(checkpoint)["state_dict"]
        prefix = "model."
        model.load_state_dict({k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)})
        logger.info("exporting weights of %s", checkpoint)
    model.save_pretrained(out_dir)
    return out_dir
