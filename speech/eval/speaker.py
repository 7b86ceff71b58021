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
        """256-d L2-normalised embedding of one utterance (any sample rate).

        resemblyzer's ``preprocess_wav`` + ``embed_utterance``, step for step, with its two librosa
        calls done by the libraries librosa itself uses (soxr's HQ resampler; a Slaney mel
        filterbank on a centred, zero-padded periodic-Hann STFT, here torchaudio's): librosa's lazy
        import cost 1.2-1.5 s on the first embedding of every process (``speech synth
        --speaker-wav``, ``speech dub``), and the embeddings agree with resemblyzer's to 1e-5
        (``tests/eval/test_speaker.py``).
        """
        import soxr
        import torch
        from resemblyzer import audio, hparams

        x = np.asarray(wav, dtype=np.float32)
        if sample_rate != hparams.sampling_rate:
            x = soxr.resample(x, sample_rate, hparams.sampling_rate).astype(np.float32)
        raw = x
        x = audio.normalize_volume(x, hparams.audio_norm_target_dBFS, increase_only=True)
        x = audio.trim_long_silences(x)
        if len(x) == 0:
            x = raw  # the VAD removed everything: embed the (resampled) signal itself
        encoder = self._load()
        wav_slices, mel_slices = encoder.compute_partial_slices(len(x), rate=1.3, min_coverage=0.75)
        if wav_slices[-1].stop >= len(x):
            x = np.pad(x, (0, wav_slices[-1].stop - len(x)))
        mel = _mel_frames(x)
        mels = torch.from_numpy(np.stack([mel[s] for s in mel_slices])).to(self.device)
        with torch.no_grad():
            partials = encoder(mels).cpu().numpy()
        mean = partials.mean(axis=0).astype(np.float64)
        return mean / np.linalg.norm(mean)

    def similarity(self, wav_a: np.ndarray, sr_a: int, wav_b: np.ndarray, sr_b: int) -> float:
        """Cosine similarity of two utterances' speaker embeddings."""
        return cosine_similarity(self.embed(wav_a, sr_a), self.embed(wav_b, sr_b))


def _mel_frames(x: np.ndarray) -> np.ndarray:
    """``(frames, 40)`` power mel of 16 kHz audio as resemblyzer's ``wav_to_mel_spectrogram``
    computes it (librosa's defaults: 25 ms periodic Hann, 10 ms hop, centred with zero padding,
    Slaney mel scale and area normalisation)."""
    import torch
    import torchaudio
    from resemblyzer import hparams

    n_fft = hparams.sampling_rate * hparams.mel_window_length // 1000
    mel = torchaudio.transforms.MelSpectrogram(
        sample_rate=hparams.sampling_rate, n_fft=n_fft, hop_length=hparams.sampling_rate * hparams.mel_window_step // 1000,
        n_mels=hparams.mel_n_channels, power=2.0, center=True, pad_mode="constant", norm="slaney", mel_scale="slaney",
    )
    return mel(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))).numpy().T.astype(np.float32)
