import numpy as np
import pytest
import torch

from speech.pretrained import ArchitectureMismatchError, CorruptCheckpointError, ModelTypeMismatchError
from speech.tts.layers import gradient_reversal
from speech.tts.model import AcousticModel
from speech.tts.modules import SpeakerAdversary, average_by_duration


def test_gradient_reversal_flips_and_scales_the_gradient():
    torch.manual_seed(0)
    x = torch.randn(3, 5, requires_grad=True)
    w = torch.randn(5)
    (gradient_reversal(x, scale=0.3) @ w).sum().backward()
    assert torch.allclose(x.grad, -0.3 * w.expand(3, 5))
    x.grad = None
    (gradient_reversal(x, scale=10.0, clip=0.5) @ w).sum().backward()
    assert torch.allclose(x.grad, (-10.0 * w).clamp(-0.5, 0.5).expand(3, 5))


def test_adversary_gradient_reaches_encoder_reversed():
    torch.manual_seed(0)
    adv = SpeakerAdversary(dim=8, hidden=16, num_speakers=3)
    h = torch.randn(2, 4, 8, requires_grad=True)
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 1, 1]], dtype=torch.bool)
    spk = torch.tensor([0, 2])
    loss, _ = adv(h, mask, spk, scale=0.5, clip=None)
    (g_rev,) = torch.autograd.grad(loss, h)
    # the same classifier without reversal: the gradient is -1/0.5 times the reversed one
    logits = adv.net(h)
    ce = torch.nn.functional.cross_entropy(logits.transpose(1, 2), spk[:, None].expand(-1, 4), reduction="none")
    plain = (ce * mask).sum() / mask.sum()
    (g_plain,) = torch.autograd.grad(plain, h)
    assert torch.allclose(g_rev, -0.5 * g_plain, atol=1e-6)
    assert torch.all(g_rev[0, 3] == 0)  # padding gets no gradient


def test_average_by_duration_respects_valid_frames():
    values = torch.tensor([[1.0, 2.0, 3.0, 4.0, 5.0, 0.0]])
    durations = torch.tensor([[2, 3, 0]])
    valid = torch.tensor([[1, 1, 1, 0, 1, 1]], dtype=torch.bool)
    out = average_by_duration(values, durations, valid)
    assert torch.allclose(out, torch.tensor([[1.5, 4.0, 0.0]]))


def test_features_and_batch_are_consistent(featurised, tiny_config, model_and_batch):
    cut = featurised[0]
    mel, pitch = cut.load_custom("mel"), cut.load_custom("pitch")
    assert mel.shape[1] == 80 and pitch.shape == (mel.shape[0],)
    assert (pitch > 0).mean() > 0.3  # speech is mostly voiced
    assert np.all(np.exp(pitch[pitch > 0]) > 60) and np.all(np.exp(pitch[pitch > 0]) < 600)
    _, batch = model_and_batch(tiny_config)
    assert batch.mel.shape[0] == len(featurised) and batch.mel.shape[1] == 80
    assert int(batch.mel_lengths.max()) == batch.mel.shape[2]
    assert set(batch.speaker_ids.tolist()) == {0, 1} and set(batch.emotion_ids.tolist()) == {0, 1}


@pytest.mark.heavy
def test_tiny_model_overfits_real_speech(tiny_config, model_and_batch):
    model, batch = model_and_batch(tiny_config)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    first = None
    for step in range(60):
        out = model(batch, step=step)
        opt.zero_grad()
        out["loss"].backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if first is None:
            first = {k: float(v) for k, v in out.items()}
    last = {k: float(v) for k, v in out.items()}
    assert last["mel"] < first["mel"] / 2.5, (first["mel"], last["mel"])
    assert last["duration"] < first["duration"]
    assert last["emotion_accuracy"] == 1.0
    # inference gives a mel of plausible length for the text
    model.eval()
    mel, lengths = model.infer(batch.tokens, batch.token_languages, batch.speaker_embedding,
                               batch.emotion_ids, batch.token_lengths)
    ratio = lengths.float() / batch.mel_lengths.float()
    assert torch.all(ratio > 0.5) and torch.all(ratio < 2.0), ratio
    assert mel.shape[1] == 80 and torch.isfinite(mel).all()


def test_save_load_round_trip_and_errors(tiny_config, tmp_path, model_and_batch):
    model, batch = model_and_batch(tiny_config)
    model.eval()
    model.save_pretrained(tmp_path / "m")
    loaded = AcousticModel.from_pretrained(tmp_path / "m").eval()
    args = (batch.tokens, batch.token_languages, batch.speaker_embedding, batch.emotion_ids, batch.token_lengths)
    a, la = model.infer(*args)
    b, lb = loaded.infer(*args)
    assert torch.equal(la, lb) and torch.equal(a, b)
    # a truncated weight file is reported as corrupt
    weights = tmp_path / "m" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(CorruptCheckpointError):
        AcousticModel.from_pretrained(tmp_path / "m")
    # another architecture is refused
    tiny_config.dim = 32
    AcousticModel(tiny_config).save_pretrained(tmp_path / "other")
    import yaml

    cfg_path = tmp_path / "other" / "config.yaml"
    cfg = yaml.safe_load(cfg_path.read_text())
    cfg["config"]["dim"] = 64
    cfg_path.write_text(yaml.safe_dump(cfg))
    from speech.pretrained import write_checksums

    write_checksums(tmp_path / "other", ["config.yaml", "model.safetensors"])
    with pytest.raises(ArchitectureMismatchError):
        AcousticModel.from_pretrained(tmp_path / "other")


def test_checkpoint_of_another_model_type_is_refused(tmp_path, tiny_config):
    from speech.pretrained import PretrainedModel

    class Other(AcousticModel):
        model_type = "something_else"

    Other(tiny_config).save_pretrained(tmp_path / "o")
    with pytest.raises(ModelTypeMismatchError):
        AcousticModel.from_pretrained(tmp_path / "o")
    assert issubclass(AcousticModel, PretrainedModel)
