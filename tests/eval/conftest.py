"""Shared fixtures of the evaluation tests: real speech made at test time with flite/festival,
and signal transformations (Praat PSOLA pitch shift and lengthening, gain)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import parselmouth
import pytest
from parselmouth.praat import call

from speech.audio.io import load_audio, save_audio
from speech.eval.reference_clips import Voice, synthesize

DATA = Path(__file__).parent / "data"

SENTENCES = (
    "Could you turn the lights off in the kitchen, please?",
    "The weather in the mountains changes quickly, so bring a warm coat.",
    "Really? You finished the whole book in one night?",
    "Turn left at the next corner and keep going for two blocks.",
)


def pitch_shift(wav: np.ndarray, sr: int, factor: float) -> np.ndarray:
    """Multiply F0 by ``factor`` with Praat's PSOLA resynthesis (duration unchanged)."""
    snd = parselmouth.Sound(np.asarray(wav, dtype=np.float64), sampling_frequency=sr)
    manip = call(snd, "To Manipulation", 0.01, 75, 600)
    tier = call(manip, "Extract pitch tier")
    call(tier, "Multiply frequencies", snd.xmin, snd.xmax, factor)
    call([tier, manip], "Replace pitch tier")
    return call(manip, "Get resynthesis (overlap-add)").values[0].astype(np.float32)


def slow_down(wav: np.ndarray, sr: int, factor: float) -> np.ndarray:
    """Lengthen by ``factor`` with Praat's PSOLA (pitch unchanged)."""
    snd = parselmouth.Sound(np.asarray(wav, dtype=np.float64), sampling_frequency=sr)
    return call(snd, "Lengthen (overlap-add)", 75, 600, factor).values[0].astype(np.float32)


@pytest.fixture(scope="session")
def voices_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four sentences spoken by each of three flite voices (slt, awb, rms): `<voice>_<i>.wav`."""
    out = tmp_path_factory.mktemp("voices")
    voices = {
        "slt": Voice("slt", "flite", "en-us"),
        "awb": Voice("awb", "flite", "en-us"),
        "rms": Voice("rms", "flite", "en-us"),
    }
    for name, voice in voices.items():
        for i, text in enumerate(SENTENCES):
            synthesize(voice, text, out / f"{name}_{i}.wav")
    return out


@pytest.fixture(scope="session")
def slt_clip(voices_dir: Path) -> tuple[np.ndarray, int]:
    return load_audio(voices_dir / "slt_0.wav")


@pytest.fixture()
def write_wav(tmp_path: Path):
    """Save a waveform to a fresh file and return its path."""
    counter = iter(range(10_000))

    def _write(wav: np.ndarray, sr: int, name: str | None = None) -> Path:
        path = tmp_path / (name or f"clip_{next(counter)}.wav")
        save_audio(path, wav, sr)
        return path

    return _write
