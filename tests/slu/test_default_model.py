"""``speech slu predict`` without ``--model`` uses the shipped default model (models/bootstrap-slu)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import speech.slu.cli as slu_cli
from speech.cli import main
from speech.slu.model import SLUModel

from .helpers import FSC_LABELS, tiny_slu_config


def test_default_model_dir_is_the_shipped_one() -> None:
    assert slu_cli.DEFAULT_MODEL_DIR.parts[-2:] == ("models", "bootstrap-slu")
    assert (slu_cli.DEFAULT_MODEL_DIR.parent.parent / "speech" / "slu" / "cli.py").is_file()


def test_predict_without_model_uses_the_default(tone_corpus: dict[str, Path], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    default = SLUModel(tiny_slu_config()).save_pretrained(tmp_path / "bootstrap-slu")
    monkeypatch.setattr(slu_cli, "DEFAULT_MODEL_DIR", default)
    wav = sorted((tone_corpus["root"] / "wav").glob("tone_dev_*.wav"))[0]
    assert main(["slu", "predict", str(wav)]) == 0
    row = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert row["path"] == str(wav) and all(row["intent"][k] in FSC_LABELS.slots[k] for k in FSC_LABELS.slots)


def test_missing_default_model_names_the_recipe(tone_corpus: dict[str, Path], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(slu_cli, "DEFAULT_MODEL_DIR", tmp_path / "absent")
    wav = sorted((tone_corpus["root"] / "wav").glob("tone_dev_*.wav"))[0]
    assert main(["slu", "predict", str(wav)]) == 2
    err = capsys.readouterr().err
    assert "recipes/bootstrap/slu/run.sh" in err and "--model" in err
