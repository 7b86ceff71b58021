"""Tiny copies of real corpora, built at test time, for the tests of :mod:`speech.data.corpora`.

Each ``make_<corpus>(root)`` writes a few utterances in the corpus's real directory layout and file
formats (same file names, metadata syntax, audio format and sample rate) and returns a
:class:`CorpusFixture` that says what a correct preparation must produce. English audio is spoken
by ``flite`` (voices slt, awb, rms), when it is installed; other languages, and English without
flite, get a speech-like signal (a harmonic voice with a moving pitch and syllable-rate envelope),
which is enough where the content does not matter.

Example:
    >>> fixture = make_ljspeech(tmp_path)  # doctest: +SKIP
    >>> prepare_corpus(fixture.corpus, fixture.root, tmp_path / "out", **fixture.options)  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import functools
import io
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

# flite voice per gender; awb and rms are both male, so two male speakers can sound different.
_FLITE_VOICES = {"f": ("slt",), "m": ("awb", "rms")}


@dataclass(frozen=True)
class Expected:
    """What the manifests must say about one utterance of a fixture.

    Attributes:
        split: the split it lands in.
        text: supervision text.
        speaker: speaker id (with the corpus prefix).
        language: canonical language code.
        gender: ``"m"``, ``"f"`` or ``None``.
        audio: the audio file the recording must point to.
        custom: entries that ``supervision.custom`` must contain (emotion, intent...).
    """

    split: str
    text: str
    speaker: str
    language: str
    gender: str | None
    audio: Path
    custom: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CorpusFixture:
    """A tiny corpus on disk and what preparing it must give.

    Attributes:
        corpus: the name to pass to :func:`speech.data.corpora.prepare_corpus`.
        root: the folder to pass as ``src_dir``.
        utterances: recording id -> expectations.
        options: corpus options to pass along.
    """

    corpus: str
    root: Path
    utterances: dict[str, Expected]
    options: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Expected number of utterances per split."""
        out: dict[str, int] = {}
        for e in self.utterances.values():
            out[e.split] = out.get(e.split, 0) + 1
        return out


# --------------------------------------------------------------------------------------------------
# Audio


@functools.lru_cache(maxsize=128)
def _flite(text: str, voice: str) -> tuple[np.ndarray, int]:
    from speech.data.bootstrap.engines import say

    wav, sr = say("flite", voice, text)
    wav.setflags(write=False)  # cached: callers must not modify it
    return wav, sr


def speech_like(text: str, sample_rate: int, seed: int = 0) -> np.ndarray:
    """A voice-like signal about as long as ``text`` takes to say: content-free, but not a pure tone.

    A glottal-like harmonic series (F0 gliding between 100 and 220 Hz) under a 4 Hz syllable
    envelope, with 50 ms of silence at both ends.
    """
    rng = np.random.default_rng(seed + len(text))
    seconds = float(np.clip(0.065 * len(text), 0.6, 4.0))
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    f0 = 100 + 120 * (0.5 + 0.5 * np.sin(2 * np.pi * rng.uniform(0.3, 0.8) * t + rng.uniform(0, np.pi)))
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    voice = sum(np.sin(k * phase) / k for k in range(1, 12))
    envelope = np.clip(np.sin(2 * np.pi * 4.0 * t + rng.uniform(0, np.pi)), 0, None) ** 0.7
    wav = 0.25 * voice * envelope + 0.003 * rng.standard_normal(t.size)
    pad = np.zeros(int(0.05 * sample_rate))
    return np.concatenate([pad, wav, pad]).astype(np.float32)


def utterance_audio(text: str, sample_rate: int, language: str = "en", gender: str | None = "f",
                    voice_index: int = 0) -> np.ndarray:
    """Audio for one fixture utterance: flite speech for English, :func:`speech_like` otherwise."""
    if language.startswith("en") and shutil.which("flite"):
        voices = _FLITE_VOICES.get(gender or "f", _FLITE_VOICES["f"])
        wav, sr = _flite(text, voices[voice_index % len(voices)])
        if sr != sample_rate:
            from speech.audio.io import resample

            wav = resample(np.array(wav), sr, sample_rate)  # a copy: the cached array is read-only
        return np.asarray(wav, dtype=np.float32)
    return speech_like(text, sample_rate, seed=voice_index)


def write_audio(path: Path, wav: np.ndarray, sample_rate: int) -> Path:
    """Write audio in the format its suffix names (WAV/FLAC 16-bit, MP3, OPUS)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".mp3":
        sf.write(str(path), wav, sample_rate, format="MP3", subtype="MPEG_LAYER_III")
    elif suffix == ".opus":
        sf.write(str(path), wav, sample_rate, format="OGG", subtype="OPUS")
    else:
        sf.write(str(path), wav, sample_rate, subtype="PCM_16")
    return path


def corrupt(path: Path, kind: str = "garbage") -> Path:
    """Damage an audio file the ways real corpora are damaged.

    Args:
        path: the file.
        kind: ``garbage`` (bytes that are not audio), ``empty`` (0 bytes) or ``truncated`` (the
            header and a few bytes of audio are left).
    """
    if kind == "garbage":
        path.write_bytes(b"this is not audio\n" * 20)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated":
        path.write_bytes(path.read_bytes()[:200])
    else:
        raise ValueError(f"kind must be garbage, empty or truncated, got {kind!r}")
    return path


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------------------------------
# Corpora with lhotse recipes


def make_ljspeech(root: Path) -> CorpusFixture:
    """``LJSpeech-1.1``: metadata.csv and 22,050 Hz wavs."""
    corpus = root / "LJSpeech-1.1"
    rows = [
        ("LJ001-0001", "Printing, in the only sense with which we are concerned, differs from the arts.",
         "Printing, in the only sense with which we are concerned, differs from the arts."),
        ("LJ001-0002", "The first books were printed in 1450.", "The first books were printed in fourteen fifty."),
        ("LJ002-0017", "Mr. Neild visited the prison twice.", "Mister Neild visited the prison twice."),
    ]
    _write(corpus / "metadata.csv", "".join(f"{i}|{t}|{n}\n" for i, t, n in rows))
    utts = {}
    for i, text, _ in rows:
        wav = write_audio(corpus / "wavs" / f"{i}.wav", utterance_audio(text, 22050, "en", "f"), 22050)
        utts[i] = Expected("all", text, "ljspeech_LJ", "en-us", "f", wav)
    return CorpusFixture("ljspeech", corpus, utts)


def make_vctk(root: Path) -> CorpusFixture:
    """``VCTK-Corpus-0.92``: speaker-info.txt, txt/ and 48 kHz FLAC for mic1 and mic2."""
    corpus = root / "VCTK-Corpus-0.92"
    speakers = [("p225", "23", "F", "English", "Southern  England"), ("p226", "22", "M", "English", "Surrey"),
                ("p294", "33", "F", "American", "San  Francisco")]
    _write(corpus / "speaker-info.txt", "ID  AGE  GENDER  ACCENTS  REGION COMMENTS \n"
           + "".join(f"{s}  {a}  {g}    {acc}    {r}\n" for s, a, g, acc, r in speakers))
    texts = ["Please call Stella.", "Ask her to bring these things with her from the store."]
    utts = {}
    for n, (spk, _, gender, accent, _) in enumerate(speakers):
        for k, text in enumerate(texts, 1):
            utt = f"{spk}_{k:03d}"
            _write(corpus / "txt" / spk / f"{utt}.txt", f"{text}\n")
            wav = utterance_audio(text, 48000, "en", gender.lower(), n)
            for mic in ("mic1", "mic2"):
                path = write_audio(corpus / "wav48_silence_trimmed" / spk / f"{utt}_{mic}.flac", wav, 48000)
            language = "en-us" if accent == "American" else "en-gb"
            utts[f"{utt}_mic2"] = Expected("all", text, f"vctk_{spk}", language, gender.lower(), path,
                                           {"accent": accent})
    return CorpusFixture("vctk", corpus, utts)


def make_libritts_r(root: Path) -> CorpusFixture:
    """``LibriTTS_R``: SPEAKERS.txt and two parts with trans.tsv / book.tsv and 24 kHz wavs."""
    corpus = root / "LibriTTS_R"
    _write(corpus / "SPEAKERS.txt", ";ID  |SEX| SUBSET           |MINUTES| NAME\n"
           "84   | F | dev-clean        | 8.02  | Christie Nowak\n"
           "1089 | M | test-clean       | 8.08  | Andrew Coleman\n")
    chapters = [
        ("dev-clean", "84", "121123", "f", [
            ("84_121123_000007_000001", "It was 1815.", "It was eighteen fifteen."),
            ("84_121123_000008_000000", "Villefort rose, half ashamed of being surprised.",
             "Villefort rose, half ashamed of being surprised."),
        ]),
        ("test-clean", "1089", "134686", "m", [
            ("1089_134686_000001_000001", "He hoped there would be stew for dinner.",
             "He hoped there would be stew for dinner."),
        ]),
    ]
    utts = {}
    for part, spk, chapter, gender, rows in chapters:
        folder = corpus / part / spk / chapter
        _write(folder / f"{spk}_{chapter}.trans.tsv", "".join(f"{i}\t{o}\t{n}\n" for i, o, n in rows))
        _write(folder / f"{spk}_{chapter}.book.tsv", "".join(f"{i}\t{o}\t{n}\ttrue\t21.5\n" for i, o, n in rows))
        for i, orig, norm in rows:
            _write(folder / f"{i}.original.txt", orig)
            _write(folder / f"{i}.normalized.txt", norm)
            wav = write_audio(folder / f"{i}.wav", utterance_audio(orig, 24000, "en", gender), 24000)
            utts[i] = Expected(part, orig, f"libritts_r_{spk}", "en-us", gender, wav, {"normalized_text": norm})
    return CorpusFixture("libritts_r", corpus, utts)


def make_mls(root: Path, opus: bool = False) -> CorpusFixture:
    """``mls_german`` and ``mls_polish``: metainfo.txt, per-split transcripts.txt and 16 kHz FLAC.

    Args:
        root: where to build it.
        opus: build the OPUS release instead (``mls_german_opus``... with ``.opus`` files).
    """
    corpus = root / "mls"
    suffix, ext = ("_opus", ".opus") if opus else ("", ".flac")
    data = {
        ("german", "de"): [
            ("train", "1844", "1484", "F", ["das ist ein kleiner test", "wir lesen heute ein buch"]),
            ("dev", "2422", "1535", "M", ["der zug kommt um acht uhr"]),
            ("test", "3037", "2023", "F", ["es regnet schon den ganzen tag"]),
        ],
        ("polish", "pl"): [
            ("train", "6892", "3450", "M", ["to jest bardzo dobra książka"]),
            ("dev", "9980", "8842", "F", ["jutro pojedziemy nad morze"]),
            ("test", "10087", "10027", "M", ["w lesie było cicho i ciemno"]),
        ],
    }
    utts = {}
    for (name, code), splits in data.items():
        lang_dir = corpus / f"mls_{name}{suffix}"
        meta = [" SPEAKER   |   GENDER   | PARTITION  |  MINUTES   |  BOOK ID   |   TITLE   |   CHAPTER   "]
        for split, spk, book, gender, texts in splits:
            meta.append(f"  {spk:<8}|     {gender}      | {split:^10} |   22.150   |    {book:<7} | Title | Chapter")
            lines = []
            for k, text in enumerate(texts):
                utt = f"{spk}_{book}_{k:06d}"
                lines.append(f"{utt}\t{text}\n")
                wav = write_audio(lang_dir / split / "audio" / spk / book / f"{utt}{ext}",
                                  utterance_audio(text, 16000, code, gender.lower(), k), 16000)
                utts[utt] = Expected(split, text, f"mls_{spk}", code, gender.lower(), wav)
            _write(lang_dir / split / "transcripts.txt", "".join(lines))
            segments = [f"{ln.split(chr(9))[0]}\thttp://archive.org/download/book.mp3\t0.0\t1.0\n" for ln in lines]
            _write(lang_dir / split / "segments.txt", "".join(segments))
        _write(lang_dir / "metainfo.txt", "\n".join(meta) + "\n")
    return CorpusFixture("mls", corpus, utts, {"opus": True} if opus else {})


_CV_COLUMNS = ["client_id", "path", "sentence_id", "sentence", "sentence_domain", "up_votes", "down_votes",
               "age", "gender", "accents", "variant", "locale", "segment"]


def make_commonvoice(root: Path, old_release: bool = False) -> CorpusFixture:
    """A Common Voice release with ``en`` and ``de``: split TSVs and 48 kHz MP3 clips.

    Args:
        root: where to build it.
        old_release: write TSVs without the ``variant`` column, like releases before 12.0.
    """
    corpus = root / "cv-corpus-17.0-2024-03-15"
    clients = {"en": [("a1f3" * 16, "male_masculine", "m"), ("9c0e" * 16, "female_feminine", "f"),
                      ("77b2" * 16, "", None)],
               "de": [("5d21" * 16, "female_feminine", "f"), ("e0c4" * 16, "male_masculine", "m")]}
    sentences = {
        "en": [("train", 0, "The quick brown fox jumps over the lazy dog."), ("train", 1, "Where is the nearest station?"),
               ("dev", 2, "She sells sea shells by the sea shore."), ("test", 0, "I will be there at seven.")],
        "de": [("train", 0, "Guten Morgen, wie geht es dir?"), ("dev", 1, "Das Wetter ist heute schön."),
               ("test", 1, "Ich trinke gern Kaffee.")],
    }
    columns = [c for c in _CV_COLUMNS if not (old_release and c == "variant")]
    utts = {}
    for lang, rows in sentences.items():
        code = {"en": "en-us", "de": "de"}[lang]
        tsvs: dict[str, list[dict[str, str]]] = {"train": [], "dev": [], "test": []}
        for n, (split, client, text) in enumerate(rows):
            client_id, gender_raw, gender = clients[lang][client]
            clip = f"common_voice_{lang}_{1000 + n}.mp3"
            wav = write_audio(corpus / lang / "clips" / clip,
                              utterance_audio(text, 48000, lang, gender or "f", client), 48000)
            tsvs[split].append({
                "client_id": client_id, "path": clip, "sentence_id": f"{n:064x}", "sentence": text,
                "sentence_domain": "", "up_votes": "2", "down_votes": "0", "age": "twenties" if gender else "",
                "gender": gender_raw, "accents": "", "variant": "", "locale": lang, "segment": "",
            })
            utts[Path(clip).stem] = Expected(split, text, f"commonvoice_{client_id}", code, gender, wav)
        for split, entries in {**tsvs, "validated": [r for v in tsvs.values() for r in v]}.items():
            lines = ["\t".join(columns)] + ["\t".join(r[c] for c in columns) for r in entries]
            _write(corpus / lang / f"{split}.tsv", "\n".join(lines) + "\n")
    return CorpusFixture("commonvoice", corpus, utts)


def make_aishell3(root: Path) -> CorpusFixture:
    """``data_aishell3``: spk-info.txt, content.txt, label_train-set.txt and 44.1 kHz wavs."""
    corpus = root / "data_aishell3"
    _write(corpus / "spk-info.txt",
           "# AISHELL-3 speaker info\n# speaker\tage group\tgender\taccent\n"
           "SSB0005\tA\tfemale\tnorth\nSSB0009\tB\tmale\tsouth\nSSB1831\tB\tfemale\tnorth\n")
    rows = {
        "train": [("SSB00050001", "广 州 女 大 学 生", "guang3 zhou1 nv3 da4 xue2 sheng1"),
                  ("SSB00090002", "我 们 去 公 园", "wo3 men5 qu4 gong1 yuan2")],
        "test": [("SSB18310001", "今 天 天 气 很 好", "jin1 tian1 tian1 qi4 hen3 hao3")],
    }
    genders = {"SSB0005": "f", "SSB0009": "m", "SSB1831": "f"}
    labels = ["# Mandarin prosody labels", "# id|pinyin|characters"]
    utts = {}
    for part, items in rows.items():
        content = []
        for utt, chars, pinyin in items:
            content.append(f"{utt}.wav\t" + " ".join(f"{c} {p}" for c, p in zip(chars.split(), pinyin.split())))
            if part == "train":
                labels.append(f"{utt}|{pinyin}|{chars}")
            spk = utt[:7]
            text = chars.replace(" ", "")
            wav = write_audio(corpus / part / "wav" / spk / f"{utt}.wav",
                              utterance_audio(text * 3, 44100, "cmn", genders[spk]), 44100)
            utts[utt] = Expected(part, text, f"aishell3_{spk}", "cmn", genders[spk], wav, {"pinyin": pinyin})
        _write(corpus / part / "content.txt", "\n".join(content) + "\n")
    _write(corpus / "train" / "label_train-set.txt", "\n".join(labels) + "\n")
    return CorpusFixture("aishell3", corpus, utts)


def make_fsc(root: Path) -> CorpusFixture:
    """``fluent_speech_commands_dataset``: split CSVs, speaker_demographics.csv and 16 kHz wavs."""
    corpus = root / "fluent_speech_commands_dataset"
    speakers = {"2BqVo8kVB2Skwgyb": "f", "4aGjX3AG5xcxeL7a": "m", "52XVOeXMXYuaElyw": "m"}
    rows = [
        ("train", "2BqVo8kVB2Skwgyb", "Turn on the lights", "activate", "lights", "none"),
        ("train", "2BqVo8kVB2Skwgyb", "Turn up the heat in the kitchen", "increase", "heat", "kitchen"),
        ("valid", "4aGjX3AG5xcxeL7a", "Switch off the lamp", "deactivate", "lamp", "none"),
        ("test", "52XVOeXMXYuaElyw", "Bring me my shoes", "bring", "shoes", "none"),
    ]
    demo = io.StringIO()
    writer = csv.writer(demo, lineterminator="\n")
    writer.writerow(["speakerId", "Self-reported fluency level ", "First Language spoken",
                     "Current language used for work/school", "gender", "ageRange"])
    for spk, gender in speakers.items():
        writer.writerow([spk, "native", "English (United States)", "English (United States)",
                         {"f": "female", "m": "male"}[gender], "22-40"])
    _write(corpus / "data" / "speaker_demographics.csv", demo.getvalue())
    tables: dict[str, list[list[str]]] = {"train": [], "valid": [], "test": []}
    utts = {}
    for n, (split, spk, text, action, obj, location) in enumerate(rows):
        uid = f"{n:08x}-4474-11e9-a9a5-5dbec3b8816a"
        rel = f"wavs/speakers/{spk}/{uid}.wav"
        wav = write_audio(corpus / rel, utterance_audio(text, 16000, "en", speakers[spk], n), 16000)
        tables[split].append([str(len(tables[split])), rel, spk, text, action, obj, location])
        ours = {"valid": "dev"}.get(split, split)
        utts[uid] = Expected(ours, text, f"fsc_{spk}", "en-us", speakers[spk], wav,
                             {"intent": {"action": action, "object": obj, "location": location}})
    for split, table in tables.items():
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["", "path", "speakerId", "transcription", "action", "object", "location"])
        writer.writerows(table)
        _write(corpus / "data" / f"{split}_data.csv", out.getvalue())
    return CorpusFixture("fsc", corpus, utts)


# --------------------------------------------------------------------------------------------------
# Corpora with our own parsers


_ESD_BLOCKS = {"Neutral": (0, "中立"), "Angry": (350, "生气"), "Happy": (700, "快乐"), "Sad": (1050, "伤心"),
               "Surprise": (1400, "惊喜")}
_ESD_EMOTIONS = {"Neutral": "neutral", "Angry": "angry", "Happy": "happy", "Sad": "sad", "Surprise": "surprised"}


def make_esd(root: Path, split_folders: bool = True) -> CorpusFixture:
    """``Emotion Speech Dataset``: a Mandarin (0001) and an English (0011) speaker, 16 kHz wavs.

    Args:
        root: where to build it.
        split_folders: put wavs in train/evaluation/test folders (the original release); without
            them (as some copies are), the split comes from the utterance number.
    """
    corpus = root / "Emotion Speech Dataset"
    sentences = {
        "0001": {1: "打远一看，它们的确很是美丽，", 21: "我们乘船漂游了三峡，真是刺激。",
                 51: "不管怎么说主队好象是志在夺魁。"},
        "0011": {1: "Author of the danger trail, Philip Steels, etc.", 21: "They went up to the dark mass.",
                 51: "I know it is not the truth."},
    }
    genders = {"0001": "f", "0011": "m"}
    # (emotion folder, number within the block): evaluation, test and train of Neutral, train of Angry.
    picks = [("Neutral", 1), ("Neutral", 21), ("Neutral", 51), ("Angry", 51)]
    utts = {}
    for speaker, texts in sentences.items():
        english = int(speaker) > 10
        lines = []
        for emotion, k in picks:
            offset, zh_label = _ESD_BLOCKS[emotion]
            utt = f"{speaker}_{offset + k:06d}"
            label = emotion if english else zh_label
            lines.append(f"{utt}\t{texts[k]}\t{label}")
            split = "dev" if k <= 20 else "test" if k <= 50 else "train"
            folder = corpus / speaker / emotion
            if split_folders:
                folder = folder / {"dev": "evaluation"}.get(split, split)
            wav = write_audio(folder / f"{utt}.wav",
                              utterance_audio(texts[k], 16000, "en" if english else "cmn", genders[speaker]), 16000)
            utts[utt] = Expected(split, texts[k], f"esd_{speaker}", "en-us" if english else "cmn",
                                 genders[speaker], wav, {"emotion": _ESD_EMOTIONS[emotion]})
        # Transcripts list every sentence id of the speaker, in order, as the real files do.
        _write(corpus / speaker / f"{speaker}.txt", "\n".join(sorted(lines)) + "\n")
    return CorpusFixture("esd", corpus, utts)


def make_slurp(root: Path) -> CorpusFixture:
    """The SLURP repository layout: dataset/slurp/*.jsonl, metadata.json, audio/slurp_{real,synth}."""
    corpus = root / "slurp"
    records = {
        "train": [
            (4318, "wake me up at ten", "wake me up at [time : ten]", "alarm", "set", "UA1",
             ["audio-1501756826.flac", "audio-1501756826-headset.flac"]),
            (3843, "order me chinese food", "order me [food_type : chinese] food", "takeaway", "order", "UB7",
             ["audio-1490201253-headset.flac"]),
        ],
        "devel": [
            (13804, "what is one american dollar in japanese yen",
             "what is one [currency_name : american dollar] in [currency_name : japanese yen]", "qa", "currency",
             "UC2", ["audio-1434542201-headset.flac"]),
        ],
        "test": [
            (16421, "how many unread emails do i have", "how many unread emails do i have", "email", "query", "UD4",
             ["audio-1499695168.flac"]),
        ],
        "train_synthetic": [
            (4401, "set an alarm for seven am", "set an alarm for [time : seven am]", "alarm", "set", None,
             ["audio-1555234235.flac"]),
        ],
    }
    metadata: dict[str, Any] = {}
    utts = {}
    for name, items in records.items():
        lines = []
        folder = "slurp_synth" if name == "train_synthetic" else "slurp_real"
        split = {"devel": "dev"}.get(name, name)
        for slurp_id, sentence, annotation, scenario, action, user, files in items:
            lines.append(json.dumps({
                "slurp_id": slurp_id, "sentence": sentence, "sentence_annotation": annotation,
                "intent": f"{scenario}_{action}", "action": action,
                "tokens": [{"surface": w, "id": i, "lemma": w, "pos": "NN"} for i, w in enumerate(sentence.split())],
                "scenario": scenario,
                "recordings": [{"file": f, "wer": 0.0, "ent_wer": 0.0, "status": "correct"} for f in files],
                "entities": [],
            }))
            if user is not None:
                metadata[str(slurp_id)] = {"recordings": {f: {"usrid": user, "status": "correct"} for f in files}}
            slots = [{"type": t.strip(), "filler": f.strip()} for t, f in
                     (m.strip("[]").split(":") for m in _slot_spans(annotation))]
            for n, file in enumerate(files):
                wav = write_audio(corpus / "audio" / folder / file,
                                  utterance_audio(sentence, 16000, "en", "f" if n % 2 else "m", slurp_id), 16000)
                custom: dict[str, Any] = {"intent": {"scenario": scenario, "action": action,
                                                     "intent": f"{scenario}_{action}", "slots": slots}}
                if folder == "slurp_real":
                    custom["headset"] = file.endswith("-headset.flac")
                speaker = f"slurp_{user}" if user else "slurp_synth"
                utts[Path(file).stem] = Expected(split, sentence, speaker, "en-us", None, wav, custom)
        _write(corpus / "dataset" / "slurp" / f"{name}.jsonl", "\n".join(lines) + "\n")
    _write(corpus / "dataset" / "slurp" / "metadata.json", json.dumps(metadata))
    return CorpusFixture("slurp", corpus, utts)


def _slot_spans(annotation: str) -> list[str]:
    spans, start = [], annotation.find("[")
    while start >= 0:
        end = annotation.index("]", start)
        spans.append(annotation[start:end + 1])
        start = annotation.find("[", end)
    return spans


def make_css10(root: Path) -> CorpusFixture:
    """CSS10 ``german/`` and ``japanese/``: transcript.txt and 22,050 Hz wavs."""
    corpus = root / "css10"
    data = {
        ("german", "de"): [
            ("achtgesichterambiwasse/achtgesichterambiwasse_0000.wav", "Sie ist 12 Jahre alt.",
             "Sie ist zwölf Jahre alt."),
            ("achtgesichterambiwasse/achtgesichterambiwasse_0001.wav", "Der Wind wehte über das Feld.",
             "Der Wind wehte über das Feld."),
        ],
        ("japanese", "ja"): [
            ("meian/meian_0000.wav", "これは小さな試験です。", "korewa chiisana shiken desu."),
        ],
    }
    utts = {}
    for (folder, code), rows in data.items():
        lines = []
        for n, (rel, original, normalized) in enumerate(rows):
            wav = utterance_audio(original, 22050, code, "m", n)
            path = write_audio(corpus / folder / rel, wav, 22050)
            lines.append(f"{rel}|{original}|{normalized}|{wav.size / 22050:.2f}")
            custom = {"normalized_text": normalized} if normalized != original else {}
            utts[f"css10_{code}_{Path(rel).stem}"] = Expected("all", original, f"css10_{code}", code, None, path, custom)
        _write(corpus / folder / "transcript.txt", "\n".join(lines) + "\n")
    return CorpusFixture("css10", corpus, utts)


BUILDERS: dict[str, Callable[[Path], CorpusFixture]] = {
    "ljspeech": make_ljspeech,
    "vctk": make_vctk,
    "libritts_r": make_libritts_r,
    "mls": make_mls,
    "commonvoice": make_commonvoice,
    "aishell3": make_aishell3,
    "fsc": make_fsc,
    "esd": make_esd,
    "slurp": make_slurp,
    "css10": make_css10,
}
"""Fixture builder per corpus name, for parametrised tests."""
