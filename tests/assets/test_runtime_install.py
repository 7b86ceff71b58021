"""`speech assets install|status` in a runtime install, where Kokoro's packages (extra `train`) are absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from speech.assets import kokoro, whisper
from speech.cli import main


@pytest.fixture
def without_kokoro(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Kokoro's packages reported missing; Whisper's install recorded instead of run (145 MB)."""
    calls: list[str] = []
    monkeypatch.setenv("SPEECH_ASSETS", str(tmp_path / "assets"))
    monkeypatch.setattr(kokoro, "packages_installed", lambda: False)

    def refuse(*args: object) -> None:
        raise AssertionError("Kokoro must not be installed without its packages")

    monkeypatch.setattr(kokoro, "install_model", refuse)
    monkeypatch.setattr(kokoro, "install_voices", refuse)
    monkeypatch.setattr(whisper, "install", lambda: calls.append("whisper"))
    return calls


def test_install_skips_kokoro_and_assembles_whisper(without_kokoro: list[str], capsys: pytest.CaptureFixture) -> None:
    assert main(["assets", "install"]) == 0
    assert without_kokoro == ["whisper"]
    assert "Kokoro-82M skipped" in capsys.readouterr().out


def test_status_does_not_count_absent_kokoro(without_kokoro: list[str], monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(whisper, "model_dir", lambda: Path("whisper-base"))
    assert main(["assets", "status"]) == 0
    out = capsys.readouterr().out
    assert "kokoro model: not installed" in out and "whisper-base: ok" in out


def test_kokoro_packages_are_installed_in_the_full_setup() -> None:
    # `make setup` installs the dev extra, which includes train: Kokoro is assembled there.
    assert kokoro.packages_installed()


REQUIRES = [
    "torch<2.12,>=2.9.1",
    'lhotse>=1.30; extra == "train"',
    'faster-whisper<2,>=1.1; extra == "eval"',
    'matplotlib>=3.8; extra == "eval"',
    'gradio>=5.0; extra == "demo"',
    'matplotlib>=3.8; extra == "demo"',
    'speech[demo,eval,train]; extra == "dev"',
]


@pytest.fixture
def metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    """The installed package's requirements, as a wheel built from pyproject.toml lists them."""
    import importlib.metadata

    monkeypatch.setattr(importlib.metadata, "requires", lambda name: REQUIRES if name == "speech" else None)


@pytest.mark.parametrize("module,extra", [
    ("gradio", "demo"), ("lhotse.cut", "train"), ("faster_whisper", "eval"), ("matplotlib.pyplot", "eval"),
    ("torch", None), ("speech", None), ("not_a_dependency", None), (None, None),
])
def test_extra_providing_reads_the_package_metadata(metadata: None, module: str | None, extra: str | None) -> None:
    from speech.assets.shipped import extra_providing

    assert extra_providing(module) == extra


def test_missing_extra_is_one_line_naming_it(metadata: None, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture) -> None:
    import speech.assets.cli as assets_cli

    def lacks_gradio(args: object) -> int:
        raise ModuleNotFoundError("No module named 'gradio'", name="gradio")

    monkeypatch.setattr(assets_cli, "_status", lacks_gradio)
    assert main(["assets", "status"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "speech assets: error: gradio is not installed: pip install 'speech[demo]' (or run `make setup`)"


def test_missing_core_module_keeps_its_traceback(metadata: None, monkeypatch: pytest.MonkeyPatch) -> None:
    import speech.assets.cli as assets_cli

    def lacks_torch(args: object) -> int:
        raise ModuleNotFoundError("No module named 'torch'", name="torch")

    monkeypatch.setattr(assets_cli, "_status", lacks_torch)
    with pytest.raises(ModuleNotFoundError):
        main(["assets", "status"])
