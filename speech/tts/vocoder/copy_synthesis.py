"""``speech tts vocoder evaluate``: copy synthesis, real audio -> log-mel -> vocoder -> audio,
compared with the real one.

What is measured, per utterance and then averaged (the input mel is the real recording's, so
only the vocoder's losses are measured). The audio metrics are the TTS metrics of
:mod:`speech.eval.tts`, as ``speech eval tts`` and ``speech tts evaluate`` compute them; the two
mel distances are the vocoder's own training measures:

- ``mel_l1``: mean absolute difference of natural-log mels (project definition) of output and input
  (:func:`~speech.tts.vocoder.functional.log_mel_distance`);
- ``spectral_convergence``: of the linear mels (:func:`~speech.tts.vocoder.functional.spectral_convergence`);
- ``mcd``, ``logf0_rmse``, ``gpe``, ``vde``: :func:`speech.eval.tts.spectral_metrics` (MCD in
  dB with DTW, F0 errors; WORLD / Praat analysis at 16 kHz);
- ``dnsmos_ovrl``, ``dnsmos_sig``: :func:`speech.eval.tts.dnsmos_metrics` of the output and
  ``reference_dnsmos_ovrl`` of the real recording, the ceiling;
- ``rtf``: vocoder compute time / audio duration.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import numpy as np
import torch
from tqdm import tqdm

from speech.audio.features import LogMelSpectrogram
from speech.tts.vocoder.base import Vocoder
from speech.tts.vocoder.functional import log_mel_distance, spectral_convergence

logger = logging.getLogger(__name__)


@dataclass
class CopySynthesisScores:
    """Averages over the evaluated utterances (see the module docstring)."""

    utterances: int
    seconds: float
    mel_l1: float
    spectral_convergence: float
    mcd: float
    logf0_rmse: float
    gpe: float
    vde: float
    dnsmos_ovrl: float
    dnsmos_sig: float
    reference_dnsmos_ovrl: float
    rtf: float

    def to_dict(self) -> dict[str, float]:
        """Plain dict (for JSON/YAML reports)."""
        return asdict(self)


def evaluate_copy_synthesis(
    vocoder: Vocoder,
    waveforms: Iterable[np.ndarray],
    dnsmos: bool = True,
    progress: bool = True,
) -> CopySynthesisScores:
    """Vocode the log-mel of every waveform and compare; see the module docstring.

    Args:
        vocoder: any :class:`~speech.tts.vocoder.base.Vocoder`.
        waveforms: float32 mono audio at ``vocoder.sample_rate``.
        dnsmos: also compute DNSMOS (about 0.3 s per utterance).
        progress: show a progress bar.

    Raises:
        ValueError: no waveform given.
    """
    from speech.eval.quality import DNSMOS
    from speech.eval.tts import dnsmos_metrics, spectral_metrics

    config = vocoder.audio_config
    to_mel = LogMelSpectrogram(config)
    scorer = DNSMOS() if dnsmos else None
    rows: list[dict[str, float]] = []
    compute_s = audio_s = 0.0
    for wav in tqdm(list(waveforms), desc="copy synthesis", disable=not progress):
        mel = to_mel(torch.from_numpy(np.asarray(wav, dtype=np.float32)))
        start = time.perf_counter()
        out = vocoder.vocode(mel.numpy(), audio_config=config)
        compute_s += time.perf_counter() - start
        audio_s += len(out) / config.sample_rate
        again = to_mel(torch.from_numpy(out))[..., : mel.shape[-1]]
        row = {
            "mel_l1": float(log_mel_distance(mel, again)),
            "spectral_convergence": float(spectral_convergence(mel.exp(), again.exp())),
        }
        row.update(spectral_metrics(out, config.sample_rate, wav, config.sample_rate))
        if scorer is not None:
            row.update(dnsmos_metrics(scorer, out, config.sample_rate))
            row["reference_dnsmos_ovrl"] = dnsmos_metrics(scorer, wav, config.sample_rate)["dnsmos_ovrl"]
        rows.append(row)
    if not rows:
        raise ValueError("no utterances to evaluate")

    def mean(key: str) -> float:
        values = [r[key] for r in rows if key in r and not math.isnan(r[key])]
        return float(np.mean(values)) if values else float("nan")

    return CopySynthesisScores(
        utterances=len(rows),
        seconds=audio_s,
        mel_l1=mean("mel_l1"),
        spectral_convergence=mean("spectral_convergence"),
        mcd=mean("mcd"),
        logf0_rmse=mean("logf0_rmse"),
        gpe=mean("gpe"),
        vde=mean("vde"),
        dnsmos_ovrl=mean("dnsmos_ovrl"),
        dnsmos_sig=mean("dnsmos_sig"),
        reference_dnsmos_ovrl=mean("reference_dnsmos_ovrl"),
        rtf=compute_s / audio_s,
    )


def load_cut_waveforms(cuts_path: str, sample_rate: int, limit: int | None = None) -> list[np.ndarray]:
    """Mono float32 audio of the first ``limit`` cuts of a CutSet file, at ``sample_rate``."""
    from speech.train.data import load_cuts

    out = []
    for cut in load_cuts(cuts_path, "cuts"):
        if limit is not None and len(out) >= limit:
            break
        if cut.sampling_rate != sample_rate:
            cut = cut.resample(sample_rate)
        out.append(cut.load_audio().mean(axis=0).astype(np.float32))
    return out
