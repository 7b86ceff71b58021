"""Our mel-cepstrum and MCD against SPTK (``pysptk``), on WORLD envelopes of real (flite) speech.

Tolerances, measured on these clips: ``mel_cepstrum`` and ``pysptk.sp2mc`` differ by at most
7e-15 per coefficient (the same arithmetic, summed in another order), so 1e-10 leaves room for
other BLAS builds and still fails on any change of convention (a factor of 2 on ``c_1..c_24`` is a
difference of about 0.5). The MCD constant is checked against its meaning, the RMS dB difference of
two envelopes over the warped frequency axis, which SPTK's ``mc2sp`` rebuilds from the cepstra; the
trapezoid mean over 1024 points is exact for a cosine series of order 24 (Parseval), and the two
sides differ by 7e-15 dB here, so the test allows 1e-9 dB.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pysptk
import pytest
import pyworld

from speech.audio.io import load_audio, resample
from speech.eval.spectral import ALPHAS, MCD_CONST, MCEP_ORDER, mel_cepstrum

RATE = 16000


def _envelope(path: Path) -> np.ndarray:
    """WORLD CheapTrick power envelopes ``(frames, 513)`` of a clip at 16 kHz (DIO + StoneMask F0)."""
    wav, sr = load_audio(path)
    x = np.ascontiguousarray(resample(wav, sr, RATE), dtype=np.float64)
    f0, times = pyworld.dio(x, RATE, frame_period=5.0)
    f0 = pyworld.stonemask(x, f0, times, RATE)
    return pyworld.cheaptrick(x, f0, times, RATE)


@pytest.mark.parametrize("voice", ["slt", "awb", "rms"])
def test_mel_cepstrum_matches_pysptk_sp2mc(voices_dir: Path, voice: str) -> None:
    env = _envelope(voices_dir / f"{voice}_1.wav")
    ours = mel_cepstrum(env, ALPHAS[RATE])
    reference = pysptk.sp2mc(env, MCEP_ORDER, ALPHAS[RATE])
    assert ours.shape == reference.shape == (len(env), MCEP_ORDER + 1)
    np.testing.assert_allclose(ours, reference, rtol=0.0, atol=1e-10)


def test_mcd_constant_is_the_rms_db_distance_of_the_envelopes(voices_dir: Path) -> None:
    a = mel_cepstrum(_envelope(voices_dir / "slt_2.wav"), ALPHAS[RATE])
    b = mel_cepstrum(_envelope(voices_dir / "awb_2.wav"), ALPHAS[RATE])
    n = min(len(a), len(b))
    a, b = a[:n:7].copy(), b[:n:7].copy()  # every 7th frame pair: enough, and quick
    a[:, 0] = b[:, 0] = 0.0  # MCD leaves out the level c_0
    ours = MCD_CONST * np.sqrt(((a - b) ** 2).sum(axis=1))
    # alpha = 0: the cepstra are read on the warped axis they were computed on.
    db_a = 10.0 * np.log10(pysptk.mc2sp(a, 0.0, 1024))
    db_b = 10.0 * np.log10(pysptk.mc2sp(b, 0.0, 1024))
    weights = np.full(db_a.shape[1], 1.0)
    weights[[0, -1]] = 0.5  # trapezoid over [0, pi] = the mean over the whole circle
    rms_db = np.sqrt(((db_a - db_b) ** 2 * weights).sum(axis=1) / weights.sum())
    np.testing.assert_allclose(ours, rms_db, rtol=0.0, atol=1e-9)
    assert ours.mean() > 3.0  # two different voices: a distance worth checking
