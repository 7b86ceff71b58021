"""Cross-language prosodic dissimilarity (Avila & Ward, "Towards cross-language prosody transfer
for dialog", Interspeech 2023), following their released code (DRAL repository + Ward's Mid-level
Prosodic Features Toolkit), re-written here from the definitions.

What is computed, for one utterance of at least 500 ms:

1. Frame-level tracks every 10 ms (:mod:`speech.eval.prosody_frames`, :mod:`speech.eval.pitch`):
   F0 (80-500 Hz), log energy, cepstral flux, CPPS.
2. Speaker normalisation (:class:`SpeakerProfile`), fitted over *all* of a speaker's material:
   the pitch percentile map (each rounded Hz value -> its cumulative share of the speaker's
   voiced frames) and the energy centres (silence and speech means of the speaker's frame log
   energies, found by the toolkit's two-means search).
3. Ten frame-level features (names and order as in their feature set):

   ====  =====================================================================================
   cr    creakiness: share of frame pairs whose F0 ratio is an octave jump (1.90-2.10,
         0.475-0.525) or an irregular small jump (1.05-1.25, 0.80-0.95)
   sr    speaking rate: mean absolute frame-to-frame change of log energy, divided by the
         speaker's speech-silence energy span
   tl    truly low pitch: ``0.5 - min(percentile, 0.5)`` (unvoiced frames give 0)
   th    truly high pitch: ``max(percentile, 0.5) - 0.5`` (unvoiced frames give 0)
   wp    wide pitch range: share of voiced frames within +-500 ms whose F0 ratio to this frame
         is in 0.70-0.90 or 1.10-1.30
   np    narrow pitch range: same with ratio in 0.98-1.02
   vo    intensity: log energy scaled so the speaker's silence centre is 0 and speech centre 1
   le    lengthening: that scaled energy (floored at 0) over cepstral flux (floored at 1)
   cp    CPPS in dB
   pd    late peak / peak disalignment: energy-peak and pitch-peak "peakness" (Laplacian of
         Gaussian filters over 6, 15 and 10 frames, times height and local pitch support),
         then ``(local max energy peakness - energy peakness) * pitch peakness**2``;
         the window means of pd are reported as their cube root
   ====  =====================================================================================

4. Each feature is averaged over 10 windows covering 5, 5, 10, 10, 20, 20, 10, 10, 5, 5 % of
   the utterance (boundaries 0, 5, 10, 20, 30, 50, 70, 80, 90, 95, 100 %, rounded to whole
   10 ms frames): a 100-dim vector, columns ``cr-0-5, cr-5-10, ..., pd-95-100``.
5. Per-language z-scoring of the 100 columns with statistics fitted on a reference set
   (:mod:`speech.eval.prosody_stats`), and the distance between two utterances is the
   Euclidean norm of the difference of their z-vectors. :func:`compare` also returns each
   feature's share of the squared distance.

Where we depart from the MATLAB code, and why (all documented in the tests):

- Every window value is a *mean* over the window's frames. The toolkit sums some features
  (lengthening, CPPS) over windows whose length grows with the utterance, which makes them
  measure duration; the speaking rate likewise must be per unit time or slowing speech down
  would not lower it.
- The toolkit's ``sr`` subtracts the silence centre (an absolute log level) from a sum of
  energy *changes*, which makes a rate depend on recording gain; we only divide by the span.
- Peak filters use zero padding (silence) at utterance edges instead of zeroing the first and
  last 150-370 ms, which the toolkit could afford on whole conversations but would blank most
  of a short utterance. Pitch-range neighbourhoods are a fixed +-500 ms (the toolkit's stated
  intent) instead of a span that shrinks with the window size.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from speech.eval import prosody_frames as pf
from speech.eval.errors import UtteranceTooShortError
from speech.eval.pitch import PitchTracker, num_frames, track_pitch

logger = logging.getLogger(__name__)

#: Feature codes, in the order of Avila & Ward's feature set.
FEATURES: tuple[str, ...] = ("cr", "sr", "tl", "th", "wp", "np", "vo", "le", "cp", "pd")
FEATURE_NAMES: dict[str, str] = {
    "cr": "creakiness",
    "sr": "speaking rate",
    "tl": "truly low pitch",
    "th": "truly high pitch",
    "wp": "wide pitch range",
    "np": "narrow pitch range",
    "vo": "intensity",
    "le": "lengthening",
    "cp": "CPPS",
    "pd": "peak disalignment",
}
#: Window boundaries in percent of the utterance.
WINDOW_BOUNDS: tuple[int, ...] = (0, 5, 10, 20, 30, 50, 70, 80, 90, 95, 100)
NUM_WINDOWS = len(WINDOW_BOUNDS) - 1
#: Column names of the 100-dim vector, feature-major like their CSVs (``cr-0-5`` ...).
COLUMNS: tuple[str, ...] = tuple(
    f"{f}-{a}-{b}" for f in FEATURES for a, b in zip(WINDOW_BOUNDS[:-1], WINDOW_BOUNDS[1:], strict=True)
)
MIN_DURATION_S = 0.5
FRAME_S = 0.01
MAX_PITCH_HZ = 500
PITCH_RANGE_HALF_SPAN = 50  # frames, i.e. +-500 ms


@dataclass(frozen=True)
class LowLevelTracks:
    """Frame-level tracks of one utterance (10 ms frames).

    Attributes:
        f0: F0 in Hz, ``NaN`` when unvoiced.
        log_energy: natural-log frame energy on the 16-bit scale.
        flux: smoothed cepstral flux.
        cpps: smoothed cepstral peak prominence, dB.
        duration: utterance duration in seconds.
    """

    f0: np.ndarray
    log_energy: np.ndarray
    flux: np.ndarray
    cpps: np.ndarray
    duration: float

    @property
    def num_frames(self) -> int:
        return len(self.log_energy)


def check_duration(num_samples: int, sample_rate: int, name: str = "utterance") -> float:
    """Duration in seconds; raises :class:`UtteranceTooShortError` under 500 ms."""
    duration = num_samples / float(sample_rate)
    if duration < MIN_DURATION_S:
        raise UtteranceTooShortError(
            f"{name}: {duration * 1000:.0f} ms is too short for prosody features "
            f"(need at least {MIN_DURATION_S * 1000:.0f} ms: 10 windows, the shortest 5 % long)"
        )
    return duration


def low_level_tracks(
    wav: np.ndarray,
    sample_rate: int,
    tracker: PitchTracker = "praat",
    name: str = "utterance",
) -> LowLevelTracks:
    """Compute the frame-level tracks of a mono waveform.

    Args:
        wav: ``(time,)`` float waveform in [-1, 1].
        sample_rate: its rate in Hz (anything; resampled to 16 kHz internally).
        tracker: pitch tracker (see :mod:`speech.eval.pitch`).
        name: how to call the utterance in error messages (e.g. its path).

    Raises:
        UtteranceTooShortError: under 500 ms.
    """
    wav = np.asarray(wav, dtype=np.float64)
    if wav.ndim != 1:
        raise ValueError(f"{name}: expected a mono (time,) waveform, got shape {wav.shape}")
    duration = check_duration(len(wav), sample_rate, name)
    if sample_rate != pf.ANALYSIS_RATE:
        import soxr

        x = soxr.resample(wav, sample_rate, pf.ANALYSIS_RATE)
    else:
        x = wav
    n = num_frames(len(wav), sample_rate, FRAME_S)
    f0 = track_pitch(x, pf.ANALYSIS_RATE, tracker=tracker, fmin=80.0, fmax=float(MAX_PITCH_HZ))
    # Resampling can change the length by a sample; keep every track on the same n frames.
    f0 = _fit_length(f0, n, np.nan)
    x = np.pad(x, (0, max(0, n * pf.HOP - len(x))))
    return LowLevelTracks(
        f0=f0,
        log_energy=pf.log_energy(x, n),
        flux=pf.cepstral_flux(x, n),
        cpps=pf.cpps(x, n),
        duration=duration,
    )


def _fit_length(a: np.ndarray, n: int, fill: float) -> np.ndarray:
    if len(a) >= n:
        return a[:n]
    return np.concatenate([a, np.full(n - len(a), fill)])


def two_means(values: np.ndarray, max_iterations: int = 20) -> tuple[float, float]:
    """Low and high cluster centres of (hopefully bimodal) values, by the toolkit's search.

    Starts from the min and max and repeatedly moves each centre to the mean of the values
    nearer to it than to the other centre, until both move less than 1 % of the range.
    """
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        raise ValueError("no values to cluster")
    low, high = float(v.min()), float(v.max())
    threshold = (high - low) / 100
    for _ in range(max_iterations):
        near_high = np.abs(v - high) < np.abs(v - low)
        near_low = np.abs(v - low) < np.abs(v - high)
        new_high = float(v[near_high].mean()) if near_high.any() else high
        new_low = float(v[near_low].mean()) if near_low.any() else low
        done = abs(new_high - high) < threshold and abs(new_low - low) < threshold
        low, high = new_low, new_high
        if done:
            break
    return low, high


@dataclass(frozen=True)
class SpeakerProfile:
    """Per-speaker normalisation: pitch percentile map and energy centres.

    Attributes:
        pitch_cdf: ``(MAX_PITCH_HZ + 1,)`` cumulative share of the speaker's voiced frames at or
            below each rounded Hz value (index = Hz).
        energy_low: silence centre of the speaker's frame log energies.
        energy_high: speech centre.
        num_frames: frames the profile was fitted on.
        num_voiced: voiced frames among them.
    """

    pitch_cdf: np.ndarray
    energy_low: float
    energy_high: float
    num_frames: int
    num_voiced: int

    @classmethod
    def fit(cls, tracks: Sequence[LowLevelTracks]) -> SpeakerProfile:
        """Fit on all of one speaker's utterances (the more, the more stable)."""
        if not tracks:
            raise ValueError("a speaker profile needs at least one utterance")
        f0 = np.concatenate([t.f0 for t in tracks])
        energy = np.concatenate([t.log_energy for t in tracks])
        rounded = np.round(f0[np.isfinite(f0)]).astype(int)
        rounded = rounded[(rounded >= 0) & (rounded <= MAX_PITCH_HZ)]
        counts = np.bincount(rounded, minlength=MAX_PITCH_HZ + 1).astype(np.float64)
        total = counts.sum()
        if total == 0:
            logger.warning("speaker material has no voiced frames; pitch features will be 0")
        cdf = np.cumsum(counts) / total if total > 0 else np.zeros(MAX_PITCH_HZ + 1)
        low, high = two_means(energy)
        return cls(cdf, low, high, int(len(energy)), int(total))

    def percentiles(self, f0: np.ndarray) -> np.ndarray:
        """Map F0 (Hz, NaN unvoiced) to the speaker's percentiles in [0, 1] (NaN unvoiced)."""
        out = np.full(len(f0), np.nan)
        if self.num_voiced == 0:
            return out
        ok = np.isfinite(f0)
        r = np.round(np.where(ok, f0, -1)).astype(int)
        ok &= (r >= 0) & (r <= MAX_PITCH_HZ)
        out[ok] = self.pitch_cdf[r[ok]]
        return out

    @property
    def energy_span(self) -> float:
        # A speaker whose material has no silence/speech contrast would divide by ~0.
        return max(self.energy_high - self.energy_low, 1e-3)

    def scaled_energy(self, log_energy: np.ndarray) -> np.ndarray:
        """Log energy with the speaker's silence centre at 0 and speech centre at 1."""
        return (log_energy - self.energy_low) / self.energy_span

    def to_dict(self) -> dict[str, Any]:
        return {
            "pitch_cdf": [round(float(v), 6) for v in self.pitch_cdf],
            "energy_low": self.energy_low,
            "energy_high": self.energy_high,
            "num_frames": self.num_frames,
            "num_voiced": self.num_voiced,
        }


def laplacian_of_gaussian(sigma: float) -> np.ndarray:
    """Negated Laplacian-of-Gaussian peak detector, ``+-2.5 sigma`` frames long."""
    half = int(math.floor(2.5 * sigma))
    x = np.arange(-half, half + 1, dtype=np.float64)
    s2 = sigma * sigma
    return -((x * x) / (s2 * s2) - 1.0 / s2) * np.exp(-(x * x) / (2 * s2))


def _conv(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    return np.convolve(x, kernel, mode="same")


def _local_max(x: np.ndarray, half: int) -> np.ndarray:
    padded = np.pad(x, (half, half), constant_values=-np.inf)
    return np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1).max(axis=1)


def peak_disalignment(scaled_energy: np.ndarray, percentiles: np.ndarray) -> np.ndarray:
    """Frame-level late-peak / disalignment evidence (toolkit's epeakness/ppeakness/misalignment)."""
    e = scaled_energy
    height = np.sqrt(np.clip(e, 0.0, 1.0))
    epeak = _conv(e, laplacian_of_gaussian(6)) * _conv(e, laplacian_of_gaussian(15)) * height
    epeak = np.maximum(epeak, 0.0)
    valid = np.isfinite(percentiles).astype(np.float64)
    tri = np.bartlett(17)[1:-1]
    support = _conv(valid, tri / tri.sum())
    p = np.nan_to_num(percentiles, nan=0.0)
    ppeak = np.maximum(_conv(p, laplacian_of_gaussian(10)) * support * p, 0.0)
    local_max = _local_max(epeak, 6)  # +-60 ms
    return (local_max * ppeak - epeak * ppeak) * ppeak


def pitch_range_evidence(f0: np.ndarray, kind: str) -> np.ndarray:
    """Share of frames within +-500 ms whose F0 ratio to this frame is in the narrow/wide band."""
    half = PITCH_RANGE_HALF_SPAN
    padded = np.pad(f0, (half, half), constant_values=np.nan)
    neighbours = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratios = neighbours / f0[:, None]
        if kind == "np":
            hit = (ratios > 0.98) & (ratios < 1.02)
        elif kind == "wp":
            hit = ((ratios > 0.70) & (ratios < 0.90)) | ((ratios > 1.10) & (ratios < 1.30))
        else:
            raise ValueError(f"kind must be 'np' or 'wp', got {kind!r}")
    return hit.sum(axis=1) / float(2 * half + 1)


def creak_evidence(f0: np.ndarray) -> np.ndarray:
    """1 where the F0 ratio to the previous frame is an octave jump or irregular small jump."""
    ratios = np.full(len(f0), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratios[1:] = f0[1:] / f0[:-1]
        r = ratios
        hit = (
            ((r > 1.90) & (r < 2.10))
            | ((r > 0.475) & (r < 0.525))
            | ((r > 1.05) & (r < 1.25))
            | ((r < 0.95) & (r > 0.80))
        )
    return hit.astype(np.float64)


def frame_features(tracks: LowLevelTracks, profile: SpeakerProfile) -> np.ndarray:
    """``(10, num_frames)`` frame-level values of the ten features, in :data:`FEATURES` order."""
    pct = profile.percentiles(tracks.f0)
    scaled = profile.scaled_energy(tracks.log_energy)
    delta = np.abs(np.diff(tracks.log_energy, prepend=tracks.log_energy[:1]))
    # Flux is 30-300 in speech; the floor keeps stationary silence from dividing by ~0.
    flux = np.maximum(tracks.flux, 1.0)
    voiced = np.isfinite(pct)
    rows = {
        "cr": creak_evidence(tracks.f0),
        "sr": delta / profile.energy_span,
        "tl": np.where(voiced, 0.5 - np.minimum(np.nan_to_num(pct, nan=0.5), 0.5), 0.0),
        "th": np.where(voiced, np.maximum(np.nan_to_num(pct, nan=0.5), 0.5) - 0.5, 0.0),
        "wp": pitch_range_evidence(tracks.f0, "wp"),
        "np": pitch_range_evidence(tracks.f0, "np"),
        "vo": scaled,
        "le": np.maximum(scaled, 0.0) / flux,
        "cp": tracks.cpps,
        "pd": peak_disalignment(scaled, pct),
    }
    return np.stack([rows[f] for f in FEATURES])


def window_edges(n_frames: int) -> np.ndarray:
    """Frame indices of the 11 window boundaries (rounded half up, like the toolkit)."""
    return np.floor(np.asarray(WINDOW_BOUNDS, dtype=np.float64) / 100.0 * n_frames + 0.5).astype(int)


def window_means(frames: np.ndarray) -> np.ndarray:
    """Average ``(F, n)`` frame values over the 10 windows -> ``(F, 10)``."""
    n = frames.shape[-1]
    edges = window_edges(n)
    if np.any(np.diff(edges) <= 0):
        raise UtteranceTooShortError(f"{n} frames cannot fill {NUM_WINDOWS} non-empty windows")
    csum = np.concatenate([np.zeros((frames.shape[0], 1)), np.cumsum(frames, axis=1)], axis=1)
    sums = csum[:, edges[1:]] - csum[:, edges[:-1]]
    return sums / np.diff(edges)[None, :]


def prosody_vector(tracks: LowLevelTracks, profile: SpeakerProfile | None = None) -> np.ndarray:
    """The 100-dim prosody vector (raw, before z-scoring), in :data:`COLUMNS` order.

    Args:
        tracks: the utterance's frame-level tracks.
        profile: the speaker's normalisation profile; ``None`` fits one on this utterance
            alone, which makes pitch height and intensity relative to the utterance itself.
    """
    if profile is None:
        profile = SpeakerProfile.fit([tracks])
    windows = window_means(frame_features(tracks, profile))
    # pd is a product of peakness terms and spans ~5 orders of magnitude across utterances; its
    # cube root keeps one unusual utterance from dominating the z-scored distance.
    pd_row = FEATURES.index("pd")
    windows[pd_row] = np.cbrt(windows[pd_row])
    return windows.reshape(-1)


def vector_to_table(vector: np.ndarray) -> dict[str, list[float]]:
    """``{feature: [10 window values]}`` view of a 100-dim vector."""
    v = np.asarray(vector, dtype=np.float64).reshape(len(FEATURES), NUM_WINDOWS)
    return {f: [float(x) for x in v[i]] for i, f in enumerate(FEATURES)}


@dataclass(frozen=True)
class ProsodyComparison:
    """Result of comparing two z-scored prosody vectors.

    Attributes:
        distance: Euclidean norm of the difference of the z-vectors.
        feature_shares: each feature's share of the squared distance (sums to 1; all 0 when
            the distance is 0).
        difference: the 100-dim z-difference (b - a).
    """

    distance: float
    feature_shares: dict[str, float]
    difference: np.ndarray


def compare(z_a: np.ndarray, z_b: np.ndarray) -> ProsodyComparison:
    """Distance between two z-scored 100-dim prosody vectors, and per-feature shares."""
    a = np.asarray(z_a, dtype=np.float64).reshape(-1)
    b = np.asarray(z_b, dtype=np.float64).reshape(-1)
    if a.shape != (len(COLUMNS),) or b.shape != (len(COLUMNS),):
        raise ValueError(f"prosody vectors must have {len(COLUMNS)} values, got {a.size} and {b.size}")
    diff = b - a
    sq = (diff**2).reshape(len(FEATURES), NUM_WINDOWS).sum(axis=1)
    total = float(sq.sum())
    shares = {f: (float(sq[i] / total) if total > 0 else 0.0) for i, f in enumerate(FEATURES)}
    return ProsodyComparison(distance=math.sqrt(total), feature_shares=shares, difference=diff)


def mean_distance(z_a: np.ndarray, z_b: np.ndarray) -> float:
    """Mean of the row-wise Euclidean distances of two ``(N, 100)`` z-vector arrays."""
    a = np.atleast_2d(np.asarray(z_a, dtype=np.float64))
    b = np.atleast_2d(np.asarray(z_b, dtype=np.float64))
    if a.shape != b.shape:
        raise ValueError(f"shape mismatch: {a.shape} vs {b.shape}")
    return float(np.linalg.norm(a - b, axis=1).mean())


def speaker_profiles(
    tracks_by_speaker: Mapping[str, Sequence[LowLevelTracks]],
) -> dict[str, SpeakerProfile]:
    """Fit one :class:`SpeakerProfile` per speaker."""
    return {spk: SpeakerProfile.fit(list(ts)) for spk, ts in tracks_by_speaker.items()}
