"""Whisper-base as an independent judge: transcript, CER/WER and the language it hears.

The model is the CTranslate2 folder assembled at set-up (:func:`speech.assets.whisper.model_dir`,
checksums verified), run by ``faster-whisper`` on the CPU in int8; nothing is downloaded. It is
loaded once per process (:func:`get_judge`) and shared by every caller.

- :meth:`WhisperJudge.transcribe`: text, the detected language and its probability. Without a
  requested language Whisper decodes in the language it detects; with one, detection still runs
  (language identification is a figure of its own) and, when it disagrees, the clip is decoded a
  second time in the requested language, so that CER measures the words and not a translation.
- :meth:`WhisperJudge.score`: CER/WER against the reference text with the normalisation of
  :func:`speech.eval.asr.normalize_text`, by character for Chinese and Japanese
  (:func:`speech.eval.asr.error_counts`), plus whether the detected language is the requested one.
- :func:`whisper_language`: our language codes to Whisper's (``en-us`` -> ``en``, ``cmn`` -> ``zh``,
  ``nb`` -> ``no``); :meth:`WhisperJudge.covers` says whether Whisper knows a language at all.

Decoding is deterministic (temperature 0, beam 5, no conditioning on previous text).

Example:
    >>> judge = get_judge()  # doctest: +SKIP
    >>> judge.score(wav, 8000, "Please enter your password.", "en-us").counts.cer  # doctest: +SKIP
    0.0
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from speech.errors import UnknownLanguageError
from speech.eval.asr import ErrorCounts, error_counts
from speech.eval.errors import ModelLoadError

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16000
# Our canonical codes whose Whisper code is not the part before the region.
_TO_WHISPER = {"cmn": "zh", "nb": "no"}


@functools.cache
def whisper_languages() -> frozenset[str]:
    """The language codes Whisper's tokenizer knows (99 for the multilingual models)."""
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return frozenset(_LANGUAGE_CODES)


def whisper_language(code: str) -> str | None:
    """Whisper's code for one of ours (``en-us`` -> ``en``, ``es-419`` -> ``es``), or ``None``."""
    from speech.text.languages import get_language

    try:
        canonical = get_language(code).code
    except UnknownLanguageError:
        canonical = code.strip().lower().replace("_", "-")
    base = _TO_WHISPER.get(canonical, canonical.split("-")[0])
    return base if base in whisper_languages() else None


@dataclass(frozen=True)
class Transcription:
    """What Whisper heard in one clip.

    Attributes:
        text: the transcript (in the requested language when one was given).
        language: the language Whisper detected (its code, e.g. ``en``).
        language_probability: its probability (0-1).
    """

    text: str
    language: str
    language_probability: float


@dataclass(frozen=True)
class WhisperScore:
    """A clip judged against its text.

    Attributes:
        transcription: what Whisper heard.
        counts: character and word edits against the reference (see :class:`ErrorCounts`).
        language_correct: whether the detected language is the requested one (``None`` when no
            language was requested).
    """

    transcription: Transcription
    counts: ErrorCounts
    language_correct: bool | None

    @property
    def cer(self) -> float:
        return self.counts.cer

    @property
    def wer(self) -> float:
        return self.counts.wer


@dataclass
class WhisperJudge:
    """faster-whisper over the assembled Whisper-base folder (see the module docstring).

    Args:
        model_dir: the CTranslate2 folder (default: the checked asset).
        compute_type: CTranslate2 compute type (``int8`` on CPU).
        cpu_threads: threads per call (0: CTranslate2's default).
        beam_size: beam width of the decoder.
    """

    model_dir: Path | None = None
    compute_type: str = "int8"
    cpu_threads: int = 2
    beam_size: int = 5
    _model: Any = field(default=None, repr=False)

    def _load(self) -> Any:
        if self._model is None:
            from speech.assets import whisper as asset

            folder = self.model_dir if self.model_dir is not None else asset.model_dir()  # AssetError if missing
            if not (Path(folder) / "model.bin").is_file():
                raise ModelLoadError(f"no Whisper model at {folder} (model.bin not found); run `speech assets install`")
            try:
                from faster_whisper import WhisperModel
            except ImportError as e:
                raise ModelLoadError(f"faster-whisper is not installed ({e}); pip install 'faster-whisper>=1.1'") from e
            try:
                self._model = WhisperModel(str(folder), device="cpu", compute_type=self.compute_type,
                                           cpu_threads=self.cpu_threads)
            except (RuntimeError, ValueError, OSError) as e:
                raise ModelLoadError(f"cannot load the Whisper model at {folder}: {e}") from e
            logger.info("Whisper judge loaded from %s (%s, %d threads)", folder, self.compute_type, self.cpu_threads)
        return self._model

    def covers(self, language: str) -> bool:
        """Whether Whisper knows ``language`` (one of our codes)."""
        return whisper_language(language) is not None

    def _decode(self, x: np.ndarray, language: str | None) -> tuple[str, Any]:
        segments, info = self._load().transcribe(
            x, language=language, beam_size=self.beam_size, temperature=0.0,
            condition_on_previous_text=False, without_timestamps=True, vad_filter=False,
        )
        return " ".join(s.text.strip() for s in segments).strip(), info

    def transcribe(self, wav: np.ndarray, sample_rate: int, language: str | None = None) -> Transcription:
        """Transcribe one clip (any sample rate, mono).

        Args:
            wav: samples, float.
            sample_rate: their rate.
            language: our code of the language to decode in (``None``: the detected one).

        Raises:
            UnknownLanguageError: Whisper does not know ``language``.
        """
        target = None
        if language is not None:
            target = whisper_language(language)
            if target is None:
                raise UnknownLanguageError(
                    f"Whisper does not cover language {language!r}; judge it with --asr-model instead"
                )
        x = np.asarray(wav, dtype=np.float32).reshape(-1)
        if sample_rate != SAMPLE_RATE:
            import soxr

            x = soxr.resample(x, sample_rate, SAMPLE_RATE).astype(np.float32)
        if not np.any(x):
            return Transcription("", target or "", 0.0)
        # First pass lets Whisper detect the language; a second, forced pass only when it heard another.
        text, info = self._decode(x, None)
        detected, probability = str(info.language), float(info.language_probability)
        if target is not None and detected != target:
            text, _ = self._decode(x, target)
        return Transcription(text, detected, probability)

    def __call__(self, wav: np.ndarray, sample_rate: int) -> str:
        """The transcript alone: a :data:`speech.eval.asr.Transcriber`."""
        return self.transcribe(wav, sample_rate).text

    def score(self, wav: np.ndarray, sample_rate: int, text: str, language: str | None = None) -> WhisperScore:
        """Transcribe in ``language`` and score against ``text`` (see the module docstring)."""
        heard = self.transcribe(wav, sample_rate, language)
        counts = error_counts(text, heard.text, language)
        correct = None if language is None else heard.language == whisper_language(language)
        return WhisperScore(heard, counts, correct)


@functools.cache
def get_judge(model_dir: str | None = None, cpu_threads: int = 2) -> WhisperJudge:
    """The process-wide judge (loaded on first use; one per folder and thread count).

    Raises:
        AssetError: Whisper-base is not assembled (the message says to run the set-up).
    """
    from speech.assets import whisper as asset

    folder = Path(model_dir) if model_dir is not None else asset.model_dir()
    judge = WhisperJudge(folder, cpu_threads=cpu_threads)
    judge._load()
    return judge
