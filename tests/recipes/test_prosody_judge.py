"""The bootstrap TTS recipe's independent emotion judge measures the prosody it claims to."""

import importlib.util
import shutil
import subprocess
from pathlib import Path

import librosa
import numpy as np
import pytest
import soundfile as sf

SCRIPT = Path(__file__).resolve().parents[2] / "recipes" / "bootstrap" / "tts" / "local" / "prosody_judge.py"
TEXT = "Please bring me a glass of water from the kitchen."


def _module():
    spec = importlib.util.spec_from_file_location("prosody_judge", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    if shutil.which("flite") is None:
        raise RuntimeError("flite is missing: install the Debian package 'flite' (make setup does)")
    root = tmp_path_factory.mktemp("judge")
    plain = root / "plain.wav"
    subprocess.run(["flite", "-voice", "slt", "-t", TEXT, "-o", str(plain)], check=True)
    wav, sr = librosa.load(plain, sr=None)
    variants = {
        "plain": wav,
        "slow": librosa.effects.time_stretch(wav, rate=2 / 3),  # 1.5 times longer
        "high": librosa.effects.pitch_shift(wav, sr=sr, n_steps=4),  # 4 semitones up
        "quiet": wav * 0.5,  # no clipping, unlike louder
    }
    paths = {}
    for name, x in variants.items():
        paths[name] = root / f"{name}.wav"
        sf.write(paths[name], np.clip(x, -1, 1), sr)
    return paths


def test_features_move_with_rate_pitch_and_loudness(clips):
    features = _module().ProsodyFeatures()
    f = {name: features(str(path), TEXT, "en-us") for name, path in clips.items()}
    level, spread, energy, rate = range(4)
    assert f["slow"][rate] - f["plain"][rate] == pytest.approx(np.log(1.5), abs=0.12)
    assert f["high"][level] - f["plain"][level] == pytest.approx(4 * np.log(2) / 12, abs=0.06)  # 0.23
    assert f["quiet"][energy] - f["plain"][energy] == pytest.approx(-2 * np.log(2), abs=0.1)  # power / 4
    for name in ("slow", "quiet"):  # what should not move, does not (much)
        assert abs(f[name][level] - f["plain"][level]) < 0.03, name
    assert abs(f["high"][rate] - f["plain"][rate]) < 0.05
