"""``speech slu predict`` / ``speech slu labels`` and the input-audio errors."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from speech.cli import main
from speech.errors import AudioError
from speech.slu.inference import SLUInferenceConfig, SLUPredictor
from speech.slu.labels import load_labels
from speech.slu.model import SLUModel

from .helpers import FSC_LABELS, tiny_slu_config


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return SLUModel(tiny_slu_config()).save_pretrained(tmp_path_factory.mktemp("slu") / "model")


def wav_files(tone_corpus: dict[str, Path], n: int) -> list[Path]:
    return sorted((tone_corpus["root"] / "wav").glob("tone_dev_*.wav"))[:n]


def test_predict_prints_one_json_object_per_file(model_dir: Path, tone_corpus: dict[str, Path], capsys: pytest.CaptureFixture) -> None:
    files = wav_files(tone_corpus, 3)
    assert main(["slu", "predict", "--model", str(model_dir), "--batch-size", "2", *map(str, files)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3
    rows = [json.loads(line) for line in lines]
    for row, path in zip(rows, files):
        assert row["path"] == str(path)
        assert set(row["intent"]) == {"action", "object", "location"}
        assert all(row["intent"][k] in FSC_LABELS.slots[k] for k in row["intent"])
        assert 0.0 < row["confidence"] <= 1.0
        assert row["confidence"] == pytest.approx(np.prod(list(row["slot_confidence"].values())), rel=1e-4)
    # Batched and one-by-one predictions agree.
    predictor = SLUPredictor.from_pretrained(model_dir)
    singles = [predictor.predict_files([f])[0].intent for f in files]
    assert singles == [r["intent"] for r in rows]


def test_labels_command_writes_the_label_set(tone_corpus: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "labels.json"
    assert main(["slu", "labels", "--cuts", str(tone_corpus["train"]), "-o", str(out)]) == 0
    assert load_labels(out) == FSC_LABELS
    assert "action: 2" in capsys.readouterr().out


def test_silent_and_short_audio_are_clear_errors(model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(16000, dtype=np.float32), 16000)
    assert main(["slu", "predict", "--model", str(model_dir), str(silent)]) == 2
    err = capsys.readouterr().err
    assert "silent.wav: audio is silent" in err and "dBFS" in err
    short = tmp_path / "short.wav"
    sf.write(short, 0.3 * np.sin(np.arange(400) / 5.0).astype(np.float32), 16000)
    assert main(["slu", "predict", "--model", str(model_dir), str(short)]) == 2
    assert "short.wav: audio is too short (0.025 s)" in capsys.readouterr().err
    predictor = SLUPredictor.from_pretrained(model_dir)
    with pytest.raises(AudioError, match="NaN"):
        predictor(np.full(16000, np.nan, dtype=np.float32), 16000)


def test_wrong_sample_rate_is_resampled_with_a_note(model_dir: Path, tone_corpus: dict[str, Path], tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    from speech.audio.io import load_audio, resample

    src = wav_files(tone_corpus, 1)[0]
    wav, sr = load_audio(src)
    low = tmp_path / "8k.wav"
    sf.write(low, resample(wav, sr, 8000), 8000)
    predictor = SLUPredictor.from_pretrained(model_dir, SLUInferenceConfig())
    with caplog.at_level(logging.INFO, logger="speech.asr.audio"):
        result = predictor.predict_files([low])[0]
    assert "8k.wav: resampling from 8000 Hz to the model's 16000 Hz" in caplog.text
    assert set(result.intent) == {"action", "object", "location"}


def test_missing_model_directory_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["slu", "predict", "--model", str(tmp_path / "nope"), str(tmp_path / "a.wav")]) == 2
    assert "model directory not found" in capsys.readouterr().err


def test_stdout_is_pure_json_in_a_fresh_process(model_dir: Path, tone_corpus: dict[str, Path]) -> None:
    """No library notice (espnet prints one on import) may reach stdout before the JSON lines."""
    import os
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(repo) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    files = wav_files(tone_corpus, 2)
    proc = subprocess.run(
        [sys.executable, "-m", "speech.cli", "slu", "predict", "--model", str(model_dir), *map(str, files)],
        cwd=repo, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["path"] for r in rows] == [str(f) for f in files]


def test_confidence_under_reject_below_gives_no_intent(
    model_dir: Path, tone_corpus: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    files = wav_files(tone_corpus, 2)
    plain = SLUPredictor.from_pretrained(model_dir).predict_files(files)
    assert all(p.intent is not None for p in plain)
    model = SLUModel.from_pretrained(model_dir)
    model.config.reject_below = 1.0  # no product of softmax probabilities reaches 1
    strict = model.save_pretrained(tmp_path / "strict")
    assert main(["slu", "predict", "--model", str(strict), *map(str, files)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert [r["intent"] for r in rows] == [None, None]
    assert [r["confidence"] for r in rows] == pytest.approx([p.confidence for p in plain], rel=1e-4)
