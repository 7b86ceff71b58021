"""ASRModel, ASRTask and Transcriber on flite speech: losses, save/load, decoding, input checks, CLI."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from lhotse import CutSet

from speech.asr.decoding import DecodingConfig
from speech.asr.inference import ASRInferenceConfig, Transcriber
from speech.asr.model import ASRConfig, ASRModel
from speech.asr.task import ASRTask, ASRTaskConfig
from speech.asr.tokens import CTCConfig, VocabularyError, load_vocabulary
from speech.cli import main
from speech.errors import AudioError
from speech.pretrained import verify_checksums
from speech.testing.slu_audio import tiny_encoder_config


def tiny_task(tokens_file: Path, **kwargs: object) -> ASRTask:
    return ASRTask(ASRTaskConfig(model=ASRConfig(encoder=tiny_encoder_config()), tokens_file=str(tokens_file), **kwargs))


@pytest.fixture(scope="module")
def trained(speech_corpus: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[ASRTask, ASRModel, list[float], Path]:
    """A tiny model trained for a few steps on four utterances, and its saved directory."""
    torch.manual_seed(0)
    task = tiny_task(speech_corpus["tokens"])
    model = task.build_model()
    cuts = CutSet.from_file(speech_corpus["train"]).subset(first=4).to_eager()
    batch = task.make_collate()(cuts)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(15):
        model.train()
        loss = task.training_losses(model, batch)["loss"]
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.eval()
    return task, model, losses, model.save_pretrained(tmp_path_factory.mktemp("asr") / "model")


def test_collate_gives_waveforms_and_ctc_targets(speech_corpus: dict[str, Path]) -> None:
    task = tiny_task(speech_corpus["tokens"])
    cuts = CutSet.from_file(speech_corpus["train"]).subset(first=3).to_eager()
    batch = task.make_collate()(cuts)
    assert batch["audio"].shape[0] == 3 and batch["audio"].dtype == torch.float32
    assert batch["audio_lens"].tolist() == [c.num_samples for c in cuts]
    _, tokens = load_vocabulary(speech_corpus["tokens"])
    for row, n, text in zip(batch["targets"], batch["target_lens"], batch["texts"]):
        assert "".join(tokens[i] for i in row[:n]) == text
    assert all(task.keep_cut(c) for c in cuts)


def test_ctc_loss_falls_while_training(trained: tuple) -> None:
    _, _, losses, _ = trained
    assert sum(losses[-3:]) < 0.8 * sum(losses[:3]), losses


def test_validation_reports_cer_and_wer(trained: tuple, speech_corpus: dict[str, Path]) -> None:
    task, model, _, _ = trained
    batch = task.make_collate()(CutSet.from_file(speech_corpus["dev"]).subset(first=3).to_eager())
    with torch.no_grad():
        metrics = task.validation_metrics(model, batch)
    assert set(metrics) == {"loss", "cer", "wer"}
    assert 0.0 <= metrics["cer"].item() and 0.0 <= metrics["wer"].item()


def test_save_load_round_trip_gives_identical_outputs(trained: tuple) -> None:
    _, model, _, directory = trained
    assert set(verify_checksums(directory)) == {"config.yaml", "model.safetensors", "tokens.json"}
    assert load_vocabulary(directory / "tokens.json") == ("char", model.config.ctc.tokens)
    loaded = ASRModel.from_pretrained(directory)
    wav, lens = torch.randn(2, 12000) * 0.1, torch.tensor([12000, 8000])
    assert torch.equal(model(wav, lens)[0], loaded(wav, lens)[0])
    waves = [wav[0].numpy(), wav[1, :8000].numpy()]
    assert model.transcribe(waves) == loaded.transcribe(waves)


def test_greedy_and_beam_transcribe_files(trained: tuple, speech_corpus: dict[str, Path]) -> None:
    _, model, _, directory = trained
    wavs = sorted((speech_corpus["root"] / "wav").glob("cmd_train_*.wav"))[:2]
    greedy = Transcriber.from_pretrained(directory).transcribe_files(wavs)
    beam = Transcriber.from_pretrained(directory, ASRInferenceConfig(decoding=DecodingConfig(method="beam", beam_size=4)))
    results = beam.transcribe_files(wavs)
    assert [r.source for r in results] == [str(w) for w in wavs]
    assert all(isinstance(r.text, str) for r in results)
    # Every text only uses the model's characters.
    allowed = set("".join(model.config.ctc.tokens[2:]))
    assert all(set(r.text) <= allowed for r in greedy + results)


def test_transcribe_cli_prints_json(trained: tuple, speech_corpus: dict[str, Path], capsys: pytest.CaptureFixture) -> None:
    _, _, _, directory = trained
    wavs = sorted((speech_corpus["root"] / "wav").glob("cmd_dev_*.wav"))[:2]
    assert main(["asr", "transcribe", "--model", str(directory), "--beam", "3", *map(str, wavs)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["path"] for r in rows] == [str(w) for w in wavs] and all("text" in r for r in rows)


def test_vocab_cli(speech_corpus: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "tokens.json"
    assert main(["asr", "vocab", "--cuts", str(speech_corpus["train"]), "-o", str(out)]) == 0
    assert load_vocabulary(out) == load_vocabulary(speech_corpus["tokens"])
    assert "tokens to" in capsys.readouterr().out


def test_input_audio_checks(trained: tuple, tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture) -> None:
    _, _, _, directory = trained
    t = Transcriber.from_pretrained(directory)
    with pytest.raises(AudioError, match="silent"):
        t(np.zeros(16000, dtype=np.float32), 16000)
    with pytest.raises(AudioError, match="too short"):
        t(np.full(500, 0.3, dtype=np.float32), 16000)
    with pytest.raises(AudioError, match="mono"):
        t(np.zeros((2, 16000), dtype=np.float32), 16000)
    tone = (0.3 * np.sin(2 * np.pi * 300 * np.arange(22050) / 22050)).astype(np.float32)
    with caplog.at_level(logging.INFO, logger="speech.asr.audio"):
        assert isinstance(t(tone, 22050), str)
    assert "resampling from 22050 Hz to the model's 16000 Hz" in caplog.text
    missing = tmp_path / "missing.wav"
    assert main(["asr", "transcribe", "--model", str(directory), str(missing)]) == 2
    assert "audio file not found" in capsys.readouterr().err
    long = tmp_path / "long.wav"
    sf.write(long, np.tile(tone, 3), 22050)
    config = ASRInferenceConfig()
    config.audio.max_duration = 2.0
    with pytest.raises(AudioError, match="too long"):
        Transcriber.from_pretrained(directory, config).transcribe_files([long])


def test_missing_vocabulary_is_a_clear_error() -> None:
    with pytest.raises(VocabularyError, match="speech asr vocab"):
        ASRModel(ASRConfig(encoder=tiny_encoder_config(), ctc=CTCConfig()))


def test_phoneme_unit_needs_no_vocabulary_file(speech_corpus: dict[str, Path]) -> None:
    task = ASRTask(ASRTaskConfig(model=ASRConfig(encoder=tiny_encoder_config(), ctc=CTCConfig(unit="phoneme"))))
    model = task.build_model()
    assert model.ctc.vocab_size == len(model.config.ctc.tokens) > 100
    batch = task.make_collate()(CutSet.from_file(speech_corpus["train"]).subset(first=2).to_eager())
    assert int(batch["target_lens"].min()) > 5
    losses = task.training_losses(model, batch)
    assert torch.isfinite(losses["loss"])
