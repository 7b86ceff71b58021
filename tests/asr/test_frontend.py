"""Filterbank front-end and SpecAugment."""

from __future__ import annotations

import pytest
import torch

from speech.asr.frontend import FeatureConfig, FeatureExtractor, SpecAugment, SpecAugmentConfig


@pytest.mark.parametrize("kind", ["log_mel", "fbank"])
def test_padded_batch_equals_single_utterances(kind: str) -> None:
    torch.manual_seed(0)
    fx = FeatureExtractor(FeatureConfig(kind=kind, num_mel_bins=24), 16000)
    a, b = torch.randn(16000) * 0.1, torch.randn(9000) * 0.1
    batch = torch.zeros(2, 16000)
    batch[0], batch[1, :9000] = a, b
    feats, lens = fx(batch, torch.tensor([16000, 9000]))
    assert feats.shape == (2, int(lens.max()), 24)
    single_b, n_b = fx(b[None], torch.tensor([9000]))
    assert int(lens[1]) == int(n_b[0]) == single_b.shape[1]
    # Batch consistency: the padded utterance's frames are those it has alone.
    assert torch.allclose(feats[1, : int(lens[1])], single_b[0], atol=1e-4)
    assert torch.all(feats[1, int(lens[1]):] == 0)  # padding is zeroed after normalisation
    # Utterance mean-variance normalisation over the valid frames.
    valid = feats[0, : int(lens[0])]
    assert valid.mean(0).abs().max() < 1e-4
    assert torch.allclose(valid.std(0, unbiased=False), torch.ones(24), atol=1e-2)


def test_frame_counts_follow_the_shift() -> None:
    fx = FeatureExtractor(FeatureConfig(kind="fbank"), 16000)
    assert fx.num_frames(torch.tensor([16000, 400, 399])).tolist() == [98, 1, 0]
    fx = FeatureExtractor(FeatureConfig(kind="log_mel"), 16000)
    assert fx.num_frames(torch.tensor([16000])).tolist() == [101]


def test_specaugment_masks_only_in_training() -> None:
    torch.manual_seed(1)
    aug = SpecAugment(SpecAugmentConfig(num_freq_masks=2, freq_mask_width=8, num_time_masks=2, time_mask_width=10))
    x = torch.randn(4, 100, 40) + 5.0
    aug.eval()
    assert torch.equal(aug(x), x)
    aug.train()
    y = aug(x)
    masked = y == 0
    assert masked.any()
    # Masks are whole frequency bands or time spans, chosen per utterance.
    assert not torch.equal(masked[0], masked[1])
    off = SpecAugment(SpecAugmentConfig(enabled=False)).train()
    assert torch.equal(off(x), x)


def test_bad_frame_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        FeatureExtractor(FeatureConfig(frame_shift_ms=0.0), 16000)
