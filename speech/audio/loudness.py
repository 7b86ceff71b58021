"""Loudness: measuring it (ITU-R BS.1770) and setting it, with a peak limit.

The bootstrap corpus normalises every utterance to one loudness; ``speech dub`` plays the dub at
its source's loudness.
"""

from __future__ import annotations

import numpy as np

from speech.errors import AudioError

#: Scaling never lets a sample exceed this (headroom for resampling and codecs).
PEAK_LIMIT = 0.95


def loudness_lufs(waveform: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness in LUFS (ITU-R BS.1770-4, gated), measured with ``pyloudnorm``.

    BS.1770 is undefined for clips shorter than one 400 ms gating block, and gating can leave no
    block for very quiet ones; both fall back to the RMS level in dBFS - 0.691 (the K-weighting
    offset), which is what a steady signal measures. (``pyloudnorm`` filters with scipy;
    torchaudio's ``loudness`` gives the same values but its per-sample ``lfilter`` costs a quarter
    of a second per utterance.)
    """
    import pyloudnorm

    x = np.asarray(waveform, dtype=np.float64)
    if x.size >= int(0.4 * sample_rate):
        value = float(pyloudnorm.Meter(sample_rate).integrated_loudness(x))
        if np.isfinite(value):
            return value
    rms = float(np.sqrt(np.mean(np.square(x))))
    return 20.0 * np.log10(max(rms, 1e-9)) - 0.691


def normalize_loudness(waveform: np.ndarray, sample_rate: int,
                       target_lufs: float,
                       peak_limit: float = PEAK_LIMIT) -> np.ndarray:
    """Scale to ``target_lufs``, then scale down further if the peak would exceed ``peak_limit``.

    Raises:
        AudioError: the input is silent (nothing to normalise).
    """
    peak = float(np.max(np.abs(waveform))) if waveform.size else 0.0
    if peak < 1e-5:
        raise AudioError("waveform is silent; cannot normalise its loudness")
    gain = 10.0 ** ((target_lufs - loudness_lufs(waveform, sample_rate)) / 20.0)
    out = waveform * gain
    new_peak = peak * gain
    if new_peak > peak_limit:
        out = out * (peak_limit / new_peak)
    return out.astype(np.float32)
