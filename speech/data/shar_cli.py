"""``speech data export-shar --cuts CUTS --out DIR``: a corpus as lhotse Shar shards.

The command only forwards its arguments to :func:`speech.data.shar.export_shar`.
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``export-shar`` under ``speech data``."""
    parser = subparsers.add_parser(
        "export-shar",
        help="write a cut manifest with its audio or features as lhotse Shar shards (multi-GPU streaming)",
        description=(
            "Write the cuts of a manifest and their data as lhotse Shar shards (cuts.NNNNNN.jsonl.gz plus "
            "one tar per field), which `speech train` streams with data.train_shar: DIR, each GPU and "
            "dataloader worker reading shards of its own. Written to a temporary directory, renamed at the end."
        ),
    )
    parser.add_argument("--cuts", required=True, help="lhotse cut manifest (.jsonl.gz)")
    parser.add_argument("--out", required=True, help="the Shar directory to create")
    parser.add_argument(
        "--fields", default=None, metavar="FIELD[:FORMAT],...",
        help="data fields to store, e.g. recording (audio) or mel,pitch,energy (precomputed TTS features); "
        "formats: flac (default) or wav for audio, numpy (default) or lilcom for arrays; "
        "default: every data field the cuts carry",
    )
    parser.add_argument("--shard-size", type=int, default=1000,
                        help="cuts per shard (default: 1000); give at least GPUs x workers shards")
    parser.add_argument("--num-jobs", type=int, default=1, help="shards written in parallel (default: 1)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing non-empty --out")
    parser.add_argument("--skip-bad", action="store_true",
                        help="leave out cuts whose audio cannot be read instead of stopping")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.set_defaults(func=run_export_shar)


def run_export_shar(args: argparse.Namespace) -> int:
    """Handler of ``speech data export-shar``."""
    from speech.data.shar import export_shar, parse_fields

    result = export_shar(
        args.cuts, args.out, fields=parse_fields(args.fields) if args.fields else None,
        shard_size=args.shard_size, num_jobs=args.num_jobs, overwrite=args.overwrite,
        skip_bad=args.skip_bad, progress=not args.no_progress,
    )
    print(result.summary())
    return 0
