"""The bootstrap SLU corpus: spoken smart-home commands in the Fluent Speech Commands schema.

Fluent Speech Commands (FSC; Lugosch et al., 2019) labels each utterance with three slots,
``action``, ``object`` and ``location``; their 31 combinations are the intents
(:data:`FSC_INTENTS`). This corpus keeps those labels exactly and speaks them in several languages
(``slu_phrases/<code>.yaml``: at least 25 phrasings per intent and language, written for this
project), so an SLU model trained on one language can be tested on another with the same labels.

Speakers are disjoint between train, dev and test. A speaker here is a *person*: an espeak-ng
variant (which has the same timbre in every language), or one flite/festival recording; each
person is drawn into one split for all languages, so a cross-lingual test never hears a training
timbre.

With ``teacher="natural"`` the speakers are Kokoro-82M voices and their seeded blends in
English, Spanish and French (each blend a speaker of its own, recorded with its parents and
weights in ``custom["voice_mix"]``), and SVOX Pico plus espeak-ng variants in German; every
natural speaker speaks one language, so its split is drawn per language.

Phrasings are split too (:func:`split_phrasings`): a seeded fifth of each intent's phrasings (at
least three) is never spoken in train, dev or test; the split ``test_phrasing`` has the test
speakers read only those, to measure whether a model understands wordings it never heard.

Layout of ``out_dir``::

    wavs/slu/<language>/<voice>/<id>.wav      (+ <id>_aug.wav with --augment)
    wavs/asr/<language>/<voice>/<id>.wav
    bootstrap_slu_{recordings,supervisions}_{train,dev,test,test_phrasing}.jsonl.gz
    bootstrap_asr_{recordings,supervisions}_{train,dev,test}.jsonl.gz
    bootstrap_slu_build.json, bootstrap_slu_info.json

Each SLU supervision has ``custom["intent"] = {"action", "object", "location"}``. The ASR subset
(:data:`ASR_CORPUS`) reads the TTS sentence lists with the TTS training voices: text and audio for
pre-training a speech encoder, in the command languages and more.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Literal

import yaml

from speech.data.bootstrap.corpus import PlannedUtterance, prepare_out_dir, write_info, write_manifests
from speech.data.bootstrap.errors import SentenceFileError, VoiceUnavailableError
from speech.data.bootstrap.functional import utterance_rng
from speech.data.bootstrap.sentences import assign_splits, load_sentences, sentence_id
from speech.data.bootstrap.styles import STYLES, pick_emotion
from speech.data.bootstrap.synthesis import AugmentSpec, UtteranceJob, run_jobs
from speech.data.bootstrap.tts import select_sentences
from speech.data.bootstrap.voices import (
    HELDOUT_VOICES,
    TTS_VOICES,
    Voice,
    check_voices,
    resolve_languages,
    slu_voices,
)
from speech.data.manifests import EMOTIONS

logger = logging.getLogger(__name__)

CORPUS = "bootstrap_slu"
ASR_CORPUS = "bootstrap_asr"
PHRASE_DIR = Path(__file__).with_name("slu_phrases")
LOCATIONS: tuple[str, ...] = ("kitchen", "bedroom", "washroom")
AUGMENTATIONS: tuple[str, ...] = ("noise", "speed", "reverb")

# The 31 intents of Fluent Speech Commands, as (action, object, location).
FSC_INTENTS: tuple[tuple[str, str, str], ...] = (
    ("change language", "none", "none"),
    ("change language", "Chinese", "none"),
    ("change language", "Korean", "none"),
    ("change language", "English", "none"),
    ("change language", "German", "none"),
    ("activate", "music", "none"),
    ("deactivate", "music", "none"),
    ("activate", "lights", "none"),
    ("deactivate", "lights", "none"),
    *(("activate", "lights", loc) for loc in LOCATIONS),
    *(("deactivate", "lights", loc) for loc in LOCATIONS),
    ("activate", "lamp", "none"),
    ("deactivate", "lamp", "none"),
    ("increase", "volume", "none"),
    ("decrease", "volume", "none"),
    ("increase", "heat", "none"),
    ("decrease", "heat", "none"),
    *(("increase", "heat", loc) for loc in LOCATIONS),
    *(("decrease", "heat", loc) for loc in LOCATIONS),
    ("bring", "newspaper", "none"),
    ("bring", "juice", "none"),
    ("bring", "socks", "none"),
    ("bring", "shoes", "none"),
)

SPLIT_SHARES: dict[str, float] = {"train": 0.6, "dev": 0.2, "test": 0.2}
# Test speakers reading phrasings that train/dev never use: does the model understand new wordings?
PHRASING_SPLIT = "test_phrasing"
HELDOUT_PHRASING_SHARE = 0.2
HELDOUT_PHRASING_MIN = 3

SIZE_PRESETS: dict[str, dict[str, int | None]] = {
    # speakers_per_split: cap per language and split (None = all); per_speaker: utterances each;
    # natural teacher: Kokoro blends per language and pure Kokoro voices kept (None = all).
    "small": {"train_speakers": 2, "eval_speakers": 1, "per_speaker": 16, "asr_sentences_per_voice": 3,
              "blends": 3, "kokoro_voices": 2},
    "full": {"train_speakers": None, "eval_speakers": None, "per_speaker": 93, "asr_sentences_per_voice": 60,
             "blends": None, "kokoro_voices": None},
}
Teacher = Literal["system", "natural"]
TEACHERS: tuple[str, ...] = ("system", "natural")


def intent_key(intent: tuple[str, str, str]) -> str:
    """``"action|object|location"``, the key used in phrase files."""
    return "|".join(intent)


def _read_phrase_file(language: str, path: Path | None) -> dict[tuple[str, str, str], list[tuple[str, str]]]:
    """Every FSC intent's phrasings as ``(template key, text)`` pairs, locations expanded.

    The template key is the intent key as written in the file plus the unexpanded phrase, so the
    three locations of one ``{in}`` template share it (see :func:`split_phrasings`).
    """
    from speech.text.languages import get_language

    p = path or PHRASE_DIR / f"{get_language(language).code}.yaml"
    if not p.is_file():
        raise SentenceFileError(f"no SLU phrase file for {language}: {p}")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise SentenceFileError(f"{p} is not valid YAML: {e}") from e
    if not isinstance(data, dict) or not isinstance(data.get("intents"), dict):
        raise SentenceFileError(f"{p} must be a mapping with 'language', 'locations' and 'intents'")
    locations = data.get("locations") or {}
    if set(locations) != set(LOCATIONS):
        raise SentenceFileError(f"{p}: 'locations' must define exactly {', '.join(LOCATIONS)}")
    out: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
    for key, phrases in data["intents"].items():
        parts = str(key).split("|")
        if len(parts) != 3 or not isinstance(phrases, list) or not phrases:
            raise SentenceFileError(f"{p}: intent {key!r} must be 'action|object|location' with a list of phrases")
        action, obj, loc = parts
        for location in (LOCATIONS if loc == "*" else (loc,)):
            forms = locations[location] if loc == "*" else {}
            expanded = []
            for phrase in phrases:
                try:
                    text = str(phrase).format(**forms)
                except KeyError as e:
                    raise SentenceFileError(f"{p}: phrase {phrase!r} uses unknown placeholder {e}") from e
                expanded.append((f"{key}\x1f{phrase}", text[:1].upper() + text[1:]))
            if len({text for _, text in expanded}) != len(expanded):
                raise SentenceFileError(f"{p}: intent {key!r} repeats a phrase")
            out[(action, obj, location)] = expanded
    owner: dict[str, tuple[str, str, str]] = {}
    for intent, pairs in out.items():
        for _, text in pairs:
            if owner.setdefault(text.lower(), intent) != intent:
                raise SentenceFileError(f"{p}: phrase {text!r} is given for two intents, "
                                        f"{intent_key(owner[text.lower()])} and {intent_key(intent)}")
    missing = sorted(set(FSC_INTENTS) - set(out))
    extra = sorted(set(out) - set(FSC_INTENTS))
    if missing or extra:
        raise SentenceFileError(f"{p}: intents differ from Fluent Speech Commands; missing "
                                f"{[intent_key(i) for i in missing]}, unknown {[intent_key(i) for i in extra]}")
    return out


def load_phrases(language: str, path: Path | None = None) -> dict[tuple[str, str, str], list[str]]:
    """The phrasings of every FSC intent in ``language``, locations expanded.

    Raises:
        SentenceFileError: the file is missing or malformed, a location placeholder is unknown,
            or the intents are not exactly :data:`FSC_INTENTS` (the message lists the difference).
    """
    return {intent: [text for _, text in pairs] for intent, pairs in _read_phrase_file(language, path).items()}


@dataclass(frozen=True)
class PhrasingSplit:
    """The phrasings of one language, divided into those spoken in train/dev/test (``seen``) and
    those kept for the :data:`PHRASING_SPLIT` only (``heldout``); both keyed by FSC intent."""

    seen: dict[tuple[str, str, str], list[str]]
    heldout: dict[tuple[str, str, str], list[str]]


def split_phrasings(language: str, seed: int, share: float = HELDOUT_PHRASING_SHARE,
                    minimum: int = HELDOUT_PHRASING_MIN, path: Path | None = None) -> PhrasingSplit:
    """Hold out a seeded share of each intent's phrasings, never to be spoken in train or dev.

    Phrasings are ranked by a hash of (seed, template) and the lowest ``max(minimum,
    round(share * n))`` of each intent are held out. A location template (``"Lights on {in}"``)
    is held out for all three rooms at once: otherwise the model would have heard the same
    wording with another room, and the held-out test would not measure new phrasings.

    Args:
        language: a language with an SLU phrase file.
        seed: the build seed; the same seed gives the same split.
        share: fraction of each intent's phrasings to hold out, in ``[0, 1)``.
        minimum: hold out at least this many per intent.
        path: read this phrase file instead of the packaged one.

    Returns:
        The seen and held-out phrasings, each list in file order.

    Raises:
        SentenceFileError: the phrase file is bad, or an intent has too few phrasings to hold out
            ``minimum`` and keep at least one for training.
        ValueError: ``share`` or ``minimum`` out of range.
    """
    if not 0 <= share < 1 or minimum < 0:
        raise ValueError(f"held-out phrasing share must be in [0, 1) and minimum >= 0, got {share}, {minimum}")
    seen: dict[tuple[str, str, str], list[str]] = {}
    heldout: dict[tuple[str, str, str], list[str]] = {}
    for intent, pairs in _read_phrase_file(language, path).items():
        n_held = max(minimum, round(share * len(pairs)))
        if n_held >= len(pairs):
            raise SentenceFileError(
                f"intent {intent_key(intent)} in {language} has {len(pairs)} phrasings: too few to hold "
                f"out {n_held} and keep some for training; write more phrasings or lower the share")
        ranked = sorted(pairs, key=lambda pair: float(utterance_rng(seed, "slu-phrasing", pair[0]).uniform()))
        held = {template for template, _ in ranked[:n_held]}
        seen[intent] = [text for template, text in pairs if template not in held]
        heldout[intent] = [text for template, text in pairs if template in held]
    return PhrasingSplit(seen, heldout)


def slu_languages() -> list[str]:
    """Languages with an SLU phrase file."""
    from speech.text.languages import language_codes

    return [code for code in language_codes() if (PHRASE_DIR / f"{code}.yaml").is_file()]


@dataclass
class SLUBootstrapConfig:
    """Settings of a bootstrap SLU build.

    Attributes:
        out_dir: output directory (created; resumable).
        teacher: ``system`` (espeak-ng variants, flite and festival voices) or ``natural``
            (Kokoro-82M voices and their blends for en, es and fr; SVOX Pico and espeak-ng
            variants for German; see :func:`slu_teacher_voices`).
        langs: command languages; ``None`` = every language with a phrase file (en, es, fr, de).
        size: ``small`` (2 train / 1 dev / 1 test speakers per language, 16 commands each) or
            ``full`` (every speaker, each intent 3 times).
        seed: decides speaker splits, phrasings, styles and augmentation.
        workers: worker processes.
        augment: augmentations of the added copy of each training utterance (``noise``,
            ``speed``, ``reverb``; empty = none).
        asr: build the ASR subset.
        asr_langs: its languages; ``None`` = the command languages plus Italian.
        allow_missing_voices: build without voices that are not installed.
        progress: show a progress bar.
        phrasing_share: share of each intent's phrasings held out for the
            :data:`PHRASING_SPLIT` (at least :data:`HELDOUT_PHRASING_MIN` per intent).
        commands_per_speaker: override the size preset's commands per train/dev/test speaker.
    """

    out_dir: str
    teacher: Teacher = "system"
    langs: list[str] | None = None
    size: Literal["small", "full"] = "small"
    seed: int = 0
    workers: int = 1
    augment: tuple[str, ...] = ()
    asr: bool = True
    asr_langs: list[str] | None = None
    allow_missing_voices: bool = False
    progress: bool = True
    phrasing_share: float = HELDOUT_PHRASING_SHARE
    commands_per_speaker: int | None = None

    def __post_init__(self) -> None:
        if self.teacher not in TEACHERS:
            raise ValueError(f"teacher must be one of {', '.join(TEACHERS)}, got {self.teacher!r}")
        if self.commands_per_speaker is not None and self.commands_per_speaker < 1:
            raise ValueError(f"commands_per_speaker must be >= 1, got {self.commands_per_speaker}")
        if not 0 < self.phrasing_share < 1:
            raise ValueError(f"phrasing_share must be between 0 and 1, got {self.phrasing_share}")
        if self.size not in SIZE_PRESETS:
            raise ValueError(f"size must be one of {', '.join(SIZE_PRESETS)}, got {self.size!r}")
        bad = [a for a in self.augment if a not in AUGMENTATIONS]
        if bad:
            raise ValueError(f"unknown augmentation(s) {bad}; choose from {', '.join(AUGMENTATIONS)}")
        self.augment = tuple(dict.fromkeys(self.augment))
        if self.workers < 1:
            raise ValueError(f"workers must be >= 1, got {self.workers}")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SLUBootstrapConfig:
        """Build from a dict (e.g. parsed YAML); unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown SLUBootstrapConfig key(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**data)


@dataclass
class SLUBuildReport:
    """What a build did: supervisions per corpus and split, hours, and timing."""

    out_dir: str
    counts: dict[str, dict[str, int]]
    rendered: int
    skipped: int
    hours: float
    seconds: float
    speakers: dict[str, dict[str, list[str]]]


def assign_speaker_splits(persons: list[str], seed: int) -> dict[str, str]:
    """Split persons into train / dev / test by :data:`SPLIT_SHARES` (at least one each when
    there are three or more), deterministically from ``seed``."""
    ordered = sorted(persons, key=lambda p: float(utterance_rng(seed, "slu-speaker", p).uniform()))
    n = len(ordered)
    n_dev = max(1, round(n * SPLIT_SHARES["dev"])) if n >= 3 else 0
    n_test = max(1, round(n * SPLIT_SHARES["test"])) if n >= 3 else 0
    out = {}
    for i, person in enumerate(ordered):
        out[person] = "dev" if i < n_dev else "test" if i < n_dev + n_test else "train"
    return out


def _augment_spec(kinds: tuple[str, ...], seed: int, uid: str) -> AugmentSpec:
    rng = utterance_rng(seed, "augment-spec", uid)
    # A random non-empty subset of the requested kinds, so the copies mix conditions.
    chosen = [k for k in kinds if rng.uniform() < 0.6] or [kinds[int(rng.integers(len(kinds)))]]
    return AugmentSpec(
        speed=float(rng.choice([0.9, 1.1])) if "speed" in chosen else None,
        rt60_s=float(rng.uniform(0.2, 0.8)) if "reverb" in chosen else None,
        noise_snr_db=float(rng.uniform(5.0, 25.0)) if "noise" in chosen else None,
        noise_exponent=float(rng.choice([0.0, 1.0, 2.0])),
    )


def slu_teacher_voices(teacher: str, langs: list[str], size: str = "full") -> dict[str, list[Voice]]:
    """The candidate speakers of each command language for ``teacher`` (installed or not).

    ``system``: :func:`~speech.data.bootstrap.voices.slu_voices`. ``natural``: in a Kokoro
    language, the Kokoro voices of the natural registry and their seeded blends (each blend a
    speaker of its own, as in the TTS corpus; the ``small`` size keeps the first
    ``kokoro_voices`` voices and ``blends`` blends); elsewhere (German) the language's Pico
    voice plus the espeak-ng variants of the system teacher.
    """
    if teacher == "system":
        return {lang: slu_voices(lang) for lang in langs}
    from speech.data.bootstrap.natural import FULL_BLENDS, KOKORO_LANGUAGES, natural_registry

    preset = SIZE_PRESETS[size]
    cap = preset["blends"]
    registry, _ = natural_registry(tuple((lang, n if cap is None else min(n, cap)) for lang, n in FULL_BLENDS.items()))
    out: dict[str, list[Voice]] = {}
    for lang in langs:
        natural = registry.get(lang, ())
        if lang in KOKORO_LANGUAGES:
            pure = [v for v in natural if v.engine == "kokoro" and len(v.mix) == 1]
            keep = preset["kokoro_voices"]
            pure = pure if keep is None else pure[:keep]
            out[lang] = pure + [v for v in natural if v.engine == "kokoro" and len(v.mix) > 1]
        else:
            out[lang] = [v for v in natural if v.engine == "pico"] + slu_voices(lang)
    return out


def _person_splits(config: SLUBootstrapConfig, voices: dict[str, list[Voice]]) -> dict[str, dict[str, str]]:
    """The split of every person, per language.

    System voices: one draw over all languages, so an espeak-ng variant (one timbre in every
    language) sits in the same split everywhere. Natural voices: a draw per language, because
    every Kokoro voice and blend speaks one language only, and a global draw could leave a
    language with few speakers without a dev or test speaker.
    """
    if config.teacher == "system":
        split = assign_speaker_splits(sorted({v.identity for vs in voices.values() for v in vs}), config.seed)
        return {lang: split for lang in voices}
    return {lang: assign_speaker_splits(sorted({v.identity for v in vs}), config.seed) for lang, vs in voices.items()}


def _command_job(config: SLUBootstrapConfig, voice: Voice, lang: str, split: str, text: str,
                 intent: tuple[str, str, str]) -> PlannedUtterance:
    """One spoken command: its style, paths and (training only) augmentation."""
    out_dir = Path(config.out_dir).resolve()
    uid = f"{voice.id}_{sentence_id(text)}"
    style_rng = utterance_rng(config.seed, "slu-style", uid)
    emotion = pick_emotion(style_rng, EMOTIONS)
    style = STYLES[emotion].jittered(style_rng)
    base = out_dir / "wavs" / "slu" / lang / voice.id
    augment = _augment_spec(config.augment, config.seed, uid) if config.augment and split == "train" else None
    job = UtteranceJob(
        id=uid, voice=voice, text=text, style=style, path=str(base / f"{uid}.wav"),
        seed=config.seed, augment=augment,
        augment_path=str(base / f"{uid}_aug.wav") if augment else None)
    custom: dict[str, Any] = {"intent": {"action": intent[0], "object": intent[1], "location": intent[2]}}
    if voice.engine == "kokoro":
        custom["voice_mix"] = [[name, weight] for name, weight in voice.mix]
    return PlannedUtterance(job, split, custom)


def plan_slu(config: SLUBootstrapConfig, langs: list[str]) -> tuple[list[PlannedUtterance], dict[str, dict[str, list[str]]]]:
    """Every command utterance of the build, and the speakers of each language and split.

    Train, dev and test speak only the seen phrasings of :func:`split_phrasings`; the
    :data:`PHRASING_SPLIT` has the test speakers read the held-out ones, every intent
    ``max(1, round(per_speaker / 31))`` times per speaker, rotating through the held-out
    phrasings from one speaker to the next.
    """
    preset = SIZE_PRESETS[config.size]
    candidates = slu_teacher_voices(config.teacher, langs, config.size)
    voices = {lang: check_voices(candidates[lang], config.allow_missing_voices) for lang in langs}
    person_splits = _person_splits(config, voices)
    planned: list[PlannedUtterance] = []
    speakers: dict[str, dict[str, list[str]]] = {}
    for lang in langs:
        phrasings = split_phrasings(lang, config.seed, config.phrasing_share)
        by_split: dict[str, list[Voice]] = {"train": [], "dev": [], "test": []}
        for v in sorted(voices[lang], key=lambda v: float(utterance_rng(config.seed, "slu-order", v.id).uniform())):
            by_split[person_splits[lang][v.identity]].append(v)
        for split, vs in by_split.items():
            cap = preset["train_speakers"] if split == "train" else preset["eval_speakers"]
            by_split[split] = vs if cap is None else vs[:cap]
            if not by_split[split]:
                raise VoiceUnavailableError(f"no {split} speaker left for SLU language {lang}")
        speakers[lang] = {s: [v.speaker for v in vs] for s, vs in by_split.items()}
        speakers[lang][PHRASING_SPLIT] = list(speakers[lang]["test"])
        per_speaker = int(config.commands_per_speaker or preset["per_speaker"] or len(FSC_INTENTS))
        for split, vs in by_split.items():
            for k, voice in enumerate(vs):
                for j in range(per_speaker):
                    # Speaker k covers intents k*n ... k*n+n-1 (mod 31): contiguous speakers cover all.
                    intent = FSC_INTENTS[(k * per_speaker + j) % len(FSC_INTENTS)]
                    repeat = (k * per_speaker + j) // len(FSC_INTENTS)
                    options = phrasings.seen[intent]
                    rng = utterance_rng(config.seed, "slu", voice.id, intent_key(intent))
                    order = rng.permutation(len(options))
                    text = options[int(order[repeat % len(options)])]
                    planned.append(_command_job(config, voice, lang, split, text, intent))
        repeats = max(1, round(per_speaker / len(FSC_INTENTS)))
        for intent in FSC_INTENTS:
            options = phrasings.heldout[intent]
            order = utterance_rng(config.seed, "slu-heldout", lang, intent_key(intent)).permutation(len(options))
            for k, voice in enumerate(by_split["test"]):
                for r in range(repeats):
                    text = options[int(order[(k * repeats + r) % len(options)])]
                    planned.append(_command_job(config, voice, lang, PHRASING_SPLIT, text, intent))
    # The same phrasing can come up twice for one speaker (more utterances than phrasings).
    unique = {p.job.id: p for p in planned}
    return list(unique.values()), speakers


def plan_asr(config: SLUBootstrapConfig, langs: list[str]) -> list[PlannedUtterance]:
    """The ASR subset: TTS sentences read by the TTS training voices, split by sentence."""
    per_voice = SIZE_PRESETS[config.size]["asr_sentences_per_voice"]
    out_dir = Path(config.out_dir).resolve()
    planned: list[PlannedUtterance] = []
    for lang in langs:
        splits = assign_splits(load_sentences(lang), config.seed)
        voices = [v for v in check_voices(TTS_VOICES[lang], config.allow_missing_voices)
                  if v.id not in HELDOUT_VOICES]
        for k, voice in enumerate(voices):
            for split, text in select_sentences(splits, per_voice, k):
                sid = sentence_id(text)
                rng = utterance_rng(config.seed, "asr", voice.id, sid)
                emotion = pick_emotion(rng, EMOTIONS)
                uid = f"{voice.id}_{sid}"
                job = UtteranceJob(id=uid, voice=voice, text=text, style=STYLES[emotion].jittered(rng),
                                   path=str(out_dir / "wavs" / "asr" / lang / voice.id / f"{uid}.wav"),
                                   seed=config.seed)
                planned.append(PlannedUtterance(job, split, {"sentence_id": sid}))
    return planned


def build_slu_corpus(config: SLUBootstrapConfig) -> SLUBuildReport:
    """Synthesise (or finish) the bootstrap SLU corpus and its ASR subset; write manifests.

    Raises:
        UnknownLanguageError: a language without SLU phrases (or, for ASR, without voices).
        VoiceUnavailableError: a voice program or voice is not installed.
        OutputDirError: ``out_dir`` holds a build with another seed.
        SynthesisError: a voice failed on a phrase.
    """
    start = time.perf_counter()
    langs = resolve_languages(config.langs, slu_languages())
    asr_langs = resolve_languages(config.asr_langs, list(TTS_VOICES)) if config.asr_langs else \
        list(dict.fromkeys([*langs, "it"]))
    out_dir = Path(config.out_dir)
    planned, speakers = plan_slu(config, langs)
    asr_planned = plan_asr(config, asr_langs) if config.asr else []
    # Directories of the system teacher predate the field; only the natural one records it.
    settings: dict[str, Any] = {"seed": config.seed}
    if config.teacher != "system":
        settings["teacher"] = config.teacher
    prepare_out_dir(out_dir, CORPUS, settings)
    logger.info("bootstrap SLU: %d command utterances, %d ASR utterances", len(planned), len(asr_planned))
    rendered, skipped = run_jobs([p.job for p in planned + asr_planned], config.workers,
                                 desc="bootstrap-slu", progress=config.progress)
    counts: dict[str, dict[str, int]] = {}
    counts[CORPUS], hours = write_manifests(planned, CORPUS, out_dir)
    if asr_planned:
        counts[ASR_CORPUS], asr_hours = write_manifests(asr_planned, ASR_CORPUS, out_dir)
        hours += asr_hours
    seconds = time.perf_counter() - start
    write_info(out_dir, CORPUS, {
        "corpus": CORPUS,
        "config": asdict(config),
        "counts": counts,
        "hours": round(hours, 3),
        "build_seconds_last_run": round(seconds, 1),
        "intents": [dict(zip(("action", "object", "location"), i)) for i in FSC_INTENTS],
        "speakers": speakers,
        "engines_by_language": {lang: sorted({p.job.voice.engine for p in planned if p.job.voice.language == lang})
                                for lang in langs},
        "heldout_phrasings": {lang: {intent_key(i): texts for i, texts in
                                     split_phrasings(lang, config.seed, config.phrasing_share).heldout.items()}
                              for lang in langs},
        "asr_languages": asr_langs if config.asr else [],
    })
    return SLUBuildReport(str(out_dir), counts, rendered, skipped, hours, seconds, speakers)
