"""The page as built (not launched): endpoints, queue, examples, private temp directory."""

import os
from pathlib import Path

import pytest

from speech.demo.app import TEMP_PREFIX, build_app, private_temp_dir
from speech.demo.config import DemoConfig


def test_private_temp_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "mine"))
    assert private_temp_dir() == tmp_path / "mine" and (tmp_path / "mine").is_dir()  # a user's choice is kept
    monkeypatch.delenv("GRADIO_TEMP_DIR")
    made = private_temp_dir()
    try:
        assert made.name.startswith(TEMP_PREFIX) and made.is_dir()
        assert os.environ["GRADIO_TEMP_DIR"] == str(made)
    finally:
        made.rmdir()


def test_page_endpoints_queue_and_examples(random_synth_dir, tiny_slu_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    app = build_app(random_synth_dir, tiny_slu_dir, DemoConfig(concurrency_limit=1, max_queue=8))
    config = app.get_config_file()
    deps = {d["api_name"]: d for d in config["dependencies"]}
    assert {"synthesize", "describe_reference", "understand"} <= set(deps)
    assert deps["synthesize"]["queue"] and deps["understand"]["queue"]
    assert app._queue.default_concurrency_limit == 1 and app._queue.max_size == 8
    fns = {fn.api_name: fn for fn in app.fns.values()}
    assert fns["synthesize"].concurrency_id == fns["understand"].concurrency_id == "models"
    # The random model speaks en-us and es with neutral/happy: the rows asking for a "sad" emotion are
    # left out; every kept row names a language the model speaks.
    datasets = [c for c in config["components"] if c.get("type") == "dataset"]
    tts_rows = datasets[0]["props"]["samples"]
    assert len(tts_rows) == 4
    assert {row[2] for row in tts_rows} == {"en-us", "es"} and all(row[5] in ("neutral", "happy") for row in tts_rows)
    assert [row[0] for row in datasets[1]["props"]["samples"]] == ["kal_command.flac"]
    assert str(random_synth_dir) not in str(config) and str(Path.cwd()) not in str(config)


def test_missing_model_directory_is_a_clear_error(tmp_path, monkeypatch):
    from speech.cli import main

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    assert main(["demo", "--model", str(tmp_path / "nothing")]) == 2
    with pytest.raises(FileNotFoundError, match="synthesizer directory not found"):
        build_app(tmp_path / "nothing")
    assert not (tmp_path / "gradio").exists()  # nothing is made before the models load
