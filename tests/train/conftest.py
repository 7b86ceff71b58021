"""Fixtures of the training-engine tests: a small tone corpus on disk and run configs over it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from speech.testing.tones import make_tone_corpus
from speech.train.config import load_config
from speech.train.schema import TrainConfig

from .helpers import base_overrides


@pytest.fixture(scope="session")
def tone_corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """64 training and 16 validation tones (WAV + lhotse cut manifests)."""
    return make_tone_corpus(tmp_path_factory.mktemp("tones"), num_train=64, num_valid=16, num_classes=4, seed=3)


@pytest.fixture
def make_config(tone_corpus: dict[str, Path], tmp_path: Path) -> Callable[..., TrainConfig]:
    """``make_config(*overrides, exp="run")`` -> a TrainConfig of a small tone-classifier run."""

    def make(*overrides: str, exp: str = "run") -> TrainConfig:
        return load_config(TrainConfig, None, [*base_overrides(tone_corpus, tmp_path / exp), *overrides])

    return make
