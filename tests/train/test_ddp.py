"""DDP on CPU (gloo): two processes train the same model as one process does."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from speech.testing.tones import ToneClassifier
from speech.train.checkpoint import load_checkpoint_file
from speech.train.config import load_config
from speech.train.engine import train
from speech.train.schema import TrainConfig

from .helpers import REPO, base_overrides, read_losses, run_cli, subprocess_env, write_config

OVERRIDES = ("trainer.max_steps=8", "checkpoint.every_n_steps=4", "trainer.val_every_n_steps=4")


@pytest.fixture(scope="module")
def single(tone_corpus: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same run in one process (the reference for both launchers)."""
    config = load_config(TrainConfig, None, [*base_overrides(tone_corpus, tmp_path_factory.mktemp("single")), *OVERRIDES])
    result = train(config)
    assert load_checkpoint_file(result.last_checkpoint)["speech"]["world_size"] == 1
    return result.run_dir


def _check_like_single(run: Path, single: Path) -> None:
    """A DDP run directory has the same kind of content as the single-process one."""
    model = ToneClassifier.from_pretrained(run / "model")
    reference = ToneClassifier.from_pretrained(single / "model")
    assert model.config == reference.config
    assert {k: v.shape for k, v in model.state_dict().items()} == {k: v.shape for k, v in reference.state_dict().items()}
    last = load_checkpoint_file(run / "checkpoints" / "last.ckpt")
    assert last["global_step"] == 8 and last["speech"]["world_size"] == 2
    # Rank 0 logs one training loss per step, and the validation metrics are averaged over ranks.
    assert [s for s, _ in read_losses(run)] == list(range(8))
    assert len(read_losses(run, "valid/loss")) == 2
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == sorted(
        p.name for p in (single / "checkpoints").iterdir()
    )


@pytest.mark.heavy
def test_ddp_two_cpu_processes(make_config: Callable[..., TrainConfig], tmp_path: Path, single: Path) -> None:
    config = make_config(*OVERRIDES, "trainer.devices=2", "trainer.strategy=ddp", exp="ddp")
    proc = run_cli("train", "--config", str(write_config(config, tmp_path / "ddp.yaml")))
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "trained 8 steps" in proc.stdout
    _check_like_single(Path(config.exp_dir), single)


@pytest.mark.heavy
def test_torchrun_launch(make_config: Callable[..., TrainConfig], tmp_path: Path, single: Path) -> None:
    config = make_config(*OVERRIDES, "trainer.devices=2", exp="torchrun")
    cmd = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
        "-m", "speech.cli", "train", "--config", str(write_config(config, tmp_path / "torchrun.yaml")),
    ]
    proc = subprocess.run(cmd, cwd=REPO, env=subprocess_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    _check_like_single(Path(config.exp_dir), single)
