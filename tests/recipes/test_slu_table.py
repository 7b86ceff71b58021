"""The SLU comparison table (recipes/templates/pyscripts/slu_table.py): mean/std over seeds,
Markdown, choosing the model to ship."""

from __future__ import annotations

import math

import pytest

from .pyscripts import load_pyscript

slu_table = load_pyscript("slu_table")
ResultsError, Stat, pick_best = slu_table.ResultsError, slu_table.Stat, slu_table.pick_best
render_markdown, summarize = slu_table.render_markdown, slu_table.summarize


def record(variant: str, fraction: float, seed: int, acc: float, dev: float | None = None) -> dict:
    out = {
        "variant": variant,
        "fraction": fraction,
        "seed": seed,
        "test": {"accuracy": acc, "slot_accuracy": {"action": min(1.0, acc + 0.1), "object": acc, "location": 1.0},
                 "utterances": 10},
        "training": {"steps": 150, "seconds": 60.0 + seed, "cpu_seconds": 50.0},
    }
    if dev is not None:
        out["dev"] = {"accuracy": dev, "slot_accuracy": {"action": dev}}
    return out


RECORDS = [
    record("scratch", 1.0, 1, 0.5, 0.50), record("scratch", 1.0, 2, 0.7, 0.60),
    record("asr", 1.0, 1, 0.8, 0.90), record("asr", 1.0, 2, 0.9, 0.70),
    record("scratch", 0.1, 1, 0.2, 0.2), record("asr", 0.1, 1, 0.4, 0.4),
]


def test_stat_is_mean_and_sample_std() -> None:
    s = Stat.of([0.5, 0.7])
    assert math.isclose(s.mean, 0.6) and math.isclose(s.std, math.sqrt(0.02)) and s.n == 2
    assert Stat.of([0.3]).std == 0.0
    assert s.format() == "60.0 ± 14.1"
    with pytest.raises(ResultsError):
        Stat.of([])


def test_summarize_groups_by_variant_and_fraction() -> None:
    summary = summarize(RECORDS, ["scratch", "asr"])
    assert summary.fractions == [1.0, 0.1]
    cell = summary.cell("asr", 1.0)
    assert cell is not None and math.isclose(cell.accuracy.mean, 0.85) and cell.seeds == [1, 2]
    assert math.isclose(cell.slot_accuracy["action"].mean, 0.95)
    assert math.isclose(cell.slot_accuracy["location"].std, 0.0)
    assert math.isclose(cell.dev_accuracy.mean, 0.8) and cell.steps == 150
    assert math.isclose(summary.cell("scratch", 0.1).accuracy.mean, 0.2)


def test_summarize_refuses_missing_variants_and_scores() -> None:
    with pytest.raises(ResultsError, match="fusion"):
        summarize(RECORDS, ["scratch", "fusion"])
    bad = [{"variant": "x", "fraction": 1.0, "seed": 1, "test": {"accuracy": 0.5}}]
    with pytest.raises(ResultsError, match="slot_accuracy"):
        summarize(bad)


def test_markdown_has_every_cell_and_the_gain_over_the_baseline() -> None:
    text = render_markdown(summarize(RECORDS, ["scratch", "asr"]), baseline="scratch",
                           descriptions={"asr": "ASR init"}, notes=["a note"])
    assert "| asr | 85.0 ± 7.1 (+25.0) | 40.0 ± 0.0 (+20.0) |" in text
    assert "| scratch | 60.0 ± 14.1 | 20.0 ± 0.0 |" in text
    assert "100 % of the training data" in text and "10 % of the training data" in text
    assert "| asr | ASR init |" in text and "- a note" in text
    assert "| variant | intent | action | location | object | seeds |" in text
    assert "| asr | 62 (50) | 61 (50) | 150 |" in text  # wall (CPU) seconds, steps


def test_pick_best_uses_dev_not_test() -> None:
    # asr: mean dev 0.80 > scratch 0.55; its best dev seed is 1 (test 0.8 < seed 2's 0.9).
    best = pick_best(RECORDS, 1.0)
    assert best["variant"] == "asr" and best["seed"] == 1
    assert pick_best(RECORDS, 1.0, variants=["scratch"])["seed"] == 2
    with pytest.raises(ResultsError):
        pick_best(RECORDS, 0.01)


def test_asr_run_summary_reads_the_last_validation(tmp_path) -> None:
    asr_run_summary, render_asr_markdown = slu_table.asr_run_summary, slu_table.render_asr_markdown
    run = tmp_path / "asr_same"
    (run / "csv").mkdir(parents=True)
    (run / "csv" / "metrics.csv").write_text(
        "epoch,step,train/loss,valid/cer,valid/wer\n0,49,100.0,,\n0,149,,0.6,1.0\n0,299,80.0,,\n0,299,,0.5,0.9\n"
    )
    (run / "train_time.json").write_text('{"wall_seconds": 120}\n')
    summary = asr_run_summary(run)
    assert summary == {"name": "asr_same", "steps": 300, "cer": 0.5, "wer": 0.9, "seconds": 120.0}
    text = render_asr_markdown([summary], {"asr_same": "English"})
    assert "| asr_same | English | 300 | 50.0 % | 90.0 % | 120 |" in text
    with pytest.raises(ResultsError, match="metrics.csv"):
        asr_run_summary(tmp_path / "missing")


def test_table_command_writes_the_markdown_and_refuses_bad_input(tmp_path, capsys) -> None:
    import json

    runs = tmp_path / "runs"
    for r in RECORDS:
        run = runs / r["variant"] / f"p{r['fraction'] * 100:g}" / f"s{r['seed']}"
        run.mkdir(parents=True)
        (run / "eval.json").write_text(json.dumps(r))
        (run / "model").mkdir()
        (run / "model" / "model.safetensors").write_bytes(b"0" * 1000)
    out = tmp_path / "RESULTS.md"
    assert slu_table.main(["table", "--runs", str(runs), "--variants", "scratch", "asr", "--describe", "asr=ASR init",
                           "-o", str(out)]) == 0
    text = out.read_text()
    assert "| asr | 85.0 ± 7.1 (+25.0) | 40.0 ± 0.0 (+20.0) |" in text and "| asr | ASR init |" in text
    assert f"wrote {out} (6 runs)" in capsys.readouterr().out
    # No evaluated run, a variant without runs: one error line each, exit status 2.
    assert slu_table.main(["table", "--runs", str(tmp_path / "none"), "-o", str(out)]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"slu_table table: error: no evaluated run (<variant>/p<percent>/s<seed>/eval.json) under {tmp_path / 'none'}"]
    assert slu_table.main(["package", "--runs", str(runs), "--variants", "fusion", "--out", str(tmp_path / "m")]) == 2
    assert "slu_table package: error: no run with dev scores at fraction 1.0" in capsys.readouterr().err
    assert slu_table.main(["package", "--runs", str(runs), "--max-mb", "0.0001", "--out", str(tmp_path / "m")]) == 2
    assert "slu_table package: error: no run with dev scores at fraction 1.0" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        slu_table.main(["table", "--runs", str(runs), "--describe", "asr", "-o", str(out)])
    assert e.value.code == 2 and "--describe 'asr' must look like VARIANT=TEXT" in capsys.readouterr().err
