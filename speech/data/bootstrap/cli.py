"""``speech data bootstrap-tts`` and ``speech data bootstrap-slu``: build the bootstrap corpora.

Both only forward their arguments to :func:`~speech.data.bootstrap.tts.build_tts_corpus` and
:func:`~speech.data.bootstrap.slu.build_slu_corpus` (heavy imports happen inside the handlers).
"""

from __future__ import annotations

import argparse
import os

from speech.options import bounded_int


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", help="output directory (created; a rerun resumes it); required")
    parser.add_argument("--size", choices=("small", "full"), default="small",
                        help="small: a few utterances per voice (CI, tests); full: the real corpus")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="worker processes (default: all CPU cores)")
    parser.add_argument("--seed", type=int, default=0,
                        help="decides splits and styles; a directory keeps the seed it was built with")
    parser.add_argument("--allow-missing-voices", action="store_true",
                        help="build without voices that are not installed instead of failing")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``bootstrap-tts`` and ``bootstrap-slu`` under ``speech data``."""
    tts = subparsers.add_parser(
        "bootstrap-tts",
        help="synthesise the multilingual, multispeaker bootstrap TTS corpus",
        description="Synthesise a multilingual, multispeaker TTS corpus (lhotse manifests) from the "
        "voices on this machine (Kokoro-82M and its blends, SVOX Pico, espeak-ng, flite, festival), "
        "with synthetic emotion styles and held-out speakers.",
    )
    _add_common(tts)
    tts.add_argument("--teacher", choices=("natural", "system"), default="natural",
                     help="natural (default): Kokoro-82M voices and blends, SVOX Pico, system voices "
                     "only where no natural engine speaks the language; system: the 49 "
                     "espeak-ng/flite/festival voices")
    tts.add_argument("--langs", nargs="+", metavar="LANG",
                     help="languages to build (default: all of the teacher's; see --list-voices)")
    tts.add_argument("--sentences-per-voice", type=int, help="override the size preset")
    tts.add_argument("--emotions", nargs="+", metavar="EMOTION",
                     help="styles to use (default: neutral happy sad angry surprised)")
    tts.add_argument("--list-voices", action="store_true", help="list the voices per language and exit")
    tts.set_defaults(func=_run_tts)

    slu = subparsers.add_parser(
        "bootstrap-slu",
        help="synthesise the bootstrap SLU corpus (Fluent Speech Commands schema) and an ASR subset",
        description="Synthesise spoken commands with the 31 Fluent Speech Commands intents in several "
        "languages (speaker-disjoint train/dev/test), optionally augmented, plus an ASR subset.",
    )
    _add_common(slu)
    slu.add_argument("--teacher", choices=("natural", "system"), default="natural",
                     help="natural (default): Kokoro-82M voices and blends for en/es/fr, SVOX Pico and "
                     "espeak-ng for de; system: espeak-ng, flite and festival voices")
    slu.add_argument("--langs", nargs="+", metavar="LANG", help="command languages (default: en es fr de)")
    slu.add_argument("--commands-per-speaker", type=bounded_int(1, 10_000), metavar="N",
                     help="commands each train/dev/test speaker says (default: the size preset's)")
    slu.add_argument("--augment", nargs="+", choices=("noise", "speed", "reverb"), default=(),
                     help="add an augmented copy of each training utterance")
    slu.add_argument("--asr-langs", nargs="+", metavar="LANG",
                     help="languages of the ASR subset (default: the command languages and it)")
    slu.add_argument("--no-asr", action="store_true", help="skip the ASR subset")
    slu.set_defaults(func=_run_slu)


def _require_out(args: argparse.Namespace) -> None:
    from speech.data.bootstrap.errors import OutputDirError

    if not args.out:
        raise OutputDirError("--out DIR is required: the directory to build the corpus in")


def _run_tts(args: argparse.Namespace) -> int:
    from speech.data.bootstrap.tts import TTSBootstrapConfig, build_tts_corpus, teacher_voices
    from speech.data.bootstrap.voices import missing_reason

    if args.list_voices:
        registry, heldout = teacher_voices(TTSBootstrapConfig(out_dir="", teacher=args.teacher, size=args.size))
        for lang, voices in registry.items():
            for v in voices:
                state = missing_reason(v) or "installed"
                role = "held out" if v.id in heldout else "train"
                mix = " + ".join(f"{w:.2f} {n}" for n, w in v.mix) if len(v.mix) > 1 else ""
                print(f"{lang:6} {v.id:28} {v.engine:9} {v.gender or '?':2} {role:9} {state} {mix}".rstrip())
        return 0
    _require_out(args)
    config = TTSBootstrapConfig(
        out_dir=args.out, teacher=args.teacher, langs=args.langs, size=args.size, seed=args.seed,
        workers=args.workers,
        sentences_per_voice=args.sentences_per_voice,
        emotions=tuple(args.emotions) if args.emotions else TTSBootstrapConfig.emotions,
        allow_missing_voices=args.allow_missing_voices, progress=not args.no_progress,
    )
    report = build_tts_corpus(config)
    print(f"bootstrap TTS corpus in {report.out_dir}: {report.total} utterances "
          f"({', '.join(f'{k} {v}' for k, v in report.counts.items())}), {report.hours:.2f} h, "
          f"{sum(map(len, report.voices.values()))} voices in {len(report.voices)} languages; "
          f"rendered {report.rendered}, reused {report.skipped}, {report.seconds:.1f} s")
    return 0


def _run_slu(args: argparse.Namespace) -> int:
    from speech.data.bootstrap.slu import SLUBootstrapConfig, build_slu_corpus

    _require_out(args)
    config = SLUBootstrapConfig(
        out_dir=args.out, teacher=args.teacher, langs=args.langs, size=args.size, seed=args.seed,
        workers=args.workers, commands_per_speaker=args.commands_per_speaker, augment=tuple(args.augment),
        asr_langs=args.asr_langs, asr=not args.no_asr,
        allow_missing_voices=args.allow_missing_voices, progress=not args.no_progress,
    )
    report = build_slu_corpus(config)
    print(f"bootstrap SLU corpus in {report.out_dir}: "
          + "; ".join(f"{corpus}: {', '.join(f'{k} {v}' for k, v in counts.items())}"
                      for corpus, counts in report.counts.items())
          + f"; {report.hours:.2f} h, rendered {report.rendered}, reused {report.skipped}, {report.seconds:.1f} s")
    return 0
