"""The ten Avila-Ward window features, computed the way Ward's Mid-level Prosodic Features Toolkit
computes them (nigelgward/midlevel, ``makeTrackMonster`` with one feature spec per window).

Pure functions on frame-level tracks (10 ms frames; see :mod:`speech.eval.prosody_frames`). The
toolkit computes each feature as a *track*: for every frame, the value of a window of the
spec's duration (``windowize``: a sum over the window's frames; some features then divide by
the window length), with zero padding where a window would run past the data. ``makeTrackMonster``
then shifts that track by the spec's centre offset, and the prosody vector of an utterance is the
monster's first row: for a window spanning frames ``[S, E)`` the value is the track's element
``round((S + E) / 2)``. Each function here returns that one element, built exactly as the
toolkit builds the track (its padding, its index conventions, its normalisations):

====  ==================================================================================
vo    ``windowEnergy``: sum of log energies over the window, scaled by the two-means silence
      and speech centres *of those window sums* over the whole track.
sr    ``computeRate``: sum of the ``F - 1`` absolute energy deltas in the window, minus the
      silence centre of the frame energies, over the speech-silence span.
th    ``computePitchInBand``: window mean of ``max(pct, 0.5) - 0.5`` (unvoiced give 0).
tl    window mean of ``0.5 - min(pct, 0.5)`` (unvoiced give 0).
wp    ``computePitchRange``: window mean of, per frame, the *count* of frames within
      ``floor(500 / F)`` frames whose F0 ratio is in 0.70-0.90 or 1.10-1.30 (the neighbourhood
      shrinks as the window grows: ``relevantSpan / 2 / framesPerWindow``).
np    the same count with ratio in 0.98-1.02 (the frame itself counts).
cr    ``computeCreakiness``: window mean of octave jumps and 5-25 % jumps between frames.
le    ``computeLengthening``: window sum of log energy over cepstral flux (flux NaNs and
      outliers above mean + 3 sd clipped).
cp    window sum of CPPS z-scored over the track (``normalize(computeCPPS(...))``).
pd    ``computeWindowedSlips``: ``misalignment(epeakness, ppeakness)`` smoothed by a
      rectangular filter of the window length (MATLAB ``conv(..., 'same')``); the peakness
      filters zero the first and last 15-37 frames (``myconv``).
====  ==================================================================================

Pitch percentiles and energy centres come from the track itself in the toolkit; here they come
from a :class:`Normaliser` (fitted on the utterance, or on all of a speaker's material, which is
what the toolkit's whole-conversation tracks amount to).

Deliberate departures are named fields of :class:`Departures`, all off by default; each one's
measured effect on parity is in ``benchmarks/prosody.py``'s output and the fields' docs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Window boundaries in percent of the utterance (Avila & Ward's 5,5,10,10,20,20,10,10,5,5 %).
WINDOW_BOUNDS: tuple[int, ...] = (0, 5, 10, 20, 30, 50, 70, 80, 90, 95, 100)
MAX_PITCH_HZ = 500


@dataclass(frozen=True)
class Departures:
    """Deliberate departures from the toolkit's recipe (all ``False``: the toolkit's own).

    The figures after each are its measured effect, alone, on parity with the toolkit over the
    ten fixture clips (``benchmarks/prosody.py``): the median-over-windows r of the features it
    moves, and the Spearman correlation of pairwise distances, 0.907 without any departure.

    Attributes:
        window_means: report window *means* for the features the toolkit sums (vo, sr, le, cp),
            so that they measure level rather than level times duration (the toolkit sums
            because its windows have fixed durations; ours scale with the utterance). vo 0.94,
            sr 0.78, le 0.98, cp 0.96; distances 0.863.
        rate_without_silence_offset: speaking rate without subtracting the silence centre (an
            absolute log level) from the sum of energy *changes*, which makes the toolkit's
            rate depend on recording gain. sr 0.98; distances 0.913.
        untrimmed_peak_edges: peak filters without ``myconv``'s zeroing of the first and last
            15-37 frames, which the toolkit could afford on whole conversations but which
            blanks most of a short utterance's pd. pd 0.93; distances 0.869.
        fixed_pitch_range_span: a fixed +-500 ms pitch-range neighbourhood for every window
            (the toolkit's stated intent) instead of ``floor(500 / F)`` frames. wp 0.72,
            np 0.97; distances 0.835.
        exact_windows: take each window over exactly its frames ``[S, E)`` (values over the
            data only) instead of the toolkit's centred track element, which is shifted by one
            or two frames and is zero padding for the first window of some features and for
            the last window of every feature. vo 0.98, cp 0.97; distances 0.869.
        pd_cube_root: report the cube root of pd, whose values span five orders of magnitude.
            pd 0.86; distances 0.906.

    All of them together (:meth:`legacy`, this package's earlier recipe): distances 0.777.
    """

    window_means: bool = False
    rate_without_silence_offset: bool = False
    untrimmed_peak_edges: bool = False
    fixed_pitch_range_span: bool = False
    exact_windows: bool = False
    pd_cube_root: bool = False

    @classmethod
    def legacy(cls) -> Departures:
        """The departures of this package's earlier versions, all on."""
        return cls(True, True, True, True, True, True)

    def names(self) -> list[str]:
        """Names of the departures that are on."""
        return [k for k, v in self.__dict__.items() if v]


# The toolkit's own recipe, no departures: the default wherever departures are taken (frozen, so
# one shared instance is safe as an argument default).
FAITHFUL = Departures()


def round_half_up(x: float) -> int:
    """MATLAB ``round`` for non-negative values (half away from zero)."""
    return int(math.floor(x + 0.5))


def window_spans(num_samples: int, sample_rate: int) -> list[tuple[int, int]]:
    """Frame spans ``[S, E)`` of the 10 windows, as ``features.m`` makes them from the duration.

    The duration is floored to whole 10 ms (``floor(Duration * 100) * 10`` ms) and each boundary
    rounded to a whole frame, in the same floating-point order as the MATLAB code.
    """
    durms = math.floor(num_samples / sample_rate * 100) * 10
    edges = [round_half_up(b / 100 * durms / 10) for b in WINDOW_BOUNDS]
    return list(zip(edges[:-1], edges[1:]))


def two_means(values: np.ndarray, max_iterations: int = 20) -> tuple[float, float]:
    """``findClusterMeans``: low and high centres of (hopefully bimodal) values.

    Starts at the min and max and moves each centre to the mean of the values nearer to it than
    to the other (over at most 2,000 evenly spaced samples, as the toolkit does), until both move
    less than 1 % of the range.
    """
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    if v.size == 0:
        raise ValueError("no values to cluster")
    samples = v if v.size < 2000 else v[:: round_half_up(v.size / 2000)]
    low, high = float(v.min()), float(v.max())
    threshold = (high - low) / 100

    def near(centre: float, other: float) -> float:
        closer = samples[np.abs(samples - centre) < np.abs(samples - other)]
        return float(closer.mean()) if closer.size else 0.9 * centre + 0.1 * other

    for _ in range(max_iterations):
        new_high, new_low = near(high, low), near(low, high)
        done = abs(new_high - high) < threshold and abs(new_low - low) < threshold
        low, high = new_low, new_high
        if done:
            break
    return low, high


@dataclass(frozen=True)
class Normaliser:
    """What the toolkit takes from the whole track: pitch percentile map, energy centres and
    the CPPS and flux statistics.

    Attributes:
        pitch_cdf: ``(MAX_PITCH_HZ + 1,)``, share of voiced frames at or below each rounded Hz.
        energy_low: silence centre of the frame log energies (two-means).
        energy_high: speech centre.
        energy_min: lowest frame log energy (epeakness's height scale).
        energy_max: highest.
        cpps_mean: mean frame CPPS (the toolkit z-scores CPPS over the track).
        cpps_std: its standard deviation (``ddof=1``, MATLAB ``std``).
        flux_mean: mean cepstral flux (lengthening clips flux at mean + 3 sd).
        flux_std: its standard deviation.
        pooled: ``False`` when fitted on the utterance itself, whose window sums then give the
            vo centres exactly as ``windowEnergy`` finds them; ``True`` for a profile fitted on
            more material, where the vo centres of a window of ``F`` frames are taken as ``F``
            times the frame centres (the window sums of other utterances are not kept).
    """

    pitch_cdf: np.ndarray
    energy_low: float
    energy_high: float
    energy_min: float
    energy_max: float
    cpps_mean: float
    cpps_std: float
    flux_mean: float
    flux_std: float
    pooled: bool = False

    @staticmethod
    def pitch_map(f0: np.ndarray) -> np.ndarray:
        """``percentilizePitch``'s mapping from rounded Hz to cumulative share."""
        r = np.round(f0[np.isfinite(f0)]).astype(int)
        r = r[(r >= 1) & (r <= MAX_PITCH_HZ)]
        counts = np.bincount(r, minlength=MAX_PITCH_HZ + 1).astype(np.float64)
        total = counts.sum()
        return np.cumsum(counts) / total if total > 0 else np.zeros(MAX_PITCH_HZ + 1)

    def percentiles(self, f0: np.ndarray) -> np.ndarray:
        """F0 (Hz, NaN unvoiced) to percentiles in [0, 1]; NaN where unvoiced or above 500 Hz."""
        out = np.full(len(f0), np.nan)
        ok = np.isfinite(f0)
        r = np.round(np.where(ok, f0, 0)).astype(int)
        ok &= (r >= 1) & (r <= MAX_PITCH_HZ)
        out[ok] = self.pitch_cdf[r[ok]]
        return out


def _pick(core: np.ndarray, head: int, index: int) -> float:
    """Element ``index`` of ``[zeros(head), core, zeros(...)]`` (0 where it is padding)."""
    j = index - head
    return float(core[j]) if 0 <= j < len(core) else 0.0


def _scale_energy(v: float, lo: float, hi: float) -> float:
    """``windowEnergy``: a window sum scaled by the silence (``lo``) and speech (``hi``) centres."""
    if hi - lo > 0:
        return (v - lo) / (hi - lo)
    # windowEnergy's fallback for a track with no speech/silence contrast
    return (v - 0.5 * lo) / lo if lo != 0 else v


def _window_sums(x: np.ndarray, frames: int) -> np.ndarray:
    c = np.concatenate([[0.0], np.cumsum(x)])
    return c[frames:] - c[:-frames] if len(x) >= frames else np.zeros(0)


def _windowed(track: np.ndarray, span: tuple[int, int], head: int, exact: bool) -> float:
    """Sum over the window: the toolkit's centred element, or exactly over ``[S, E)``."""
    s, e = span
    if exact:
        return float(np.sum(track[s:min(e, len(track))]))
    return _pick(_window_sums(track, e - s), head, round_half_up((s + e) / 2))


def matlab_conv_same(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """MATLAB ``conv(u, v, 'same')`` (for even-length ``v`` it keeps one sample later than numpy)."""
    full = np.convolve(u, v)
    start = len(v) // 2
    return full[start:start + len(u)]


def laplacian_of_gaussian(sigma: int) -> np.ndarray:
    """The toolkit's negated LoG: ``5 sigma`` taps at ``x = i - floor(5 sigma / 2)``, i = 1..5 sigma."""
    n = 5 * sigma
    x = np.arange(1, n + 1, dtype=np.float64) - n // 2
    s2 = float(sigma * sigma)
    return -((x * x) / (s2 * s2) - 1.0 / s2) * np.exp(-(x * x) / (2 * s2))


def _myconv(x: np.ndarray, kernel: np.ndarray, half_width: float, trim: bool) -> np.ndarray:
    out = matlab_conv_same(x, kernel)
    if trim:
        t = int(math.floor(half_width))
        out[:t] = 0.0
        out[max(len(out) - t - 1, 0):] = 0.0
    return out


def triangle_filter(frames: int = 16) -> np.ndarray:
    """``triangleFilter(160)``: ``center - |i - center|`` for i = 1..16, normalised."""
    i = np.arange(1, frames + 1, dtype=np.float64)
    f = frames // 2 - np.abs(i - frames // 2)
    return f / f.sum()


def epeakness(energy: np.ndarray, lo: float, hi: float, trim: bool) -> np.ndarray:
    height = np.sqrt(np.clip((energy - lo) / (hi - lo), 0.0, None)) if hi > lo else np.zeros(len(energy))
    syl = _myconv(energy, laplacian_of_gaussian(6), 15, trim)
    foot = _myconv(energy, laplacian_of_gaussian(15), 37.5, trim)
    return np.maximum(syl * foot * height, 0.0)


def ppeakness(pct: np.ndarray, trim: bool) -> np.ndarray:
    valid = (np.nan_to_num(pct, nan=0.0) > 0).astype(np.float64)
    amount = _myconv(valid, triangle_filter(16), 10, trim)
    p = np.nan_to_num(pct, nan=0.0)
    local = _myconv(p, laplacian_of_gaussian(10), 25, trim)
    return np.maximum(local * amount * p, 0.0)


def local_max(x: np.ndarray, half: int = 6) -> np.ndarray:
    """``findLocalMax(x, 120)``: max over +-6 frames, clipped at the ends."""
    padded = np.pad(x, (half, half), constant_values=-np.inf)
    return np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1).max(axis=1)


def misalignment(energy: np.ndarray, pct: np.ndarray, norm: Normaliser, trim: bool) -> np.ndarray:
    """Frame-level pd evidence (``computeWindowedSlips`` before smoothing)."""
    n = len(pct)
    e = energy[:n] if len(energy) == n + 1 else energy
    if len(e) != n:
        raise ValueError(f"energy has {len(energy)} frames but pitch {n}; they must differ by at most 1")
    ep = epeakness(e, norm.energy_min, norm.energy_max, trim)
    pp = ppeakness(pct, trim)
    return (local_max(ep) * pp - ep * pp) * pp


def pitch_range_counts(f0: np.ndarray, half: int, kind: str) -> np.ndarray:
    """Per frame, how many frames within ``half`` (clipped at the ends) are in the F0-ratio band."""
    padded = np.pad(f0, (half, half), constant_values=np.nan)
    neighbours = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = neighbours / f0[:, None]
        if kind == "np":
            hit = (r > 0.98) & (r < 1.02)
        elif kind == "wp":
            hit = ((r > 0.70) & (r < 0.90)) | ((r > 1.10) & (r < 1.30))
        else:
            raise ValueError(f"kind must be 'np' or 'wp', got {kind!r}")
    return hit.sum(axis=1).astype(np.float64)


def creakiness(f0: np.ndarray) -> np.ndarray:
    """``computeCreakiness``'s frame evidence: one value per frame pair (length ``n - 1``)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        r = f0[1:] / f0[:-1]
    octave = ((r > 1.90) & (r < 2.10)) | ((r > 0.475) & (r < 0.525))
    # Enormous jumps are more likely noise than creak; the toolkit counts only these bands.
    small = ((r > 1.05) & (r < 1.25)) | ((r < 0.95) & (r > 0.80))
    hits = octave | small
    return hits.astype(np.float64)


def clipped_flux(flux: np.ndarray, norm: Normaliser) -> np.ndarray:
    """``computeLengthening``'s flux: NaN -> mean, above mean + 3 sd -> that, 0 -> mean / 3 sd."""
    f = np.where(np.isfinite(flux), flux, norm.flux_mean)
    f = np.minimum(f, norm.flux_mean + 3 * norm.flux_std)
    if np.any(f == 0) and norm.flux_std > 0:
        f = np.where(f == 0, norm.flux_mean / (3 * norm.flux_std), f)
    return f


def feature_windows(
    energy: np.ndarray,
    f0: np.ndarray,
    flux: np.ndarray,
    cpps: np.ndarray,
    spans: list[tuple[int, int]],
    norm: Normaliser,
    departures: Departures = FAITHFUL,
) -> dict[str, np.ndarray]:
    """The ten features over the windows, as the toolkit's monster row has them.

    Args:
        energy: ``(N,)`` frame log energies (frame ``k`` centred at ``10 k + 5`` ms).
        f0: ``(N - 1,)`` F0 in Hz on fxrapt's padded grid (element ``k`` centred at
            ``10 (k + 1)`` ms; first and last NaN), NaN unvoiced.
        flux: ``(N,)`` smoothed cepstral flux.
        cpps: ``(N,)`` CPPS in dB (z-scored here with ``norm``).
        spans: the windows' frame spans (:func:`window_spans`).
        norm: the track-level statistics.
        departures: deliberate departures (none by default).

    Returns:
        ``{code: (len(spans),) values}`` for vo, sr, th, tl, wp, np, cr, le, cp, pd.
    """
    d = departures
    exact = d.exact_windows
    pct = norm.percentiles(f0)
    span_e = max(norm.energy_high - norm.energy_low, 1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):  # non-finite values are zeroed next
        lengthening = energy / clipped_flux(flux, norm)
    lengthening[~np.isfinite(lengthening)] = 0.0
    cpps_z = (cpps - norm.cpps_mean) / (norm.cpps_std if norm.cpps_std > 0 else 1.0)
    deltas = np.abs(np.diff(energy))
    voiced = np.isfinite(pct)
    th = np.where(voiced, np.maximum(np.nan_to_num(pct), 0.5) - 0.5, 0.0)
    tl = np.where(voiced, 0.5 - np.minimum(np.nan_to_num(pct, nan=1.0), 0.5), 0.0)
    creak = creakiness(f0)
    misa = misalignment(energy, pct, norm, trim=not d.untrimmed_peak_edges)
    out = {k: np.zeros(len(spans)) for k in ("vo", "sr", "th", "tl", "wp", "np", "cr", "le", "cp", "pd")}
    range_cache: dict[tuple[int, str], np.ndarray] = {}
    for w, (s, e) in enumerate(spans):
        frames = e - s
        centre = round_half_up((s + e) / 2)
        head_sum = frames // 2 - 1           # windowize / windowEnergy / computeRate
        head_mean = (frames - 1) // 2        # computePitchInBand / computePitchRange
        # vo: the toolkit scales window sums by the two-means centres of all window sums.
        sums = _window_sums(energy, frames)
        if not norm.pooled and sums.size:
            lo, hi = two_means(sums)
        else:
            lo, hi = frames * norm.energy_low, frames * norm.energy_high
        if exact:
            vo = _scale_energy(float(np.sum(energy[s:e])), lo, hi)
        else:
            vo = _scale_energy(_pick(sums, head_sum, centre), lo, hi) if 0 <= centre - head_sum < len(sums) else 0.0
        # sr: F - 1 deltas per window, minus the silence centre, over the span.
        offset = 0.0 if d.rate_without_silence_offset else norm.energy_low
        if exact:
            sr = (float(np.sum(deltas[s:max(e - 1, s)])) - offset) / span_e
        else:
            rate = _window_sums(deltas, frames - 1) if frames > 1 else np.zeros(len(deltas) + 1)
            j = centre - head_sum
            sr = (float(rate[j]) - offset) / span_e if 0 <= j < len(rate) else 0.0
        half = 50 if d.fixed_pitch_range_span else 500 // frames
        for kind in ("wp", "np"):
            if (half, kind) not in range_cache:
                range_cache[half, kind] = pitch_range_counts(f0, half, kind)
            out[kind][w] = _windowed(range_cache[half, kind], (s, e), head_mean, exact) / frames
        out["vo"][w] = vo
        out["sr"][w] = sr
        out["th"][w] = _windowed(th, (s, e), head_mean, exact) / frames
        out["tl"][w] = _windowed(tl, (s, e), head_mean, exact) / frames
        out["cr"][w] = _windowed(creak, (s, e), int(math.ceil((frames - 1) / 2)), exact) / frames
        out["le"][w] = _windowed(lengthening, (s, e), head_sum, exact)
        out["cp"][w] = _windowed(cpps_z, (s, e), head_sum, exact)
        if exact:
            out["pd"][w] = float(np.mean(misa[s:min(e, len(misa))]))
        else:
            smoothed = matlab_conv_same(misa, np.full(frames, 1.0 / frames))
            out["pd"][w] = float(smoothed[centre]) if centre < len(smoothed) else 0.0
        if d.window_means:
            for k in ("vo", "sr", "le", "cp"):
                out[k][w] /= frames
    if d.pd_cube_root:
        out["pd"] = np.cbrt(out["pd"])
    return out
