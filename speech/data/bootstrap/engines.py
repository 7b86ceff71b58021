"""The synthesis engines behind the bootstrap voices, each turning texts into raw audio.

- :class:`EspeakEngine` calls libespeak-ng (from ``espeakng-loader``) through ``ctypes`` in
  synchronous mode; the library hands back 16-bit samples through a callback. It applies emotion
  styles natively through its rate/pitch/range parameters.
- :class:`FliteEngine` runs the ``flite`` program once per utterance (it starts in milliseconds).
- :class:`FestivalEngine` runs one ``festival --batch`` process per group of utterances of one
  voice, because loading a festival voice takes a third of a second to a second; the Scheme
  script is written in the voice's charset (Latin-1, Latin-2 or UTF-8).
- :class:`KokoroEngine` runs Kokoro-82M (int8 ONNX, :mod:`speech.assets.kokoro`) on our
  front-end's IPA with the voice's (possibly blended) style table; the style's speaking rate is
  Kokoro's own ``speed`` input.
- :class:`PicoEngine` runs SVOX Pico through ``ttspico`` (in-process, 16 kHz).

:func:`say` speaks one text with a system voice named by engine and voice (``say("flite", "slt",
text)``): the one way the rest of the library and the test fixtures call flite and festival.

Each engine says which parts of an :class:`EmotionStyle` it applies itself
(:func:`residual_style` gives what is left for PSOLA).

Engines return audio at their own sample rate; :mod:`speech.data.bootstrap.synthesis` resamples,
trims and normalises.
"""

from __future__ import annotations

import ctypes
import dataclasses
import functools
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from speech.data.bootstrap.errors import SynthesisError, VoiceUnavailableError
from speech.data.bootstrap.styles import EmotionStyle, espeak_parameters
from speech.data.bootstrap.voices import SLU_EXTRA_VOICES, TTS_VOICES, Voice, missing_reason

logger = logging.getLogger(__name__)

# espeak-ng speak_lib.h constants.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_ESPEAK_CHARS_UTF8 = 1
_PARAM_RATE, _PARAM_VOLUME, _PARAM_PITCH, _PARAM_RANGE = 1, 2, 3, 4
_SYNTH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                                   ctypes.c_void_p)


class EspeakEngine:
    """libespeak-ng in synchronous mode, loaded afresh for every utterance.

    libespeak-ng keeps synthesis state in C statics that survive between utterances (the pitch
    flutter index and the waveform phase in ``wavegen.c``), so the same text would come out a few
    samples different depending on what was spoken before. To make every file depend only on its
    own text, voice and style (deterministic builds, resumable in any order), the engine works on
    a private copy of the library and unloads it after each utterance, which resets those
    statics; this costs about 6 ms per utterance.
    """

    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ImportError as e:
            raise VoiceUnavailableError(
                "the espeak-ng library is missing: `pip install espeakng-loader`") from e
        source = Path(espeakng_loader.get_library_path())
        self._data_parent = str(Path(espeakng_loader.get_data_path()).parent).encode()
        if not source.is_file():
            raise VoiceUnavailableError(f"libespeak-ng not found at {source}: `pip install espeakng-loader`")
        # A private copy: nobody else in this process holds it, so dlclose really unloads it.
        self._tmp = tempfile.TemporaryDirectory(prefix="speech-espeak-")
        self._lib_path = str(Path(self._tmp.name) / "libespeak-ng-private.so")
        shutil.copyfile(source, self._lib_path)
        self._chunks: list[np.ndarray] = []
        # Keep a reference: ctypes callbacks must outlive every call that may fire them.
        self._callback = _SYNTH_CALLBACK(self._on_samples)
        self.sample_rate = 22050

    def _on_samples(self, samples, count, events) -> int:
        if count > 0:
            self._chunks.append(np.ctypeslib.as_array(samples, shape=(count,)).copy())
        return 0

    def _load(self) -> ctypes.CDLL:
        try:
            lib = ctypes.CDLL(self._lib_path)
        except OSError as e:
            raise VoiceUnavailableError(f"cannot load libespeak-ng: {e}") from e
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                     ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        # The library expects the directory *containing* espeak-ng-data.
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, self._data_parent, 0)
        if rate <= 0:
            raise VoiceUnavailableError(f"espeak-ng failed to initialise with data from {self._data_parent!r}")
        self.sample_rate = int(rate)
        lib.espeak_SetSynthCallback(self._callback)
        return lib

    def synthesize(self, voice: Voice, text: str, style: EmotionStyle) -> tuple[np.ndarray, int]:
        """Speak ``text`` with espeak-ng voice ``voice.name`` (``lang+variant``) in ``style``."""
        import _ctypes

        lib = self._load()
        try:
            if lib.espeak_SetVoiceByName(voice.name.encode()) != 0:
                raise SynthesisError(f"espeak-ng has no voice {voice.name!r} (voice {voice.id})")
            params = espeak_parameters(style)
            lib.espeak_SetParameter(_PARAM_RATE, params["rate"], 0)
            lib.espeak_SetParameter(_PARAM_PITCH, params["pitch"], 0)
            lib.espeak_SetParameter(_PARAM_RANGE, params["range"], 0)
            # Well below the default 100: at full volume some variants clip inside espeak-ng;
            # loudness is normalised afterwards anyway.
            lib.espeak_SetParameter(_PARAM_VOLUME, 40, 0)
            data = text.encode("utf-8")
            self._chunks = []
            err = lib.espeak_Synth(ctypes.c_char_p(data), len(data) + 1, 0, _POS_CHARACTER, 0,
                                   _ESPEAK_CHARS_UTF8, None, None)
            lib.espeak_Synchronize()
        finally:
            lib.espeak_Terminate()
            _ctypes.dlclose(lib._handle)
        if err != 0 or not self._chunks:
            raise SynthesisError(f"espeak-ng voice {voice.name} produced no audio for {text!r} (error {err})")
        wav = np.concatenate(self._chunks).astype(np.float32) / 32768.0
        self._chunks = []
        return wav, self.sample_rate


class FliteEngine:
    """The ``flite`` program, one process per utterance."""

    def __init__(self) -> None:
        exe = shutil.which("flite")
        if exe is None:
            raise VoiceUnavailableError("flite is not installed: `sudo apt-get install flite`")
        self._exe = exe

    def synthesize(self, voice: Voice, text: str) -> tuple[np.ndarray, int]:
        """Speak ``text`` with flite voice ``voice.name``, read from a file (``flite -f``)."""
        return self._run(voice, text, from_file=True)

    def synthesize_text(self, voice: Voice, text: str) -> tuple[np.ndarray, int]:
        """Speak ``text`` given on the command line (``flite -t``).

        The same voice as :meth:`synthesize`, but flite pauses differently between the sentences
        of a text given this way; the test fixtures and the prosody reference clips were made so.
        """
        return self._run(voice, text, from_file=False)

    def _run(self, voice: Voice, text: str, from_file: bool) -> tuple[np.ndarray, int]:
        from speech.audio.io import load_audio

        with tempfile.TemporaryDirectory(prefix="flite-") as tmp:
            txt, wav = Path(tmp) / "in.txt", Path(tmp) / "out.wav"
            txt.write_text(text + "\n", encoding="utf-8")
            source = ["-f", str(txt)] if from_file else ["-t", text]
            proc = subprocess.run([self._exe, "-voice", voice.name, *source, "-o", str(wav)],
                                  capture_output=True, text=True, check=False, timeout=120)
            if proc.returncode != 0 or not wav.is_file() or wav.stat().st_size <= 44:
                raise SynthesisError(f"flite voice {voice.name} failed on {text!r}: {proc.stderr.strip()[-300:]}")
            return load_audio(wav)


def _scheme_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class FestivalEngine:
    """``festival --batch`` running a generated Scheme script, one process per batch of texts."""

    def __init__(self) -> None:
        exe = shutil.which("festival")
        if exe is None:
            raise VoiceUnavailableError("festival is not installed: `sudo apt-get install festival`")
        self._exe = exe

    def synthesize_many(self, voice: Voice, texts: Sequence[str]) -> list[tuple[np.ndarray, int]]:
        """Speak every text with festival voice ``voice.name``; one result per text, in order.

        Raises:
            SynthesisError: a text cannot be written in the voice's charset, or festival wrote
                no audio for it.
        """
        from speech.audio.io import load_audio

        with tempfile.TemporaryDirectory(prefix="festival-") as tmp:
            lines = [f"(voice_{voice.name})"]
            outs = [Path(tmp) / f"{i:05d}.wav" for i in range(len(texts))]
            for text, out in zip(texts, outs):
                # One failing utterance must not stop the batch; the missing file reports it.
                lines.append(
                    f"(unwind-protect (let ((u (Utterance Text {_scheme_string(text)}))) "
                    f"(utt.synth u) (utt.save.wave u {_scheme_string(str(out))} 'riff)) nil)"
                )
            script = "\n".join(lines) + "\n"
            try:
                payload = script.encode(voice.encoding)
            except UnicodeEncodeError as e:
                bad = script[e.start:e.end]
                raise SynthesisError(
                    f"festival voice {voice.name} reads {voice.encoding} text; {bad!r} cannot be "
                    f"written in it (text: {script[max(0, e.start - 40):e.end + 40]!r})") from e
            script_path = Path(tmp) / "synth.scm"
            script_path.write_bytes(payload)
            proc = subprocess.run([self._exe, "--batch", str(script_path)], capture_output=True,
                                  check=False, timeout=600, cwd=tmp,
                                  env={**os.environ, "LC_ALL": "C"})
            results = []
            for text, out in zip(texts, outs):
                if not out.is_file() or out.stat().st_size <= 44:
                    err = proc.stderr.decode(voice.encoding, errors="replace").strip()[-300:]
                    raise SynthesisError(f"festival voice {voice.name} failed on {text!r}: {err}")
                results.append(load_audio(out))
            return results

    def synthesize_text(self, voice: Voice, text: str) -> tuple[np.ndarray, int]:
        """Speak ``text`` with festival voice ``voice.name`` as festival's ``text2wave`` does.

        Unlike :meth:`synthesize_many` (one utterance per text), ``text2wave`` splits the text
        into sentences and joins them with festival's own pauses; the prosody reference clips
        (:mod:`speech.eval.reference_clips`) and their shipped statistics were made this way.

        Raises:
            VoiceUnavailableError: ``text2wave`` is missing.
            SynthesisError: the text cannot be written in the voice's charset, or no audio came out.
        """
        from speech.audio.io import load_audio

        exe = shutil.which("text2wave")
        if exe is None:
            raise VoiceUnavailableError("festival's text2wave is not installed: `sudo apt-get install festival`")
        try:
            payload = text.encode(voice.encoding)
        except UnicodeEncodeError as e:
            raise SynthesisError(
                f"festival voice {voice.name} reads {voice.encoding} text; {text[e.start:e.end]!r} cannot be "
                f"written in it (text: {text!r})") from e
        with tempfile.TemporaryDirectory(prefix="festival-") as tmp:
            txt, wav = Path(tmp) / "in.txt", Path(tmp) / "out.wav"
            txt.write_bytes(payload)
            proc = subprocess.run([exe, "-eval", f"(voice_{voice.name})", str(txt), "-o", str(wav)],
                                  capture_output=True, check=False, timeout=120)
            if proc.returncode != 0 or not wav.is_file() or wav.stat().st_size <= 44:
                err = proc.stderr.decode(voice.encoding, errors="replace").strip()[-300:]
                raise SynthesisError(f"festival voice {voice.name} failed on {text!r}: {err}")
            return load_audio(wav)


class KokoroEngine:
    """Kokoro-82M v1.0 (int8 ONNX, 24 kHz) on onnxruntime's CPU provider.

    Input: our front-end's IPA for the voice's language, mapped onto Kokoro's vocabulary
    (symbols it lacks are dropped and logged once), with a 0 token at both ends; the style
    vector is row ``N-1`` of the voice's table for ``N`` tokens, where a blend's table is the
    weighted sum of its parents' tables. One session per process, with as many intra-op threads
    as ``OMP_NUM_THREADS`` allows (1 in the corpus builder's worker processes).

    The model is the int8 ONNX export rather than the PyTorch ``kokoro`` package because the
    registries carry only this export (the ``kokoro`` package downloads its weights from a hub).
    """

    sample_rate = 24000

    def __init__(self) -> None:
        import onnxruntime as ort

        from speech.assets import AssetError, kokoro
        from speech.text import Tokenizer

        try:
            model = kokoro.model_path()
            self._vocab = kokoro.vocab()
        except AssetError as e:
            raise VoiceUnavailableError(str(e)) from e
        options = ort.SessionOptions()
        options.intra_op_num_threads = int(os.environ.get("OMP_NUM_THREADS", "0") or 0)
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(model), sess_options=options,
                                             providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer()
        self._tables: dict[tuple[tuple[str, float], ...], np.ndarray] = {}
        self._dropped: set[str] = set()

    def style_table(self, voice: Voice) -> np.ndarray:
        """The ``(510, 256)`` style table of ``voice`` (blends: weighted sum of the parents)."""
        from speech.assets import kokoro

        if not voice.mix:
            raise SynthesisError(f"Kokoro voice {voice.id} has no style mix")
        if voice.mix not in self._tables:
            self._tables[voice.mix] = np.sum([w * kokoro.load_voice(name) for name, w in voice.mix], axis=0)
        return self._tables[voice.mix]

    def token_ids(self, text: str, language: str) -> list[int]:
        """Kokoro token ids of ``text`` read in ``language`` (without the end pads)."""
        from speech.assets import kokoro

        phonemes = self._tokenizer.encode(text, language).phonemes
        ids = [self._vocab[c] for c in phonemes if c in self._vocab]
        dropped = {c for c in phonemes if c not in self._vocab} - self._dropped
        if dropped:
            self._dropped |= dropped
            logger.info("Kokoro has no token for %s (%s): dropped", sorted(dropped), language)
        if not ids:
            raise SynthesisError(f"no Kokoro tokens for {text!r} ({language})")
        if len(ids) > kokoro.MAX_TOKENS:
            raise SynthesisError(f"{text!r} is {len(ids)} phonemes long; Kokoro takes at most "
                                 f"{kokoro.MAX_TOKENS}: split the sentence")
        return ids

    def synthesize(self, voice: Voice, text: str, style: EmotionStyle) -> tuple[np.ndarray, int]:
        """Speak ``text`` with Kokoro voice ``voice`` at the style's speaking rate.

        Kokoro's generator draws noise (its harmonic-plus-noise source); onnxruntime's random
        seed is set from the voice's mix, the text and the rate first, so that a file depends
        only on what it says and who says it (builds resume in any order and are reproducible).
        """
        import hashlib

        import onnxruntime as ort

        key = f"{voice.mix}|{voice.language}|{text}|{style.rate_scale:.6f}".encode()
        ort.set_seed(int.from_bytes(hashlib.sha1(key).digest()[:4], "little") & 0x7FFFFFFF)
        ids = self.token_ids(text, voice.language)
        table = self.style_table(voice)
        feeds = {"tokens": np.array([[0, *ids, 0]], dtype=np.int64),
                 "style": table[len(ids) - 1][None].astype(np.float32),
                 "speed": np.array([style.rate_scale], dtype=np.float32)}
        audio = self._session.run(None, feeds)[0]
        return np.asarray(audio, dtype=np.float32).reshape(-1), self.sample_rate


class PicoEngine:
    """SVOX Pico through ``ttspico``: one engine per language file, kept for the process."""

    sample_rate = 16000

    def __init__(self) -> None:
        try:
            import ttspico
        except ImportError as e:
            raise VoiceUnavailableError("SVOX Pico is not installed: `pip install ttspico`") from e
        self._module = ttspico
        self._engines: dict[str, Any] = {}  # ttspico.TtsEngine per language (the package has no types)

    def synthesize(self, voice: Voice, text: str) -> tuple[np.ndarray, int]:
        """Speak ``text`` with Pico's language ``voice.name`` (``es-ES``)."""
        if voice.name not in self._engines:
            try:
                self._engines[voice.name] = self._module.TtsEngine(voice.name)
            except RuntimeError as e:
                raise VoiceUnavailableError(f"SVOX Pico has no language {voice.name}: {e}") from e
        pcm = self._engines[voice.name].speak(text)
        if not pcm:
            raise SynthesisError(f"SVOX Pico {voice.name} produced no audio for {text!r}")
        return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0, self.sample_rate


Engine = EspeakEngine | FliteEngine | FestivalEngine | KokoroEngine | PicoEngine
_ENGINE_CLASSES: dict[str, type] = {"espeak": EspeakEngine, "flite": FliteEngine,
                                    "festival": FestivalEngine, "kokoro": KokoroEngine,
                                    "pico": PicoEngine}


@functools.cache
def get_engine(engine: str) -> Engine:
    """The process's engine of kind ``engine`` (made once per process and reused)."""
    if engine not in _ENGINE_CLASSES:
        raise ValueError(f"unknown engine {engine!r}; choose {', '.join(_ENGINE_CLASSES)}")
    return _ENGINE_CLASSES[engine]()


def residual_style(engine: str, style: EmotionStyle) -> EmotionStyle | None:
    """What of ``style`` is left to apply by PSOLA after ``engine`` rendered it (``None``: nothing).

    espeak-ng applies pitch, range and rate itself; Kokoro applies the rate (its ``speed``);
    flite, festival and Pico apply nothing.
    """
    if engine == "espeak":
        return None
    if engine == "kokoro":
        return dataclasses.replace(style, rate_scale=1.0)
    return style


def synthesize_raw(voice: Voice, texts: Sequence[str], styles: Sequence[EmotionStyle]) -> list[tuple[np.ndarray, int]]:
    """Raw audio for each text, with the parts of ``styles`` the engine applies itself
    (:func:`residual_style` says what is left)."""
    engine = get_engine(voice.engine)
    if isinstance(engine, (EspeakEngine, KokoroEngine)):
        return [engine.synthesize(voice, t, s) for t, s in zip(texts, styles)]
    if isinstance(engine, (FliteEngine, PicoEngine)):
        return [engine.synthesize(voice, t) for t in texts]
    return engine.synthesize_many(voice, texts)


#: The engines :func:`say` speaks with: the system voices named by their program's own voice names.
SYSTEM_ENGINES: tuple[str, ...] = ("flite", "festival")


def say(engine: str, voice: str, text: str, encoding: str | None = None) -> tuple[np.ndarray, int]:
    """Speak ``text`` with the system voice ``voice`` of ``engine``; returns ``(float32 waveform, rate)``.

    Args:
        engine: ``"flite"`` or ``"festival"``.
        voice: the program's own voice name (flite ``slt``, ``kal16``; festival ``kal_diphone``,
            ``cmu_us_slt_arctic_hts``).
        text: what to say.
        encoding: the charset a festival voice reads (``latin-1`` for the Italian, Catalan and
            Finnish voices, ``iso-8859-2`` for Czech); None: the voice's own when the bootstrap
            voice tables list it, else UTF-8 (what flite reads).

    The audio is at the voice's own rate, spoken as ``flite -t`` and festival's ``text2wave`` speak
    a text (:meth:`FliteEngine.synthesize_text`, :meth:`FestivalEngine.synthesize_text`).

    Raises:
        ValueError: ``engine`` is not a system engine.
        VoiceUnavailableError: the program or the voice is not installed (the message names the package).
        SynthesisError: the engine failed on the text.
    """
    if engine not in SYSTEM_ENGINES:
        raise ValueError(f"unknown system engine {engine!r}; choose {', '.join(SYSTEM_ENGINES)}")
    spec = _system_voice("flite" if engine == "flite" else "festival", voice, encoding)
    reason = missing_reason(spec)
    if reason is not None:
        raise VoiceUnavailableError(reason)
    system = get_engine(spec.engine)
    if not isinstance(system, FliteEngine | FestivalEngine):  # guaranteed by SYSTEM_ENGINES; for the type checker
        raise ValueError(f"{engine!r} is not a system engine")
    return system.synthesize_text(spec, text)


def _system_voice(engine: Literal["flite", "festival"], name: str, encoding: str | None) -> Voice:
    """The bootstrap voice record of ``name`` when the corpora use it (it knows the package to
    install and the charset), else a record made here."""
    for voices in (*TTS_VOICES.values(), *SLU_EXTRA_VOICES.values()):
        for known in voices:
            if known.engine == engine and known.name == name:
                return dataclasses.replace(known, encoding=encoding or known.encoding)
    package = "flite" if engine == "flite" else "festvox-* (the package with this voice)"
    return Voice(id=f"{engine}-{name}", engine=engine, name=name, language="", gender=None,
                 encoding=encoding or "utf-8", package=package)
