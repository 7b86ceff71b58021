"""A tiny SLU model learns: a fast in-process loop on separable signals, and engine runs on flite speech."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from lhotse import CutSet

from speech.slu.model import SLUModel
from speech.slu.task import SLUTask, SLUTaskConfig
from speech.train.config import load_config
from speech.train.engine import train
from speech.train.schema import TrainConfig

from .helpers import tiny_slu_config


@pytest.mark.heavy
def test_tiny_slu_model_learns_separable_commands_above_chance(tone_corpus: dict[str, Path]) -> None:
    torch.manual_seed(0)
    task = SLUTask(SLUTaskConfig(model=tiny_slu_config(), labels_file=str(tone_corpus["labels"])))
    model = task.build_model()
    collate = task.make_collate()
    train_batch = collate(CutSet.from_file(tone_corpus["train"]).to_eager())
    dev_batch = collate(CutSet.from_file(tone_corpus["dev"]).to_eager())
    model.eval()
    with torch.no_grad():
        before = task.validation_metrics(model, dev_batch)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(25):
        model.train()
        loss = task.training_losses(model, train_batch)["loss"]
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        after = task.validation_metrics(model, dev_batch)
    # 8 intents: chance for all three slots right is 1/8; held-out utterances.
    assert after["accuracy"].item() >= 0.5, (before, after)
    assert after["loss"].item() < 0.5 * before["loss"].item()
    assert sum(losses[-5:]) < 0.5 * sum(losses[:5])


def engine_config(corpus: dict[str, Path], exp_dir: Path, task: str, task_conf: dict, steps: int, lr: float) -> TrainConfig:
    from speech.train.config import from_dict

    return from_dict(TrainConfig, {
        "task": task,
        "task_conf": task_conf,
        "exp_dir": str(exp_dir),
        "data": {"train_cuts": str(corpus["train"]), "valid_cuts": str(corpus["dev"]),
                 "sampler": {"max_duration": 30.0, "num_buckets": 2}},
        "trainer": {"accelerator": "cpu", "max_steps": steps, "val_every_n_steps": steps, "log_every_n_steps": 5,
                    "progress_bar": False},
        "checkpoint": {"every_n_steps": steps, "keep_best": 0},
        "optim": {"lr": lr},
    })


@pytest.mark.heavy
def test_engine_trains_asr_then_slu_from_it(command_corpus: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """ASR pre-training and ASR-initialised multitask SLU through the shared engine, then the CLI."""
    from speech.asr.model import ASRModel
    from speech.cli import main
    from speech.train.config import to_dict

    enc = to_dict(tiny_slu_config().encoder)
    asr_conf = {"tokens_file": str(command_corpus["tokens"]), "model": {"encoder": enc}}
    asr = train(engine_config(command_corpus, tmp_path / "asr", "speech.asr.task:ASRTask", asr_conf, steps=20, lr=3e-3))
    assert asr.steps == 20 and (asr.model_dir / "tokens.json").is_file()
    asr_model = ASRModel.from_pretrained(asr.model_dir)
    slu_conf = {
        "labels_file": str(command_corpus["labels"]),
        "init": {"source": "asr", "path": str(asr.model_dir)},
        "ctc_weight": 0.3,
        "freeze_encoder_steps": 5,
        "model": {"decoder": {"dim": 32, "attention_heads": 2, "feedforward": 64, "num_layers": 1}},
    }
    config = engine_config(command_corpus, tmp_path / "slu", "speech.slu.task:SLUTask", slu_conf, steps=20, lr=3e-3)
    slu = train(config)
    assert load_config(TrainConfig, slu.run_dir / "config.yaml") == config
    model = SLUModel.from_pretrained(slu.model_dir)
    assert int(model.trained_batches) == 20
    # The encoder architecture came from the ASR model (SpecAugment is the SLU config's own).
    assert model.config.encoder.espnet == asr_model.config.encoder.espnet
    assert model.config.encoder.features == asr_model.config.encoder.features
    assert model.config.ctc == asr_model.config.ctc  # multitask tokens taken from the ASR model
    assert {"valid/accuracy", "valid/loss", "valid/ctc"} <= set(slu.metrics)
    wavs = sorted((command_corpus["root"] / "wav").glob("cmd_dev_*.wav"))[:3]
    assert main(["slu", "predict", "--model", str(slu.model_dir), *map(str, wavs)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["path"] for r in rows] == [str(w) for w in wavs]
    assert all(set(r["intent"]) == {"action", "object", "location"} and "transcript" in r for r in rows)
