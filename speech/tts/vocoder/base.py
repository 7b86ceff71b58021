"""The one vocoder interface: log-mel ``(batch, n_mels, frames)`` in, waveform ``(batch, frames * hop)`` out.

Every vocoder (:class:`~speech.tts.vocoder.griffin_lim.GriffinLimVocoder`,
:class:`~speech.tts.vocoder.model.NeuralVocoder`) is a ``torch.nn.Module`` that satisfies the
:class:`Vocoder` protocol:

- ``audio_config``: the :class:`~speech.audio.features.AudioConfig` its input mels must have been
  made with; ``sample_rate`` is that config's rate;
- ``vocoder(mel, audio_config=None)``: a batch of natural-log mels (as
  :class:`~speech.audio.features.LogMelSpectrogram` computes them) -> ``(batch, frames * hop)``
  waveforms. Passing the ``audio_config`` the mels were made with makes the vocoder refuse
  mismatched features with an error that names every differing setting;
- ``vocoder.vocode(mel)``: the same for one numpy mel ``(n_mels, frames)`` (or a batch), without
  gradients, returning float32 numpy.

Example:
    >>> from speech.tts.vocoder import load_vocoder
    >>> vocoder = load_vocoder("griffin-lim")
    >>> wav = vocoder.vocode(log_mel)  # doctest: +SKIP  (n_mels, frames) -> (frames * 256,)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
import torch

from speech.audio.features import AudioConfig
from speech.errors import AudioError
from speech.tts.vocoder.functional import check_mel_shape


@runtime_checkable
class Vocoder(Protocol):
    """What every vocoder offers (structural type: no need to inherit from it)."""

    @property
    def audio_config(self) -> AudioConfig:
        """Settings of the mels this vocoder takes."""
        ...

    @property
    def sample_rate(self) -> int:
        """Sample rate of the waveforms it returns."""
        ...

    def __call__(self, mel: torch.Tensor, audio_config: AudioConfig | None = None) -> torch.Tensor:
        """``(batch, n_mels, frames)`` log-mel -> ``(batch, frames * hop)`` waveform."""
        ...

    def vocode(self, mel: np.ndarray, audio_config: AudioConfig | None = None) -> np.ndarray:
        """Numpy ``(n_mels, frames)`` or ``(batch, n_mels, frames)`` -> float32 waveform(s)."""
        ...


class VocoderMixin:
    """Shared input checks and the numpy helper; mixed into ``nn.Module`` vocoders.

    The class using it provides ``audio_config`` and ``forward(mel, audio_config=None)``.
    """

    if TYPE_CHECKING:  # for the type checker only: what the class using the mixin provides

        @property
        def audio_config(self) -> AudioConfig: ...

        def __call__(self, mel: torch.Tensor, audio_config: AudioConfig | None = None) -> torch.Tensor: ...

    @property
    def sample_rate(self) -> int:
        """Sample rate of the output waveform (Hz)."""
        return self.audio_config.sample_rate

    @property
    def hop_length(self) -> int:
        """Output samples per input frame."""
        return self.audio_config.hop_length

    def check_input(self, mel: torch.Tensor, audio_config: AudioConfig | None) -> None:
        """Raise :class:`~speech.errors.AudioError` for mels this vocoder cannot take.

        Args:
            mel: ``(batch, n_mels, frames)``.
            audio_config: the settings the mels were made with, when the caller knows them.
        """
        if audio_config is not None:
            if not isinstance(audio_config, AudioConfig):
                raise TypeError(f"audio_config must be an AudioConfig, got {type(audio_config).__name__}")
            self.audio_config.check_compatible(audio_config, what=f"{type(self).__name__}")
        check_mel_shape(mel, self.audio_config)
        if not torch.is_floating_point(mel):
            raise AudioError(f"mel must be a floating-point tensor, got {mel.dtype}")

    @torch.inference_mode()
    def vocode(self, mel: np.ndarray, audio_config: AudioConfig | None = None) -> np.ndarray:
        """Vocode a numpy log-mel without gradients.

        Args:
            mel: ``(n_mels, frames)`` or ``(batch, n_mels, frames)`` natural-log mel.
            audio_config: the settings the mel was made with (checked when given).

        Returns:
            float32 ``(frames * hop,)`` or ``(batch, frames * hop)``.
        """
        array = np.asarray(mel, dtype=np.float32)
        single = array.ndim == 2
        tensor = torch.from_numpy(np.ascontiguousarray(array[None] if single else array))
        device = _module_device(self)
        wav = self(tensor.to(device), audio_config=audio_config)
        out = wav.float().cpu().numpy()
        return out[0] if single else out


def _module_device(module: object) -> torch.device:
    """Device of a module's first parameter or buffer (CPU when it has none)."""
    if isinstance(module, torch.nn.Module):
        for tensor in (*module.parameters(), *module.buffers()):
            return tensor.device
    return torch.device("cpu")
