"""One way to save and load every model in `speech`: ``save_pretrained(dir)`` / ``from_pretrained(dir)``.

A saved model is a directory::

    <dir>/config.yaml        format_version, model_type, speech_version, config: {...dataclass...}
    <dir>/model.safetensors  the state dict (safetensors; never pickle)
    <dir>/checksums.sha256   "<sha256>  <file>" lines (``sha256sum -c`` format) for the two files

Every file is written atomically (temp file + rename) and the checksum file last, so a crash leaves
either the previous model or a directory whose checksums do not match (reported as corrupt), never
a half-written model that loads. Extra files (a ``README.md`` model card) may sit beside them.

``from_pretrained`` checks, in order, with an error that names the directory and what is wrong:
the directory and files exist; the checksums match; the format version is known; the
``model_type`` is the class's own (a vocoder checkpoint is not loaded into a synthesizer); the
config has no unknown keys and right types (it fills the class's config dataclass); the state
dict has exactly the model's keys with the model's shapes.

Example:
    >>> from dataclasses import dataclass
    >>> import torch
    >>> @dataclass
    ... class LinearConfig:
    ...     dim: int = 4
    >>> class Linear(PretrainedModel):
    ...     model_type = "doc_linear"
    ...     config_class = LinearConfig
    ...     def __init__(self, config: LinearConfig) -> None:
    ...         super().__init__(config)
    ...         self.proj = torch.nn.Linear(config.dim, config.dim)
    >>> model = Linear(LinearConfig(dim=3))
    >>> model.save_pretrained(tmp_dir)  # doctest: +SKIP
    >>> Linear.from_pretrained(tmp_dir).config.dim  # doctest: +SKIP
    3
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from speech import __version__
from speech.config import ConfigError, dump_yaml, from_dict, parse_yaml, to_dict
from speech.errors import SpeechError
from speech.fileio import atomic_path, atomic_write_text

logger = logging.getLogger(__name__)

#: Version of the on-disk layout written by :meth:`PretrainedMixin.save_pretrained`.
FORMAT_VERSION = 1
CONFIG_FILE = "config.yaml"
WEIGHTS_FILE = "model.safetensors"
CHECKSUM_FILE = "checksums.sha256"

M = TypeVar("M", bound="PretrainedMixin")


class PretrainedError(SpeechError, ValueError):
    """Base class of errors about saved models and checkpoints."""


class MissingCheckpointError(SpeechError, FileNotFoundError):
    """A model directory, or one of its files, that does not exist."""


class CorruptCheckpointError(PretrainedError):
    """A model file whose checksum does not match, or that cannot be parsed."""


class ModelTypeMismatchError(PretrainedError):
    """A checkpoint written by another kind of model (or another training task)."""


class ArchitectureMismatchError(PretrainedError):
    """A state dict whose keys or tensor shapes do not match the model built from its config."""


def sha256_file(path: str | os.PathLike[str], chunk_size: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks (large weight files do not fill memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def write_checksums(directory: str | os.PathLike[str], names: list[str]) -> Path:
    """Write ``checksums.sha256`` for ``names`` inside ``directory`` (atomically)."""
    d = Path(directory)
    lines = [f"{sha256_file(d / name)}  {name}" for name in names]
    path = d / CHECKSUM_FILE
    atomic_write_text(path, "\n".join(lines) + "\n")
    return path


def verify_checksums(directory: str | os.PathLike[str]) -> dict[str, str]:
    """Check every file listed in ``checksums.sha256``; return ``{name: sha256}``.

    Raises:
        MissingCheckpointError: the checksum file or a listed file is missing.
        CorruptCheckpointError: a digest differs, or the checksum file is malformed.
    """
    d = Path(directory)
    path = d / CHECKSUM_FILE
    if not path.is_file():
        raise MissingCheckpointError(f"{d}: no {CHECKSUM_FILE}; not a model saved by save_pretrained")
    expected: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or not name or "/" in name or name.startswith("."):
            raise CorruptCheckpointError(f"{path}: line {number} is not '<sha256>  <file>': {line!r}")
        expected[name] = digest
    for name, digest in expected.items():
        target = d / name
        if not target.is_file():
            raise MissingCheckpointError(f"{d}: {name} is listed in {CHECKSUM_FILE} but missing")
        actual = sha256_file(target)
        if actual != digest:
            raise CorruptCheckpointError(
                f"{target}: checksum mismatch (file is corrupt or was partly written); "
                f"expected {digest[:12]}..., found {actual[:12]}..."
            )
    return expected


def read_pretrained_config(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """The parsed ``config.yaml`` of a saved model, checked for layout (not for a model class).

    Returns:
        ``{"format_version": int, "model_type": str, "speech_version": str, "config": dict}``.

    Raises:
        MissingCheckpointError: the directory or ``config.yaml`` is missing.
        CorruptCheckpointError: not YAML, or a required entry is missing or of the wrong type.
    """
    d = Path(directory)
    if not d.is_dir():
        raise MissingCheckpointError(f"model directory not found: {d}")
    path = d / CONFIG_FILE
    if not path.is_file():
        raise MissingCheckpointError(f"{d}: no {CONFIG_FILE}; not a model saved by save_pretrained")
    try:
        data = parse_yaml(path.read_text(encoding="utf-8"), source=str(path))
    except ConfigError as e:
        raise CorruptCheckpointError(str(e)) from e
    if not isinstance(data, dict):
        raise CorruptCheckpointError(f"{path}: top level must be a mapping")
    for key, kind in (("format_version", int), ("model_type", str), ("config", dict)):
        if not isinstance(data.get(key), kind):
            raise CorruptCheckpointError(f"{path}: missing or invalid {key!r} (expected {kind.__name__})")
    if data["format_version"] > FORMAT_VERSION:
        raise CorruptCheckpointError(
            f"{path}: format_version {data['format_version']} is newer than this speech "
            f"({__version__}) reads (<= {FORMAT_VERSION}); upgrade speech"
        )
    return data


def check_state_dict(
    expected: Mapping[str, torch.Size | tuple[int, ...]],
    found: Mapping[str, torch.Size | tuple[int, ...]],
    source: str,
    aliases: Mapping[str, str] | None = None,
) -> None:
    """Raise :class:`ArchitectureMismatchError` unless ``found`` has ``expected``'s keys and shapes.

    Args:
        expected: key -> shape of the model that will receive the weights.
        found: key -> shape stored in the file.
        source: file name for the message.
        aliases: expected keys that may be absent because they share storage with another key
            (tied weights are stored once in safetensors).
    """
    aliases = aliases or {}
    missing = [k for k in expected if k not in found and aliases.get(k) not in found]
    unexpected = [k for k in found if k not in expected]
    shapes = [
        f"{k}: file {tuple(found[k])} vs model {tuple(expected[k])}"
        for k in expected
        if k in found and tuple(found[k]) != tuple(expected[k])
    ]
    if missing or unexpected or shapes:
        parts = []
        if shapes:
            parts.append(f"{len(shapes)} shape(s) differ ({'; '.join(shapes[:5])})")
        if missing:
            parts.append(f"missing {len(missing)} key(s) ({', '.join(missing[:5])})")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected key(s) ({', '.join(unexpected[:5])})")
        raise ArchitectureMismatchError(
            f"{source}: weights do not match the model built from its config: {'; '.join(parts)}"
        )


def _tied_aliases(state: Mapping[str, torch.Tensor]) -> dict[str, str]:
    """Map each duplicate name of a shared tensor to the first (sorted) name of its group."""
    groups: dict[tuple[Any, ...], list[str]] = {}
    for name, tensor in state.items():
        if tensor.numel() == 0:
            continue  # empty tensors may all report storage pointer 0 without being shared
        key = (
            str(tensor.device),
            tensor.untyped_storage().data_ptr(),
            tensor.storage_offset(),
            tuple(tensor.shape),
            tuple(tensor.stride()),
        )
        groups.setdefault(key, []).append(name)
    aliases: dict[str, str] = {}
    for names in groups.values():
        if len(names) > 1:
            keep, *rest = sorted(names)
            aliases.update({name: keep for name in rest})
    return aliases


class PretrainedMixin:
    """Adds :meth:`save_pretrained` / :meth:`from_pretrained` to an ``nn.Module`` with a dataclass config.

    A subclass sets two class attributes and keeps its config on ``self.config``:

    - ``model_type``: a stable tag written into ``config.yaml`` and checked on load;
    - ``config_class``: the dataclass that describes the architecture; ``cls(config)`` must build
      the model.
    """

    model_type: ClassVar[str]
    config_class: ClassVar[type]
    config: Any

    # -- saving -------------------------------------------------------------------------------

    def save_pretrained(self, directory: str | os.PathLike[str], extra_files: Mapping[str, str] | None = None) -> Path:
        """Write ``config.yaml``, ``model.safetensors`` and ``checksums.sha256`` into ``directory``.

        Args:
            directory: created when missing; existing model files in it are replaced atomically.
            extra_files: more text files to write and checksum (e.g. ``{"README.md": card}``).

        Returns:
            The directory.
        """
        self._check_pretrained_class()
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        state = self.state_dict()  # type: ignore[attr-defined]
        aliases = _tied_aliases(state)
        external = self.external_state_keys()
        tensors = {k: v.detach().to("cpu").contiguous() for k, v in state.items() if k not in aliases and k not in external}
        metadata = {"model_type": self.model_type, "format_version": str(FORMAT_VERSION)}
        with atomic_path(d / WEIGHTS_FILE) as tmp:
            save_file(tensors, str(tmp), metadata=metadata)
        header = {
            "format_version": FORMAT_VERSION,
            "model_type": self.model_type,
            "speech_version": __version__,
            "config": to_dict(self.config),
        }
        atomic_write_text(d / CONFIG_FILE, dump_yaml(header))
        names = [CONFIG_FILE, WEIGHTS_FILE]
        for name, text in (extra_files or {}).items():
            atomic_write_text(d / name, text)
            names.append(name)
        # Written last: until it matches, a half-updated directory reads as corrupt, not as a model.
        write_checksums(d, names)
        logger.info("saved %s (%d tensors) to %s", self.model_type, len(tensors), d)
        return d

    def external_state_keys(self) -> set[str]:
        """State-dict names that are not saved, because :meth:`restore_external_weights` rebuilds them.

        For weights that live in an installed, checksummed asset (a frozen pre-trained encoder):
        the saved model then holds only what training changed. Default: none.
        """
        return set()

    def restore_external_weights(self) -> None:
        """Fill the weights named by :meth:`external_state_keys` (from_pretrained calls it); default: nothing."""

    # -- loading ------------------------------------------------------------------------------

    @classmethod
    def config_from_pretrained(cls, directory: str | os.PathLike[str]) -> Any:
        """Only the typed config of a saved model (checks layout and model type, not weights)."""
        cls._check_pretrained_class()
        data = read_pretrained_config(directory)
        path = Path(directory) / CONFIG_FILE
        if data["model_type"] != cls.model_type:
            raise ModelTypeMismatchError(
                f"{directory}: holds a {data['model_type']!r} model, but {cls.__name__} loads "
                f"{cls.model_type!r} models"
            )
        try:
            return from_dict(cls.config_class, data["config"], source=str(path), prefix="config")
        except ConfigError as e:
            raise ArchitectureMismatchError(f"config does not fit {cls.__name__}: {e}") from e

    @classmethod
    def from_pretrained(
        cls: type[M],
        directory: str | os.PathLike[str],
        map_location: str | torch.device = "cpu",
        verify: bool = True,
    ) -> M:
        """Build the model from its saved config and load its weights; returned in eval mode.

        Args:
            directory: a directory written by :meth:`save_pretrained`.
            map_location: device for the weights.
            verify: check the sha256 checksums first (set False only for files you just wrote).

        Raises:
            MissingCheckpointError: no such directory or file.
            CorruptCheckpointError: checksum mismatch or unreadable file.
            ModelTypeMismatchError: the directory holds another kind of model.
            ArchitectureMismatchError: config keys or state-dict shapes do not fit this class.
        """
        d = Path(directory)
        if not d.is_dir():
            raise MissingCheckpointError(f"model directory not found: {d}")
        if verify:
            listed = verify_checksums(d)
            for name in (CONFIG_FILE, WEIGHTS_FILE):
                if name not in listed:
                    raise CorruptCheckpointError(f"{d / CHECKSUM_FILE}: does not list {name}")
        config = cls.config_from_pretrained(d)
        weights = d / WEIGHTS_FILE
        if not weights.is_file():
            raise MissingCheckpointError(f"{d}: no {WEIGHTS_FILE}")
        model = cls(config)  # type: ignore[call-arg]
        expected_state = model.state_dict()  # type: ignore[attr-defined]
        try:
            with safe_open(str(weights), framework="pt") as f:
                file_type = (f.metadata() or {}).get("model_type")
                found = {k: tuple(f.get_slice(k).get_shape()) for k in f.keys()}
        except (SafetensorError, OSError) as e:
            raise CorruptCheckpointError(f"{weights}: not a readable safetensors file: {e}") from e
        if file_type is not None and file_type != cls.model_type:
            raise ModelTypeMismatchError(
                f"{weights}: holds {file_type!r} weights, but {cls.__name__} loads {cls.model_type!r}"
            )
        aliases = _tied_aliases(expected_state)
        external = model.external_state_keys()
        saved = {k: v.shape for k, v in expected_state.items() if k not in external}
        check_state_dict(saved, found, str(weights), aliases)
        tensors = load_file(str(weights), device="cpu")
        for name, keep in aliases.items():
            if name not in external:
                tensors.setdefault(name, tensors[keep])
        if external:
            model.restore_external_weights()
            restored = model.state_dict()  # type: ignore[attr-defined]
            tensors = {**{k: restored[k] for k in external}, **tensors}
        model.load_state_dict(tensors, strict=True)  # type: ignore[attr-defined]
        model.to(map_location)  # type: ignore[attr-defined]
        model.eval()  # type: ignore[attr-defined]
        return model

    @classmethod
    def _check_pretrained_class(cls) -> None:
        if not isinstance(getattr(cls, "model_type", None), str) or not cls.model_type:
            raise TypeError(f"{cls.__name__} must set a class attribute `model_type` (a non-empty str)")
        if not dataclasses.is_dataclass(getattr(cls, "config_class", None)):
            raise TypeError(f"{cls.__name__}.config_class must be a dataclass")


class PretrainedModel(PretrainedMixin, torch.nn.Module):
    """``nn.Module`` base for models with a dataclass config and save/from_pretrained.

    Subclasses call ``super().__init__(config)``; the config is kept on ``self.config``.
    """

    def __init__(self, config: Any) -> None:
        super().__init__()
        if not isinstance(config, self.config_class):
            raise TypeError(f"{type(self).__name__} expects a {self.config_class.__name__}, got {type(config).__name__}")
        self.config = config
