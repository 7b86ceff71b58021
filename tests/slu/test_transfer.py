"""Initialising SLU encoders from ASR checkpoints, refusing mismatches, and label-set checks."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from speech.asr.model import ASRModel
from speech.pretrained import ArchitectureMismatchError, ModelTypeMismatchError, write_checksums
from speech.slu.labels import LabelSchema, LabelSetMismatchError
from speech.slu.model import SLUModel
from speech.slu.task import EncoderInitConfig, SLUTask, SLUTaskConfig
from speech.slu.transfer import load_asr_encoder

from .helpers import FSC_LABELS, tiny_slu_config


def test_asr_checkpoint_encoder_weights_are_copied_exactly(asr_dir: Path, tone_corpus: dict[str, Path]) -> None:
    asr = ASRModel.from_pretrained(asr_dir)
    task = SLUTask(SLUTaskConfig(
        model=tiny_slu_config(), labels_file=str(tone_corpus["labels"]),
        init=EncoderInitConfig(source="asr", path=str(asr_dir)),
    ))
    torch.manual_seed(999)  # different from the ASR model's seed: a scratch encoder would differ
    slu = task.build_model()
    scratch = SLUModel(copy.deepcopy(task.model_config))
    asr_state, slu_state = asr.encoder.state_dict(), slu.encoder.state_dict()
    assert set(asr_state) == set(slu_state) and len(asr_state) > 20
    for name, tensor in asr_state.items():
        assert torch.equal(slu_state[name], tensor), name
    # ... and the copy changed something: a fresh encoder has other weights.
    differing = [n for n, t in scratch.encoder.state_dict().items() if t.is_floating_point() and not torch.equal(t, asr_state[n])]
    assert len(differing) > 10
    # Nothing but the encoder came from the ASR model: the SLU model has no CTC head here.
    assert slu.ctc is None


def test_encoder_architecture_is_taken_from_the_asr_model(asr_dir: Path, tone_corpus: dict[str, Path]) -> None:
    cfg = tiny_slu_config()
    cfg.encoder.espnet.num_blocks = 3  # overridden by copy_architecture
    cfg.encoder.specaug.num_time_masks = 5  # kept: a training-time setting
    task = SLUTask(SLUTaskConfig(model=cfg, labels_file=str(tone_corpus["labels"]),
                                 init=EncoderInitConfig(source="asr", path=str(asr_dir))))
    assert task.model_config.encoder.espnet.num_blocks == 1
    assert task.model_config.encoder.specaug.num_time_masks == 5


def test_mismatched_architecture_is_refused_with_the_differing_keys(asr_dir: Path) -> None:
    cfg = tiny_slu_config()
    cfg.encoder.espnet.output_size = 48
    cfg.encoder.espnet.num_blocks = 2
    slu = SLUModel(cfg)
    before = {k: v.clone() for k, v in slu.encoder.state_dict().items()}
    with pytest.raises(ArchitectureMismatchError) as err:
        load_asr_encoder(slu, asr_dir)
    message = str(err.value)
    assert "espnet.output_size: 32 vs 48" in message and "espnet.num_blocks: 1 vs 2" in message
    assert str(asr_dir) in message
    for name, tensor in slu.encoder.state_dict().items():  # nothing was half-copied
        assert torch.equal(tensor, before[name])


def test_mismatched_weight_shapes_are_refused_with_names_and_shapes(asr_dir: Path, tmp_path: Path) -> None:
    # Same config, but a weights file whose tensors do not fit it (e.g. edited by hand).
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("config.yaml", "tokens.json"):
        (broken / name).write_bytes((asr_dir / name).read_bytes())
    state = load_file(str(asr_dir / "model.safetensors"))
    key = "encoder.encoder.encoders.0.feed_forward.w_1.weight"
    state[key] = torch.zeros(7, state[key].shape[1])
    del state["encoder.encoder.after_norm.bias"]
    save_file(state, str(broken / "model.safetensors"), metadata={"model_type": "speech_asr_ctc"})
    write_checksums(broken, ["config.yaml", "model.safetensors", "tokens.json"])
    slu = SLUModel(tiny_slu_config())
    with pytest.raises(ArchitectureMismatchError) as err:
        load_asr_encoder(slu, broken)
    message = str(err.value)
    assert "encoder.encoders.0.feed_forward.w_1.weight: file (7, 32) vs model (64, 32)" in message
    assert "missing 1 key(s) (encoder.after_norm.bias)" in message


def test_a_non_asr_checkpoint_is_refused(tmp_path: Path) -> None:
    slu_dir = SLUModel(tiny_slu_config()).save_pretrained(tmp_path / "slu")
    with pytest.raises(ModelTypeMismatchError, match="speech_slu"):
        load_asr_encoder(SLUModel(tiny_slu_config()), slu_dir)


def test_ctc_head_is_copied_for_multitask(asr_dir: Path, tone_corpus: dict[str, Path]) -> None:
    task = SLUTask(SLUTaskConfig(
        model=tiny_slu_config(), labels_file=str(tone_corpus["labels"]), ctc_weight=0.5,
        init=EncoderInitConfig(source="asr", path=str(asr_dir), include_ctc_head=True),
    ))
    slu = task.build_model()
    asr = ASRModel.from_pretrained(asr_dir)
    assert slu.ctc is not None and slu.config.ctc.tokens == asr.config.ctc.tokens  # tokens from the ASR model
    for name, tensor in asr.ctc.state_dict().items():
        assert torch.equal(slu.ctc.state_dict()[name], tensor)


def test_slu_checkpoint_with_another_label_set_is_refused(tmp_path: Path, tone_corpus: dict[str, Path]) -> None:
    other = LabelSchema(slots={**FSC_LABELS.slots, "object": ["heat", "lights", "music"]})
    saved = SLUModel(tiny_slu_config(other)).save_pretrained(tmp_path / "slu_other")
    with pytest.raises(LabelSetMismatchError, match=r"slot 'object' values differ \(only in the first: \['music'\]\)"):
        SLUTask(SLUTaskConfig(labels_file=str(tone_corpus["labels"]),
                              init=EncoderInitConfig(source="slu", path=str(saved))))
    # With the data's label set it loads, weights and all.
    same = SLUModel(tiny_slu_config())
    same_dir = same.save_pretrained(tmp_path / "slu_same")
    loaded = SLUTask(SLUTaskConfig(labels_file=str(tone_corpus["labels"]),
                                   init=EncoderInitConfig(source="slu", path=str(same_dir)))).build_model()
    for name, tensor in same.state_dict().items():
        assert torch.equal(loaded.state_dict()[name], tensor)
