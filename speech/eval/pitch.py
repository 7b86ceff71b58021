"""Pitch (F0) tracking on a fixed frame grid, behind one function with switchable trackers.

Every tracker returns F0 in Hz on the same grid: by default frame ``i`` covers
``[i*hop, (i+1)*hop)`` seconds and is centred at ``(i + 0.5) * hop``, and there are
``floor(len(wav) / (hop * sr))`` frames; ``centres_s`` asks for any other frame centres (the
prosody features use fxrapt's, see :func:`toolkit_centres`). Unvoiced frames are ``NaN``.

Trackers (measured in ``benchmarks/prosody.py`` against Ward's toolkit's ``fxrapt`` on the
parity clips, and on speech resynthesised with a known F0):

- ``"rapt"`` (the prosody features' default): Talkin's RAPT as the toolkit's ``fxrapt``
  (voicebox) computes it, in numpy (:mod:`speech.eval.rapt`), on 16 kHz audio like the toolkit;
  50-500 Hz like ``fxrapt``. Measured on 58 clips (synthetic and studio speech): the same frames,
  voicing decisions and F0 (within 1e-7 Hz) as ``fxrapt`` under Octave, so the prosody features
  match the toolkit's at r >= 0.99. SPTK's RAPT (``pysptk``, after ESPS ``get_f0``), used before,
  left 10 % of the frames that ``fxrapt`` calls voiced unvoiced (at the edges of voiced runs),
  and kept C state between calls. About 400-600x real time on one core.
- ``"praat"`` (this function's default, for contours): Praat's autocorrelation method through ``parselmouth``
  (``To Pitch (ac)``), run on audio resampled to 8 kHz, which keeps everything below 4 kHz
  and is plenty for 80-500 Hz. Fast (about 250x real time on one core) and robust.
- ``"world"``: WORLD's DIO + StoneMask through ``pyworld`` (fast, slightly more octave errors).
- ``"reaper"``: Google's REAPER through the optional ``pyreaper`` package, the tracker Avila
  and Ward used (80-500 Hz). About 35x real time; only available when ``pyreaper`` is
  installed.
"""

from __future__ import annotations

import logging
from typing import Literal

import numpy as np

from speech.errors import BackendUnavailableError
from speech.eval.rapt import rapt

logger = logging.getLogger(__name__)

PitchTracker = Literal["rapt", "praat", "world", "reaper"]
TRACKERS: tuple[str, ...] = ("rapt", "praat", "world", "reaper")
#: The rate RAPT runs at: the toolkit's (its features are defined on 16 kHz audio).
RAPT_SAMPLE_RATE = 16000

#: Sample rate the trackers run at; 8 kHz keeps the harmonics that matter for 80-500 Hz.
PITCH_SAMPLE_RATE = 8000


def num_frames(num_samples: int, sample_rate: int, hop_s: float = 0.01) -> int:
    """Number of whole ``hop_s`` frames in ``num_samples`` samples."""
    return int(num_samples // int(round(hop_s * sample_rate)))


def _to_rate(wav: np.ndarray, sample_rate: int, target: int) -> np.ndarray:
    if sample_rate == target:
        return np.asarray(wav, dtype=np.float64)
    import soxr

    return soxr.resample(np.asarray(wav, dtype=np.float64), sample_rate, target)


def toolkit_centres(num_samples: int, sample_rate: int) -> np.ndarray:
    """Frame centres (s) of the toolkit's padded ``fxrapt`` track: ``10 (k + 1)`` ms for
    ``k = 0 .. N - 2``, ``N`` the number of whole 10 ms frames (``fxrapt`` stops one frame short
    of the energy track, and ``lookupOrComputePitch`` pads one NaN at each end)."""
    n = num_frames(num_samples, sample_rate)
    return (np.arange(max(n - 1, 0)) + 1) * 0.01


def _sample_on_grid(times: np.ndarray, values: np.ndarray, centres: np.ndarray, hop_s: float) -> np.ndarray:
    """Pick, for each grid centre, the tracker frame nearest in time (NaN if none within hop)."""
    n = len(centres)
    out = np.full(n, np.nan)
    if len(times) == 0:
        return out
    idx = np.searchsorted(times, centres)
    idx = np.clip(idx, 1, len(times) - 1) if len(times) > 1 else np.zeros(n, dtype=int)
    left = np.maximum(idx - 1, 0)
    choose_left = np.abs(times[left] - centres) <= np.abs(times[idx] - centres)
    nearest = np.where(choose_left, left, idx)
    ok = np.abs(times[nearest] - centres) <= hop_s
    out[ok] = values[nearest[ok]]
    return out


def track_pitch(
    wav: np.ndarray,
    sample_rate: int,
    tracker: PitchTracker = "praat",
    fmin: float = 80.0,
    fmax: float = 500.0,
    hop_s: float = 0.01,
    centres_s: np.ndarray | None = None,
) -> np.ndarray:
    """F0 contour of a mono waveform on the frame grid described in the module docstring.

    Args:
        wav: ``(time,)`` float waveform.
        sample_rate: its sample rate in Hz.
        tracker: ``"rapt"``, ``"praat"``, ``"world"`` or ``"reaper"``.
        fmin: lowest F0 searched, Hz (Avila & Ward: 80).
        fmax: highest F0 searched, Hz (Avila & Ward: 500).
        hop_s: frame hop in seconds.
        centres_s: frame centres to report F0 at, seconds (default: the grid above).

    Returns:
        ``(num_frames,)`` (or ``(len(centres_s),)``) float64 array of F0 in Hz, ``NaN`` where
        unvoiced.

    Raises:
        ValueError: unknown tracker or bad range.
        BackendUnavailableError: ``"reaper"`` without the ``pyreaper`` package.
    """
    if tracker not in TRACKERS:
        raise ValueError(f"unknown pitch tracker {tracker!r}; choose one of {', '.join(TRACKERS)}")
    if not 0 < fmin < fmax:
        raise ValueError(f"need 0 < fmin < fmax, got fmin={fmin}, fmax={fmax}")
    n = num_frames(len(wav), sample_rate, hop_s)
    centres = (np.arange(n) + 0.5) * hop_s if centres_s is None else np.asarray(centres_s, dtype=np.float64)
    if tracker == "rapt":
        values, times = rapt(_to_rate(wav, sample_rate, RAPT_SAMPLE_RATE), RAPT_SAMPLE_RATE, fmin, fmax)
        return _sample_on_grid(times, values, centres, 0.005)
    x = _to_rate(wav, sample_rate, PITCH_SAMPLE_RATE)
    sr = PITCH_SAMPLE_RATE
    if tracker == "praat":
        import parselmouth

        snd = parselmouth.Sound(x, sampling_frequency=sr)
        pitch = snd.to_pitch_ac(time_step=hop_s, pitch_floor=fmin, pitch_ceiling=fmax)
        times = np.asarray(pitch.xs(), dtype=np.float64)
        values = np.asarray(pitch.selected_array["frequency"], dtype=np.float64)
    elif tracker == "world":
        import pyworld

        # A 5 ms period puts every odd frame exactly on our 10 ms grid centres.
        period_ms = hop_s * 1000 / 2
        f0, t = pyworld.dio(x, sr, f0_floor=fmin, f0_ceil=fmax, frame_period=period_ms)
        values = pyworld.stonemask(x, f0, t, sr)
        times = np.asarray(t, dtype=np.float64)
    else:
        try:
            import pyreaper
        except ImportError as e:
            raise BackendUnavailableError(
                "the 'reaper' pitch tracker needs the pyreaper package: pip install pyreaper"
            ) from e
        pcm = np.clip(np.round(x * 32767), -32768, 32767).astype(np.int16)
        _, _, times, values, _ = pyreaper.reaper(pcm, sr, minf0=fmin, maxf0=fmax, frame_period=hop_s)
        times = np.asarray(times, dtype=np.float64)
        values = np.asarray(values, dtype=np.float64)
    values = np.where((values > 0) & np.isfinite(values), values, np.nan)
    return _sample_on_grid(times, values, centres, hop_s)
