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
    assert "Old and new on the same cloned clips" in table and "## Target figures" in table
    # the consistency stage started from stage 3's weights and trained with both losses on
    log = (exp / "tts_adv_cons" / "csv" / "metrics.csv").read_text()
    assert "valid/style" in log and "valid/speaker_consistency" in log


def test_compare_models_reports_bad_input_in_one_line(tmp_path):
    script = RECIPE / "local" / "compare_models.py"
    broken = tmp_path / "results.json"
    broken.write_text("{not json")
    for args in (["no-equals-sign"], [f"old={broken}"], [f"old={tmp_path / 'missing.json'}"]):
        r = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, timeout=120)
        assert r.returncode == 2, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and "compare_models.py: error:" in r.stderr


def test_compare_models_writes_the_ratio_and_targets(tmp_path):
    clip = {"id": "zs_a", "set": "zero_shot", "voice": "v", "language": "es"}
    for name, hit in (("old", 0.25), ("new", 1.0)):
        (tmp_path / f"{name}.json").write_text(json.dumps({"clips": [dict(clip, result={"speaker_id_correct": hit})]}))
    r = subprocess.run([sys.executable, str(RECIPE / "local" / "compare_models.py"),
                        f"old={tmp_path / 'old.json'}", f"new={tmp_path / 'new.json'}"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "new / old: 1.000 / 0.250 = 4.00x" in r.stdout and "## Target figures" in r.stdout
