"""The synthesis API: text + language + voice + emotion + accent -> waveform.

A synthesizer directory holds everything one call needs::

    <dir>/acoustic/        the AcousticModel (config.yaml, model.safetensors, checksums)
    <dir>/symbols.json     the symbol table the model was trained with
    <dir>/vocoder/         a neural vocoder (optional; Griffin-Lim is used without it)
    <dir>/README.md        the model card

Example:
    >>> synth = Synthesizer.from_pretrained("models/bootstrap-multilingual")  # doctest: +SKIP
    >>> wav, sr = synth.synthesize("Hola, ¿qué tal?", "es", speaker="ref.wav", emotion="happy")  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from speech.audio.features import LogMelSpectrogram
from speech.audio.io import load_audio, resample
from speech.errors import AudioError, EmptyTextError, SpeechError, SSMLError, UnknownLanguageError
from speech.options import INTENSITY_RANGE, SPEED_RANGE, check_range
from speech.text.languages import get_language
from speech.text.ssml import looks_like_ssml, parse_ssml
from speech.text.symbols import DEFAULT_TABLE_FILE, SymbolTable
from speech.text.tokenizer import TokenizedText, Tokenizer
from speech.tts.model import AcousticModel, VariancePlan

if TYPE_CHECKING:
    from speech.tts.vocoder.base import Vocoder

logger = logging.getLogger(__name__)

MIN_REFERENCE_S, TRIM_REFERENCE_S, MAX_REFERENCE_S = 1.0, 30.0, 60.0
_SENTENCE_END = re.compile(r"(?<=[.!?。！？।])\s+|(?<=[。！？])")

Audio = str | os.PathLike[str] | tuple[np.ndarray, int]


@dataclass(frozen=True)
class AudioChunk:
    """One synthesised sentence.

    Attributes:
        audio: float32 waveform in [-1, 1].
        sample_rate: samples per second.
        text: the sentence ("" for an SSML ``<break>``).
        phonemes: the IPA the model read.
        pause_after_s: seconds of silence before the next chunk; ``None``: the caller's sentence
            pause (SSML sets it: no pause inside a sentence, none next to a ``<break>``).
    """

    audio: np.ndarray
    sample_rate: int
    text: str
    phonemes: str
    pause_after_s: float | None = None


@dataclass(frozen=True)
class _Piece:
    """A sentence to speak (with an SSML rate factor and pitch shift) or a silence."""

    text: str
    rate: float = 1.0
    pitch_st: float = 0.0
    pause_after_s: float | None = None
    silence_s: float = 0.0


@dataclass
class SpeechPlan:
    """One utterance's tokens and the model's predictions for them, before decoding.

    Edit ``variances`` (durations, pitch, energy per token) and hand the plan to
    :meth:`Synthesizer.render`: this is how dubbing fits a duration and steers prosody.

    Attributes:
        text: the text.
        language: its canonical language code.
        tokens: the tokenized text (``tokens.symbols[i]`` is token ``i``'s symbol).
        variances: the model's per-token predictions (batch of one).
    """

    text: str
    language: str
    tokens: TokenizedText
    variances: VariancePlan


def _looks_like_path(name: str) -> bool:
    """Whether a voice or emotion "name" is meant as a file (a folder part or an audio extension)."""
    return "/" in name or os.sep in name or Path(name).suffix.lower() in (".wav", ".flac", ".ogg", ".mp3", ".opus")


def split_sentences(text: str) -> list[str]:
    """Split long text at sentence ends (``. ! ?`` and their CJK/Devanagari forms).

    A piece with nothing to say (the ``...`` of "... for the operator.", a lone ``!``) stays with
    the sentence after it (or before it, at the end) instead of becoming a sentence of its own."""
    pieces = [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]
    out: list[str] = []
    pending = ""
    for piece in pieces:
        if not any(c.isalnum() for c in piece):
            if out:
                out[-1] = f"{out[-1]} {piece}"
            else:
                pending = f"{pending} {piece}".lstrip()
            continue
        out.append(f"{pending} {piece}".lstrip())
        pending = ""
    return out or pieces  # only punctuation: left for the front-end to refuse


def check_reference(wav: np.ndarray, sample_rate: int, what: str = "reference clip") -> np.ndarray:
    """Validate a reference clip: not silent, 1-60 s; trimmed to 30 s with a warning."""
    duration = len(wav) / sample_rate
    if duration < MIN_REFERENCE_S:
        raise AudioError(f"{what} is {duration:.2f} s long; give at least {MIN_REFERENCE_S:.0f} s of speech")
    if duration > MAX_REFERENCE_S:
        raise AudioError(f"{what} is {duration:.0f} s long; the limit is {MAX_REFERENCE_S:.0f} s")
    rms = float(np.sqrt(np.mean(np.square(wav, dtype=np.float64))))
    if rms < 1e-3:
        raise AudioError(f"{what} is silent (RMS {rms:.1e}); record or upload speech")
    if duration > TRIM_REFERENCE_S:
        logger.warning("%s is %.0f s long: using its first %.0f s", what, duration, TRIM_REFERENCE_S)
        wav = wav[: int(TRIM_REFERENCE_S * sample_rate)]
    return wav


class Synthesizer:
    """Acoustic model + tokenizer + vocoder, with voice cloning and emotion from clips.

    Args:
        model: the acoustic model (put in eval mode here).
        tokenizer: a tokenizer over the model's symbol table.
        vocoder: a vocoder (``speech.tts.vocoder``); Griffin-Lim when ``None``.
    """

    def __init__(self, model: AcousticModel, tokenizer: Tokenizer, vocoder: Vocoder | None = None) -> None:
        from speech.tts.vocoder import load_vocoder

        self.model = model.eval()
        self.tokenizer = tokenizer
        self.vocoder = vocoder if vocoder is not None else load_vocoder("griffin-lim")
        self.audio_config = model.config.audio
        self._mel = LogMelSpectrogram(self.audio_config)
        self._speaker_encoder: object | None = None

    # ------------------------------------------------------------------ loading and saving
    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike[str], vocoder: str | None = None) -> Synthesizer:
        """Load a synthesizer directory (see the module docstring).

        Args:
            directory: the synthesizer directory.
            vocoder: ``"griffin-lim"`` or a vocoder directory, overriding ``<dir>/vocoder``.
        """
        from speech.tts.vocoder import load_vocoder

        d = Path(directory)
        if not d.is_dir():
            raise FileNotFoundError(f"synthesizer directory not found: {d}")
        model = AcousticModel.from_pretrained(d / "acoustic")
        table = SymbolTable.load(d / DEFAULT_TABLE_FILE)
        if len(table) > model.config.vocab_size:
            raise SpeechError(f"{d}: symbol table has {len(table)} symbols, the model only {model.config.vocab_size}")
        choice = vocoder or (str(d / "vocoder") if (d / "vocoder").is_dir() else "griffin-lim")
        return cls(model, Tokenizer(table), load_vocoder(choice))

    def save_pretrained(self, directory: str | os.PathLike[str]) -> Path:
        """Write the acoustic model and symbol table (and a neural vocoder if there is one)."""
        d = Path(directory)
        self.model.save_pretrained(d / "acoustic")
        self.tokenizer.symbols.save(d / DEFAULT_TABLE_FILE)
        if hasattr(self.vocoder, "save_pretrained"):
            self.vocoder.save_pretrained(d / "vocoder")
        return d

    # ------------------------------------------------------------------ conditioning
    @property
    def languages(self) -> list[str]:
        return list(self.model.config.languages)

    @property
    def speakers(self) -> list[str]:
        return list(self.model.config.speakers)

    @property
    def emotions(self) -> list[str]:
        return list(self.model.config.emotions)

    def _load_reference(self, audio: Audio, what: str) -> tuple[np.ndarray, int]:
        if isinstance(audio, tuple):
            wav, sr = audio
            wav = np.asarray(wav, dtype=np.float32)
            if wav.ndim == 2:
                wav = wav.mean(axis=0 if wav.shape[0] < wav.shape[1] else 1)
        else:
            wav, sr = load_audio(audio)
        return check_reference(wav, sr, what), sr

    def speaker_embedding(self, speaker: str | Audio) -> torch.Tensor:
        """d-vector ``(speaker_dim,)`` of a training speaker (by name) or of a reference clip."""
        if isinstance(speaker, str) and not os.path.exists(speaker):
            if speaker not in self.speakers and _looks_like_path(speaker):
                raise FileNotFoundError(f"speaker reference clip {speaker} does not exist (or name a training speaker)")
            return self.model.speaker_embedding(speaker)
        wav, sr = self._load_reference(speaker, "speaker reference clip")
        # speaker_encoder is typed object: its class is imported on first use.
        return torch.tensor(self.speaker_encoder.embed(wav, sr), dtype=torch.float32)  # type: ignore[attr-defined]

    @property
    def speaker_encoder(self) -> object:
        """The GE2E encoder (:class:`speech.eval.speaker.SpeakerEncoder`) that clones voices, loaded on
        first use; share it to score speaker similarity without loading a second copy."""
        if self._speaker_encoder is None:
            from speech.eval.speaker import SpeakerEncoder

            self._speaker_encoder = SpeakerEncoder()
        return self._speaker_encoder

    def emotion_input(self, emotion: str | Audio) -> torch.Tensor:
        """Emotion id ``()`` (by name) or emotion probabilities ``(E,)`` from a reference clip."""
        if isinstance(emotion, str) and not os.path.exists(emotion):
            if emotion not in self.emotions and _looks_like_path(emotion):
                raise FileNotFoundError(f"emotion reference clip {emotion} does not exist (or name an emotion)")
            if emotion not in self.emotions:
                raise SpeechError(f"unknown emotion {emotion!r}; known emotions: {', '.join(self.emotions)}")
            return torch.tensor(self.emotions.index(emotion))
        wav, sr = self._load_reference(emotion, "emotion reference clip")
        wav = resample(wav, sr, self.audio_config.sample_rate)
        with torch.no_grad():
            mel = self._mel(torch.from_numpy(wav)).unsqueeze(0)
        return self.model.classify_emotion(mel, torch.tensor([mel.size(-1)]))[0]

    def _language(self, code: str, what: str) -> str:
        lang = get_language(code).code
        if lang not in self.languages:
            raise UnknownLanguageError(
                f"{what} {lang!r} is not supported by this model; it speaks: {', '.join(self.languages)}"
            )
        return lang

    # ------------------------------------------------------------------ synthesis
    def _pieces(self, text: str, language: str, speed: float) -> list[_Piece]:
        """Sentences (and SSML pauses) of ``text``, each with its rate factor and pitch shift."""
        if not looks_like_ssml(text):
            return [_Piece(s) for s in split_sentences(text)]
        segments = parse_ssml(text, get_language(language))
        pieces: list[_Piece] = []
        for i, seg in enumerate(segments):
            if seg.is_pause:
                pieces.append(_Piece("", pause_after_s=0.0, silence_s=seg.pause_s))
                continue
            if not SPEED_RANGE[0] <= speed * seg.rate <= SPEED_RANGE[1]:
                raise SSMLError(
                    f"<prosody rate> makes the speed {speed * seg.rate:g} for {seg.text[:30]!r}; "
                    f"it must stay between {SPEED_RANGE[0]:g} and {SPEED_RANGE[1]:g}"
                )
            sentences = split_sentences(seg.text)
            next_is_pause = i + 1 < len(segments) and segments[i + 1].is_pause
            # Prosody changes inside a sentence run on without a pause; a <break> replaces the pause.
            ends_sentence = seg.text.rstrip()[-1:] in ".!?。！？।"
            last_pause = 0.0 if next_is_pause or not ends_sentence else None
            for j, sentence in enumerate(sentences):
                pause = last_pause if j == len(sentences) - 1 else None
                pieces.append(_Piece(sentence, seg.rate, seg.pitch_st, pause))
        return pieces

    def check_text(self, text: str, language: str) -> None:
        """Everything :meth:`synthesize` checks about a text, without synthesising it.

        Raises:
            EmptyTextError, TextTooLongError, MarkupError, SSMLError, UnknownLanguageError: as
                synthesis would, so a batch can be checked before any output is written.
        """
        lang = self._language(language, "language")
        if not isinstance(text, str) or not text.strip():
            raise EmptyTextError("nothing to say: the text is empty")
        pieces = [p for p in self._pieces(text, lang, 1.0) if p.text]
        if not pieces:
            raise EmptyTextError(f"nothing to say in {text[:60]!r}: it holds only markup")
        for tok in self.tokenizer.encode_batch([p.text for p in pieces], lang):
            unknown = sorted(set(tok.languages) - set(self.languages))
            if unknown:
                raise self._unsupported_span(unknown[0])

    def _unsupported_span(self, code: str) -> UnknownLanguageError:
        """The error for a stretch of text (an inline tag, or letters of another script) in ``code``."""
        return UnknownLanguageError(
            f"part of the text is in {code!r} (an inline tag, or letters of a script read in {code!r}), "
            f"which this model does not speak; it speaks: {', '.join(self.languages)}"
        )

    def stream(
        self,
        text: str,
        language: str,
        speaker: str | Audio,
        emotion: str | Audio = "neutral",
        accent: str | None = None,
        speed: float = 1.0,
        emotion_intensity: float = 1.0,
    ) -> Iterator[AudioChunk]:
        """Synthesise ``text`` sentence by sentence (see :meth:`synthesize` for the arguments)."""
        lang = self._language(language, "language")
        accent_lang = self._language(accent, "accent") if accent else None
        speed = check_range(speed, *SPEED_RANGE, "speed")
        emotion_intensity = check_range(emotion_intensity, *INTENSITY_RANGE, "emotion intensity")
        if not isinstance(text, str) or not text.strip():
            raise EmptyTextError("nothing to say: the text is empty")
        pieces = self._pieces(text, lang, speed)
        spoken = [p for p in pieces if p.text]
        if not spoken:
            raise EmptyTextError(f"nothing to say in {text[:60]!r}: it holds only markup")
        spk = self.speaker_embedding(speaker).unsqueeze(0)
        emo = self.emotion_input(emotion).unsqueeze(0)
        tokens = iter(self.tokenizer.encode_batch([p.text for p in spoken], lang))
        index = {code: i for i, code in enumerate(self.languages)}
        sr = self.audio_config.sample_rate
        # Semitones -> the model's pitch units (standard deviations of natural-log F0).
        st_to_pitch = np.log(2.0) / 12.0 / self.model.config.pitch_std
        for piece in pieces:
            if not piece.text:
                yield AudioChunk(np.zeros(int(round(piece.silence_s * sr)), np.float32), sr, "", "", 0.0)
                continue
            tok = next(tokens)
            try:
                langs = torch.tensor([[index[code] for code in tok.languages]])
            except KeyError as e:
                raise self._unsupported_span(e.args[0]) from e
            accent_ids = None if accent_lang is None else torch.full_like(langs, index[accent_lang])
            mel, _ = self.model.infer(
                torch.tensor([tok.ids]), langs, spk, emo,
                accent_languages=accent_ids, speed=speed * piece.rate, emotion_intensity=emotion_intensity,
                pitch_shift=float(piece.pitch_st * st_to_pitch),
            )
            with torch.no_grad():
                wav = self.vocoder(mel).squeeze(0).cpu().numpy()
            yield AudioChunk(np.clip(wav, -1, 1).astype(np.float32), sr, piece.text, tok.phonemes, piece.pause_after_s)

    def plan(
        self,
        text: str,
        language: str,
        speaker: str | Audio,
        emotion: str | Audio = "neutral",
        accent: str | None = None,
        emotion_intensity: float = 1.0,
    ) -> SpeechPlan:
        """Tokenize ``text`` as one utterance and predict its durations, pitch and energy.

        Args: as :meth:`synthesize` (the text is not split into sentences).

        Returns:
            A :class:`SpeechPlan` for :meth:`render`.
        """
        lang = self._language(language, "language")
        accent_lang = self._language(accent, "accent") if accent else None
        if not isinstance(text, str) or not text.strip():
            raise EmptyTextError("nothing to say: the text is empty")
        spk = self.speaker_embedding(speaker).unsqueeze(0)
        emo = self.emotion_input(emotion).unsqueeze(0)
        tok = self.tokenizer.encode(" ".join(text.split()), lang)
        index = {code: i for i, code in enumerate(self.languages)}
        try:
            langs = torch.tensor([[index[code] for code in tok.languages]])
        except KeyError as e:
            raise self._unsupported_span(e.args[0]) from e
        accent_ids = None if accent_lang is None else torch.full_like(langs, index[accent_lang])
        variances = self.model.predict_variances(
            torch.tensor([tok.ids]), langs, spk, emo, accent_languages=accent_ids, emotion_intensity=emotion_intensity
        )
        return SpeechPlan(text, lang, tok, variances)

    def render(self, plan: SpeechPlan, durations: torch.Tensor | None = None) -> tuple[np.ndarray, torch.Tensor]:
        """Decode and vocode a plan.

        Args:
            plan: from :meth:`plan`, possibly edited.
            durations: ``(1, T_text)`` whole frames per token (the plan's, rounded, when ``None``).

        Returns:
            ``(waveform float32 in [-1, 1], log-mel (1, n_mels, frames))``.
        """
        mel, _ = self.model.decode_plan(plan.variances, durations)
        return self.vocode(mel), mel

    def vocode(self, mel: torch.Tensor) -> np.ndarray:
        """Waveform (float32 in [-1, 1]) of a log-mel ``(1, n_mels, frames)``."""
        with torch.no_grad():
            wav = self.vocoder(mel).squeeze(0).cpu().numpy()
        return np.clip(wav, -1, 1).astype(np.float32)

    def synthesize(
        self,
        text: str,
        language: str,
        speaker: str | Audio,
        emotion: str | Audio = "neutral",
        accent: str | None = None,
        speed: float = 1.0,
        emotion_intensity: float = 1.0,
        sentence_pause: float = 0.25,
    ) -> tuple[np.ndarray, int]:
        """Speak ``text`` in ``language`` with a voice, an emotion and an accent.

        Args:
            text: any length; split into sentences joined by ``sentence_pause`` seconds of silence.
                Inline ``<code>..</code>`` spans switch language. SSML (``<speak>``, ``<break>``,
                ``<prosody rate pitch>``, ``<emphasis>``, ``<lang>``, ``<say-as>``: see
                :mod:`speech.text.ssml`) sets pauses, speed and pitch.
            language: the target language (code or alias).
            speaker: a training speaker's name, or a reference clip (path or ``(wav, rate)``) to clone.
            emotion: an emotion name, or a reference clip whose emotion is copied.
            accent: ``None`` (native) or another language whose accent to use.
            speed: > 1 speaks faster (0.25 to 4).
            emotion_intensity: 0 neutral, 1 as trained, > 1 exaggerated (up to 3).

        Returns:
            ``(waveform float32, sample_rate)``.

        Raises:
            OptionError: ``speed`` or ``emotion_intensity`` out of range (or NaN).
        """
        chunks = list(self.stream(text, language, speaker, emotion, accent, speed, emotion_intensity))
        sr = self.audio_config.sample_rate
        pieces: list[np.ndarray] = []
        for i, chunk in enumerate(chunks):
            pieces.append(chunk.audio)
            if i + 1 < len(chunks):
                pause_s = sentence_pause if chunk.pause_after_s is None else chunk.pause_after_s
                pieces.append(np.zeros(int(round(pause_s * sr)), dtype=np.float32))
        return np.concatenate(pieces), sr
