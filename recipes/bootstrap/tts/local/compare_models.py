"""Old model against new on the same cloned clips, and the synthesizer's target figures.

Each argument is ``NAME=results.json`` from ``speech tts evaluate``; the first is the baseline.
Writes markdown to stdout: the cloned sets (held-out corpus voices, real Asterisk speakers) on the
clips every model made, the ratio of zero-shot speaker identification to the baseline's, and per
model the figures the targets are stated in (cross-lingual / in-language similarity, CER gap to
the teacher per language, language identification of cross-lingual outputs).

    python local/compare_models.py shipped=exp/eval/shipped/results.json new=exp/eval/adv_cons/results.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from speech.cli import run_reporting_errors
from speech.errors import OptionError
from speech.tts.evaluate import CLONED_SETS, compare_on_common_clips, target_figures


def _load(spec: str) -> tuple[str, dict]:
    name, sep, path = spec.partition("=")
    if not sep or not name or not path:
        raise OptionError(f"{spec!r}: give NAME=results.json")
    try:
        return name, json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise OptionError(f"{path}: not a results.json of speech tts evaluate ({e.msg}, line {e.lineno})") from e


def _identification(result: dict, ids: set[str]) -> float | None:
    hits = [c["result"]["speaker_id_correct"] for c in result["clips"]
            if c["id"] in ids and isinstance(c["result"].get("speaker_id_correct"), (int, float))]
    return sum(hits) / len(hits) if hits else None


def report(specs: list[str]) -> str:
    """The markdown report of ``NAME=results.json`` specs (the first is the baseline)."""
    results = dict(_load(spec) for spec in specs)
    out = ["## Old and new on the same cloned clips\n", compare_on_common_clips(results)]
    names = list(results)
    common = set.intersection(*({c["id"] for c in r["clips"] if c["set"] in CLONED_SETS} for r in results.values()))
    base = _identification(results[names[0]], common)
    for name in names[1:]:
        ours = _identification(results[name], common)
        if base and ours is not None:
            out.append(f"Speaker identification on the cloned clips, {name} / {names[0]}: "
                       f"{ours:.3f} / {base:.3f} = {ours / base:.2f}x\n")
    out += ["## Target figures\n",
            "| model | cross/in similarity (corpus) | cross/in similarity (real) | language id, cross-lingual "
            "| worst CER gap to the teacher |",
            "|---|---|---|---|---|"]
    figures = {name: target_figures(result) for name, result in results.items()}
    for name, t in figures.items():
        gaps = t["cer_gap"]
        worst = max(gaps.items(), key=lambda kv: kv[1]) if gaps else None
        cells = [f"{v:.3f}" if isinstance(v, float) else "" for v in
                 (t["cross_to_in_similarity_corpus"], t["cross_to_in_similarity_real"], t["language_id_cross"])]
        cells.append(f"{worst[1]:+.1f} points ({worst[0]})" if worst else "")
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    out.append("")
    for name, t in figures.items():
        if t["cer_gap"]:
            out.append(f"CER gap to the teacher per language, {name} (points): "
                       + ", ".join(f"{lang} {gap:+.1f}" for lang, gap in t["cer_gap"].items()) + "\n")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("results", nargs="+", help="NAME=results.json (the first is the baseline)")
    args = parser.parse_args(argv)
    return run_reporting_errors("compare_models.py", lambda: report(args.results))


if __name__ == "__main__":
    raise SystemExit(main())
