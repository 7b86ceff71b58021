"""``speech slu``: ``predict`` intents of audio files, ``labels`` of a manifest, ``calibrate`` novelty.

The transfer study's stages (prepare, ASR manifests, the training grid, evaluation, the table,
packaging) are recipe code: ``recipes/templates/pyscripts/slu_study.py`` and ``slu_table.py``,
run by ``recipes/bootstrap/slu/run.sh``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from speech.assets.shipped import SLU_MODEL, default_model_dir
from speech.options import BATCH_SIZE_RANGE, bounded_float, bounded_int, device_name

#: The model ``speech slu predict`` uses without ``--model`` (trained by recipes/bootstrap/slu).
DEFAULT_MODEL_DIR = default_model_dir(SLU_MODEL)  # $SPEECH_MODELS_DIR, the package, the checkout


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``speech slu predict``, ``labels`` and ``calibrate``."""
    p = subparsers.add_parser("slu", help="spoken language understanding: predict intents, build label sets",
                              description="Attention-based SLU models (speech/slu).")
    sub = p.add_subparsers(dest="slu_command", metavar="SLU_COMMAND")

    pr = sub.add_parser("predict", help="predict the intent of audio files (one JSON line per file)",
                        description="Predict intents with a model saved by `speech train` (task slu). Prints one "
                        "JSON object per file: {\"path\", \"intent\": {slot: value}, \"confidence\" (the product of "
                        "the slot probabilities), \"slot_confidence\": {slot: p}, and \"transcript\" when the "
                        "model or --asr-model produces one}. Audio at another rate is resampled.")
    pr.add_argument("audio", nargs="+", type=Path, help="audio files (WAV/FLAC/OGG)")
    pr.add_argument("--model", "-m", type=Path, default=None,
                    help=f"SLU model directory (default: the shipped English model, {DEFAULT_MODEL_DIR})")
    pr.add_argument("--asr-model", type=Path, default=None,
                    help="ASR model directory whose transcripts feed BERT fusion (default: the model's own CTC head)")
    pr.add_argument("--batch-size", type=bounded_int(*BATCH_SIZE_RANGE), default=16, help="utterances per forward pass")
    pr.add_argument("--device", type=device_name, default="cpu", help="torch device (cpu, cuda, cuda:1)")
    pr.add_argument("--no-speech-check", action="store_true",
                    help="predict files that hold no speech too (by default silence, DC and noise are refused)")
    pr.set_defaults(func=run_predict)

    lb = sub.add_parser("labels", help="collect the label set (JSON) of a cuts manifest",
                        description="Collect every slot and value of custom['intent'] in a lhotse cuts manifest "
                        "into a label file for `task_conf.labels_file`.")
    lb.add_argument("--cuts", required=True, type=Path, help="lhotse CutSet manifest (.jsonl.gz)")
    lb.add_argument("--output", "-o", required=True, type=Path, help="label JSON to write")
    lb.set_defaults(func=run_labels)

    cb = sub.add_parser("calibrate", help="fit the statistics that refuse non-commands (novelty)",
                        description="Measure how far held-out commands lie from the training commands (Mahalanobis "
                        "distance of the slot vectors) and save the model with those statistics: utterances "
                        "further than the --quantile of the dev commands get \"intent\": null.")
    cb.add_argument("--model", required=True, type=Path, help="the trained SLU model")
    cb.add_argument("--train", required=True, type=Path, help="cuts of the commands it was trained on")
    cb.add_argument("--dev", required=True, type=Path, help="cuts of held-out commands (sets the threshold)")
    cb.add_argument("--quantile", type=bounded_float(0.5, 0.9999), default=0.99,
                    help="share of the dev commands kept as commands (default 0.99)")
    cb.add_argument("-o", "--output", type=Path, help="where the calibrated model goes (default: --model)")
    cb.set_defaults(func=run_calibrate)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def run_calibrate(args: argparse.Namespace) -> int:
    """Handler of ``speech slu calibrate``."""
    from speech.pretrained import MissingCheckpointError
    from speech.slu.novelty import calibrate

    if not (args.model / "config.yaml").is_file():
        raise MissingCheckpointError(f"no SLU model at {args.model} (a directory with config.yaml)")
    for option, path in (("--train", args.train), ("--dev", args.dev)):
        if not path.is_file():
            raise FileNotFoundError(f"{option}: cut manifest not found: {path}")
    out = args.output or args.model
    model, stats = calibrate(str(args.model), str(args.train), str(args.dev), str(out), args.quantile)
    print(f"novelty statistics of {model.config.novelty_intents} intents, threshold {stats.threshold:.1f} "
          f"(the {args.quantile:.2%} quantile of the dev commands) -> {out}")
    return 0


def run_predict(args: argparse.Namespace) -> int:
    """Handler of ``speech slu predict``."""
    from speech.options import check_device
    from speech.pretrained import MissingCheckpointError
    from speech.slu.inference import SLUInferenceConfig, SLUPredictor

    check_device(args.device)
    model_dir = args.model if args.model is not None else DEFAULT_MODEL_DIR
    if args.model is None and not (model_dir / "config.yaml").is_file():
        raise MissingCheckpointError(
            f"no --model given and the default model {model_dir} is missing; train one with "
            "recipes/bootstrap/slu/run.sh, set SPEECH_MODELS_DIR to a folder holding bootstrap-slu/, or pass --model DIR"
        )
    config = SLUInferenceConfig(
        batch_size=args.batch_size,
        device=args.device,
        asr_model=str(args.asr_model) if args.asr_model else None,
    )
    if args.no_speech_check:
        config.speech_check = None
    predictor = SLUPredictor.from_pretrained(model_dir, config)
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
