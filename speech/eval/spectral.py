"""Mel-cepstral distortion with DTW, and the F0 error metrics computed on the same alignment.

Exact definitions (all pure functions):

- Analysis: both signals resampled to ``sample_rate`` (default 16 kHz) and trimmed of leading
  and trailing silence (30 dB below peak, ``librosa.effects.trim``); F0 every 5 ms with the
  pitch tracker of :mod:`speech.eval.pitch` (80-500 Hz; frames centred at ``(i + 0.5) * 5`` ms);
  spectral envelope with WORLD CheapTrick (``pyworld``) at the same frame times.
- Mel-cepstrum: SPTK's, as ``pysptk.sp2mc`` computes it: with ``L(w) = ln |H(w)|`` the
  natural-log *amplitude* envelope and the all-pass warped frequency
  ``b(w) = w + 2 atan(alpha sin w / (1 - alpha cos w))``, the coefficients ``c_0..c_M`` satisfy
  ``L = c_0 + sum_{m>=1} c_m cos(m b)`` (SPTK's one-sided convention, the one the MCD constant
  below is derived for): the real cepstrum of the log power envelope, warped by SPTK's ``freqt``.
  ``M = 24``; ``alpha`` = 0.42 at 16 kHz (0.41 at 8 kHz, 0.455 at 22.05 kHz, 0.466 at 24 kHz,
  0.544 at 44.1 kHz, 0.554 at 48 kHz).
- Alignment: DTW (``librosa.sequence.dtw``, steps (1,1), (1,0), (0,1)) on the Euclidean
  distance between ``c_1..c_24`` vectors.
- MCD (dB) = mean over the DTW path of ``(10 / ln 10) * sqrt(2 * sum_{m=1}^{24} (c_m - c'_m)**2)``
  (``c_0``, the level, is excluded): the RMS over the warped frequency axis of the difference of
  the two dB envelopes ``20 log10 |H|`` (Kubichek 1993; checked in ``tests/eval/test_spectral_parity.py``).
  Until December 2026 a hand-written two-sided mel-cepstrum (``L = c_0 + 2 sum c_m cos(m b)``)
  went into this formula, so MCD figures published before then are half of this definition's.
- On the same path: log-F0 RMSE = RMS of ``ln F0 - ln F0'`` over frame pairs voiced in both
  (natural log; multiply by 1200 / ln 2 for cents); GPE = share of those pairs with
  ``|F0'/F0 - 1| > 0.2``; VDE = share of all pairs whose voicing decisions differ; FFE = share
  of all pairs with a voicing error or a gross pitch error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from speech.eval.pitch import PitchTracker, track_pitch

FRAME_S = 0.005
MCEP_ORDER = 24
ALPHAS = {8000: 0.41, 16000: 0.42, 22050: 0.455, 24000: 0.466, 44100: 0.544, 48000: 0.554}
MCD_CONST = 10.0 / math.log(10.0) * math.sqrt(2.0)


@dataclass(frozen=True)
class Analysis:
    """Per-frame F0 (Hz, NaN unvoiced) and mel-cepstra ``(frames, order + 1)`` of a signal."""

    f0: np.ndarray
    mcep: np.ndarray


@lru_cache(maxsize=16)
def _freqt_matrix(n_fft: int, order: int, alpha: float) -> np.ndarray:
    """SPTK's frequency warping ``freqt`` as the ``(n_fft, order + 1)`` matrix it is.

    ``freqt`` is linear in its input, so warping every basis vector once gives the matrix; one
    matrix product then warps all frames (``pysptk.sp2mc`` calls ``freqt`` frame by frame, which
    is 10x slower: 125 ms against 11 ms for a 4 s clip, more than pitch tracking and CheapTrick
    together). Building it takes about 80 ms, once per ``(n_fft, order, alpha)``.
    """
    import pysptk

    return np.stack([pysptk.freqt(e, order, alpha) for e in np.eye(n_fft)])


def mel_cepstrum(power_envelope: np.ndarray, alpha: float, order: int = MCEP_ORDER) -> np.ndarray:
    """Mel-cepstra ``(..., order + 1)`` of ``(..., n_fft // 2 + 1)`` power envelopes.

    The same numbers as ``pysptk.sp2mc(power_envelope, order, alpha)`` (within 1e-13 on speech,
    see ``tests/eval/test_spectral_parity.py``), computed for all frames at once; SPTK's
    one-sided convention (module docstring).
    """
    env = np.asarray(power_envelope, dtype=np.float64)
    n_fft = 2 * (env.shape[-1] - 1)
    # irfft(ln |H|^2) = d gives ln |H|^2 = d_0 + 2 sum_m d_m cos(m w), so ln |H| = d_0 / 2 +
    # sum_m d_m cos(m w): halving d_0 alone (as sp2mc does) yields SPTK's one-sided coefficients.
    cep = np.fft.irfft(np.log(np.maximum(env, 1e-300)), n=n_fft, axis=-1)
    cep[..., 0] *= 0.5
    return cep @ _freqt_matrix(n_fft, order, float(alpha))


def analyze(
    wav: np.ndarray,
    sample_rate: int,
    tracker: PitchTracker = "praat",
    analysis_rate: int = 16000,
    trim_db: float | None = 30.0,
) -> Analysis:
    """F0 and mel-cepstra of one signal (resampled to ``analysis_rate``; silence trimmed)."""
    import pyworld
    import soxr

    if analysis_rate not in ALPHAS:
        raise ValueError(f"analysis_rate must be one of {sorted(ALPHAS)}, got {analysis_rate}")
    x = np.asarray(wav, dtype=np.float64)
    if sample_rate != analysis_rate:
        x = soxr.resample(x, sample_rate, analysis_rate)
    if trim_db is not None:
        x = trim_silence(x, trim_db)
    f0 = track_pitch(x, analysis_rate, tracker=tracker, hop_s=FRAME_S)
    times = (np.arange(len(f0)) + 0.5) * FRAME_S
    sp = pyworld.cheaptrick(x, np.nan_to_num(f0, nan=0.0), times, analysis_rate)
    return Analysis(f0=f0, mcep=mel_cepstrum(sp, ALPHAS[analysis_rate]))


def trim_silence(x: np.ndarray, top_db: float = 30.0) -> np.ndarray:
    """Drop leading/trailing audio quieter than ``top_db`` below the peak (keeps at least 1 sample)."""
    import librosa

    trimmed, _ = librosa.effects.trim(np.asarray(x, dtype=np.float64), top_db=top_db)
    return trimmed if len(trimmed) else x[:1]


def dtw_path(ref: np.ndarray, syn: np.ndarray) -> np.ndarray:
    """``(P, 2)`` DTW path (ref index, syn index) over Euclidean frame distances, in time order."""
    import librosa
    from scipy.spatial.distance import cdist

    cost = cdist(ref, syn, metric="euclidean")
    _, wp = librosa.sequence.dtw(C=cost, backtrack=True)
    return np.asarray(wp[::-1], dtype=int)


@dataclass(frozen=True)
class SpectralScores:
    """MCD and F0 metrics of a synthesised signal against its reference (see module docstring)."""

    mcd: float
    logf0_rmse: float
    gpe: float
    vde: float
    ffe: float
    frames: int


def f0_errors(f0_ref: np.ndarray, f0_syn: np.ndarray) -> tuple[float, float, float, float]:
    """(log-F0 RMSE, GPE, VDE, FFE) of frame-aligned F0 tracks (NaN = unvoiced).

    NaN is returned for log-F0 RMSE and GPE when no frame pair is voiced in both.
    """
    r = np.asarray(f0_ref, dtype=np.float64)
    s = np.asarray(f0_syn, dtype=np.float64)
    if r.shape != s.shape:
        raise ValueError(f"F0 tracks must be aligned, got {r.shape} and {s.shape}")
    vr, vs = np.isfinite(r), np.isfinite(s)
    both = vr & vs
    voicing_err = vr != vs
    gross = np.zeros_like(both)
    gross[both] = np.abs(s[both] / r[both] - 1.0) > 0.2
    n = len(r)
    if both.any():
        rmse = float(np.sqrt(np.mean((np.log(s[both]) - np.log(r[both])) ** 2)))
        gpe = float(gross[both].mean())
    else:
        rmse, gpe = float("nan"), float("nan")
    vde = float(voicing_err.mean()) if n else float("nan")
    ffe = float((voicing_err | gross).mean()) if n else float("nan")
    return rmse, gpe, vde, ffe


def spectral_scores(ref: Analysis, syn: Analysis) -> SpectralScores:
    """MCD with DTW plus F0 metrics on the DTW path."""
    if len(ref.mcep) == 0 or len(syn.mcep) == 0:
        raise ValueError("cannot align an empty analysis")
    path = dtw_path(ref.mcep[:, 1:], syn.mcep[:, 1:])
    diff = ref.mcep[path[:, 0], 1:] - syn.mcep[path[:, 1], 1:]
    mcd = float(MCD_CONST * np.sqrt((diff**2).sum(axis=1)).mean())
    rmse, gpe, vde, ffe = f0_errors(ref.f0[path[:, 0]], syn.f0[path[:, 1]])
    return SpectralScores(mcd=mcd, logf0_rmse=rmse, gpe=gpe, vde=vde, ffe=ffe, frames=len(path))
