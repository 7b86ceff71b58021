"""``speech tts ...``: synthesis and the synthesizer's recipe stages; ``speech synth`` for short.

- ``speech tts synth`` (also ``speech synth``): text -> speech with a voice, an emotion and an accent;
- ``speech tts features``: featurise a corpus for the synthesizer and write its ``task_conf``;
- ``speech tts package``: bundle a trained acoustic model, its symbol table and a vocoder;
- ``speech tts evaluate``: synthesise the test sets with one or more synthesizers and score them
  (:mod:`speech.tts.evaluate`, metrics of :mod:`speech.eval.tts`);
- ``speech tts vocoder ...``: copy synthesis, training data, evaluation and export of vocoders
  (:mod:`speech.tts.vocoder.cli`).

Clips made elsewhere are scored with ``speech eval tts``: the same metrics, no synthesis.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from speech.assets.shipped import TTS_MODEL, default_model_dir
from speech.options import INTENSITY_RANGE, SPEED_RANGE, bounded_float
from speech.tts.vocoder import cli as vocoder_cli

if TYPE_CHECKING:
    from speech.tts.evaluate import ASRScorer

#: The model ``speech synth`` and the demo use when none is given.
DEFAULT_MODEL = default_model_dir(TTS_MODEL)  # $SPEECH_MODELS_DIR, the package, the checkout


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``speech tts`` with its sub-commands, and ``speech synth``: the same as ``speech tts synth``."""
    _add_synth(subparsers, help_note=" (short for `speech tts synth`)")
    parser = subparsers.add_parser(
        "tts",
        help="text to speech: synthesise, featurise a corpus, package, evaluate, vocoders",
        description="Synthesis and the synthesizer's recipe stages. To score clips you already have, "
        "use `speech eval tts`.",
    )
    commands = parser.add_subparsers(dest="tts_command", metavar="TTS_COMMAND")
    parser.set_defaults(func=lambda args: parser.print_help() or 2)
    _add_synth(commands)
    _add_features(commands)
    _add_package(commands)
    _add_evaluate(commands)
    vocoder_cli.register(commands)


def _add_synth(subparsers: argparse._SubParsersAction, help_note: str = "") -> None:
    """The ``synth`` parser, under ``speech`` or ``speech tts``: one definition, one handler."""
    p = subparsers.add_parser(
        "synth",
        help="synthesise speech in any of the model's languages, cloning a voice" + help_note,
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
    p.add_argument("--speed", type=bounded_float(*SPEED_RANGE), default=1.0,
                   help=f"speaking rate, {SPEED_RANGE[0]:g} to {SPEED_RANGE[1]:g} (> 1 faster)")
    p.add_argument("--intensity", type=bounded_float(*INTENSITY_RANGE), default=1.0,
                   help=f"emotion intensity, {INTENSITY_RANGE[0]:g} to {INTENSITY_RANGE[1]:g} (0 neutral, 1 trained)")
    p.add_argument("--vocoder", help="'griffin-lim' or a vocoder directory (default: the model's)")
    p.add_argument("-o", "--output", type=Path, default=None,
                   help="output audio, .wav/.flac/.ogg/.mp3, or - for WAV on stdout (default: out.wav; "
                        "with --file: a folder, one WAV per line, default: out)")
    p.add_argument("--list", action="store_true", help="print the model's languages, speakers, emotions")
    p.set_defaults(func=run)


def _add_features(subparsers: argparse._SubParsersAction) -> None:
    f = subparsers.add_parser(
        "features",
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


def _add_evaluate(subparsers: argparse._SubParsersAction) -> None:
    e = subparsers.add_parser(
        "evaluate",
        help="recipe stage: synthesise the test sets with our synthesizers and score them "
             "(in-language, cross-lingual, zero-shot, emotion)",
        description="Synthesise the corpus's test sets with each --model and score the clips with the metrics "
        "of `speech eval tts` (speaker similarity and identification, CER/WER, MCD, DNSMOS), plus the "
        "emotion the model's own emotion network hears. For clips made elsewhere use `speech eval tts`; "
        "for a vocoder alone, `speech tts vocoder evaluate`.",
    )
    e.add_argument("--model", type=Path, action="append", required=True, help="synthesizer dir (repeatable)")
    e.add_argument("--name", action="append", help="a name per --model for the table")
    e.add_argument("--manifests", type=Path, required=True)
    e.add_argument("--corpus", default="bootstrap_tts")
    e.add_argument("--per-voice", type=int, default=3, help="sentences per voice and set")
    e.add_argument("--cross-languages", type=int, default=None,
                   help="other languages each voice speaks in the cross-lingual and emotion sets (default: all)")
    e.add_argument("--voices", type=int, default=None,
                   help="at most this many training voices (drawn in turn from each language) speak the "
                        "in-language, cross-lingual and emotion sets (default: all); held-out voices are all kept")
    e.add_argument("--out", type=Path, required=True, help="folder for audio, results.json and RESULTS.md")
    e.add_argument("--asr-model", action="append", metavar="[LANGS=]DIR",
                   help="ASR model dir (speech train, task asr_ctc): adds CER/WER per set in the languages it "
                        "covers; repeatable; LANGS (comma-separated, e.g. de,es,fr=DIR) fixes which languages "
                        "it scores; a clip goes to the first model that covers its language (default judge: "
                        "Whisper-base, in every language it covers)")
    e.add_argument("--no-whisper", action="store_true",
                   help="no Whisper judge (no CER outside --asr-model's languages, no language identification)")
    e.add_argument("--no-dnsmos", action="store_true", help="skip DNSMOS of the outputs and real clips")
    e.add_argument("--real-manifests", type=Path,
                   help="manifests of real speakers (speech data prepare asterisk): adds the real_* zero-shot sets")
    e.add_argument("--real-corpus", default="asterisk", help="their prefix (default: asterisk)")
    e.add_argument("--real-split", default="all", help="their split (default: all)")
    e.add_argument("--real-per-voice", type=int, default=None,
                   help="prompts per real speaker and language (default: --per-voice)")
    e.set_defaults(func=run_evaluate)


def _add_package(subparsers: argparse._SubParsersAction) -> None:
    k = subparsers.add_parser(
        "package",
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
    """Handler of ``speech tts evaluate``."""
    from lhotse import CutSet

    from speech.data.manifests import load_manifests
    from speech.errors import OptionError
    from speech.fileio import atomic_write_text
    from speech.tts.evaluate import evaluate_synthesizer, language_table, markdown_table
    from speech.tts.synthesizer import Synthesizer

    names = args.name or [m.name for m in args.model]
    if len(names) != len(args.model):
        raise OptionError(f"give one --name per --model ({len(names)} names for {len(args.model)} models)")
    if args.voices is not None and args.voices < 1:
        raise OptionError(f"--voices must be at least 1 (got {args.voices}); leave it out to evaluate every voice")
    # Loaded first: a wrong path or language fails before any synthesis.
    asr = [_asr_scorer(spec) for spec in args.asr_model or []]

    def cuts(split: str) -> CutSet | None:
        try:
            rec, sup = load_manifests(args.manifests, args.corpus, split)
        except FileNotFoundError:
            return None
        return CutSet.from_manifests(recordings=rec.to_eager(), supervisions=sup.to_eager())

    test, heldout, dev = cuts("test"), cuts("heldout"), cuts("dev")
    if test is None:
        raise FileNotFoundError(f"no test split of {args.corpus} in {args.manifests}")
    real = None
    if args.real_manifests is not None:
        rec, sup = load_manifests(args.real_manifests, args.real_corpus, args.real_split)
        real = CutSet.from_manifests(recordings=rec.to_eager(), supervisions=sup.to_eager())
    whisper = None
    if not args.no_whisper:
        from speech.eval.whisper import get_judge

        whisper = get_judge()  # a missing asset fails here, before any synthesis
    summaries, by_language = {}, {}
    for name, model in zip(names, args.model):
        synth = Synthesizer.from_pretrained(model)
        summaries[name] = evaluate_synthesizer(synth, test, heldout, args.out / name, args.per_voice, asr=asr,
                                               cross_languages=args.cross_languages, whisper=whisper,
                                               dnsmos=not args.no_dnsmos, real_speakers=real,
                                               real_per_voice=args.real_per_voice, centroid_cuts=dev,
                                               voices=args.voices)
        results = json.loads((args.out / name / "results.json").read_text(encoding="utf-8"))
        by_language[name] = results["by_language"]
    table = markdown_table(summaries)
    if any(by_language.values()):
        table += "\nCER per language (judge: " + ("our ASR models, then " if asr else "") + \
            ("Whisper-base" if whisper is not None else "none") + "), against the same judge on the real clips:\n\n"
        table += language_table(by_language)
    atomic_write_text(args.out / "RESULTS.md", "# Synthesizer evaluation\n\n" + table)
    print(table)
    return 0


def run_package(args: argparse.Namespace) -> int:
    """Handler of ``speech tts package``."""
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
    """Handler of ``speech tts features``."""
    from speech.errors import OptionError
    from speech.tts.prepare import prepare_tts_data, write_train_config

    if args.configs and args.config_dir is None:  # refused before hours of featurising, not after
        raise OptionError("--configs needs --config-dir")
    paths = prepare_tts_data(args.manifests, args.corpus, args.out, tuple(args.splits), workers=args.workers,
                              max_per_speaker=args.max_per_speaker)
    if args.configs:
        data = {"train_cuts": str(paths[args.splits[0]])}
        if len(args.splits) > 1:
            data["valid_cuts"] = str(paths[args.splits[1]])
        for base in args.configs:
            paths[f"config:{base.stem}"] = write_train_config(base, paths["task_conf"], args.config_dir / base.name, **data)
    for name, path in paths.items():
        print(f"{name}\t{path}")
    return 0


def check_clip_file(path: Path, what: str) -> None:
    """A reference clip must exist, be audio and hold speech (the demo's check), before the model loads."""
    from speech.audio.io import load_audio
    from speech.audio.speech_check import check_speech
    from speech.errors import AudioError

    if not path.exists():
        raise FileNotFoundError(f"{what} {path} does not exist (a file path; for a training voice use --speaker NAME)")
    wav, sr = load_audio(path)
    try:
        check_speech(wav, sr, what=f"{what} {path}")
    except AudioError as e:
        raise type(e)(f"{e}; give a recording of one person speaking") from None


def _inputs(args: argparse.Namespace) -> tuple[list[tuple[int, str]], list[Path]]:
    """The texts (with their line numbers in ``--file``) and where each one's audio goes, checked
    before any model loads."""
    from speech.audio.io import STDOUT, output_format
    from speech.errors import EmptyTextError, OutputError
    from speech.fileio import check_writable_file, read_text_lines

    if args.file and args.text:
        raise OutputError("give --text or --file, not both")
    if args.file:
        lines = read_text_lines(args.file, "--file")
        if not lines:
            raise EmptyTextError(f"--file {args.file} holds no text")
        folder = args.output if args.output is not None else Path("out")
        if str(folder) == STDOUT:
            raise OutputError("with --file, -o names a folder (one WAV per line); - (stdout) takes one --text")
        if folder.exists() and not folder.is_dir():
            raise OutputError(f"with --file, -o names a folder (one WAV per line), but {folder} is a file")
        outputs = [folder / f"{i:04d}.wav" for i in range(len(lines))]
        for out in outputs:
            check_writable_file(out)
        return lines, outputs
    if not args.text or not args.text.strip():
        raise EmptyTextError("no text given: pass --text or --file")
    out = args.output if args.output is not None else Path("out.wav")
    output_format(out)
    return [(1, args.text)], [out]


def run(args: argparse.Namespace) -> int:
    """Handler of ``speech synth`` and ``speech tts synth``.

    Everything that can be checked without synthesising is checked first, in this order: the
    options, the output paths and formats, the text file, the reference clips (they must be
    speech), then (with the model loaded) every text, the voice and the emotion. Only then is
    anything synthesised, so a bad line in the middle of ``--file`` writes nothing.
    """
    from speech.audio.io import STDOUT, save_audio
    from speech.errors import SpeechError
    from speech.text.languages import get_language
    from speech.tts.synthesizer import Synthesizer

    model_dir = args.model or DEFAULT_MODEL
    if not (model_dir / "acoustic").is_dir():
        raise SpeechError(f"no synthesizer at {model_dir}: pass --model DIR (a directory with acoustic/ and symbols.json) "
                          "or set SPEECH_MODELS_DIR to a folder holding bootstrap-multilingual/")
    if not args.list:
        if not args.lang:
            raise SpeechError("--lang is required (see --list for the model's languages)")
        get_language(args.lang)
        if args.accent:
            get_language(args.accent)
        lines, outputs = _inputs(args)
        if args.speaker_wav is not None:
            check_clip_file(args.speaker_wav, "speaker reference clip")
        if args.emotion_wav is not None:
            check_clip_file(args.emotion_wav, "emotion reference clip")
    synth = Synthesizer.from_pretrained(model_dir, vocoder=args.vocoder)
    if args.list:
        print("languages:", " ".join(synth.languages))
        print("speakers: ", " ".join(synth.speakers))
        print("emotions: ", " ".join(synth.emotions))
        return 0
    for number, text in lines:
        try:
            synth.check_text(text, args.lang)
        except SpeechError as e:
            if args.file:
                raise type(e)(f"--file {args.file}: line {number}: {e}") from None
            raise
    speaker = str(args.speaker_wav) if args.speaker_wav else (args.speaker or synth.speakers[0])
    if args.speaker and args.speaker not in synth.speakers:
        synth.speaker_embedding(args.speaker)  # raises with the known names
    emotion = str(args.emotion_wav) if args.emotion_wav else args.emotion
    if not args.emotion_wav and emotion not in synth.emotions:
        synth.emotion_input(emotion)  # raises with the known names
    # Status lines go to stderr when the audio itself goes to stdout.
    status = sys.stderr if str(outputs[0]) == STDOUT else sys.stdout
    for (_, text), out in zip(lines, outputs):
        wav, sr = synth.synthesize(text, args.lang, speaker, emotion=emotion, accent=args.accent,
                                   speed=args.speed, emotion_intensity=args.intensity)
        save_audio(out, wav, sr)
        print(f"{out}\t{len(wav) / sr:.2f} s", file=status)
    return 0
