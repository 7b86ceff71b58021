"""Compatibility home of the config loader, which now lives in :mod:`speech.config` (layer 1).

:mod:`speech.pretrained` needs the YAML/dataclass helpers, and it sits below :mod:`speech.train`;
so the helpers moved down and this module keeps ``from speech.train.config import ...`` working.
"""

from __future__ import annotations

from speech.config import (
    CHOICE_METADATA_KEY,
    ConfigError,
    Registry,
    apply_overrides,
    choice_field,
    diff_configs,
    dump_yaml,
    from_dict,
    load_config,
    load_yaml,
    parse_override,
    parse_yaml,
    to_dict,
)

__all__ = [
    "CHOICE_METADATA_KEY",
    "ConfigError",
    "Registry",
    "apply_overrides",
    "choice_field",
    "diff_configs",
    "dump_yaml",
    "from_dict",
    "load_config",
    "load_yaml",
    "parse_override",
    "parse_yaml",
    "to_dict",
]
