"""Checkpoint files: atomic writes (even under SIGKILL), safe loading, clear errors."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from speech.pretrained import CorruptCheckpointError, MissingCheckpointError
from speech.train.checkpoint import AtomicCheckpointIO, load_checkpoint_file, remove_stale_temp_files

from .helpers import REPO, subprocess_env


def _checkpoint(step: int, size: int = 1000) -> dict:
    return {
        "state_dict": {"w": torch.full((size,), float(step))},
        "global_step": step,
        "loops": {"fit_loop": {"n": step}},
        "speech": {"task": "t", "data_epoch": 0, "data_index": step},
    }


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    io = AtomicCheckpointIO()
    path = tmp_path / "ckpt" / "last.ckpt"
    io.save_checkpoint(_checkpoint(3), path)
    loaded = io.load_checkpoint(path)
    assert loaded["global_step"] == 3 and torch.equal(loaded["state_dict"]["w"], torch.full((1000,), 3.0))
    assert [p.name for p in path.parent.iterdir()] == ["last.ckpt"]
    io.remove_checkpoint(path)
    assert not path.exists()


def test_failed_write_keeps_the_previous_checkpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    io = AtomicCheckpointIO()
    path = tmp_path / "last.ckpt"
    io.save_checkpoint(_checkpoint(1), path)

    def crash(obj: object, f: object, *args: object, **kwargs: object) -> None:
        f.write(b"PK\x03\x04 half a zip file")  # type: ignore[attr-defined]  # the file torch.save got
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        io.save_checkpoint(_checkpoint(2), path)
    monkeypatch.undo()
    assert io.load_checkpoint(path)["global_step"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["last.ckpt"], "the temp file is cleaned up"


# The function AtomicCheckpointIO.save_checkpoint calls; importing it does not import Lightning.
_WRITER = """
import sys, torch
from speech.train.checkpoint_io import save_checkpoint_file
for step in range(1, 1000):
    print("start", step, flush=True)
    save_checkpoint_file({"state_dict": {"w": torch.full((3_000_000,), float(step))}, "global_step": step}, sys.argv[1])
"""


@pytest.mark.heavy
def test_sigkill_during_a_write_never_leaves_a_half_written_checkpoint(tmp_path: Path) -> None:
    """Kill a process just after it starts rewriting a 12 MB checkpoint (the write takes longer)."""
    path = tmp_path / "last.ckpt"
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)], cwd=REPO, env=subprocess_env(), stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    while proc.stdout.readline().strip() != "start 3":  # two complete writes, then the third begins
        assert proc.poll() is None, "writer died"
    time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    checkpoint = load_checkpoint_file(path)
    step = checkpoint["global_step"]
    assert step in (2, 3)
    assert torch.equal(checkpoint["state_dict"]["w"], torch.full((3_000_000,), float(step)))
    removed = remove_stale_temp_files(tmp_path)
    assert all(p.name.startswith(".last.ckpt.") for p in removed)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.ckpt"]


def test_loading_refuses_pickled_objects(tmp_path: Path) -> None:
    path = tmp_path / "evil.ckpt"
    # An OrderedDict subclass defined at run time: unpickling it would import and run code.
    torch.save({"state_dict": {}, "payload": collections.Counter(a=1), "fn": os.getcwd}, path)
    with pytest.raises(CorruptCheckpointError, match="not a readable checkpoint"):
        load_checkpoint_file(path)


def test_missing_truncated_and_foreign_files(tmp_path: Path) -> None:
    with pytest.raises(MissingCheckpointError, match="checkpoint not found"):
        load_checkpoint_file(tmp_path / "none.ckpt")
    good = tmp_path / "good.ckpt"
    AtomicCheckpointIO().save_checkpoint(_checkpoint(1, size=100_000), good)
    truncated = tmp_path / "truncated.ckpt"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(CorruptCheckpointError, match="truncated.ckpt: not a readable checkpoint"):
        load_checkpoint_file(truncated)
    foreign = tmp_path / "foreign.ckpt"
    torch.save({"weights": torch.zeros(2)}, foreign)
    with pytest.raises(CorruptCheckpointError, match="not a training checkpoint"):
        load_checkpoint_file(foreign)
