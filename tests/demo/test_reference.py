"""The speech check of reference clips: real speech passes, silence, tones and noise do not."""

import numpy as np
import pytest

from speech.audio.io import load_audio
from speech.demo.config import DemoConfig
from speech.demo.reference import inspect_reference, prepare_reference, to_mono
from speech.errors import AudioError

SR = 16000
T = np.arange(3 * SR) / SR


def test_flite_speech_is_speech(flite_reference):
    wav, sr = load_audio(flite_reference)
    rep = inspect_reference(wav, sr)
    assert rep.is_speech and rep.problem is None
    assert 3.0 < rep.duration_s < 6.0 and rep.used_s == rep.duration_s and not rep.trimmed
    assert 0.5 < rep.voiced_fraction < 0.97
    assert rep.pitch_spread_st > 0.5 and rep.energy_spread_db > 5.0
    assert rep.summary().startswith(f"{rep.duration_s:.1f} s · ✓ speech")


def test_example_clips_are_speech():
    from speech.demo.examples import CLIPS, EXAMPLES_DIR

    for clip in CLIPS:
        wav, sr = load_audio(EXAMPLES_DIR / clip.file)
        rep = inspect_reference(wav, sr)
        assert rep.is_speech, (clip.file, rep.problem)
        assert 1.0 < rep.duration_s < 5.0


@pytest.mark.parametrize(
    ("name", "wav", "problem"),
    [
        ("silence", np.zeros(3 * SR), "silent (every sample is zero)"),
        ("quiet", 1e-4 * np.sin(2 * np.pi * 200 * T), "silent (level -83 dBFS)"),
        ("tone", 0.3 * np.sin(2 * np.pi * 200 * T), "a steady tone, not speech"),
        ("warbled tone", 0.3 * np.sin(2 * np.pi * 200 * T) * (0.5 + 0.5 * np.sin(2 * np.pi * 4 * T)), "a steady tone"),
        ("glide", 0.3 * np.sin(2 * np.pi * (150 * T + 20 * T**2)), "a continuous sound, not speech"),
        ("noise", 0.1 * np.random.default_rng(0).standard_normal(3 * SR), "hardly any voiced sound"),
        ("short", 0.3 * np.sin(2 * np.pi * 200 * T[: SR // 2]), "too short"),
    ],
)
def test_non_speech_is_refused(name, wav, problem):
    rep = inspect_reference(wav.astype(np.float32), SR)
    assert not rep.is_speech
    assert rep.problem.startswith(problem), (name, rep.problem)
    with pytest.raises(AudioError, match="the emotion clip is"):
        prepare_reference(wav.astype(np.float32), SR, what="emotion clip")


def test_long_reference_is_trimmed(flite_reference):
    wav, sr = load_audio(flite_reference)
    long = np.tile(wav, int(np.ceil(40 * sr / len(wav))))
    clip, rep = prepare_reference(long, sr, DemoConfig(max_reference_s=30.0))
    assert rep.trimmed and rep.duration_s >= 40.0 and rep.used_s == pytest.approx(30.0)
    assert len(clip) == 30 * sr
    assert "(using the first 30 s)" in rep.summary()


def test_to_mono_scales_int16_and_averages_channels():
    stereo = np.stack([np.full(100, 16384, np.int16), np.zeros(100, np.int16)], axis=1)
    x = to_mono(stereo)
    assert x.shape == (100,) and x.dtype == np.float32
    assert np.allclose(x, 0.25)
    assert to_mono(stereo.T).shape == (100,)
    with pytest.raises(AudioError, match="mono or stereo"):
        to_mono(np.zeros((2, 2, 2)))


def test_config_rejects_bad_limits(tmp_path):
    with pytest.raises(ValueError, match="min_reference_s"):
        DemoConfig(min_reference_s=40.0)
    (tmp_path / "demo.yaml").write_text("max_text_chars: 80\nconcurrency_limit: 2\n")
    cfg = DemoConfig.load(tmp_path / "demo.yaml")
    assert cfg.max_text_chars == 80 and cfg.concurrency_limit == 2
    (tmp_path / "bad.yaml").write_text("max_text_char: 80\n")
    with pytest.raises(Exception, match="max_text_char"):
        DemoConfig.load(tmp_path / "bad.yaml")
