"""``transformers`` models from *local* directories, with their architecture kept in our YAML configs.

A model of ours that contains a ``transformers`` module (a wav2vec 2.0 encoder, a BERT text
encoder) stores that module's ``config.json`` as a mapping inside its own config. Rebuilding the
model then needs only our directory, never the original one, and nothing is ever downloaded
(``local_files_only=True``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from speech.errors import SpeechError

# Bookkeeping entries of config.json that say nothing about the architecture.
_BOOKKEEPING = ("_name_or_path", "transformers_version", "architectures", "_commit_hash", "_attn_implementation_autoset")


class TransformersModelError(SpeechError, ValueError):
    """A transformers model directory or config that is not of a usable kind."""


def _yaml_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _yaml_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_yaml_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def read_hf_config(path: str | os.PathLike[str], allowed: Sequence[str], what: str) -> dict[str, Any]:
    """The architecture of a local transformers model directory, as YAML-safe plain data.

    Args:
        path: a directory with ``config.json``.
        allowed: accepted ``model_type`` values.
        what: what the model is for, for messages ("speech encoder").

    Raises:
        FileNotFoundError: no ``config.json``.
        TransformersModelError: another kind of model.
    """
    from transformers import AutoConfig

    p = Path(path)
    if not (p / "config.json").is_file():
        raise FileNotFoundError(f"no transformers model at {p} (config.json not found); give a local model directory")
    config = AutoConfig.from_pretrained(str(p), local_files_only=True)
    if config.model_type not in allowed:
        raise TransformersModelError(
            f"{p}: model_type {config.model_type!r} is not a supported {what} ({', '.join(allowed)})"
        )
    data = config.to_dict()
    for key in _BOOKKEEPING:
        data.pop(key, None)
    return _yaml_safe(data)


def hf_config_from_dict(data: dict[str, Any], allowed: Sequence[str], what: str) -> Any:
    """A transformers config object from the mapping :func:`read_hf_config` returned.

    Raises:
        TransformersModelError: no or unsupported ``model_type``.
    """
    from transformers import AutoConfig

    model_type = data.get("model_type")
    if model_type not in allowed:
        raise TransformersModelError(f"model_type {model_type!r} is not a supported {what} ({', '.join(allowed)})")
    return AutoConfig.for_model(**data)
