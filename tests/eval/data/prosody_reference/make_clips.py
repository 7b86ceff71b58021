"""Make the prosody parity fixture clips (16 kHz mono 16-bit FLAC) in this folder.

Run from the repository root:  .venv/bin/python tests/eval/data/prosody_reference/make_clips.py

Ten clips of 2-4 s: five voices as they come (flite, festival, espeak-ng, Kokoro, a real
Asterisk prompt) and five conditions made from other voices (slow, fast, high pitch, creaky,
quiet). The clips are committed; this script documents how they were made and remakes them
(espeak-ng and Kokoro are deterministic here; flite and festival are too). The reference CSVs
are then made by Ward's toolkit, see README.md.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from speech.audio.io import load_audio
from speech.data.bootstrap.engines import EspeakEngine, FestivalEngine, FliteEngine
from speech.data.bootstrap.styles import EmotionStyle
from speech.data.bootstrap.voices import Voice

logger = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
RATE = 16000
ASTERISK = Path("/usr/share/asterisk/sounds")


def _voice(engine: str, name: str, lang: str) -> Voice:
    return Voice(id=f"{engine}-{lang}-{name}", engine=engine, name=name, language=lang, gender=None)


def flite(name: str, text: str) -> tuple[np.ndarray, int]:
    return FliteEngine().synthesize(_voice("flite", name, "en-us"), text)


def festival(name: str, text: str) -> tuple[np.ndarray, int]:
    return FestivalEngine().synthesize_many(_voice("festival", name, "en-us"), [text])[0]


def espeak(name: str, lang: str, text: str) -> tuple[np.ndarray, int]:
    return EspeakEngine().synthesize(_voice("espeak", name, lang), text, EmotionStyle("neutral"))


def kokoro(voice: str, lang: str, text: str) -> tuple[np.ndarray, int]:
    """Kokoro-82M (24 kHz ONNX) speaking espeak-ng IPA of ``text``."""
    import onnxruntime as ort

    from speech.assets import kokoro as K
    from speech.text.backends.espeak import EspeakBackend
    from speech.text.languages import get_language

    ipa = EspeakBackend().phonemize([text], get_language(lang))[0]
    vocab = K.vocab()
    ids = [0] + [vocab[c] for c in ipa if c in vocab] + [0]
    style = K.load_voice(voice)[len(ids) - 1].reshape(1, -1).astype(np.float32)
    sess = ort.InferenceSession(str(K.model_path()), providers=["CPUExecutionProvider"])
    out = sess.run(None, {"tokens": np.asarray([ids], dtype=np.int64), "style": style,
                          "speed": np.array([1.0], np.float32)})[0]
    return np.asarray(out, dtype=np.float32).reshape(-1), K.SAMPLE_RATE


def asterisk(rel: str) -> tuple[np.ndarray, int]:
    return load_audio(ASTERISK / rel)


def sox(wav: np.ndarray, sr: int, *effects: str) -> np.ndarray:
    """Run ``wav`` through sox ``effects`` at 16 kHz."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.wav", Path(tmp) / "out.wav"
        sf.write(src, wav, sr, subtype="PCM_16")
        subprocess.run(["sox", str(src), "-r", str(RATE), "-c", "1", "-b", "16", str(dst), *effects],
                       check=True, capture_output=True)
        return sf.read(dst, dtype="float32")[0]


def creaky(wav: np.ndarray, sr: int, seed: int = 0) -> np.ndarray:
    """WORLD resynthesis with creak-like F0: irregular 10-20 % jumps and octave drops in the
    second half (vocal fry as a pitch tracker sees it), spectrum and aperiodicity kept."""
    import pyworld

    x = soxr.resample(wav.astype(np.float64), sr, RATE)
    f0, t = pyworld.harvest(x, RATE, f0_floor=60.0, f0_ceil=500.0, frame_period=5.0)
    sp = pyworld.cheaptrick(x, f0, t, RATE)
    ap = pyworld.d4c(x, f0, t, RATE)
    rng = np.random.default_rng(seed)
    late = t > t[-1] * 0.45
    jitter = np.exp(rng.normal(0.0, 0.12, len(f0)))
    fry = rng.random(len(f0)) < 0.25
    creak = np.where(fry, f0 * 0.5, f0 * jitter)
    f0 = np.where(late & (f0 > 0), np.clip(creak, 50.0, 500.0), f0)
    ap = np.where(late[:, None] & (f0[:, None] > 0), np.maximum(ap, 0.3), ap)
    return pyworld.synthesize(f0, sp, ap, RATE, 5.0).astype(np.float32)


def to16k(wav: np.ndarray, sr: int) -> np.ndarray:
    return sox(wav, sr, "norm", "-3")


def clips() -> dict[str, np.ndarray]:
    """Name -> 16 kHz waveform of every fixture clip."""
    return {
        "flite_slt": to16k(*flite("slt", "Could you turn the lights off in the kitchen, please?")),
        "festival_kal": to16k(*festival("kal_diphone", "We met at the station, and then we walked to the old bridge.")),
        "espeak_es": to16k(*espeak("es+f2", "es", "¿Puedes apagar la luz de la cocina, por favor?")),
        "kokoro_af_heart": to16k(*kokoro("af_heart", "en-us", "Really? You finished the whole book in one night?")),
        "asterisk_en": to16k(*asterisk("en/cannot-complete-as-dialed.wav")),
        "slow_asterisk_fr": sox(*asterisk("fr/call-fwd-on-busy.wav"), "tempo", "-s", "0.7", "norm", "-3"),
        "fast_flite_awb": sox(*flite("awb", "The museum opens at nine, but the tickets sell out early."),
                              "tempo", "-s", "1.5", "norm", "-3"),
        "high_kokoro_ef_dora": sox(*kokoro("ef_dora", "es", "El tren sale a las ocho de la mañana."),
                                   "pitch", "500", "norm", "-3"),
        "creaky_festival_ked": to16k(
            creaky(*festival("ked_diphone", "Well, I suppose that could work, if everyone agrees."), 0), RATE),
        "quiet_asterisk_ru": sox(*asterisk("ru/all-circuits-busy-now.wav"), "norm", "-30"),
    }


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for name, wav in clips().items():
        path = HERE / f"{name}.flac"
        sf.write(path, wav, RATE, subtype="PCM_16", format="FLAC")
        logger.info("%s: %.2f s", path, len(wav) / RATE)


if __name__ == "__main__":
    sys.exit(main())
