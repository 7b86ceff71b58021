"""Cross-language prosodic dissimilarity (Avila & Ward, "Towards cross-language prosody transfer
for dialog", Interspeech 2023), computed as Ward's own Mid-level Prosodic Features Toolkit
(nigelgward/midlevel) computes it, re-written here from its MATLAB code and checked against it
(``tests/eval/test_prosody_reference.py``, reference values made by the toolkit under Octave).

What is computed, for one utterance of at least 500 ms:

1. Frame-level tracks every 10 ms (:mod:`speech.eval.prosody_frames`, :mod:`speech.eval.pitch`),
   as the toolkit builds them: log energy, cepstral flux, CPPS, and F0 by RAPT (the toolkit's
   ``fxrapt``; 50-500 Hz) on fxrapt's frame grid.
2. Track-level normalisation (:class:`SpeakerProfile`): the pitch percentile map, the energy
   silence and speech centres (two-means), CPPS and flux statistics. The toolkit takes them from
   the whole track it is given; ``None`` here takes them from the utterance itself (exactly what
   the toolkit does with one clip), a profile fitted on a speaker's material pools them.
3. Ten features over 10 windows covering 5, 5, 10, 10, 20, 20, 10, 10, 5, 5 % of the utterance
   (boundaries 0, 5, 10, 20, 30, 50, 70, 80, 90, 95, 100 %, rounded to whole 10 ms frames), each
   by the toolkit's own recipe (:mod:`speech.eval.prosody_toolkit` lists them: window sums where
   the toolkit sums, its normalisations, its edge handling, its pitch-range neighbourhood):
   cr creakiness, sr speaking rate, tl/th truly low/high pitch, wp/np wide/narrow pitch range,
   vo intensity, le lengthening, cp CPPS, pd peak disalignment. A 100-dim vector, columns
   ``cr-0-5, cr-5-10, ..., pd-95-100``. Like the toolkit, the 95-100 % window is always 0 (its
   centred track element lies in the padding past the last complete window), as is the first
   window of the pitch features and pd.
4. Per-language z-scoring of the 100 columns with statistics fitted on a reference set
   (:mod:`speech.eval.prosody_stats`), and the distance between two utterances is the
   Euclidean norm of the difference of their z-vectors. :func:`compare` also returns each
   feature's share of the squared distance.

Deliberate departures from the toolkit are opt-in, named fields of
:class:`~speech.eval.prosody_toolkit.Departures` (``Departures.legacy()`` turns on all those of
earlier versions of this module: window means, no silence offset in the rate, untrimmed peak
filters, a fixed +-500 ms pitch-range span, exact windows, cube-root pd); ``benchmarks/prosody.py``
measures each one's effect on parity with the toolkit.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from speech.eval import prosody_frames as pf
from speech.eval.errors import UtteranceTooShortError
from speech.eval.pitch import PitchTracker, toolkit_centres, track_pitch
from speech.eval.prosody_toolkit import (
    FAITHFUL,
    MAX_PITCH_HZ,
    WINDOW_BOUNDS,
    Departures,
    Normaliser,
    feature_windows,
    two_means,
    window_spans,
)

logger = logging.getLogger(__name__)

__all__ = ["Departures", "two_means", "window_spans"]

#: Feature codes, in the order of Avila & Ward's feature set.
FEATURES: tuple[str, ...] = ("cr", "sr", "tl", "th", "wp", "np", "vo", "le", "cp", "pd")
#: The order of the toolkit's CSVs (``../shared/ward/features.sh``).
TOOLKIT_FEATURES: tuple[str, ...] = ("vo", "sr", "th", "tl", "wp", "np", "cr", "le", "cp", "pd")
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
NUM_WINDOWS = len(WINDOW_BOUNDS) - 1
#: Column names of the 100-dim vector, feature-major (``cr-0-5`` ...).
COLUMNS: tuple[str, ...] = tuple(
    f"{f}-{a}-{b}" for f in FEATURES for a, b in zip(WINDOW_BOUNDS[:-1], WINDOW_BOUNDS[1:], strict=True)
)
MIN_DURATION_S = 0.5
FRAME_S = 0.01
#: The toolkit's fxrapt range (voicebox defaults).
PITCH_FLOOR_HZ = 50.0
#: CPPS analysis step. The toolkit analyses every 2 ms and takes the median of the five per
#: 10 ms frame; that alone runs at about 110x real time on one core, so the default analyses
#: every 5 ms (two per frame): 2.5x cheaper, and the cp columns still correlate with the
#: toolkit's at a median r of 0.99 over the windows (2 ms: 1.00; 10 ms: 0.95, one window 0.63).
CPPS_STEP_S = 0.005
#: The pitch tracker of the prosody features (see :mod:`speech.eval.pitch` for the comparison).
DEFAULT_TRACKER: PitchTracker = "rapt"


@dataclass(frozen=True)
class LowLevelTracks:
    """Frame-level tracks of one utterance (10 ms frames, the toolkit's grids).

    Attributes:
        f0: ``(N - 1,)`` F0 in Hz on fxrapt's padded grid (element ``k`` centred at
            ``10 (k + 1)`` ms, first and last NaN), ``NaN`` when unvoiced.
        log_energy: ``(N,)`` natural-log frame energy of the [-1, 1] signal.
        flux: ``(N,)`` smoothed cepstral flux.
        cpps: ``(N,)`` cepstral peak prominence, dB.
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
    tracker: PitchTracker = DEFAULT_TRACKER,
    name: str = "utterance",
    cpps_step_s: float = CPPS_STEP_S,
) -> LowLevelTracks:
    """Compute the frame-level tracks of a mono waveform.

    Args:
        wav: ``(time,)`` float waveform in [-1, 1].
        sample_rate: its rate in Hz (anything; resampled to 16 kHz, the toolkit's rate).
        tracker: pitch tracker (see :mod:`speech.eval.pitch`).
        name: how to call the utterance in error messages (e.g. its path).
        cpps_step_s: CPPS analysis step (see :data:`CPPS_STEP_S`; 0.002 is the toolkit's).

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
    n = pf.num_frames(len(x))
    f0 = track_pitch(x, pf.ANALYSIS_RATE, tracker=tracker, fmin=PITCH_FLOOR_HZ, fmax=float(MAX_PITCH_HZ),
                     centres_s=toolkit_centres(len(x), pf.ANALYSIS_RATE))
    # fxrapt's track starts and ends one frame inside the signal; lookupOrComputePitch pads NaN.
    f0[[0, -1]] = np.nan
    return LowLevelTracks(
        f0=f0,
        log_energy=pf.log_energy(x),
        flux=pf.cepstral_flux(x, n),
        cpps=pf.cpps(x, n, step_s=cpps_step_s),
        duration=duration,
    )


class SpeakerProfile(Normaliser):
    """Per-speaker (or per-utterance) normalisation, what the toolkit takes from a whole track."""

    @classmethod
    def of_utterance(cls, tracks: LowLevelTracks) -> SpeakerProfile:
        """The toolkit's normalisation of a track that is this one utterance."""
        return cls._fit([tracks], pooled=False)

    @classmethod
    def fit(cls, tracks: Sequence[LowLevelTracks]) -> SpeakerProfile:
        """Fit on all of one speaker's utterances (one utterance: :meth:`of_utterance`)."""
        if not tracks:
            raise ValueError("a speaker profile needs at least one utterance")
        return cls._fit(list(tracks), pooled=len(tracks) > 1)

    @classmethod
    def _fit(cls, tracks: list[LowLevelTracks], pooled: bool) -> SpeakerProfile:
        f0 = np.concatenate([t.f0 for t in tracks])
        energy = np.concatenate([t.log_energy for t in tracks])
        # epeakness scales by the energy range of the track it sees (trimmed to the pitch length).
        peak_energy = np.concatenate([t.log_energy[: len(t.f0)] for t in tracks])
        cpps = np.concatenate([t.cpps for t in tracks])
        flux = np.concatenate([t.flux for t in tracks])
        flux = flux[np.isfinite(flux)]
        if not np.isfinite(f0).any():
            logger.warning("speaker material has no voiced frames; pitch features will be 0")
        low, high = two_means(energy)
        return cls(
            pitch_cdf=Normaliser.pitch_map(f0),
            energy_low=low,
            energy_high=high,
            energy_min=float(peak_energy.min()),
            energy_max=float(peak_energy.max()),
            cpps_mean=float(np.mean(cpps)),
            cpps_std=float(np.std(cpps, ddof=1)) if len(cpps) > 1 else 0.0,
            flux_mean=float(np.mean(flux)) if flux.size else 0.0,
            flux_std=float(np.std(flux, ddof=1)) if flux.size > 1 else 0.0,
            pooled=pooled,
        )

    @property
    def energy_span(self) -> float:
        """Speech minus silence centre of the frame log energies (never ~0)."""
        return max(self.energy_high - self.energy_low, 1e-3)

    def to_dict(self) -> dict[str, Any]:
        return {
            "pitch_cdf": [round(float(v), 6) for v in self.pitch_cdf],
            "energy_low": self.energy_low,
            "energy_high": self.energy_high,
            "energy_min": self.energy_min,
            "energy_max": self.energy_max,
            "cpps_mean": self.cpps_mean,
            "cpps_std": self.cpps_std,
            "flux_mean": self.flux_mean,
            "flux_std": self.flux_std,
            "pooled": self.pooled,
        }


def window_edges(n_frames: int) -> np.ndarray:
    """Frame indices of the 11 window boundaries of ``n_frames`` frames (rounded half up)."""
    return np.floor(np.asarray(WINDOW_BOUNDS, dtype=np.float64) / 100.0 * n_frames + 0.5).astype(int)


def window_means(frames: np.ndarray) -> np.ndarray:
    """Average ``(F, n)`` frame values over the 10 windows -> ``(F, 10)`` (for contours and
    steering; the features themselves follow the toolkit, see :func:`prosody_vector`)."""
    n = frames.shape[-1]
    edges = window_edges(n)
    if np.any(np.diff(edges) <= 0):
        raise UtteranceTooShortError(f"{n} frames cannot fill {NUM_WINDOWS} non-empty windows")
    csum = np.concatenate([np.zeros((frames.shape[0], 1)), np.cumsum(frames, axis=1)], axis=1)
    sums = csum[:, edges[1:]] - csum[:, edges[:-1]]
    return sums / np.diff(edges)[None, :]


def prosody_vector(
    tracks: LowLevelTracks,
    profile: SpeakerProfile | None = None,
    departures: Departures = FAITHFUL,
) -> np.ndarray:
    """The 100-dim prosody vector (raw, before z-scoring), in :data:`COLUMNS` order.

    Args:
        tracks: the utterance's frame-level tracks.
        profile: the speaker's normalisation profile; ``None`` normalises by the utterance
            itself, as the toolkit does with a one-clip track (pitch height and intensity are
            then relative to the utterance).
        departures: deliberate departures from the toolkit (none by default).
    """
    norm = profile if profile is not None else SpeakerProfile.of_utterance(tracks)
    spans = window_spans(int(round(tracks.duration * pf.ANALYSIS_RATE)), pf.ANALYSIS_RATE)
    if any(e <= s for s, e in spans):
        raise UtteranceTooShortError(f"{tracks.num_frames} frames cannot fill {NUM_WINDOWS} non-empty windows")
    values = feature_windows(tracks.log_energy, tracks.f0, tracks.flux, tracks.cpps, spans, norm, departures)
    return np.concatenate([values[f] for f in FEATURES])


def toolkit_order(vector: np.ndarray) -> np.ndarray:
    """Reorder a vector (or ``(..., 100)`` array) from :data:`COLUMNS` to the toolkit CSVs' order."""
    v = np.asarray(vector, dtype=np.float64)
    rows = v.reshape(*v.shape[:-1], len(FEATURES), NUM_WINDOWS)
    idx = [FEATURES.index(f) for f in TOOLKIT_FEATURES]
    return rows[..., idx, :].reshape(v.shape)


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
