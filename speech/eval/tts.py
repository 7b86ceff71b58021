"""The TTS metrics: one module behind every way of evaluating speech synthesis.

Three commands score TTS output, all with the functions of this module:

- ``speech eval tts LIST``: clips you already have (from any system), listed in a file (below);
- ``speech tts evaluate``: our synthesizers on the bootstrap test sets (in-language,
  cross-lingual, zero-shot, emotion; :mod:`speech.tts.evaluate` synthesises, then scores here);
- ``speech tts vocoder evaluate``: copy synthesis of real audio through a vocoder
  (:mod:`speech.tts.vocoder.copy_synthesis`; the log-mel distances it adds are the vocoder's
  training losses, :mod:`speech.tts.vocoder.functional`).

The metrics, as pure functions of arrays (or callables) and numbers:

- :func:`spectral_metrics`: MCD with DTW, log-F0 RMSE, GPE, VDE, FFE of a clip against a
  reference (:mod:`speech.eval.spectral`);
- :func:`transcription_errors`: CER/WER of an ASR transcript (:mod:`speech.eval.asr`), pooled over
  clips with :func:`pooled_counts` (total edits / total reference length);
- :func:`dnsmos_metrics`: DNSMOS P.835 (:mod:`speech.eval.quality`);
- :func:`duration_ratio`, and speaking rate (:func:`speech.eval.quality.speaking_rate`);
- speaker similarity: the cosine of GE2E embeddings (:mod:`speech.eval.speaker`), either to one
  reference clip or, with :func:`speaker_identification`, to the centroids of several voices.

``speech eval tts`` reads a CSV, TSV or JSONL file with one row per synthesised clip:

=============  ==========================================================================
``synth``      synthesised audio (path relative to the list file)
``reference``  optional natural recording of the same text by the target speaker
               (enables speaker similarity, MCD, F0 metrics and duration ratio)
``text``       optional transcript (enables CER/WER when a transcriber is given)
``language``   optional language code (tables per language)
``speaker``    optional speaker id (tables per speaker)
``id``         optional clip id (default: row number)
=============  ==========================================================================

Per clip (:class:`TTSEvaluator`): speaker similarity (synth vs reference), CER/WER of the ASR
transcript of the synth against ``text``, MCD, log-F0 RMSE, GPE, VDE, FFE, DNSMOS of the synth,
speaking rate of synth and reference, duration ratio (synth / reference, silence trimmed). Tables
(:func:`group_table`) average per language and per speaker (CER/WER pooled over edits).
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from speech.eval.asr import ErrorCounts, Transcriber, error_counts
from speech.eval.errors import InputFormatError, MismatchError
from speech.eval.pitch import PitchTracker
from speech.eval.prosody_pairs import _canonical_language, read_rows

logger = logging.getLogger(__name__)

METRICS: tuple[str, ...] = (
    "speaker_similarity",
    "cer",
    "wer",
    "mcd",
    "logf0_rmse",
    "gpe",
    "vde",
    "ffe",
    "dnsmos_ovrl",
    "dnsmos_sig",
    "dnsmos_bak",
    "speaking_rate",
    "speaking_rate_ref",
    "duration_ratio",
)


#: The DNSMOS scores a clip gets, under the names tables use.
DNSMOS_KEYS: dict[str, str] = {"ovrl": "dnsmos_ovrl", "sig": "dnsmos_sig", "bak": "dnsmos_bak"}

#: A quality scorer: ``(waveform, sample_rate) -> {"ovrl", "sig", "bak", ...}``
#: (:class:`speech.eval.quality.DNSMOS`).
QualityScorer = Callable[[np.ndarray, int], dict[str, float]]


def spectral_metrics(
    syn: np.ndarray,
    syn_sr: int,
    ref: np.ndarray,
    ref_sr: int,
    tracker: PitchTracker = "praat",
    analysis_rate: int = 16000,
) -> dict[str, float]:
    """MCD (dB, DTW), log-F0 RMSE, GPE, VDE and FFE of ``syn`` against ``ref``.

    Both signals are analysed at ``analysis_rate`` (:func:`speech.eval.spectral.analyze`); the
    F0 errors are measured on the MCD's alignment path.

    Raises:
        ValueError: a signal is too short to analyse.
    """
    from speech.eval.spectral import analyze, spectral_scores

    s = spectral_scores(analyze(ref, ref_sr, tracker, analysis_rate), analyze(syn, syn_sr, tracker, analysis_rate))
    return {"mcd": s.mcd, "logf0_rmse": s.logf0_rmse, "gpe": s.gpe, "vde": s.vde, "ffe": s.ffe}


def dnsmos_metrics(scorer: QualityScorer, wav: np.ndarray, sample_rate: int) -> dict[str, float]:
    """``dnsmos_ovrl``, ``dnsmos_sig`` and ``dnsmos_bak`` of one signal."""
    scores = scorer(wav, sample_rate)
    return {name: scores[key] for key, name in DNSMOS_KEYS.items()}


def duration_ratio(syn: np.ndarray, syn_sr: int, ref: np.ndarray, ref_sr: int) -> float | None:
    """Duration of ``syn`` over that of ``ref``, leading and trailing silence trimmed from both
    (``None`` when the reference is empty)."""
    from speech.eval.spectral import trim_silence

    ref_dur = len(trim_silence(np.asarray(ref, dtype=np.float64))) / ref_sr
    syn_dur = len(trim_silence(np.asarray(syn, dtype=np.float64))) / syn_sr
    return syn_dur / ref_dur if ref_dur > 0 else None


def transcription_errors(
    transcriber: Transcriber, wav: np.ndarray, sample_rate: int, text: str, language: str | None = None
) -> tuple[str, ErrorCounts]:
    """The transcript of ``wav`` and its edit counts against ``text`` (CER and WER; ``language``
    decides whether words are characters, as in Chinese and Japanese)."""
    transcript = transcriber(wav, sample_rate)
    return transcript, error_counts(text, transcript, language)


def pooled_counts(counts: Sequence[ErrorCounts]) -> ErrorCounts | None:
    """The edit counts of several clips added up (their pooled CER/WER); ``None`` for no clip."""
    return sum(counts[1:], counts[0]) if counts else None


def centroid(embeddings: dict[str, np.ndarray], exclude: Sequence[str] = ()) -> np.ndarray | None:
    """The normalised mean of one voice's clip embeddings ``{clip: embedding}`` without the clips in
    ``exclude`` (``None``: none left)."""
    left_out = set(exclude)
    vecs = [v for k, v in embeddings.items() if k not in left_out]
    if not vecs:
        return None
    mean = np.mean(vecs, axis=0)
    return mean / np.linalg.norm(mean)


def speaker_identification(
    embedding: np.ndarray,
    target: str,
    voices: dict[str, dict[str, np.ndarray]],
    exclude: Sequence[str] = (),
) -> dict[str, float | None]:
    """Speaker similarity of one clip to its target voice, against the other voices.

    Args:
        embedding: the clip's normalised speaker embedding.
        target: the voice it should have.
        voices: normalised embeddings of real clips per voice, ``{voice: {clip: embedding}}``.
        exclude: clips left out of every centroid (the one the voice was cloned from, the real
            recording of the same sentence): the clip must match the voice, not a recording.

    Returns:
        ``sim_target`` (cosine to the target's centroid), ``sim_other`` (mean cosine to the other
        voices' centroids, ``None`` if there are none) and ``speaker_id_correct`` (1.0 when the
        target is the nearest centroid); empty when the target has no clip left.
    """
    own = centroid(voices[target], exclude)
    if own is None:
        return {}
    sims = {target: float(embedding @ own)}
    for voice, clips in voices.items():
        if voice != target:
            c = centroid(clips, exclude)
            if c is not None:
                sims[voice] = float(embedding @ c)
    others = [v for k, v in sims.items() if k != target]
    return {"sim_target": sims[target], "sim_other": float(np.mean(others)) if others else None,
            "speaker_id_correct": float(max(sims, key=sims.__getitem__) == target)}


@dataclass(frozen=True)
class TTSItem:
    """One synthesised clip and what it is compared with."""

    id: str
    synth: Path
    reference: Path | None = None
    text: str | None = None
    language: str | None = None
    speaker: str | None = None


@dataclass
class TTSItemResult:
    """Metrics of one clip (``None`` where the inputs do not allow a metric)."""

    item: TTSItem
    metrics: dict[str, float | None] = field(default_factory=dict)
    transcript: str | None = None
    counts: ErrorCounts | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.item.id,
            "synth": str(self.item.synth),
            "reference": None if self.item.reference is None else str(self.item.reference),
            "language": self.item.language,
            "speaker": self.item.speaker,
            "transcript": self.transcript,
            **self.metrics,
        }


def _audio_file(list_path: Path, row: int, value: Any) -> Path:
    """An audio path of the list (relative ones to the list's folder), which must exist."""
    q = Path(str(value).strip())
    q = q if q.is_absolute() else list_path.parent / q
    if not q.is_file():
        raise FileNotFoundError(f"{list_path}: row {row}: audio file not found: {q}")
    return q


def read_tts_list(path: str | Path) -> list[TTSItem]:
    """Read the clip list (see module docstring); checks that every file exists."""
    p = Path(path)
    items = []
    seen: set[str] = set()
    for i, row in enumerate(read_rows(p), start=1):
        synth = row.get("synth") or row.get("synthesized") or row.get("synthesised")
        if not synth or not str(synth).strip():
            raise InputFormatError(f"{p}: row {i} has no 'synth' column value")
        ref = row.get("reference")
        item = TTSItem(
            id=str(row.get("id") or i),
            synth=_audio_file(p, i, synth),
            reference=_audio_file(p, i, ref) if ref and str(ref).strip() else None,
            text=(str(row["text"]) if row.get("text") not in (None, "") else None),
            language=_canonical_language(row.get("language"), f"{p} row {i}"),
            speaker=(str(row["speaker"]) if row.get("speaker") not in (None, "") else None),
        )
        if item.id in seen:
            raise InputFormatError(f"{p}: duplicate id {item.id!r} (row {i})")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise InputFormatError(f"{p}: no clips")
    return items


@dataclass
class TTSEvaluator:
    """Computes the per-clip metrics; heavy models load once, on first use.

    Args:
        transcriber: ASR for CER/WER (``None``: skip).
        speaker_similarity: compute resemblyzer similarity.
        dnsmos: compute DNSMOS.
        tracker: pitch tracker for F0 metrics and speaking rate.
        analysis_rate: sample rate of the MCD analysis.
    """

    transcriber: Transcriber | None = None
    speaker_similarity: bool = True
    dnsmos: bool = True
    tracker: PitchTracker = "praat"
    analysis_rate: int = 16000
    _speaker: Any = field(default=None, repr=False)
    _dnsmos: Any = field(default=None, repr=False)

    def evaluate(self, item: TTSItem) -> TTSItemResult:
        """The metrics of one listed clip (its audio files are read here)."""
        from speech.audio.io import load_audio

        syn, syn_sr = load_audio(item.synth)
        ref, ref_sr = load_audio(item.reference) if item.reference is not None else (None, 0)
        return self.score(item, syn, syn_sr, ref, ref_sr)

    def score(
        self, item: TTSItem, syn: np.ndarray, syn_sr: int, ref: np.ndarray | None = None, ref_sr: int = 0
    ) -> TTSItemResult:
        """The metrics of one clip given as arrays (``ref``: the reference recording, or ``None``).

        Raises:
            MismatchError: the clip and its reference cannot be aligned (too short to analyse).
        """
        from speech.eval.quality import DNSMOS, speaking_rate

        res = TTSItemResult(item, {m: None for m in METRICS})
        m = res.metrics
        m["speaking_rate"] = speaking_rate(syn, syn_sr, self.tracker)
        if self.dnsmos:
            if self._dnsmos is None:
                self._dnsmos = DNSMOS()
            m.update(dnsmos_metrics(self._dnsmos, syn, syn_sr))
        if self.transcriber is not None and item.text:
            res.transcript, res.counts = transcription_errors(self.transcriber, syn, syn_sr, item.text, item.language)
            m["cer"], m["wer"] = res.counts.cer, res.counts.wer
        if ref is not None:
            if self.speaker_similarity:
                if self._speaker is None:
                    from speech.eval.speaker import SpeakerEncoder

                    self._speaker = SpeakerEncoder()
                m["speaker_similarity"] = self._speaker.similarity(syn, syn_sr, ref, ref_sr)
            try:
                m.update(spectral_metrics(syn, syn_sr, ref, ref_sr, self.tracker, self.analysis_rate))
            except ValueError as e:
                raise MismatchError(f"{item.synth} vs {item.reference}: {e}") from e
            m["speaking_rate_ref"] = speaking_rate(ref, ref_sr, self.tracker)
            m["duration_ratio"] = duration_ratio(syn, syn_sr, ref, ref_sr)
        return res

    def evaluate_all(self, items: Sequence[TTSItem]) -> list[TTSItemResult]:
        from tqdm import tqdm

        return [self.evaluate(it) for it in tqdm(items, desc="tts metrics", unit="clip", disable=len(items) < 5)]


def group_table(results: Sequence[TTSItemResult], by: str) -> list[dict[str, Any]]:
    """Mean of each metric per ``by`` (``"language"``, ``"speaker"`` or ``"all"``).

    CER and WER are pooled (total edits / total reference length) within each group.
    """
    groups: dict[str, list[TTSItemResult]] = defaultdict(list)
    for r in results:
        key = "all" if by == "all" else getattr(r.item, by)
        groups[str(key) if key is not None else "-"].append(r)
    rows = []
    for key in sorted(groups):
        rs = groups[key]
        row: dict[str, Any] = {by: key, "clips": len(rs)}
        for metric in METRICS:
            if metric in ("cer", "wer"):
                total = pooled_counts([r.counts for r in rs if r.counts is not None])
                row[metric] = None if total is None else (total.cer if metric == "cer" else total.wer)
                continue
            vals = [v for r in rs if (v := r.metrics.get(metric)) is not None and not math.isnan(v)]
            row[metric] = float(np.mean(vals)) if vals else None
        rows.append(row)
    return rows
