"""Checkpoint files on disk: atomic writes and safe reads (torch only; no Lightning import).

Kept apart from :mod:`speech.train.checkpoint` so that tools which only read or write checkpoint
files (export, inspection, tests) do not pay for importing Lightning.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import torch

from speech.fileio import atomic_path
from speech.pretrained import CorruptCheckpointError, MissingCheckpointError

logger = logging.getLogger(__name__)


def save_checkpoint_file(checkpoint: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Write a checkpoint atomically: temp file in the same directory, fsync, then rename.

    A kill at any moment (even SIGKILL) leaves either the previous complete file or the new
    complete file under ``path``; at worst a stray temp file (see :func:`remove_stale_temp_files`).
    """
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            torch.save(checkpoint, f)
            f.flush()
            os.fsync(f.fileno())
    logger.debug("wrote checkpoint %s", path)


def load_checkpoint_file(path: str | os.PathLike[str], map_location: Any = "cpu") -> dict[str, Any]:
    """Read a training checkpoint safely (``torch.load(weights_only=True)``).

    Raises:
        MissingCheckpointError: no such file.
        CorruptCheckpointError: the file is truncated, not a torch checkpoint, or holds objects
            that are not plain data (which ``weights_only`` refuses to unpickle).
    """
    p = Path(path)
    if not p.is_file():
        raise MissingCheckpointError(f"checkpoint not found: {p}")
    try:
        data = torch.load(p, map_location=map_location, weights_only=True)
    except Exception as e:  # torch raises RuntimeError, UnpicklingError, EOFError, zipfile errors...
        raise CorruptCheckpointError(f"{p}: not a readable checkpoint ({type(e).__name__}: {e})") from e
    if not isinstance(data, dict) or "state_dict" not in data:
        raise CorruptCheckpointError(f"{p}: not a training checkpoint (no state_dict)")
    return data


def remove_stale_temp_files(directory: str | os.PathLike[str]) -> list[Path]:
    """Delete temp files that a killed writer left (``.<name>.<random>.ckpt``); return them."""
    d = Path(directory)
    stale = [p for p in d.glob(".*.ckpt") if p.is_file()] if d.is_dir() else []
    for p in stale:
        p.unlink()
        logger.info("removed unfinished checkpoint temp file %s", p)
    return stale


def copy_weights(target: torch.nn.Module, source: torch.nn.Module, origin: str) -> None:
    """Load ``source``'s weights into ``target`` (a training's ``init_from``).

    Raises:
        ConfigError: ``source`` has other keys or tensor shapes; the message starts with ``origin``.
    """
    from speech.pretrained import ArchitectureMismatchError, check_state_dict
    from speech.train.errors import ConfigError

    state = source.state_dict()
    try:
        check_state_dict({k: v.shape for k, v in target.state_dict().items()},
                         {k: tuple(v.shape) for k, v in state.items()}, origin)
    except ArchitectureMismatchError as e:
        raise ConfigError(f"{origin}: another architecture than this run's ({e})") from e
    target.load_state_dict(state)
