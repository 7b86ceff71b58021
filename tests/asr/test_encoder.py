"""Speech encoders: output lengths, batch consistency, too-short input, architecture comparison."""

from __future__ import annotations

import pytest
import torch

from speech.asr.encoder import EncoderConfig, EspnetEncoderConfig, SpeechEncoder, architecture_differences
from speech.asr.frontend import FeatureConfig
from speech.errors import AudioError


def encoder(kind: str, features: str = "log_mel", subsampling: str = "conv2d") -> SpeechEncoder:
    torch.manual_seed(0)
    config = EncoderConfig(
        # the helper takes plain strings; the configs check them (hence the ignores)
        kind=kind,  # type: ignore[arg-type]
        features=FeatureConfig(kind=features, num_mel_bins=20),  # type: ignore[arg-type]
        espnet=EspnetEncoderConfig(output_size=32, attention_heads=2, linear_units=64, num_blocks=2,
                                   subsampling=subsampling, cnn_module_kernel=7),  # type: ignore[arg-type]
    )
    return SpeechEncoder(config).eval()


@pytest.mark.parametrize(
    ("kind", "features", "subsampling"),
    [("conformer", "log_mel", "conv2d"), ("conformer", "fbank", "conv2d6"), ("transformer", "log_mel", "conv2d8")],
)
def test_batched_outputs_equal_single_outputs(kind: str, features: str, subsampling: str) -> None:
    enc = encoder(kind, features, subsampling)
    lengths = [16000, 9000, 12345, enc.min_samples() + 200]
    waves = [torch.randn(n) * 0.1 for n in lengths]
    batch = torch.zeros(len(waves), max(lengths))
    for i, w in enumerate(waves):
        batch[i, : w.shape[0]] = w
    with torch.no_grad():
        states, lens = enc(batch, torch.tensor(lengths))
        for i, w in enumerate(waves):
            alone, n = enc(w[None], torch.tensor([w.shape[0]]))
            assert int(lens[i]) == int(n[0]) == alone.shape[1] == int(enc.output_lengths(torch.tensor([w.shape[0]]))[0])
            assert torch.allclose(states[i, : int(n[0])], alone[0], atol=1e-5), (i, (states[i, : int(n[0])] - alone[0]).abs().max())
            assert torch.all(states[i, int(n[0]):] == 0)


def test_too_short_input_is_an_audio_error() -> None:
    enc = encoder("conformer")
    n = enc.min_samples()
    with torch.no_grad():
        assert enc(torch.randn(1, n), torch.tensor([n]))[0].shape[1] == 1
        with pytest.raises(AudioError, match="too short for the encoder"):
            enc(torch.randn(1, n - 200), torch.tensor([n - 200]))


def test_architecture_differences_ignore_training_settings() -> None:
    a, b = EncoderConfig(), EncoderConfig()
    b.espnet.dropout = 0.3
    b.specaug.num_time_masks = 7
    assert architecture_differences(a, b) == []
    b.features.kind = "fbank"
    b.espnet.num_blocks = 6
    assert architecture_differences(a, b) == ["espnet.num_blocks: 4 vs 6", "features.kind: 'log_mel' vs 'fbank'"]
