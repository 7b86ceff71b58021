"""The dubbing study's smoke configuration runs every stage end to end (about a minute)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

RECIPE = Path(__file__).resolve().parents[2] / "recipes" / "bootstrap" / "dub"
PAIRS = ("en-us->es", "en-us->fr", "es->en-us")


@pytest.mark.heavy
def test_smoke_study_dubs_every_pair_to_the_source_length_and_writes_the_table(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHON=sys.executable, OMP_NUM_THREADS="1")
    work = tmp_path / "work"
    r = subprocess.run(["bash", str(RECIPE / "run.sh"), "--smoke", "--work", str(work), "--stop-stage", "5"],
                       env=env, capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stderr[-3000:]
    work = Path(f"{work}_smoke")
    dubs = [json.loads(line) for line in (work / "dubs.jsonl").read_text().splitlines()]
    assert sorted({d["pair"] for d in dubs}) == sorted(PAIRS) and len(dubs) == 2 * len(PAIRS)
    for d in dubs:
        # The dub keeps the source's speech length; the distances are finite and non-negative.
        assert abs(d["duration_ratio"] - 1.0) <= 0.05
        assert all(0.0 <= v < float("inf") for v in d["prosody_distance"].values())
        assert -1.0 <= d["speaker_similarity"]["dub"] <= 1.0
    cer = [json.loads(line) for line in (work / "cer.jsonl").read_text().splitlines()]
    assert len(cer) == len(dubs) and all(0.0 <= c["dub"]["cer"] for c in cer)
    table = (work / "RESULTS.md").read_text()
    for pair in (*PAIRS, "all"):
        row = next(line for line in table.splitlines() if line.startswith(f"| {pair} | "))
        median_dub, median_plain = map(float, re.search(r"\| (\d+\.\d+) / (\d+\.\d+) \|", row).groups())
        assert median_dub > 0 and median_plain > 0
        assert "| 100 % / " in row  # every dub within 5 % of its source
    assert "more than twice as far" in table or "No dub is more than twice" in table
    # stage 5: dubs with the fitted linear maps, their own table
    linear = [json.loads(line) for line in (work / "dubs_linear.jsonl").read_text().splitlines()]
    assert [d["id"] for d in linear] == [d["id"] for d in dubs]
    assert all(abs(d["duration_ratio"] - 1.0) <= 0.05 for d in linear)
    table = (work / "RESULTS_linear.md").read_text()
    assert "in-sample" in table and all(f"| {pair} | " in table for pair in PAIRS)
