"""Fixtures of the demo tests: the shipped models, random-weights models for fast checks, and a
running ``speech demo`` server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from .helpers import REPO


@pytest.fixture(scope="session")
def random_synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthesizer with random weights (English and Spanish): enough for input checks, not for timing."""
    from speech.text.symbols import SymbolTable
    from speech.text.tokenizer import Tokenizer
    from speech.tts.config import DecoderConfig, EncoderConfig, TTSModelConfig, VarianceConfig
    from speech.tts.model import AcousticModel
    from speech.tts.synthesizer import Synthesizer

    torch.manual_seed(0)
    config = TTSModelConfig(
        vocab_size=len(SymbolTable.default()), languages=["en-us", "es"], speakers=["a", "b"],
        emotions=["neutral", "happy"], dim=32, speaker_dim=256,
        encoder=EncoderConfig(layers=1, kernel_size=5, language_dim=8, dropout=0.0),
        decoder=DecoderConfig(layers=1, kernel_size=5, dropout=0.0),
        variance=VarianceConfig(channels=32, dropout=0.0),
    )
    model = AcousticModel(config)
    model.set_speaker_table(torch.nn.functional.normalize(torch.randn(2, 256), dim=-1))
    return Synthesizer(model, Tokenizer()).save_pretrained(tmp_path_factory.mktemp("random_synth") / "synth")


def _shipped(name: str) -> Path:
    path = REPO / "models" / name
    if not path.is_dir():
        raise RuntimeError(f"the shipped model {path} is missing: it is committed with the repository")
    return path


@pytest.fixture(scope="session")
def shipped_synth_dir() -> Path:
    """The shipped synthesizer, what ``speech demo`` uses by default."""
    return _shipped("bootstrap-multilingual")


@pytest.fixture(scope="session")
def shipped_slu_dir() -> Path:
    """The shipped SLU model (English, Fluent Speech Commands schema)."""
    return _shipped("bootstrap-slu")


@pytest.fixture(scope="session")
def tiny_slu_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny SLU model (random weights) over the labels of the synthetic command corpus."""
    from speech.slu.labels import LabelSchema
    from speech.slu.model import SLUConfig, SLUDecoderConfig, SLUModel
    from speech.testing.slu_audio import COMMANDS, tiny_encoder_config

    slots: dict[str, set[str]] = {}
    for _, intent in COMMANDS:
        for slot, value in intent.items():
            slots.setdefault(slot, set()).add(value)
    labels = LabelSchema(slots={slot: sorted(values) for slot, values in sorted(slots.items())})
    torch.manual_seed(1)
    config = SLUConfig(
        encoder=tiny_encoder_config(),
        decoder=SLUDecoderConfig(dim=32, attention_heads=2, feedforward=64, num_layers=1, dropout=0.0),
        labels=labels,
    )
    return SLUModel(config).save_pretrained(tmp_path_factory.mktemp("tiny_slu") / "model")


@pytest.fixture(scope="session")
def flite_reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four seconds of real speech (flite's slt voice) as a WAV file."""
    from speech.audio.io import save_audio
    from speech.data.bootstrap.engines import say

    wav, sr = say("flite", "slt", "The weather in the mountains changes quickly, so bring a warm coat.")
    return save_audio(tmp_path_factory.mktemp("ref") / "slt.wav", wav, sr)


@pytest.fixture(scope="session")
def silent_reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two seconds of digital silence."""
    from speech.audio.io import save_audio

    return save_audio(tmp_path_factory.mktemp("silent") / "silent.wav", np.zeros(32000, dtype=np.float32), 16000)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def demo_server(shipped_synth_dir: Path, shipped_slu_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``speech demo`` with the shipped models, started as its own process on a free local port."""
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    env = {k: v for k, v in os.environ.items() if k != "GRADIO_TEMP_DIR"}
    env["OMP_NUM_THREADS"] = env.get("OMP_NUM_THREADS", "1")
    cmd = [sys.executable, "-m", "speech.cli", "demo", "--model", str(shipped_synth_dir), "--slu-model",
           str(shipped_slu_dir), "--port", str(port)]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"speech demo exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url + "config", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"speech demo did not answer on {url} within 180 s:\n{log.read_text()[-3000:]}")
            time.sleep(1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
