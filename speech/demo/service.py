"""The work behind the demo page, as plain functions on loaded models (no Gradio here).

:class:`DemoService` holds the synthesizer, a speaker encoder and (optionally) an SLU model, and
answers the page's three questions: what is this reference clip, what does this text sound like
in this voice, and what does this command mean. Every user mistake raises a
:class:`~speech.errors.SpeechError` whose message is safe to show in the page: it names the
problem and what to do, and never a server path.

Example:
    >>> service = DemoService.load("models/bootstrap-multilingual")  # doctest: +SKIP
    >>> result = service.synthesize(SynthesisRequest(reference="ref.wav", text="Hola.", language="es"))  # doctest: +SKIP
    >>> result.sample_rate, result.similarity  # doctest: +SKIP
    (22050, 0.81)
"""

from __future__ import annotations

import logging
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from speech.demo.config import DemoConfig
from speech.demo.reference import ReferenceReport, prepare_reference, to_mono
from speech.errors import AudioError, SpeechError, TextTooLongError, UnknownLanguageError
from speech.text.languages import LANGUAGES, get_language

logger = logging.getLogger(__name__)

#: Audio as the page hands it over: a file path, or ``(sample_rate, samples)`` as ``gr.Audio`` gives.
AudioInput = str | os.PathLike[str] | tuple[int, np.ndarray]
AccentChoice = Literal["native", "reference"]


def language_label(code: str) -> str:
    """``"Spanish (es)"``: a language's display name and code."""
    return f"{get_language(code).display_name} ({code})"


def all_language_choices() -> list[tuple[str, str]]:
    """``(label, code)`` of every registered language, for a reference clip's language."""
    return [(language_label(lang.code), lang.code) for lang in LANGUAGES]


def read_audio(audio: AudioInput | None, what: str) -> tuple[np.ndarray, int]:
    """Mono float32 samples and rate of a page input; errors name ``what``, never the file's path.

    Raises:
        AudioError: nothing given, or a file that is not readable audio.
    """
    if audio is None or (isinstance(audio, str) and not audio):
        raise AudioError(f"no {what}: upload a file or record one")
    if isinstance(audio, tuple):
        sample_rate, samples = audio
        return to_mono(samples), int(sample_rate)
    from speech.audio.io import load_audio

    try:
        return load_audio(audio)
    except (AudioError, FileNotFoundError) as e:
        # The message of load_audio names the upload's path on the server: keep it in the log only.
        logger.info("cannot read %s: %s", what, e)
        raise AudioError(f"cannot read the {what}: give a WAV, FLAC, OGG or MP3 file") from e


@dataclass(kw_only=True)
class SynthesisRequest:
    """One click of the synthesis button.

    Attributes:
        reference: the voice to clone.
        text: what to say.
        language: target language (code, alias or display name).
        reference_language: the language spoken in the reference clip (for the accent).
        accent: ``"native"`` (the target language's own) or ``"reference"`` (the reference's language).
        emotion: an emotion of the model.
        emotion_reference: a clip whose emotion is copied instead of ``emotion``.
        emotion_intensity: 0 neutral, 1 as trained, up to 2 exaggerated.
        speed: > 1 speaks faster.
    """

    reference: AudioInput | None
    text: str
    language: str
    reference_language: str | None = None
    accent: AccentChoice = "native"
    emotion: str = "neutral"
    emotion_reference: AudioInput | None = None
    emotion_intensity: float = 1.0
    speed: float = 1.0


@dataclass(frozen=True)
class SynthesisResult:
    """What the page shows after a synthesis.

    Attributes:
        audio: float32 waveform.
        sample_rate: its rate.
        phonemes: the IPA the model read, one line per sentence.
        similarity: cosine similarity of the output's and the reference's GE2E speaker embeddings.
        figure: matplotlib figure of both clips' pitch and energy contours.
        reference: the reference clip's report (duration, trimming, speech check).
        notes: things the user should know (a trimmed reference...).
        seconds: wall-clock time of the synthesis alone.
    """

    audio: np.ndarray
    sample_rate: int
    phonemes: str
    similarity: float
    figure: Any
    reference: ReferenceReport
    notes: tuple[str, ...] = field(default_factory=tuple)
    seconds: float = 0.0

    @property
    def duration_s(self) -> float:
        return len(self.audio) / float(self.sample_rate)

    def pcm16(self) -> tuple[int, np.ndarray]:
        """``(sample_rate, int16 samples)``, what ``gr.Audio`` writes without converting."""
        return self.sample_rate, np.round(np.clip(self.audio, -1, 1) * 32767).astype(np.int16)


class DemoService:
    """Loaded models and the page's operations (see the module docstring).

    Args:
        synthesizer: a :class:`speech.tts.synthesizer.Synthesizer`.
        config: the page's limits.
        intent_predictor: a :class:`speech.slu.inference.SLUPredictor`, or ``None`` for no SLU tab.
    """

    def __init__(self, synthesizer: Any, config: DemoConfig | None = None, intent_predictor: Any | None = None) -> None:
        from speech.eval.speaker import SpeakerEncoder

        self.synthesizer = synthesizer
        self.config = config or DemoConfig()
        self.intent_predictor = intent_predictor
        self.speaker_encoder = SpeakerEncoder()

    @classmethod
    def load(
        cls,
        model_dir: str | os.PathLike[str],
        slu_model_dir: str | os.PathLike[str] | None = None,
        config: DemoConfig | None = None,
    ) -> DemoService:
        """Load a synthesizer directory and, when given, an SLU model directory.

        Raises:
            FileNotFoundError: a model directory that does not exist.
        """
        from speech.tts.synthesizer import Synthesizer

        synthesizer = Synthesizer.from_pretrained(model_dir)
        predictor = None
        if slu_model_dir is not None:
            from speech.slu import load_intent_predictor

            predictor = load_intent_predictor(slu_model_dir)
        logger.info("demo: synthesizer %s (%s), SLU model %s", model_dir, ", ".join(synthesizer.languages), slu_model_dir)
        return cls(synthesizer, config, predictor)

    # ------------------------------------------------------------------ what the model offers
    @property
    def languages(self) -> list[str]:
        return self.synthesizer.languages

    @property
    def emotions(self) -> list[str]:
        return self.synthesizer.emotions

    def language_choices(self) -> list[tuple[str, str]]:
        """``(label, code)`` of each language the model speaks."""
        return [(language_label(code), code) for code in self.languages]

    def model_language(self, name: str | None, what: str) -> str:
        """The canonical code of ``name`` if the model speaks it.

        Raises:
            UnknownLanguageError: not a language, or one the model does not speak.
        """
        if not name or not str(name).strip():
            raise UnknownLanguageError(f"choose a {what}")
        code = get_language(str(name)).code
        if code not in self.languages:
            spoken = ", ".join(language_label(c) for c in self.languages)
            raise UnknownLanguageError(f"{language_label(code)} is not supported as {what} by this model; it speaks {spoken}")
        return code

    # ------------------------------------------------------------------ operations
    def describe_reference(self, audio: AudioInput | None, what: str = "reference clip") -> str:
        """One line about a clip for the page (duration, trimming, speech check); never raises."""
        if audio is None:
            return ""
        from speech.demo.reference import inspect_reference

        try:
            wav, sr = read_audio(audio, what)
        except AudioError as e:
            return f"✗ {e}"
        return inspect_reference(wav, sr, self.config).summary()

    def check_text(self, text: str | None) -> str:
        """The text, stripped.

        Raises:
            SpeechError: empty, or longer than ``config.max_text_chars``.
        """
        from speech.errors import EmptyTextError

        clean = (text or "").strip()
        if not clean:
            raise EmptyTextError("the text is empty: type what the voice should say")
        if len(clean) > self.config.max_text_chars:
            raise TextTooLongError(
                f"the text has {len(clean)} characters, over the limit of {self.config.max_text_chars}: shorten it"
            )
        return clean

    def synthesize(self, request: SynthesisRequest) -> SynthesisResult:
        """Speak ``request.text`` in the reference's voice; see :class:`SynthesisRequest`.

        Raises:
            SpeechError: any problem with the inputs (message fit for the page).
        """
        from speech.demo.contours import plot_contours, prosody_contours

        text = self.check_text(request.text)
        language = self.model_language(request.language, "target language")
        accent = None
        if request.accent == "reference":
            accent = self.model_language(request.reference_language, "accent (the reference's language)")
        elif request.accent != "native":
            raise SpeechError(f"unknown accent choice {request.accent!r}; choose native or reference")
        if not 0.25 <= request.speed <= 4.0:
            raise SpeechError(f"speed must be between 0.25 and 4, got {request.speed}")
        if not 0.0 <= request.emotion_intensity <= 3.0:
            raise SpeechError(f"emotion intensity must be between 0 and 3, got {request.emotion_intensity}")
        ref_wav, ref_sr = read_audio(request.reference, "reference clip")
        ref_wav, report = prepare_reference(ref_wav, ref_sr, self.config, "reference clip")
        notes = []
        if report.trimmed:
            notes.append(
                f"The reference clip is {report.duration_s:.0f} s long: only its first {report.used_s:.0f} s were used."
            )
        emotion: str | tuple[np.ndarray, int] = request.emotion
        if request.emotion_reference is not None:
            emo_wav, emo_sr = read_audio(request.emotion_reference, "emotion clip")
            emo_wav, emo_report = prepare_reference(emo_wav, emo_sr, self.config, "emotion clip")
            emotion = (emo_wav, emo_sr)
            if emo_report.trimmed:
                notes.append(f"The emotion clip is {emo_report.duration_s:.0f} s long: only its first "
                             f"{emo_report.used_s:.0f} s were used.")
        elif request.emotion not in self.emotions:
            raise SpeechError(f"unknown emotion {request.emotion!r}; choose one of {', '.join(self.emotions)}")

        start = time.perf_counter()
        chunks = list(self.synthesizer.stream(
            text, language, speaker=(ref_wav, ref_sr), emotion=emotion, accent=accent,
            speed=float(request.speed), emotion_intensity=float(request.emotion_intensity),
        ))
        seconds = time.perf_counter() - start
        # Synthesizer.synthesize joins sentences the same way, but the page also needs each
        # sentence's phonemes, which only the stream's chunks carry.
        sr = chunks[0].sample_rate
        pause = np.zeros(int(0.25 * sr), dtype=np.float32)
        pieces = [p for i, c in enumerate(chunks) for p in ((pause, c.audio) if i else (c.audio,))]
        wav = np.concatenate(pieces)
        similarity = self.speaker_encoder.similarity(wav, sr, ref_wav, ref_sr)
        figure = plot_contours(
            [prosody_contours(ref_wav, ref_sr), prosody_contours(wav, sr)],
            ["reference", f"output ({language_label(language)})"],
        )
        logger.info("synthesised %.2f s of %s in %.2f s (similarity %.3f)", len(wav) / sr, language, seconds, similarity)
        return SynthesisResult(
            audio=wav, sample_rate=sr, phonemes="\n".join(c.phonemes for c in chunks), similarity=similarity,
            figure=figure, reference=report, notes=tuple(notes), seconds=seconds,
        )

    def predict_intent(self, audio: AudioInput | None) -> dict[str, Any]:
        """The intent of a spoken command: ``{"intent": {...}, "confidence": p, "slot_confidence": {...}}``.

        Raises:
            SpeechError: no SLU model is loaded, or the audio is unusable.
        """
        if self.intent_predictor is None:
            raise SpeechError("no SLU model is loaded: start the demo with --slu-model DIR")
        from speech.asr.audio import prepare_waveform

        wav, sr = read_audio(audio, "command recording")
        predictor = self.intent_predictor
        x = prepare_waveform(wav, sr, predictor.sample_rate, predictor.config.audio,
                             source="the command recording", min_samples=predictor.model.min_samples())
        predictor.check_speech(x, "command recording")  # the shared speech check, as in `speech slu predict`
        pred = predictor.predict([x])[0]
        out = pred.to_dict()
        out.pop("path", None)
        if not math.isfinite(out["confidence"]):
            raise SpeechError("the SLU model returned no confidence for this recording")
        return out


def model_directory(path: str | os.PathLike[str] | None, what: str, option: str) -> Path | None:
    """``path`` as a directory, ``None`` when not given.

    Raises:
        FileNotFoundError: the directory does not exist (the message names ``option``).
    """
    if path is None:
        return None
    p = Path(path)
    if not p.is_dir():
        raise FileNotFoundError(f"{what} directory not found: {p} (give another one with {option} DIR)")
    return p
