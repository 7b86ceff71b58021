"""Spoken language understanding: attention-based intent models on shared speech encoders.

Modules (this package imports nothing heavy by itself):

- :mod:`speech.slu.labels`: label sets (FSC action/object/location; SLURP-style intent + slot types);
- :mod:`speech.slu.model`: :class:`~speech.slu.model.SLUModel` (slot-query attention decoder,
  multitask CTC head, BERT component fusion);
- :mod:`speech.slu.transfer`: initialisation from ASR checkpoints, transformers encoders, BERT;
- :mod:`speech.slu.task`: ``task: slu`` for the shared training engine;
- :mod:`speech.slu.inference`: :class:`~speech.slu.inference.SLUPredictor` (``speech slu predict``).

The transfer study's stages live with its recipe (``recipes/templates/pyscripts/slu_study.py``,
``slu_table.py``); the spoken-command test corpus is :mod:`speech.testing.slu_audio`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


def load_intent_predictor(model_dir: str | Path) -> Any:
    """A saved SLU model as a ``speech.eval.intent.IntentPredictor``: ``(waveform, sample_rate) -> intent``."""
    from speech.slu.inference import SLUPredictor

    return SLUPredictor.from_pretrained(model_dir)


def predict_intent(model_dir: str | Path, wav: np.ndarray, sample_rate: int) -> dict[str, Any]:
    """One-off prediction (loads the model each call; keep an :class:`SLUPredictor` for many)."""
    return load_intent_predictor(model_dir)(wav, sample_rate)
