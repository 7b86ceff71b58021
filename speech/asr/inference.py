"""Transcribing files with a saved ASR model: :class:`Transcriber` and its inference config.

Example:
    >>> t = Transcriber.from_pretrained("exp/asr/model")  # doctest: +SKIP
    >>> [r.text for r in t.transcribe_files(["a.wav", "b.wav"])]  # doctest: +SKIP
    ['turn on the lights', 'bring me the shoes']
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from speech.asr.audio import AudioCheckConfig, load_checked, prepare_waveform
from speech.asr.decoding import DecodingConfig
from speech.asr.model import ASRModel

logger = logging.getLogger(__name__)


@dataclass(kw_only=True)
class ASRInferenceConfig:
    """How a saved ASR model is run (not part of the model)."""

    decoding: DecodingConfig = field(default_factory=DecodingConfig)
    audio: AudioCheckConfig = field(default_factory=AudioCheckConfig)
    batch_size: int = 16
    """Utterances per forward pass (sorted by length, so padding stays small)."""
    device: str = "cpu"


@dataclass(frozen=True)
class Transcription:
    """One result: the source (a path, or None for in-memory audio) and the text."""

    source: str | None
    text: str


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> Iterator[list[int]]:
    """Indices grouped into batches of similar length (longest first)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


class Transcriber:
    """A loaded ASR model with an inference config; also a ``speech.eval.asr.Transcriber`` callable.

    Args:
        model: the model (put in eval mode on ``config.device``).
        config: inference settings.
    """

    def __init__(self, model: ASRModel, config: ASRInferenceConfig | None = None) -> None:
        self.config = config or ASRInferenceConfig()
        self.model = model.to(torch.device(self.config.device)).eval()

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike[str], config: ASRInferenceConfig | None = None) -> Transcriber:
        """Load a model directory written by ``save_pretrained`` (checksums verified)."""
        config = config or ASRInferenceConfig()
        return cls(ASRModel.from_pretrained(directory, map_location=config.device), config)

    @property
    def sample_rate(self) -> int:
        return self.model.sample_rate

    def transcribe(self, waveforms: Sequence[np.ndarray]) -> list[str]:
        """Transcripts of checked waveforms at the model's rate, batched by length."""
        out: list[str] = [""] * len(waveforms)
        for batch in length_sorted_batches([w.shape[0] for w in waveforms], self.config.batch_size):
            texts = self.model.transcribe([waveforms[i] for i in batch], self.config.decoding)
            for i, text in zip(batch, texts):
                out[i] = text
        return out

    def transcribe_files(self, paths: Sequence[str | os.PathLike[str]]) -> list[Transcription]:
        """Load, check (resampling when needed) and transcribe audio files."""
        min_samples = self.model.min_samples()
        wavs = [load_checked(p, self.sample_rate, self.config.audio, min_samples) for p in paths]
        return [Transcription(str(p), t) for p, t in zip(paths, self.transcribe(wavs))]

    def __call__(self, wav: np.ndarray, sample_rate: int) -> str:
        """Transcript of one waveform at any rate (the ``speech.eval`` transcriber protocol)."""
        x = prepare_waveform(wav, sample_rate, self.sample_rate, self.config.audio, min_samples=self.model.min_samples())
        return self.transcribe([x])[0]
