"""Vocoder training data: (log-mel, waveform) segment pairs cut from lhotse cuts; corpus helpers.

A vocoder learns from audio alone (no text), on short random segments: :class:`VocoderCollate`
computes the log-mel of the whole utterance with the project's
:class:`~speech.audio.features.LogMelSpectrogram` (so segment edges see the same context as at
synthesis time), then takes ``segment_frames`` frames and the ``segment_frames * hop`` samples
they describe.

:func:`make_vocoder_cuts` turns corpus manifests (the :mod:`speech.data.manifests` convention, e.g.
the bootstrap TTS corpus) into the CutSet file the training engine reads;
:func:`synthesize_speech` speaks sentences with flite or festival for tests and quick runs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from speech.audio.features import AudioConfig, LogMelSpectrogram
from speech.audio.io import save_audio
from speech.errors import AudioError
from speech.fileio import atomic_path

logger = logging.getLogger(__name__)


class VocoderCollate:
    """CutSet -> ``{"mel": (B, n_mels, S), "audio": (B, S * hop)}`` random segments (picklable).

    Args:
        audio: the mel definition (and the rate audio is resampled to).
        segment_frames: frames per segment; utterances shorter than that are zero-padded.
        random_gain_db: scale each utterance by a gain drawn uniformly from +-this many dB
            (0: off), so the vocoder does not learn one loudness only.

    Randomness comes from torch's global generator, which the training engine seeds per batch.
    """

    def __init__(self, audio: AudioConfig, segment_frames: int, random_gain_db: float = 0.0) -> None:
        if segment_frames < 1:
            raise ValueError(f"segment_frames must be >= 1, got {segment_frames}")
        self.audio = audio
        self.segment_frames = segment_frames
        self.random_gain_db = random_gain_db
        self._mel: LogMelSpectrogram | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_mel": None}

    def segment(self, wav: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One random ``(mel (n_mels, S), audio (S * hop,))`` pair from a ``(time,)`` waveform."""
        if self._mel is None:  # built lazily: each DataLoader worker makes its own
            self._mel = LogMelSpectrogram(self.audio)
        hop, frames = self.audio.hop_length, self.segment_frames
        if self.random_gain_db > 0:
            gain_db = (torch.rand(()) * 2 - 1) * self.random_gain_db
            wav = wav * torch.pow(10.0, gain_db / 20)
        mel = self._mel(wav)
        total = mel.shape[-1]
        # Frame f describes samples [f * hop, (f + 1) * hop): pad the audio to whole frames.
        wav = torch.nn.functional.pad(wav, (0, max(0, max(total, frames) * hop - wav.shape[-1])))
        if total < frames:
            pad_value = float(np.log(self.audio.log_floor))
            mel = torch.nn.functional.pad(mel, (0, frames - total), value=pad_value)
            start = 0
        else:
            start = int(torch.randint(0, total - frames + 1, ()).item())
        return mel[:, start : start + frames], wav[start * hop : (start + frames) * hop]

    def __call__(self, cuts: Any) -> dict[str, torch.Tensor]:
        mels, wavs = [], []
        for cut in cuts:
            if cut.sampling_rate != self.audio.sample_rate:
                cut = cut.resample(self.audio.sample_rate)
            audio = cut.load_audio()
            wav = torch.from_numpy(np.ascontiguousarray(audio.mean(axis=0), dtype=np.float32))
            if wav.numel() == 0:
                raise AudioError(f"cut {cut.id} holds no audio")
            mel, segment = self.segment(wav)
            mels.append(mel)
            wavs.append(segment)
        return {"mel": torch.stack(mels), "audio": torch.stack(wavs)}


def make_vocoder_cuts(
    manifest_dir: str | Path,
    corpus: str,
    splits: Sequence[str],
    out_path: str | Path,
) -> Path:
    """Combine corpus manifests (recordings + supervisions) into one CutSet file for training.

    Args:
        manifest_dir: where ``<corpus>_{recordings,supervisions}_<split>.jsonl.gz`` are.
        corpus: corpus name, e.g. ``bootstrap_tts``.
        splits: splits to combine, e.g. ``["train"]``.
        out_path: output ``.jsonl.gz`` (written atomically).

    Returns:
        ``out_path``.

    Raises:
        FileNotFoundError: a manifest is missing (the message names it).
    """
    from lhotse import CutSet

    from speech.data.manifests import load_manifests

    parts = []
    for split in splits:
        recordings, supervisions = load_manifests(manifest_dir, corpus, split)
        parts.append(CutSet.from_manifests(recordings=recordings, supervisions=supervisions))
    cuts = parts[0] if len(parts) == 1 else CutSet.from_cuts(cut for part in parts for cut in part)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        cuts.to_file(tmp)
    logger.info("wrote %d cuts (%s: %s) to %s", len(cuts), corpus, ", ".join(splits), out)
    return out


# ------------------------------------------------------------------------------------------------
# Speech made on this machine


#: flite voices that ship with Debian's flite package.
FLITE_VOICES: tuple[str, ...] = ("slt", "awb", "rms", "kal16")


def synthesize_speech(
    text: str,
    out_path: str | Path,
    voice: str = "slt",
    sample_rate: int = 22050,
    engine: str = "flite",
) -> Path:
    """Speak ``text`` with flite (``voice`` e.g. ``slt``) or festival (e.g. ``cmu_us_slt_arctic_hts``).

    The voice speaks through :func:`speech.data.bootstrap.engines.say`; the result is resampled to
    ``sample_rate`` and written atomically as 16-bit WAV.

    Raises:
        ValueError: ``engine`` is neither flite nor festival.
        BackendUnavailableError: the engine's program or the voice is not installed.
        SynthesisError: the engine failed or produced no audio.
    """
    from speech.audio.io import resample
    from speech.data.bootstrap.engines import say

    wav, rate = say(engine, voice, text)
    if rate != sample_rate:
        wav = resample(wav, rate, sample_rate)
    return save_audio(out_path, wav, sample_rate)


def make_speech_cuts(
    out_dir: str | Path,
    sentences: Sequence[str],
    voices: Sequence[str] = ("slt", "awb", "rms"),
    engine: str = "flite",
    sample_rate: int = 22050,
) -> Path:
    """Speak every sentence with every voice and write ``cuts.jsonl.gz`` (a lhotse CutSet) in ``out_dir``.

    Meant for tests and smoke runs; the real training data is the bootstrap corpus.
    """
    from lhotse import CutSet, Recording, RecordingSet

    out = Path(out_dir)
    (out / "wav").mkdir(parents=True, exist_ok=True)
    recordings = []
    for voice in voices:
        for s, sentence in enumerate(sentences):
            path = out / "wav" / f"{voice}_{s:04d}.wav"
            if not path.is_file():
                synthesize_speech(sentence, path, voice=voice, sample_rate=sample_rate, engine=engine)
            recordings.append(Recording.from_file(path, recording_id=f"{voice}_{s:04d}"))
    cuts = CutSet.from_manifests(recordings=RecordingSet.from_recordings(recordings))
    path = out / "cuts.jsonl.gz"
    with atomic_path(path) as tmp:
        cuts.to_file(tmp)
    return path
