"""``speech dub``: say a translation with the source clip's voice, emotion, timing and prosody."""

from __future__ import annotations

import argparse
from pathlib import Path

from speech.options import bounded_float


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``speech dub``."""
    p = subparsers.add_parser(
        "dub",
        help="dub a clip into another language, keeping its voice, emotion, duration and prosody",
        description="Synthesise TEXT in --lang with the voice and emotion of SOURCE, its speech length "
        "(or --duration) and its Avila-Ward prosody profile window by window, then report the prosody "
        "distance, speaker similarity, duration ratio and emotion of the dub and of a plain synthesis.",
    )
    p.add_argument("source", type=Path, help="source clip (1-60 s of speech)")
    p.add_argument("--text", required=True, help="what the dub says (the translation)")
    p.add_argument("--lang", required=True, help="target language code, e.g. es")
    p.add_argument("--source-lang", help="language of SOURCE (z-scoring; default: the transcriber's, or pooled)")
    p.add_argument("--source-text", help="transcript of SOURCE (default: recognised by Whisper-base and printed)")
    p.add_argument("--keep", default="voice,emotion,duration,prosody",
                   help="what to carry over, comma-separated from voice, emotion, duration, prosody (default: all)")
    p.add_argument("--duration", type=bounded_float(0.1, 600.0),
                   help="speech length of the dub in seconds (default: the source's)")
    p.add_argument("--speaker", help="training voice when 'voice' is not kept (see speech synth --list)")
    p.add_argument("--emotion", default="neutral", help="emotion when 'emotion' is not kept")
    p.add_argument("--prosody-map", type=Path, help="linear prosody map (.safetensors) for the language pair "
                   "(default: copy the source's profile)")
    p.add_argument("--strength", type=bounded_float(0.0, 2.0), default=1.0,
                   help="scale of the prosody edits (0-2, default 1)")
    p.add_argument("--model", type=Path, help="synthesizer directory (default: models/bootstrap-multilingual)")
    p.add_argument("--stats", type=Path, help="prosody z-score statistics JSON (default: the shipped ones)")
    p.add_argument("--plain-output", type=Path, help="also write the plain synthesis here")
    p.add_argument("--json", type=Path, metavar="OUT.json", help="write the report as JSON")
    p.add_argument("--no-report", action="store_true", help="skip the plain synthesis and the measurements")
    p.add_argument("-o", "--output", type=Path, default=Path("dub.wav"), help="output WAV (default: dub.wav)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Handler of ``speech dub``: every check runs before anything is written."""
    from speech.audio.io import output_format, save_audio
    from speech.dub.dubber import Dubber, DubConfig, write_report
    from speech.errors import SpeechError
    from speech.eval.report import format_table
    from speech.fileio import check_writable_file
    from speech.tts.cli import DEFAULT_MODEL, check_clip_file

    # Outputs and the source clip are checked before the model loads, as in speech synth.
    for out in (args.output, args.plain_output):
        if out is not None:
            output_format(out)
    if args.json is not None:
        check_writable_file(args.json, "--json")
    check_clip_file(args.source, "source clip")
    model_dir = args.model or DEFAULT_MODEL
    if not (model_dir / "acoustic").is_dir():
        raise SpeechError(f"no synthesizer at {model_dir}: pass --model DIR (a directory with acoustic/ and symbols.json)")
    config = DubConfig(keep=args.keep, duration=args.duration, speaker=args.speaker, emotion=args.emotion,
                       prosody_map=args.prosody_map, strength=args.strength,
                       report=not args.no_report or args.plain_output is not None)
    dubber = Dubber.from_pretrained(model_dir, args.stats)
    given_text = args.source_text
    result = dubber.dub(args.source, args.text, args.lang, source_language=args.source_lang,
                        source_text=given_text, config=config)
    save_audio(args.output, result.audio, result.sample_rate)
    if args.plain_output is not None and result.plain_audio is not None:
        save_audio(args.plain_output, result.plain_audio, result.sample_rate)
    if given_text is None:
        print(f"source transcript: {result.source_text}")
    r = result.report
    print(f"{args.output}\t{len(result.audio) / result.sample_rate:.2f} s")
    if "prosody_distance" in r:
        rows = [
            {"output": name, "prosody_distance": r["prosody_distance"][name],
             "speaker_similarity": r["speaker_similarity"][name],
             "duration_ratio": r["duration_ratio"] if name == "dub" else r["duration"]["plain_ratio"],
             "emotion": r["emotion"][name]}
            for name in ("dub", "plain")
        ]
        print(format_table(rows, digits=3))
        print(f"source: {r['source']['speech_s']:.2f} s of speech, emotion {r['emotion']['source']}; "
              f"prosody map: {r['prosody_map']}; {r['seconds']['total']:.2f} s")
    if args.json is not None:
        write_report(args.json, result)
    return 0
