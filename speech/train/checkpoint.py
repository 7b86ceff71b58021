"""Checkpoint files that are never half-written, and the callbacks that decide when to write them.

- :class:`AtomicCheckpointIO` is the Lightning ``CheckpointIO`` plugin the engine installs: every
  checkpoint is serialised to a temp file in the same directory, flushed to disk, then renamed onto
  its name, so a kill (even SIGKILL) at any moment leaves the previous complete file. Loading uses
  ``torch.load(weights_only=True)``: a checkpoint cannot run code.
- :func:`checkpoint_callbacks` builds Lightning ``ModelCheckpoint`` callbacks: ``last.ckpt`` every N
  steps and at the end of training, plus the best-k by a validation metric.

Run-directory layout (``exp_dir``)::

    config.yaml            the resolved config (all defaults written out)
    run_info.yaml          versions, command line, world size
    checkpoints/last.ckpt  the newest state (resume starts here)
    checkpoints/best-step=000400.ckpt ...  best-k by ``checkpoint.monitor``
    tensorboard/           TensorBoard event files
    csv/metrics.csv        the same metrics as CSV
    model/                 the exported model (save_pretrained)
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO
from lightning.pytorch.callbacks import ModelCheckpoint

from speech.train.checkpoint_io import load_checkpoint_file, remove_stale_temp_files, save_checkpoint_file

__all__ = [
    "AtomicCheckpointIO",
    "checkpoint_callbacks",
    "load_checkpoint_file",
    "remove_stale_temp_files",
    "save_checkpoint_file",
]

logger = logging.getLogger(__name__)

LAST_NAME = "last"
CKPT_DIR = "checkpoints"


class AtomicCheckpointIO(TorchCheckpointIO):
    """Lightning checkpoint I/O: temp file + fsync + rename on save; ``weights_only`` on load."""

    def save_checkpoint(self, checkpoint: dict[str, Any], path: Any, storage_options: Any | None = None) -> None:
        if storage_options is not None:
            raise TypeError("AtomicCheckpointIO does not take storage_options")
        save_checkpoint_file(checkpoint, path)

    def load_checkpoint(self, path: Any, map_location: Any = None, weights_only: bool | None = None) -> dict[str, Any]:
        return load_checkpoint_file(path, map_location=map_location)

    def remove_checkpoint(self, path: Any) -> None:
        p = Path(path)
        if p.is_file():
            p.unlink()
            logger.debug("removed checkpoint %s", p)


class _LastCheckpoint(ModelCheckpoint):
    """``last.ckpt`` every N steps (ModelCheckpoint) and also when training ends."""

    def on_train_end(self, trainer: Any, pl_module: Any) -> None:
        if self._last_global_step_saved != trainer.global_step:
            self._save_last_checkpoint(trainer, self._monitor_candidates(trainer))


def checkpoint_callbacks(
    ckpt_dir: Path,
    every_n_steps: int,
    keep_best: int,
    monitor: str,
    mode: str,
    steps_per_update: int,
    has_validation: bool,
) -> list[ModelCheckpoint]:
    """ModelCheckpoint callbacks for ``last.ckpt`` (+ best-k when there is validation).

    Args:
        ckpt_dir: where checkpoints go.
        every_n_steps: write ``last.ckpt`` after this many updates.
        keep_best: how many best checkpoints to keep (0: none).
        monitor: logged validation metric, e.g. ``valid/loss``.
        mode: ``min`` or ``max``.
        steps_per_update: Lightning ``global_step`` increments per update (number of optimizers
            with manual optimisation, else 1).
        has_validation: whether validation runs (best-k needs it).
    """
    callbacks: list[ModelCheckpoint] = [
        _LastCheckpoint(
            dirpath=ckpt_dir,
            filename=LAST_NAME,
            save_top_k=0,
            save_last=True,
            every_n_train_steps=every_n_steps * steps_per_update,
            enable_version_counter=False,
        )
    ]
    callbacks[0].CHECKPOINT_NAME_LAST = LAST_NAME
    if keep_best > 0 and has_validation:
        callbacks.append(
            ModelCheckpoint(
                dirpath=ckpt_dir,
                filename="best-step={step:06d}",
                auto_insert_metric_name=False,
                monitor=monitor,
                mode=mode,
                save_top_k=keep_best,
                save_last=False,
                enable_version_counter=False,
            )
        )
    elif keep_best > 0:
        logger.info("no validation data: best-k checkpoints are off, only last.ckpt is kept")
    return callbacks
