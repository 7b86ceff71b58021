"""Fixtures of the ASR tests: spoken commands by flite voices, with a character vocabulary."""

from __future__ import annotations

from pathlib import Path

import pytest

from speech.asr.tokens import save_vocabulary, vocabulary_from_cuts
from speech.testing.slu_audio import make_command_corpus


@pytest.fixture(scope="session")
def speech_corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """flite commands: train (slt, awb, rms) and dev (kal16) cuts, and tokens.json."""
    out = tmp_path_factory.mktemp("asr_commands")
    paths = make_command_corpus(out, copies=1)
    save_vocabulary(out / "tokens.json", vocabulary_from_cuts(paths["train"]))
    return {**paths, "tokens": out / "tokens.json", "root": out}
