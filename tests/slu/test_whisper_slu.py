"""SLU on Whisper's encoder: freezing, fine-tuning, a head that learns on frozen Whisper-base, head-only saving."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from lhotse import CutSet
from safetensors import safe_open

from speech.asr.encoder import EncoderConfig
from speech.asr.whisper import STATE_CACHE, WhisperEncoderConfig, whisper_config_from_ct2
from speech.slu.labels import labels_from_cuts
from speech.slu.model import SLUConfig, SLUDecoderConfig, SLUModel
from speech.slu.task import SLUTask, SLUTaskConfig
from speech.testing.slu_audio import COMMANDS, make_command_corpus

# Four commands whose intents differ in every slot pairing: turn on/off the lights, increase/decrease the volume.
FOUR = [COMMANDS[i] for i in (0, 1, 6, 7)]


@pytest.fixture(scope="module")
def four_intents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """flite speech: train on slt/awb/rms (3 renditions each), dev on the unseen voice kal16."""
    return make_command_corpus(tmp_path_factory.mktemp("four"), copies=3, commands=FOUR)


@pytest.fixture(scope="module")
def tiny_ct2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from speech.testing.whisper import make_tiny_ct2_whisper

    return make_tiny_ct2_whisper(tmp_path_factory.mktemp("tiny_whisper"))[1]


def _task(labels_cuts: Path, whisper: WhisperEncoderConfig, dim: int = 32) -> SLUTask:
    config = SLUConfig(
        encoder=EncoderConfig(kind="whisper", sample_rate=16000, whisper=whisper),
        decoder=SLUDecoderConfig(dim=dim, attention_heads=2, feedforward=2 * dim, num_layers=1, dropout=0.0),
        labels=labels_from_cuts(labels_cuts),
    )
    return SLUTask(SLUTaskConfig(model=config))


def _encoder_weights(model: SLUModel) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.encoder.model.state_dict().items()}


@pytest.mark.parametrize("freeze", ["all", "top_k", "none"])
def test_a_training_step_changes_exactly_the_unfrozen_encoder_weights(
    four_intents: dict[str, Path], tiny_ct2: Path, freeze: str
) -> None:
    torch.manual_seed(0)
    task = _task(four_intents["train"], whisper_config_from_ct2(tiny_ct2, freeze=freeze, top_k=1, cache_mb=0))
    model = task.build_model()
    batch = task.make_collate()(CutSet.from_file(four_intents["train"]).to_eager().subset(first=6))
    before = _encoder_weights(model)
    head_before = model.heads["action"].weight.detach().clone()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    model.train()
    loss = task.training_losses(model, batch)["loss"]
    opt.zero_grad()
    loss.backward()
    opt.step()
    after = _encoder_weights(model)
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert not torch.equal(head_before, model.heads["action"].weight)  # the head always learns
    if freeze == "all":
        assert changed == set()
    elif freeze == "top_k":
        assert changed and all(k.startswith(("layers.1.", "layer_norm.")) for k in changed)
        assert "layers.1.fc1.weight" in changed
    else:
        assert {"conv1.weight", "layers.0.fc1.weight", "layers.1.fc1.weight"} <= changed
        assert "embed_positions.weight" not in changed  # Whisper's positions stay fixed


def test_a_saved_frozen_model_holds_only_the_head_and_reloads_the_encoder(
    four_intents: dict[str, Path], tiny_ct2: Path, tmp_path: Path
) -> None:
    torch.manual_seed(0)
    for freeze, kept in (("all", set()), ("top_k", {"layers.1.", "layer_norm."})):
        task = _task(four_intents["train"], whisper_config_from_ct2(tiny_ct2, freeze=freeze, top_k=1, cache_mb=0))
        model = task.build_model().eval()
        if kept:
            with torch.no_grad():  # stand-in for fine-tuning: the trained top layer differs from model.bin
                model.encoder.model.layers[1].fc1.bias.add_(0.5)
        out = model.save_pretrained(tmp_path / freeze)
        with safe_open(str(out / "model.safetensors"), framework="pt") as f:
            encoder_keys = [k for k in f.keys() if k.startswith("encoder.model.")]
        assert all(any(k.startswith(f"encoder.model.{p}") for p in kept) for k in encoder_keys)
        assert bool(encoder_keys) == bool(kept)
        loaded = SLUModel.from_pretrained(out)
        assert loaded.config.encoder.whisper.model_sha256 == model.config.encoder.whisper.model_sha256
        for k, v in model.state_dict().items():
            assert torch.equal(v, loaded.state_dict()[k]), k
        wav = np.random.default_rng(0).standard_normal(12000).astype(np.float32) * 0.1
        a = model.predict([wav])[0][1]
        b = loaded.predict([wav])[0][1]
        assert a == pytest.approx(b, abs=1e-6)


@pytest.mark.heavy
def test_a_head_on_frozen_whisper_base_learns_four_spoken_intents(four_intents: dict[str, Path]) -> None:
    """Real Whisper-base states, real (flite) speech; dev is a voice never heard in training."""
    STATE_CACHE.clear()
    torch.manual_seed(0)
    task = _task(four_intents["train"], WhisperEncoderConfig(freeze="all", cache_mb=256), dim=64)
    model = task.build_model()
    collate = task.make_collate()
    train_batch = collate(CutSet.from_file(four_intents["train"]).to_eager())
    dev_batch = collate(CutSet.from_file(four_intents["dev"]).to_eager())
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-3)
    losses = []
    for _ in range(40):
        model.train()
        loss = task.training_losses(model, train_batch)["loss"]
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    # 36 training clips encoded once, then read from the cache at every step.
    assert len(STATE_CACHE) == 36 and STATE_CACHE.hits >= 36 * 39
    model.eval()
    with torch.no_grad():
        dev = task.validation_metrics(model, dev_batch)
    assert sum(losses[-5:]) < 0.2 * sum(losses[:5])
    assert dev["accuracy"].item() >= 0.75, dev  # 4 intents: chance is 0.25
    STATE_CACHE.clear()
