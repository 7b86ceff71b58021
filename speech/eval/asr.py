"""Intelligibility: transcribe with an ASR model, then CER and WER with ``jiwer``.

A :data:`Transcriber` is any callable from ``(waveform, sample_rate)`` to text, so our own ASR
models plug in as they are. :class:`HFTranscriber` loads a ``transformers`` CTC model
(wav2vec 2.0, HuBERT, ...) or a Whisper model from a *local* directory (``local_files_only``:
nothing is downloaded).

Texts are normalised before scoring (:func:`normalize_text`): Unicode NFKC, lower case,
punctuation removed, whitespace collapsed. CER counts characters *including* spaces; corpus
rates are total edits over total reference length (not a mean of per-utterance rates). Languages
written without spaces between words (Chinese, Japanese, Thai...: :data:`CHARACTER_LANGUAGES`) are
scored by character: spaces are removed and each character counts as a word, so WER = CER.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from speech.eval.errors import ModelLoadError

#: ``transcriber(waveform, sample_rate) -> text``.
Transcriber = Callable[[np.ndarray, int], str]

#: Languages (codes before any region) written without spaces between words: scored by character.
CHARACTER_LANGUAGES = frozenset({"cmn", "zh", "yue", "ja", "th", "lo", "km", "my"})


def by_character(language: str | None) -> bool:
    """Whether ``language`` is scored by character (see :data:`CHARACTER_LANGUAGES`)."""
    return language is not None and language.strip().lower().replace("_", "-").split("-")[0] in CHARACTER_LANGUAGES


def normalize_text(text: str) -> str:
    """NFKC, lower case, punctuation (except apostrophes) to spaces, whitespace collapsed."""
    t = unicodedata.normalize("NFKC", text).lower()
    t = "".join(" " if unicodedata.category(c).startswith(("P", "S")) and c != "'" else c for c in t)
    return " ".join(t.split())


@dataclass(frozen=True)
class ErrorCounts:
    """Edit counts of one or more hypotheses against references."""

    char_edits: int
    chars: int
    word_edits: int
    words: int

    @property
    def cer(self) -> float:
        return self.char_edits / self.chars if self.chars else float("nan")

    @property
    def wer(self) -> float:
        return self.word_edits / self.words if self.words else float("nan")

    def __add__(self, other: ErrorCounts) -> ErrorCounts:
        return ErrorCounts(
            self.char_edits + other.char_edits,
            self.chars + other.chars,
            self.word_edits + other.word_edits,
            self.words + other.words,
        )


def error_counts(reference: str, hypothesis: str, language: str | None = None) -> ErrorCounts:
    """Character and word edit counts of ``hypothesis`` against ``reference`` (normalised).

    Args:
        reference: the text that was meant.
        hypothesis: the transcript.
        language: its code; Chinese, Japanese and the others of :data:`CHARACTER_LANGUAGES` are
            scored by character (``None``: by word).
    """
    import jiwer

    ref = normalize_text(reference)
    hyp = normalize_text(hypothesis)
    if by_character(language):
        ref, hyp = ref.replace(" ", ""), hyp.replace(" ", "")
    if not ref:
        raise ValueError(f"empty reference transcript after normalisation: {reference!r}")
    # Words of a character language are its characters (jiwer splits words on spaces).
    ref_words, hyp_words = (" ".join(ref), " ".join(hyp)) if by_character(language) else (ref, hyp)
    if hyp:
        w = jiwer.process_words(ref_words, hyp_words)
        c = jiwer.process_characters(ref, hyp)
        word_edits = w.substitutions + w.deletions + w.insertions
        char_edits = c.substitutions + c.deletions + c.insertions
    else:
        word_edits, char_edits = len(ref_words.split()), len(ref)
    return ErrorCounts(char_edits, len(ref), word_edits, len(ref_words.split()))


class HFTranscriber:
    """A ``transformers`` CTC or Whisper model from a local directory, as a :data:`Transcriber`.

    Args:
        model: the loaded model (eval mode).
        processor: its processor (feature extractor + tokenizer).
        kind: ``"ctc"`` or ``"whisper"``.
        language: Whisper language (e.g. ``"italian"``); ``None`` lets Whisper detect it.
        max_new_tokens: Whisper decoding limit.
    """

    def __init__(self, model: Any, processor: Any, kind: str, language: str | None = None, max_new_tokens: int = 128):
        if kind not in ("ctc", "whisper"):
            raise ValueError(f"kind must be 'ctc' or 'whisper', got {kind!r}")
        self.model = model
        self.processor = processor
        self.kind = kind
        self.language = language
        self.max_new_tokens = max_new_tokens
        self.sample_rate = int(getattr(processor.feature_extractor, "sampling_rate", 16000))

    @classmethod
    def from_pretrained(cls, path: str | Path, language: str | None = None, device: str = "cpu") -> HFTranscriber:
        """Load from a local directory holding ``config.json``, weights and processor files.

        Raises:
            FileNotFoundError: the directory or its config is missing.
            ModelLoadError: transformers cannot load it, or it is neither CTC nor Whisper.
        """
        p = Path(path)
        if not (p / "config.json").is_file():
            raise FileNotFoundError(f"no ASR model at {p} (config.json not found)")
        try:
            from transformers import AutoConfig, AutoModelForCTC, AutoProcessor, WhisperForConditionalGeneration

            config = AutoConfig.from_pretrained(p, local_files_only=True)
            processor = AutoProcessor.from_pretrained(p, local_files_only=True)
            if config.model_type == "whisper":
                model = WhisperForConditionalGeneration.from_pretrained(p, local_files_only=True)
                kind = "whisper"
            else:
                model = AutoModelForCTC.from_pretrained(p, local_files_only=True)
                kind = "ctc"
        except (OSError, ValueError, KeyError) as e:
            raise ModelLoadError(f"cannot load an ASR model from {p}: {e}") from e
        return cls(model.to(device).eval(), processor, kind, language=language)

    def __call__(self, wav: np.ndarray, sample_rate: int) -> str:
        import torch

        x = np.asarray(wav, dtype=np.float32)
        if sample_rate != self.sample_rate:
            import soxr

            x = soxr.resample(x, sample_rate, self.sample_rate).astype(np.float32)
        device = next(self.model.parameters()).device
        with torch.inference_mode():
            if self.kind == "ctc":
                inputs = self.processor(x, sampling_rate=self.sample_rate, return_tensors="pt")
                logits = self.model(inputs.input_values.to(device)).logits
                ids = logits.argmax(dim=-1)
                return str(self.processor.batch_decode(ids)[0])
            feats = self.processor(x, sampling_rate=self.sample_rate, return_tensors="pt").input_features
            # The decoder's positions bound prompt + output; leave room for the start tokens.
            limit = int(getattr(self.model.config, "max_target_positions", 448)) - 4
            kwargs: dict[str, Any] = {"max_new_tokens": max(1, min(self.max_new_tokens, limit))}
            if self.language is not None:
                kwargs.update(language=self.language, task="transcribe")
            ids = self.model.generate(feats.to(device), **kwargs)
            return str(self.processor.batch_decode(ids, skip_special_tokens=True)[0])
