"""``speech dub`` with the shipped synthesizer: duration fitting, prosody steering, bad input."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from speech.audio.io import load_audio
from speech.audio.loudness import PEAK_LIMIT, loudness_lufs
from speech.cli import main
from speech.dub.dubber import Dubber, DubConfig, DubResult
from speech.dub.errors import DurationError
from speech.dub.steering import SteeringConfig, apply_steering, measure_profile, plan_steering, token_windows
from speech.dub.timing import speech_span_s, token_classes
from speech.errors import AudioError, EmptyTextError, UnknownLanguageError
from speech.testing.voices import shipped_voice
from speech.tts.cli import DEFAULT_MODEL

EXAMPLES = Path(__file__).resolve().parents[2] / "demo" / "examples"
SOURCE = EXAMPLES / "slt_en_happy.flac"
TEXT_ES = "Mi abuela guarda sus cartas antiguas en una caja de madera."


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


def test_the_dub_plays_at_the_sources_loudness_and_a_plain_one_at_the_models(dubber: Dubber) -> None:
    source, sr = load_audio(SOURCE)
    quiet = (source * 10 ** (-12 / 20), sr)  # the same clip 12 dB down
    loud = dubber.dub(SOURCE, TEXT_ES, "es", source_language="en", source_text="-", config=DubConfig(report=False))
    soft = dubber.dub(quiet, TEXT_ES, "es", source_language="en", source_text="-", config=DubConfig(report=False))
    for result, clip in ((loud, (source, sr)), (soft, quiet)):
        level = result.report["loudness_lufs"]
        assert level["source"] == pytest.approx(loudness_lufs(*clip), abs=1e-6)
        assert loudness_lufs(result.audio, result.sample_rate) == pytest.approx(level["source"], abs=0.5)
        assert np.abs(result.audio).max() <= PEAK_LIMIT + 1e-6
    assert _level_gap(loud, soft) == pytest.approx(12.0, abs=0.5)
    # without the prosody the output keeps the model's own level, whatever the source's
    kept = [dubber.dub(clip, TEXT_ES, "es", source_language="en", source_text="-",
                       config=DubConfig(keep=["voice", "emotion", "duration"], report=False)) for clip in ((source, sr), quiet)]
    assert all(k.report["loudness_lufs"]["dub"] == pytest.approx(k.report["loudness_lufs"]["model"]) for k in kept)


def _level_gap(a: DubResult, b: DubResult) -> float:
    return loudness_lufs(a.audio, a.sample_rate) - loudness_lufs(b.audio, b.sample_rate)


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


# The steering follows the source window by window: a target with higher pitch height in one
# window gives that window's tokens a higher pitch input, and leaves the far windows alone
# (the plan), and the dub's measured pitch height rises there (the output, below).
@pytest.mark.parametrize("window", [2, 4, 7])
def test_a_higher_target_pitch_in_a_window_raises_that_windows_pitch_input(dubber: Dubber, window: int) -> None:
    plan = dubber.synth.plan(TEXT_ES, "es", shipped_voice("en-us"))
    frames = torch.round(plan.variances.durations).long()[0].numpy()
    wav, _ = dubber.synth.render(plan, torch.as_tensor(frames).unsqueeze(0))
    measured = measure_profile(wav, dubber.sample_rate, "es", dubber.stats)
    target = measured.table("raw").copy()
    base = plan_steering(target.ravel(), measured)
    target[3, window] += 0.1  # th: 0.1 more of the window's voiced frames above the median
    raised = plan_steering(target.ravel(), measured)
    gain = raised.pitch_percentile - base.pitch_percentile
    lim = SteeringConfig()
    expected = min(lim.pitch_gain * 0.1 / max(measured.voiced[window], 0.25), lim.percentile - base.pitch_percentile[window])
    assert gain[window] == pytest.approx(expected, abs=1e-9)
    assert gain[window] > 0.05 and np.allclose(np.delete(gain, window), 0.0)
    is_phone = token_classes(plan.tokens.symbols)[1]
    v = plan.variances
    args = (frames, v.durations[0].numpy(), v.pitch[0].numpy(), v.energy[0].numpy(), is_phone, measured.energy_span,
            float(dubber.synth.model.config.energy_std))
    lift = apply_steering(raised, *args)[1] - apply_steering(base, *args)[1]
    inside = token_windows(frames) == window
    far = np.abs(token_windows(frames) - window) >= 2
    assert lift[inside].min() > 0.0 and lift[inside].mean() > 0.05
    assert np.abs(lift[far]).max() < 1e-9


def _raise_pitch_in_window(wav: np.ndarray, sr: int, window: int, factor: float) -> np.ndarray:
    """The clip with F0 times ``factor`` inside one profile window (Praat PSOLA; durations kept)."""
    import parselmouth
    from parselmouth.praat import call

    from speech.eval.prosody_toolkit import WINDOW_BOUNDS

    snd = parselmouth.Sound(np.asarray(wav, dtype=np.float64), sampling_frequency=sr)
    manip = call(snd, "To Manipulation", 0.01, 75, 600)
    tier = call(manip, "Extract pitch tier")
    call(tier, "Multiply frequencies", WINDOW_BOUNDS[window] / 100 * snd.xmax, WINDOW_BOUNDS[window + 1] / 100 * snd.xmax, factor)
    call([tier, manip], "Replace pitch tier")
    return call(manip, "Get resynthesis (overlap-add)").values[0].astype(np.float32)


def test_a_source_raised_in_one_window_raises_the_dubs_pitch_there(dubber: Dubber, tmp_path: Path) -> None:
    from speech.audio.io import load_audio, save_audio

    wav, sr = load_audio(SOURCE)

    def dub_th(clip: np.ndarray) -> np.ndarray:
        path = save_audio(tmp_path / "src.wav", clip, sr)
        r = dubber.dub(path, TEXT_ES, "es", source_language="en", source_text="-")
        return measure_profile(r.audio, r.sample_rate, "es", dubber.stats).table("raw")[3]  # th per window

    base = dub_th(wav)
    # Window 4 is left out: there the dub of the unedited clip already gets the largest pitch edit
    # (SteeringConfig.percentile), so a higher source cannot raise it further.
    for window in (2, 3, 7):
        raised = dub_th(_raise_pitch_in_window(wav, sr, window, 1.25))
        # measured (the natural-corpus model): +0.07, +0.12, +0.19 of the window's frames in the top pitch band
        assert raised[window] - base[window] > 0.02, (window, base, raised)


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



class _Judge:
    """Stands in for the Whisper judge: hears ``text`` and records what it was asked."""

    def __init__(self, text: str) -> None:
        self.text, self.calls = text, []

    def transcribe(self, wav: np.ndarray, sample_rate: int, language: str | None = None):
        from speech.eval.whisper import Transcription

        self.calls.append((sample_rate, language))
        return Transcription(self.text, "en", 0.9)


def test_transcribe_source_asks_the_whisper_judge(monkeypatch: pytest.MonkeyPatch) -> None:
    import speech.eval.whisper as whisper
    from speech.dub.dubber import transcribe_source
    from speech.dub.errors import DubError

    judge = _Judge("  hello there ")
    monkeypatch.setattr(whisper, "get_judge", lambda: judge)
    assert transcribe_source(np.zeros(16000, np.float32), 16000, None) == ("hello there", "en")
    assert judge.calls == [(16000, None)]
    monkeypatch.setattr(whisper, "get_judge", lambda: _Judge(" "))
    with pytest.raises(DubError, match="heard no words"):
        transcribe_source(np.zeros(16000, np.float32), 16000, "en-us")
