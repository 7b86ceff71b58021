"""Non-intrusive quality and timing measures of one signal: DNSMOS and speaking rate.

- DNSMOS P.835 (SIG, BAK, OVRL) and P.808 MOS, with the ONNX models that ``speechmos`` ships
  (run through ``onnxruntime``; nothing downloaded). Audio is resampled to 16 kHz; clips shorter
  than 9.01 s are tiled to that length, as the reference implementation does.
- Speaking rate: syllable nuclei per second (after de Jong & Wempe, 2009): peaks of the
  10 ms intensity contour (dB, 50 ms smoothing) that rise at least 2 dB above the surrounding
  dips, lie above the median intensity of the trimmed signal, and fall in voiced frames;
  divided by the duration after trimming leading/trailing silence (30 dB below peak).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from speech.eval.pitch import PitchTracker, track_pitch


@dataclass
class DNSMOS:
    """DNSMOS scorer holding its ONNX sessions (created on first use).

    Args:
        personalized: use the personalised DNSMOS model (penalises interfering talkers).
    """

    personalized: bool = False
    _model: Any = field(default=None, repr=False)

    def _load(self) -> Any:
        if self._model is None:
            import speechmos.dnsmos as dm

            base = os.path.dirname(os.path.abspath(dm.__file__))
            primary = os.path.join(base, "pdnsmos_models" if self.personalized else "dnsmos_models", "sig_bak_ovr.onnx")
            p808 = os.path.join(base, "dnsmos_models", "model_v8.onnx")
            self._model = dm.DNSMOS(primary, p808)
        return self._model

    def __call__(self, wav: np.ndarray, sample_rate: int) -> dict[str, float]:
        """``{"ovrl", "sig", "bak", "p808"}`` MOS estimates (1-5) of one signal."""
        x = np.asarray(wav, dtype=np.float64)
        if sample_rate != 16000:
            import soxr

            x = soxr.resample(x, sample_rate, 16000)
        x = np.clip(x, -1.0, 1.0).astype(np.float32)
        if not np.any(x):
            raise ValueError("DNSMOS of an all-zero signal is undefined")
        out = self._load()(x, 16000, self.personalized)
        return {
            "ovrl": float(out["ovrl_mos"]),
            "sig": float(out["sig_mos"]),
            "bak": float(out["bak_mos"]),
            "p808": float(out["p808_mos"]),
        }


def speaking_rate(wav: np.ndarray, sample_rate: int, tracker: PitchTracker = "praat") -> float:
    """Syllable nuclei per second of speech (see module docstring)."""
    from scipy.signal import find_peaks

    from speech.eval.spectral import trim_silence

    x = trim_silence(np.asarray(wav, dtype=np.float64), 30.0)
    duration = len(x) / sample_rate
    hop = int(round(0.01 * sample_rate))
    n = len(x) // hop
    if n < 3:
        return 0.0
    power = (x[: n * hop].reshape(n, hop) ** 2).mean(axis=1)
    db = 10.0 * np.log10(power + 1e-10)
    db = np.convolve(db, np.ones(5) / 5, mode="same")
    f0 = track_pitch(x, sample_rate, tracker=tracker)[:n]
    peaks, _ = find_peaks(db, prominence=2.0, height=float(np.median(db)))
    voiced = np.isfinite(f0[np.minimum(peaks, len(f0) - 1)]) if len(f0) else np.zeros(0, dtype=bool)
    return float(voiced.sum() / duration) if duration > 0 else 0.0
