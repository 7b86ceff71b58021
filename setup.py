"""Build step: put the shipped models and example clips inside the wheel's ``speech`` package.

Everything else about the package is in ``pyproject.toml``. Git keeps the files at the top of the
repository (``models/<name>/``, ``demo/examples/``), where recipes write and people look; a wheel
has no such place, so ``build_py`` copies them to ``speech/_shipped/`` in the build tree, which is
where :mod:`speech.assets.shipped` looks in an installed package. An editable install skips the
copy: it reads the checkout's own folders.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent
#: Source folder (relative to the repository) -> destination inside the package. Keep the model
#: names in step with ``speech.assets.shipped.SHIPPED_MODELS``: tests/test_wheel.py fails when one
#: of those is missing from the installed wheel.
SHIPPED = {
    "models/bootstrap-multilingual": "_shipped/models/bootstrap-multilingual",
    "models/bootstrap-slu": "_shipped/models/bootstrap-slu",
    "demo/examples": "_shipped/examples",
}


class BuildPyWithShipped(build_py):
    """``build_py`` that also copies :data:`SHIPPED` into ``<build_lib>/speech/``."""

    def run(self) -> None:
        """Build the Python files as usual, then add the shipped folders (not in editable mode)."""
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for source, dest in SHIPPED.items():
            copy_shipped(ROOT / source, Path(self.build_lib) / "speech" / dest)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        """The usual outputs plus every copied file (so the wheel's RECORD lists them)."""
        outputs = list(super().get_outputs(include_bytecode))
        if getattr(self, "editable_mode", False):
            return outputs
        for source, dest in SHIPPED.items():
            target = Path(self.build_lib) / "speech" / dest
            outputs += [str(target / p.relative_to(ROOT / source)) for p in _files(ROOT / source)]
        return outputs


def _files(folder: Path) -> list[Path]:
    """The plain files under ``folder``, sorted (so builds are reproducible)."""
    return sorted(p for p in folder.rglob("*") if p.is_file())


def copy_shipped(source: Path, dest: Path) -> None:
    """Replace ``dest`` by a copy of ``source``; a missing source fails the build, not the user."""
    if not source.is_dir():
        raise FileNotFoundError(f"{source}: a shipped folder is missing from the source tree")
    if dest.exists():
        shutil.rmtree(dest)  # a stale build tree must not keep files deleted from git
    shutil.copytree(source, dest)
    logger.info("shipped %s -> %s", source.relative_to(ROOT), dest)


setup(cmdclass={"build_py": BuildPyWithShipped})
