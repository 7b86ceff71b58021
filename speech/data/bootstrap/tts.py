"""The bootstrap TTS corpus: many synthetic voices, each speaking only its own language.

Layout of ``out_dir``::

    wavs/<language>/<voice id>/<utterance id>.wav     22 050 Hz, 16-bit mono, trimmed, -20 LUFS
    bootstrap_tts_{recordings,supervisions}_{train,dev,test,heldout}.jsonl.gz
    bootstrap_tts_build.json                           seed + format version (checked on resume)
    bootstrap_tts_info.json                            voices, counts, hours, build time

Sentences are split into train / dev / test (:func:`~speech.data.bootstrap.sentences.assign_splits`),
so no test sentence is ever spoken in training. One voice per language
(:data:`~speech.data.bootstrap.voices.HELDOUT_VOICES`) speaks only in the ``heldout`` split: a
speaker the synthesiser never saw, for zero-shot voice-cloning tests.

Each (voice, sentence) pair is spoken once, in an emotion style drawn from the seed (40 % neutral,
15 % each of happy, sad, angry, surprised), so every voice covers every style and every sentence
is heard in several styles across voices.

Example:
    >>> cfg = TTSBootstrapConfig(out_dir="corpus", langs=["en", "es"], size="small")  # doctest: +SKIP
    >>> report = build_tts_corpus(cfg)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Literal

from speech.data.bootstrap.corpus import PlannedUtterance, prepare_out_dir, write_info, write_manifests
from speech.data.bootstrap.functional import utterance_rng
from speech.data.bootstrap.sentences import assign_splits, load_sentences, sentence_id
from speech.data.bootstrap.styles import STYLES, pick_emotion
from speech.data.bootstrap.synthesis import SAMPLE_RATE, UtteranceJob, run_jobs
from speech.data.bootstrap.voices import HELDOUT_VOICES, TTS_VOICES, Voice, check_voices, resolve_languages
from speech.data.manifests import EMOTIONS

logger = logging.getLogger(__name__)

CORPUS = "bootstrap_tts"
Size = Literal["small", "full"]
Teacher = Literal["natural", "system"]
TEACHERS: tuple[str, ...] = ("natural", "system")

# Per teacher and size: sentences per training voice (None = all of the language's sentences),
# per held-out voice, and (natural) blends per Kokoro language and voices kept per language
# (None = all). The natural full build: 320 speakers, 15,220 utterances, 12.27 h (measured; about
# 3 h of wall time on 2 cores).
SIZE_PRESETS: dict[str, dict[str, dict[str, int | None]]] = {
    "system": {
        "small": {"sentences_per_voice": 3, "heldout_sentences": 2},
        "full": {"sentences_per_voice": None, "heldout_sentences": 40},
    },
    "natural": {
        "small": {"sentences_per_voice": 3, "heldout_sentences": 2, "blends": 2, "voices_per_language": 4},
        "full": {"sentences_per_voice": 50, "heldout_sentences": 30, "blends": None, "voices_per_language": None},
    },
}


@dataclass
class TTSBootstrapConfig:
    """Settings of a bootstrap TTS build.

    Attributes:
        out_dir: output directory (created; resumable).
        teacher: ``natural`` (Kokoro-82M voices and blends, SVOX Pico, system voices only for
            languages no natural engine speaks; see :mod:`~speech.data.bootstrap.natural`) or
            ``system`` (the 49 espeak-ng/flite/festival voices).
        langs: language codes or aliases; ``None`` = every language of the teacher.
        size: ``small`` (a few sentences per voice: CI, tests) or ``full`` (every sentence).
        seed: decides splits, emotion styles and their jitter; a directory keeps its seed.
        workers: worker processes.
        sentences_per_voice: overrides the size preset (``None`` = every sentence).
        heldout_sentences: overrides the size preset for held-out voices.
        emotions: styles to draw from.
        allow_missing_voices: build without voices that are not installed (warns) instead of
            failing.
        dev_fraction: share of sentences in dev.
        test_fraction: share of sentences in test.
        progress: show a progress bar.
    """

    out_dir: str
    teacher: Teacher = "natural"
    langs: list[str] | None = None
    size: Size = "small"
    seed: int = 0
    workers: int = 1
    sentences_per_voice: int | None = None
    heldout_sentences: int | None = None
    emotions: tuple[str, ...] = EMOTIONS
    allow_missing_voices: bool = False
    dev_fraction: float = 0.05
    test_fraction: float = 0.05
    progress: bool = True

    def __post_init__(self) -> None:
        if self.teacher not in TEACHERS:
            raise ValueError(f"teacher must be one of {', '.join(TEACHERS)}, got {self.teacher!r}")
        if self.size not in SIZE_PRESETS[self.teacher]:
            raise ValueError(f"size must be one of {', '.join(SIZE_PRESETS[self.teacher])}, got {self.size!r}")
        bad = [e for e in self.emotions if e not in STYLES]
        if bad or not self.emotions:
            raise ValueError(f"unknown emotion(s) {bad}; choose from {', '.join(STYLES)}")
        self.emotions = tuple(self.emotions)
        for name in ("sentences_per_voice", "heldout_sentences"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be >= 1, got {value}")
        if self.workers < 1:
            raise ValueError(f"workers must be >= 1, got {self.workers}")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TTSBootstrapConfig:
        """Build from a dict (e.g. parsed YAML); unknown keys are an error."""
        known = {f.name for f in fields(cls) if not f.name.startswith("_")}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown TTSBootstrapConfig key(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**data)

    def resolved(self, name: str) -> int | None:
        """A per-size setting: the explicit value if given, else the size preset's."""
        value = getattr(self, name, None)
        return value if value is not None else SIZE_PRESETS[self.teacher][self.size].get(name)


@dataclass
class BuildReport:
    """What a build did.

    Attributes:
        out_dir: where the corpus is.
        counts: supervisions per split.
        rendered: utterances synthesised by this run.
        skipped: utterances that already existed (resume).
        hours: total audio duration in hours.
        seconds: wall-clock build time of this run.
        voices: voice ids per language.
    """

    out_dir: str
    counts: dict[str, int]
    rendered: int
    skipped: int
    hours: float
    seconds: float
    voices: dict[str, list[str]]

    @property
    def total(self) -> int:
        """Number of supervisions over all splits."""
        return sum(self.counts.values())


def _pick(pool: list[str], n: int, offset: int) -> list[str]:
    """``n`` items of ``pool`` starting at ``offset`` (wrapping), without repeats."""
    if not pool or n <= 0:
        return []
    n = min(n, len(pool))
    return [pool[(offset + i) % len(pool)] for i in range(n)]


def select_sentences(splits: dict[str, list[str]], n: int | None, offset: int) -> list[tuple[str, str]]:
    """The (split, sentence) pairs one training voice speaks.

    ``n=None`` takes every sentence. Otherwise dev and test get their share (at least one each
    when ``n >= 3``), and ``offset`` rotates the choice so that different voices speak different
    sentences.
    """
    if n is None:
        return [(s, t) for s in ("train", "dev", "test") for t in splits[s]]
    total = sum(len(v) for v in splits.values())
    n = min(n, total)
    share = {s: (max(1, round(n * len(splits[s]) / total)) if n >= 3 and splits[s] else 0) for s in ("dev", "test")}
    share["train"] = n - share["dev"] - share["test"]
    out = []
    for split in ("train", "dev", "test"):
        out.extend((split, t) for t in _pick(splits[split], share[split], offset * max(share[split], 1)))
    return out


def plan_tts(config: TTSBootstrapConfig, voices_by_lang: dict[str, list[Voice]],
             heldout_ids: frozenset[str] = HELDOUT_VOICES) -> list[PlannedUtterance]:
    """Every utterance of the build, deterministically from ``config.seed`` (pure: no I/O besides
    reading the sentence lists). ``heldout_ids`` are the voices that speak only in ``heldout``."""
    out_dir = Path(config.out_dir).resolve()
    per_voice = config.resolved("sentences_per_voice")
    per_heldout = config.resolved("heldout_sentences")
    planned: list[PlannedUtterance] = []
    for lang, voices in voices_by_lang.items():
        splits = assign_splits(load_sentences(lang), config.seed, config.dev_fraction, config.test_fraction)
        training = [v for v in voices if v.id not in heldout_ids]
        heldout = [v for v in voices if v.id in heldout_ids]
        choices: list[tuple[Voice, str, str]] = []
        for k, voice in enumerate(training):
            choices += [(voice, split, text) for split, text in select_sentences(splits, per_voice, k)]
        # Held-out voices read test sentences first: their texts are then unseen as well.
        order = splits["test"] + splits["dev"] + splits["train"]
        for k, voice in enumerate(heldout):
            choices += [(voice, "heldout", text) for text in _pick(order, per_heldout or 0, k * (per_heldout or 0))]
        for voice, split, text in choices:
            sid = sentence_id(text)
            rng = utterance_rng(config.seed, voice.id, sid)
            emotion = pick_emotion(rng, config.emotions)
            style = STYLES[emotion].jittered(rng)
            uid = f"{voice.id}_{sid}_{emotion}"
            path = out_dir / "wavs" / lang / voice.id / f"{uid}.wav"
            job = UtteranceJob(id=uid, voice=voice, text=text, style=style, path=str(path), seed=config.seed)
            custom: dict[str, Any] = {"sentence_id": sid}
            if voice.engine == "kokoro":
                custom["voice_mix"] = [[name, weight] for name, weight in voice.mix]
            planned.append(PlannedUtterance(job, split, custom))
    return planned


def teacher_voices(config: TTSBootstrapConfig) -> tuple[dict[str, tuple[Voice, ...]], frozenset[str]]:
    """Every voice of the config's teacher and size by language, and the held-out voice ids.

    The natural ``small`` size keeps the first ``voices_per_language`` Kokoro voices of each
    language, its first ``blends`` blends and every other engine's voices; held-out voices among
    them stay held out.
    """
    if config.teacher == "system":
        return dict(TTS_VOICES), HELDOUT_VOICES
    from speech.data.bootstrap.natural import EXTRA_TTS_BLENDS, FULL_BLENDS, natural_registry

    blends = config.resolved("blends")
    total = {lang: n + EXTRA_TTS_BLENDS.get(lang, 0) for lang, n in FULL_BLENDS.items()}
    counts = tuple((lang, n if blends is None else min(n, blends)) for lang, n in total.items())
    voices, heldout = natural_registry(counts)
    keep = config.resolved("voices_per_language")
    if keep is not None:
        def trimmed(vs: tuple[Voice, ...]) -> tuple[Voice, ...]:
            pure = [v for v in vs if v.engine == "kokoro" and len(v.mix) == 1]
            # Keep the held-out pure voice among the few, so small builds test zero-shot too.
            chosen = [v for v in pure if v.id in heldout][:1]
            chosen += [v for v in pure if v.id not in heldout][: keep - len(chosen)]
            return tuple(v for v in vs if v in chosen or v not in pure)
        voices = {lang: trimmed(vs) for lang, vs in voices.items()}
    return voices, heldout


def tts_voices(langs: list[str], allow_missing: bool = False,
               registry: dict[str, tuple[Voice, ...]] | None = None,
               heldout_ids: frozenset[str] = HELDOUT_VOICES) -> dict[str, list[Voice]]:
    """The installed voices of each language (see :func:`~speech.data.bootstrap.voices.check_voices`).

    Args:
        langs: canonical language codes.
        allow_missing: drop missing voices (with a warning) instead of failing.
        registry: voices by language (default: the system voices).
        heldout_ids: ids of held-out voices (a language needs a voice that is not one).

    Raises:
        VoiceUnavailableError: voices are missing (and not allowed to be), or a language is left
            without a training voice.
    """
    from speech.data.bootstrap.errors import VoiceUnavailableError

    registry = TTS_VOICES if registry is None else registry
    out: dict[str, list[Voice]] = {}
    for lang in langs:
        usable = check_voices(registry[lang], allow_missing=allow_missing)
        if len([v for v in usable if v.id not in heldout_ids]) < 1:
            raise VoiceUnavailableError(f"no training voice of {lang} is installed")
        out[lang] = usable
    return out


def build_tts_corpus(config: TTSBootstrapConfig) -> BuildReport:
    """Synthesise (or finish) the bootstrap TTS corpus and write its manifests.

    Raises:
        UnknownLanguageError: a language without bootstrap voices.
        VoiceUnavailableError: a voice program or voice is not installed.
        OutputDirError: ``out_dir`` holds a build with another seed.
        SynthesisError: a voice failed on a sentence.
    """
    start = time.perf_counter()
    registry, heldout_ids = teacher_voices(config)
    langs = resolve_languages(config.langs, list(registry))
    voices = tts_voices(langs, config.allow_missing_voices, registry, heldout_ids)
    out_dir = Path(config.out_dir)
    # The system teacher's directories predate the field; only the natural one records it.
    settings: dict[str, Any] = {"seed": config.seed}
    if config.teacher != "system":
        settings["teacher"] = config.teacher
    prepare_out_dir(out_dir, CORPUS, settings)
    planned = plan_tts(config, voices, heldout_ids)
    logger.info("bootstrap TTS: %d utterances, %d voices, %d languages", len(planned),
                sum(map(len, voices.values())), len(voices))
    rendered, skipped = run_jobs([p.job for p in planned], config.workers, desc="bootstrap-tts",
                                 progress=config.progress)
    counts, hours = write_manifests(planned, CORPUS, out_dir)
    seconds = time.perf_counter() - start
    report = BuildReport(str(out_dir), counts, rendered, skipped, hours, seconds,
                         {lang: [v.id for v in vs] for lang, vs in voices.items()})
    write_info(out_dir, CORPUS, {
        "corpus": CORPUS,
        "sample_rate": SAMPLE_RATE,
        "config": asdict(config),
        "counts": counts,
        "hours": round(hours, 3),
        "build_seconds_last_run": round(seconds, 1),
        "rendered_last_run": rendered,
        "engines_by_language": {lang: sorted({v.engine for v in vs}) for lang, vs in voices.items()},
        "speakers": {"train": sum(v.id not in heldout_ids for vs in voices.values() for v in vs),
                     "heldout": sum(v.id in heldout_ids for vs in voices.values() for v in vs)},
        "voices": [
            {"id": v.id, "speaker": v.speaker, "engine": v.engine, "engine_voice": v.name,
             "language": v.language, "gender": v.gender, "heldout": v.id in heldout_ids,
             **({"mix": [[n, w] for n, w in v.mix]} if v.mix else {})}
            for vs in voices.values() for v in vs
        ],
        "styles": {name: style.to_dict() for name, style in STYLES.items() if name in config.emotions},
    })
    return report

