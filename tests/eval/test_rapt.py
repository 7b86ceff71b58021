"""The numpy RAPT (speech.eval.rapt): accuracy on known F0, framing and agreement with voicebox's fxrapt."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from speech.eval.rapt import rapt

DATA = Path(__file__).parent / "data"
#: fxrapt (Octave) on each prosody fixture clip; the header of each file gives the command.
FXRAPT = DATA / "prosody_reference" / "fxrapt"
FS = 16000


def _glide(fs: int = FS, lead_s: float = 0.2, dur_s: float = 1.0) -> tuple[np.ndarray, float, float]:
    """Five harmonics whose F0 rises exponentially 110 -> 220 Hz over ``dur_s``, with silence around it."""
    t = np.arange(int(dur_s * fs)) / fs
    f0 = 110.0 * 2.0 ** (t / dur_s)
    phase = 2 * np.pi * np.cumsum(f0) / fs
    voiced = sum(0.3 / h * np.sin(h * phase) for h in range(1, 6))
    pad = np.zeros(int(lead_s * fs))
    return np.concatenate([pad, voiced, pad]), lead_s, dur_s


def _true_f0(centres: np.ndarray, lead_s: float, dur_s: float) -> np.ndarray:
    return 110.0 * 2.0 ** ((centres - lead_s) / dur_s)


def test_glide_is_tracked_within_two_percent() -> None:
    for fs in (FS, 8000):
        x, lead, dur = _glide(fs)
        f0, centres = rapt(x, fs)
        inside = (centres > lead + 0.03) & (centres < lead + dur - 0.03)
        err = np.abs(f0[inside] / _true_f0(centres[inside], lead, dur) - 1.0)
        assert np.mean(err <= 0.02) >= 0.95, (fs, np.nanmax(err))  # NaN (unvoiced) counts as a miss
        outside = (centres < lead - 0.03) | (centres > lead + dur + 0.03)
        assert np.isnan(f0[outside]).all()


def test_silence_and_noise_are_unvoiced() -> None:
    f0, _ = rapt(np.zeros(FS), FS)
    assert len(f0) == 97 and np.isnan(f0).all()
    noise = 1e-3 * np.random.default_rng(1).standard_normal(2 * FS)
    f0, _ = rapt(noise, FS)
    assert np.mean(np.isfinite(f0)) <= 0.05


def test_frames_follow_fxrapt() -> None:
    # fxrapt at 16 kHz: 10 ms frames (160 samples), the first reported frame spanning 1-based samples
    # 240..399; the count is floor(1 + min((nsf - 55) / 20, (n - 640) / 160)), nsf = ceil((n - 124) / 8)
    # decimated samples. For n = 47520 (flite_slt.flac): min(293.5, 293) -> 294 frames, as fxrapt gave.
    for n, count in ((47520, 294), (16000, 97), (8000, 47), (800, 2)):
        f0, centres = rapt(np.zeros(n), FS)
        assert len(f0) == len(centres) == count
        np.testing.assert_allclose(centres, (239 + 80 + 160 * np.arange(count)) / FS)
    f0, centres = rapt(np.zeros(400), FS)
    assert len(f0) == len(centres) == 0


def test_deterministic_without_state() -> None:
    a, _, _ = _glide()
    b = np.random.default_rng(2).standard_normal(30000) * 0.1
    first, c1 = rapt(a, FS)
    again, c2 = rapt(a, FS)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(c1, c2)
    rapt(b, FS)
    np.testing.assert_array_equal(rapt(a, FS)[0], first)


@pytest.mark.parametrize("clip", sorted(p.stem for p in FXRAPT.glob("*.csv")))
def test_agrees_with_fxrapt_on_the_fixture_clips(clip: str) -> None:
    """fxrapt's own track of each prosody fixture clip (synthetic, neural, real, slow, fast, high,
    creaky, quiet): the same frames, voicing and F0 (measured: identical to 1e-7 Hz)."""
    x, fs = sf.read(DATA / "prosody_reference" / f"{clip}.flac", dtype="float64")
    assert fs == FS
    ref = np.loadtxt(FXRAPT / f"{clip}.csv", delimiter=",", comments="#", ndmin=2)
    f0, centres = rapt(x, fs)
    assert len(f0) == len(ref)
    np.testing.assert_allclose(centres, (ref[:, 0] - 1 + 80) / fs)
    va, vb = np.isfinite(f0), np.isfinite(ref[:, 1])
    assert vb.sum() > 50  # every clip is mostly speech, so the check has teeth
    assert np.mean(va != vb) <= 0.005
    both = va & vb
    cents = np.abs(1200 * np.log2(f0[both] / ref[both, 1]))
    assert np.mean(cents <= 1.0) >= 0.99
