"""Last recipe stage: write ``RESULTS.md`` from what the earlier stages left on disk.

``tts``: the data (utterances, speakers, hours per split), each acoustic model's size and training
curve (first and last logged training mel L1, last validation mel L1) and the evaluation table of
``speech tts evaluate`` (per model and set: speaker similarity, speaker-id accuracy, MCD, emotion
accuracy).

``slu``: the data, the model, and ``speech eval intent``'s figures on the test split: intent
accuracy (every slot right), per-slot accuracy, and the majority-class baseline (the most frequent
training intent for every test utterance) as the floor to beat.

Every figure comes from a file; nothing here is typed in by hand.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SPLITS: tuple[str, ...] = ("train", "dev", "test", "heldout")


def data_table(split_dir: Path, corpus: str) -> str:
    """Markdown table of utterances, speakers, languages and hours per split."""
    from lhotse import SupervisionSet

    from speech.data.manifests import manifest_paths

    rows = ["| split | utterances | speakers | languages | hours |", "|---|---|---|---|---|"]
    for split in SPLITS:
        path = manifest_paths(split_dir, corpus, split)[1]
        if not path.is_file():
            continue
        sups = SupervisionSet.from_file(path).to_eager()
        hours = sum(s.duration for s in sups) / 3600
        rows.append(f"| {split} | {len(sups)} | {len({s.speaker for s in sups})} | "
                    f"{' '.join(sorted({s.language for s in sups}))} | {hours:.3f} |")
    return "\n".join(rows) + "\n"


def count_parameters(model_dir: Path) -> int:
    """Number of weights in ``model.safetensors`` (read from the header; nothing is loaded)."""
    from safetensors import safe_open

    total = 0
    with safe_open(str(model_dir / "model.safetensors"), framework="pt") as f:
        for key in f.keys():
            n = 1
            for d in f.get_slice(key).get_shape():
                n *= d
            total += n
    return total


def training_curve(run_dir: Path, metric: str) -> dict[str, float | int | None]:
    """First and last logged ``train/<metric>``, last ``valid/<metric>`` and the last step."""
    path = run_dir / "csv" / "metrics.csv"
    train: list[float] = []
    valid: list[float] = []
    step = 0
    if path.is_file():
        with path.open(newline="") as f:
            for row in csv.DictReader(f):
                step = max(step, int(float(row.get("step") or 0)))
                if row.get(f"train/{metric}"):
                    train.append(float(row[f"train/{metric}"]))
                if row.get(f"valid/{metric}"):
                    valid.append(float(row[f"valid/{metric}"]))
    return {"steps": step, "train_first": train[0] if train else None, "train_last": train[-1] if train else None,
            "valid_last": valid[-1] if valid else None}


def _fmt(value: float | int | None, digits: int = 3) -> str:
    return "" if value is None else f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def tts_results(title: str, recipe: str, config: str, split_dir: Path, exp: Path, runs: Sequence[str]) -> str:
    """The RESULTS.md of a TTS recipe."""
    from speech.tts.evaluate import markdown_table

    info = json.loads((split_dir / "split_info.json").read_text(encoding="utf-8"))
    corpus = info["corpus"]
    names = {"adv": "adversarial", "noadv": "no_adversarial"}
    train_rows = ["| model | parameters | last logged step | train mel L1 (first) | train mel L1 (last) | valid mel L1 (last) |",
                  "|---|---|---|---|---|---|"]
    summaries: dict[str, Any] = {}
    for run in runs:
        curve = training_curve(exp / f"tts_{run}", "mel")
        params = count_parameters(exp / f"tts_{run}" / "model")
        train_rows.append(f"| {names[run]} | {params / 1e6:.2f} M | {curve['steps']} | {_fmt(curve['train_first'])} | "
                          f"{_fmt(curve['train_last'])} | {_fmt(curve['valid_last'])} |")
        result = json.loads((exp / "eval" / names[run] / "results.json").read_text(encoding="utf-8"))
        summaries[names[run]] = result["summary"]
    held = ", ".join(info["heldout_speakers"]) or "none"
    return (
        f"# {title}: TTS results\n\n"
        f"Written by stage 6 of `{recipe}/run.sh` on {_now()}, config `{config}`.\n\n"
        f"## Data (`{split_dir}`)\n\n{data_table(split_dir, corpus)}\n"
        f"Held-out speakers (zero-shot set): {held}.\n\n"
        f"## Acoustic models\n\n" + "\n".join(train_rows) + "\n\n"
        "## Evaluation (`speech tts evaluate`)\n\n" + markdown_table(summaries) + "\n"
        "sim_target / sim_other: cosine similarity of GE2E (resemblyzer) embeddings of the output to the "
        "target voice's real clips / to the other voices; speaker_id_correct: share of outputs whose nearest "
        "voice is the target; mcd: mel-cepstral distortion (dB, DTW) against the real recording (in_language, "
        "zero_shot); emotion_correct: share of emotional outputs that the model's emotion network classifies "
        "as the asked emotion; cer / wer (with --eval-asr-model): error rates of an ASR model on the outputs. "
        "Per-clip figures and audio: `eval/<model>/`.\n"
    )


def majority_baseline(train_cuts: Path, refs: dict[str, Any]) -> float:
    """Accuracy of always answering the most frequent training intent (restricted like the refs)."""
    from lhotse import CutSet

    from speech.eval.intent import slot_correct
    from speech.slu.labels import cut_intent

    if not refs:
        return 0.0
    example = next(iter(refs.values()))
    counts: Counter[str] = Counter()
    for cut in CutSet.from_file(train_cuts):
        intent = cut_intent(cut) or {}
        restricted = {k: intent.get(k) if not k.endswith("_types") else
                      sorted({i.get("type") for i in intent.get(k[: -len("_types")]) or []}) for k in example}
        counts[json.dumps(restricted, sort_keys=True)] += 1
    top = json.loads(counts.most_common(1)[0][0])
    right = sum(all(slot_correct(v, top.get(k)) for k, v in ref.items()) for ref in refs.values())
    return right / len(refs)


def slu_results(title: str, recipe: str, config: str, split_dir: Path, exp: Path) -> str:
    """The RESULTS.md of an SLU recipe."""
    info = json.loads((split_dir / "split_info.json").read_text(encoding="utf-8"))
    report = json.loads((exp / "eval" / "intent.json").read_text(encoding="utf-8"))
    refs = {}
    with (exp / "eval" / "ref.jsonl").open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            refs[row["id"]] = row["intent"]
    baseline = majority_baseline(split_dir / "train_cuts.jsonl.gz", refs)
    curve = training_curve(exp / "slu", "loss")
    params = count_parameters(exp / "slu" / "model")
    init = _slu_init(exp / "slu" / "config.yaml")
    slots = "\n".join(f"| {slot} | {acc:.4f} |" for slot, acc in report["slot_accuracy"].items())
    return (
        f"# {title}: SLU results\n\n"
        f"Written by stage 5 of `{recipe}/run.sh` on {_now()}, config `{config}`.\n\n"
        f"## Data (`{split_dir}`)\n\n{data_table(split_dir, info['corpus'])}\n"
        f"## Model\n\nEncoder: {init}.\n\n| parameters | last logged step | train loss (first) | train loss (last) | valid loss (last) |\n"
        f"|---|---|---|---|---|\n| {params / 1e6:.2f} M | {curve['steps']} | {_fmt(curve['train_first'])} | "
        f"{_fmt(curve['train_last'])} | {_fmt(curve['valid_last'])} |\n\n"
        "## Test (`speech eval intent`)\n\n"
        "| utterances | intent accuracy | majority-class baseline |\n|---|---|---|\n"
        f"| {report['num_utterances']} | {report['accuracy']:.4f} | {baseline:.4f} |\n\n"
        f"| slot | accuracy |\n|---|---|\n{slots}\n\n"
        "Intent accuracy: share of test utterances with every slot right. List slots (SLURP entities) are "
        "scored as the set of entity types (`slots_types`); the fillers are not predicted.\n"
    )


def _slu_init(run_config: Path) -> str:
    """Where the SLU encoder started, from the run's saved config."""
    import yaml

    task_conf = yaml.safe_load(run_config.read_text(encoding="utf-8")).get("task_conf") or {}
    encoder = (task_conf.get("model") or {}).get("encoder") or {}
    if encoder.get("kind") == "whisper":
        whisper = encoder.get("whisper") or {}
        freeze = whisper.get("freeze", "all")
        how = {"all": "frozen", "none": "fine-tuned"}.get(freeze, f"top {whisper.get('top_k')} layers fine-tuned")
        return f"Whisper-base ({how})"
    init = task_conf.get("init") or {}
    source = init.get("source", "scratch")
    return "trained from scratch" if source == "scratch" else f"initialised from the {source} model `{init.get('path')}`"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``write_results.py {tts,slu} --title T --recipe DIR --config C --splits D --exp E --out F``."""
    from speech.fileio import atomic_write_text

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("kind", choices=("tts", "slu"))
    p.add_argument("--title", required=True)
    p.add_argument("--recipe", required=True, help="the recipe folder (shown in the file)")
    p.add_argument("--config", required=True, help="the training config (shown in the file)")
    p.add_argument("--splits", type=Path, required=True, help="the split folder (split_info.json, manifests)")
    p.add_argument("--exp", type=Path, required=True)
    p.add_argument("--runs", nargs="+", default=["adv"], help="tts: adv and/or noadv")
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)
    recipe = str(Path(args.recipe).resolve())
    repo_recipes = Path(__file__).resolve().parents[2]
    if recipe.startswith(str(repo_recipes)):
        recipe = "recipes" + recipe[len(str(repo_recipes)):]
    if args.kind == "tts":
        text = tts_results(args.title, recipe, args.config, args.splits, args.exp, args.runs)
    else:
        text = slu_results(args.title, recipe, args.config, args.splits, args.exp)
    atomic_write_text(args.out, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
