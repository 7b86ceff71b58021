"""``load_vocoder(name_or_dir)``: Griffin-Lim by name, or a trained neural vocoder from a directory.

A directory may hold either a :class:`~speech.tts.vocoder.model.NeuralVocoder` (``model_type:
neural_vocoder``, what ships in ``models/``) or a whole :class:`~speech.tts.vocoder.gan.VocoderGAN`
(``model_type: vocoder_gan``, what ``speech train`` exports to ``exp_dir/model``); for the latter
the generator is taken and the discriminators are dropped. :func:`export_generator` writes the
generator alone (about a tenth of the size) for shipping.
"""

from __future__ import annotations

import os
from pathlib import Path

from speech.audio.features import AudioConfig
from speech.pretrained import ModelTypeMismatchError, read_pretrained_config
from speech.tts.vocoder.base import Vocoder

#: Names that :func:`load_vocoder` accepts instead of a directory.
GRIFFIN_LIM_NAMES: tuple[str, ...] = ("griffin-lim", "griffinlim", "gl")


def load_vocoder(
    name_or_dir: str | os.PathLike[str],
    audio_config: AudioConfig | None = None,
    map_location: str = "cpu",
) -> Vocoder:
    """A ready-to-use vocoder (eval mode).

    Args:
        name_or_dir: ``"griffin-lim"``, or a directory written by ``save_pretrained`` (a
            ``neural_vocoder`` or a ``vocoder_gan``).
        audio_config: for Griffin-Lim, the mel settings (default :class:`AudioConfig`); for a
            neural vocoder, the settings the caller's mels have: a vocoder trained on others is
            refused.
        map_location: device for the weights.

    Raises:
        MissingCheckpointError: no such name or directory.
        CorruptCheckpointError: a checksum does not match.
        ModelTypeMismatchError: the directory holds a model that is not a vocoder.
        AudioError: ``audio_config`` differs from the one the vocoder was trained on.
    """
    from speech.pretrained import MissingCheckpointError
    from speech.tts.vocoder.gan import VocoderGAN
    from speech.tts.vocoder.griffin_lim import GriffinLimConfig, GriffinLimVocoder
    from speech.tts.vocoder.model import NeuralVocoder

    if isinstance(name_or_dir, str) and name_or_dir.lower() in GRIFFIN_LIM_NAMES:
        return GriffinLimVocoder(GriffinLimConfig(audio=audio_config or AudioConfig())).eval()
    directory = Path(name_or_dir)
    if not directory.is_dir():
        raise MissingCheckpointError(
            f"vocoder {str(name_or_dir)!r} is neither a model directory nor a known name "
            f"({', '.join(GRIFFIN_LIM_NAMES[:1])})"
        )
    model_type = read_pretrained_config(directory)["model_type"]
    vocoder: NeuralVocoder
    if model_type == NeuralVocoder.model_type:
        vocoder = NeuralVocoder.from_pretrained(directory, map_location=map_location)
    elif model_type == VocoderGAN.model_type:
        vocoder = VocoderGAN.from_pretrained(directory, map_location=map_location).generator
    else:
        raise ModelTypeMismatchError(
            f"{directory}: holds a {model_type!r} model, not a vocoder "
            f"(expected {NeuralVocoder.model_type!r} or {VocoderGAN.model_type!r})"
        )
    if audio_config is not None:
        vocoder.audio_config.check_compatible(audio_config, what=f"vocoder in {directory}")
    return vocoder.eval()


def export_generator(
    source_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str], model_card: str | None = None
) -> Path:
    """Write the generator of a trained vocoder (``vocoder_gan`` or ``neural_vocoder``) as a ``neural_vocoder``.

    Args:
        source_dir: a directory :func:`load_vocoder` reads.
        out_dir: where to ``save_pretrained`` the generator.
        model_card: text of a ``README.md`` to write beside it.

    Returns:
        ``out_dir``.
    """
    from speech.tts.vocoder.model import NeuralVocoder

    vocoder = load_vocoder(source_dir)
    if not isinstance(vocoder, NeuralVocoder):
        raise ModelTypeMismatchError(f"{source_dir}: Griffin-Lim has no weights to export")
    extra = {"README.md": model_card} if model_card else None
    return vocoder.save_pretrained(out_dir, extra_files=extra)
