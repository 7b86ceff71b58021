"""YAML configs loaded into typed, nested dataclasses; ``a.b.c=value`` overrides; class registries.

A config in `speech` is a tree of dataclasses. This module turns YAML (and command-line overrides)
into such a tree and refuses anything it cannot type exactly:

- a key that the dataclass does not have is an error that names the full dotted key and suggests
  the closest existing one (``optim.lrr`` -> "did you mean 'optim.lr'?");
- a value of the wrong type is an error (``trainer.max_steps: ten``); ints are accepted where a
  float is expected, nothing else is converted;
- a field without a default that the YAML does not set is an error.

The registry idea comes from ESPnet's ``ClassChoices``: a YAML pair ``task: asr_ctc`` +
``task_conf: {...}`` picks a class by name. Unlike ESPnet, the ``_conf`` block is not free-form
keyword arguments: it fills the chosen class's ``config_class`` dataclass, with the same checks.

It sits in layer 1 (beside :mod:`speech.pretrained`, which saves and loads configs with it);
:mod:`speech.train.config` re-exports it for older imports.

Example:
    >>> from dataclasses import dataclass, field
    >>> @dataclass
    ... class Optim:
    ...     lr: float = 1e-3
    >>> @dataclass
    ... class Run:
    ...     optim: Optim = field(default_factory=Optim)
    ...     steps: int = 10
    >>> cfg = from_dict(Run, apply_overrides({"steps": 5}, ["optim.lr=2e-4"]))
    >>> cfg.optim.lr, cfg.steps
    (0.0002, 5)
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import importlib
import re
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml

from speech.errors import SpeechError

T = TypeVar("T")


class ConfigError(SpeechError, ValueError):
    """A config that cannot be used: unknown key, wrong type, missing value, bad override."""

#: Metadata key that marks a dataclass field as the ``_conf`` block of a registry choice.
CHOICE_METADATA_KEY = "speech_choice"

_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


# --------------------------------------------------------------------------------------------
# YAML


class _Loader(yaml.SafeLoader):
    """SafeLoader that also reads ``1e-3`` as a float.

    PyYAML follows YAML 1.1, where a float needs a dot (``1.0e-3``); ``1e-3`` would silently
    become the *string* "1e-3", which every learning-rate config in the field writes.
    """


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


def parse_yaml(text: str, source: str = "<string>") -> Any:
    """Parse YAML text with the safe loader (plus ``1e-3`` floats).

    Raises:
        ConfigError: the text is not valid YAML.
    """
    try:
        return yaml.load(text, Loader=_Loader)  # safe: _Loader derives from SafeLoader
    except yaml.YAMLError as e:
        raise ConfigError(f"{source}: not valid YAML: {e}") from e


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML file whose top level is a mapping (an empty file gives ``{}``).

    Raises:
        FileNotFoundError: the file does not exist.
        ConfigError: the file is not YAML, or its top level is not a mapping.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"config file not found: {p}")
    data = parse_yaml(p.read_text(encoding="utf-8"), source=str(p))
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: the top level must be a mapping of keys, got {type(data).__name__}")
    return data


def dump_yaml(config: Any) -> str:
    """A dataclass config (or plain data) as YAML text, keys in field order."""
    data = to_dict(config) if dataclasses.is_dataclass(config) else config
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)


# --------------------------------------------------------------------------------------------
# Overrides


def parse_override(text: str) -> tuple[tuple[str, ...], Any]:
    """Split ``a.b.c=value`` into ``(("a", "b", "c"), value)``; the value is typed as YAML.

    ``lr=1e-3`` gives a float, ``steps=10`` an int, ``name=adam`` a string, ``betas=[0.9,0.98]`` a
    list, ``x=null`` (or ``x=``) None. Quote to force a string: ``tag='10'``.

    Raises:
        ConfigError: no ``=``, or the key is not a dotted identifier.
    """
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep:
        raise ConfigError(f"override {text!r} is not of the form key=value (e.g. optim.lr=1e-3)")
    if not _KEY_RE.match(key):
        raise ConfigError(f"override {text!r}: {key!r} is not a dotted key such as trainer.max_steps")
    return tuple(key.split(".")), parse_yaml(value, source=f"override {text!r}")


def apply_overrides(data: Mapping[str, Any], overrides: Iterable[str]) -> dict[str, Any]:
    """Return a copy of ``data`` with each ``a.b.c=value`` override applied.

    Intermediate mappings are created when missing, so an override may set a key the YAML left at
    its default. Whether the key exists at all is checked later by :func:`from_dict`.

    Raises:
        ConfigError: an override is malformed or descends into a value that is not a mapping.
    """
    out = _deep_copy(data)
    for text in overrides:
        keys, value = parse_override(text)
        node: dict[str, Any] = out
        for depth, key in enumerate(keys[:-1]):
            child = node.get(key)
            if child is None:
                child = node[key] = {}
            elif not isinstance(child, dict):
                where = ".".join(keys[: depth + 1])
                raise ConfigError(f"override {text!r}: {where!r} holds {child!r}, not a mapping of keys")
            node = child
        node[keys[-1]] = value
    return out


def _deep_copy(data: Any) -> Any:
    if isinstance(data, Mapping):
        return {k: _deep_copy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_deep_copy(v) for v in data]
    return data


# --------------------------------------------------------------------------------------------
# Registries (ESPnet's ClassChoices, with typed ``_conf`` blocks)


class Registry:
    """A fixed table from names to classes, each class having a ``config_class`` dataclass.

    Entries are ``"module:Class"`` strings imported on first use, so that listing names (CLI help,
    error messages) never imports torch. A name that contains ``:`` and is not in the table is
    imported directly, which lets a project plug its own class in (``task: mypkg.tasks:MyTask``)
    without editing the table.

    Args:
        kind: what the entries are, for messages ("task", "vocoder").
        entries: name -> ``"module:Class"``.
        base: the class every entry must subclass, as ``"module:Class"`` (checked on resolve).
    """

    def __init__(self, kind: str, entries: Mapping[str, str], base: str | None = None) -> None:
        self.kind = kind
        self._entries = dict(entries)
        self._base = base

    def names(self) -> list[str]:
        """The registered names, sorted."""
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def resolve(self, name: str) -> type:
        """The class registered under ``name`` (or named by a ``module:Class`` path).

        Raises:
            ConfigError: unknown name (close names are suggested), or a class that does not fit.
        """
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{self.kind} must be a name such as {self.names()[:3]}, got {name!r}")
        target = self._entries.get(name)
        if target is None:
            if ":" not in name:
                hint = _suggest(name, self.names())
                raise ConfigError(f"unknown {self.kind} {name!r}{hint}; known: {', '.join(self.names()) or 'none'}")
            target = name
        cls = _import_object(target, what=f"{self.kind} {name!r}")
        if not isinstance(cls, type):
            raise ConfigError(f"{self.kind} {name!r} ({target}) is not a class")
        if self._base is not None:
            base = _import_object(self._base, what=f"{self.kind} base class")
            if not issubclass(cls, base):
                raise ConfigError(f"{self.kind} {name!r} ({target}) does not subclass {self._base}")
        conf_cls = getattr(cls, "config_class", None)
        if conf_cls is None or not dataclasses.is_dataclass(conf_cls):
            raise ConfigError(f"{self.kind} {name!r} ({target}) has no dataclass `config_class`")
        return cls


def _import_object(target: str, what: str) -> Any:
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise ConfigError(f"{what}: cannot import module {module_name!r}: {e}") from e
    try:
        return getattr(module, attr)
    except AttributeError as e:
        raise ConfigError(f"{what}: module {module_name!r} has no attribute {attr!r}") from e


def choice_field(selector: str, registry: Registry) -> Any:
    """A dataclass field holding the ``_conf`` block of the class that ``selector`` names.

    Example: ``task: str`` plus ``task_conf: Any = choice_field("task", TASKS)``. When loading,
    ``task_conf`` is filled into ``TASKS.resolve(task).config_class`` (defaults when absent).
    """
    return dataclasses.field(default=None, metadata={CHOICE_METADATA_KEY: (selector, registry)})


# --------------------------------------------------------------------------------------------
# dict -> typed dataclass


def _suggest(name: str, candidates: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def from_dict(cls: type[T], data: Mapping[str, Any] | None, *, source: str | None = None, prefix: str = "") -> T:
    """Build the dataclass ``cls`` from a mapping, checking every key and value.

    Args:
        cls: a dataclass type; nested dataclass fields are filled recursively.
        data: the mapping (``None`` means "all defaults").
        source: where the data came from (a file name), prefixed to error messages.
        prefix: dotted path of ``data`` inside the whole config, for error messages.

    Returns:
        An instance of ``cls``.

    Raises:
        ConfigError: unknown key (with the closest valid key), wrong type, missing required value.
    """
    where = f"{source}: " if source else ""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}{prefix or 'config'} must be a mapping of keys, got {data!r}")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    for key in data:
        if not isinstance(key, str) or key not in fields:
            full = _join(prefix, str(key))
            # Compare leaf names only: a shared "optim." prefix would make any key look close.
            close = difflib.get_close_matches(str(key), list(fields), n=1, cutoff=0.6)
            hint = f" (did you mean {_join(prefix, close[0])!r}?)" if close else ""
            raise ConfigError(
                f"{where}unknown config key {full!r}{hint}; valid keys here: {', '.join(fields) or 'none'}"
            )
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for name, f in fields.items():
        path = _join(prefix, name)
        choice = f.metadata.get(CHOICE_METADATA_KEY)
        if choice is not None:
            continue  # filled below, once the selector is known
        if name in data:
            values[name] = _coerce(data[name], hints[name], path, source)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ConfigError(f"{where}missing required config key {path!r}")
    for name, f in fields.items():
        choice = f.metadata.get(CHOICE_METADATA_KEY)
        if choice is None:
            continue
        selector, registry = choice
        selected = values.get(selector, _field_default(fields[selector]))
        try:
            chosen = registry.resolve(selected)
        except ConfigError as e:
            raise ConfigError(f"{where}{_join(prefix, selector)}: {e}") from e
        values[name] = from_dict(chosen.config_class, data.get(name), source=source, prefix=_join(prefix, name))
    return cls(**values)


def _field_default(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return None


def _type_name(tp: Any) -> str:
    if isinstance(tp, type):
        return tp.__name__
    return str(tp).replace("typing.", "")


def _coerce(value: Any, tp: Any, path: str, source: str | None) -> Any:
    """Check ``value`` against the annotation ``tp``; return it (converted where lossless)."""
    where = f"{source}: " if source else ""

    def fail(expected: str | None = None) -> ConfigError:
        return ConfigError(
            f"{where}config key {path!r} expects {expected or _type_name(tp)}, got {value!r} ({type(value).__name__})"
        )

    if tp is Any:
        return value
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            if type(None) in args:
                return None
            raise fail()
        for arg in (a for a in args if a is not type(None)):
            try:
                return _coerce(value, arg, path, source)
            except ConfigError:
                continue
        raise fail(" or ".join(_type_name(a) for a in args))
    if origin is typing.Literal:
        for option in args:
            if value == option and type(value) is type(option):
                return value
        hint = _suggest(str(value), [str(a) for a in args]) if isinstance(value, str) else ""
        raise fail(f"one of {list(args)}{hint}")
    if tp is type(None):
        if value is None:
            return None
        raise fail("null")
    if dataclasses.is_dataclass(tp):
        return from_dict(tp, value, source=source, prefix=path)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        if isinstance(value, tp):
            return value
        for member in tp:
            if value == member.value or value == member.name:
                return member
        raise fail(f"one of {[m.value for m in tp]}")
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise fail("true or false")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise fail("an integer")
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise fail("a number")
    if tp is str:
        if isinstance(value, str):
            return value
        raise fail("a string")
    if tp is Path:
        if isinstance(value, (str, Path)):
            return Path(value)
        raise fail("a path")
    if origin in (list, Sequence) or tp is list:
        if not isinstance(value, (list, tuple)):
            raise fail("a list")
        (item_tp,) = args or (Any,)
        return [_coerce(v, item_tp, f"{path}[{i}]", source) for i, v in enumerate(value)]
    if origin is tuple or tp is tuple:
        if not isinstance(value, (list, tuple)):
            raise fail("a list")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(v, args[0], f"{path}[{i}]", source) for i, v in enumerate(value))
        if args and len(value) != len(args):
            raise fail(f"a list of {len(args)} items")
        return tuple(_coerce(v, a, f"{path}[{i}]", source) for i, (v, a) in enumerate(zip(value, args or [Any] * len(value))))
    if origin in (dict, Mapping) or tp is dict:
        if not isinstance(value, Mapping):
            raise fail("a mapping")
        key_tp, val_tp = args or (Any, Any)
        return {
            _coerce(k, key_tp, f"{path}.<key>", source): _coerce(v, val_tp, _join(path, str(k)), source)
            for k, v in value.items()
        }
    raise TypeError(f"config field {path!r} has an annotation the loader does not support: {tp!r}")


# --------------------------------------------------------------------------------------------
# typed dataclass -> dict


def to_dict(config: Any) -> Any:
    """A dataclass config as plain YAML-safe data (Enums by value, Paths and tuples as str/list)."""
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        return {f.name: to_dict(getattr(config, f.name)) for f in dataclasses.fields(config)}
    if isinstance(config, enum.Enum):
        return config.value
    if isinstance(config, Path):
        return str(config)
    if isinstance(config, (list, tuple)):
        return [to_dict(v) for v in config]
    if isinstance(config, Mapping):
        return {k: to_dict(v) for k, v in config.items()}
    return config


def load_config(cls: type[T], path: str | Path | None = None, overrides: Iterable[str] = ()) -> T:
    """Load ``cls`` from a YAML file (or defaults when ``path`` is None) plus overrides.

    Raises:
        FileNotFoundError: the YAML file does not exist.
        ConfigError: any key, value or override problem (the message names the file and key).
    """
    overrides = list(overrides)
    data = load_yaml(path) if path is not None else {}
    data = apply_overrides(data, overrides)
    source = str(path) if path is not None else None
    if overrides:
        source = f"{source} + overrides" if source else "overrides"
    return from_dict(cls, data, source=source)


def diff_configs(old: Mapping[str, Any], new: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Dotted keys whose values differ between two plain config dicts (for resume warnings)."""
    changed: list[str] = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        path = _join(prefix, str(key))
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            changed.extend(diff_configs(a, b, path))
        elif a != b:
            changed.append(path)
    return changed
