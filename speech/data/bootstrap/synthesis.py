"""Render planned utterances to finished WAV files, in parallel, resumably.

A builder plans :class:`UtteranceJob` records (voice, text, style, output path); :func:`run_jobs`
skips those whose files exist (every file is written atomically, so an existing file is a
finished one), groups the rest by voice (festival loads a voice once per group), and renders the
groups in a pool of worker processes with a progress bar.

Rendering one utterance (:func:`finish_audio`):

1. raw synthesis (:mod:`~speech.data.bootstrap.engines`; espeak-ng applies the style itself);
2. resampling to 22 050 Hz (soxr);
3. what of the style the engine did not apply itself, by PSOLA
   (:func:`~speech.data.bootstrap.styles.psola_prosody`): everything for flite, festival and
   Pico, pitch level and range for Kokoro, nothing for espeak-ng;
4. silence trimming (40 dB below the peak, 50 ms margins), loudness normalisation to -20 LUFS
   plus the style's gain (BS.1770, ``pyloudnorm``), peaks limited to 0.95;
5. optionally an augmented copy (speed, reverberation, noise) next to it.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from speech.audio.loudness import normalize_loudness
from speech.data.bootstrap.errors import SynthesisError
from speech.data.bootstrap.functional import (
    TARGET_LOUDNESS_LUFS,
    add_noise,
    add_reverb,
    change_speed,
    trim_silence,
    utterance_rng,
)
from speech.data.bootstrap.styles import EmotionStyle, psola_prosody
from speech.data.bootstrap.voices import Voice
from speech.errors import AudioError

logger = logging.getLogger(__name__)

SAMPLE_RATE = 22050
MIN_DURATION_S = 0.3


@dataclass(frozen=True)
class AugmentSpec:
    """One augmented copy: each field ``None`` means that augmentation is not applied.

    Attributes:
        speed: speed-perturbation factor (0.9 or 1.1 in practice).
        rt60_s: reverberation time of the synthetic room.
        noise_snr_db: signal-to-noise ratio of the added noise.
        noise_exponent: noise colour, 1/f**exponent (0 white, 1 pink, 2 brown).
    """

    speed: float | None = None
    rt60_s: float | None = None
    noise_snr_db: float | None = None
    noise_exponent: float = 1.0

    def to_dict(self) -> dict[str, float]:
        """The applied augmentations, for ``custom["augmentation"]``."""
        out: dict[str, float] = {}
        if self.speed is not None:
            out["speed"] = round(self.speed, 3)
        if self.rt60_s is not None:
            out["rt60_s"] = round(self.rt60_s, 3)
        if self.noise_snr_db is not None:
            out["noise_snr_db"] = round(self.noise_snr_db, 2)
            out["noise_exponent"] = self.noise_exponent
        return out


@dataclass(frozen=True)
class UtteranceJob:
    """Everything needed to render one utterance (picklable, sent to worker processes).

    Attributes:
        id: utterance (and recording) id.
        voice: who speaks.
        text: what is said.
        style: prosody style (emotion) to apply.
        path: where the finished WAV goes.
        seed: corpus seed (augmentation randomness derives from it and ``id``).
        augment: settings of an augmented copy, or ``None``.
        augment_path: where the augmented copy goes (required with ``augment``).
    """

    id: str
    voice: Voice
    text: str
    style: EmotionStyle
    path: str
    seed: int = 0
    augment: AugmentSpec | None = None
    augment_path: str | None = None

    def done(self) -> bool:
        """Whether every output file of this job exists."""
        return Path(self.path).is_file() and (self.augment_path is None or Path(self.augment_path).is_file())


def finish_audio(waveform: np.ndarray, sample_rate: int, style: EmotionStyle,
                 residual: EmotionStyle | None) -> np.ndarray:
    """Raw engine output -> corpus audio at :data:`SAMPLE_RATE` (see the module docstring).

    Args:
        waveform: ``(time,)`` raw audio.
        sample_rate: its rate.
        style: the utterance's style (its gain always applies).
        residual: the part of the style the engine did not apply, applied by PSOLA (``None``:
            the engine applied it all; see :func:`~speech.data.bootstrap.engines.residual_style`).

    Raises:
        AudioError: the result is silent or shorter than :data:`MIN_DURATION_S`.
    """
    import soxr

    wav = np.asarray(waveform, dtype=np.float32)
    if wav.size == 0 or float(np.max(np.abs(wav))) < 1e-4:
        raise AudioError("the engine produced silence")
    # soxr (libsoxr, librosa's resampler) rather than speech.audio.io.resample: torchaudio builds
    # its sinc kernel on every call, 0.2-0.3 s per utterance for 16 kHz -> 22.05 kHz, which
    # doubled the build time; soxr's HQ mode is as clean and takes milliseconds.
    if sample_rate != SAMPLE_RATE:
        wav = soxr.resample(wav, sample_rate, SAMPLE_RATE, quality="HQ").astype(np.float32)
    if residual is not None:
        wav = psola_prosody(wav, SAMPLE_RATE, residual.pitch_scale, residual.range_scale,
                            residual.rate_scale)
    wav = trim_silence(wav, SAMPLE_RATE)
    if wav.size < MIN_DURATION_S * SAMPLE_RATE:
        raise AudioError(f"only {wav.size / SAMPLE_RATE:.2f} s of speech after trimming silence")
    return normalize_loudness(wav, SAMPLE_RATE, TARGET_LOUDNESS_LUFS + style.gain_db)


def augment_audio(waveform: np.ndarray, spec: AugmentSpec, rng: np.random.Generator) -> np.ndarray:
    """Speed, then reverberation, then noise (the order a microphone in a room sees them);
    loudness is normalised again to the corpus target."""
    wav = waveform
    if spec.speed is not None:
        wav = change_speed(wav, spec.speed)
    if spec.rt60_s is not None:
        wav = add_reverb(wav, SAMPLE_RATE, spec.rt60_s, rng)
    if spec.noise_snr_db is not None:
        wav = add_noise(wav, spec.noise_snr_db, rng, spec.noise_exponent)
    return normalize_loudness(wav, SAMPLE_RATE, TARGET_LOUDNESS_LUFS)


def render_jobs(jobs: Sequence[UtteranceJob]) -> int:
    """Render jobs that share one voice; returns how many were rendered.

    Raises:
        SynthesisError: a voice failed, or its audio was unusable (the message names voice and
            text).
    """
    from speech.audio.io import save_audio
    from speech.data.bootstrap.engines import residual_style, synthesize_raw

    if not jobs:
        return 0
    voice = jobs[0].voice
    if any(j.voice != voice for j in jobs):
        raise ValueError("render_jobs takes jobs of a single voice")
    raws = synthesize_raw(voice, [j.text for j in jobs], [j.style for j in jobs])
    for job, (wav, sr) in zip(jobs, raws):
        try:
            clean = finish_audio(wav, sr, job.style, residual_style(voice.engine, job.style))
        except (AudioError, RuntimeError, ValueError) as e:  # PraatError is a RuntimeError
            raise SynthesisError(f"voice {voice.id} on {job.text!r} ({job.style.emotion}): {e}") from e
        save_audio(job.path, clean, SAMPLE_RATE)
        if job.augment is not None and job.augment_path is not None:
            noisy = augment_audio(clean, job.augment, utterance_rng(job.seed, "augment", job.id))
            save_audio(job.augment_path, noisy, SAMPLE_RATE)
    return len(jobs)


def _init_worker(log_level: int) -> None:
    import os

    # Parallelism comes from processes; intra-op threads (torch, used by the augmentations, reads
    # this when first imported) would only oversubscribe the cores.
    os.environ["OMP_NUM_THREADS"] = "1"
    logging.basicConfig(level=log_level)


def _chunks(jobs: Sequence[UtteranceJob], size_espeak: int = 8, size_festival: int = 24) -> list[list[UtteranceJob]]:
    by_voice: dict[str, list[UtteranceJob]] = defaultdict(list)
    for job in jobs:
        by_voice[job.voice.id].append(job)
    chunks: list[list[UtteranceJob]] = []
    for voice_jobs in by_voice.values():
        size = size_festival if voice_jobs[0].voice.engine == "festival" else size_espeak
        chunks.extend(voice_jobs[i:i + size] for i in range(0, len(voice_jobs), size))
    # Slow (festival) chunks first, so no worker is left with a long one at the end.
    chunks.sort(key=lambda c: c[0].voice.engine != "festival")
    return chunks


def run_jobs(jobs: Sequence[UtteranceJob], workers: int = 1, desc: str = "synthesising",
             progress: bool = True) -> tuple[int, int]:
    """Render every unfinished job.

    Args:
        jobs: planned utterances.
        workers: worker processes (1 renders in this process).
        desc: progress-bar label.
        progress: show a tqdm progress bar.

    Returns:
        ``(rendered, skipped)``: utterances rendered now and those already finished.
    """
    from tqdm import tqdm

    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    pending = [j for j in jobs if not j.done()]
    skipped = len(jobs) - len(pending)
    if skipped:
        logger.info("%d of %d utterances already exist; skipping them", skipped, len(jobs))
    chunks = _chunks(pending)
    done = 0
    with tqdm(total=len(pending), desc=desc, unit="utt", disable=not progress or not pending) as bar:
        if workers == 1 or len(chunks) <= 1:
            for chunk in chunks:
                done += render_jobs(chunk)
                bar.update(len(chunk))
        else:
            # spawn, not fork: the parent may hold libespeak-ng and torch thread pools.
            ctx = multiprocessing.get_context("spawn")
            with ctx.Pool(min(workers, len(chunks)), initializer=_init_worker,
                          initargs=(logging.getLogger().level,)) as pool:
                for n in pool.imap_unordered(render_jobs, chunks):
                    done += n
                    bar.update(n)
    return done, skipped
