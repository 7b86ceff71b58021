"""TTS metrics: MCD, F0 errors, speaker similarity, CER/WER, DNSMOS, speaking rate, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from speech.audio.io import load_audio
from speech.cli import main
from speech.eval.asr import HFTranscriber, error_counts, normalize_text
from speech.eval.quality import DNSMOS, speaking_rate
from speech.eval.speaker import SpeakerEncoder
from speech.eval.spectral import analyze, f0_errors, mel_cepstrum, spectral_scores
from speech.eval.tts import TTSEvaluator, group_table, read_tts_list

from .conftest import SENTENCES, pitch_shift, slow_down
from .tiny_asr import make_ctc, make_whisper


def test_mel_cepstrum_inverts_the_definition() -> None:
    c = np.array([0.3, 0.5, -0.2, 0.1])
    omega = np.linspace(0.0, np.pi, 513)
    beta = omega + 2.0 * np.arctan(0.42 * np.sin(omega) / (1.0 - 0.42 * np.cos(omega)))
    log_amp = c[0] + sum(c[m] * np.cos(m * beta) for m in range(1, 4))  # SPTK's one-sided series
    mc = mel_cepstrum(np.exp(2 * log_amp)[None], 0.42, order=6)[0]
    np.testing.assert_allclose(mc[:4], c, atol=1e-4)
    np.testing.assert_allclose(mc[4:], 0.0, atol=1e-4)


def test_mcd_of_a_clip_with_itself_is_zero_and_grows_with_difference(voices_dir: Path) -> None:
    a_wav, a_sr = load_audio(voices_dir / "slt_0.wav")
    b_wav, b_sr = load_audio(voices_dir / "awb_0.wav")
    a = analyze(a_wav, a_sr)
    same = spectral_scores(a, a)
    assert same.mcd == 0.0 and same.gpe == 0.0 and same.vde == 0.0 and same.ffe == 0.0 and same.logf0_rmse == 0.0
    shifted = spectral_scores(a, analyze(pitch_shift(a_wav, a_sr, 1.3), a_sr))
    other_voice = spectral_scores(a, analyze(b_wav, b_sr))
    assert 0.0 < shifted.mcd < other_voice.mcd
    # A 30 % shift is a gross pitch error almost everywhere, and log(1.3) in log-F0 RMSE.
    assert shifted.gpe > 0.8
    assert shifted.logf0_rmse == pytest.approx(np.log(1.3), abs=0.08)


def test_f0_errors_hand_computed() -> None:
    nan = np.nan
    ref = np.array([100.0, 100.0, 100.0, nan, nan, 200.0])
    syn = np.array([100.0, 130.0, nan, nan, 150.0, 200.0])
    rmse, gpe, vde, ffe = f0_errors(ref, syn)
    # voiced in both: frames 0, 1, 5 -> one gross error (130/100); voicing errors: frames 2, 4.
    assert gpe == pytest.approx(1 / 3)
    assert vde == pytest.approx(2 / 6)
    assert ffe == pytest.approx(3 / 6)
    assert rmse == pytest.approx(np.sqrt(np.log(1.3) ** 2 / 3))


def test_speaker_similarity_same_voice_beats_other_voices(voices_dir: Path) -> None:
    enc = SpeakerEncoder()
    slt0, slt1 = load_audio(voices_dir / "slt_0.wav"), load_audio(voices_dir / "slt_3.wav")
    same = enc.similarity(*slt0, *slt1)
    for other in ("awb", "rms"):
        assert same > enc.similarity(*slt0, *load_audio(voices_dir / f"{other}_3.wav")) + 0.05
    assert enc.similarity(*slt0, *slt0) == pytest.approx(1.0, abs=1e-5)


def test_error_counts_hand_computed() -> None:
    assert normalize_text("  Hello, WORLD!  It's ") == "hello world it's"
    c = error_counts("the cat sat", "the bat sat down")
    assert (c.word_edits, c.words) == (2, 3)  # one substitution, one insertion
    assert (c.char_edits, c.chars) == (6, 11)  # c->b, plus " down"
    assert c.wer == pytest.approx(2 / 3)
    assert error_counts("Yes.", "").wer == 1.0


@pytest.mark.parametrize("builder", [make_ctc, make_whisper], ids=["ctc", "whisper"])
def test_local_transformers_asr_transcribes(builder, tmp_path: Path, slt_clip) -> None:
    transcriber = HFTranscriber.from_pretrained(builder(tmp_path / "asr"))
    text = transcriber(*slt_clip)
    assert isinstance(text, str)
    assert error_counts(SENTENCES[0], text).cer >= 0.0


def test_asr_load_errors_name_the_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        HFTranscriber.from_pretrained(tmp_path)


def test_dnsmos_and_speaking_rate(slt_clip) -> None:
    wav, sr = slt_clip
    scorer = DNSMOS()
    clean = scorer(wav, sr)
    noisy = scorer(np.clip(wav + np.random.default_rng(0).normal(scale=0.05, size=len(wav)), -1, 1), sr)
    assert all(1.0 <= v <= 5.0 for v in clean.values())
    assert clean["bak"] > noisy["bak"] + 0.5
    rate = speaking_rate(wav, sr)
    assert 2.0 < rate < 8.0  # syllables per second of ordinary read speech
    assert speaking_rate(slow_down(wav, sr, 2.0), sr) < 0.75 * rate


def test_cli_tts_tables_and_outputs(voices_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        {"id": "a", "synth": str(voices_dir / "slt_1.wav"), "reference": str(voices_dir / "slt_1.wav"),
         "text": SENTENCES[1], "language": "en", "speaker": "slt"},
        {"id": "b", "synth": str(voices_dir / "awb_2.wav"), "reference": str(voices_dir / "slt_2.wav"),
         "text": SENTENCES[2], "language": "en-us", "speaker": "awb"},
    ]
    lst = tmp_path / "list.jsonl"
    lst.write_text("".join(json.dumps(r) + "\n" for r in rows))
    asr = make_ctc(tmp_path / "asr")
    rc = main(["eval", "tts", str(lst), "--asr-model", str(asr), "--no-dnsmos", "--json", str(tmp_path / "t.json"),
               "--csv", str(tmp_path / "t.csv")])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "by language:" in printed and "by speaker:" in printed and "mcd" in printed
    items = {it["id"]: it for it in json.loads((tmp_path / "t.json").read_text())["items"]}
    assert items["a"]["mcd"] == 0.0 and items["a"]["duration_ratio"] == pytest.approx(1.0)
    assert items["a"]["speaker_similarity"] == pytest.approx(1.0, abs=1e-5)
    assert items["b"]["mcd"] > 1.0 and items["b"]["speaker_similarity"] < 0.95
    assert items["a"]["cer"] is not None and items["a"]["dnsmos_ovrl"] is None
    assert (tmp_path / "t.csv").read_text().count("\n") == 3


def test_tts_list_errors_name_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lst = tmp_path / "list.csv"
    lst.write_text("id,synth,reference\nx,missing.wav,\n")
    assert main(["eval", "tts", str(lst)]) == 2
    err = capsys.readouterr().err
    assert "list.csv: row 1: audio file not found" in err and "missing.wav" in err


def test_group_table_pools_error_counts(voices_dir: Path) -> None:
    items = read_tts_list_from(voices_dir)
    ev = TTSEvaluator(transcriber=lambda wav, sr: "could you turn the lights", dnsmos=False, speaker_similarity=False)
    results = ev.evaluate_all(items)
    table = group_table(results, "language")
    assert table[0]["language"] == "en-us" and table[0]["clips"] == 1
    assert table[0]["wer"] == pytest.approx(5 / 10)  # 5 of the 10 reference words deleted


def read_tts_list_from(voices_dir: Path):
    lst = voices_dir / "one.csv"
    lst.write_text(f"synth,text,language\nslt_0.wav,\"{SENTENCES[0]}\",en\n")
    return read_tts_list(lst)
