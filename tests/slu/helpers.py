"""Helpers shared by the SLU tests."""

from __future__ import annotations

from speech.slu.labels import LabelSchema
from speech.slu.model import SLUConfig, SLUDecoderConfig
from speech.testing.slu_audio import tiny_encoder_config

FSC_LABELS = LabelSchema(
    slots={
        "action": ["activate", "deactivate"],
        "location": ["kitchen", "none"],
        "object": ["heat", "lights"],
    }
)
WORDS = ["turn", "on", "off", "the", "lights", "heat", "in", "kitchen", "activate", "deactivate", "none"]


def tiny_slu_config(labels: LabelSchema = FSC_LABELS, **kwargs: object) -> SLUConfig:
    """A small SLU model config (32-dim conformer, one decoder layer)."""
    return SLUConfig(
        encoder=tiny_encoder_config(),
        decoder=SLUDecoderConfig(dim=32, attention_heads=2, feedforward=64, num_layers=1, dropout=0.0),
        labels=labels,
        **kwargs,  # type: ignore[arg-type]
    )
