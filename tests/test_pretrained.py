"""save_pretrained / from_pretrained: round trip, checksums, and clear errors for bad checkpoints."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
import yaml
from safetensors import safe_open

from speech.errors import SpeechError
from speech.pretrained import (
    CHECKSUM_FILE,
    CONFIG_FILE,
    FORMAT_VERSION,
    WEIGHTS_FILE,
    ArchitectureMismatchError,
    CorruptCheckpointError,
    MissingCheckpointError,
    ModelTypeMismatchError,
    PretrainedModel,
    read_pretrained_config,
    sha256_file,
    write_checksums,
)
from speech.testing.tones import ToneClassifier, ToneClassifierConfig, ToneGan


def _model(hidden: int = 16, seed: int = 0) -> ToneClassifier:
    torch.manual_seed(seed)
    return ToneClassifier(ToneClassifierConfig(hidden=hidden, num_classes=3)).eval()


def _inputs() -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(1)
    return torch.randn(4, 50, 40, generator=gen), torch.tensor([50, 31, 12, 50])


@dataclass(kw_only=True)
class TiedConfig:
    vocab: int = 11
    dim: int = 6


class TiedLM(PretrainedModel):
    """Embedding and output projection share one weight (stored once by safetensors)."""

    model_type = "test_tied_lm"
    config_class = TiedConfig

    def __init__(self, config: TiedConfig) -> None:
        super().__init__(config)
        self.embed = torch.nn.Embedding(config.vocab, config.dim)
        self.out = torch.nn.Linear(config.dim, config.vocab, bias=False)
        self.out.weight = self.embed.weight
        self.register_buffer("empty_a", torch.zeros(0))
        self.register_buffer("empty_b", torch.zeros(0))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.out(self.embed(ids))


def test_round_trip_gives_identical_outputs(tmp_path: Path) -> None:
    model = _model()
    feats, lens = _inputs()
    expected = model(feats, lens)
    out = model.save_pretrained(tmp_path / "m")
    assert sorted(p.name for p in out.iterdir()) == [CHECKSUM_FILE, CONFIG_FILE, WEIGHTS_FILE]
    loaded = ToneClassifier.from_pretrained(out)
    assert not loaded.training
    assert loaded.config == model.config
    assert torch.equal(loaded(feats, lens), expected)
    for name, tensor in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[name], tensor), name


def test_saved_files_follow_the_documented_layout(tmp_path: Path) -> None:
    d = _model().save_pretrained(tmp_path / "m", extra_files={"README.md": "# tones\n"})
    header = yaml.safe_load((d / CONFIG_FILE).read_text())
    assert header["format_version"] == FORMAT_VERSION
    assert header["model_type"] == "tone_classifier"
    assert header["config"]["hidden"] == 16
    lines = dict(line.split("  ")[::-1] for line in (d / CHECKSUM_FILE).read_text().splitlines())
    assert set(lines) == {CONFIG_FILE, WEIGHTS_FILE, "README.md"}
    assert all(lines[name] == sha256_file(d / name) for name in lines)
    with safe_open(str(d / WEIGHTS_FILE), framework="pt") as f:
        assert f.metadata()["model_type"] == "tone_classifier"
    assert not list(d.glob(".*")), "no temp files left behind"
    assert read_pretrained_config(d)["config"]["num_classes"] == 3


def test_saving_again_replaces_the_model(tmp_path: Path) -> None:
    _model(seed=0).save_pretrained(tmp_path / "m")
    second = _model(seed=1)
    second.save_pretrained(tmp_path / "m")
    loaded = ToneClassifier.from_pretrained(tmp_path / "m")
    assert torch.equal(loaded.out.weight, second.out.weight)


def test_tied_weights_are_stored_once_and_restored(tmp_path: Path) -> None:
    model = TiedLM(TiedConfig())
    d = model.save_pretrained(tmp_path / "tied")
    with safe_open(str(d / WEIGHTS_FILE), framework="pt") as f:
        assert len([k for k in f.keys() if k.endswith("weight")]) == 1
    loaded = TiedLM.from_pretrained(d)
    assert loaded.out.weight.data_ptr() == loaded.embed.weight.data_ptr()
    ids = torch.tensor([[1, 2, 3]])
    assert torch.equal(loaded(ids), model(ids))


def test_missing_directory_and_files(tmp_path: Path) -> None:
    with pytest.raises(MissingCheckpointError, match="model directory not found"):
        ToneClassifier.from_pretrained(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError):  # also a builtin FileNotFoundError
        ToneClassifier.from_pretrained(tmp_path / "nowhere")
    d = _model().save_pretrained(tmp_path / "m")
    (d / WEIGHTS_FILE).unlink()
    with pytest.raises(MissingCheckpointError, match="model.safetensors is listed in checksums.sha256 but missing"):
        ToneClassifier.from_pretrained(d)
    (d / CHECKSUM_FILE).unlink()
    with pytest.raises(MissingCheckpointError, match="no checksums.sha256"):
        ToneClassifier.from_pretrained(d)


def test_corrupt_weights_fail_the_checksum(tmp_path: Path) -> None:
    d = _model().save_pretrained(tmp_path / "m")
    data = bytearray((d / WEIGHTS_FILE).read_bytes())
    data[-5] ^= 0xFF  # one flipped byte inside a tensor
    (d / WEIGHTS_FILE).write_bytes(bytes(data))
    with pytest.raises(CorruptCheckpointError, match=r"model\.safetensors: checksum mismatch"):
        ToneClassifier.from_pretrained(d)


def test_truncated_weights_are_reported_even_without_checksums(tmp_path: Path) -> None:
    d = _model().save_pretrained(tmp_path / "m")
    (d / WEIGHTS_FILE).write_bytes((d / WEIGHTS_FILE).read_bytes()[:100])
    with pytest.raises(CorruptCheckpointError, match="checksum mismatch"):
        ToneClassifier.from_pretrained(d)
    with pytest.raises(CorruptCheckpointError, match="not a readable safetensors file"):
        ToneClassifier.from_pretrained(d, verify=False)


def test_checkpoint_of_another_model_type(tmp_path: Path) -> None:
    d = _model().save_pretrained(tmp_path / "m")
    with pytest.raises(ModelTypeMismatchError, match="holds a 'tone_classifier' model, but ToneGan loads 'tone_gan'"):
        ToneGan.from_pretrained(d)


def _edit_config(d: Path, **changes: object) -> None:
    header = yaml.safe_load((d / CONFIG_FILE).read_text())
    header["config"].update(changes)
    (d / CONFIG_FILE).write_text(yaml.safe_dump(header))
    write_checksums(d, [CONFIG_FILE, WEIGHTS_FILE])  # a consistent but edited directory


def test_mismatched_architecture_names_the_shapes(tmp_path: Path) -> None:
    d = _model(hidden=16).save_pretrained(tmp_path / "m")
    _edit_config(d, hidden=24)
    with pytest.raises(ArchitectureMismatchError, match=r"conv1\.weight: file \(16, 40, 5\) vs model \(24, 40, 5\)"):
        ToneClassifier.from_pretrained(d)


def test_config_with_unknown_key_or_wrong_type(tmp_path: Path) -> None:
    d = _model().save_pretrained(tmp_path / "m")
    _edit_config(d, hiden=3)
    with pytest.raises(ArchitectureMismatchError, match=r"unknown config key 'config\.hiden' \(did you mean 'config\.hidden'\?\)"):
        ToneClassifier.from_pretrained(d)
    d2 = _model().save_pretrained(tmp_path / "m2")
    _edit_config(d2, hidden="big")
    with pytest.raises(ArchitectureMismatchError, match=r"'config\.hidden' expects an integer"):
        ToneClassifier.from_pretrained(d2)


def test_missing_and_extra_tensors(tmp_path: Path) -> None:
    model = _model()
    d = model.save_pretrained(tmp_path / "m")

    class Bigger(ToneClassifier):
        def __init__(self, config: ToneClassifierConfig) -> None:
            super().__init__(config)
            self.extra = torch.nn.Linear(2, 2)

    with pytest.raises(ArchitectureMismatchError, match=r"missing 2 key\(s\) \(extra\.weight, extra\.bias\)"):
        Bigger.from_pretrained(d)


def test_newer_format_and_malformed_header(tmp_path: Path) -> None:
    d = _model().save_pretrained(tmp_path / "m")
    header = yaml.safe_load((d / CONFIG_FILE).read_text())
    header["format_version"] = FORMAT_VERSION + 1
    (d / CONFIG_FILE).write_text(yaml.safe_dump(header))
    write_checksums(d, [CONFIG_FILE, WEIGHTS_FILE])
    with pytest.raises(CorruptCheckpointError, match="newer than this speech"):
        ToneClassifier.from_pretrained(d)
    (d / CONFIG_FILE).write_text("model_type: tone_classifier\n")
    write_checksums(d, [CONFIG_FILE, WEIGHTS_FILE])
    with pytest.raises(CorruptCheckpointError, match="missing or invalid 'format_version'"):
        ToneClassifier.from_pretrained(d)
    (d / CHECKSUM_FILE).write_text("not a checksum line\n")
    with pytest.raises(CorruptCheckpointError, match="line 1 is not"):
        ToneClassifier.from_pretrained(d)


def test_errors_are_speech_errors(tmp_path: Path) -> None:
    with pytest.raises(SpeechError):
        ToneClassifier.from_pretrained(tmp_path / "nowhere")


def test_class_without_model_type_cannot_save(tmp_path: Path) -> None:
    class NoType(PretrainedModel):
        config_class = TiedConfig

    with pytest.raises(TypeError, match="model_type"):
        NoType(TiedConfig()).save_pretrained(tmp_path / "x")
    with pytest.raises(TypeError, match="expects a TiedConfig"):
        TiedLM(ToneClassifierConfig())
