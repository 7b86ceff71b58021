"""Speaker similarity with the GE2E speaker encoder that ``resemblyzer`` ships (256-d, trained on
VoxCeleb + LibriSpeech; loaded from the package, nothing downloaded).

The similarity of two utterances is the cosine of their L2-normalised embeddings, in [-1, 1]
(in practice about 0.5-0.95 for speech; same-speaker pairs score higher than different-speaker
pairs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


def cosine_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine of the angle between two vectors (0 when either is all zeros)."""
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    denom = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b / denom) if denom > 0 else 0.0


@dataclass
class SpeakerEncoder:
    """Lazily loaded resemblyzer ``VoiceEncoder`` on CPU (or ``device``).

    Example:
        >>> enc = SpeakerEncoder()  # doctest: +SKIP
        >>> enc.similarity(wav_a, 16000, wav_b, 22050)  # doctest: +SKIP
        0.83
    """

    device: str = "cpu"
    _encoder: Any = field(default=None, repr=False)

    def _load(self) -> Any:
        if self._encoder is None:
            from resemblyzer import VoiceEncoder

            # resemblyzer calls torch.load on its own shipped checkpoint; torch >= 2.6 loads it
            # with weights_only=True by default, so no arbitrary unpickling happens.
            self._encoder = VoiceEncoder(device=self.device, verbose=False)
        return self._encoder

    def embed(self, wav: np.ndarray, sample_rate: int) -> np.ndarray:
        """256-d L2-normalised embedding of one utterance (any sample rate)."""
        from resemblyzer import preprocess_wav

        x = preprocess_wav(np.asarray(wav, dtype=np.float32), source_sr=sample_rate)
        if len(x) == 0:
            # resemblyzer's VAD removed everything; embed the raw (resampled) signal instead.
            import soxr

            x = soxr.resample(np.asarray(wav, dtype=np.float32), sample_rate, 16000)
        return np.asarray(self._load().embed_utterance(x), dtype=np.float64)

    def similarity(self, wav_a: np.ndarray, sr_a: int, wav_b: np.ndarray, sr_b: int) -> float:
        """Cosine similarity of two utterances' speaker embeddings."""
        return cosine_similarity(self.embed(wav_a, sr_a), self.embed(wav_b, sr_b))
