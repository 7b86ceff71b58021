"""``speech slu``: ``predict`` intents of audio files; ``labels``; and the SLU recipe's stages.

Recipe stages (``recipes/bootstrap/slu/run.sh``): ``prepare`` (one language of the bootstrap SLU
corpus, stratified training subsets), ``asr-cuts`` (ASR pre-training manifests by language),
``evaluate`` (every trained run on dev and test), ``table`` (RESULTS.md) and ``package`` (copy the
best run's model for shipping).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from speech.options import BATCH_SIZE_RANGE, bounded_float, bounded_int, device_name

#: The model ``speech slu predict`` uses without ``--model`` (trained by recipes/bootstrap/slu).
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "bootstrap-slu"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``speech slu predict``, ``labels`` and the recipe stages."""
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

    pp = sub.add_parser("prepare", help="recipe stage: one language's SLU manifests and training subsets",
                        description="From the bootstrap SLU corpus, write {train,dev,dev_small,test}_cuts of one "
                        "language, train_p<percent>_s<seed>_cuts (stratified by intent, at least one utterance "
                        "per intent), labels.json and tokens.json (characters, for multitask CTC). Existing "
                        "files are kept.")
    pp.add_argument("--corpus", required=True, type=Path, help="bootstrap SLU corpus directory")
    pp.add_argument("--out", required=True, type=Path, help="output directory")
    pp.add_argument("--language", default="en-us", help="language of the study (default: en-us)")
    pp.add_argument("--fractions", type=float, nargs="+", default=[1.0, 0.1, 0.01], help="training shares")
    pp.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3], help="one subset per seed")
    pp.add_argument("--dev-small", type=int, default=200, help="utterances of the dev subset used during training")
    pp.set_defaults(func=run_prepare)

    ac = sub.add_parser("asr-cuts", help="recipe stage: ASR pre-training manifest from corpora, by language",
                        description="Concatenate the cuts of one split of several corpora (DIR:PREFIX, e.g. "
                        "data/corpus:bootstrap_asr), keeping (--languages) or dropping (--exclude) languages.")
    ac.add_argument("--source", action="append", required=True, metavar="DIR:PREFIX",
                    help="manifest directory and corpus prefix (repeatable)")
    ac.add_argument("--split", default="train")
    ac.add_argument("--languages", nargs="+", default=None, help="keep only these languages")
    ac.add_argument("--exclude", nargs="+", default=[], help="drop these languages")
    ac.add_argument("--max-duration", type=float, default=None, help="drop longer utterances (seconds)")
    ac.add_argument("--output", "-o", required=True, type=Path)
    ac.set_defaults(func=run_asr_cuts)

    tg = sub.add_parser("train-grid", help="recipe stage: train every variant x training share x seed",
                        description="Train the study's grid in one process: for each seed, share and --variant "
                        "NAME=OVERRIDES, the --config YAML plus --set overrides (with {variant}, {pct}, {seed} "
                        "filled in) into <runs>/<variant>/p<pct>/s<seed>. Finished runs are skipped, "
                        "interrupted ones resume.")
    tg.add_argument("--config", required=True, type=Path, help="the shared SLU training YAML")
    tg.add_argument("--runs", required=True, type=Path)
    tg.add_argument("--variant", action="append", required=True, metavar="NAME=OVERRIDES",
                    help="a row of the table: its name and space-separated key=value overrides (repeatable)")
    tg.add_argument("--fractions", type=float, nargs="+", default=[1.0, 0.1, 0.01])
    tg.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    tg.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override for every run")
    tg.set_defaults(func=run_train_grid)

    ev = sub.add_parser("evaluate", help="recipe stage: score every trained run on dev and test",
                        description="Find <runs>/<variant>/p<percent>/s<seed>/model, predict every utterance of "
                        "each --cuts NAME=MANIFEST and write eval.json (intent and per-slot accuracy) per run. "
                        "Runs with an eval.json are skipped.")
    ev.add_argument("--runs", required=True, type=Path)
    ev.add_argument("--cuts", action="append", required=True, metavar="NAME=MANIFEST")
    ev.add_argument("--batch-size", type=bounded_int(*BATCH_SIZE_RANGE), default=32)
    ev.add_argument("--overwrite", action="store_true", help="re-evaluate runs that have an eval.json")
    ev.set_defaults(func=run_evaluate)

    tb = sub.add_parser("table", help="recipe stage: the comparison table (Markdown) from eval.json files",
                        description="Mean and std over seeds of intent and per-slot accuracy per variant and "
                        "training share.")
    tb.add_argument("--runs", required=True, type=Path)
    tb.add_argument("--variants", nargs="+", default=None, help="row order (default: as found)")
    tb.add_argument("--baseline", default="scratch", help="variant the gains are measured against")
    tb.add_argument("--describe", action="append", default=[], metavar="VARIANT=TEXT", help="a row's description")
    tb.add_argument("--note", action="append", default=[], help="a line above the table")
    tb.add_argument("--split", default="test")
    tb.add_argument("--asr", action="append", default=[], type=Path, metavar="RUN_DIR",
                    help="an ASR pre-training run to list (dev CER, steps, time); repeatable")
    tb.add_argument("--output", "-o", required=True, type=Path)
    tb.set_defaults(func=run_table)

    pk = sub.add_parser("package", help="recipe stage: copy the best run's model (chosen on dev)",
                        description="Pick the variant with the best mean dev accuracy at --fraction among "
                        "--variants (default: all whose model is at most --max-mb), then its best seed on dev, "
                        "and copy its model directory to --out (with selection.json).")
    pk.add_argument("--runs", required=True, type=Path)
    pk.add_argument("--fraction", type=float, default=1.0)
    pk.add_argument("--variants", nargs="+", default=None)
    pk.add_argument("--max-mb", type=float, default=10.0, help="only models at most this large (shippable)")
    pk.add_argument("--out", required=True, type=Path)
    pk.set_defaults(func=run_package)

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
            "recipes/bootstrap/slu/run.sh or pass --model DIR"
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


def run_prepare(args: argparse.Namespace) -> int:
    """Handler of ``speech slu prepare``."""
    from speech.slu.recipe import prepare_slu_data

    paths = prepare_slu_data(args.corpus, args.out, args.language, args.fractions, args.seeds, args.dev_small)
    print(f"wrote the {args.language} SLU manifests, labels and subsets to {paths.out_dir}")
    return 0


def _pairs(values: list[str], what: str, sep: str) -> list[tuple[str, str]]:
    out = []
    for v in values:
        left, found, right = v.partition(sep)
        if not found or not left or not right:
            raise SystemExit(f"speech slu: error: {what} {v!r} must look like LEFT{sep}RIGHT")
        out.append((left, right))
    return out


def run_asr_cuts(args: argparse.Namespace) -> int:
    """Handler of ``speech slu asr-cuts``."""
    from speech.slu.recipe import prepare_asr_cuts

    sources = [(d, prefix) for d, prefix in (tuple(s.rsplit(":", 1)) if ":" in s else (s, "") for s in args.source)]
    if any(not prefix for _, prefix in sources):
        raise SystemExit("speech slu asr-cuts: error: --source must look like DIR:PREFIX (e.g. data/corpus:bootstrap_asr)")
    n = prepare_asr_cuts(sources, args.split, args.output, args.languages, args.exclude, args.max_duration)
    print(f"{args.output}: {n} utterances")
    return 0


def run_train_grid(args: argparse.Namespace) -> int:
    """Handler of ``speech slu train-grid``."""
    from speech.slu.recipe import train_grid

    variants: dict[str, list[str]] = {}
    for spec in args.variant:
        name, _, overrides = spec.partition("=")
        if not name or name in variants:
            raise SystemExit(f"speech slu train-grid: error: --variant {spec!r} needs a new NAME=OVERRIDES")
        variants[name] = overrides.split()
    done = train_grid(args.config, args.runs, variants, args.fractions, args.seeds, args.set)
    print(f"trained {len(done)} runs under {args.runs}")
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    """Handler of ``speech slu evaluate``."""
    from speech.slu.recipe import evaluate_runs

    cuts = dict(_pairs(args.cuts, "--cuts", "="))
    results = evaluate_runs(args.runs, cuts, batch_size=args.batch_size, overwrite=args.overwrite)
    print(f"evaluated {len(results)} runs under {args.runs}")
    return 0


def run_table(args: argparse.Namespace) -> int:
    """Handler of ``speech slu table``."""
    from speech.fileio import atomic_write_text
    from speech.slu.recipe import EVAL_FILE
    from speech.slu.results import asr_run_summary, read_records, render_asr_markdown, render_markdown, summarize

    records = read_records(sorted(args.runs.glob(f"*/p*/s*/{EVAL_FILE}")))
    summary = summarize(records, args.variants, split=args.split)
    descriptions = dict(_pairs(args.describe, "--describe", "="))
    text = render_markdown(summary, baseline=args.baseline, descriptions=descriptions, notes=args.note)
    if args.asr:
        text += render_asr_markdown([asr_run_summary(d) for d in args.asr], descriptions)
    atomic_write_text(args.output, text)
    print(f"wrote {args.output} ({len(records)} runs)")
    return 0


def run_package(args: argparse.Namespace) -> int:
    """Handler of ``speech slu package``."""
    from speech.fileio import atomic_write_text
    from speech.slu.model import SLUModel
    from speech.slu.recipe import EVAL_FILE, RunKey
    from speech.slu.results import pick_best, read_records

    records = read_records(sorted(args.runs.glob(f"*/p*/s*/{EVAL_FILE}")))

    def size_mb(r: dict) -> float:
        key = RunKey(r["variant"], float(r["fraction"]), int(r["seed"]))
        return sum(f.stat().st_size for f in (args.runs / key.relpath / "model").iterdir()) / 1e6

    small = [r for r in records if size_mb(r) <= args.max_mb]
    best = pick_best(small, args.fraction, args.variants)
    key = RunKey(best["variant"], float(best["fraction"]), int(best["seed"]))
    source = args.runs / key.relpath / "model"
    SLUModel.from_pretrained(source)  # checksums and weights must load before shipping
    if args.out.exists():
        shutil.rmtree(args.out)
    shutil.copytree(source, args.out)
    atomic_write_text(args.out / "selection.json", json.dumps({"run": key.relpath, **best}, indent=1) + "\n")
    print(f"packaged {key.relpath} (dev accuracy {best['dev']['accuracy']:.3f}) to {args.out}")
    return 0
