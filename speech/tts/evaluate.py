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

Intelligibility (optional, :class:`ASRScorer`): an ASR model saved by ``speech train`` (``task:
asr_ctc``, :mod:`speech.asr.inference`) transcribes every clip and
:class:`speech.eval.tts.TTSEvaluator` scores it: ``cer`` and ``wer`` per set, pooled over edits
(total edits / total reference length). Only languages the ASR model covers are scored; the others
get ``None`` and a logged note. A model of ``unit: char`` covers the language it declares
(``model.language``), or, when it declares none, each language whose test sentences it can spell
(:data:`CHAR_COVERAGE` of their characters in its vocabulary). A ``unit: phoneme`` model is scored
on phonemes (the reference goes through the same front-end as its training targets) and covers
its declared language, or every language when it declares none. Several models can be given
(e.g. one per language family), each with an explicit language list; a clip is scored by the first
that covers it. Where a real clip of the sentence exists (in-language, zero-shot), it is
transcribed too: ``cer_real`` is the ASR model's own error rate, the floor for the synthesis.
"""

from __future__ import annotations

import json
import logging
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from lhotse import CutSet
from tqdm import tqdm

from speech.audio.io import save_audio
from speech.errors import AudioError, UnknownLanguageError
from speech.eval.asr import ErrorCounts, Transcriber, normalize_text
from speech.fileio import atomic_write_text
from speech.tts.synthesizer import Synthesizer

logger = logging.getLogger(__name__)

#: A ``char`` ASR model without a declared language covers a language when at least this share of
#: the (normalised, non-space) characters of its test sentences are in its vocabulary.
CHAR_COVERAGE = 0.95


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


def build_jobs(
    test: CutSet,
    heldout: CutSet | None,
    synth: Synthesizer,
    per_voice: int = 3,
    seed: int = 0,
    cross_languages: int | None = None,
) -> list[Job]:
    """The evaluation jobs (see the module docstring) from test and held-out cuts.

    Args:
        per_voice: sentences per voice for the in-language and zero-shot sets.
        cross_languages: other languages each training voice speaks (a random choice); ``None``:
            all of them. Each cross-lingual sentence is also spoken with one non-neutral emotion,
            taken in turn, so every emotion is requested about equally often.
    """
    rng = random.Random(seed)
    emotions = [e for e in synth.emotions if e != "neutral"]
    turn = 0
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
        others = [o for o in synth.languages if o != lang and by_language.get(o)]
        if cross_languages is not None:
            others = sorted(rng.sample(others, min(cross_languages, len(others))))
        for other in others:
            cut = rng.choice(by_language[other])
            jobs.append(Job(f"x_{voice}_{other}", "cross_lingual", cut.supervisions[0].text, other, voice, voice))
            if emotions:
                emotion = emotions[turn % len(emotions)]
                turn += 1
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


def _same_language(a: str, b: str) -> bool:
    """Whether two codes name the same registered language (``en`` and ``en-US`` do)."""
    from speech.text.languages import get_language

    try:
        return get_language(a).code == get_language(b).code
    except UnknownLanguageError:
        return a.lower() == b.lower()


def _phoneme_reference(encoder: Any, text: str, language: str) -> str:
    """``text`` as a phoneme ASR model writes it: its training targets, decoded."""
    return encoder.decode(encoder.encode(text, language))


@dataclass
class ASRScorer:
    """CER/WER of synthesised clips with an ASR transcriber, in the languages it covers.

    Args:
        transcriber: ``(waveform, sample_rate) -> text`` (:data:`speech.eval.asr.Transcriber`).
        name: what to call the model in notes (its directory).
        language: the one language the model covers (``None``: decided by ``vocabulary`` or all).
        vocabulary: characters a ``char`` model can write (``None``: no check, e.g. phonemes).
        reference: maps ``(text, language)`` to the reference in the model's units (``None``: the
            text itself; phoneme models give its phonemes).
    """

    transcriber: Transcriber
    name: str = "ASR model"
    language: str | None = None
    vocabulary: frozenset[str] | None = None
    reference: Callable[[str, str], str] | None = None
    languages: frozenset[str] | None = None
    _covered: dict[str, bool] = field(default_factory=dict, repr=False)

    @classmethod
    def from_pretrained(
        cls, directory: str | Path, device: str = "cpu", languages: frozenset[str] | None = None
    ) -> ASRScorer:
        """Load an ASR model saved by ``speech train`` (``task: asr_ctc``).

        ``languages``: score exactly these languages with it (the default decides from the
        model's declared language or vocabulary, see :meth:`covers`).

        Raises:
            MissingCheckpointError: no such directory (a ``FileNotFoundError``).
            ModelTypeMismatchError: the directory holds another kind of model.
        """
        from speech.asr.inference import ASRInferenceConfig
        from speech.asr.inference import Transcriber as ASRTranscriber
        from speech.pretrained import MissingCheckpointError

        d = Path(directory)
        if not d.is_dir():
            raise MissingCheckpointError(
                f"ASR model directory not found: {d} (give --asr-model a model saved by `speech train` with "
                f"task asr_ctc: config.yaml, model.safetensors, tokens.json)"
            )
        asr = ASRTranscriber.from_pretrained(d, ASRInferenceConfig(device=device))
        ctc = asr.model.config.ctc
        if ctc.unit == "char":
            vocabulary = frozenset(t for t in ctc.tokens if not (t.startswith("<") and t.endswith(">")))
            return cls(asr, str(d), asr.model.config.language, vocabulary, languages=languages)
        return cls(asr, str(d), asr.model.config.language, languages=languages,
                   reference=partial(_phoneme_reference, asr.model.text_encoder))

    def covers(self, language: str, texts: list[str]) -> bool:
        """Whether clips of ``language`` are scored (decided once per language, with a note if not)."""
        if language in self._covered:
            return self._covered[language]
        if self.languages is not None:
            ok = any(_same_language(code, language) for code in self.languages)
            why = f"it was given only {', '.join(sorted(self.languages))}"
        elif self.language is not None:
            ok = _same_language(self.language, language)
            why = f"it was trained on {self.language!r}"
        elif self.vocabulary is not None:
            chars = [c for t in texts for c in normalize_text(t) if c != " "]
            share = sum(c in self.vocabulary for c in chars) / len(chars) if chars else 0.0
            ok = share >= CHAR_COVERAGE
            why = f"its vocabulary spells {share:.0%} of the characters of the {language} sentences (< {CHAR_COVERAGE:.0%})"
        else:
            ok, why = True, ""
        if not ok:
            logger.warning("%s does not cover language %r (%s): CER/WER of %s clips are None", self.name, language, why, language)
        self._covered[language] = ok
        return ok

    def reference_text(self, text: str, language: str) -> str:
        """The reference transcript in the model's units."""
        return text if self.reference is None else self.reference(text, language)

    def transcribe(self, wav: np.ndarray, sample_rate: int) -> str:
        """The transcript; audio the ASR refuses (silent, too short) reads as nothing."""
        try:
            return self.transcriber(wav, sample_rate)
        except AudioError as e:
            logger.warning("ASR cannot read a clip (%s): scored as an empty transcript", e)
            return ""


def score_intelligibility(
    job: Job, path: Path, scorers: list[ASRScorer], evaluators: list[Any], texts: list[str]
) -> None:
    """Fill ``job.result`` with ``cer``, ``wer``, the transcript and edit counts from the first
    scorer that covers the job's language (``None`` when none does). Where the job has a real
    clip of the same sentence, that clip is transcribed too (``asr_counts_real``): the ASR
    model's own error rate on real speech, the floor the synthesis is measured against."""
    from speech.eval.tts import TTSItem

    chosen = next(((s, e) for s, e in zip(scorers, evaluators) if s.covers(job.language, texts)), None)
    if chosen is None:
        job.result.update(cer=None, wer=None, transcript=None)
        return
    scorer, evaluator = chosen
    reference = scorer.reference_text(job.text, job.language)
    res = evaluator.evaluate(TTSItem(id=job.id, synth=path, text=reference, language=job.language))
    job.result.update(cer=res.metrics["cer"], wer=res.metrics["wer"], transcript=res.transcript,
                      asr_counts=asdict(res.counts) if res.counts is not None else None, asr_model=scorer.name)
    if job.reference:
        real = evaluator.evaluate(TTSItem(id=job.id, synth=Path(job.reference), text=reference, language=job.language))
        job.result["asr_counts_real"] = asdict(real.counts) if real.counts is not None else None


def _asr_evaluator(scorer: ASRScorer) -> Any:
    from speech.eval.tts import TTSEvaluator

    # Only the transcript is wanted here: similarity and MCD are computed below, DNSMOS is not.
    return TTSEvaluator(transcriber=scorer.transcribe, speaker_similarity=False, dnsmos=False)


def run_jobs(
    synth: Synthesizer,
    jobs: list[Job],
    real: CutSet,
    out_dir: str | Path,
    asr: ASRScorer | Sequence[ASRScorer] | None = None,
) -> list[Job]:
    """Synthesise every job into ``out_dir`` and fill ``job.result`` with its metrics.

    Args:
        synth: the synthesizer.
        jobs: from :func:`build_jobs`.
        real: real clips of the voices (speaker centroids).
        out_dir: where the audio goes.
        asr: adds ``cer``/``wer`` (see :class:`ASRScorer`); with several models, each clip is
            scored by the first that covers its language; ``None`` skips them.
    """
    from speech.eval.speaker import SpeakerEncoder
    from speech.eval.spectral import analyze, spectral_scores

    out = Path(out_dir)
    encoder = SpeakerEncoder()
    centroids = voice_centroids(real, encoder.embed)
    voices = sorted(centroids)
    scorers = [asr] if isinstance(asr, ASRScorer) else list(asr or [])
    evaluators = [_asr_evaluator(s) for s in scorers]
    texts: dict[str, list[str]] = defaultdict(list)
    for job in jobs:
        texts[job.language].append(job.text)
    for job in tqdm(jobs, desc="synthesise + score", unit="clip"):
        wav, sr = synth.synthesize(job.text, job.language, job.speaker, emotion=job.emotion)
        path = save_audio(out / job.set / f"{job.id}.wav", wav, sr)
        job.result["wav"] = str(path)
        job.result["duration"] = len(wav) / sr
        if scorers:
            score_intelligibility(job, Path(path), scorers, evaluators, texts[job.language])
        if job.set == "emotion":
            mel = synth._mel(torch.from_numpy(wav)).unsqueeze(0)
            probs = synth.model.classify_emotion(mel, torch.tensor([mel.size(-1)]))[0]
            job.result["emotion_predicted"] = synth.emotions[int(probs.argmax())]
            job.result["emotion_correct"] = float(job.result["emotion_predicted"] == job.emotion)
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


def summarise(jobs: list[Job]) -> dict[str, dict[str, float | None]]:
    """Mean of each metric per evaluation set (and the number of clips).

    ``cer`` and ``wer`` are pooled over the set's scored clips (total edits / total reference
    length), and ``None`` where clips were transcribed but none is in a covered language.
    """
    table: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    counts: dict[str, list[ErrorCounts]] = defaultdict(list)
    counts_real: dict[str, list[ErrorCounts]] = defaultdict(list)
    transcribed: set[str] = set()
    for job in jobs:
        for key, value in job.result.items():
            if isinstance(value, float) and key not in ("duration", "cer", "wer"):
                table[job.set][key].append(value)
        table[job.set]["clips"].append(1.0)
        if "cer" in job.result:
            transcribed.add(job.set)
            if job.result.get("asr_counts"):
                counts[job.set].append(ErrorCounts(**job.result["asr_counts"]))
            if job.result.get("asr_counts_real"):
                counts_real[job.set].append(ErrorCounts(**job.result["asr_counts_real"]))
    summary: dict[str, dict[str, float | None]] = {
        s: {k: (float(np.sum(v)) if k == "clips" else float(np.mean(v))) for k, v in metrics.items()}
        for s, metrics in table.items()
    }
    for name in transcribed:
        total = _pooled(counts[name])
        summary[name]["cer"] = None if total is None else total.cer
        summary[name]["wer"] = None if total is None else total.wer
        real = _pooled(counts_real[name])
        if real is not None:
            summary[name]["cer_real"] = real.cer
    # per requested emotion: which ones the model can express
    per_emotion: dict[str, list[float]] = defaultdict(list)
    for job in jobs:
        if job.set == "emotion" and "emotion_correct" in job.result:
            per_emotion[job.emotion].append(job.result["emotion_correct"])
    for emotion, hits in sorted(per_emotion.items()):
        summary["emotion"][f"emotion_correct_{emotion}"] = float(np.mean(hits))
    return summary


def _pooled(counts: list[ErrorCounts]) -> ErrorCounts | None:
    return sum(counts[1:], counts[0]) if counts else None


def markdown_table(summaries: dict[str, dict[str, dict[str, float]]]) -> str:
    """One row per (model, set): the figures a model card and RESULTS.md show."""
    cols = ["clips", "sim_target", "sim_other", "speaker_id_correct", "mcd", "emotion_correct"]
    if any("cer" in metrics for sets in summaries.values() for metrics in sets.values()):
        cols += ["cer", "wer", "cer_real"]
    head = "| model | set | " + " | ".join(cols) + " |\n|" + "---|" * (len(cols) + 2) + "\n"
    rows = []
    for model, sets in summaries.items():
        for name in ("in_language", "cross_lingual", "zero_shot", "emotion"):
            if name in sets:
                vals = [sets[name].get(c) for c in cols]
                cells = ["" if v is None else (f"{v:.0f}" if c == "clips" else f"{v:.3f}") for c, v in zip(cols, vals)]
                rows.append(f"| {model} | {name} | " + " | ".join(cells) + " |")
    table = head + "\n".join(rows) + "\n"
    emotions = sorted({k.removeprefix("emotion_correct_") for sets in summaries.values()
                       for k in sets.get("emotion", {}) if k.startswith("emotion_correct_")})
    if emotions:
        table += "\nEmotion recognised in the output, per requested emotion:\n\n"
        table += "| model | " + " | ".join(emotions) + " |\n|" + "---|" * (len(emotions) + 1) + "\n"
        for model, sets in summaries.items():
            vals = [sets.get("emotion", {}).get(f"emotion_correct_{e}") for e in emotions]
            table += f"| {model} | " + " | ".join("" if v is None else f"{v:.3f}" for v in vals) + " |\n"
    return table


def evaluate_synthesizer(
    synth: Synthesizer,
    test: CutSet,
    heldout: CutSet | None,
    out_dir: str | Path,
    per_voice: int = 3,
    seed: int = 0,
    asr: ASRScorer | Sequence[ASRScorer] | None = None,
    cross_languages: int | None = None,
) -> dict[str, dict[str, float | None]]:
    """Build the jobs, run them, write ``results.json`` (per clip) and return the summary.

    ``asr`` adds CER/WER per set (see :class:`ASRScorer`); ``cross_languages`` limits the other
    languages each voice speaks (see :func:`build_jobs`).
    """
    jobs = build_jobs(test, heldout, synth, per_voice, seed, cross_languages)
    real = test if heldout is None else test + heldout
    run_jobs(synth, jobs, real, out_dir, asr)
    summary = summarise(jobs)
    atomic_write_text(
        Path(out_dir) / "results.json",
        json.dumps({"summary": summary, "clips": [asdict(j) for j in jobs]}, indent=1, ensure_ascii=False),
    )
    return summary
