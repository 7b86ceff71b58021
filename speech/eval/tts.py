"""``speech eval tts``: the metrics users of a TTS toolkit expect, over a list of clips.

Input: a CSV, TSV or JSONL file with one row per synthesised clip:

=============  ==========================================================================
``synth``      synthesised audio (path relative to the list file)
``reference``  optional natural recording of the same text by the target speaker
               (enables speaker similarity, MCD, F0 metrics and duration ratio)
``text``       optional transcript (enables CER/WER when a transcriber is given)
``language``   optional language code (tables per language)
``speaker``    optional speaker id (tables per speaker)
``id``         optional clip id (default: row number)
=============  ==========================================================================

Per clip: speaker similarity (resemblyzer GE2E cosine, synth vs reference), CER/WER of the ASR
transcript of the synth against ``text``, MCD with DTW, log-F0 RMSE, GPE, VDE, FFE
(:mod:`speech.eval.spectral`), DNSMOS of the synth (:mod:`speech.eval.quality`), speaking
rate of synth and reference, duration ratio (synth / reference, silence trimmed). Tables
average per language and per speaker (CER/WER pooled over edits).
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Sequence
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


def read_tts_list(path: str | Path) -> list[TTSItem]:
    """Read the clip list (see module docstring); checks that every file exists."""
    p = Path(path)
    items = []
    seen: set[str] = set()
    for i, row in enumerate(read_rows(p), start=1):
        synth = row.get("synth") or row.get("synthesized") or row.get("synthesised")
        if not synth or not str(synth).strip():
            raise InputFormatError(f"{p}: row {i} has no 'synth' column value")

        def resolve(value: Any) -> Path:
            q = Path(str(value).strip())
            q = q if q.is_absolute() else p.parent / q
            if not q.is_file():
                raise FileNotFoundError(f"{p}: row {i}: audio file not found: {q}")
            return q

        ref = row.get("reference")
        item = TTSItem(
            id=str(row.get("id") or i),
            synth=resolve(synth),
            reference=resolve(ref) if ref and str(ref).strip() else None,
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
        from speech.audio.io import load_audio
        from speech.eval.quality import DNSMOS, speaking_rate
        from speech.eval.spectral import analyze, spectral_scores, trim_silence

        syn, syn_sr = load_audio(item.synth)
        res = TTSItemResult(item, {m: None for m in METRICS})
        m = res.metrics
        m["speaking_rate"] = speaking_rate(syn, syn_sr, self.tracker)
        if self.dnsmos:
            if self._dnsmos is None:
                self._dnsmos = DNSMOS()
            mos = self._dnsmos(syn, syn_sr)
            m["dnsmos_ovrl"], m["dnsmos_sig"], m["dnsmos_bak"] = mos["ovrl"], mos["sig"], mos["bak"]
        if self.transcriber is not None and item.text:
            res.transcript = self.transcriber(syn, syn_sr)
            res.counts = error_counts(item.text, res.transcript)
            m["cer"], m["wer"] = res.counts.cer, res.counts.wer
        if item.reference is not None:
            ref, ref_sr = load_audio(item.reference)
            if self.speaker_similarity:
                if self._speaker is None:
                    from speech.eval.speaker import SpeakerEncoder

                    self._speaker = SpeakerEncoder()
                m["speaker_similarity"] = self._speaker.similarity(syn, syn_sr, ref, ref_sr)
            try:
                s = spectral_scores(
                    analyze(ref, ref_sr, self.tracker, self.analysis_rate),
                    analyze(syn, syn_sr, self.tracker, self.analysis_rate),
                )
            except ValueError as e:
                raise MismatchError(f"{item.synth} vs {item.reference}: {e}") from e
            m.update(mcd=s.mcd, logf0_rmse=s.logf0_rmse, gpe=s.gpe, vde=s.vde, ffe=s.ffe)
            m["speaking_rate_ref"] = speaking_rate(ref, ref_sr, self.tracker)
            ref_dur = len(trim_silence(ref.astype(np.float64))) / ref_sr
            syn_dur = len(trim_silence(syn.astype(np.float64))) / syn_sr
            m["duration_ratio"] = syn_dur / ref_dur if ref_dur > 0 else None
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
                counts = [r.counts for r in rs if r.counts is not None]
                total = sum(counts[1:], counts[0]) if counts else None
                row[metric] = None if total is None else (total.cer if metric == "cer" else total.wer)
                continue
            vals = [r.metrics.get(metric) for r in rs]
            vals = [v for v in vals if v is not None and not (isinstance(v, float) and math.isnan(v))]
            row[metric] = float(np.mean(vals)) if vals else None
        rows.append(row)
    return rows
