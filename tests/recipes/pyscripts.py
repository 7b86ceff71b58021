"""Import a recipe script of ``recipes/templates/pyscripts/`` as a module (they are not a package)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

PYSCRIPTS = Path(__file__).resolve().parents[2] / "recipes" / "templates" / "pyscripts"


def load_pyscript(name: str) -> ModuleType:
    """The module of ``PYSCRIPTS/<name>.py``, loaded once per process."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, PYSCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is created
    spec.loader.exec_module(module)
    return module
