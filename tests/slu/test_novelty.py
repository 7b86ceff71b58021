"""Novelty: utterances unlike every training command get no intent, commands keep theirs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from speech.slu.inference import SLUInferenceConfig, SLUPredictor
from speech.slu.model import SLUModel
from speech.slu.novelty import NoveltyStats, fit_novelty, novelty_distances

from .helpers import tiny_slu_config


def clusters(rng: np.random.Generator, n: int, centres: np.ndarray) -> tuple[np.ndarray, list[str]]:
    keys = [str(i % len(centres)) for i in range(n)]
    x = centres[[int(k) for k in keys]] + rng.normal(0, 1.0, (n, centres.shape[1]))
    return x, keys


def test_fitted_threshold_keeps_commands_and_refuses_what_lies_elsewhere() -> None:
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 8.0, (5, 24))
    train, keys = clusters(rng, 500, centres)
    dev, _ = clusters(rng, 400, centres)
    stats = fit_novelty(train, keys, dev, quantile=0.99)
    assert stats.means.shape == (5, 24) and stats.precision.shape == (24, 24)
    # A class mean is at distance 0; the threshold keeps 99 % of the dev commands by construction.
    d0 = novelty_distances(torch.as_tensor(stats.means[:1]), torch.as_tensor(stats.means), torch.as_tensor(stats.precision))
    assert float(d0[0]) == pytest.approx(0.0, abs=1e-6)
    fresh, _ = clusters(rng, 1000, centres)
    kept = novelty_distances(torch.as_tensor(fresh, dtype=torch.float32), torch.as_tensor(stats.means),
                             torch.as_tensor(stats.precision)) <= stats.threshold
    assert 0.97 <= float(kept.float().mean()) <= 1.0
    # Points from elsewhere (between and beyond the clusters) are refused.
    elsewhere = rng.normal(0, 8.0, (200, 24))
    refused = novelty_distances(torch.as_tensor(elsewhere, dtype=torch.float32), torch.as_tensor(stats.means),
                                torch.as_tensor(stats.precision)) > stats.threshold
    assert float(refused.float().mean()) > 0.95


def test_bad_fits_are_refused() -> None:
    x = np.zeros((4, 3))
    with pytest.raises(ValueError, match="at least two intents"):
        fit_novelty(x, ["a"] * 4, x)
    with pytest.raises(ValueError, match="N intents"):
        fit_novelty(x, ["a", "b"], x)
    with pytest.raises(ValueError, match="quantile"):
        fit_novelty(x, ["a", "b", "a", "b"], x, quantile=1.0)


def test_model_saves_its_statistics_and_the_predictor_reports_no_intent_past_the_threshold(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = SLUModel(tiny_slu_config()).eval()
    rng = np.random.default_rng(0)
    wavs = [rng.normal(0, 0.1, 16000).astype(np.float32) for _ in range(6)]
    vectors = model.slot_vectors(wavs)
    assert vectors.shape == (6, 3 * 32)
    stats = fit_novelty(vectors, ["a", "b", "c"] * 2, vectors, quantile=0.9)
    model.set_novelty(stats)
    loaded = SLUModel.from_pretrained(model.save_pretrained(tmp_path / "calibrated"))
    assert loaded.config.novelty_intents == 3 and loaded.config.novelty_threshold == pytest.approx(stats.threshold)
    torch.testing.assert_close(loaded.novelty_precision, torch.as_tensor(stats.precision))
    results, novelty = loaded.predict_with_novelty(wavs[:2])
    assert novelty is not None and len(novelty) == 2 and all(v >= 0 for v in novelty)
    assert [r[0] for r in results] == [r[0] for r in model.predict(wavs[:2])]
    predictor = SLUPredictor(loaded, SLUInferenceConfig(speech_check=None))
    kept = predictor.predict(wavs[:2])
    assert [p.novelty for p in kept] == pytest.approx(novelty)
    assert all((p.intent is None) == (p.novelty > 1.0) for p in kept)
    # A threshold nothing is under: every utterance is "no intent", with its confidence kept.
    loaded.set_novelty(NoveltyStats(stats.means, stats.precision, 1e-9))
    refused = predictor.predict(wavs[:2])
    assert all(p.intent is None and p.to_dict()["intent"] is None and p.novelty > 1.0 for p in refused)
    assert [p.confidence for p in refused] == pytest.approx([p.confidence for p in kept])
    with pytest.raises(ValueError, match="width"):
        loaded.set_novelty(NoveltyStats(np.zeros((3, 5), np.float32), np.zeros((5, 5), np.float32), 1.0))
