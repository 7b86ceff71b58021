import numpy as np
import pytest

from speech.audio.io import load_audio, resample, save_audio
from speech.errors import AudioError


def test_save_load_round_trip(tmp_path):
    sr = 22050
    t = np.arange(sr) / sr
    wav = (0.5 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    path = save_audio(tmp_path / "a.wav", wav, sr)
    back, sr2 = load_audio(path)
    assert sr2 == sr and back.shape == wav.shape
    assert np.max(np.abs(back - wav)) < 1e-3  # 16-bit quantisation


def test_resample_keeps_pitch_and_length(tmp_path):
    sr = 16000
    t = np.arange(sr) / sr
    wav = np.sin(2 * np.pi * 440 * t).astype(np.float32)
    out = resample(wav, sr, 22050)
    assert out.shape == (22050,)
    spectrum = np.abs(np.fft.rfft(out))
    assert abs(np.argmax(spectrum) * 22050 / len(out) - 440) < 2
    save_audio(tmp_path / "b.wav", wav, sr)
    loaded, rate = load_audio(tmp_path / "b.wav", sample_rate=22050)
    assert rate == 22050 and loaded.shape == (22050,)


def test_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.wav"):
        load_audio(tmp_path / "missing.wav")
    bad = tmp_path / "corrupt.wav"
    bad.write_bytes(b"RIFF\x00\x00not audio at all")
    with pytest.raises(AudioError, match="corrupt.wav"):
        load_audio(bad)
    with pytest.raises(AudioError, match="empty"):
        save_audio(tmp_path / "e.wav", np.zeros(0), 16000)
