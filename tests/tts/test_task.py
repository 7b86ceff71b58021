"""The synthesizer trains through the shared engine: features stage -> speech train -> package -> synth."""

from pathlib import Path

import numpy as np
import pytest
import yaml
from lhotse import RecordingSet, SupervisionSet

from speech.data.manifests import save_manifests
from speech.tts.prepare import prepare_tts_data, write_train_config

SMOKE = Path(__file__).resolve().parents[2] / "recipes" / "bootstrap" / "tts" / "conf" / "tts_smoke.yaml"


def _fake_dvector(wav: np.ndarray, sr: int) -> np.ndarray:
    spec = np.abs(np.fft.rfft(wav[:sr], n=1024))[:256]
    return (spec / (np.linalg.norm(spec) + 1e-8)).astype(np.float32)


@pytest.fixture
def prepared(flite_cuts, tmp_path):
    cuts = flite_cuts.to_eager()
    recordings = RecordingSet.from_recordings(c.recording for c in cuts)
    sups = SupervisionSet.from_segments(c.supervisions[0] for c in cuts)
    for split in ("train", "dev"):
        save_manifests(recordings, sups, tmp_path / "manifests", "mini", split)
    return prepare_tts_data(tmp_path / "manifests", "mini", tmp_path / "feats", embed_speaker=_fake_dvector)


def test_prepare_writes_task_conf(prepared):
    conf = yaml.safe_load(prepared["task_conf"].read_text())
    model = conf["model"]
    assert model["speakers"] == ["flite_kal", "flite_slt"]
    assert model["languages"] == ["en-us"] and model["emotions"] == ["neutral", "happy"]
    assert 4.0 < model["pitch_mean"] < 6.5  # log Hz of flite voices
    assert model["speaker_dim"] == 256 and Path(conf["speaker_table"]).is_file()


@pytest.mark.heavy
def test_engine_trains_exports_and_the_package_speaks(prepared, tmp_path):
    from speech.cli import main
    from speech.tts.synthesizer import Synthesizer

    cfg = write_train_config(SMOKE, prepared["task_conf"], tmp_path / "train.yaml",
                             train_cuts=str(prepared["train"]), valid_cuts=str(prepared["dev"]))
    exp = tmp_path / "exp"
    assert main(["train", "--config", str(cfg), f"exp_dir={exp}", "trainer.max_steps=6",
                 "trainer.val_every_n_steps=6", "checkpoint.every_n_steps=3"]) == 0
    assert (exp / "model" / "model.safetensors").is_file()
    assert main(["tts", "package", "--acoustic", str(exp / "model"), "--symbols", str(prepared["symbols"]),
                 "--out", str(tmp_path / "synth")]) == 0
    synth = Synthesizer.from_pretrained(tmp_path / "synth")
    table = synth.model.speaker_table
    assert table.shape == (2, 256) and float(table.norm(dim=1).min()) > 0.99  # installed from the data
    wav, sr = synth.synthesize("Turn the lights on.", "en-us", speaker="flite_kal")
    assert sr == 22050 and len(wav) > 0 and np.isfinite(wav).all()
