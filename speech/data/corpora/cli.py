"""``speech data prepare CORPUS --src DIR --out DIR [options]``: real corpora to lhotse manifests.

The command only forwards arguments to :func:`speech.data.corpora.prepare_corpus`; everything it
does is available from Python too.
"""

from __future__ import annotations

import argparse

# Command-line option -> keyword of the prepare functions, and which corpora take it (shown in help).
_OPTIONS: dict[str, str] = {
    "mic": "vctk",
    "parts": "libritts_r, libritts",
    "languages": "mls, commonvoice, css10, asterisk",
    "opus": "mls",
    "splits": "commonvoice",
    "synthetic": "slurp",
    "headset_only": "slurp",
    "audio_dir": "slurp",
    "language": "css10",
    "transcripts_dir": "asterisk",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``speech data prepare``."""
    from speech.data.corpora import list_corpora

    names = ", ".join(c.name for c in list_corpora())
    parser = subparsers.add_parser(
        "prepare",
        help="prepare a downloaded corpus as lhotse manifests",
        description=(
            "Write <corpus>_{recordings,supervisions}_<split>.jsonl.gz for a corpus as downloaded. "
            "Corrupt, empty or missing audio files are skipped and listed at the end. "
            f"Corpora: {names}."
        ),
    )
    parser.add_argument("corpus", nargs="?", metavar="CORPUS", help=f"one of: {names}")
    parser.add_argument("--src", help="the corpus folder as extracted")
    parser.add_argument("--out", help="folder for the manifests")
    parser.add_argument("--num-jobs", type=int, default=1, help="parallel workers (default: 1)")
    parser.add_argument("--list", action="store_true", help="list the corpora and exit")
    group = parser.add_argument_group("corpus options")
    group.add_argument("--mic", choices=("mic1", "mic2"), help=f"microphone ({_OPTIONS['mic']}; default mic2)")
    group.add_argument("--parts", nargs="+", help=f"parts such as dev-clean train-clean-100 ({_OPTIONS['parts']})")
    group.add_argument("--languages", nargs="+", help=f"languages to prepare ({_OPTIONS['languages']})")
    group.add_argument("--language", help=f"language of a single-language folder ({_OPTIONS['language']})")
    group.add_argument("--opus", action="store_true", default=None, help=f"read the _opus folders ({_OPTIONS['opus']})")
    group.add_argument("--splits", nargs="+", help=f"split lists to prepare ({_OPTIONS['splits']})")
    group.add_argument("--synthetic", action=argparse.BooleanOptionalAction, default=None,
                       help=f"include the synthetic training audio ({_OPTIONS['synthetic']}; default: if present)")
    group.add_argument("--headset-only", action="store_true", default=None,
                       help=f"only close-talk recordings ({_OPTIONS['headset_only']})")
    group.add_argument("--transcripts-dir",
                       help=f"folder with core-sounds-XX.txt(.gz) ({_OPTIONS['transcripts_dir']}; default: Debian's)")
    group.add_argument("--audio-dir", help=f"folder holding slurp_real/ ({_OPTIONS['audio_dir']})")
    parser.set_defaults(func=run_prepare)


def run_prepare(args: argparse.Namespace) -> int:
    """Handler of ``speech data prepare``."""
    from speech.data.corpora import CorpusOptionError, get_corpus, list_corpora, prepare_corpus

    if args.list or args.corpus is None:
        for info in list_corpora():
            how = f"lhotse {info.lhotse_recipe}" if info.lhotse_recipe else "speech parser"
            options = " ".join(f"--{o.replace('_', '-')}" for o in info.options)
            print(f"{info.name:12s} {info.title:32s} ({how}) {options}".rstrip())
        return 0 if args.list else 2
    info = get_corpus(args.corpus)  # unknown names fail here, before any other check
    missing = [flag for flag, value in (("--src", args.src), ("--out", args.out)) if not value]
    if missing:
        raise CorpusOptionError(f"speech data prepare {info.name} needs {' and '.join(missing)}")
    options = {key: getattr(args, key) for key in _OPTIONS if getattr(args, key) is not None}
    result = prepare_corpus(info.name, args.src, args.out, num_jobs=args.num_jobs, **options)
    print(result.summary())
    return 0
