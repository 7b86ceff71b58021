"""The bootstrap SLU recipe's smoke configuration runs every stage end to end (CI runs this)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

RECIPE = Path(__file__).resolve().parents[2] / "recipes" / "bootstrap" / "slu"
VARIANTS = ("scratch", "asr_same", "asr_cross", "multitask", "fusion", "combined", "whisper_frozen", "whisper_top2")


@pytest.mark.heavy
def test_smoke_recipe_writes_the_table_and_a_loadable_model(tmp_path):
    env = dict(os.environ, SPEECH=f"{sys.executable} -m speech.cli", OMP_NUM_THREADS="1")
    data, exp = tmp_path / "data", tmp_path / "exp"
    r = subprocess.run(
        ["bash", str(RECIPE / "run.sh"), "--smoke", "--data", str(data), "--exp", str(exp), "--workers", "2"],
        env=env, capture_output=True, text=True, timeout=1800,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    exp = Path(f"{exp}_smoke")
    # Both ASR pre-trainings ran.
    for which in ("same", "cross"):
        assert (exp / f"asr_{which}" / "model" / "model.safetensors").is_file()
    # The table: every variant at every share, accuracies in [0, 1] in the records and in the Markdown.
    table = (exp / "RESULTS.md").read_text()
    header = next(line for line in table.splitlines() if line.startswith("| variant | 100 %"))
    assert "10 % of train" in header
    for variant in VARIANTS:
        row = next(line for line in table.splitlines() if line.startswith(f"| {variant} | ") and "±" in line)
        values = [float(v) for v in re.findall(r"(\d+\.\d) ±", row)]
        assert len(values) == 2 and all(0.0 <= v <= 100.0 for v in values)
        for pct in ("100", "10"):
            record = json.loads((exp / "slu" / variant / f"p{pct}" / "s1" / "eval.json").read_text())
            for split in ("test", "dev"):
                scores = record[split]
                assert 0.0 <= scores["accuracy"] <= 1.0 and scores["utterances"] > 0
                assert set(scores["slot_accuracy"]) == {"action", "object", "location"}
                assert all(0.0 <= a <= 1.0 for a in scores["slot_accuracy"].values())
                # Intent accuracy needs every slot right: it cannot beat the worst slot.
                assert scores["accuracy"] <= min(scores["slot_accuracy"].values()) + 1e-9
            assert record["training"]["steps"] >= 4
    # The packaged model (chosen on dev) is what `speech slu predict` loads.
    package = exp / "bootstrap-slu"
    selection = json.loads((package / "selection.json").read_text())
    assert selection["fraction"] == 1.0 and selection["variant"] in VARIANTS
    wav = next((data.parent / "data_smoke" / "corpus" / "wavs" / "slu").rglob("*.wav"))
    p = subprocess.run([sys.executable, "-m", "speech.cli", "slu", "predict", "--model", str(package), str(wav)],
                       env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    out = json.loads(p.stdout.strip().splitlines()[-1])
    assert set(out["intent"]) == {"action", "object", "location"} and 0.0 <= out["confidence"] <= 1.0
    # Stage 9's model is calibrated to refuse non-commands: it reports each utterance's novelty.
    final = exp / "bootstrap-slu-final"
    assert yaml.safe_load((final / "config.yaml").read_text())["config"]["novelty_intents"] >= 2
    p = subprocess.run([sys.executable, "-m", "speech.cli", "slu", "predict", "--model", str(final), str(wav)],
                       env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    assert json.loads(p.stdout.strip().splitlines()[-1])["novelty"] >= 0.0
