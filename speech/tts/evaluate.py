"""``speech tts evaluate``: a synthesizer on the bootstrap test sets: in-language, cross-lingual,
zero-shot, emotion.

This module decides what is synthesised and how the results are grouped; every number comes from
the TTS metrics of :mod:`speech.eval.tts`, the ones ``speech eval tts`` computes for clips made
elsewhere (only the emotion accuracy, which needs the model's own emotion network, is computed here).

- **in_language**: training voices speak test sentences of their own language; ground truth exists,
  so mel-cepstral distortion (DTW) is measured too.
- **cross_lingual**: every training voice speaks a test sentence of every *other* language of the
  model: the setting of Zhang et al. that the adversarial loss is for. No ground truth exists.
- **zero_shot**: held-out voices, cloned from one of their clips, speak their other sentences.
- **emotion**: voices speak another language's sentence with each emotion; the model's emotion
  network classifies the output (chance = 1 / number of emotions).
- **real_in_language** / **real_cross_lingual** (with a real corpus, e.g. the Asterisk prompts of
  :mod:`speech.data.corpora.asterisk`): each real speaker is cloned from a few seconds of its own
  prompts (:func:`build_real_jobs`) and speaks its other prompts, then prompts of every other
  language of that corpus the model speaks (recorded by the other speakers: their real clip is
  the floor of the CER).

Speaker similarity (:func:`speech.eval.tts.speaker_identification`) is the cosine of resemblyzer
embeddings between the output and the centroid of the target voice's *other* real clips
(``sim_target``: never the clip it was cloned from, nor the real clip of the same sentence),
against the mean over the other voices' centroids (``sim_other``); ``speaker_id_correct`` is how
often the target is the nearest of all the evaluated voices' centroids. The real speakers are
recorded at 8 kHz: for them the output is band-limited to the same rate before it is embedded, so
that the channel does not decide.

Judges: Whisper-base (:mod:`speech.eval.whisper`) by default, in every language it covers:
``cer``/``wer`` of the output, ``cer_real`` of the real clip of the same sentence where one exists
(the floor), and ``language_correct`` (Whisper's detected language is the requested one) of every
clip. DNSMOS (:class:`speech.eval.quality.DNSMOS`) of every output (``dnsmos_ovrl``...) and of its
real clip (``dnsmos_ovrl_real``).

Our own ASR models (optional, :class:`ASRScorer`) score CER in the languages they cover instead of
Whisper (Whisper still identifies the language): an ASR model saved by ``speech train`` (``task:
asr_ctc``, :mod:`speech.asr.inference`) transcribes every clip and
:func:`speech.eval.tts.transcription_errors` scores it: ``cer`` and ``wer`` per set, pooled over edits
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

from speech.audio.io import resample, save_audio
from speech.errors import AudioError, EmptyTextError, MarkupError, TextTooLongError, UnknownLanguageError
from speech.eval.asr import ErrorCounts, Transcriber, normalize_text
from speech.eval.tts import (
    dnsmos_metrics,
    pooled_counts,
    speaker_identification,
    spectral_metrics,
    transcription_errors,
)
from speech.eval.whisper import WhisperJudge
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
    reference: str | None = None  # ground-truth audio of the same text (and voice, except real_cross_lingual)
    result: dict[str, Any] = field(default_factory=dict)
    #: real clips the voice was cloned from: left out of its centroid.
    clone_from: list[str] = field(default_factory=list)
    #: the sample rate of the target voice's recordings when they are band-limited (8 kHz telephone
    #: prompts): the output is resampled to it before its speaker embedding, and gets no MCD.
    band_rate: int | None = None


def _audio_path(cut: Any) -> str:
    return str(cut.recording.sources[0].source)


def build_jobs(
    test: CutSet,
    heldout: CutSet | None,
    synth: Synthesizer,
    per_voice: int = 3,
    seed: int = 0,
    cross_languages: int | None = None,
    voices: int | None = None,
) -> list[Job]:
    """The evaluation jobs (see the module docstring) from test and held-out cuts.

    Args:
        per_voice: sentences per voice for the in-language and zero-shot sets.
        cross_languages: other languages each training voice speaks (a random choice); ``None``:
            all of them. Each cross-lingual sentence is also spoken with one non-neutral emotion,
            taken in turn, so every emotion is requested about equally often.
        voices: at most this many training voices speak the in-language, cross-lingual and emotion
            sets (:func:`sample_voices`: spread over their languages); ``None``: all of them. The
            zero-shot set always takes every held-out voice.
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
    if voices is not None:
        trained = sample_voices({v: by_voice[v][0].supervisions[0].language for v in trained}, voices, seed)
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
        # Its own draw: any two models that speak a held-out voice's language get the same clips.
        rng = random.Random(seed)
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
                                "neutral", _audio_path(cut), clone_from=[_audio_path(ref)]))
    return jobs


def sample_voices(languages: dict[str, str], n: int, seed: int = 0) -> list[str]:
    """``n`` of the voices (voice -> language), drawn in turn from each language so that a small
    sample still covers every language a model speaks; sorted, and the same for the same seed."""
    if n < 1:
        raise ValueError(f"voices must be at least 1, got {n}")
    rng = random.Random(seed)
    queues: dict[str, list[str]] = defaultdict(list)
    for voice in sorted(languages):
        queues[languages[voice]].append(voice)
    for queue in queues.values():
        rng.shuffle(queue)
    chosen: list[str] = []
    while len(chosen) < n and any(queues.values()):
        for language in sorted(queues):
            if queues[language] and len(chosen) < n:
                chosen.append(queues[language].pop())
    return sorted(chosen)


def build_real_jobs(
    real: CutSet,
    synth: Synthesizer,
    ref_dir: str | Path,
    per_voice: int = 2,
    seed: int = 0,
    reference_seconds: float = 6.0,
) -> list[Job]:
    """Zero-shot jobs on real speakers (see the module docstring): clone, then speak every language.

    Each speaker of ``real`` is cloned from prompts of its main language (the one it has most
    clips in) of 1.5-8 s, drawn at random until ``reference_seconds`` are reached and joined with
    0.25 s pauses into ``ref_dir/<speaker>.wav``. It then speaks ``per_voice`` of its other prompts
    in each language it recorded (``real_in_language``; the real clip is the ground truth) and
    ``per_voice`` prompts of each other language of ``real`` that the model speaks
    (``real_cross_lingual``; the real clip is another speaker's, the CER floor).

    Args:
        real: cuts of real speech with speaker, language and text (e.g. the Asterisk prompts).
        synth: the synthesizer (its languages decide which prompts are spoken).
        ref_dir: where the joined reference clips go.
        per_voice: prompts per speaker and language.
        seed: decides the reference and the prompts.
        reference_seconds: how much speech the clone hears.
    """
    rng = random.Random(seed)
    by_speaker: dict[str, list[Any]] = defaultdict(list)
    by_language: dict[str, list[Any]] = defaultdict(list)
    for cut in sorted(real, key=lambda c: c.id):
        sup = cut.supervisions[0]
        if not (sup.text or "").strip():
            continue
        # A speaker is cloned from its prompts in any language; it speaks only the model's languages.
        language = next((lang for lang in synth.languages if _same_language(lang, sup.language)), None)
        by_speaker[sup.speaker].append((cut, language or sup.language))
        if language is not None:
            by_language[language].append((cut, language))
    jobs: list[Job] = []
    for speaker, cuts in sorted(by_speaker.items()):
        counts: dict[str, int] = defaultdict(int)
        for _, lang in cuts:
            counts[lang] += 1
        main = max(sorted(counts), key=lambda lang: counts[lang])
        pool = [c for c, lang in cuts if lang == main and 1.5 <= c.duration <= 8.0]
        rng.shuffle(pool)
        chosen, total = [], 0.0
        for cut in pool:
            if total >= reference_seconds:
                break
            chosen.append(cut)
            total += cut.duration
        if not chosen:
            logger.warning("real speaker %s has no prompt of 1.5-8 s in %s: not evaluated", speaker, main)
            continue
        rate = chosen[0].sampling_rate
        pause = np.zeros(int(0.25 * rate), dtype=np.float32)
        parts = []
        for cut in chosen:
            wav = cut.load_audio().mean(0).astype(np.float32)
            parts += [wav if cut.sampling_rate == rate else resample(wav, cut.sampling_rate, rate), pause]
        ref_path = str(save_audio(Path(ref_dir) / f"{speaker}.wav", np.concatenate(parts[:-1]), rate))
        used = {c.id for c in chosen}
        clone_from = [_audio_path(c) for c in chosen]
        for language in sorted(by_language):
            own = language in counts
            pool = [c for c, lang in (cuts if own else by_language[language])
                    if lang == language and c.id not in used and c.duration >= 1.0]
            for cut in rng.sample(pool, min(per_voice, len(pool))):
                name = "real_in_language" if own else "real_cross_lingual"
                jobs.append(Job(f"{'ri' if own else 'rx'}_{speaker}_{cut.id}", name, cut.supervisions[0].text,
                                language, speaker, ref_path, "neutral", _audio_path(cut),
                                clone_from=clone_from, band_rate=rate))
    return jobs


def voice_embeddings(
    cuts: CutSet, embed: Any, per_voice: int = 5, keep: set[str] | None = None,
) -> dict[str, dict[str, np.ndarray]]:
    """Normalised resemblyzer embeddings of real clips per voice: ``{voice: {audio path: emb}}``.

    Up to ``per_voice`` clips per voice, plus every clip in ``keep`` (the audio paths some job
    leaves out of its centroid: taking them on top keeps ``per_voice`` *other* clips for it).
    """
    clips: dict[str, list[Any]] = defaultdict(list)
    for cut in cuts:
        clips[cut.supervisions[0].speaker].append(cut)
    keep = keep or set()
    out: dict[str, dict[str, np.ndarray]] = {}
    for voice, cs in clips.items():
        extra = [c for c in cs if _audio_path(c) in keep]
        chosen = list({c.id: c for c in extra + cs[: per_voice + len(extra)]}.values())
        vecs = {_audio_path(c): embed(c.load_audio().mean(0), c.sampling_rate) for c in chosen}
        out[voice] = {k: v / np.linalg.norm(v) for k, v in vecs.items()}
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


def _transcribe(
    scorer: ASRScorer, wav: np.ndarray, sample_rate: int, reference: str, language: str
) -> tuple[str | None, ErrorCounts | None]:
    """One of our ASR models' transcript and its edit counts against ``reference``; none at all for a
    sentence its units cannot write (an empty reference has nothing to count edits against)."""
    if not reference:
        return None, None
    return transcription_errors(scorer.transcribe, wav, sample_rate, reference, language)


def score_intelligibility(
    job: Job,
    wav: np.ndarray,
    sample_rate: int,
    scorers: list[ASRScorer],
    texts: list[str],
    whisper: WhisperJudge | None = None,
) -> None:
    """Fill ``job.result`` with ``cer``, ``wer``, the transcript and edit counts.

    The first of our ASR ``scorers`` that covers the job's language scores it; otherwise Whisper
    (``whisper``) does, in the languages it covers; otherwise they are ``None``. Where the job has
    a real clip of the same sentence, that clip is transcribed too (``asr_counts_real``): the
    judge's own error rate on real speech, the floor the synthesis is measured against. Whisper
    also reports the language it hears in every clip it covers (``language_detected``,
    ``language_correct``, and ``language_correct_real`` for the real clip)."""
    from speech.audio.io import load_audio

    chosen = next((s for s in scorers if s.covers(job.language, texts)), None)
    judged = whisper is not None and whisper.covers(job.language)
    if chosen is not None:
        reference = chosen.reference_text(job.text, job.language)
        transcript, counts = _transcribe(chosen, wav, sample_rate, reference, job.language)
        job.result.update(cer=None if counts is None else counts.cer, wer=None if counts is None else counts.wer,
                          transcript=transcript, asr_counts=None if counts is None else asdict(counts),
                          asr_model=chosen.name)
        if job.reference:
            _, real_counts = _transcribe(chosen, *load_audio(job.reference), reference, job.language)
            job.result["asr_counts_real"] = None if real_counts is None else asdict(real_counts)
    elif not judged:
        job.result.update(cer=None, wer=None, transcript=None)
    if not judged:
        return
    if whisper is None:  # judged implies a judge; asserts vanish under python -O
        raise RuntimeError("internal error: a clip marked for the Whisper judge has no judge")
    score = whisper.score(wav, sample_rate, job.text, job.language)
    job.result.update(language_detected=score.transcription.language,
                      language_probability=score.transcription.language_probability,
                      language_correct=float(bool(score.language_correct)))
    if chosen is None:
        job.result.update(cer=score.cer, wer=score.wer, transcript=score.transcription.text,
                          asr_counts=asdict(score.counts), asr_model="whisper-base")
    if job.reference:
        real = whisper.score(*load_audio(job.reference), job.text, job.language)
        job.result["language_correct_real"] = float(bool(real.language_correct))
        if chosen is None:
            job.result.update(asr_counts_real=asdict(real.counts), transcript_real=real.transcription.text)


def _speaker_scores(job: Job, emb: np.ndarray, embeddings: dict[str, dict[str, np.ndarray]]) -> dict[str, float | None]:
    """:func:`speech.eval.tts.speaker_identification` of a job's output, its target voice's
    centroid made of its *other* clips (not the cloned-from ones, not the real clip of the sentence)."""
    exclude = [*job.clone_from, *([job.reference] if job.reference else [])]
    scores = speaker_identification(emb, job.voice, embeddings, exclude)
    if not scores:
        logger.warning("%s: voice %s has no clip besides the reference ones: no similarity", job.id, job.voice)
    return scores


def run_jobs(
    synth: Synthesizer,
    jobs: list[Job],
    real: CutSet,
    out_dir: str | Path,
    asr: ASRScorer | Sequence[ASRScorer] | None = None,
    whisper: WhisperJudge | None = None,
    dnsmos: bool = False,
) -> list[Job]:
    """Synthesise every job into ``out_dir`` and fill ``job.result`` with its metrics.

    Args:
        synth: the synthesizer.
        jobs: from :func:`build_jobs` (and :func:`build_real_jobs`).
        real: real clips of every evaluated voice (speaker centroids).
        out_dir: where the audio goes.
        asr: adds ``cer``/``wer`` (see :class:`ASRScorer`); with several models, each clip is
            scored by the first that covers its language; ``None`` skips them.
        whisper: the Whisper judge (:func:`speech.eval.whisper.get_judge`): CER/WER where no
            ``asr`` model covers the language, and language identification of every clip.
        dnsmos: add DNSMOS of the output and of its real clip.
    """
    from speech.audio.io import load_audio
    from speech.eval.quality import DNSMOS
    from speech.eval.speaker import SpeakerEncoder

    out = Path(out_dir)
    encoder = SpeakerEncoder()
    embeddings = voice_embeddings(real, encoder.embed, keep={p for j in jobs for p in j.clone_from}
                                  | {j.reference for j in jobs if j.reference})
    mos = DNSMOS() if dnsmos else None
    scorers = [asr] if isinstance(asr, ASRScorer) else list(asr or [])
    texts: dict[str, list[str]] = defaultdict(list)
    for job in jobs:
        texts[job.language].append(job.text)
    for job in tqdm(jobs, desc="synthesise + score", unit="clip"):
        try:
            wav, sr = synth.synthesize(job.text, job.language, job.speaker, emotion=job.emotion)
        except (EmptyTextError, MarkupError, TextTooLongError) as e:
            # One unsayable prompt must not end an evaluation of hours; it is counted as failed.
            logger.warning("%s: not synthesised: %s", job.id, e)
            job.result["error"] = str(e)
            continue
        path = save_audio(out / job.set / f"{job.id}.wav", wav, sr)
        job.result["wav"] = str(path)
        job.result["duration"] = len(wav) / sr
        if scorers or whisper is not None:
            # Judged as saved (16-bit), as a listener gets it.
            score_intelligibility(job, *load_audio(path), scorers, texts[job.language], whisper)
        if mos is not None:
            job.result.update(dnsmos_metrics(mos, wav, sr))
            if job.reference:
                job.result["dnsmos_ovrl_real"] = dnsmos_metrics(mos, *load_audio(job.reference))["dnsmos_ovrl"]
        if job.set == "emotion":
            mel = synth._mel(torch.from_numpy(wav)).unsqueeze(0)
            probs = synth.model.classify_emotion(mel, torch.tensor([mel.size(-1)]))[0]
            job.result["emotion_predicted"] = synth.emotions[int(probs.argmax())]
            job.result["emotion_correct"] = float(job.result["emotion_predicted"] == job.emotion)
            continue
        if job.voice in embeddings:
            # A band-limited voice (8 kHz prompts) is compared with the output through the same band.
            heard, heard_sr = (resample(wav, sr, job.band_rate), job.band_rate) if job.band_rate else (wav, sr)
            emb = encoder.embed(heard, heard_sr)
            job.result.update(_speaker_scores(job, emb / np.linalg.norm(emb), embeddings))
        if job.reference and job.band_rate is None:
            try:
                job.result["mcd"] = spectral_metrics(wav, sr, *load_audio(job.reference))["mcd"]
            except ValueError as e:
                logger.warning("no MCD for %s: %s", job.id, e)
    return jobs


def summarise(jobs: list[Job]) -> dict[str, dict[str, float | None]]:
    """Mean of each metric per evaluation set (and the number of clips, and of ``failed`` jobs:
    texts the synthesizer refused, left out of every mean).

    ``cer`` and ``wer`` are pooled over the set's scored clips (total edits / total reference
    length), and ``None`` where clips were transcribed but none is in a covered language.
    """
    table: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    counts: dict[str, list[ErrorCounts]] = defaultdict(list)
    counts_real: dict[str, list[ErrorCounts]] = defaultdict(list)
    transcribed: set[str] = set()
    for job in jobs:
        if "error" in job.result:
            table[job.set]["failed"].append(1.0)
            continue
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
        s: {k: (float(np.sum(v)) if k in ("clips", "failed") else float(np.mean(v))) for k, v in metrics.items()}
        for s, metrics in table.items()
    }
    for name in transcribed:
        total = pooled_counts(counts[name])
        summary[name]["cer"] = None if total is None else total.cer
        summary[name]["wer"] = None if total is None else total.wer
        real = pooled_counts(counts_real[name])
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


def summarise_by_language(jobs: list[Job]) -> dict[str, dict[str, dict[str, float | None]]]:
    """Per set and language: clips, judge, pooled ``cer`` against the real clips' ``cer_real``,
    ``language_correct`` and ``dnsmos_ovrl`` (means)."""
    groups: dict[tuple[str, str], list[Job]] = defaultdict(list)
    for job in jobs:
        if "error" not in job.result:
            groups[(job.set, job.language)].append(job)
    out: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for (name, language), group in sorted(groups.items()):
        row: dict[str, Any] = {"clips": float(len(group))}
        judges = sorted({j.result["asr_model"] for j in group if j.result.get("asr_model")})
        row["judge"] = ", ".join(judges) or None
        for key, field_name in (("cer", "asr_counts"), ("cer_real", "asr_counts_real")):
            total = pooled_counts([ErrorCounts(**j.result[field_name]) for j in group if j.result.get(field_name)])
            row[key] = None if total is None else total.cer
        for key in ("language_correct", "dnsmos_ovrl"):
            vals = [j.result[key] for j in group if isinstance(j.result.get(key), float)]
            row[key] = float(np.mean(vals)) if vals else None
        out[name][language] = row
    return dict(out)


#: The evaluation sets, in the order tables show them.
SETS: tuple[str, ...] = ("in_language", "cross_lingual", "zero_shot", "emotion", "real_in_language", "real_cross_lingual")


def language_table(by_language: dict[str, dict[str, dict[str, dict[str, Any]]]]) -> str:
    """Markdown: per model, set and language, the judge's CER of the output against that of the real clips."""
    cols = ["clips", "judge", "cer", "cer_real", "language_correct", "dnsmos_ovrl"]
    table = "| model | set | language | " + " | ".join(cols) + " |\n|" + "---|" * (len(cols) + 3) + "\n"
    for model, sets in by_language.items():
        for name in SETS:
            for language, row in sorted(sets.get(name, {}).items()):
                cells = []
                for c in cols:
                    v = row.get(c)
                    cells.append("" if v is None else v if isinstance(v, str) else f"{v:.0f}" if c == "clips" else f"{v:.3f}")
                table += f"| {model} | {name} | {language} | " + " | ".join(cells) + " |\n"
    return table


def markdown_table(summaries: dict[str, dict[str, dict[str, float]]]) -> str:
    """One row per (model, set): the figures a model card and RESULTS.md show."""
    cols = ["clips", "sim_target", "sim_other", "speaker_id_correct", "mcd", "emotion_correct"]
    present = {k for sets in summaries.values() for metrics in sets.values() for k in metrics}
    if "cer" in present:
        cols += ["cer", "wer", "cer_real"]
    cols += [c for c in ("language_correct", "dnsmos_ovrl", "dnsmos_ovrl_real", "failed") if c in present]
    head = "| model | set | " + " | ".join(cols) + " |\n|" + "---|" * (len(cols) + 2) + "\n"
    rows = []
    for model, sets in summaries.items():
        for name in SETS:
            if name in sets:
                vals = [sets[name].get(c) for c in cols]
                cells = ["" if v is None else (f"{v:.0f}" if c in ("clips", "failed") else f"{v:.3f}") for c, v in zip(cols, vals)]
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
    whisper: WhisperJudge | None = None,
    dnsmos: bool = False,
    real_speakers: CutSet | None = None,
    real_per_voice: int | None = None,
    centroid_cuts: CutSet | None = None,
    voices: int | None = None,
) -> dict[str, dict[str, float | None]]:
    """Build the jobs, run them, write ``results.json`` (per clip) and return the summary.

    Args:
        synth: the synthesizer.
        test: the corpus's test cuts (training voices, unseen sentences).
        heldout: its held-out voices (the zero-shot set), or ``None``.
        out_dir: audio, ``results.json`` (summary, per-language summary, every clip).
        per_voice: sentences per voice and set.
        seed: decides the sentences.
        asr: our ASR models for CER/WER (see :class:`ASRScorer`).
        cross_languages: limits the other languages each voice speaks (see :func:`build_jobs`).
        whisper: the Whisper judge (CER where ``asr`` does not cover a language, language id).
        dnsmos: add DNSMOS.
        real_speakers: real recordings (e.g. the Asterisk prompts) for the ``real_*`` zero-shot sets.
        real_per_voice: prompts per real speaker and language (default: ``per_voice``).
        centroid_cuts: more real clips of the corpus voices for their centroids (e.g. the dev split).
        voices: at most this many training voices (see :func:`build_jobs`).
    """
    jobs = build_jobs(test, heldout, synth, per_voice, seed, cross_languages, voices)
    real = test if heldout is None else test + heldout
    if centroid_cuts is not None:
        real = real + centroid_cuts
    if real_speakers is not None:
        jobs += build_real_jobs(real_speakers, synth, Path(out_dir) / "references",
                                real_per_voice or per_voice, seed)
        real = real + real_speakers
    run_jobs(synth, jobs, real, out_dir, asr, whisper=whisper, dnsmos=dnsmos)
    summary = summarise(jobs)
    by_language = summarise_by_language(jobs)
    atomic_write_text(
        Path(out_dir) / "results.json",
        json.dumps({"summary": summary, "by_language": by_language, "clips": [asdict(j) for j in jobs]},
                   indent=1, ensure_ascii=False),
    )
    return summary


#: The sets two models are compared on clip by clip (both clone the voice from the same clips).
CLONED_SETS: tuple[str, ...] = ("zero_shot", "real_in_language", "real_cross_lingual")


def _clip_mean(clips: list[dict[str, Any]], key: str) -> float | None:
    vals = [c["result"][key] for c in clips if isinstance(c["result"].get(key), (int, float))]
    return float(np.mean(vals)) if vals else None


def _clip_cer(clips: list[dict[str, Any]], field_name: str = "asr_counts") -> float | None:
    total = pooled_counts([ErrorCounts(**c["result"][field_name]) for c in clips if c["result"].get(field_name)])
    return None if total is None else total.cer


def compare_on_common_clips(results: dict[str, dict[str, Any]]) -> str:
    """Markdown: the models of ``results`` (name -> a ``results.json``) on the cloned sets, each
    restricted to the clips *every* model made (same id: same voice, reference and sentence), so
    that a model speaking fewer languages is compared on what it can say."""
    by_model = {name: {c["id"]: c for c in r["clips"] if c["set"] in CLONED_SETS} for name, r in results.items()}
    common = set.intersection(*(set(clips) for clips in by_model.values())) if by_model else set()
    cols = ["sim_target", "sim_other", "speaker_id_correct", "cer", "language_correct", "dnsmos_ovrl"]
    table = "| set | clips | model | " + " | ".join(cols) + " |\n|" + "---|" * (len(cols) + 3) + "\n"
    for name in CLONED_SETS:
        ids = sorted(i for i in common if next(iter(by_model.values()))[i]["set"] == name)
        if not ids:
            continue
        for model, clips in by_model.items():
            chosen = [clips[i] for i in ids]
            vals = {c: (_clip_cer(chosen) if c == "cer" else _clip_mean(chosen, c)) for c in cols}
            cells = ["" if v is None else f"{v:.3f}" for v in vals.values()]
            table += f"| {name} | {len(ids)} | {model} | " + " | ".join(cells) + " |\n"
    return table


def target_figures(result: dict[str, Any]) -> dict[str, Any]:
    """The figures the synthesizer's targets are stated in, from one model's ``results.json``:

    - ``cross_to_in_similarity``: mean ``sim_target`` of cross-lingual clips over that of
      in-language clips, per voice (then averaged over voices), for corpus and real voices;
    - ``cer_gap``: per language, the output's pooled CER minus the real clips' on the same
      in-language sentences (the teacher's floor), in points;
    - ``language_id_cross``: share of cross-lingual outputs whose detected language is the requested one.
    """
    clips = result["clips"]
    out: dict[str, Any] = {}
    for label, same, cross in (("corpus", "in_language", "cross_lingual"),
                               ("real", "real_in_language", "real_cross_lingual")):
        per_voice: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        for c in clips:
            sim = c["result"].get("sim_target")
            if c["set"] in (same, cross) and isinstance(sim, (int, float)):
                per_voice[c["voice"]][c["set"]].append(float(sim))
        ratios = [np.mean(v[cross]) / np.mean(v[same]) for v in per_voice.values() if v[same] and v[cross]]
        out[f"cross_to_in_similarity_{label}"] = float(np.mean(ratios)) if ratios else None
    gaps: dict[str, float] = {}
    in_lang: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in clips:
        if c["set"] == "in_language":
            in_lang[c["language"]].append(c)
    for language, group in sorted(in_lang.items()):
        ours, floor = _clip_cer(group), _clip_cer(group, "asr_counts_real")
        if ours is not None and floor is not None:
            gaps[language] = 100.0 * (ours - floor)
    out["cer_gap"] = gaps
    crossed = [c for c in clips if c["set"] in ("cross_lingual", "real_cross_lingual")]
    out["language_id_cross"] = _clip_mean(crossed, "language_correct")
    return out
