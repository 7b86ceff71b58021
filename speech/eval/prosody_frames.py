"""Frame-level acoustic tracks for the prosody features: log energy, cepstral flux and CPPS.

Pure functions, arrays in and arrays out, at 16 kHz on the 10 ms grid of Ward's Mid-level
Prosodic Features Toolkit (frame ``k`` is samples ``[160 k, 160 k + 160)``), each built the way
the toolkit builds it, so that :mod:`speech.eval.prosody_toolkit` sees the same tracks:

- log energy (``computeLogEnergy``): ``log(sqrt(sum(x**2)))`` over each frame, ``x`` in
  [-1, 1] as ``audioread`` gives it; an all-zero frame gives ``log 1 = 0``.
- cepstral flux (``cepstralFlux``): 13 MFCCs (Wojcicki's ``mfcc.m``: pre-emphasis 0.97, 25 ms
  Hamming frames every 10 ms from sample 0, samples on the 16-bit scale, 512-point FFT
  magnitudes, 20 triangular bands 300-3700 Hz, natural log, DCT-II scaled by ``sqrt(2 / 20)``,
  sine lifter 22); a zero frame padded at each end; squared Euclidean distance between
  neighbours, the mean absolute difference in front; ``smoothJcc`` over 15 frames.
- CPPS (``computeCPPS``, Włodarczak's code in the toolkit): pre-emphasis from 50 Hz, 40 ms
  Hann (Octave ``hanning``) frames every 2 ms, 1024-point dB power spectrum, dB power of the
  FFT of that (513-point) spectrum, causal 10-point moving averages over frames and then
  quefrencies, peak over quefrencies 53-267 (60-300 Hz) minus the least-squares line there;
  padded with NaN to five values per 10 ms frame, their median, NaNs replaced by the median.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.fft import rfft
from scipy.signal import lfilter

#: All frame-level tracks are computed at this rate (the pitch tracker resamples on its own).
ANALYSIS_RATE = 16000
HOP = ANALYSIS_RATE // 100  # 10 ms


def num_frames(num_samples: int, hop: int = HOP) -> int:
    """Whole 10 ms frames in ``num_samples`` (``floor(len / samplesPerFrame)``)."""
    return int(num_samples // hop)


def log_energy(x: np.ndarray, hop: int = HOP) -> np.ndarray:
    """``(floor(len / hop),)`` frame log energies (natural log of the root of the summed squares)."""
    n = num_frames(len(x), hop)
    sq = np.asarray(x[: n * hop], dtype=np.float64) ** 2
    energy = np.sqrt(sq.reshape(n, hop).sum(axis=1))
    energy[energy == 0] = 1.0  # the toolkit's guard against log(0)
    return np.log(energy)


@lru_cache(maxsize=4)
def _mfcc_basis(sample_rate: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hamming window, mel filterbank, DCT matrix and lifter of ``mfcc.m``."""
    win = int(round(0.025 * sample_rate))
    n_fft = 1 << int(np.ceil(np.log2(win)))
    f = np.linspace(0.0, sample_rate / 2, n_fft // 2 + 1)

    def mel(hz: float) -> float:
        return 1127.0 * np.log(1.0 + hz / 700.0)

    c = 700.0 * np.exp((mel(300.0) + np.arange(22) * (mel(3700.0) - mel(300.0)) / 21) / 1127.0) - 700.0
    bank = np.zeros((20, len(f)))
    for m in range(20):
        up = (f >= c[m]) & (f <= c[m + 1])
        bank[m, up] = (f[up] - c[m]) / (c[m + 1] - c[m])
        down = (f >= c[m + 1]) & (f <= c[m + 2])
        bank[m, down] = (c[m + 2] - f[down]) / (c[m + 2] - c[m + 1])
    dctm = np.sqrt(2.0 / 20) * np.cos(np.arange(13)[:, None] * np.pi * (np.arange(1, 21) - 0.5)[None, :] / 20)
    lifter = 1.0 + 0.5 * 22 * np.sin(np.pi * np.arange(13) / 22)
    return np.hamming(win), bank, dctm, lifter


def mfcc(x: np.ndarray, sample_rate: int = ANALYSIS_RATE) -> np.ndarray:
    """``(13, M)`` MFCCs of ``mfcc.m`` with the toolkit's settings, ``M = floor((len - 400) / 160 + 1)``."""
    window, bank, dctm, lifter = _mfcc_basis(sample_rate)
    s = np.asarray(x, dtype=np.float64)
    if np.max(np.abs(s), initial=0.0) <= 1:
        s = s * 32768.0
    s = lfilter([1.0, -0.97], [1.0], s)
    nw, ns = len(window), sample_rate // 100
    m = int(np.floor((len(s) - nw) / ns + 1))
    if m < 1:
        return np.zeros((13, 0))
    frames = np.lib.stride_tricks.sliding_window_view(s, nw)[::ns][:m] * window
    mag = np.abs(rfft(frames.astype(np.float32), n=512, axis=1)).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):  # digital silence: -inf, as MATLAB gives
        cc = dctm @ np.log(bank @ mag.T)
    return lifter[:, None] * cc


def smooth_jcc(v: np.ndarray, size: int) -> np.ndarray:
    """``smoothJcc``: MATLAB ``smooth``'s moving average, with growing odd spans at the ends."""
    n = len(v)
    odd = n if n % 2 else n - 1
    size = min(size, odd)
    if size < 1:
        return np.asarray(v, dtype=np.float64).copy()
    out = np.zeros(n)
    c = np.cumsum(v)
    idx = 0
    for i in range(1, size + 1, 2):
        out[idx] = c[i - 1] / i
        idx += 1
    start, finish = idx, n - size // 2
    if start <= finish:
        out[start:finish] = (c[size:] - c[: n - size]) / size
    idx = finish
    for i in range(n - size + 2, n, 2):
        out[idx] = (c[-1] - c[i - 1]) / (n - i)
        idx += 1
    return out


def cepstral_flux(x: np.ndarray, n_frames: int, sample_rate: int = ANALYSIS_RATE) -> np.ndarray:
    """``(n_frames,)`` smoothed frame-to-frame MFCC change; high in fast articulation."""
    cc = mfcc(x, sample_rate)
    cc = np.concatenate([np.zeros((13, 1)), cc, np.zeros((13, 1))], axis=1).T
    with np.errstate(invalid="ignore"):  # all-zero frames: -inf - -inf is NaN, as in MATLAB
        diff = cc[1:] - cc[:-1]
    if max(diff.shape) < n_frames:  # MATLAB length() of the (M + 1, 13) matrix
        diff = np.vstack([np.mean(np.abs(diff), axis=0, keepdims=True), diff])
    flux = smooth_jcc((diff**2).sum(axis=1), 15)
    return _fit(flux, n_frames)


def _fit(a: np.ndarray, n: int) -> np.ndarray:
    if len(a) >= n:
        return a[:n]
    fill = float(np.nanmean(a)) if len(a) else 0.0
    return np.concatenate([a, np.full(n - len(a), fill)])


@lru_cache(maxsize=4)
def _cpps_setup(sample_rate: int) -> tuple[np.ndarray, int, int, np.ndarray]:
    win = int(round(0.04 * sample_rate))
    step = int(round(0.002 * sample_rate))
    # Octave's hanning (what made the reference values) has zero end points, like numpy's;
    # MATLAB's has none. The difference moves CPPS by about 0.03 dB.
    hann = np.hanning(win)
    quefs = np.arange(int(round(sample_rate / 300)), int(round(sample_rate / 60)) + 1)
    return hann, step, max(256, 1 << int(np.ceil(np.log2(win)))), quefs


def _causal_mean(x: np.ndarray, width: int, axis: int) -> np.ndarray:
    """MATLAB ``filter(ones(1, width) / width, 1, x)`` along ``axis`` (zero history)."""
    # Digital silence gives -inf dB; inf - inf is NaN here, as in MATLAB (dropped later).
    with np.errstate(invalid="ignore"):
        c = np.cumsum(x, axis=axis, dtype=np.float64)
    lagged = np.zeros_like(c)
    src = [slice(None)] * x.ndim
    dst = [slice(None)] * x.ndim
    src[axis], dst[axis] = slice(None, -width), slice(width, None)
    lagged[tuple(dst)] = c[tuple(src)]
    with np.errstate(invalid="ignore"):
        return (c - lagged) / width


def cpps(x: np.ndarray, n_frames: int, sample_rate: int = ANALYSIS_RATE, step_s: float = 0.002) -> np.ndarray:
    """``(n_frames,)`` smoothed cepstral peak prominence in dB (see the module docstring).

    Args:
        x: ``(time,)`` waveform at ``sample_rate``.
        n_frames: length of the frame track to return.
        sample_rate: its rate.
        step_s: analysis step; the toolkit's 2 ms gives five analyses per 10 ms frame, whose
            median is the frame's value (10 ms: one analysis per frame, five times cheaper).
    """
    window, _, n_fft, quefs = _cpps_setup(sample_rate)
    step = int(round(step_s * sample_rate))
    alpha = np.exp(-2 * np.pi * 50 / sample_rate)
    s = lfilter([1.0, -alpha], [1.0], np.asarray(x, dtype=np.float64))
    win = len(window)
    count = (len(s) - (win - step)) // step
    if count < 1:
        return np.zeros(n_frames)
    frames = np.lib.stride_tricks.sliding_window_view(s.astype(np.float32), win)[::step][:count]
    spec = rfft(frames * window.astype(np.float32), n=n_fft, axis=1)
    # Quefrency bins needed: the searched range and the 9 before it (causal smoothing).
    first, top = int(quefs[0]) - 10, int(quefs[-1])  # 0-based first bin, 1-based last
    with np.errstate(divide="ignore", invalid="ignore"):
        spec_db = 10 * np.log10(spec.real**2 + spec.imag**2)
        # The spectrum is real, so |FFT| at bin k > L/2 equals |FFT| at L - k: a real FFT of the
        # (n_fft / 2 + 1)-point spectrum gives every quefrency up to the top of the range.
        half = rfft(spec_db, axis=1)
        length = spec_db.shape[1]
        k = np.arange(first, top)
        ceps = half[:, np.where(k <= length // 2, k, length - k)]
        ceps_db = 10 * np.log10(ceps.real**2 + ceps.imag**2)
    # Causal 10-point means over frames, then over quefrency (MATLAB filter, zero history).
    seg = _causal_mean(_causal_mean(ceps_db, 10, axis=0), 10, axis=1)
    band = seg[:, quefs - 1 - first]
    bad = ~np.isfinite(band)
    peak_idx = np.argmax(np.where(bad, -np.inf, band), axis=1)
    peak = band[np.arange(count), peak_idx]
    q = quefs.astype(np.float64)
    qc = q - q.mean()
    slope = (band - band.mean(axis=1, keepdims=True)) @ qc / (qc @ qc)
    line = band.mean(axis=1) + slope * (q[peak_idx] - q.mean())
    values = peak - line
    values[bad.any(axis=1)] = np.nan  # MATLAB's polyfit over a NaN gives NaN
    per = max(int(round(0.01 / step_s)), 1)
    expected = int(np.floor(len(s) / sample_rate * 1000 / 10))
    total = expected * per - count
    if total >= 0:
        pre = total // 2
        grid = np.concatenate([np.full(pre, np.nan), values, np.full(total - pre, np.nan)]).reshape(expected, per)
    else:
        grid = values[: expected * per].reshape(expected, per)
    finite = np.isfinite(grid)
    if per == 1:
        mid = grid[:, 0].copy()
    else:
        srt = np.sort(np.where(finite, grid, np.inf), axis=1)
        cnt = finite.sum(axis=1)
        lo = srt[np.arange(expected), np.maximum((cnt - 1) // 2, 0)]
        hi = srt[np.arange(expected), np.maximum(cnt // 2, 0)]
        mid = np.where(cnt > 0, (lo + hi) / 2, np.nan)
    ok = np.isfinite(mid)
    mid[~ok] = np.median(mid[ok]) if ok.any() else 0.0
    return _fit(mid, n_frames)
