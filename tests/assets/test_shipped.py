"""Where the default models and example clips are found: the variable, the package, the checkout."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from speech.assets import shipped
from speech.errors import SpeechError

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Empty stand-ins for the three places, wired into the resolver; no variable set."""
    paths = {key: tmp_path / key for key in ("env", "package", "checkout")}
    for path in paths.values():
        path.mkdir()
    monkeypatch.delenv(shipped.MODELS_ENV, raising=False)
    monkeypatch.delenv(shipped.EXAMPLES_ENV, raising=False)
    monkeypatch.setattr(shipped, "SHIPPED_DIR", paths["package"])
    monkeypatch.setattr(shipped, "checkout_dir", lambda: paths["checkout"])
    return paths


def _model(root: Path, name: str = shipped.TTS_MODEL) -> Path:
    folder = root / "models" / name
    folder.mkdir(parents=True)
    return folder


def test_checkout_defaults_are_the_repository_folders(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(shipped.MODELS_ENV, raising=False)
    monkeypatch.delenv(shipped.EXAMPLES_ENV, raising=False)
    assert shipped.checkout_dir() == REPO
    assert shipped.shipped_model(shipped.TTS_MODEL) == REPO / "models" / "bootstrap-multilingual"
    assert shipped.shipped_model(shipped.SLU_MODEL) == REPO / "models" / "bootstrap-slu"
    assert shipped.shipped_examples() == REPO / "demo" / "examples"


def test_package_copy_wins_over_the_checkout(places: dict[str, Path]) -> None:
    in_package = _model(places["package"])
    _model(places["checkout"])
    assert shipped.shipped_model(shipped.TTS_MODEL) == in_package


def test_variable_wins_over_package_and_checkout(places: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    _model(places["package"])
    _model(places["checkout"])
    mine = places["env"] / shipped.TTS_MODEL
    mine.mkdir()
    monkeypatch.setenv(shipped.MODELS_ENV, str(places["env"]))
    assert shipped.shipped_model(shipped.TTS_MODEL) == mine
    assert shipped.default_model_dir(shipped.TTS_MODEL) == mine


def test_variable_without_the_model_falls_through_with_a_warning(
    places: dict[str, Path], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    in_checkout = _model(places["checkout"])
    monkeypatch.setenv(shipped.MODELS_ENV, str(places["env"]))
    with caplog.at_level(logging.WARNING, logger="speech.assets.shipped"):
        assert shipped.shipped_model(shipped.TTS_MODEL) == in_checkout
    assert shipped.MODELS_ENV in caplog.text and str(places["env"] / shipped.TTS_MODEL) in caplog.text


def test_missing_model_is_one_line_naming_the_variable(places: dict[str, Path]) -> None:
    with pytest.raises(SpeechError) as raised:
        shipped.shipped_model(shipped.SLU_MODEL)
    message = str(raised.value)
    assert "\n" not in message
    assert f"set {shipped.MODELS_ENV}" in message and "--model" in message
    assert str(places["package"] / "models" / shipped.SLU_MODEL) in message
    assert isinstance(raised.value, FileNotFoundError)


def test_default_model_dir_never_raises(places: dict[str, Path]) -> None:
    # Computed at import for the CLI's defaults: without the model it names where it belongs.
    assert shipped.default_model_dir(shipped.SLU_MODEL) == places["checkout"] / "models" / shipped.SLU_MODEL


def test_installed_package_has_no_checkout_candidate(places: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shipped, "checkout_dir", lambda: None)
    expected = places["package"] / "models" / shipped.TTS_MODEL
    assert shipped.model_candidates(shipped.TTS_MODEL) == [expected]
    assert shipped.default_model_dir(shipped.TTS_MODEL) == expected


def test_examples_follow_the_same_order(places: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    (places["checkout"] / "demo" / "examples").mkdir(parents=True)
    assert shipped.shipped_examples() == places["checkout"] / "demo" / "examples"
    (places["package"] / "examples").mkdir()
    assert shipped.shipped_examples() == places["package"] / "examples"
    monkeypatch.setenv(shipped.EXAMPLES_ENV, str(places["env"]))
    assert shipped.shipped_examples() == places["env"]
    assert shipped.examples_dir() == places["env"]


def test_missing_examples_name_their_variable(places: dict[str, Path]) -> None:
    with pytest.raises(shipped.MissingShippedFileError, match=f"set {shipped.EXAMPLES_ENV}"):
        shipped.shipped_examples()


def test_site_packages_is_not_taken_for_a_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A stray top-level models/ beside the installed package must not count as ours.
    (tmp_path / "speech").mkdir()
    (tmp_path / "models").mkdir()
    monkeypatch.setattr(shipped, "PACKAGE_DIR", tmp_path / "speech")
    assert shipped.checkout_dir() is None
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    assert shipped.checkout_dir() == tmp_path
