"""Pure audio functions of the bootstrap builders: trimming, augmentation, seeding (loudness is
:mod:`speech.audio.loudness`).

Arrays in, arrays out, every setting explicit; nothing here touches files.
"""

from __future__ import annotations

import hashlib

import numpy as np

from speech.errors import AudioError

TARGET_LOUDNESS_LUFS = -20.0


def utterance_rng(seed: int, *keys: str | int) -> np.random.Generator:
    """A generator that depends only on ``seed`` and ``keys`` (not on worker order or Python's
    per-process string hashing), so every build with the same seed makes the same choices."""
    digest = hashlib.sha256("\x1f".join(map(str, (seed, *keys))).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def trim_silence(waveform: np.ndarray, sample_rate: int, top_db: float = 40.0,
                 pad_s: float = 0.05, frame_length: int = 1024, hop_length: int = 256) -> np.ndarray:
    """Cut leading and trailing silence, keeping ``pad_s`` seconds of margin on each side so
    onsets and releases are not clipped.

    Silence is any frame whose RMS is more than ``top_db`` below the loudest frame's (the rule of
    ``librosa.effects.trim``, written with numpy here because librosa's first call costs seconds
    of JIT compilation in every worker process).
    """
    if waveform.size == 0:
        raise AudioError("cannot trim an empty waveform")
    x = np.asarray(waveform, dtype=np.float32)
    padded = np.pad(x, (frame_length // 2, frame_length // 2))
    n_frames = 1 + max(0, (padded.size - frame_length) // hop_length)
    frames = np.lib.stride_tricks.as_strided(
        padded, shape=(n_frames, frame_length), strides=(padded.strides[0] * hop_length, padded.strides[0]))
    rms = np.sqrt(np.mean(np.square(frames, dtype=np.float64), axis=1))
    db = 20.0 * np.log10(np.maximum(rms, 1e-10) / max(float(rms.max()), 1e-10))
    loud = np.flatnonzero(db > -top_db)
    if loud.size == 0:
        return x
    start = int(loud[0] * hop_length)
    end = min(x.size, int((loud[-1] + 1) * hop_length))
    pad = int(pad_s * sample_rate)
    return np.ascontiguousarray(x[max(0, start - pad): min(x.size, end + pad)])


def colored_noise(num_samples: int, exponent: float, rng: np.random.Generator) -> np.ndarray:
    """Unit-RMS noise with power spectrum ~ 1/f**exponent (0 white, 1 pink, 2 brown)."""
    spectrum = rng.standard_normal(num_samples // 2 + 1) + 1j * rng.standard_normal(num_samples // 2 + 1)
    freqs = np.fft.rfftfreq(num_samples)
    freqs[0] = freqs[1] if num_samples > 1 else 1.0
    noise = np.fft.irfft(spectrum / freqs ** (exponent / 2.0), n=num_samples)
    return (noise / (np.sqrt(np.mean(noise ** 2)) + 1e-12)).astype(np.float32)


def add_noise(waveform: np.ndarray, snr_db: float, rng: np.random.Generator,
              exponent: float = 1.0) -> np.ndarray:
    """Mix coloured noise at ``snr_db`` (torchaudio's ``add_noise`` does the SNR arithmetic)."""
    import torch
    import torchaudio.functional as AF

    noise = colored_noise(waveform.size, exponent, rng)
    out = AF.add_noise(torch.from_numpy(np.ascontiguousarray(waveform, dtype=np.float32))[None],
                       torch.from_numpy(noise)[None], torch.tensor([float(snr_db)]))
    return out[0].numpy()


def change_speed(waveform: np.ndarray, factor: float) -> np.ndarray:
    """Kaldi-style speed perturbation: play ``factor`` times faster (tempo and pitch both move),
    done by resampling, as lhotse's ``perturb_speed`` does."""
    from speech.audio.io import resample

    if not 0.5 <= factor <= 2.0:
        raise ValueError(f"speed factor must be in [0.5, 2.0], got {factor}")
    # Reading samples recorded at rate R as if at R*factor == resample R*factor -> R.
    base = 1000
    return resample(waveform, int(round(base * factor)), base)


def synthetic_rir(sample_rate: int, rt60_s: float, rng: np.random.Generator,
                  direct_to_reverb_db: float = 3.0) -> np.ndarray:
    """A room impulse response: a direct path then exponentially decaying noise reaching -60 dB
    at ``rt60_s`` (Schroeder's statistical model of a diffuse field), with a few early
    reflections."""
    length = max(int(rt60_s * sample_rate), 16)
    t = np.arange(length) / sample_rate
    tail = rng.standard_normal(length) * np.exp(-6.9078 * t / rt60_s)  # ln(1000) = 6.9078
    tail[0] = 0.0
    for _ in range(4):  # early reflections within the first 30 ms
        idx = int(rng.uniform(0.002, 0.03) * sample_rate)
        if idx < length:
            tail[idx] += rng.uniform(0.2, 0.6) * rng.choice([-1.0, 1.0])
    tail *= 10.0 ** (-direct_to_reverb_db / 20.0) / (np.sqrt(np.sum(tail ** 2)) + 1e-12)
    rir = tail
    rir[0] = 1.0
    return rir.astype(np.float32)


def add_reverb(waveform: np.ndarray, sample_rate: int, rt60_s: float,
               rng: np.random.Generator) -> np.ndarray:
    """Convolve with :func:`synthetic_rir` (torchaudio's FFT convolution), keeping the length."""
    import torch
    import torchaudio.functional as AF

    rir = synthetic_rir(sample_rate, rt60_s, rng)
    out = AF.fftconvolve(torch.from_numpy(np.ascontiguousarray(waveform, dtype=np.float32)),
                         torch.from_numpy(rir))[: waveform.size]
    return out.numpy()
