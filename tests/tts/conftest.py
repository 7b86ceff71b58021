"""A tiny real-speech TTS corpus made with flite at test time (two voices, a few sentences)."""

import shutil
import subprocess

import numpy as np
import pytest
from lhotse import CutSet, Recording, RecordingSet, SupervisionSet

from speech.audio.features import AudioConfig
from speech.data.manifests import make_supervision

SENTENCES = [
    "The cat sat on the warm mat.",
    "Please bring me a glass of water.",
    "Turn the lights off in the kitchen.",
    "She sells sea shells by the shore.",
]
VOICES = {"kal": "m", "slt": "f"}


def _fake_dvector(wav: np.ndarray, sr: int) -> np.ndarray:
    # Tests do not need resemblyzer's real embedding: a fixed random projection of the spectrum
    # still separates the two voices, and keeps the fixture fast.
    spec = np.abs(np.fft.rfft(wav[: sr], n=1024))[:256]
    return (spec / (np.linalg.norm(spec) + 1e-8)).astype(np.float32)


@pytest.fixture(scope="session")
def flite_cuts(tmp_path_factory) -> CutSet:
    if shutil.which("flite") is None:
        raise RuntimeError("flite is missing: install the Debian package 'flite' (make setup does)")
    root = tmp_path_factory.mktemp("flite")
    recs, sups = [], []
    for voice, gender in VOICES.items():
        for i, text in enumerate(SENTENCES):
            wav = root / f"{voice}_{i}.wav"
            subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(wav)], check=True)
            rec = Recording.from_file(wav, recording_id=f"{voice}_{i}")
            recs.append(rec)
            sups.append(make_supervision(id=rec.id, recording_id=rec.id, duration=rec.duration, text=text,
                                         language="en-us", speaker=f"flite_{voice}", gender=gender,
                                         emotion="neutral" if i % 2 == 0 else "happy"))
    return CutSet.from_manifests(RecordingSet.from_recordings(recs), SupervisionSet.from_segments(sups))


@pytest.fixture(scope="session")
def featurised(flite_cuts, tmp_path_factory):
    from speech.tts.featurize import extract_tts_features

    out = tmp_path_factory.mktemp("feats")
    return extract_tts_features(flite_cuts, out, AudioConfig(), embed_speaker=_fake_dvector)


@pytest.fixture
def tiny_config():
    from speech.text.symbols import SymbolTable
    from speech.tts.config import DecoderConfig, EncoderConfig, TTSModelConfig, VarianceConfig

    return TTSModelConfig(
        vocab_size=len(SymbolTable.default()),
        languages=["en-us", "es"],
        speakers=["flite_kal", "flite_slt"],
        emotions=["neutral", "happy"],
        dim=64,
        encoder=EncoderConfig(layers=2, kernel_size=5, language_dim=8, dropout=0.0),
        decoder=DecoderConfig(layers=3, kernel_size=9, dropout=0.0),
        variance=VarianceConfig(channels=64, dropout=0.0),
    )


@pytest.fixture
def model_and_batch(featurised):
    """``make(config) -> (model, batch)``: a seeded model with the fixture's feature statistics."""
    import torch

    from speech.text.tokenizer import Tokenizer
    from speech.tts.dataset import TTSCollate
    from speech.tts.featurize import feature_stats
    from speech.tts.model import AcousticModel

    def make(config):
        stats = feature_stats(featurised)
        config.pitch_mean, config.pitch_std = stats.pitch_mean, stats.pitch_std
        config.energy_mean, config.energy_std = stats.energy_mean, stats.energy_std
        config.speaker_dim = len(next(iter(stats.speaker_embeddings.values())))
        torch.manual_seed(0)
        return AcousticModel(config), TTSCollate(Tokenizer(), config)(featurised)

    return make
