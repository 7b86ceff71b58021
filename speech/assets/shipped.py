"""Where the files that ship with `speech` are found: the default models and the demo's clips.

Git keeps them at the top of the repository (``models/<name>/``, ``demo/examples/``); the wheel's
build step (``setup.py``) copies them into the package as ``speech/_shipped/models/<name>/`` and
``speech/_shipped/examples/``. Each is looked for, first found wins:

1. ``$SPEECH_MODELS_DIR/<name>`` (models) or ``$SPEECH_EXAMPLES_DIR`` (clips): a folder of your own;
2. inside the installed package (a wheel: ``pip install speech``);
3. the source checkout the package was imported from (an editable install, ``make setup``).

A set variable that lacks the model falls through to 2 and 3 with a warning. The module needs no
torch, so the CLI's defaults cost nothing at ``speech --help``. :func:`extra_providing` names the
extra (``train``, ``eval``, ``demo``) that brings a library a runtime install lacks.

Example:
    >>> default_model_dir(TTS_MODEL).name
    'bootstrap-multilingual'
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from speech.errors import SpeechError

logger = logging.getLogger(__name__)

#: Names a folder holding ``<name>/`` model directories; looked in before the package's own.
MODELS_ENV = "SPEECH_MODELS_DIR"
#: Names a folder of example clips; looked in before the package's own.
EXAMPLES_ENV = "SPEECH_EXAMPLES_DIR"
#: The synthesizer that ``speech synth``, ``speech dub`` and the demo load without ``--model``.
TTS_MODEL = "bootstrap-multilingual"
#: The SLU model that ``speech slu predict`` and the demo load without ``--model``.
SLU_MODEL = "bootstrap-slu"
#: Every model the wheel carries (``setup.py`` copies exactly these).
SHIPPED_MODELS = (TTS_MODEL, SLU_MODEL)

#: The ``speech`` package folder.
PACKAGE_DIR = Path(__file__).resolve().parents[1]
#: Where the wheel's build step puts the shipped files inside the package.
SHIPPED_DIR = PACKAGE_DIR / "_shipped"


class MissingShippedFileError(SpeechError, FileNotFoundError):
    """A default model or the example clips are in none of the places they are looked for."""


def checkout_dir() -> Path | None:
    """The source checkout ``speech`` was imported from, or None for an installed package.

    A checkout is recognised by its ``pyproject.toml`` next to the package, so a stray top-level
    ``models/`` in site-packages (some packages install one) is never taken for ours.
    """
    root = PACKAGE_DIR.parent
    return root if (root / "pyproject.toml").is_file() else None


def model_candidates(name: str) -> list[Path]:
    """The directories tried for model ``name``, in order (they need not exist)."""
    found: list[Path] = []
    env = os.environ.get(MODELS_ENV)
    if env:
        found.append(Path(env).expanduser() / name)
    found.append(SHIPPED_DIR / "models" / name)
    root = checkout_dir()
    if root is not None:
        found.append(root / "models" / name)
    return found


def examples_candidates() -> list[Path]:
    """The folders tried for the demo's example clips, in order (they need not exist)."""
    found: list[Path] = []
    env = os.environ.get(EXAMPLES_ENV)
    if env:
        found.append(Path(env).expanduser())
    found.append(SHIPPED_DIR / "examples")
    root = checkout_dir()
    if root is not None:
        found.append(root / "demo" / "examples")
    return found


def _first_dir(candidates: list[Path], env: str) -> Path | None:
    """The first existing directory; warns when the one the variable names is not there."""
    if os.environ.get(env) and not candidates[0].is_dir():
        logger.warning("$%s is set but %s does not exist; using the shipped one", env, candidates[0])
    return next((c for c in candidates if c.is_dir()), None)


def _missing(what: str, candidates: list[Path], env: str, holding: str) -> MissingShippedFileError:
    """The one-line error for a shipped folder found nowhere: where it looked, what to set."""
    tried = ", ".join(str(c) for c in candidates)
    return MissingShippedFileError(f"no {what} (looked in {tried}): set {env} to {holding}")


def shipped_model(name: str) -> Path:
    """The directory of shipped model ``name`` (e.g. :data:`TTS_MODEL`).

    Raises:
        MissingShippedFileError: in none of :func:`model_candidates`; says what to set.
    """
    candidates = model_candidates(name)
    found = _first_dir(candidates, MODELS_ENV)
    if found is None:
        raise _missing(f"{name} model", candidates, MODELS_ENV, f"a folder holding {name}/, or pass --model DIR")
    return found


def shipped_examples() -> Path:
    """The folder of the demo's example clips.

    Raises:
        MissingShippedFileError: in none of :func:`examples_candidates`; says what to set.
    """
    candidates = examples_candidates()
    found = _first_dir(candidates, EXAMPLES_ENV)
    if found is None:
        raise _missing("example clips", candidates, EXAMPLES_ENV, "a folder of example clips")
    return found


def default_model_dir(name: str) -> Path:
    """Like :func:`shipped_model`, but never raises: for defaults computed at import and help texts.

    Without the model it returns the place it belongs (the checkout's ``models/<name>`` in a
    checkout, else the package's), so the loader's "not found" error names a real location.
    """
    candidates = model_candidates(name)
    return _first_dir(candidates, MODELS_ENV) or candidates[-1]


def examples_dir() -> Path:
    """Like :func:`shipped_examples`, but never raises (the place the clips belong when missing)."""
    candidates = examples_candidates()
    return _first_dir(candidates, EXAMPLES_ENV) or candidates[-1]


def _normalise(name: str) -> str:
    """A distribution or module name in PEP 503 form (``faster_whisper`` -> ``faster-whisper``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def extra_providing(module: str | None) -> str | None:
    """An extra of the installed ``speech`` whose requirements include top-level ``module``.

    Read from the package's own metadata (no table to keep in step with ``pyproject.toml``); the
    module is matched by name, which holds for every library our extras add. None: not an extra's
    (a core dependency, a name that differs from its distribution, or no ``speech`` metadata).
    """
    # Imported here: it costs ~40 ms, paid only on this error path, not by every `speech --help`.
    import importlib.metadata

    if not module:
        return None
    wanted = _normalise(module.split(".")[0])
    if wanted == "speech":
        return None  # `dev` names the package itself (its other extras), not a library
    try:
        requirements = importlib.metadata.requires("speech") or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for requirement in requirements:
        spec, _, marker = requirement.partition(";")
        extra = re.search(r"""extra\s*==\s*["']([^"']+)["']""", marker)
        name = re.match(r"[A-Za-z0-9._-]+", spec.strip())
        if extra and name and _normalise(name.group(0)) == wanted:
            return extra.group(1)
    return None
