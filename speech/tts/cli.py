"""``speech synth``: text -> speech with a voice, an emotion and an accent."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from speech.tts.evaluate import ASRScorer

#: The model ``speech synth`` and the demo use when none is given.
DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "models" / "bootstrap-multilingual"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``speech synth``."""
    p = subparsers.add_parser(
        "synth",
        help="synthesise speech in any of the model's languages, cloning a voice",
        description="Speak text in a language with a training voice (--speaker) or a cloned one "
        "(--speaker-wav), an emotion (--emotion NAME or --emotion-wav) and an accent.",
    )
    p.add_argument("--model", type=Path, default=None, help=f"synthesizer directory (default: {DEFAULT_MODEL})")
    p.add_argument("--text", help="text to speak (inline <es>..</es> spans switch language)")
    p.add_argument("--file", type=Path, help="speak each non-empty line of this file (one output per line)")
    p.add_argument("--lang", required=False, help="target language code, e.g. es")
    voice = p.add_mutually_exclusive_group()
    voice.add_argument("--speaker", help="a training speaker's name (see --list)")
    voice.add_argument("--speaker-wav", type=Path, help="reference clip of the voice to clone (1-60 s)")
    emo = p.add_mutually_exclusive_group()
    emo.add_argument("--emotion", default="neutral", help="emotion name (see --list)")
    emo.add_argument("--emotion-wav", type=Path, help="reference clip whose emotion to copy")
    p.add_argument("--accent", help="speak with the accent of this language (default: native)")
    p.add_argument("--speed", type=float, default=1.0)
    p.add_argument("--intensity", type=float, default=1.0, help="emotion intensity (0 neutral, 1 trained)")
    p.add_argument("--vocoder", help="'griffin-lim' or a vocoder directory (default: the model's)")
    p.add_argument("-o", "--output", type=Path, default=Path("out.wav"),
                   help="output WAV (with --file: a folder, one WAV per line)")
    p.add_argument("--list", action="store_true", help="print the model's languages, speakers, emotions")
    p.set_defaults(func=run)

    f = subparsers.add_parser(
        "tts-features",
        help="recipe stage: featurise a corpus for the synthesizer and write its task_conf",
        description="Compute log-mel, pitch, energy and speaker d-vectors for each split, and write "
        "task_conf.yaml (languages, speakers, emotions, statistics) and the speaker table.",
    )
    f.add_argument("--manifests", type=Path, required=True, help="folder with <corpus>_*_<split>.jsonl.gz")
    f.add_argument("--corpus", default="bootstrap_tts", help="manifest prefix (default: bootstrap_tts)")
    f.add_argument("--splits", nargs="+", default=["train", "dev"], help="first one gives the statistics")
    f.add_argument("--out", type=Path, required=True)
    f.add_argument("--configs", nargs="*", type=Path, default=[],
                   help="recipe training configs to complete with the data (written to --config-dir)")
    f.add_argument("--config-dir", type=Path, help="where the completed training configs go")
    f.add_argument("--workers", type=int, default=1, help="processes featurising shards in parallel")
    f.add_argument("--max-per-speaker", type=int, default=None,
                   help="train on at most N utterances per speaker (a fixed random choice)")
    f.set_defaults(func=run_features)

    e = subparsers.add_parser(
        "tts-evaluate",
        help="recipe stage: in-language, cross-lingual, zero-shot and emotion evaluation of synthesizers",
    )
    e.add_argument("--model", type=Path, action="append", required=True, help="synthesizer dir (repeatable)")
    e.add_argument("--name", action="append", help="a name per --model for the table")
    e.add_argument("--manifests", type=Path, required=True)
    e.add_argument("--corpus", default="bootstrap_tts")
    e.add_argument("--per-voice", type=int, default=3, help="sentences per voice and set")
    e.add_argument("--cross-languages", type=int, default=None,
                   help="other languages each voice speaks in the cross-lingual and emotion sets (default: all)")
    e.add_argument("--out", type=Path, required=True, help="folder for audio, results.json and RESULTS.md")
    e.add_argument("--asr-model", action="append", metavar="[LANGS=]DIR",
                   help="ASR model dir (speech train, task asr_ctc): adds CER/WER per set in the languages it "
                        "covers; repeatable; LANGS (comma-separated, e.g. de,es,fr=DIR) fixes which languages "
                        "it scores; a clip goes to the first model that covers its language")
    e.set_defaults(func=run_evaluate)

    k = subparsers.add_parser(
        "tts-package",
        help="recipe stage: bundle a trained acoustic model, its symbol table and a vocoder",
    )
    k.add_argument("--acoustic", type=Path, required=True, help="exported model dir (exp/<run>/model)")
    k.add_argument("--symbols", type=Path, required=True, help="the symbol table used in training")
    k.add_argument("--vocoder", type=Path, help="exported neural vocoder dir (default: Griffin-Lim)")
    k.add_argument("--card", type=Path, help="model card (README.md) to copy in")
    k.add_argument("--out", type=Path, required=True)
    k.set_defaults(func=run_package)


def _asr_scorer(spec: str) -> ASRScorer:
    """``DIR`` or ``LANGS=DIR`` (comma-separated language codes) -> an ASR scorer."""
    from speech.text.languages import get_language
    from speech.tts.evaluate import ASRScorer

    langs, sep, directory = spec.rpartition("=")
    languages = frozenset(get_language(code.strip()).code for code in langs.split(",")) if sep else None
    return ASRScorer.from_pretrained(directory, languages=languages)


def run_evaluate(args: argparse.Namespace) -> int:
    """Handler of ``speech tts-evaluate``."""
    from lhotse import CutSet

    from speech.data.manifests import load_manifests
    from speech.fileio import atomic_write_text
    from speech.tts.evaluate import evaluate_synthesizer, markdown_table
    from speech.tts.synthesizer import Synthesizer

    names = args.name or [m.name for m in args.model]
    if len(names) != len(args.model):
        raise SystemExit("speech tts-evaluate: error: give one --name per --model")
    # Loaded first: a wrong path or language fails before any synthesis.
    asr = [_asr_scorer(spec) for spec in args.asr_model or []]

    def cuts(split: str) -> CutSet | None:
        try:
            rec, sup = load_manifests(args.manifests, args.corpus, split)
        except FileNotFoundError:
            return None
        return CutSet.from_manifests(recordings=rec.to_eager(), supervisions=sup.to_eager())

    test, heldout = cuts("test"), cuts("heldout")
    if test is None:
        raise FileNotFoundError(f"no test split of {args.corpus} in {args.manifests}")
    summaries = {}
    for name, model in zip(names, args.model):
        synth = Synthesizer.from_pretrained(model)
        summaries[name] = evaluate_synthesizer(synth, test, heldout, args.out / name, args.per_voice, asr=asr,
                                               cross_languages=args.cross_languages)
    table = markdown_table(summaries)
    atomic_write_text(args.out / "RESULTS.md", "# Synthesizer evaluation\n\n" + table)
    print(table)
    return 0


def run_package(args: argparse.Namespace) -> int:
    """Handler of ``speech tts-package``."""
    import shutil

    from speech.text.symbols import SymbolTable
    from speech.text.tokenizer import Tokenizer
    from speech.tts.model import AcousticModel
    from speech.tts.synthesizer import Synthesizer
    from speech.tts.vocoder import load_vocoder

    vocoder = load_vocoder(str(args.vocoder)) if args.vocoder else None
    synth = Synthesizer(AcousticModel.from_pretrained(args.acoustic), Tokenizer(SymbolTable.load(args.symbols)), vocoder)
    synth.save_pretrained(args.out)
    if args.card:
        shutil.copyfile(args.card, args.out / "README.md")
    print(args.out)
    return 0


def run_features(args: argparse.Namespace) -> int:
    """Handler of ``speech tts-features``."""
    from speech.tts.prepare import prepare_tts_data

    from speech.tts.prepare import write_train_config

    paths = prepare_tts_data(args.manifests, args.corpus, args.out, tuple(args.splits), workers=args.workers,
                              max_per_speaker=args.max_per_speaker)
    if args.configs:
        if args.config_dir is None:
            raise SystemExit("speech tts-features: error: --configs needs --config-dir")
        data = {"train_cuts": str(paths[args.splits[0]])}
        if len(args.splits) > 1:
            data["valid_cuts"] = str(paths[args.splits[1]])
        for base in args.configs:
            paths[f"config:{base.stem}"] = write_train_config(base, paths["task_conf"], args.config_dir / base.name, **data)
    for name, path in paths.items():
        print(f"{name}\t{path}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Handler of ``speech synth``."""
    from speech.audio.io import save_audio
    from speech.errors import EmptyTextError, SpeechError
    from speech.tts.synthesizer import Synthesizer

    model_dir = args.model or DEFAULT_MODEL
    if not (model_dir / "acoustic").is_dir():
        raise SpeechError(f"no synthesizer at {model_dir}: pass --model DIR (a directory with acoustic/ and symbols.json)")
    synth = Synthesizer.from_pretrained(model_dir, vocoder=args.vocoder)
    if args.list:
        print("languages:", " ".join(synth.languages))
        print("speakers: ", " ".join(synth.speakers))
        print("emotions: ", " ".join(synth.emotions))
        return 0
    if not args.lang:
        raise SpeechError("--lang is required (see --list for the model's languages)")
    if args.file:
        if not args.file.is_file():
            raise FileNotFoundError(f"no such file: {args.file}")
        lines = [ln.strip() for ln in args.file.read_text(encoding="utf-8").splitlines() if ln.strip()]
    else:
        lines = [args.text] if args.text else []
    if not lines:
        raise EmptyTextError("no text given: pass --text or --file")
    speaker = str(args.speaker_wav) if args.speaker_wav else (args.speaker or synth.speakers[0])
    emotion = str(args.emotion_wav) if args.emotion_wav else args.emotion
    outputs = [args.output] if not args.file else [args.output / f"{i:04d}.wav" for i in range(len(lines))]
    for text, out in zip(lines, outputs):
        wav, sr = synth.synthesize(text, args.lang, speaker, emotion=emotion, accent=args.accent,
                                   speed=args.speed, emotion_intensity=args.intensity)
        save_audio(out, wav, sr)
        print(f"{out}\t{len(wav) / sr:.2f} s")
    return 0
