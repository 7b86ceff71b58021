"""Tiny trained models for the demo tests: a bootstrap synthesizer and an SLU model.

The synthesizer is trained for real (bootstrap voices in English and Spanish, the smoke recipe's
architecture, a few dozen steps) so that its durations are learnt, not random: a 10-word sentence
comes out seconds long. Speaker d-vectors in training are a fixed projection of the spectrum
instead of resemblyzer's (the fixture stays fast); at synthesis time the demo embeds the reference
with the real GE2E encoder, as it would with the shipped model.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
SMOKE_CONFIG = REPO / "recipes" / "bootstrap" / "tts" / "conf" / "tts_smoke.yaml"
TEN_WORDS = "The lighthouse keeper told stories about ships lost at sea."


def fake_dvector(wav: np.ndarray, sr: int) -> np.ndarray:
    """A 256-d unit vector from the first second's spectrum (separates voices; no model needed)."""
    spec = np.abs(np.fft.rfft(wav[:sr], n=1024))[:256]
    return (spec / (np.linalg.norm(spec) + 1e-8)).astype(np.float32)


def make_tiny_synthesizer(root: Path, steps: int = 40, max_batch_s: float = 15.0) -> Path:
    """Build a small bootstrap corpus (en-us, es), featurise it, train ``steps`` steps, package.

    Batches hold at most ``max_batch_s`` seconds of audio: small batches make more (cheaper)
    steps, and the duration predictor learns per step.

    Returns:
        The synthesizer directory (Griffin-Lim vocoder).
    """
    from speech.cli import main
    from speech.data.bootstrap.tts import TTSBootstrapConfig, build_tts_corpus
    from speech.tts.prepare import prepare_tts_data, write_train_config

    start = time.perf_counter()
    corpus = root / "corpus"
    build_tts_corpus(TTSBootstrapConfig(out_dir=str(corpus), langs=["en-us", "es"], size="small", progress=False))
    paths = prepare_tts_data(corpus, "bootstrap_tts", root / "feats", embed_speaker=fake_dvector)
    cfg = write_train_config(SMOKE_CONFIG, paths["task_conf"], root / "train.yaml",
                             train_cuts=str(paths["train"]), valid_cuts=str(paths["dev"]))
    exp = root / "exp"
    code = main(["train", "--config", str(cfg), f"exp_dir={exp}", f"trainer.max_steps={steps}",
                 f"trainer.val_every_n_steps={steps}", f"checkpoint.every_n_steps={steps}",
                 f"data.sampler.max_duration={max_batch_s}"])
    if code != 0:
        raise RuntimeError(f"training the tiny synthesizer failed (exit status {code})")
    out = root / "synth"
    if main(["tts-package", "--acoustic", str(exp / "model"), "--symbols", str(paths["symbols"]),
             "--out", str(out)]) != 0:
        raise RuntimeError("packaging the tiny synthesizer failed")
    logger.info("tiny synthesizer in %s (%.0f s)", out, time.perf_counter() - start)
    return out
