"""Vocoders: one interface, Griffin-Lim round trip on real speech, neural vocoder, save/load, errors."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from speech.audio.features import AudioConfig, LogMelSpectrogram
from speech.audio.io import load_audio
from speech.errors import AudioError
from speech.pretrained import CorruptCheckpointError, MissingCheckpointError, ModelTypeMismatchError
from speech.train.config import load_config
from speech.train.schema import TrainConfig
from speech.tts.vocoder import (
    DiscriminatorConfig,
    GanLossConfig,
    GriffinLimConfig,
    GriffinLimVocoder,
    HiFiGANConfig,
    NeuralVocoder,
    NeuralVocoderConfig,
    Vocoder,
    VocoderGAN,
    VocoderGANConfig,
    VocosConfig,
    export_generator,
    load_vocoder,
)
from speech.tts.vocoder.data import VocoderCollate, synthesize_speech
from speech.tts.vocoder.functional import log_mel_distance, spectral_convergence
from speech.tts.vocoder.gan import MelResolution

CONFIG_DIR = Path(__file__).resolve().parents[2] / "speech" / "tts" / "vocoder" / "configs"
AUDIO = AudioConfig()
HOP = AUDIO.hop_length


def tiny_vocos(**audio: object) -> NeuralVocoderConfig:
    return NeuralVocoderConfig(
        audio=AudioConfig(**audio) if audio else AudioConfig(),  # type: ignore[arg-type]  # any field, per test
        vocos=VocosConfig(dim=32, intermediate_dim=64, num_layers=2),
    )


def tiny_hifigan() -> NeuralVocoderConfig:
    return NeuralVocoderConfig(
        architecture="hifigan",
        hifigan=HiFiGANConfig(channels=16, resblock_kernel_sizes=[3], resblock_dilations=[[1, 3]]),
    )


def tiny_gan() -> VocoderGANConfig:
    return VocoderGANConfig(
        generator=tiny_vocos(),
        discriminator=DiscriminatorConfig(
            periods=[2, 3], period_channels=4, period_max_channels=16,
            scales=1, scale_channels=8, scale_max_channels=16, scale_max_groups=2,
        ),
        loss=GanLossConfig(mel_resolutions=[MelResolution(n_fft=1024, hop_length=256, n_mels=80)]),
    )


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """One torch thread: these ops are small, and on a shared 2-core machine threads only contend."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def speech_wav(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    """About 3 s of real speech (flite, voice slt) at 22.05 kHz."""
    path = tmp_path_factory.mktemp("speech") / "slt.wav"
    synthesize_speech("Please call Stella and ask her to bring these things with her.", path, voice="slt")
    wav, sr = load_audio(path)
    assert sr == AUDIO.sample_rate
    return wav


@pytest.fixture(scope="module")
def speech_mel(speech_wav: np.ndarray) -> torch.Tensor:
    """``(1, 80, frames)`` log-mel of :func:`speech_wav`."""
    return LogMelSpectrogram(AUDIO)(torch.from_numpy(speech_wav))[None]


# ------------------------------------------------------------------------------------------------
# Interface


def tiny_vocos_without_prior() -> NeuralVocoderConfig:
    config = tiny_vocos()
    return dataclasses.replace(config, vocos=dataclasses.replace(config.vocos, magnitude_prior=False))


@pytest.mark.parametrize(
    "make",
    [
        lambda: GriffinLimVocoder(GriffinLimConfig(n_iter=2)),
        lambda: NeuralVocoder(tiny_vocos()),
        lambda: NeuralVocoder(tiny_vocos_without_prior()),
        lambda: NeuralVocoder(tiny_hifigan()),
    ],
    ids=["griffin-lim", "vocos", "vocos-no-prior", "hifigan"],
)
@pytest.mark.parametrize("frames", [1, 7, 33])
def test_every_vocoder_returns_frames_times_hop(make, frames: int) -> None:
    vocoder = make().eval()
    assert isinstance(vocoder, Vocoder)
    assert vocoder.sample_rate == 22050
    with torch.no_grad():
        wav = vocoder(torch.randn(3, 80, frames) - 4.0)
    assert wav.shape == (3, frames * HOP)
    assert wav.dtype == torch.float32 and torch.isfinite(wav).all()
    single = vocoder.vocode(np.full((80, frames), -5.0, dtype=np.float32))
    assert single.shape == (frames * HOP,) and single.dtype == np.float32


def test_batch_equals_stacked_single_items() -> None:
    vocoder = NeuralVocoder(tiny_vocos()).eval()
    mel = torch.randn(3, 80, 12) - 4.0
    with torch.no_grad():
        batch = vocoder(mel)
        single = torch.cat([vocoder(m[None]) for m in mel])
    torch.testing.assert_close(batch, single, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make", [lambda: GriffinLimVocoder(GriffinLimConfig(n_iter=1)), lambda: NeuralVocoder(tiny_vocos())])
def test_mels_of_another_audio_config_are_refused(make) -> None:
    vocoder = make()
    mel = torch.zeros(1, 80, 4)
    other = dataclasses.replace(AUDIO, sample_rate=24000, f_max=8000.0)
    with pytest.raises(AudioError, match="sample_rate: 22050 vs 24000"):
        vocoder(mel, audio_config=other)
    with pytest.raises(AudioError, match="hop_length: 256 vs 300"):
        vocoder.vocode(mel[0].numpy(), audio_config=dataclasses.replace(AUDIO, hop_length=300))
    vocoder(mel, audio_config=AudioConfig())  # the same settings pass
    with pytest.raises(AudioError, match="has 100 mel bins, the vocoder expects 80"):
        vocoder(torch.zeros(1, 100, 4))
    with pytest.raises(AudioError, match="expected \\(batch, n_mels, frames\\)"):
        vocoder(torch.zeros(80, 4))


def test_vocoder_built_for_other_settings_takes_its_own_mels() -> None:
    config = tiny_vocos(n_mels=64, sample_rate=16000, hop_length=200, win_length=800, n_fft=800)
    vocoder = NeuralVocoder(config)
    assert vocoder.sample_rate == 16000
    assert vocoder(torch.zeros(2, 64, 5), audio_config=config.audio).shape == (2, 1000)
    with pytest.raises(AudioError, match="n_mels: 64 vs 80"):
        vocoder(torch.zeros(2, 64, 5), audio_config=AUDIO)


def test_hifigan_upsampling_must_equal_hop() -> None:
    with pytest.raises(ValueError, match="multiply to 256, but the hop length is 300"):
        NeuralVocoderConfig(architecture="hifigan", audio=dataclasses.replace(AUDIO, hop_length=300))


# ------------------------------------------------------------------------------------------------
# Griffin-Lim


def test_griffin_lim_round_trip_on_real_speech(speech_mel: torch.Tensor) -> None:
    vocoder = GriffinLimVocoder(GriffinLimConfig(n_iter=32))
    wav = vocoder(speech_mel, audio_config=AUDIO)
    assert wav.shape[-1] == speech_mel.shape[-1] * HOP
    again = LogMelSpectrogram(AUDIO)(wav)[..., : speech_mel.shape[-1]]
    convergence = float(spectral_convergence(speech_mel.exp(), again.exp()))
    distance = float(log_mel_distance(speech_mel, again))
    # Measured: 0.14 and 0.15 (32 iterations); random phase would give about 0.5.
    assert convergence < 0.25, convergence
    assert distance < 0.3, distance
    # Sanity of the metric: the same mel is at distance 0, a mel of other speech is far.
    assert float(spectral_convergence(speech_mel.exp(), speech_mel.exp())) == 0.0
    assert float(spectral_convergence(speech_mel.exp(), speech_mel.flip(-1).exp())) > 0.8


def test_more_griffin_lim_iterations_converge_further(speech_mel: torch.Tensor) -> None:
    mel = speech_mel[..., :120]
    to_mel = LogMelSpectrogram(AUDIO)
    errors = []
    for n_iter in (2, 32):
        wav = GriffinLimVocoder(GriffinLimConfig(n_iter=n_iter))(mel)
        errors.append(float(spectral_convergence(mel.exp(), to_mel(wav)[..., : mel.shape[-1]].exp())))
    assert errors[1] < 0.8 * errors[0], errors


def test_pseudo_inverse_matches_torchaudio_inverse_mel_scale(speech_mel: torch.Tensor) -> None:
    pinv = GriffinLimVocoder(GriffinLimConfig(inverse="pinv")).magnitude(speech_mel)
    lstsq = GriffinLimVocoder(GriffinLimConfig(inverse="lstsq")).magnitude(speech_mel)
    assert float(spectral_convergence(lstsq, pinv)) < 1e-3


def test_load_vocoder_by_name() -> None:
    vocoder = load_vocoder("griffin-lim")
    assert isinstance(vocoder, GriffinLimVocoder) and not vocoder.training
    custom = load_vocoder("griffin-lim", audio_config=dataclasses.replace(AUDIO, n_mels=64))
    assert custom.audio_config.n_mels == 64


# ------------------------------------------------------------------------------------------------
# Neural vocoder


@pytest.mark.parametrize("config", [tiny_vocos(), tiny_hifigan()], ids=["vocos", "hifigan"])
def test_neural_vocoder_forward_backward(config: NeuralVocoderConfig) -> None:
    vocoder = NeuralVocoder(config)
    mel = torch.randn(2, 80, 9) - 4.0
    target = torch.randn(2, 9 * HOP) * 0.1
    loss = (vocoder(mel) - target).abs().mean()
    loss.backward()
    grads = [p.grad for p in vocoder.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert sum(float(g.abs().sum()) for g in grads) > 0


def test_gan_losses_and_gradients_reach_both_networks() -> None:
    gan = VocoderGAN(tiny_gan())
    mel = torch.randn(2, 80, 8) - 4.0
    real = torch.randn(2, 8 * HOP) * 0.1
    fake, losses = gan.generator_losses(mel, real)
    assert {"loss", "mel", "mel_l1", "adversarial", "feature_match"} <= set(losses)
    losses["loss"].backward()
    assert all(p.grad is not None for p in gan.generator.parameters())
    gan.zero_grad()
    d_losses = gan.discriminator_losses(fake, real)
    d_losses["loss"].backward()
    assert all(p.grad is None for p in gan.generator.parameters())  # fake is detached
    assert all(p.grad is not None for p in gan.discriminator.parameters())
    torch.testing.assert_close(d_losses["loss"], d_losses["real"] + d_losses["fake"])


def test_discriminator_waits_for_its_start() -> None:
    config = dataclasses.replace(tiny_gan(), loss=dataclasses.replace(tiny_gan().loss, discriminator_start=2))
    gan = VocoderGAN(config)
    _, losses = gan.generator_losses(torch.zeros(1, 80, 4), torch.zeros(1, 4 * HOP))
    assert "adversarial" not in losses
    gan.batches_seen += 2
    _, losses = gan.generator_losses(torch.zeros(1, 80, 4), torch.zeros(1, 4 * HOP))
    assert "adversarial" in losses


def test_collate_segments_line_up_with_the_full_utterance_mel(speech_wav: np.ndarray) -> None:
    torch.manual_seed(0)
    collate = VocoderCollate(AUDIO, segment_frames=40)
    wav = torch.from_numpy(speech_wav)
    full = LogMelSpectrogram(AUDIO)(wav)
    mel, audio = collate.segment(wav)
    assert mel.shape == (80, 40) and audio.shape == (40 * HOP,)
    # Find the segment in the full mel: it must be an exact slice, and the audio the samples under it.
    starts = [s for s in range(full.shape[-1] - 39) if torch.equal(full[:, s : s + 40], mel)]
    assert len(starts) == 1
    start = starts[0]
    torch.testing.assert_close(audio, wav[start * HOP : (start + 40) * HOP])
    # A segment longer than the utterance is padded: log floor for the mel, zeros for the audio.
    long = VocoderCollate(AUDIO, segment_frames=full.shape[-1] + 5)
    mel, audio = long.segment(wav)
    assert torch.equal(mel[:, : full.shape[-1]], full)
    assert torch.allclose(mel[:, -5:], torch.tensor(np.log(AUDIO.log_floor), dtype=torch.float32))
    assert audio.shape == ((full.shape[-1] + 5) * HOP,) and float(audio[-5 * HOP :].abs().sum()) == 0.0


# ------------------------------------------------------------------------------------------------
# Saving and loading


def test_save_load_round_trip_gives_identical_output(tmp_path: Path) -> None:
    torch.manual_seed(1)
    vocoder = NeuralVocoder(tiny_vocos()).eval()
    mel = torch.randn(2, 80, 10) - 4.0
    with torch.no_grad():
        before = vocoder(mel)
    vocoder.save_pretrained(tmp_path / "voc")
    loaded = load_vocoder(tmp_path / "voc")
    assert isinstance(loaded, NeuralVocoder) and not loaded.training
    assert loaded.config == vocoder.config
    with torch.no_grad():
        assert torch.equal(loaded(mel), before)


def test_gan_directory_loads_as_its_generator_and_exports(tmp_path: Path) -> None:
    torch.manual_seed(2)
    gan = VocoderGAN(tiny_gan()).eval()
    mel = torch.randn(1, 80, 6) - 4.0
    with torch.no_grad():
        before = gan.generator(mel)
    gan.save_pretrained(tmp_path / "gan")
    loaded = load_vocoder(tmp_path / "gan")
    assert isinstance(loaded, NeuralVocoder)
    exported = export_generator(tmp_path / "gan", tmp_path / "gen", model_card="# vocoder\n")
    assert (exported / "README.md").read_text() == "# vocoder\n"
    assert (exported / "model.safetensors").stat().st_size < (tmp_path / "gan" / "model.safetensors").stat().st_size
    with torch.no_grad():
        assert torch.equal(loaded(mel), before)
        assert torch.equal(load_vocoder(exported)(mel), before)


def test_corrupt_checkpoint_is_refused(tmp_path: Path) -> None:
    NeuralVocoder(tiny_vocos()).save_pretrained(tmp_path / "voc")
    weights = tmp_path / "voc" / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-10] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(CorruptCheckpointError, match="checksum mismatch"):
        load_vocoder(tmp_path / "voc")


def test_wrong_directories_are_refused(tmp_path: Path) -> None:
    from speech.testing.tones import ToneClassifier, ToneClassifierConfig

    ToneClassifier(ToneClassifierConfig()).save_pretrained(tmp_path / "tones")
    with pytest.raises(ModelTypeMismatchError, match="not a vocoder"):
        load_vocoder(tmp_path / "tones")
    with pytest.raises(MissingCheckpointError, match="neither a model directory nor a known name"):
        load_vocoder(tmp_path / "nothing")
    NeuralVocoder(tiny_vocos()).save_pretrained(tmp_path / "voc")
    with pytest.raises(AudioError, match="n_mels: 80 vs 64"):
        load_vocoder(tmp_path / "voc", audio_config=dataclasses.replace(AUDIO, n_mels=64))


@pytest.mark.parametrize("name", ["bootstrap_cpu.yaml", "bootstrap_gpu.yaml"])
def test_shipped_training_configs_load(name: str, tmp_path: Path) -> None:
    config = load_config(TrainConfig, CONFIG_DIR / name)
    model = config.task_conf.model
    assert model.generator.audio == AUDIO
    # The config builds (sizes are consistent) and its generator is what load_vocoder would return.
    gan = VocoderGAN(model)
    assert isinstance(gan.generator, NeuralVocoder)


# ------------------------------------------------------------------------------------------------
# Command line and training data


def test_cli_resynth_and_cuts(speech_wav: np.ndarray, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from lhotse import Recording, RecordingSet, SupervisionSet

    from speech.audio.io import save_audio
    from speech.cli import main
    from speech.data.manifests import make_supervision, save_manifests

    wav_path = save_audio(tmp_path / "in.wav", speech_wav, AUDIO.sample_rate)
    assert main(["tts", "vocoder", "resynth", str(wav_path), "-o", str(tmp_path / "out.wav"), "--vocoder", "griffin-lim"]) == 0
    out, sr = load_audio(tmp_path / "out.wav")
    assert sr == AUDIO.sample_rate and len(out) == (len(speech_wav) // HOP + 1) * HOP
    assert "log-mel L1 to input" in capsys.readouterr().out

    recording = Recording.from_file(wav_path, recording_id="utt1")
    supervision = make_supervision(id="utt1", recording_id="utt1", duration=recording.duration, text="x", language="en-us", speaker="s1")
    save_manifests(RecordingSet.from_recordings([recording]), SupervisionSet.from_segments([supervision]), tmp_path, "demo", "train")
    cuts_path = tmp_path / "cuts.jsonl.gz"
    assert main(["tts", "vocoder", "cuts", "--manifests", str(tmp_path), "--corpus", "demo", "-o", str(cuts_path)]) == 0
    from speech.train.data import load_cuts

    batch = VocoderCollate(AUDIO, segment_frames=20)(load_cuts(cuts_path, "cuts"))
    assert batch["mel"].shape == (1, 80, 20) and batch["audio"].shape == (1, 20 * HOP)
    assert main(["tts", "vocoder", "cuts", "--manifests", str(tmp_path), "--corpus", "demo", "--splits", "dev", "-o", str(cuts_path)]) == 2
    assert "manifest not found" in capsys.readouterr().err
