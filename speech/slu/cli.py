"""``speech slu``: ``predict`` intents of audio files with a saved model; build ``labels`` from manifests."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``speech slu predict`` and ``speech slu labels``."""
    p = subparsers.add_parser("slu", help="spoken language understanding: predict intents, build label sets",
                              description="Attention-based SLU models (speech/slu).")
    sub = p.add_subparsers(dest="slu_command", metavar="SLU_COMMAND")

    pr = sub.add_parser("predict", help="predict the intent of audio files (one JSON line per file)",
                        description="Predict intents with a model saved by `speech train` (task slu). Prints one "
                        "JSON object per file: {\"path\", \"intent\": {slot: value}, \"confidence\" (the product of "
                        "the slot probabilities), \"slot_confidence\": {slot: p}, and \"transcript\" when the "
                        "model or --asr-model produces one}. Audio at another rate is resampled.")
    pr.add_argument("audio", nargs="+", type=Path, help="audio files (WAV/FLAC/OGG)")
    pr.add_argument("--model", "-m", required=True, type=Path, help="SLU model directory")
    pr.add_argument("--asr-model", type=Path, default=None,
                    help="ASR model directory whose transcripts feed BERT fusion (default: the model's own CTC head)")
    pr.add_argument("--batch-size", type=int, default=16, help="utterances per forward pass")
    pr.add_argument("--device", default="cpu", help="torch device (cpu, cuda, cuda:1)")
    pr.set_defaults(func=run_predict)

    lb = sub.add_parser("labels", help="collect the label set (JSON) of a cuts manifest",
                        description="Collect every slot and value of custom['intent'] in a lhotse cuts manifest "
                        "into a label file for `task_conf.labels_file`.")
    lb.add_argument("--cuts", required=True, type=Path, help="lhotse CutSet manifest (.jsonl.gz)")
    lb.add_argument("--output", "-o", required=True, type=Path, help="label JSON to write")
    lb.set_defaults(func=run_labels)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def run_predict(args: argparse.Namespace) -> int:
    """Handler of ``speech slu predict``."""
    from speech.slu.inference import SLUInferenceConfig, SLUPredictor

    config = SLUInferenceConfig(
        batch_size=args.batch_size,
        device=args.device,
        asr_model=str(args.asr_model) if args.asr_model else None,
    )
    predictor = SLUPredictor.from_pretrained(args.model, config)
    for result in predictor.predict_files(args.audio):
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    sys.stdout.flush()
    return 0


def run_labels(args: argparse.Namespace) -> int:
    """Handler of ``speech slu labels``."""
    from speech.slu.labels import labels_from_cuts, save_labels

    schema = labels_from_cuts(args.cuts)
    save_labels(args.output, schema)
    sizes = ", ".join(f"{k}: {len(v)}" for k, v in {**schema.slots, **schema.multi_label}.items())
    print(f"wrote labels ({sizes}) to {args.output}")
    return 0
