"""Evaluate a synthesizer on the bootstrap test sets: in-language, cross-lingual, zero-shot, emotion.

- **in_language**: training voices speak test sentences of their own language; ground truth exists,
  so mel-cepstral distortion (DTW) is measured too.
- **cross_lingual**: every training voice speaks a test sentence of every *other* language of the
  model: the setting of Zhang et al. that the adversarial loss is for. No ground truth exists.
- **zero_shot**: held-out voices, cloned from one of their clips, speak their other sentences.
- **emotion**: voices speak another language's sentence with each emotion; the model's emotion
  network classifies the output (chance = 1 / number of emotions).

Speaker similarity is the cosine of resemblyzer embeddings between the output and the centroid of
the target voice's real clips (``sim_target``), against the mean over the other voices' centroids
(``sim_other``); ``speaker_id_acc`` is how often the target is the nearest centroid.
"""

from __future__ import annotations

import json
import logging
import random
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from lhotse import CutSet
from tqdm import tqdm

from speech.audio.io import save_audio
from speech.fileio import atomic_write_text
from speech.tts.synthesizer import Synthesizer

logger = logging.getLogger(__name__)


@dataclass
class Job:
    """One clip to synthesise and how to judge it."""

    id: str
    set: str
    text: str
    language: str
    voice: str  # the target voice (speaker id)
    speaker: str  # what the synthesizer gets: a speaker name or a reference clip path
    emotion: str = "neutral"
    reference: str | None = None  # ground-truth audio of the same text and voice, if any
    result: dict[str, Any] = field(default_factory=dict)


def _audio_path(cut: Any) -> str:
    return str(cut.recording.sources[0].source)


def build_jobs(test: CutSet, heldout: CutSet | None, synth: Synthesizer, per_voice: int = 3, seed: int = 0) -> list[Job]:
    """The evaluation jobs (see the module docstring) from test and held-out cuts."""
    rng = random.Random(seed)
    by_voice: dict[str, list[Any]] = defaultdict(list)
    for cut in test:
        by_voice[cut.supervisions[0].speaker].append(cut)
    by_language: dict[str, list[Any]] = defaultdict(list)
    for cut in test:
        by_language[cut.supervisions[0].language].append(cut)
    jobs: list[Job] = []
    trained = [v for v in sorted(by_voice) if v in synth.speakers]
    for voice in trained:
        cuts = by_voice[voice]
        lang = cuts[0].supervisions[0].language
        for cut in rng.sample(cuts, min(per_voice, len(cuts))):
            sup = cut.supervisions[0]
            jobs.append(Job(f"in_{cut.id}", "in_language", sup.text, lang, voice, voice,
                            (sup.custom or {}).get("emotion") or "neutral", _audio_path(cut)))
        for other in synth.languages:
            if other == lang or not by_language.get(other):
                continue
            cut = rng.choice(by_language[other])
            jobs.append(Job(f"x_{voice}_{other}", "cross_lingual", cut.supervisions[0].text, other, voice, voice))
            for emotion in synth.emotions:
                if emotion != "neutral":
                    jobs.append(Job(f"emo_{voice}_{other}_{emotion}", "emotion", cut.supervisions[0].text,
                                    other, voice, voice, emotion))
    if heldout is not None:
        held: dict[str, list[Any]] = defaultdict(list)
        for cut in heldout:
            held[cut.supervisions[0].speaker].append(cut)
        for voice, cuts in sorted(held.items()):
            if cuts[0].supervisions[0].language not in synth.languages or len(cuts) < 2:
                continue
            ref, rest = cuts[0], cuts[1:]
            for cut in rng.sample(rest, min(per_voice, len(rest))):
                sup = cut.supervisions[0]
                jobs.append(Job(f"zs_{cut.id}", "zero_shot", sup.text, sup.language, voice, _audio_path(ref),
                                "neutral", _audio_path(cut)))
    return jobs


def voice_centroids(cuts: CutSet, embed: Any, per_voice: int = 5) -> dict[str, np.ndarray]:
    """Mean normalised resemblyzer embedding of up to ``per_voice`` real clips per voice."""
    clips: dict[str, list[Any]] = defaultdict(list)
    for cut in cuts:
        clips[cut.supervisions[0].speaker].append(cut)
    out = {}
    for voice, cs in clips.items():
        vecs = [embed(c.load_audio().mean(0), c.sampling_rate) for c in cs[:per_voice]]
        mean = np.mean([v / np.linalg.norm(v) for v in vecs], axis=0)
        out[voice] = mean / np.linalg.norm(mean)
    return out


def run_jobs(synth: Synthesizer, jobs: list[Job], real: CutSet, out_dir: str | Path) -> list[Job]:
    """Synthesise every job into ``out_dir`` and fill ``job.result`` with its metrics."""
    from speech.eval.speaker import SpeakerEncoder
    from speech.eval.spectral import analyze, spectral_scores

    out = Path(out_dir)
    encoder = SpeakerEncoder()
    centroids = voice_centroids(real, encoder.embed)
    voices = sorted(centroids)
    for job in tqdm(jobs, desc="synthesise + score", unit="clip"):
        wav, sr = synth.synthesize(job.text, job.language, job.speaker, emotion=job.emotion)
        path = save_audio(out / job.set / f"{job.id}.wav", wav, sr)
        job.result["wav"] = str(path)
        job.result["duration"] = len(wav) / sr
        if job.set == "emotion":
            mel = synth._mel(torch.from_numpy(wav)).unsqueeze(0)
            probs = synth.model.classify_emotion(mel, torch.tensor([mel.size(-1)]))[0]
            job.result["emotion_correct"] = float(synth.emotions[int(probs.argmax())] == job.emotion)
            continue
        if job.voice in centroids:
            emb = encoder.embed(wav, sr)
            emb = emb / np.linalg.norm(emb)
            sims = {v: float(emb @ centroids[v]) for v in voices}
            others = [sims[v] for v in voices if v != job.voice]
            job.result["sim_target"] = sims[job.voice]
            job.result["sim_other"] = float(np.mean(others)) if others else None
            job.result["speaker_id_correct"] = float(max(sims, key=sims.get) == job.voice)
        if job.reference:
            from speech.audio.io import load_audio

            ref, ref_sr = load_audio(job.reference)
            try:
                job.result["mcd"] = spectral_scores(analyze(ref, ref_sr), analyze(wav, sr)).mcd
            except ValueError as e:
                logger.warning("no MCD for %s: %s", job.id, e)
    return jobs


def summarise(jobs: list[Job]) -> dict[str, dict[str, float]]:
    """Mean of each metric per evaluation set (and the number of clips)."""
    table: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for job in jobs:
        for key, value in job.result.items():
            if isinstance(value, float) and key not in ("duration",):
                table[job.set][key].append(value)
        table[job.set]["clips"].append(1.0)
    return {
        s: {k: (float(np.sum(v)) if k == "clips" else float(np.mean(v))) for k, v in metrics.items()}
        for s, metrics in table.items()
    }


def markdown_table(summaries: dict[str, dict[str, dict[str, float]]]) -> str:
    """One row per (model, set): the figures a model card and RESULTS.md show."""
    cols = ["clips", "sim_target", "sim_other", "speaker_id_correct", "mcd", "emotion_correct"]
    head = "| model | set | " + " | ".join(cols) + " |\n|" + "---|" * (len(cols) + 2) + "\n"
    rows = []
    for model, sets in summaries.items():
        for name in ("in_language", "cross_lingual", "zero_shot", "emotion"):
            if name in sets:
                vals = [sets[name].get(c) for c in cols]
                cells = ["" if v is None else (f"{v:.0f}" if c == "clips" else f"{v:.3f}") for c, v in zip(cols, vals)]
                rows.append(f"| {model} | {name} | " + " | ".join(cells) + " |")
    return head + "\n".join(rows) + "\n"


def evaluate_synthesizer(
    synth: Synthesizer, test: CutSet, heldout: CutSet | None, out_dir: str | Path, per_voice: int = 3, seed: int = 0
) -> dict[str, dict[str, float]]:
    """Build the jobs, run them, write ``results.json`` (per clip) and return the summary."""
    jobs = build_jobs(test, heldout, synth, per_voice, seed)
    real = test if heldout is None else test + heldout
    run_jobs(synth, jobs, real, out_dir)
    summary = summarise(jobs)
    atomic_write_text(
        Path(out_dir) / "results.json",
        json.dumps({"summary": summary, "clips": [asdict(j) for j in jobs]}, indent=1, ensure_ascii=False),
    )
    return summary
