"""``speech tts evaluate --asr-model``: CER/WER per evaluation set from a saved ASR model."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import torch
from lhotse import CutSet, RecordingSet, SupervisionSet

from speech.asr.model import ASRConfig, ASRModel
from speech.asr.tokens import CTCConfig, build_char_vocabulary, phoneme_tokens
from speech.cli import main
from speech.data.manifests import save_manifests
from speech.pretrained import ModelTypeMismatchError
from speech.testing.slu_audio import tiny_encoder_config
from speech.text.tokenizer import Tokenizer
from speech.tts.evaluate import ASRScorer, build_jobs, run_jobs, summarise
from speech.tts.model import AcousticModel
from speech.tts.synthesizer import Synthesizer

from .conftest import SENTENCES


def _tiny_synthesizer() -> Synthesizer:
    from speech.text.symbols import SymbolTable
    from speech.tts.config import DecoderConfig, EncoderConfig, TTSModelConfig, VarianceConfig

    torch.manual_seed(0)
    config = TTSModelConfig(
        vocab_size=len(SymbolTable.default()), languages=["en-us", "es"], speakers=["flite_kal", "flite_slt"],
        emotions=["neutral", "happy"], dim=32,
        encoder=EncoderConfig(layers=1, kernel_size=5, language_dim=8, dropout=0.0),
        decoder=DecoderConfig(layers=1, kernel_size=5, dropout=0.0),
        variance=VarianceConfig(channels=32, dropout=0.0),
    )
    return Synthesizer(AcousticModel(config), Tokenizer())


def _save_asr(directory: Path, unit: str = "char", language: str | None = "en-us") -> Path:
    torch.manual_seed(0)
    tokens = build_char_vocabulary(SENTENCES) if unit == "char" else phoneme_tokens()
    model = ASRModel(ASRConfig(encoder=tiny_encoder_config(), ctc=CTCConfig(unit=unit, tokens=tokens), language=language))
    return model.save_pretrained(directory)


@pytest.fixture(scope="module")
def synth() -> Synthesizer:
    return _tiny_synthesizer()


@pytest.fixture(scope="module")
def synth_dir(synth: Synthesizer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth.save_pretrained(tmp_path_factory.mktemp("synth") / "tiny")


@pytest.fixture(scope="module")
def manifests(flite_cuts: CutSet, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("manifests")
    recordings = RecordingSet.from_recordings(c.recording for c in flite_cuts)
    supervisions = SupervisionSet.from_segments(s for c in flite_cuts for s in c.supervisions)
    save_manifests(recordings, supervisions, out, "bootstrap_tts", "test")
    return out


@pytest.fixture(scope="module")
def asr_en(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _save_asr(tmp_path_factory.mktemp("asr") / "en")


def _evaluate(args: list[str], out: Path) -> dict:
    assert main(["tts", "evaluate", *args, "--out", str(out), "--per-voice", "2"]) == 0
    return json.loads((out / "tiny" / "results.json").read_text(encoding="utf-8"))


def test_cli_reports_pooled_cer_and_wer_per_set(synth_dir: Path, manifests: Path, asr_en: Path, tmp_path: Path) -> None:
    results = _evaluate(["--model", str(synth_dir), "--manifests", str(manifests), "--asr-model", str(asr_en)], tmp_path)
    clips = results["clips"]
    assert len(clips) == 4 and {c["set"] for c in clips} == {"in_language"}
    for clip in clips:
        assert isinstance(clip["result"]["transcript"], str)
        assert 0.0 <= clip["result"]["cer"] < float("inf")
    summary = results["summary"]["in_language"]
    # Pooled over the set: total character edits / total reference characters.
    edits = sum(c["result"]["asr_counts"]["char_edits"] for c in clips)
    chars = sum(c["result"]["asr_counts"]["chars"] for c in clips)
    assert chars == sum(len(c["text"].lower().replace(".", "")) for c in clips)
    assert summary["cer"] == pytest.approx(edits / chars)
    assert 0.0 <= summary["cer"] < float("inf") and 0.0 <= summary["wer"] < float("inf")
    table = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert "| cer | wer |" in table and f"{summary['cer']:.3f}" in table


def test_cer_is_zero_when_the_transcript_is_the_reference(synth: Synthesizer, flite_cuts: CutSet, tmp_path: Path) -> None:
    jobs = build_jobs(flite_cuts, None, synth, per_voice=2)
    assert all(job.reference for job in jobs)
    # run_jobs scores the jobs in order: the synthesised clip, then the real one
    expected = iter([text for job in jobs for text in (job.text, job.text)])
    perfect = ASRScorer(lambda wav, sr: next(expected), language="en-us")
    run_jobs(synth, jobs, flite_cuts, tmp_path / "perfect", asr=perfect)
    assert [job.result["cer"] for job in jobs] == [0.0] * len(jobs)
    summary = summarise(jobs)["in_language"]
    assert summary["cer"] == 0.0 and summary["wer"] == 0.0 and summary["cer_real"] == 0.0

    silent_asr = ASRScorer(lambda wav, sr: "", language="en-us")  # every character deleted
    run_jobs(synth, jobs, flite_cuts, tmp_path / "empty", asr=silent_asr)
    assert [job.result["cer"] for job in jobs] == [1.0] * len(jobs)
    assert summarise(jobs)["in_language"]["cer"] == 1.0


def test_languages_the_asr_model_does_not_cover_get_none_and_a_note(
    synth: Synthesizer, flite_cuts: CutSet, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spanish = ASRScorer.from_pretrained(_save_asr(tmp_path / "asr_es", language="es"))
    jobs = build_jobs(flite_cuts, None, synth, per_voice=1)
    with caplog.at_level(logging.WARNING, logger="speech.tts.evaluate"):
        run_jobs(synth, jobs, flite_cuts, tmp_path / "out", asr=spanish)
    assert jobs and all(job.result["cer"] is None and job.result["wer"] is None for job in jobs)
    assert summarise(jobs)["in_language"]["cer"] is None
    notes = [r.getMessage() for r in caplog.records if "does not cover language 'en-us'" in r.getMessage()]
    assert len(notes) == 1 and "'es'" in notes[0]

    # Without a declared language, a character model covers what its vocabulary can spell.
    cyrillic = ASRScorer(lambda wav, sr: "", vocabulary=frozenset("абвгдежзиклмнопрстуфхцчшщыэюя'"))
    latin = ASRScorer(lambda wav, sr: "", vocabulary=frozenset(build_char_vocabulary(SENTENCES)))
    assert not cyrillic.covers("en-us", SENTENCES) and latin.covers("en-us", SENTENCES)
    # "en" and "en-us" are the same registered language.
    assert ASRScorer(lambda wav, sr: "", language="en").covers("en-us", SENTENCES)


def test_each_clip_goes_to_the_first_model_that_covers_its_language(
    synth: Synthesizer, flite_cuts: CutSet, tmp_path: Path
) -> None:
    jobs = build_jobs(flite_cuts, None, synth, per_voice=1)
    spanish = ASRScorer(lambda wav, sr: "", name="es-model", languages=frozenset({"es"}))
    english = ASRScorer(lambda wav, sr: "the", name="en-model", languages=frozenset({"en-us"}))
    anything = ASRScorer(lambda wav, sr: "", name="catch-all")
    run_jobs(synth, jobs, flite_cuts, tmp_path / "out", asr=[spanish, english, anything])
    assert {job.result["asr_model"] for job in jobs} == {"en-model"}
    assert all(0.0 < job.result["cer"] < 1.0 for job in jobs)  # "the" is a little of each sentence
    # the real clips were transcribed by the same model: the same transcript, the same edits
    assert all(job.result["asr_counts_real"] == job.result["asr_counts"] for job in jobs)


def test_cli_takes_several_models_with_their_languages(
    synth_dir: Path, manifests: Path, asr_en: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    es_model = _save_asr(tmp_path / "asr_es", language=None)
    args = ["--model", str(synth_dir), "--manifests", str(manifests),
            "--asr-model", f"es,fr={es_model}", "--asr-model", f"en={asr_en}"]
    results = _evaluate(args, tmp_path / "out")
    assert {c["result"]["asr_model"] for c in results["clips"]} == {str(asr_en)}
    assert results["summary"]["in_language"]["cer_real"] >= 0.0
    assert "cer_real" in (tmp_path / "out" / "RESULTS.md").read_text(encoding="utf-8")
    # a misspelt language is named before anything is synthesised
    assert main(["tts", "evaluate", "--model", str(synth_dir), "--manifests", str(manifests), "--out",
                 str(tmp_path / "bad"), "--asr-model", f"klingon={asr_en}"]) == 2
    assert "klingon" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


def test_phoneme_asr_models_are_scored_on_phonemes(tmp_path: Path) -> None:
    scorer = ASRScorer.from_pretrained(_save_asr(tmp_path / "asr_ph", unit="phoneme", language=None))
    reference = scorer.reference_text("The cat sat on the warm mat.", "en-us")
    # IPA, as the model's training targets were ("cat" is /kˈæt/), with word boundaries kept.
    assert "kˈæt" in reference.split() and "ð" in reference and "c" not in reference
    assert scorer.covers("en-us", SENTENCES) and scorer.covers("es", ["Hola."])


def test_missing_or_wrong_asr_model_is_a_clear_error(
    synth_dir: Path, manifests: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no_such_asr"
    base = ["tts", "evaluate", "--model", str(synth_dir), "--manifests", str(manifests), "--out", str(tmp_path / "out")]
    assert main([*base, "--asr-model", str(missing)]) == 2
    err = capsys.readouterr().err
    assert "ASR model directory not found" in err and str(missing) in err and "asr_ctc" in err
    assert not (tmp_path / "out").exists()  # failed before synthesising anything
    with pytest.raises(FileNotFoundError, match="ASR model directory not found"):
        ASRScorer.from_pretrained(missing)
    with pytest.raises(ModelTypeMismatchError):
        ASRScorer.from_pretrained(synth_dir / "acoustic")  # a TTS model, not an ASR one
