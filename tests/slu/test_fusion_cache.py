"""BERT fusion with a frozen text encoder: states are computed once per text and equal the batched ones."""

from __future__ import annotations

from pathlib import Path

import torch

from speech.slu.task import SLUTask, SLUTaskConfig

from .helpers import tiny_slu_config


def fusion_model(tone_corpus: dict[str, Path], tiny_bert_dir: Path):
    cfg = tiny_slu_config()
    cfg.fusion.enabled = True
    cfg.fusion.attention_heads = 2
    task = SLUTask(SLUTaskConfig(model=cfg, labels_file=str(tone_corpus["labels"]), text_encoder_path=str(tiny_bert_dir)))
    return task.build_model()


def test_cached_states_equal_a_fresh_padded_batch(tone_corpus: dict[str, Path], tiny_bert_dir: Path) -> None:
    fusion = fusion_model(tone_corpus, tiny_bert_dir).fusion
    texts = ["turn on the lights", "heat", "turn on the lights", "activate the heat in the kitchen"]
    calls = []
    fusion.text_encoder.register_forward_hook(lambda m, a, kw: calls.append(1), with_kwargs=False)
    states, pad = fusion.encode_texts(texts, torch.device("cpu"))
    assert len(calls) == 1 and len(fusion._states) == 3  # one BERT pass for the three distinct texts
    # Reference: the uncached computation on the padded batch.
    ids, mask = fusion._tokenize(texts, torch.device("cpu"))
    with torch.no_grad():
        ref = fusion.proj(fusion.text_encoder(input_ids=ids, attention_mask=mask).last_hidden_state)
    assert torch.equal(pad, mask == 0)
    valid = ~pad
    assert torch.allclose(states[valid], ref[valid], atol=1e-5)
    before = len(calls)
    again, _ = fusion.encode_texts(["heat", "turn on the lights"], torch.device("cpu"))
    assert len(calls) == before  # served from the cache
    assert torch.allclose(again[1, : int(valid[0].sum())], states[0, : int(valid[0].sum())])
    fusion.set_tokenizer(fusion.tokenizer_json)  # reloading weights/tokenizer empties the cache
    assert not fusion._states


def test_trainable_text_encoder_is_not_cached(tone_corpus: dict[str, Path], tiny_bert_dir: Path) -> None:
    fusion = fusion_model(tone_corpus, tiny_bert_dir).fusion
    fusion.config.freeze = False
    fusion.text_encoder.requires_grad_(True)
    states, _ = fusion.encode_texts(["turn on the lights"], torch.device("cpu"))
    assert not fusion._states and states.requires_grad
    states.sum().backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in fusion.text_encoder.parameters())
