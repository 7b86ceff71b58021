"""SLUModel: outputs, save/load, multitask, freeze schedule, BERT fusion, transformers encoders."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from lhotse import CutSet

from speech.pretrained import verify_checksums
from speech.slu.labels import LabelSchema, LabelSetMismatchError, load_labels
from speech.slu.model import FusionInputError, SLUModel
from speech.slu.task import EncoderInitConfig, SLUCollate, SLUTask, SLUTaskConfig

from .helpers import FSC_LABELS, tiny_slu_config


def batch_of(cuts_path: Path, task: SLUTask, n: int = 6) -> dict:
    cuts = CutSet.from_file(cuts_path).subset(first=n).to_eager()
    return task.make_collate()(cuts)


def step(task: SLUTask, model: SLUModel, batch: dict, lr: float = 1e-2) -> dict[str, torch.Tensor]:
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr)
    model.train()
    losses = task.training_losses(model, batch)
    opt.zero_grad()
    losses["loss"].backward()
    opt.step()
    return losses


def test_outputs_shapes_and_prediction_format() -> None:
    model = SLUModel(tiny_slu_config()).eval()
    wav = torch.randn(3, 12000) * 0.1
    lens = torch.tensor([12000, 9000, 6000])
    out = model(wav, lens)
    assert {k: tuple(v.shape) for k, v in out.logits.items()} == {"action": (3, 2), "location": (3, 2), "object": (3, 2)}
    assert out.ctc_log_probs is None and out.gate is None
    # Batch consistency: each utterance gets the logits it gets alone.
    for i, n in enumerate(lens.tolist()):
        alone = model(wav[i : i + 1, :n], lens[i : i + 1]).logits
        for name in alone:
            assert torch.allclose(out.logits[name][i], alone[name][0], atol=1e-5), name
    results = model.predict([np.random.default_rng(0).normal(0, 0.1, 8000).astype(np.float32)])
    intent, confidence, transcript = results[0]
    assert set(intent) == {"action", "object", "location"}
    assert all(intent[k] in FSC_LABELS.slots[k] for k in intent)
    assert all(0.5 <= confidence[k] <= 1.0 for k in intent)  # the max of two probabilities
    assert transcript is None


def test_save_load_round_trip_gives_identical_outputs(tmp_path: Path) -> None:
    torch.manual_seed(0)
    labels = LabelSchema(slots=FSC_LABELS.slots, multi_label={"slots": ["date", "place_name", "time"]})
    model = SLUModel(tiny_slu_config(labels)).eval()
    directory = model.save_pretrained(tmp_path / "m")
    assert set(verify_checksums(directory)) == {"config.yaml", "model.safetensors", "labels.json"}
    assert load_labels(directory / "labels.json") == labels
    loaded = SLUModel.from_pretrained(directory)
    wav, lens = torch.randn(2, 10000) * 0.1, torch.tensor([10000, 7000])
    a, b = model(wav, lens), loaded(wav, lens)
    for name in a.logits:
        assert torch.equal(a.logits[name], b.logits[name]), name
    assert model.predict([wav[0].numpy()]) == loaded.predict([wav[0].numpy()])
    assert "slots_types" in loaded.predict([wav[0].numpy()])[0][0]


def test_multitask_adds_weighted_ctc_loss(tone_corpus: dict[str, Path]) -> None:
    task = SLUTask(SLUTaskConfig(model=tiny_slu_config(), labels_file=str(tone_corpus["labels"]),
                                 tokens_file=str(tone_corpus["tokens"]), ctc_weight=0.3))
    model = task.build_model()
    batch = batch_of(tone_corpus["train"], task)
    assert batch["targets"].shape[0] == 6 and int(batch["target_lens"].min()) > 0
    model.train()
    torch.manual_seed(1)
    losses = task.training_losses(model, batch)
    assert float(losses["ctc"]) > 0
    assert losses["loss"].item() == pytest.approx(losses["slu"].item() + 0.3 * losses["ctc"].item(), rel=1e-5)
    losses["loss"].backward()
    assert model.ctc.proj.weight.grad is not None and model.ctc.proj.weight.grad.abs().sum() > 0


def test_freeze_schedule_keeps_the_encoder_fixed_then_releases_it(tone_corpus: dict[str, Path], tmp_path: Path) -> None:
    task = SLUTask(SLUTaskConfig(model=tiny_slu_config(), labels_file=str(tone_corpus["labels"]), freeze_encoder_steps=2))
    model = task.build_model()
    batch = batch_of(tone_corpus["train"], task, n=4)
    enc0 = {k: v.clone() for k, v in model.encoder.state_dict().items()}
    dec0 = model.heads["action"].weight.detach().clone()
    for _ in range(2):
        step(task, model, batch)
    assert int(model.trained_batches) == 2
    for name, tensor in model.encoder.state_dict().items():
        assert torch.equal(tensor, enc0[name]), f"{name} changed while frozen"
    assert not torch.equal(model.heads["action"].weight, dec0)
    # The counter is part of the state: a resumed (or re-loaded) model knows where the schedule is.
    reloaded = SLUModel.from_pretrained(model.save_pretrained(tmp_path / "m"))
    assert int(reloaded.trained_batches) == 2 and not task.encoder_frozen(reloaded)
    step(task, model, batch)
    changed = [k for k, v in model.encoder.state_dict().items() if v.is_floating_point() and not torch.equal(v, enc0[k])]
    assert len(changed) > 10


def test_collate_refuses_values_outside_the_label_set(tone_corpus: dict[str, Path]) -> None:
    narrow = LabelSchema(slots={**FSC_LABELS.slots, "location": ["none"]})
    collate = SLUCollate(16000, narrow, None)
    cuts = CutSet.from_file(tone_corpus["train"]).to_eager()
    with pytest.raises(LabelSetMismatchError, match=r"location='kitchen' is not in the model's label set \(none\)"):
        collate(cuts)


def test_bert_fusion_forward_backward_and_round_trip(tone_corpus: dict[str, Path], tiny_bert_dir: Path, tmp_path: Path) -> None:
    cfg = tiny_slu_config()
    cfg.fusion.enabled = True
    cfg.fusion.attention_heads = 2
    task = SLUTask(SLUTaskConfig(model=cfg, labels_file=str(tone_corpus["labels"]), tokens_file=str(tone_corpus["tokens"]),
                                 ctc_weight=0.2, text_encoder_path=str(tiny_bert_dir)))
    model = task.build_model()
    assert model.fusion is not None and model.config.fusion.hf_config["hidden_size"] == 16
    bert_before = {k: v.clone() for k, v in model.fusion.text_encoder.state_dict().items()}
    batch = batch_of(tone_corpus["train"], task, n=4)
    model.train()
    out = model(batch["audio"], batch["audio_lens"], texts=batch["texts"])
    assert out.gate is not None and tuple(out.gate.shape) == (4, 3, 32)
    assert bool(((out.gate > 0) & (out.gate < 1)).all())
    losses = task.training_losses(model, batch)
    losses["loss"].backward()
    assert model.fusion.gate.weight.grad.abs().sum() > 0 and model.fusion.proj.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in model.fusion.text_encoder.parameters())  # frozen BERT
    torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1).step()
    for name, tensor in model.fusion.text_encoder.state_dict().items():
        assert torch.equal(tensor, bert_before[name])
    # Transcripts change the prediction: BERT is really in the path.
    model.eval()
    a = model(batch["audio"], batch["audio_lens"], texts=["turn on the lights"] * 4).logits["object"]
    b = model(batch["audio"], batch["audio_lens"], texts=["heat in the kitchen"] * 4).logits["object"]
    assert not torch.allclose(a, b)
    # Saved with its tokenizer; loaded, it gives the same outputs, with its own CTC hypotheses too.
    directory = model.save_pretrained(tmp_path / "fusion")
    assert (directory / "text_tokenizer.json").is_file() and (directory / "tokens.json").is_file()
    loaded = SLUModel.from_pretrained(directory)
    c = loaded(batch["audio"], batch["audio_lens"], texts=["turn on the lights"] * 4).logits["object"]
    assert torch.equal(a, c)
    own = loaded(batch["audio"], batch["audio_lens"])
    assert own.transcripts is not None and len(own.transcripts) == 4


def test_fusion_without_transcript_source_is_an_error(tiny_bert_dir: Path, tone_corpus: dict[str, Path]) -> None:
    cfg = tiny_slu_config()
    cfg.fusion.enabled = True
    cfg.fusion.attention_heads = 2
    task = SLUTask(SLUTaskConfig(model=cfg, labels_file=str(tone_corpus["labels"]), text_encoder_path=str(tiny_bert_dir)))
    model = task.build_model().eval()
    with pytest.raises(FusionInputError, match="no CTC head"):
        model(torch.randn(1, 8000), torch.tensor([8000]))


def test_default_text_encoder_is_the_packaged_minilm() -> None:
    from safetensors import safe_open

    from speech.slu.model import FusionConfig, TextFusion, read_text_encoder_config
    from speech.slu.transfer import default_text_encoder_path, load_text_encoder_weights

    path = default_text_encoder_path()
    assert (path / "model.safetensors").is_file() and (path / "tokenizer.json").is_file()
    config = read_text_encoder_config(path)
    assert config["model_type"] == "bert" and config["hidden_size"] == 384 and config["num_hidden_layers"] == 6
    fusion = TextFusion(FusionConfig(enabled=True, hf_config=config), dim=32)
    load_text_encoder_weights(fusion, path)
    with safe_open(str(path / "model.safetensors"), framework="pt") as f:
        name = next(k for k in f.keys() if k.endswith("encoder.layer.5.output.dense.weight"))
        stored = f.get_tensor(name)
    assert torch.equal(fusion.text_encoder.state_dict()["encoder.layer.5.output.dense.weight"], stored)
    states, pad = fusion.encode_texts(["turn on the lights in the kitchen", "hi"], torch.device("cpu"))
    assert states.shape[0] == 2 and states.shape[2] == 32
    assert pad[0].sum() == 0 and pad[1].sum() > 0  # the short text is padded


@pytest.mark.parametrize("kind", ["wav2vec2", "hubert", "whisper"])
def test_transformers_encoder_plugs_in_and_trains_one_step(
    kind: str, tone_corpus: dict[str, Path], tiny_wav2vec2_dir: Path, tmp_path: Path
) -> None:
    if kind == "wav2vec2":
        source = tiny_wav2vec2_dir
    elif kind == "hubert":
        from transformers import HubertConfig, HubertModel

        torch.manual_seed(4)
        source = tmp_path / "tiny_hubert"
        HubertModel(HubertConfig(
            hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, conv_dim=(8, 8),
            conv_stride=(5, 4), conv_kernel=(10, 8), num_conv_pos_embeddings=8, num_conv_pos_embedding_groups=2,
            mask_time_prob=0.0,
        )).save_pretrained(str(source))
    else:
        from transformers import WhisperConfig, WhisperModel

        torch.manual_seed(3)
        source = tmp_path / "tiny_whisper"
        WhisperModel(WhisperConfig(
            d_model=16, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2, decoder_attention_heads=2,
            encoder_ffn_dim=32, decoder_ffn_dim=32, num_mel_bins=80, vocab_size=64, max_target_positions=32,
            pad_token_id=0, bos_token_id=1, eos_token_id=2, decoder_start_token_id=1, suppress_tokens=[], begin_suppress_tokens=[],
        )).save_pretrained(str(source))
    task = SLUTask(SLUTaskConfig(model=tiny_slu_config(), labels_file=str(tone_corpus["labels"]),
                                 init=EncoderInitConfig(source="transformers", path=str(source))))
    model = task.build_model()
    assert model.config.encoder.kind == "transformers" and model.encoder.model_type == kind
    # The pre-trained weights are the ones in the directory.
    from transformers import AutoModel

    reference = AutoModel.from_pretrained(str(source))
    reference = reference.get_encoder() if kind == "whisper" else reference
    for name, tensor in reference.state_dict().items():
        assert torch.equal(model.encoder.model.state_dict()[name], tensor), name
    batch = batch_of(tone_corpus["train"], task, n=3)
    before = copy.deepcopy(model.encoder.state_dict())
    losses = step(task, model, batch, lr=1e-2)
    assert torch.isfinite(losses["loss"])
    changed = [k for k, v in model.encoder.state_dict().items() if v.is_floating_point() and not torch.equal(v, before[k])]
    assert changed, "the transformers encoder was not updated"
    # A saved model is rebuilt from our directory alone.
    loaded = SLUModel.from_pretrained(model.save_pretrained(tmp_path / "saved"))
    model.eval()
    x, n = batch["audio"][:1, : int(batch["audio_lens"][0])], batch["audio_lens"][:1]
    assert torch.allclose(model(x, n).logits["action"], loaded(x, n).logits["action"], atol=1e-6)


def test_labels_json_matches_config(tmp_path: Path) -> None:
    model = SLUModel(tiny_slu_config())
    directory = model.save_pretrained(tmp_path / "m")
    data = json.loads((directory / "labels.json").read_text())
    assert data["slots"] == FSC_LABELS.slots and data["format"] == "speech-slu-labels"
