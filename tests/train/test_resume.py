"""Kill a training run with SIGKILL, resume it: same step, complete files, one joined loss curve."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from speech.testing.tones import ToneClassifier
from speech.train.checkpoint import load_checkpoint_file
from speech.train.engine import train
from speech.train.schema import TrainConfig

from .helpers import REPO, loss_curve, read_losses, speech_cmd, subprocess_env, write_config

STEPS = 18
EVERY = 4
KILL_AFTER = 9  # logged steps before the kill: the last checkpoint is then at step 8 or later
OVERRIDES = (
    f"trainer.max_steps={STEPS}",
    f"checkpoint.every_n_steps={EVERY}",
    # Validation never falls on a checkpoint step: Lightning writes last.ckpt before that step's
    # validation, and a run resumed from it does not validate that step again.
    "trainer.val_every_n_steps=5",
    "task_conf.model.dropout=0.3",  # random numbers must also continue exactly
)


@pytest.mark.heavy
def test_sigkill_then_resume_continues_exactly(make_config: Callable[..., TrainConfig], tmp_path: Path) -> None:
    reference = train(make_config(*OVERRIDES, exp="reference"))
    reference_curve = loss_curve(read_losses(reference.run_dir))
    assert sorted(reference_curve) == list(range(STEPS))

    config = make_config(*OVERRIDES, exp="killed")
    run = Path(config.exp_dir)
    proc = subprocess.Popen(
        speech_cmd("train", "--config", str(write_config(config, tmp_path / "killed.yaml"))),
        cwd=REPO, env=subprocess_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 180
        while not (rows := read_losses(run)) or rows[-1][0] < KILL_AFTER:
            assert proc.poll() is None, f"training ended before it was killed:\n{proc.stderr.read()[-3000:]}"
            assert time.monotonic() < deadline, f"training too slow to reach step {KILL_AFTER}"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    killed_at = read_losses(run)[-1][0]
    assert killed_at < STEPS - 1

    # Every checkpoint file on disk is complete (a kill mid-write leaves only a temp file).
    checkpoints = sorted((run / "checkpoints").glob("*.ckpt"))
    assert checkpoints
    for path in checkpoints:
        load_checkpoint_file(path)
    saved = load_checkpoint_file(run / "checkpoints" / "last.ckpt")["global_step"]
    assert saved % EVERY == 0 and 8 <= saved <= killed_at + 1

    result = train(config)  # same config, same exp_dir: resumes from last.ckpt
    assert result.steps == STEPS
    rows = read_losses(run)
    # The rows the killed run logged after its checkpoint were cut, so each step is logged once.
    assert [step for step, _ in rows] == list(range(STEPS))
    assert yaml.safe_load((run / "run_info.yaml").read_text())["resumed_from"].endswith("last.ckpt")

    # The joined curve is the uninterrupted one: same data order, same dropout masks.
    curve = loss_curve(rows)
    assert sorted(curve) == list(range(STEPS))
    np.testing.assert_allclose(
        [curve[s] for s in range(STEPS)], [reference_curve[s] for s in range(STEPS)], rtol=1e-4, atol=1e-6
    )
    valid = loss_curve(read_losses(run, "valid/loss"))
    reference_valid = loss_curve(read_losses(reference.run_dir, "valid/loss"))
    assert sorted(valid) == sorted(reference_valid)
    np.testing.assert_allclose([valid[s] for s in valid], [reference_valid[s] for s in valid], rtol=1e-4)

    final = ToneClassifier.from_pretrained(result.model_dir).state_dict()
    expected = ToneClassifier.from_pretrained(reference.model_dir).state_dict()
    for name in expected:
        torch.testing.assert_close(final[name], expected[name], rtol=1e-4, atol=1e-6)
    assert not [p for p in (run / "checkpoints").iterdir() if p.name.startswith(".")], "stale temp files removed"
