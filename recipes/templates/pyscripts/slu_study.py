"""Stages of the bootstrap SLU transfer study (``recipes/bootstrap/slu/run.sh``) besides the corpus.

The study compares transfer strategies for spoken language understanding on one language of the
bootstrap SLU corpus (:mod:`speech.data.bootstrap.slu`) with 100 %, 10 % and 1 % of its training
utterances. Sub-commands (``python slu_study.py COMMAND --help``):

- ``prepare`` (:func:`prepare_slu_data`) cuts the corpus down to one language and writes train /
  dev / test manifests, a small dev set for model selection during training, the label set, the
  character vocabulary, and one stratified training subset per (fraction, seed)
  (:func:`stratified_subset`: every intent keeps at least one utterance, so a 1 % subset still
  covers the label set);
- ``asr-cuts`` (:func:`prepare_asr_cuts`) gathers ASR pre-training cuts from one or more corpora
  (``DIR:PREFIX``: the bootstrap ASR subset, the bootstrap TTS corpus), keeping or excluding
  languages, so the same-language and the cross-language encoders train on disjoint languages;
- ``train-grid`` (:func:`train_grid`) trains every variant x share x seed in one process;
- ``evaluate`` (:func:`evaluate_runs`) scores every trained SLU model of a run tree on dev and test
  (intent and per-slot accuracy, :func:`speech.eval.intent.score_intents`) and writes
  ``eval.json`` next to it.

Runs live in ``<runs>/<variant>/p<percent>/s<seed>/`` (see :class:`RunKey`); ``slu_table.py``
writes the table and packages the best run. Bad input ends as one ``error:`` line, exit status 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from speech.errors import SpeechError
from speech.fileio import atomic_write_text

if TYPE_CHECKING:
    from lhotse import CutSet

logger = logging.getLogger("slu_study")

SLU_CORPUS = "bootstrap_slu"
EVAL_FILE = "eval.json"
TIME_FILE = "train_time.json"
_RUN_RE = re.compile(r"^p(?P<pct>[0-9.]+)$")
_SEED_RE = re.compile(r"^s(?P<seed>[0-9]+)$")


class RecipeDataError(SpeechError, ValueError):
    """Recipe inputs that cannot be used (missing manifests, no utterance of a language, bad fraction)."""


@dataclass(frozen=True, order=True)
class RunKey:
    """Which training a run directory holds: ``<variant>/p<percent>/s<seed>``."""

    variant: str
    fraction: float
    seed: int

    @property
    def relpath(self) -> str:
        return f"{self.variant}/p{percent_label(self.fraction)}/s{self.seed}"

    @classmethod
    def from_relpath(cls, rel: str | os.PathLike[str]) -> RunKey:
        """Parse ``<variant>/p<percent>/s<seed>``.

        Raises:
            RecipeDataError: the path does not have that form.
        """
        parts = Path(rel).parts
        if len(parts) != 3 or not _RUN_RE.match(parts[1]) or not _SEED_RE.match(parts[2]):
            raise RecipeDataError(f"run directory {rel} is not of the form <variant>/p<percent>/s<seed>")
        pct = float(_RUN_RE.match(parts[1])["pct"])  # type: ignore[index]
        return cls(parts[0], pct / 100.0, int(_SEED_RE.match(parts[2])["seed"]))  # type: ignore[index]


def percent_label(fraction: float) -> str:
    """``1.0 -> "100"``, ``0.1 -> "10"``, ``0.005 -> "0.5"`` (file and directory names)."""
    return f"{fraction * 100:g}"


# ------------------------------------------------------------------------------------------------
# Data


def corpus_cuts(corpus_dir: str | os.PathLike[str], corpus: str, split: str, languages: Sequence[str] | None = None,
                exclude: Sequence[str] = ()) -> CutSet:
    """Cuts of ``<corpus>_{recordings,supervisions}_<split>.jsonl.gz``, filtered by supervision language.

    Args:
        corpus_dir: directory of the manifests.
        corpus: manifest prefix (``bootstrap_slu``, ``bootstrap_asr``, ``bootstrap_tts``).
        split: ``train``, ``dev``, ``test``...
        languages: keep only these languages (None: all).
        exclude: drop these languages.

    Raises:
        RecipeDataError: the manifests do not exist.
    """
    from lhotse import CutSet, load_manifest

    d = Path(corpus_dir)
    rec_path = d / f"{corpus}_recordings_{split}.jsonl.gz"
    sup_path = d / f"{corpus}_supervisions_{split}.jsonl.gz"
    for p in (rec_path, sup_path):
        if not p.is_file():
            raise RecipeDataError(f"manifest not found: {p} (build the corpus first: see recipe stage 1)")
    keep = set(languages) if languages is not None else None
    drop = set(exclude)
    sups = load_manifest(sup_path).filter(
        lambda s: (keep is None or s.language in keep) and s.language not in drop
    )
    recs = load_manifest(rec_path)
    ids = {s.recording_id for s in sups}
    recs = recs.filter(lambda r: r.id in ids)
    return CutSet.from_manifests(recordings=recs, supervisions=sups).to_eager()


def _intent_key(cut: Any) -> str:
    from speech.slu.labels import cut_intent

    intent = cut_intent(cut)
    if intent is None:
        raise RecipeDataError(f"cut {cut.id} has no custom['intent'] (not an SLU manifest?)")
    return json.dumps(intent, sort_keys=True)


def stratified_subset(cuts: CutSet, fraction: float, seed: int) -> CutSet:
    """About ``fraction`` of ``cuts``, the same share of every intent and at least one of each.

    The draw depends only on ``seed`` and the cut ids (not on the manifest order), so two calls
    with the same arguments give the same subset.

    Raises:
        RecipeDataError: ``fraction`` outside ``(0, 1]``.
    """
    if not 0.0 < fraction <= 1.0:
        raise RecipeDataError(f"fraction must be within (0, 1], got {fraction}")
    if fraction == 1.0:
        return cuts
    groups: dict[str, list[str]] = defaultdict(list)
    for cut in cuts:
        groups[_intent_key(cut)].append(cut.id)
    rng = random.Random(seed)
    chosen: set[str] = set()
    for key in sorted(groups):
        ids = sorted(groups[key])
        rng.shuffle(ids)
        chosen.update(ids[: max(1, round(fraction * len(ids)))])
    return cuts.filter(lambda c: c.id in chosen).to_eager()


@dataclass(frozen=True)
class SLUDataPaths:
    """Files written by :func:`prepare_slu_data`."""

    out_dir: Path
    language: str

    def cuts(self, name: str) -> Path:
        return self.out_dir / f"{name}_cuts.jsonl.gz"

    def subset(self, fraction: float, seed: int) -> Path:
        return self.cuts(f"train_p{percent_label(fraction)}_s{seed}")

    @property
    def labels(self) -> Path:
        return self.out_dir / "labels.json"

    @property
    def tokens(self) -> Path:
        return self.out_dir / "tokens.json"


def prepare_slu_data(
    corpus_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    language: str,
    fractions: Sequence[float],
    seeds: Sequence[int],
    dev_small: int = 200,
) -> SLUDataPaths:
    """Write the recipe's SLU manifests for one language (see the module docstring).

    Existing files are kept (the step is resumable). Writes ``{train,dev,dev_small,test}_cuts``
    (and ``test_phrasing_cuts`` when the corpus has that split: test speakers, held-out phrasings),
    ``train_p<percent>_s<seed>_cuts`` per fraction and seed, ``labels.json`` (from the whole
    training set, so every subset's model predicts the same label set) and ``tokens.json``
    (characters of the training transcripts, for multitask CTC).

    Raises:
        RecipeDataError: missing manifests, or no utterance of ``language`` in a split.
    """
    from speech.asr.tokens import build_char_vocabulary, save_vocabulary
    from speech.data.bootstrap.slu import PHRASING_SPLIT
    from speech.slu.labels import build_label_schema, cut_intent, save_labels

    paths = SLUDataPaths(Path(out_dir), language)
    paths.out_dir.mkdir(parents=True, exist_ok=True)
    splits: dict[str, CutSet] = {}
    for split in ("train", "dev", "test"):
        target = paths.cuts(split)
        if target.is_file():
            from lhotse import CutSet

            splits[split] = CutSet.from_file(target).to_eager()
            continue
        cuts = corpus_cuts(corpus_dir, SLU_CORPUS, split, [language])
        if len(cuts) == 0:
            raise RecipeDataError(f"{corpus_dir}: no {split} utterance in language {language!r}")
        cuts.to_file(target)
        splits[split] = cuts
        logger.info("%s: %d utterances", target, len(cuts))
    # Test speakers reading phrasings that training never saw (corpora built since that split exists).
    phrasing = paths.cuts(PHRASING_SPLIT)
    if not phrasing.is_file() and (Path(corpus_dir) / f"{SLU_CORPUS}_supervisions_{PHRASING_SPLIT}.jsonl.gz").is_file():
        cuts = corpus_cuts(corpus_dir, SLU_CORPUS, PHRASING_SPLIT, [language])
        if len(cuts):
            cuts.to_file(phrasing)
            logger.info("%s: %d utterances", phrasing, len(cuts))
    if not paths.cuts("dev_small").is_file():
        dev = splits["dev"]
        share = min(1.0, dev_small / max(len(dev), 1))
        stratified_subset(dev, share, seed=0).to_file(paths.cuts("dev_small"))
    train = splits["train"]
    for fraction in fractions:
        for seed in seeds:
            target = paths.subset(fraction, seed)
            if not target.is_file():
                subset = stratified_subset(train, fraction, seed)
                subset.to_file(target)
                logger.info("%s: %d utterances", target, len(subset))
    if not paths.labels.is_file():
        save_labels(paths.labels, build_label_schema(cut_intent(c) for c in train))
    if not paths.tokens.is_file():
        texts = [s.text for c in train for s in c.supervisions if s.text]
        save_vocabulary(paths.tokens, build_char_vocabulary(texts), unit="char")
    return paths


def prepare_asr_cuts(
    sources: Iterable[tuple[str | os.PathLike[str], str]],
    split: str,
    out: str | os.PathLike[str],
    languages: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    max_duration: float | None = None,
) -> int:
    """Concatenate ASR cuts of several corpora into one manifest; returns the number of cuts.

    Args:
        sources: ``(manifest directory, corpus prefix)`` pairs; a pair whose manifests for
            ``split`` do not exist is skipped with a warning (the TTS corpus has no ``dev`` in
            some sizes).
        split: which split to read.
        out: the manifest to write (kept when it exists).
        languages / exclude: language filter (see :func:`corpus_cuts`).
        max_duration: drop longer utterances (seconds).

    Raises:
        RecipeDataError: no cut at all.
    """
    from lhotse import CutSet

    target = Path(out)
    if target.is_file():
        return len(CutSet.from_file(target))
    parts = []
    for directory, corpus in sources:
        try:
            cuts = corpus_cuts(directory, corpus, split, languages, exclude)
        except RecipeDataError as e:
            logger.warning("skipping %s: %s", corpus, e)
            continue
        if max_duration is not None:
            cuts = cuts.filter(lambda c: c.duration <= max_duration).to_eager()
        parts.append(cuts)
    cuts = CutSet.from_cuts(c for part in parts for c in part)
    if len(cuts) == 0:
        raise RecipeDataError(
            f"no {split} ASR utterances (languages {languages or 'all'}, excluding {list(exclude)}) in {list(sources)}"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    cuts.to_file(target)
    return len(cuts)


# ------------------------------------------------------------------------------------------------
# Evaluation


def find_runs(runs_dir: str | os.PathLike[str]) -> dict[RunKey, Path]:
    """Trained runs (``<variant>/p<percent>/s<seed>/model``) under ``runs_dir``."""
    root = Path(runs_dir)
    found: dict[RunKey, Path] = {}
    for model in sorted(root.glob("*/p*/s*/model")):
        if (model / "config.yaml").is_file():
            found[RunKey.from_relpath(model.parent.relative_to(root))] = model.parent
    return found


def _load_split(path: Path, sample_rate: int) -> tuple[list[str], list[Any], dict[str, Any]]:
    """Ids, waveforms (at ``sample_rate``) and reference examples of a cuts manifest."""
    from lhotse import CutSet

    from speech.eval.intent import IntentExample
    from speech.slu.labels import cut_intent

    cuts = CutSet.from_file(path).to_eager()
    ids, wavs, refs = [], [], {}
    for cut in cuts:
        if cut.sampling_rate != sample_rate:
            cut = cut.resample(sample_rate)
        ids.append(cut.id)
        wavs.append(cut.load_audio()[0])
        refs[cut.id] = IntentExample(cut.id, cut_intent(cut) or {}, cut.supervisions[0].speaker)
    return ids, wavs, refs


def evaluate_model(model_dir: str | os.PathLike[str], splits: dict[str, tuple[list[str], list[Any], dict[str, Any]]],
                   batch_size: int = 32) -> dict[str, Any]:
    """Intent and per-slot accuracy of one saved SLU model on preloaded splits.

    Returns:
        ``{split: {"utterances", "accuracy", "slot_accuracy", "seconds"}}``.
    """
    import time

    from speech.eval.intent import score_intents
    from speech.slu.inference import SLUInferenceConfig, SLUPredictor

    predictor = SLUPredictor.from_pretrained(model_dir, SLUInferenceConfig(batch_size=batch_size))
    out: dict[str, Any] = {}
    for name, (ids, wavs, refs) in splits.items():
        start = time.perf_counter()
        predictions = predictor.predict(wavs, ids)
        seconds = time.perf_counter() - start
        report = score_intents(refs, {p.source: p.intent for p in predictions})
        out[name] = {
            "utterances": report.num_utterances,
            "accuracy": report.accuracy,
            "slot_accuracy": report.slot_accuracy,
            "seconds": round(seconds, 3),
        }
    return out


def evaluate_runs(
    runs_dir: str | os.PathLike[str],
    cuts: dict[str, str | os.PathLike[str]],
    batch_size: int = 32,
    overwrite: bool = False,
) -> dict[RunKey, dict[str, Any]]:
    """Score every run under ``runs_dir`` on each of ``cuts`` (name -> manifest); writes ``eval.json``.

    Audio is loaded once for all models. Runs that already have ``eval.json`` are read, not redone
    (unless ``overwrite``).

    Raises:
        RecipeDataError: no trained run under ``runs_dir``.
    """
    from tqdm import tqdm

    from speech.slu.model import SLUModel

    runs = find_runs(runs_dir)
    if not runs:
        raise RecipeDataError(f"no trained SLU run (<variant>/p<percent>/s<seed>/model) under {runs_dir}")
    results: dict[RunKey, dict[str, Any]] = {}
    todo = []
    for key, run in runs.items():
        path = run / EVAL_FILE
        if path.is_file() and not overwrite:
            results[key] = json.loads(path.read_text(encoding="utf-8"))
        else:
            todo.append((key, run))
    loaded: dict[int, dict[str, Any]] = {}
    for key, run in tqdm(todo, desc="evaluate", unit="model", disable=not todo):
        rate = SLUModel.config_from_pretrained(run / "model").encoder.sample_rate
        if rate not in loaded:
            loaded[rate] = {name: _load_split(Path(p), rate) for name, p in cuts.items()}
        scores = evaluate_model(run / "model", loaded[rate], batch_size)
        record = {"variant": key.variant, "fraction": key.fraction, "seed": key.seed, **scores}
        train_info = _train_metrics(run)
        if train_info:
            record["training"] = train_info
        atomic_write_text(run / EVAL_FILE, json.dumps(record, indent=1) + "\n")
        results[key] = record
    return results


def _train_metrics(run: Path) -> dict[str, Any]:
    """Wall time and steps of a run, from its logs (empty when unknown)."""
    import csv

    metrics = run / "csv" / "metrics.csv"
    if not metrics.is_file():
        return {}
    steps = 0
    with open(metrics, newline="") as f:
        for row in csv.DictReader(f):
            if row.get("step"):
                steps = max(steps, int(float(row["step"])))
    out: dict[str, Any] = {"steps": steps + 1}
    timing = run / TIME_FILE
    if timing.is_file():
        recorded = json.loads(timing.read_text(encoding="utf-8"))
        out["seconds"] = float(recorded["wall_seconds"])
        if "cpu_seconds" in recorded:
            out["cpu_seconds"] = float(recorded["cpu_seconds"])
    return out


# ------------------------------------------------------------------------------------------------
# Training the grid


def grid_overrides(template: Sequence[str], key: RunKey) -> list[str]:
    """``key=value`` overrides with ``{variant}``, ``{pct}`` and ``{seed}`` filled in for one run."""
    fields = {"variant": key.variant, "pct": percent_label(key.fraction), "seed": key.seed}
    return [t.format(**fields) for t in template]


def _init_ready(config: Any) -> bool:
    """Whether a run's initial model (``task_conf.init``, when it names one) exists."""
    init = getattr(config.task_conf, "init", None)
    if init is None or init.source not in ("asr", "slu"):
        return True
    return Path(init.path, "config.yaml").is_file()


def train_grid(
    config_path: str | os.PathLike[str],
    runs_dir: str | os.PathLike[str],
    variants: dict[str, list[str]],
    fractions: Sequence[float],
    seeds: Sequence[int],
    common: Sequence[str] = (),
) -> list[RunKey]:
    """Train every (seed, fraction, variant) of the study in this process; returns the runs trained.

    One process for all runs: importing torch, Lightning and ESPnet costs several CPU seconds,
    which is a large share of a one-minute training. Seeds are the outer loop, so an interrupted
    study already holds complete tables for its first seeds. A run whose ``model/`` exists is
    skipped; a run with a checkpoint resumes (:func:`speech.train.engine.train`). The wall and CPU
    time of each training go to ``train_time.json`` in its directory.

    Args:
        config_path: the shared YAML.
        runs_dir: runs go to ``<runs_dir>/<variant>/p<percent>/s<seed>``.
        variants: name -> its overrides.
        fractions / seeds: the grid.
        common: overrides for every run; ``{variant}``, ``{pct}`` and ``{seed}`` are filled in.

    Raises:
        ConfigError: a bad override (checked for every run before the first training starts).
    """
    import time

    from tqdm import tqdm

    from speech.train.config import load_config
    from speech.train.engine import train
    from speech.train.schema import TrainConfig

    root = Path(runs_dir)
    plan = []
    for seed in seeds:
        for fraction in fractions:
            for variant, extra in variants.items():
                key = RunKey(variant, fraction, seed)
                run = root / key.relpath
                overrides = [*grid_overrides(common, key), *grid_overrides(extra, key),
                             f"exp_dir={run}", f"trainer.seed={seed}", f"data.sampler.seed={seed}"]
                plan.append((key, run, load_config(TrainConfig, config_path, overrides)))

    done = []
    bar = tqdm(total=len(plan), desc="SLU grid", unit="run")
    queue = list(plan)
    while queue:
        # The first run in grid order whose init model exists: an ASR model still being trained by
        # a stage running alongside delays only the runs that need it.
        ready = next((i for i, (_, _, c) in enumerate(queue) if _init_ready(c)), None)
        if ready is None:
            key, _, config = queue[0]
            raise RecipeDataError(f"{key.relpath}: init model {config.task_conf.init.path} does not exist (train it first)")
        key, run, config = queue.pop(ready)
        if (run / "model" / "config.yaml").is_file():
            bar.update(1)
            continue
        bar.set_postfix_str(key.relpath)
        start, cpu_start = time.perf_counter(), time.process_time()
        result = train(config)
        seconds = time.perf_counter() - start
        # CPU seconds as well as wall seconds: on a shared machine the wall time says little.
        timing = {"wall_seconds": round(seconds, 1), "cpu_seconds": round(time.process_time() - cpu_start, 1)}
        atomic_write_text(run / TIME_FILE, json.dumps(timing) + "\n")
        bar.write(f"{key.relpath}: {result.steps} steps in {seconds:.0f} s; " + ", ".join(
            f"{k}={v:.3f}" for k, v in sorted(result.metrics.items()) if k.startswith("valid/acc")))
        done.append(key)
        bar.update(1)
    bar.close()
    return done


# ------------------------------------------------------------------------------------------------
# Command line


def _pairs(parser: argparse.ArgumentParser, values: Sequence[str], option: str, sep: str,
           form: str) -> list[tuple[str, str]]:
    """Option values ``LEFT<sep>RIGHT`` as pairs; a malformed value is a usage error (exit status 2)
    that shows ``form``. ``NAME=PATH`` splits at the first ``=``, ``DIR:PREFIX`` at the last ``:``
    (each side that may hold the separator is the path)."""
    out = []
    for value in values:
        left, found, right = value.rpartition(sep) if sep == ":" else value.partition(sep)
        if not found or not left or not right:
            parser.error(f"{option} {value!r} must look like {form}")
        out.append((left, right))
    return out


def build_parser() -> argparse.ArgumentParser:
    """The sub-commands (see the module docstring)."""
    from speech.options import BATCH_SIZE_RANGE, bounded_int

    p = argparse.ArgumentParser(prog="slu_study.py", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    pp = sub.add_parser("prepare", help="one language's SLU manifests and training subsets",
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

    ac = sub.add_parser("asr-cuts", help="ASR pre-training manifest from corpora, by language",
                        description="Concatenate the cuts of one split of several corpora (DIR:PREFIX, e.g. "
                        "data/corpus:bootstrap_asr), keeping (--languages) or dropping (--exclude) languages.")
    ac.add_argument("--source", action="append", required=True, metavar="DIR:PREFIX",
                    help="manifest directory and corpus prefix (repeatable)")
    ac.add_argument("--split", default="train")
    ac.add_argument("--languages", nargs="+", default=None, help="keep only these languages")
    ac.add_argument("--exclude", nargs="+", default=[], help="drop these languages")
    ac.add_argument("--max-duration", type=float, default=None, help="drop longer utterances (seconds)")
    ac.add_argument("--output", "-o", required=True, type=Path)

    tg = sub.add_parser("train-grid", help="train every variant x training share x seed",
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

    ev = sub.add_parser("evaluate", help="score every trained run on dev and test",
                        description="Find <runs>/<variant>/p<percent>/s<seed>/model, predict every utterance of "
                        "each --cuts NAME=MANIFEST and write eval.json (intent and per-slot accuracy) per run. "
                        "Runs with an eval.json are skipped.")
    ev.add_argument("--runs", required=True, type=Path)
    ev.add_argument("--cuts", action="append", required=True, metavar="NAME=MANIFEST")
    ev.add_argument("--batch-size", type=bounded_int(*BATCH_SIZE_RANGE), default=32)
    ev.add_argument("--overwrite", action="store_true", help="re-evaluate runs that have an eval.json")
    return p


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> str:
    """Run one sub-command; returns the line that reports what it did."""
    if args.command == "prepare":
        paths = prepare_slu_data(args.corpus, args.out, args.language, args.fractions, args.seeds, args.dev_small)
        return f"wrote the {args.language} SLU manifests, labels and subsets to {paths.out_dir}"
    if args.command == "asr-cuts":
        sources = _pairs(parser, args.source, "--source", ":", "DIR:PREFIX (e.g. data/corpus:bootstrap_asr)")
        n = prepare_asr_cuts(sources, args.split, args.output, args.languages, args.exclude, args.max_duration)
        return f"{args.output}: {n} utterances"
    if args.command == "train-grid":
        variants: dict[str, list[str]] = {}
        for spec in args.variant:
            name, _, overrides = spec.partition("=")  # the overrides hold '=' themselves
            if not name or name in variants:
                parser.error(f"--variant {spec!r} needs a new NAME=OVERRIDES")
            variants[name] = overrides.split()
        done = train_grid(args.config, args.runs, variants, args.fractions, args.seeds, args.set)
        return f"trained {len(done)} runs under {args.runs}"
    cuts = dict(_pairs(parser, args.cuts, "--cuts", "=", "NAME=MANIFEST"))
    results = evaluate_runs(args.runs, cuts, batch_size=args.batch_size, overwrite=args.overwrite)
    return f"evaluated {len(results)} runs under {args.runs}"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line; errors raised on purpose and OS errors end as one line on stderr, exit status 2."""
    from speech.cli import run_reporting_errors

    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    return run_reporting_errors(f"slu_study {args.command}", lambda: run(args, parser))


if __name__ == "__main__":
    sys.exit(main())
