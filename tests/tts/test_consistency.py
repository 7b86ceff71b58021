"""Style and speaker consistency losses, and fine-tuning from a saved model (``init_from``)."""

import numpy as np
import pytest
import torch

from speech.audio.features import AudioConfig, LogMelSpectrogram
from speech.audio.io import load_audio, resample
from speech.eval.speaker import SpeakerEncoder
from speech.train.errors import ConfigError
from speech.tts.speaker_loss import MelSpeakerEmbedder, speaker_consistency_loss


def _log_mel(path) -> torch.Tensor:
    wav, sr = load_audio(path)
    wav = resample(wav, sr, 22050)
    return LogMelSpectrogram(AudioConfig())(torch.as_tensor(wav, dtype=torch.float32)).unsqueeze(0)


def test_mel_path_hears_the_same_voice_as_resemblyzer(flite_cuts):
    clips = {c.supervisions[0].speaker: c for c in flite_cuts if c.recording.id.endswith("_0")}
    kal, slt = (clips[f"flite_{v}"].recording.sources[0].source for v in ("kal", "slt"))
    embedder = MelSpeakerEmbedder(AudioConfig())
    ours = {}
    for name, path in (("kal", kal), ("slt", slt)):
        mel = _log_mel(path)
        with torch.no_grad():
            ours[name] = embedder(mel, torch.tensor([mel.size(-1)]), crop=False)[0].numpy()
    real = SpeakerEncoder()
    true = {name: real.embed(*load_audio(path)) for name, path in (("kal", kal), ("slt", slt))}
    for name, other in (("kal", "slt"), ("slt", "kal")):
        same = float(ours[name] @ true[name])
        assert same > 0.7, (name, same)
        assert same > float(ours[name] @ true[other]) + 0.1, name
    # a distance, not just a score: identical input gives loss 0, the other voice more
    e = torch.as_tensor(ours["kal"])[None]
    assert float(speaker_consistency_loss(e, e)) == pytest.approx(0.0, abs=1e-6)
    assert float(speaker_consistency_loss(e, torch.as_tensor(ours["slt"])[None])) > 0.05


def test_embedder_is_differentiable_and_frozen(flite_cuts):
    mel = _log_mel(flite_cuts[0].recording.sources[0].source).requires_grad_(True)
    embedder = MelSpeakerEmbedder(AudioConfig())
    emb = embedder(mel, torch.tensor([mel.size(-1)]))
    assert emb.shape == (1, 256) and torch.allclose(emb.norm(dim=-1), torch.ones(1))
    emb.sum().backward()
    assert mel.grad is not None and float(mel.grad.abs().sum()) > 0
    assert all(p.grad is None for p in embedder.lstm.parameters())


def _grad_norms(loss, model, prefixes):
    params = dict(model.named_parameters())
    names = [n for n in params if n.startswith(prefixes)]
    grads = torch.autograd.grad(loss, [params[n] for n in names], retain_graph=True, allow_unused=True)
    out = {}
    for prefix in prefixes:
        out[prefix] = sum(float(g.abs().sum()) for n, g in zip(names, grads) if n.startswith(prefix) and g is not None)
    return out


def test_consistency_losses_train_the_synthesis_path_not_the_judges(tiny_config, model_and_batch):
    tiny_config.emotion.style_consistency_weight = 1.0
    tiny_config.loss.speaker_consistency = 1.0
    model, batch = model_and_batch(tiny_config)
    model.train()
    out = model(batch, step=0)
    assert 0.0 <= out["speaker_consistency"].item() <= 2.0
    assert out["style"].item() > 0.0
    for loss in ("style", "speaker_consistency"):
        parts = ("pitch_predictor", "energy_predictor", "decoder", "encoder", "duration_predictor", "emotion_encoder")
        g = _grad_norms(out[loss], model, parts)
        assert all(g[p] > 0 for p in parts[:4]), (loss, g)  # the synthesis path learns
        assert g["emotion_encoder"] == 0.0, (loss, g)  # the judge is not trained by its own verdict
        assert g["duration_predictor"] == 0.0, (loss, g)  # nor the speaking rate (see the model)
    # resemblyzer's weights are never part of the model
    assert not any("lstm" in k for k in model.state_dict())


def test_consistency_losses_are_off_by_default(tiny_config, model_and_batch):
    model, batch = model_and_batch(tiny_config)
    out = model(batch, step=0)
    assert "style" not in out and "speaker_consistency" not in out
    assert model._embedder is None  # resemblyzer not even loaded


@pytest.mark.heavy
def test_speaker_consistency_falls_when_optimised(tiny_config, model_and_batch):
    tiny_config.loss.speaker_consistency = 1.0
    model, batch = model_and_batch(tiny_config)
    # the fixture's d-vectors are stand-ins; the targets here are GE2E embeddings of the real mels
    with torch.no_grad():
        batch.speaker_embedding = MelSpeakerEmbedder(AudioConfig())(batch.mel, batch.mel_lengths, crop=False)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for step in range(30):
        out = model(batch, step=step)
        opt.zero_grad()
        out["speaker_consistency"].backward()  # alone: its own gradient must lower it
        opt.step()
        losses.append(out["speaker_consistency"].item())
    assert np.mean(losses[-5:]) < np.mean(losses[:5]) - 0.04, losses  # 0.61 -> 0.53 measured


def test_init_from_copies_weights_and_refuses_another_vocabulary(tiny_config, model_and_batch, tmp_path):
    from speech.tts.task import TTSTask, TTSTaskConfig

    model, _ = model_and_batch(tiny_config)
    with torch.no_grad():
        next(model.decoder.parameters()).add_(0.5)  # unlike any fresh initialisation
    model.save_pretrained(tmp_path / "m")
    task = TTSTask(TTSTaskConfig(model=tiny_config, init_from=str(tmp_path / "m")))
    built = task.build_model()
    for (k, a), (_, b) in zip(model.state_dict().items(), built.state_dict().items()):
        assert torch.equal(a, b), k
    # the same shapes but the speakers in another order would silently swap voices: refused
    import copy

    other = copy.deepcopy(tiny_config)
    other.speakers = list(reversed(tiny_config.speakers))
    with pytest.raises(ConfigError, match="speakers"):
        TTSTask(TTSTaskConfig(model=other, init_from=str(tmp_path / "m"))).build_model()
    other = copy.deepcopy(tiny_config)
    other.decoder.layers += 1
    with pytest.raises(ConfigError, match="architecture"):
        TTSTask(TTSTaskConfig(model=other, init_from=str(tmp_path / "m"))).build_model()

