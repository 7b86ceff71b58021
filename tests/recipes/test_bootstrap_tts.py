"""The bootstrap TTS recipe's smoke configuration runs every stage end to end (CI runs this)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

RECIPE = Path(__file__).resolve().parents[2] / "recipes" / "bootstrap" / "tts"


@pytest.mark.heavy
def test_smoke_recipe_runs_all_stages(tmp_path):
    env = dict(os.environ, SPEECH=f"{sys.executable} -m speech.cli", OMP_NUM_THREADS="1")
    data, exp = tmp_path / "data", tmp_path / "exp"
    r = subprocess.run(
        ["bash", str(RECIPE / "run.sh"), "--smoke", "--data", str(data), "--exp", str(exp), "--workers", "2"],
        env=env, capture_output=True, text=True, timeout=1800,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    exp = Path(f"{exp}_smoke")
    for run in ("adv", "noadv", "adv_cons"):
        assert (exp / f"synth_{run}" / "acoustic" / "model.safetensors").is_file()
        assert (exp / f"synth_{run}" / "vocoder").is_dir()
    results = json.loads((exp / "eval" / "adversarial" / "results.json").read_text())
    sets = results["summary"]
    assert {"in_language", "cross_lingual", "zero_shot", "emotion"} <= set(sets)
    assert 0.0 <= sets["cross_lingual"]["speaker_id_correct"] <= 1.0
    assert -1.0 <= sets["in_language"]["sim_target"] <= 1.0
    assert sets["in_language"]["mcd"] > 0
    table = (exp / "eval" / "RESULTS.md").read_text()
    assert "no_adversarial" in table and "adversarial_consistency" in table and "cross_lingual" in table
    # the consistency stage started from stage 3's weights and trained with both losses on
    log = (exp / "tts_adv_cons" / "csv" / "metrics.csv").read_text()
    assert "valid/style" in log and "valid/speaker_consistency" in log
