"""``speech train``: --print-config, overrides, and user errors as one-line messages (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from speech.cli import main
from speech.train.config import load_config
from speech.train.schema import TrainConfig


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "train.yaml"
    path.write_text(
        "# a small run\n"
        "task: speech.testing.tones:ToneClassifierTask\n"
        "task_conf:\n  model: {hidden: 12}\n"
        f"data:\n  train_cuts: {tmp_path / 'train.jsonl.gz'}\n"
        "optim: {lr: 1e-3}\n"
    )
    return path


def test_print_config_shows_every_default_and_the_overrides(config_file: Path, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    assert main(["train", "--config", str(config_file), "--print-config", "optim.lr=3e-4", "trainer.precision=bf16-mixed"]) == 0
    text = capsys.readouterr().out
    data = yaml.safe_load(text)
    assert data["optim"]["lr"] == 3e-4 and data["trainer"]["precision"] == "bf16-mixed"
    assert data["task_conf"]["model"] == {
        "num_mel_bins": 40, "sample_rate": 16000, "hidden": 12, "kernel_size": 5, "num_classes": 4, "dropout": 0.1,
    }
    assert data["checkpoint"]["every_n_steps"] == 1000 and data["data"]["sampler"]["num_buckets"] == 10
    dumped = tmp_path / "dumped.yaml"
    dumped.write_text(text)
    assert load_config(TrainConfig, dumped) == load_config(
        TrainConfig, config_file, ["optim.lr=3e-4", "trainer.precision=bf16-mixed"]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["optim.lrr=1"], "unknown config key 'optim.lrr' (did you mean 'optim.lr'?)"),
        (["trainer.max_steps=many"], "config key 'trainer.max_steps' expects an integer, got 'many'"),
        (["task=asr_ct"], "unknown task 'asr_ct' (did you mean 'asr_ctc'?)"),
        (["trainer.max_steps"], "override 'trainer.max_steps' is not of the form key=value"),
    ],
)
def test_config_errors_exit_2_with_one_line(config_file: Path, capsys: pytest.CaptureFixture, args: list[str], message: str) -> None:
    assert main(["train", "--config", str(config_file), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("speech train: error: ") and message in err
    assert "Traceback" not in err


def test_missing_config_and_missing_data(config_file: Path, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    assert main(["train", "--config", str(tmp_path / "nope.yaml")]) == 2
    assert "config file not found" in capsys.readouterr().err
    assert main(["train", "--config", str(config_file), f"exp_dir={tmp_path / 'exp'}"]) == 2
    assert "data.train_cuts: cut manifest not found" in capsys.readouterr().err
