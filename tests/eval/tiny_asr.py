"""Tiny random-weight transformers ASR models, built from configs and saved locally (no downloads)."""

from __future__ import annotations

import json
from pathlib import Path

import torch


def make_ctc(d: Path) -> Path:
    """A 1-layer wav2vec 2.0 CTC model with an 8-symbol vocabulary."""
    from transformers import Wav2Vec2Config, Wav2Vec2CTCTokenizer, Wav2Vec2FeatureExtractor, Wav2Vec2ForCTC, Wav2Vec2Processor
    d.mkdir(parents=True, exist_ok=True)
    vocab = {"<pad>": 0, "<s>": 1, "</s>": 2, "<unk>": 3, "|": 4, "a": 5, "b": 6, "c": 7}
    (d / "vocab.json").write_text(json.dumps(vocab))
    tok = Wav2Vec2CTCTokenizer(str(d / "vocab.json"), word_delimiter_token="|")
    fe = Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=16000, padding_value=0.0, do_normalize=True, return_attention_mask=False)
    Wav2Vec2Processor(feature_extractor=fe, tokenizer=tok).save_pretrained(d)
    cfg = Wav2Vec2Config(
        vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        conv_dim=(16, 16), conv_stride=(5, 4), conv_kernel=(10, 8), num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=2,
        pad_token_id=0,
    )
    torch.manual_seed(0)
    Wav2Vec2ForCTC(cfg).save_pretrained(d)
    return d


def make_whisper(d: Path) -> Path:
    """A 1-layer Whisper model with a character vocabulary and the special tokens generate needs."""
    from transformers import WhisperConfig, WhisperFeatureExtractor, WhisperForConditionalGeneration, WhisperProcessor, WhisperTokenizer
    d.mkdir(parents=True, exist_ok=True)
    chars = list("abcdefghijklmnopqrstuvwxyz ")
    vocab = {c if c != " " else "Ġ": i for i, c in enumerate(chars)}
    vocab["<|endoftext|>"] = len(vocab)
    (d / "vocab.json").write_text(json.dumps(vocab))
    (d / "merges.txt").write_text("#version: 0.2\n")
    specials = ["<|startoftranscript|>", "<|en|>", "<|transcribe|>", "<|notimestamps|>"]
    tok = WhisperTokenizer(str(d / "vocab.json"), str(d / "merges.txt"), additional_special_tokens=specials)
    fe = WhisperFeatureExtractor(feature_size=80)
    WhisperProcessor(feature_extractor=fe, tokenizer=tok).save_pretrained(d)
    ids = {t: tok.convert_tokens_to_ids(t) for t in specials + ["<|endoftext|>"]}
    cfg = WhisperConfig(
        vocab_size=len(tok), d_model=16, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2, decoder_attention_heads=2,
        encoder_ffn_dim=32, decoder_ffn_dim=32, num_mel_bins=80, max_source_positions=1500, max_target_positions=32,
        decoder_start_token_id=ids["<|startoftranscript|>"], eos_token_id=ids["<|endoftext|>"],
        pad_token_id=ids["<|endoftext|>"], bos_token_id=ids["<|endoftext|>"],
    )
    torch.manual_seed(0)
    m = WhisperForConditionalGeneration(cfg)
    m.generation_config.decoder_start_token_id = ids["<|startoftranscript|>"]
    m.generation_config.eos_token_id = ids["<|endoftext|>"]
    m.generation_config.pad_token_id = ids["<|endoftext|>"]
    m.generation_config.forced_decoder_ids = None
    m.save_pretrained(d)
    return d
