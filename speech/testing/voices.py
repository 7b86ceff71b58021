"""The shipped synthesizer's voices, for tests that must name one: they follow whichever model
ships instead of hard-coding a voice that a retrained model may not have."""

from __future__ import annotations

from pathlib import Path

import yaml


def shipped_voice(language: str, model_dir: str | Path | None = None) -> str:
    """The first training voice of the shipped synthesizer (or ``model_dir``) that speaks
    ``language`` (voices are named ``bootstrap_<engine>-<language>-<name>``)."""
    if model_dir is None:
        from speech.tts.cli import DEFAULT_MODEL

        model_dir = DEFAULT_MODEL
    config = yaml.safe_load((Path(model_dir) / "acoustic" / "config.yaml").read_text(encoding="utf-8"))
    speakers: list[str] = config["config"]["speakers"]
    for speaker in speakers:
        if f"-{language}-" in f"{speaker}-":
            return speaker
    raise LookupError(f"{model_dir} has no voice of {language}")
