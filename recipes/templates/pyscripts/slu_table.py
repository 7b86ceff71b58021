"""The comparison table of the SLU transfer study: per-run scores -> mean and spread -> Markdown.

Last stages of ``recipes/bootstrap/slu/run.sh``: ``table`` writes ``RESULTS.md``, ``package``
copies the model to ship (``python slu_table.py COMMAND --help``).

Input: one record per run (``<runs>/<variant>/p<percent>/s<seed>/eval.json``, written by
``slu_study.py evaluate``)::

    {"variant": "scratch", "fraction": 0.1, "seed": 2,
     "test": {"accuracy": 0.81, "slot_accuracy": {"action": 0.9, ...}, "utterances": 558},
     "dev": {...}, "training": {"steps": 150, "seconds": 61.0}}

:func:`summarize` groups runs by (variant, fraction) and gives the mean and the sample standard
deviation over seeds of the intent accuracy (every slot right) and of each slot's accuracy.
:func:`render_markdown` writes the tables; :func:`pick_best` chooses the model to ship: the variant
with the best mean *dev* accuracy at one fraction, then its seed with the best dev accuracy (test
figures never choose anything). Bad input ends as one ``error:`` line, exit status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from speech.errors import SpeechError


class ResultsError(SpeechError, ValueError):
    """Run records that cannot be tabulated (missing keys, no runs for a requested variant)."""


@dataclass(frozen=True)
class Stat:
    """Mean and sample standard deviation over seeds (std is 0 for a single seed)."""

    mean: float
    std: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Stat:
        if not values:
            raise ResultsError("no values to summarise")
        std = statistics.stdev(values) if len(values) > 1 else 0.0
        return cls(statistics.fmean(values), std, len(values))

    def format(self, percent: bool = True) -> str:
        scale = 100.0 if percent else 1.0
        return f"{self.mean * scale:.1f} ± {self.std * scale:.1f}"


@dataclass(frozen=True)
class CellSummary:
    """One (variant, fraction): intent accuracy, per-slot accuracy, seeds and training cost."""

    variant: str
    fraction: float
    accuracy: Stat
    slot_accuracy: dict[str, Stat]
    seeds: list[int]
    dev_accuracy: Stat | None = None
    train_seconds: Stat | None = None
    cpu_seconds: Stat | None = None
    steps: int | None = None


@dataclass
class Summary:
    """All cells, with the variant and fraction order of the table."""

    cells: dict[tuple[str, float], CellSummary] = field(default_factory=dict)
    variants: list[str] = field(default_factory=list)
    fractions: list[float] = field(default_factory=list)
    split: str = "test"

    def cell(self, variant: str, fraction: float) -> CellSummary | None:
        return self.cells.get((variant, fraction))


def read_records(paths: Iterable[str | os.PathLike[str]]) -> list[dict[str, Any]]:
    """Load ``eval.json`` records."""
    return [json.loads(Path(p).read_text(encoding="utf-8")) for p in paths]


def _split_scores(record: Mapping[str, Any], split: str) -> Mapping[str, Any]:
    try:
        scores = record[split]
        float(scores["accuracy"])
        dict(scores["slot_accuracy"])
    except (KeyError, TypeError, ValueError) as e:
        raise ResultsError(
            f"run record {record.get('variant')}/{record.get('fraction')}/seed {record.get('seed')} has no "
            f"{split!r} accuracy and slot_accuracy ({e})"
        ) from e
    return scores


def summarize(records: Iterable[Mapping[str, Any]], variants: Sequence[str] | None = None,
              split: str = "test") -> Summary:
    """Mean and std over seeds per (variant, fraction); see the module docstring.

    Args:
        records: run records.
        variants: row order (and which variants must be present); default: as first seen.
        split: which evaluation split the table reports.

    Raises:
        ResultsError: a record without the split's scores, or a requested variant with no run.
    """
    groups: dict[tuple[str, float], list[Mapping[str, Any]]] = defaultdict(list)
    seen: list[str] = []
    for r in records:
        key = (str(r["variant"]), float(r["fraction"]))
        groups[key].append(r)
        if key[0] not in seen:
            seen.append(key[0])
    order = list(variants) if variants else seen
    missing = [v for v in order if v not in seen]
    if missing:
        raise ResultsError(f"no runs for variant(s) {missing}; runs found for {seen}")
    summary = Summary(variants=order, fractions=sorted({f for _, f in groups}, reverse=True), split=split)
    for (variant, fraction), runs in groups.items():
        if variant not in order:
            continue
        runs = sorted(runs, key=lambda r: int(r["seed"]))
        scores = [_split_scores(r, split) for r in runs]
        slots = sorted({s for sc in scores for s in sc["slot_accuracy"]})
        dev = [float(r["dev"]["accuracy"]) for r in runs if split != "dev" and "dev" in r]
        seconds = [float(r["training"]["seconds"]) for r in runs if "seconds" in r.get("training", {})]
        cpu = [float(r["training"]["cpu_seconds"]) for r in runs if "cpu_seconds" in r.get("training", {})]
        steps = [int(r["training"]["steps"]) for r in runs if "steps" in r.get("training", {})]
        summary.cells[(variant, fraction)] = CellSummary(
            variant=variant,
            fraction=fraction,
            accuracy=Stat.of([float(sc["accuracy"]) for sc in scores]),
            slot_accuracy={s: Stat.of([float(sc["slot_accuracy"].get(s, 0.0)) for sc in scores]) for s in slots},
            seeds=[int(r["seed"]) for r in runs],
            dev_accuracy=Stat.of(dev) if len(dev) == len(runs) and dev else None,
            train_seconds=Stat.of(seconds) if seconds else None,
            cpu_seconds=Stat.of(cpu) if cpu else None,
            steps=max(steps) if steps else None,
        )
    return summary


def _pct(fraction: float) -> str:
    return f"{fraction * 100:g} %"


def render_markdown(summary: Summary, baseline: str | None = None, descriptions: Mapping[str, str] | None = None,
                    title: str = "Bootstrap SLU: transfer strategies", notes: Sequence[str] = ()) -> str:
    """The tables as Markdown: intent accuracy per variant and fraction (with the gain over
    ``baseline`` in points), then per-slot accuracy per fraction, then training cost."""
    descriptions = descriptions or {}
    fr = summary.fractions
    lines = [f"# {title}", ""]
    lines += [f"- {n}" for n in notes]
    if notes:
        lines.append("")
    lines += [
        f"## Intent accuracy (all slots right), {summary.split} set, mean ± std over seeds (%)",
        "",
        "| variant | " + " | ".join(f"{_pct(f)} of train" for f in fr) + " |",
        "|---|" + "---:|" * len(fr),
    ]
    for v in summary.variants:
        cells = []
        for f in fr:
            c = summary.cell(v, f)
            if c is None:
                cells.append("–")
                continue
            text = c.accuracy.format()
            base = summary.cell(baseline, f) if baseline else None
            if base is not None and v != baseline:
                text += f" ({(c.accuracy.mean - base.accuracy.mean) * 100:+.1f})"
            cells.append(text)
        lines.append(f"| {v} | " + " | ".join(cells) + " |")
    if baseline:
        lines += ["", f"In brackets: difference from `{baseline}` in accuracy points."]
    if descriptions:
        lines += ["", "| variant | what it is |", "|---|---|"]
        lines += [f"| {v} | {descriptions.get(v, '')} |" for v in summary.variants]
    for f in fr:
        slots = sorted({s for v in summary.variants if summary.cell(v, f) for s in summary.cell(v, f).slot_accuracy})
        lines += [
            "",
            f"## Per-slot accuracy, {_pct(f)} of the training data ({summary.split}, %)",
            "",
            "| variant | intent | " + " | ".join(slots) + " | seeds |",
            "|---|---:|" + "---:|" * len(slots) + "---|",
        ]
        for v in summary.variants:
            c = summary.cell(v, f)
            if c is None:
                continue
            slot_cells = [c.slot_accuracy[s].format() if s in c.slot_accuracy else "–" for s in slots]
            lines.append(f"| {v} | {c.accuracy.format()} | " + " | ".join(slot_cells) + f" | {len(c.seeds)} |")
    timed = [c for c in summary.cells.values() if c.train_seconds is not None]
    if timed:
        lines += ["", "## Training cost per run: wall seconds (CPU seconds of the process), mean over seeds", "",
                  "| variant | " + " | ".join(_pct(f) for f in fr) + " | steps |", "|---|" + "---:|" * (len(fr) + 1)]
        for v in summary.variants:
            cells = []
            steps = None
            for f in fr:
                c = summary.cell(v, f)
                text = f"{c.train_seconds.mean:.0f}" if c and c.train_seconds else "–"
                if c and c.cpu_seconds:
                    text += f" ({c.cpu_seconds.mean:.0f})"
                cells.append(text)
                steps = steps or (c.steps if c else None)
            lines.append(f"| {v} | " + " | ".join(cells) + f" | {steps or '–'} |")
    return "\n".join(lines) + "\n"


def asr_run_summary(run_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """Last validation CER / WER, steps and wall time of an ASR pre-training run (from its logs)."""
    import csv

    run = Path(run_dir)
    metrics = run / "csv" / "metrics.csv"
    if not metrics.is_file():
        raise ResultsError(f"{run}: no csv/metrics.csv (not a finished `speech train` run?)")
    out: dict[str, Any] = {"name": run.name}
    with open(metrics, newline="") as f:
        for row in csv.DictReader(f):
            if row.get("step"):
                out["steps"] = max(out.get("steps", 0), int(float(row["step"])) + 1)
            for key in ("valid/cer", "valid/wer"):
                if row.get(key):
                    out[key.split("/")[1]] = float(row[key])
    for name in ("train_time.json", "train_seconds.txt"):
        timing = run / name
        if timing.is_file():
            text = timing.read_text(encoding="utf-8").strip()
            out["seconds"] = float(json.loads(text)["wall_seconds"]) if name.endswith(".json") else float(text)
            break
    return out


def render_asr_markdown(runs: Sequence[Mapping[str, Any]], descriptions: Mapping[str, str] | None = None) -> str:
    """A small table of the ASR pre-training runs (dev CER / WER of greedy CTC decoding, cost)."""
    descriptions = descriptions or {}
    lines = ["", "## ASR pre-training (CTC, characters; greedy decoding on a dev subset)", "",
             "| encoder | data | steps | dev CER | dev WER | wall seconds |", "|---|---|---:|---:|---:|---:|"]
    for r in runs:
        cer = f"{r['cer'] * 100:.1f} %" if "cer" in r else "–"
        wer = f"{r['wer'] * 100:.1f} %" if "wer" in r else "–"
        secs = f"{r['seconds']:.0f}" if "seconds" in r else "–"
        lines.append(f"| {r['name']} | {descriptions.get(r['name'], '')} | {r.get('steps', '–')} | {cer} | {wer} | {secs} |")
    return "\n".join(lines) + "\n"


def pick_best(records: Iterable[Mapping[str, Any]], fraction: float = 1.0,
              variants: Sequence[str] | None = None) -> Mapping[str, Any]:
    """The run to ship: best mean dev accuracy among ``variants`` at ``fraction``, then its best seed on dev.

    Raises:
        ResultsError: no run with dev scores at that fraction.
    """
    by_variant: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for r in records:
        if math.isclose(float(r["fraction"]), fraction) and "dev" in r and (variants is None or r["variant"] in variants):
            by_variant[str(r["variant"])].append(r)
    if not by_variant:
        raise ResultsError(f"no run with dev scores at fraction {fraction} (variants {variants or 'all'})")

    def mean_dev(v: str) -> float:
        return statistics.fmean(float(r["dev"]["accuracy"]) for r in by_variant[v])

    variant = max(sorted(by_variant), key=mean_dev)
    return max(by_variant[variant], key=lambda r: (float(r["dev"]["accuracy"]), -int(r["seed"])))


# ------------------------------------------------------------------------------------------------
# Command line

#: The file ``slu_study.py evaluate`` writes in each run directory.
EVAL_FILE = "eval.json"


def find_records(runs: Path) -> list[tuple[Path, dict[str, Any]]]:
    """``(run directory, eval.json record)`` of every evaluated run under ``runs``.

    Raises:
        ResultsError: no evaluated run.
    """
    paths = sorted(runs.glob(f"*/p*/s*/{EVAL_FILE}"))
    if not paths:
        raise ResultsError(f"no evaluated run (<variant>/p<percent>/s<seed>/{EVAL_FILE}) under {runs}")
    return [(p.parent, r) for p, r in zip(paths, read_records(paths))]


def _descriptions(parser: argparse.ArgumentParser, values: Sequence[str]) -> dict[str, str]:
    out = {}
    for value in values:
        variant, found, text = value.partition("=")
        if not found or not variant or not text:
            parser.error(f"--describe {value!r} must look like VARIANT=TEXT")
        out[variant] = text
    return out


def write_table(args: argparse.Namespace, parser: argparse.ArgumentParser) -> str:
    """``table``: the Markdown tables of every evaluated run (and the ASR pre-trainings)."""
    from speech.fileio import atomic_write_text

    records = [r for _, r in find_records(args.runs)]
    summary = summarize(records, args.variants, split=args.split)
    descriptions = _descriptions(parser, args.describe)
    text = render_markdown(summary, baseline=args.baseline, descriptions=descriptions, notes=args.note)
    if args.asr:
        text += render_asr_markdown([asr_run_summary(d) for d in args.asr], descriptions)
    atomic_write_text(args.output, text)
    return f"wrote {args.output} ({len(records)} runs)"


def package_best(args: argparse.Namespace) -> str:
    """``package``: copy the model of :func:`pick_best`'s run (among the small enough) to ``--out``."""
    from speech.fileio import atomic_write_text
    from speech.slu.model import SLUModel

    def size_mb(run: Path) -> float:
        return sum(f.stat().st_size for f in (run / "model").iterdir()) / 1e6

    found = find_records(args.runs)
    small = [(run, r) for run, r in found if size_mb(run) <= args.max_mb]
    best = pick_best([r for _, r in small], args.fraction, args.variants)
    run = next(run for run, r in small if r is best)
    source = run / "model"
    SLUModel.from_pretrained(source)  # checksums and weights must load before shipping
    if args.out.exists():
        shutil.rmtree(args.out)
    shutil.copytree(source, args.out)
    relpath = run.relative_to(args.runs).as_posix()
    atomic_write_text(args.out / "selection.json", json.dumps({"run": relpath, **best}, indent=1) + "\n")
    return f"packaged {relpath} (dev accuracy {best['dev']['accuracy']:.3f}) to {args.out}"


def build_parser() -> argparse.ArgumentParser:
    """The sub-commands (see the module docstring)."""
    p = argparse.ArgumentParser(prog="slu_table.py", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    tb = sub.add_parser("table", help="the comparison table (Markdown) from eval.json files",
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
    pk = sub.add_parser("package", help="copy the best run's model (chosen on dev)",
                        description="Pick the variant with the best mean dev accuracy at --fraction among "
                        "--variants (default: all whose model is at most --max-mb), then its best seed on dev, "
                        "and copy its model directory to --out (with selection.json).")
    pk.add_argument("--runs", required=True, type=Path)
    pk.add_argument("--fraction", type=float, default=1.0)
    pk.add_argument("--variants", nargs="+", default=None)
    pk.add_argument("--max-mb", type=float, default=10.0, help="only models at most this large (shippable)")
    pk.add_argument("--out", required=True, type=Path)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Command line; errors raised on purpose and OS errors end as one line on stderr, exit status 2."""
    from speech.cli import run_reporting_errors

    parser = build_parser()
    args = parser.parse_args(argv)
    return run_reporting_errors(f"slu_table {args.command}",
                                lambda: write_table(args, parser) if args.command == "table" else package_best(args))


if __name__ == "__main__":
    sys.exit(main())
