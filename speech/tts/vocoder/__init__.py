"""Vocoders behind one interface: log-mel ``(batch, n_mels, frames)`` -> waveform ``(batch, frames * hop)``.

- :class:`~speech.tts.vocoder.griffin_lim.GriffinLimVocoder`: no training, always available;
- :class:`~speech.tts.vocoder.model.NeuralVocoder`: a trained Vocos-style (ConvNeXt + inverse STFT)
  or HiFi-GAN generator, trained GAN-style by ``task: vocoder``
  (:mod:`speech.tts.vocoder.task`) with espnet's HiFi-GAN discriminators and losses;
- :func:`~speech.tts.vocoder.loading.load_vocoder`: ``"griffin-lim"`` or a model directory.

Every vocoder takes mels of exactly the :class:`~speech.audio.features.AudioConfig` in its config
and refuses others when told which settings the mels have.

Example:
    >>> from speech.tts.vocoder import load_vocoder
    >>> vocoder = load_vocoder("models/bootstrap-multilingual/vocoder")  # doctest: +SKIP
    >>> wav = vocoder.vocode(log_mel)  # doctest: +SKIP

Names are imported lazily, so importing this package costs nothing until one is used.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Vocoder": "speech.tts.vocoder.base",
    "VocoderMixin": "speech.tts.vocoder.base",
    "GriffinLimConfig": "speech.tts.vocoder.griffin_lim",
    "GriffinLimVocoder": "speech.tts.vocoder.griffin_lim",
    "NeuralVocoder": "speech.tts.vocoder.model",
    "NeuralVocoderConfig": "speech.tts.vocoder.model",
    "HiFiGANConfig": "speech.tts.vocoder.model",
    "VocosConfig": "speech.tts.vocoder.vocos",
    "VocoderGAN": "speech.tts.vocoder.gan",
    "VocoderGANConfig": "speech.tts.vocoder.gan",
    "DiscriminatorConfig": "speech.tts.vocoder.gan",
    "GanLossConfig": "speech.tts.vocoder.gan",
    "VocoderTask": "speech.tts.vocoder.task",
    "VocoderTaskConfig": "speech.tts.vocoder.task",
    "load_vocoder": "speech.tts.vocoder.loading",
    "export_generator": "speech.tts.vocoder.loading",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return __all__
