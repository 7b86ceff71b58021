"""The ASR model: a speech encoder (:mod:`speech.asr.encoder`) and a CTC head over characters or phonemes.

Saved with :meth:`~speech.pretrained.PretrainedMixin.save_pretrained` as ``config.yaml`` +
``model.safetensors`` + ``tokens.json`` (the CTC vocabulary, also stored in the config) +
checksums. Its ``encoder.*`` weights are what SLU models take over (:mod:`speech.slu.transfer`).

Example:
    >>> model = ASRModel(ASRConfig(ctc=CTCConfig(tokens=["<blank>", "<unk>", " ", "a", "b"])))
    >>> model.transcribe([np.zeros(16000, dtype=np.float32) + 0.1])  # doctest: +SKIP
    ['']
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from speech.asr.audio import pad_waveforms
from speech.asr.ctc import CTCHead
from speech.asr.decoding import DecodingConfig
from speech.asr.encoder import EncoderConfig, build_encoder
from speech.asr.tokens import VOCAB_FORMAT, CTCConfig, TextEncoder
from speech.pretrained import PretrainedModel

TOKENS_FILE = "tokens.json"


@dataclass(kw_only=True)
class ASRConfig:
    """Architecture of :class:`ASRModel`."""

    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    ctc: CTCConfig = field(default_factory=CTCConfig)
    ctc_dropout: float = 0.1
    language: str | None = None
    """Language of the training data (informative; phoneme targets use each utterance's own)."""


class ASRModel(PretrainedModel):
    """Speech encoder + CTC head. ``forward`` maps waveforms to CTC log-probabilities."""

    model_type = "speech_asr_ctc"
    config_class = ASRConfig

    def __init__(self, config: ASRConfig) -> None:
        super().__init__(config)
        self.encoder = build_encoder(config.encoder)
        self.ctc = CTCHead(self.encoder.output_size, config.ctc, dropout=config.ctc_dropout)
        self._text: TextEncoder | None = None

    @property
    def sample_rate(self) -> int:
        return self.config.encoder.sample_rate

    @property
    def text_encoder(self) -> TextEncoder:
        """Transcript <-> ids for this model's tokens."""
        if self._text is None:
            self._text = TextEncoder(self.config.ctc)
        return self._text

    def min_samples(self) -> int:
        """Shortest input (samples at :attr:`sample_rate`) that gives one output frame."""
        return self.encoder.min_samples()

    def forward(self, wav: torch.Tensor, wav_lens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(B, N)`` waveforms, ``(B,)`` lengths -> ``(B, T, V)`` log-probabilities, ``(B,)`` frames."""
        states, lens = self.encoder(wav, wav_lens)
        return self.ctc(states), lens

    @torch.inference_mode()
    def transcribe(self, waveforms: Sequence[np.ndarray], decoding: DecodingConfig | None = None) -> list[str]:
        """Transcripts of mono waveforms at :attr:`sample_rate` (one batch; see :mod:`speech.asr.inference`)."""
        if not waveforms:
            return []
        device = next(self.parameters()).device
        wav, lens = pad_waveforms(list(waveforms))
        log_probs, out_lens = self(wav.to(device), lens.to(device))
        return [self.text_encoder.decode(ids) for ids in self.ctc.decode(log_probs, out_lens, decoding)]

    def save_pretrained(self, directory: str | os.PathLike[str], extra_files: Mapping[str, str] | None = None) -> Path:
        """Save as :class:`~speech.pretrained.PretrainedMixin` does, plus ``tokens.json``."""
        vocab = {"format": VOCAB_FORMAT, "version": 1, "unit": self.config.ctc.unit, "tokens": self.config.ctc.tokens}
        files = {TOKENS_FILE: json.dumps(vocab, ensure_ascii=False, indent=1) + "\n", **(extra_files or {})}
        return super().save_pretrained(directory, extra_files=files)
