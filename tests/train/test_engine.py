"""The Lightning engine, in-process: a small real model learns; GAN-style steps; resume guards."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from speech.pretrained import ArchitectureMismatchError, ModelTypeMismatchError
from speech.testing.tones import ToneClassifier, ToneGan
from speech.train.checkpoint import load_checkpoint_file
from speech.train.config import load_config
from speech.train.data import seed_everything
from speech.train.engine import train
from speech.train.errors import DataPathError, RunDirectoryError
from speech.train.schema import TrainConfig

from .helpers import TONE_CLASSIFIER, TONE_GAN, read_losses

MakeConfig = Callable[..., TrainConfig]


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


@pytest.mark.heavy
def test_classifier_learns_and_the_run_directory_is_complete(make_config: MakeConfig) -> None:
    config = make_config()
    result = train(config)
    run = result.run_dir
    assert result.steps == 30

    losses = [v for _, v in read_losses(run)]
    assert len(losses) == 30
    assert _mean(losses[-5:]) < 0.5 * _mean(losses[:5]), losses
    assert result.metrics["valid/accuracy"] >= 0.9
    valid = [v for _, v in read_losses(run, "valid/loss")]
    assert len(valid) == 3 and valid[-1] < valid[0]

    # The resolved config is written out and loads back to the same config.
    assert load_config(TrainConfig, run / "config.yaml") == config
    assert (run / "run_info.yaml").is_file()
    assert list((run / "tensorboard").glob("events.out.tfevents.*"))

    # last + best-k checkpoints, all complete and loadable with weights_only.
    names = sorted(p.name for p in (run / "checkpoints").iterdir())
    assert "last.ckpt" in names and len([n for n in names if n.startswith("best-")]) == 2, names
    assert not [n for n in names if n.startswith(".")]
    last = load_checkpoint_file(run / "checkpoints" / "last.ckpt")
    assert last["global_step"] == 30
    assert last["speech"]["task"] == TONE_CLASSIFIER and last["speech"]["model_type"] == "tone_classifier"
    assert result.best_checkpoint is not None and result.best_checkpoint.is_file()

    # The exported model is the last state, loadable through from_pretrained.
    model = ToneClassifier.from_pretrained(result.model_dir)
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, last["state_dict"][f"model.{name}"]), name


@pytest.mark.heavy
def test_gan_style_task_steps_both_optimizers(make_config: MakeConfig) -> None:
    result = train(make_config(f"task={TONE_GAN}", "trainer.max_steps=24", "checkpoint.export=best", "task_conf.generator_optim.lr=1e-2"))
    assert result.steps == 24
    last = load_checkpoint_file(result.last_checkpoint)
    assert last["global_step"] == 48  # Lightning counts one step per optimizer
    assert len(last["optimizer_states"]) == 2 and len(last["lr_schedulers"]) == 2
    # Each optimizer holds state only for its own parameters (generator: 2 Linear + embedding).
    assert len(last["optimizer_states"][0]["state"]) == 5 and len(last["optimizer_states"][1]["state"]) == 4
    l1 = [v for _, v in read_losses(result.run_dir, "train/generator_l1")]
    assert len(l1) == 24 and _mean(l1[-4:]) < 0.6 * _mean(l1[:4]), l1
    assert [v for _, v in read_losses(result.run_dir, "train/discriminator_loss")]
    # checkpoint.export=best: the exported weights are those of the best checkpoint.
    best = load_checkpoint_file(result.best_checkpoint)
    model = ToneGan.from_pretrained(result.model_dir)
    assert torch.equal(model.generator[0].weight, best["state_dict"]["model.generator.0.weight"])


@pytest.mark.heavy
def test_gradient_clipping_bounds_the_update(make_config: MakeConfig) -> None:
    overrides = ("trainer.max_steps=1", "optim.name=sgd", "optim.lr=1.0", "data.valid_cuts=null", "task_conf.model.dropout=0")
    config = make_config(*overrides, "trainer.gradient_clip_val=1e-4", exp="clipped")
    seed_everything(config.trainer.seed)
    initial = ToneClassifier(config.task_conf.model).state_dict()

    def moved(result_dir: Path) -> float:
        trained = ToneClassifier.from_pretrained(result_dir).state_dict()
        return float(torch.sqrt(sum(((trained[k] - initial[k]) ** 2).sum() for k in initial)))

    assert moved(train(config).model_dir) <= 1e-4 * 1.001
    unclipped = make_config(*overrides, "trainer.gradient_clip_val=null", exp="unclipped")
    assert moved(train(unclipped).model_dir) > 1e-3


@pytest.mark.heavy
def test_accumulation_and_bf16_mixed_precision(make_config: MakeConfig) -> None:
    config = make_config(
        "trainer.accumulate_grad_batches=3", "trainer.precision=bf16-mixed", "trainer.max_steps=4", "data.valid_cuts=null"
    )
    result = train(config)
    assert result.steps == 4
    last = load_checkpoint_file(result.last_checkpoint)
    assert last["loops"]["fit_loop"]["epoch_loop.batch_progress"]["total"]["ready"] == 12  # 4 updates x 3 batches
    assert all(torch.isfinite(torch.tensor(v)) for _, v in read_losses(result.run_dir))


@pytest.mark.heavy
def test_checkpoint_of_another_task_is_refused(make_config: MakeConfig, tmp_path: Path) -> None:
    first = train(make_config("trainer.max_steps=3", "data.valid_cuts=null", exp="classifier"))
    with pytest.raises(ModelTypeMismatchError, match=f"holds a run of task '{TONE_CLASSIFIER}'; this config trains '{TONE_GAN}'"):
        train(make_config(f"task={TONE_GAN}", exp="classifier"))
    # The same checkpoint dropped into a fresh run directory: the checkpoint itself is checked.
    other = tmp_path / "gan" / "checkpoints"
    other.mkdir(parents=True)
    shutil.copy(first.last_checkpoint, other / "last.ckpt")
    with pytest.raises(ModelTypeMismatchError, match=f"checkpoint is from task '{TONE_CLASSIFIER}'.*this run trains task '{TONE_GAN}'"):
        train(make_config(f"task={TONE_GAN}", "data.valid_cuts=null", exp="gan"))


@pytest.mark.heavy
def test_changed_architecture_on_resume_is_named(make_config: MakeConfig) -> None:
    first = train(make_config("trainer.max_steps=2", "data.valid_cuts=null"))
    kept = {name: (first.run_dir / name).read_bytes() for name in ("config.yaml", "run_info.yaml", "csv/metrics.csv")}
    with pytest.raises(ArchitectureMismatchError, match=r"model\.conv1\.weight: file \(32, 40, 5\) vs model \(8, 40, 5\)"):
        train(make_config("trainer.max_steps=4", "data.valid_cuts=null", "task_conf.model.hidden=8"))
    # The failed resume leaves the run as it was: its config, run info and loss log untouched.
    assert {name: (first.run_dir / name).read_bytes() for name in kept} == kept


def test_used_run_directory_with_resume_never(make_config: MakeConfig) -> None:
    config = make_config("resume=never")
    last = Path(config.exp_dir) / "checkpoints" / "last.ckpt"
    last.parent.mkdir(parents=True)
    last.write_bytes(b"x")
    with pytest.raises(RunDirectoryError, match="already holds a run"):
        train(config)


def test_missing_data_path_fails_before_training(make_config: MakeConfig, tmp_path: Path) -> None:
    with pytest.raises(DataPathError, match=r"data\.valid_cuts: cut manifest not found"):
        train(make_config(f"data.valid_cuts={tmp_path / 'missing.jsonl.gz'}"))
    assert not (tmp_path / "run").exists()
