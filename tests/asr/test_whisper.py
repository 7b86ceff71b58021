"""Whisper's encoder read from CTranslate2's model.bin: mapping, parity with CTranslate2, batches, cache, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from speech.asr.whisper import (
    STATE_CACHE,
    WhisperEncoderConfig,
    WhisperModelError,
    WhisperSpeechEncoder,
    ct2_to_hf_state_dict,
    load_ct2_weights,
    read_ct2_variables,
    sizes_from_ct2,
    whisper_config_from_ct2,
)
from speech.data.bootstrap.engines import say
from speech.errors import AudioError


def _speech_16k(text: str = "turn on the lights in the kitchen please", voice: str = "slt") -> np.ndarray:
    from speech.audio.io import resample

    wav, sr = say("flite", voice, text)
    return resample(wav, sr, 16000).astype(np.float32)


@pytest.fixture(scope="module")
def tiny_whisper(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from speech.testing.whisper import make_tiny_ct2_whisper

    return make_tiny_ct2_whisper(tmp_path_factory.mktemp("tiny_whisper"))


def _tiny_encoder(ct2_dir: Path, **overrides) -> WhisperSpeechEncoder:
    enc = WhisperSpeechEncoder(whisper_config_from_ct2(ct2_dir, **overrides))
    load_ct2_weights(enc)
    return enc.eval()


@pytest.fixture(scope="module")
def base_encoder() -> WhisperSpeechEncoder:
    enc = WhisperSpeechEncoder(WhisperEncoderConfig(freeze="all", cache_mb=0))
    load_ct2_weights(enc)
    return enc.eval()


def test_ct2_tensors_map_exactly_onto_the_transformers_encoder(tiny_whisper: tuple[Path, Path]) -> None:
    """CTranslate2's converter fused q/k/v and renamed everything; reading it back gives the original weights."""
    from transformers import WhisperForConditionalGeneration

    hf_dir, ct2_dir = tiny_whisper
    reference = WhisperForConditionalGeneration.from_pretrained(str(hf_dir)).model.encoder.state_dict()
    variables = read_ct2_variables(ct2_dir / "model.bin", "encoder/")
    assert sizes_from_ct2(variables) == {"d_model": 16, "num_mel_bins": 80, "layers": 2, "attention_heads": 2,
                                         "ffn_dim": 32, "max_source_positions": 1500}
    state = ct2_to_hf_state_dict(variables, layers=2)
    assert set(state) == set(reference)
    for name, tensor in reference.items():
        assert torch.equal(state[name], tensor), name
    assert all(not k.startswith("decoder/") for k in variables)


def test_encoder_matches_ctranslate2_on_a_command(base_encoder: WhisperSpeechEncoder) -> None:
    """The truncated PyTorch encoder = CTranslate2's float32 encode() of the same clip's log-mel."""
    import ctranslate2

    from speech.assets import whisper as asset

    wav = _speech_16k()
    ct2 = ctranslate2.models.Whisper(str(asset.model_dir()), device="cpu", compute_type="float32", intra_threads=2)
    feats, frames = base_encoder.frontend([wav])
    assert feats.shape == (1, 80, wav.shape[0] // 160) and int(frames[0]) == wav.shape[0] // 160
    reference = np.array(ct2.encode(ctranslate2.StorageView.from_array(np.ascontiguousarray(feats.numpy()))))
    with torch.no_grad():
        states, lens = base_encoder(torch.from_numpy(wav)[None], torch.tensor([wav.shape[0]]))
    assert states.shape == reference.shape == (1, int(lens[0]), 512)
    assert int(lens[0]) == (wav.shape[0] // 160 + 1) // 2
    assert np.abs(reference).max() > 5.0  # real activations, not a degenerate input
    assert np.abs(states.numpy() - reference).max() < 2e-3


@pytest.mark.heavy
def test_encoder_matches_ctranslate2_on_a_30_s_window(base_encoder: WhisperSpeechEncoder) -> None:
    """Whisper's own setting: the clip padded to 30 s (3,000 frames), through transformers' forward."""
    import ctranslate2

    from speech.assets import whisper as asset

    wav = _speech_16k()
    feats = base_encoder.frontend.extractor(wav, sampling_rate=16000, return_tensors="np").input_features
    assert feats.shape == (1, 80, 3000)
    ct2 = ctranslate2.models.Whisper(str(asset.model_dir()), device="cpu", compute_type="float32", intra_threads=2)
    reference = np.array(ct2.encode(ctranslate2.StorageView.from_array(feats)))
    with torch.no_grad():
        ours = base_encoder.model(torch.from_numpy(feats)).last_hidden_state.numpy()
    assert ours.shape == reference.shape == (1, 1500, 512)
    assert np.abs(ours - reference).max() < 2e-3


def test_a_padded_batch_gives_each_clip_its_own_states(tiny_whisper: tuple[Path, Path]) -> None:
    enc = _tiny_encoder(tiny_whisper[1], cache_mb=0)
    rng = np.random.default_rng(0)
    a = rng.standard_normal(16000).astype(np.float32) * 0.1
    b = rng.standard_normal(7000).astype(np.float32) * 0.1
    batch = torch.zeros(2, 16000)
    batch[0], batch[1, :7000] = torch.from_numpy(a), torch.from_numpy(b)
    with torch.no_grad():
        states, lens = enc(batch, torch.tensor([16000, 7000]))
        alone, alone_lens = enc(torch.from_numpy(b)[None], torch.tensor([7000]))
    assert lens.tolist() == [50, 22] and alone_lens.tolist() == [22]
    assert torch.allclose(states[1, :22], alone[0], atol=1e-5)
    assert states[1, 22:].abs().max() == 0  # padding frames are zeros


def test_frozen_states_are_cached_per_waveform(tiny_whisper: tuple[Path, Path]) -> None:
    STATE_CACHE.clear()
    enc = _tiny_encoder(tiny_whisper[1], freeze="all", cache_mb=16)
    wav = torch.from_numpy(np.random.default_rng(1).standard_normal((2, 8000)).astype(np.float32) * 0.1)
    lens = torch.tensor([8000, 8000])
    with torch.no_grad():
        first, _ = enc(wav, lens)
        hits = STATE_CACHE.hits
        second, _ = enc(wav, lens)
        other, _ = enc(wav * 0.5, lens)
    assert len(STATE_CACHE) == 4 and STATE_CACHE.hits == hits + 2
    assert torch.equal(first, second)
    assert not torch.allclose(first, other)
    # An encoder with other weights (another sha256) never reads these entries.
    enc.weights_sha256 = "0" * 64
    with torch.no_grad():
        enc(wav, lens)
    assert len(STATE_CACHE) == 6
    STATE_CACHE.clear()


def test_freeze_modes_choose_the_trainable_weights(tiny_whisper: tuple[Path, Path]) -> None:
    trainable = {}
    for mode in ("all", "top_k", "none"):
        enc = _tiny_encoder(tiny_whisper[1], freeze=mode, top_k=1)
        trainable[mode] = {n for n, p in enc.model.named_parameters() if p.requires_grad}
        assert enc.external_state_keys() == {f"model.{n}" for n, p in enc.model.named_parameters() if not p.requires_grad}
    assert trainable["all"] == set()
    assert trainable["top_k"] == {n for n in trainable["none"] if n.startswith(("layers.1.", "layer_norm."))}
    assert "conv1.weight" in trainable["none"] and "embed_positions.weight" not in trainable["none"]


def test_bad_models_and_inputs_are_clear_errors(tiny_whisper: tuple[Path, Path], tmp_path: Path) -> None:
    ct2_dir = tiny_whisper[1]
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "model.bin").write_bytes(b"\x06\x00\x00\x00garbage")
    with pytest.raises(WhisperModelError, match="not a readable CTranslate2|truncated"):
        read_ct2_variables(bad / "model.bin")
    with pytest.raises(WhisperModelError, match="no CTranslate2 model file"):
        read_ct2_variables(tmp_path / "missing.bin")
    config = whisper_config_from_ct2(ct2_dir)
    config.model_sha256 = "f" * 64
    with pytest.raises(WhisperModelError, match="differs from the"):
        load_ct2_weights(WhisperSpeechEncoder(config))
    wrong = whisper_config_from_ct2(ct2_dir)
    wrong.ffn_dim = 64
    with pytest.raises(WhisperModelError, match="ffn_dim: config 64 vs file 32"):
        load_ct2_weights(WhisperSpeechEncoder(wrong))
    with pytest.raises(WhisperModelError, match="16 kHz"):
        WhisperSpeechEncoder(whisper_config_from_ct2(ct2_dir), sample_rate=22050)
    with pytest.raises(WhisperModelError, match="top_k must be within 1..2"):
        WhisperSpeechEncoder(whisper_config_from_ct2(ct2_dir, freeze="top_k", top_k=3))
    enc = _tiny_encoder(ct2_dir)
    with pytest.raises(AudioError, match="too short"):
        enc(torch.zeros(1, 100), torch.tensor([100]))
