"""The wheel carries the default models and the demo's clips, and an installed `speech` finds them.

The wheel is built from a copy of exactly the files the build reads (so nothing else in the
checkout can leak in), installed with ``pip --target`` into a temporary folder and imported in a
fresh interpreter whose working directory is elsewhere and from which the editable install's import
hook is removed: what resolves there is what a user of ``pip install speech`` gets.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from speech.assets import shipped

REPO = Path(__file__).resolve().parents[1]
#: What the build reads: the package, its configuration and the folders setup.py ships.
BUILD_INPUTS = ["pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "speech",
                *(f"models/{name}" for name in shipped.SHIPPED_MODELS), "demo/examples"]

# Run in the installed copy: drop the editable finder (a meta-path hook that maps `speech` to the
# checkout) and the checkout itself from the path, put the target first, report what resolves.
PROBE = """
import json, sys
repo, target = sys.argv[1], sys.argv[2]
sys.meta_path = [f for f in sys.meta_path if not getattr(f, "__module__", "").startswith("__editable__")]
sys.path = [target] + [p for p in sys.path if p not in ("", ".", repo)]
import speech
from speech.assets import shipped
from speech.demo.examples import EXAMPLES_DIR
from speech.slu.cli import DEFAULT_MODEL_DIR
from speech.tts.cli import DEFAULT_MODEL
print(json.dumps({
    "speech": speech.__file__,
    "checkout": str(shipped.checkout_dir()),
    "models": {name: str(shipped.shipped_model(name)) for name in shipped.SHIPPED_MODELS},
    "examples": str(shipped.shipped_examples()),
    "tts_default": str(DEFAULT_MODEL),
    "slu_default": str(DEFAULT_MODEL_DIR),
    "examples_default": str(EXAMPLES_DIR),
    "extras": {m: shipped.extra_providing(m) for m in ("gradio", "tensorboard", "jiwer", "torch")},
}))
"""


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a command; on failure the assertion shows its output (a pip error is long)."""
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _digests(folder: Path) -> dict[str, str]:
    """``{relative path: sha256}`` of every file under ``folder``."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the wheel's installed contents (``pip install --target``)."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "src"
    for name in BUILD_INPUTS:
        src, dest = REPO / name, source / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "_shipped"))
        else:
            shutil.copy2(src, dest)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    # No build isolation: it would fetch setuptools from the network (the dev extra installs it).
    _run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(root / "dist"), str(source)], root)
    wheels = sorted((root / "dist").glob("speech-*.whl"))
    assert len(wheels) == 1, wheels
    target = root / "target"
    _run([*pip, "install", "--no-deps", "--no-index", "--no-compile", "--target", str(target), str(wheels[0])], root)
    return target


@pytest.fixture(scope="module")
def probe(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """What the installed package resolves, from a working directory outside the checkout."""
    cwd = tmp_path_factory.mktemp("elsewhere")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", shipped.MODELS_ENV, shipped.EXAMPLES_ENV)}
    out = _run([sys.executable, "-c", PROBE, str(REPO), str(installed)], cwd, env)
    return json.loads(out.strip().splitlines()[-1])


def test_speech_is_imported_from_the_installed_wheel(installed: Path, probe: dict) -> None:
    assert Path(probe["speech"]).resolve() == (installed / "speech" / "__init__.py").resolve()
    assert probe["checkout"] == "None"


def test_default_models_resolve_inside_the_installed_package(installed: Path, probe: dict) -> None:
    package = (installed / "speech" / "_shipped").resolve()
    for name in shipped.SHIPPED_MODELS:
        assert Path(probe["models"][name]).resolve() == package / "models" / name
    assert Path(probe["tts_default"]).resolve() == package / "models" / shipped.TTS_MODEL
    assert Path(probe["slu_default"]).resolve() == package / "models" / shipped.SLU_MODEL
    assert Path(probe["examples"]).resolve() == Path(probe["examples_default"]).resolve() == package / "examples"


@pytest.mark.parametrize("name,files", [
    (shipped.TTS_MODEL, ["symbols.json", "acoustic/config.yaml", "acoustic/model.safetensors",
                         "vocoder/config.yaml", "vocoder/model.safetensors"]),
    (shipped.SLU_MODEL, ["config.yaml", "model.safetensors", "labels.json"]),
])
def test_shipped_models_are_the_repository_files(probe: dict, name: str, files: list[str]) -> None:
    installed = _digests(Path(probe["models"][name]))
    assert set(files) <= set(installed)
    assert installed == _digests(REPO / "models" / name)


def test_shipped_examples_are_the_repository_clips(probe: dict) -> None:
    clips = _digests(Path(probe["examples"]))
    assert "kal_command.flac" in clips
    assert clips == _digests(REPO / "demo" / "examples")


def test_installed_metadata_names_the_extras(probe: dict) -> None:
    # What `speech demo` in a runtime install reports instead of a traceback.
    assert probe["extras"] == {"gradio": "demo", "tensorboard": "train", "jiwer": "eval", "torch": None}
