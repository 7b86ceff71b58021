"""A tiny random Whisper in CTranslate2 format, made by CTranslate2's own converter (tests only).

``transformers`` builds a random ``WhisperForConditionalGeneration`` with a few dimensions, saves it
locally, and :class:`ctranslate2.converters.TransformersConverter` writes the ``model.bin`` that
:mod:`speech.asr.whisper` reads, so the reader and the tensor mapping are checked against the
real converter, in seconds and without downloads. The converter needs a tokenizer: Whisper's
``tokenizer.json`` is taken from the assembled Whisper-base (whose 51,865-token vocabulary sets the
embedding size).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import torch


def make_tiny_ct2_whisper(
    out_dir: str | Path, d_model: int = 16, layers: int = 2, heads: int = 2, ffn_dim: int = 32, seed: int = 0
) -> tuple[Path, Path]:
    """Write a random Whisper as ``out_dir/hf`` (transformers) and ``out_dir/ct2`` (CTranslate2, float32).

    Returns:
        ``(hf_dir, ct2_dir)``.
    """
    import ctranslate2
    from transformers import WhisperConfig, WhisperForConditionalGeneration

    from speech.assets import whisper as asset

    out = Path(out_dir)
    hf_dir, ct2_dir = out / "hf", out / "ct2"
    torch.manual_seed(seed)
    config = WhisperConfig(
        vocab_size=51865, d_model=d_model, encoder_layers=layers, encoder_attention_heads=heads,
        decoder_layers=1, decoder_attention_heads=heads, encoder_ffn_dim=ffn_dim, decoder_ffn_dim=ffn_dim,
        num_mel_bins=80, max_source_positions=1500, max_target_positions=32,
    )
    model = WhisperForConditionalGeneration(config)
    # Random biases (transformers initialises them to zero), so a wrong bias mapping shows.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias"):
                p.normal_(0.0, 0.1)
    model.save_pretrained(str(hf_dir))
    shutil.copyfile(asset.model_dir() / "tokenizer.json", hf_dir / "tokenizer.json")
    converter = ctranslate2.converters.TransformersConverter(str(hf_dir), load_as_float16=False)
    converter.convert(str(ct2_dir), quantization="float32", force=True)
    return hf_dir, ct2_dir
