"""Predicting intents with a saved SLU model: :class:`SLUPredictor` and its inference config.

Example:
    >>> p = SLUPredictor.from_pretrained("models/bootstrap-slu")  # doctest: +SKIP
    >>> p.predict_files(["a.wav"])[0].to_dict()  # doctest: +SKIP
    {'path': 'a.wav', 'intent': {'action': 'activate', 'object': 'lights', 'location': 'kitchen'},
     'confidence': 0.93, 'slot_confidence': {'action': 0.99, 'object': 0.97, 'location': 0.96}}
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from speech.asr.audio import AudioCheckConfig, load_checked, prepare_waveform
from speech.asr.inference import ASRInferenceConfig, Transcriber, length_sorted_batches
from speech.audio.speech_check import COMMAND_CHECK, SpeechCheckConfig, check_speech
from speech.slu.model import FusionInputError, SLUModel


@dataclass(kw_only=True)
class SLUInferenceConfig:
    """How a saved SLU model is run (not part of the model)."""

    audio: AudioCheckConfig = field(default_factory=AudioCheckConfig)
    batch_size: int = 16
    device: str = "cpu"
    asr_model: str | None = None
    """BERT fusion: an ASR model directory whose transcripts feed BERT (default: the model's own CTC head)."""
    speech_check: SpeechCheckConfig | None = COMMAND_CHECK
    """Files are refused before the model runs when they hold no speech (silence, DC, noise):
    an SLU model answers some intent for any sound. ``None`` turns the check off."""


@dataclass(frozen=True)
class IntentPrediction:
    """One prediction.

    Attributes:
        source: the file (None for in-memory audio).
        intent: slot -> value (multi-label slots as ``<slot>_types`` lists); None (``"intent": null``
            in JSON) when the utterance is unlike every training command (novelty over 1) or its
            confidence is under the model's ``reject_below``.
        confidence: product of the slot confidences (the probability that the whole intent is right,
            if slots were independent).
        slot_confidence: slot -> probability of the predicted value.
        transcript: the transcript BERT fusion used, or the CTC hypothesis of a multitask model.
        novelty: distance from the training commands over the calibrated threshold (None when the
            model holds no novelty statistics; see :mod:`speech.slu.novelty`).
    """

    source: str | None
    intent: dict[str, Any] | None
    confidence: float
    slot_confidence: dict[str, float]
    transcript: str | None = None
    novelty: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.source,
            "intent": self.intent,
            "confidence": round(self.confidence, 6),
            "slot_confidence": {k: round(v, 6) for k, v in self.slot_confidence.items()},
        }
        if self.transcript is not None:
            out["transcript"] = self.transcript
        if self.novelty is not None:
            out["novelty"] = round(self.novelty, 4)
        return out


class SLUPredictor:
    """A loaded SLU model (plus, for fusion, an optional ASR model); an ``IntentPredictor`` callable.

    Args:
        model: the SLU model (moved to ``config.device``, eval mode).
        config: inference settings.
        transcriber: ASR for BERT fusion when the model has no CTC head (or to override it).

    Raises:
        FusionInputError: a fusion model without CTC head and without ``transcriber``.
    """

    def __init__(
        self, model: SLUModel, config: SLUInferenceConfig | None = None, transcriber: Transcriber | None = None
    ) -> None:
        self.config = config or SLUInferenceConfig()
        self.model = model.to(torch.device(self.config.device)).eval()
        self.transcriber = transcriber
        if model.fusion is not None and model.ctc is None and transcriber is None:
            raise FusionInputError(
                "this SLU model fuses BERT over transcripts but has no CTC head: give an ASR model "
                "(SLUInferenceConfig.asr_model / --asr-model) to transcribe the audio"
            )

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike[str], config: SLUInferenceConfig | None = None) -> SLUPredictor:
        """Load a model directory written by ``save_pretrained`` (checksums verified)."""
        config = config or SLUInferenceConfig()
        model = SLUModel.from_pretrained(directory, map_location=config.device)
        transcriber = None
        if config.asr_model is not None:
            asr_config = ASRInferenceConfig(audio=config.audio, batch_size=config.batch_size, device=config.device)
            transcriber = Transcriber.from_pretrained(config.asr_model, asr_config)
            if transcriber.sample_rate != model.sample_rate:
                raise FusionInputError(
                    f"ASR model {config.asr_model} runs at {transcriber.sample_rate} Hz, "
                    f"the SLU model at {model.sample_rate} Hz"
                )
        return cls(model, config, transcriber)

    @property
    def sample_rate(self) -> int:
        return self.model.sample_rate

    def predict(
        self, waveforms: Sequence[np.ndarray], sources: Sequence[str | None] | None = None
    ) -> list[IntentPrediction]:
        """Intents of checked waveforms at the model's rate, batched by length."""
        sources = list(sources) if sources is not None else [None] * len(waveforms)
        out: list[IntentPrediction | None] = [None] * len(waveforms)
        for batch in length_sorted_batches([w.shape[0] for w in waveforms], self.config.batch_size):
            wavs = [waveforms[i] for i in batch]
            texts = None
            if self.transcriber is not None and self.model.fusion is not None:
                texts = self.transcriber.transcribe(wavs)
            results, novelty = self.model.predict_with_novelty(wavs, texts)
            for k, (i, (intent, conf, transcript)) in enumerate(zip(batch, results)):
                confidence = math.prod(conf.values())
                new = None if novelty is None else float(novelty[k])
                # Unlike every training command (speech that is not a command), or under the model's
                # confidence floor: the answer is "no intent", never a confident guess.
                rejected = confidence < self.model.config.reject_below or (new is not None and new > 1.0)
                out[i] = IntentPrediction(sources[i], None if rejected else intent, confidence, conf, transcript, new)
        return [p for p in out if p is not None]

    def predict_files(self, paths: Sequence[str | os.PathLike[str]]) -> list[IntentPrediction]:
        """Load, check (resampling when needed) and predict audio files.

        Every file is loaded and checked before any is predicted, so one bad file fails the call
        before the model runs.

        Raises:
            AudioError: a file that cannot be read, is too short or silent.
            NotSpeechError: a file that holds no speech (see ``SLUInferenceConfig.speech_check``).
        """
        min_samples = self.model.min_samples()
        wavs = [load_checked(p, self.sample_rate, self.config.audio, min_samples) for p in paths]
        for path, wav in zip(paths, wavs):
            self.check_speech(wav, f"audio file {path}")
        return self.predict(wavs, [str(p) for p in paths])

    def check_speech(self, wav: np.ndarray, what: str = "recording") -> None:
        """Refuse a waveform at the model's rate that holds no speech (``config.speech_check``).

        Raises:
            NotSpeechError: silence, a DC offset or noise (the message names ``what``).
        """
        if self.config.speech_check is not None:
            check_speech(wav, self.sample_rate, self.config.speech_check, what)

    def __call__(self, wav: np.ndarray, sample_rate: int) -> dict[str, Any] | None:
        """The intent of one waveform at any rate (``speech.eval.intent.IntentPredictor``); ``None``
        when it is not a command the model knows (novelty rejection)."""
        x = prepare_waveform(wav, sample_rate, self.sample_rate, self.config.audio, min_samples=self.model.min_samples())
        return self.predict([x])[0].intent
