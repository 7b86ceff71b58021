"""Carrying a source utterance's prosody into a synthesis, window by window.

The source's Avila-Ward profile (:mod:`speech.eval.prosody`: 10 features x 10 windows, speaker
normalised, z-scored per language) is first *mapped* into the target language by a
:class:`ProsodyMap`: ``copy`` (the same z-vector: prosody kept as it is across languages, Avila &
Ward's copy baseline) or a least-squares linear map fitted on paired utterances of the two
languages (their regression baseline, :mod:`speech.eval.prosody_baselines`). The mapped z-vector
is turned back into raw feature values with the target language's statistics, and compared with
the profile measured on a synthesis of the text. The difference, per window, becomes edits of the
model's per-token predictions, interpolated between window centres over the tokens' centres (steps
at window edges would make the pitch jump):

==================  =========================================================================
pitch height        ``(th - tl)`` is the mean percentile of the window's F0 above the median
                    (unvoiced frames count 0): the missing percentile points, per voiced frame,
                    are converted to normalised log-F0 through the synthesis' own spread of
                    token pitches (for a normal distribution, 1 percentile point at the median
                    is ``sqrt(2 pi) / 100`` standard deviations) and added to the tokens
pitch range         ``(wp - np)`` (wide minus narrow range evidence) scales the tokens' pitch
                    deviation from the window's mean by ``exp(2 * difference)``
intensity           ``vo`` is log energy in units of the speaker's speech-silence span: the
                    missing units times the synthesis' span are log-amplitude; the model's
                    energy is log power (twice that), normalised by its ``energy_std``
rate                ``sr`` (energy change per unit time) and ``le`` (lengthening) give a rate
                    ratio per window (geometric mean of ``sr`` ratio and inverse ``le`` ratio);
                    the tokens' durations are divided by it, then the whole is refitted to the
                    requested duration (:mod:`speech.dub.timing`); off unless
                    :attr:`SteeringConfig.rate` is raised (see there why)
==================  =========================================================================

Every edit is clipped (:class:`SteeringConfig`) so that one odd window cannot wreck the speech.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from speech.dub.errors import DubError
from speech.eval.prosody import (
    FEATURES,
    NUM_WINDOWS,
    WINDOW_BOUNDS,
    low_level_tracks,
    prosody_vector,
    window_means,
)
from speech.eval.prosody_baselines import LinearMap
from speech.eval.prosody_stats import ProsodyStats

MAP_FORMAT = "speech.dub.prosody_map"
_ROW = {f: i for i, f in enumerate(FEATURES)}
# One percentile point at the median of a normal distribution is sqrt(2 pi)/100 standard deviations.
_PCT_TO_STD = math.sqrt(2.0 * math.pi)


@dataclass(frozen=True)
class ProsodyProfile:
    """The prosody of one utterance.

    Attributes:
        raw: ``(100,)`` raw prosody vector (normalised with a profile of the utterance itself).
        z: ``(100,)`` the same z-scored with its language's statistics.
        voiced: ``(10,)`` share of voiced frames per window.
        energy_span: the utterance's speech-silence log-energy span (natural log of amplitude).
        language: the language it was z-scored as (``None``: pooled statistics).
    """

    raw: np.ndarray
    z: np.ndarray
    voiced: np.ndarray
    energy_span: float
    language: str | None

    def table(self, which: str = "z") -> np.ndarray:
        """``(10 features, 10 windows)`` view of ``raw`` or ``z``."""
        return np.asarray(getattr(self, which)).reshape(len(FEATURES), NUM_WINDOWS)


def measure_profile(wav: np.ndarray, sample_rate: int, language: str | None, stats: ProsodyStats,
                    name: str = "utterance") -> ProsodyProfile:
    """The :class:`ProsodyProfile` of a waveform (its own material normalises it, as
    ``speech eval prosody`` does for a lone clip)."""
    from speech.eval.prosody import SpeakerProfile

    tracks = low_level_tracks(np.asarray(wav, dtype=np.float64), sample_rate, tracker=stats.tracker or "praat", name=name)
    speaker = SpeakerProfile.fit([tracks])
    raw = prosody_vector(tracks, speaker)
    voiced = window_means(np.isfinite(tracks.f0)[None, :].astype(np.float64))[0]
    return ProsodyProfile(raw, stats.zscore(raw, language), voiced, speaker.energy_span, language)


@dataclass(frozen=True)
class ProsodyMap:
    """Source-language z-vector -> predicted target-language z-vector.

    Attributes:
        kind: ``"copy"`` or ``"linear"``.
        source_language, target_language: the pair a linear map was fitted on (``None`` for copy).
        linear: the fitted map (``kind == "linear"``).
    """

    kind: str = "copy"
    source_language: str | None = None
    target_language: str | None = None
    linear: LinearMap | None = None

    def __call__(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=np.float64)
        return z.copy() if self.linear is None else self.linear(z)

    @property
    def name(self) -> str:
        return "copy" if self.linear is None else f"linear {self.source_language}->{self.target_language}"

    def save(self, path: str | Path) -> Path:
        """Write a linear map as safetensors (weights) with the language pair in its metadata."""
        from safetensors.numpy import save_file

        from speech.fileio import atomic_path

        if self.linear is None:
            raise DubError("a copy map has nothing to save")
        with atomic_path(path) as tmp:
            save_file({"weight": np.ascontiguousarray(self.linear.weight), "bias": np.ascontiguousarray(self.linear.bias)},
                      str(tmp), metadata={"format": MAP_FORMAT, "source_language": str(self.source_language),
                                          "target_language": str(self.target_language)})
        return Path(path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ProsodyMap:
        """Read a map written by :meth:`save`.

        Raises:
            DubError: not such a file, or weights of the wrong shape.
        """
        from safetensors import safe_open

        p = Path(path)
        if not p.is_file():
            raise DubError(f"prosody map not found: {p} (fit one with recipes/bootstrap/dub, or leave it out to copy)")
        try:
            with safe_open(str(p), framework="numpy") as f:
                meta = f.metadata() or {}
                weight, bias = f.get_tensor("weight"), f.get_tensor("bias")
        except Exception as e:  # safetensors raises its own error types for corrupt headers
            raise DubError(f"{p} is not a prosody map ({type(e).__name__}: {e})") from e
        n = len(FEATURES) * NUM_WINDOWS
        if meta.get("format") != MAP_FORMAT or weight.shape != (n, n) or bias.shape != (n,):
            raise DubError(f"{p} is not a prosody map of {n}-dim profiles")
        return cls("linear", meta.get("source_language"), meta.get("target_language"), LinearMap(weight, bias))


@dataclass(frozen=True)
class SteeringConfig:
    """Gains and bounds of each window's edit.

    Attributes:
        pitch_gain: factor on the pitch-height edit that the percentile arithmetic gives (the
            model's response to its pitch input is weaker than one-to-one). 2 with a 0.8 cap:
            with 1 and 0.4 the dub's ``th`` did not follow a source raised by 25 % in window 4
            (-0.006), with 2 and 0.8 it rises in every window tried (2, 4, 7: +0.06, +0.04,
            +0.10), at the same Whisper CER and median prosody distance on 30 recipe pairs.
        energy_gain: the same for intensity.
        percentile: the largest pitch-height change, in percentile points / 100.
        range_scale: the pitch-range factor stays in ``[1/range_scale, range_scale]``.
        intensity: the largest change of ``vo`` (speech-silence spans). 0.15: on 30 recipe pairs
            (10 per language pair) the 0.5 used before cost 7 points of Whisper CER against plain
            synthesis (34.0 with only the energy edits on, 27.2 with only pitch), while 0.15
            gave 27.3 against plain's 27.7 and a median prosody distance still below plain's
            (37.9 vs 39.3; 0 edits: CER 25.4, median distance 41.3).
        rate: the rate ratio stays in ``[1/rate, rate]``. Off (1.0) by default: on the recipe's
            clips every per-window duration edit tried (``sr`` and ``le`` ratios, ``sr`` alone,
            limits 1.15 and 1.4) moved the profile *away* from the source (the lengthening and
            creak features grew more than the rate feature shrank), while the global duration fit
            alone brings the distance down.
    """

    pitch_gain: float = 2.0
    energy_gain: float = 1.0
    percentile: float = 0.8
    range_scale: float = 1.6
    intensity: float = 0.15
    rate: float = 1.0


def token_positions(frames: np.ndarray) -> np.ndarray:
    """Centre of each token in percent of the utterance, from ``frames`` per token."""
    f = np.asarray(frames, dtype=np.float64)
    total = max(float(f.sum()), 1.0)
    return (np.cumsum(f) - f / 2.0) / total * 100.0


def token_windows(frames: np.ndarray) -> np.ndarray:
    """Window index (0-9) of each token, from its centre among ``frames`` per token."""
    return np.clip(np.searchsorted(np.asarray(WINDOW_BOUNDS[1:-1], dtype=np.float64), token_positions(frames),
                                   side="right"), 0, NUM_WINDOWS - 1)


def per_token(values: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """Window values ``(10,)`` spread over tokens by linear interpolation between window centres.

    Steps at window edges would make pitch jump between neighbouring tokens, which the profile's
    creak and pitch-range features read as irregular F0 (and listeners as a glitch).
    """
    bounds = np.asarray(WINDOW_BOUNDS, dtype=np.float64)
    centres = (bounds[:-1] + bounds[1:]) / 2.0
    return np.interp(token_positions(frames), centres, np.asarray(values, dtype=np.float64))


@dataclass(frozen=True)
class Steering:
    """Per-window edits (each ``(10,)``), computed by :func:`plan_steering`.

    Attributes:
        pitch_percentile: pitch-height change per voiced frame (fraction of the distribution).
        range_factor: factor on the pitch deviation from the window's mean.
        intensity: change of ``vo``.
        rate: speaking-rate ratio (> 1 faster).
    """

    pitch_percentile: np.ndarray
    range_factor: np.ndarray
    intensity: np.ndarray
    rate: np.ndarray


def plan_steering(target_raw: np.ndarray, measured: ProsodyProfile, limits: SteeringConfig = SteeringConfig(),
                  strength: float = 1.0) -> Steering:
    """Per-window edits that move ``measured`` towards the raw target vector ``target_raw``."""
    t = np.asarray(target_raw, dtype=np.float64).reshape(len(FEATURES), NUM_WINDOWS)
    m = measured.table("raw")

    def diff(f: str) -> np.ndarray:
        return t[_ROW[f]] - m[_ROW[f]]

    height = (diff("th") - diff("tl")) / np.maximum(measured.voiced, 0.25)
    width = diff("wp") - diff("np")
    eps = 1e-6
    rate_sr = (np.maximum(t[_ROW["sr"]], eps) / np.maximum(m[_ROW["sr"]], eps))
    rate_le = (np.maximum(m[_ROW["le"]], eps) / np.maximum(t[_ROW["le"]], eps))
    rate = np.sqrt(rate_sr * rate_le) ** strength
    return Steering(
        pitch_percentile=np.clip(strength * limits.pitch_gain * height, -limits.percentile, limits.percentile),
        range_factor=np.clip(np.exp(2.0 * strength * width), 1.0 / limits.range_scale, limits.range_scale),
        intensity=np.clip(strength * limits.energy_gain * diff("vo"), -limits.intensity, limits.intensity),
        rate=np.clip(rate, 1.0 / limits.rate, limits.rate),
    )


def apply_steering(
    steering: Steering,
    frames: np.ndarray,
    durations: np.ndarray,
    pitch: np.ndarray,
    energy: np.ndarray,
    is_phone: np.ndarray,
    energy_span: float,
    energy_std: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edited ``(durations, pitch, energy)`` per token (see the module docstring).

    Args:
        steering: the per-window edits.
        frames: ``(T,)`` whole frames per token of the synthesis that was measured (windows).
        durations: ``(T,)`` float frames per token to edit.
        pitch: ``(T,)`` normalised log-F0 per token.
        energy: ``(T,)`` normalised log power per token.
        is_phone: ``(T,)`` sound tokens (their pitch spread sets the pitch scale).
        energy_span: the measured synthesis' speech-silence span (log amplitude).
        energy_std: the model's energy normalisation (log power per unit).
    """
    win = token_windows(frames)
    phone = np.asarray(is_phone, dtype=bool)
    spread = float(np.std(pitch[phone])) if phone.sum() > 1 else 1.0
    spread = max(spread, 0.05)
    p = np.asarray(pitch, dtype=np.float64)
    # Range: scale each token's deviation from a smooth local mean (the mean of its window's
    # phones, interpolated), so the contour widens or narrows without new jumps.
    means = np.array([float(p[(win == w) & phone].mean()) if ((win == w) & phone).any() else np.nan
                      for w in range(NUM_WINDOWS)])
    if np.isnan(means).all():
        means[:] = float(p.mean())
    ok = ~np.isnan(means)
    means = np.interp(np.arange(NUM_WINDOWS), np.flatnonzero(ok), means[ok])
    local = per_token(means, frames)
    new_pitch = local + (p - local) * per_token(steering.range_factor, frames)
    new_pitch += per_token(steering.pitch_percentile, frames) * _PCT_TO_STD * spread
    new_energy = np.asarray(energy, dtype=np.float64) + per_token(steering.intensity, frames) * 2.0 * energy_span / energy_std
    new_durations = np.asarray(durations, dtype=np.float64) / per_token(steering.rate, frames)
    return new_durations, new_pitch, new_energy
