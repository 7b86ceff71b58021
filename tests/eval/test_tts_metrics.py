"""The TTS metric functions of :mod:`speech.eval.tts` that every TTS evaluation shares."""

from __future__ import annotations

import numpy as np
import pytest

from speech.eval.asr import ErrorCounts
from speech.eval.tts import (
    centroid,
    dnsmos_metrics,
    duration_ratio,
    pooled_counts,
    speaker_identification,
    transcription_errors,
)


def _unit(*values: float) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64)
    return v / np.linalg.norm(v)


VOICES = {
    "a": {"a1": _unit(1, 0, 0), "a2": _unit(1, 0.2, 0)},
    "b": {"b1": _unit(0, 1, 0), "b2": _unit(0, 1, 0.2)},
    "c": {"c1": _unit(0, 0, 1)},
}


def test_speaker_identification_against_the_centroids() -> None:
    probe = _unit(1, 0.1, 0)
    scores = speaker_identification(probe, "a", VOICES)
    assert scores["speaker_id_correct"] == 1.0
    assert scores["sim_target"] == pytest.approx(float(probe @ centroid(VOICES["a"])))
    others = [float(probe @ centroid(VOICES[v])) for v in ("b", "c")]
    assert scores["sim_other"] == pytest.approx(np.mean(others))
    # Claimed to be voice b: b's centroid is not the nearest.
    assert speaker_identification(probe, "b", VOICES)["speaker_id_correct"] == 0.0


def test_excluded_clips_leave_every_centroid() -> None:
    probe = _unit(1, 0.2, 0)
    with_itself = speaker_identification(probe, "a", VOICES)["sim_target"]
    without = speaker_identification(probe, "a", VOICES, exclude=["a2"])["sim_target"]
    assert without == pytest.approx(float(probe @ VOICES["a"]["a1"])) and without < with_itself
    # Voice c loses its only clip: it drops out of the comparison instead of failing.
    assert speaker_identification(probe, "a", VOICES, exclude=["c1"])["sim_other"] == pytest.approx(
        float(probe @ centroid(VOICES["b"])))
    assert speaker_identification(probe, "c", VOICES, exclude=["c1"]) == {}
    assert centroid({"x": _unit(1, 0)}, exclude=["x"]) is None


def test_pooled_counts_add_edits_not_rates() -> None:
    short = ErrorCounts(char_edits=1, chars=2, word_edits=1, words=1)
    long = ErrorCounts(char_edits=0, chars=18, word_edits=0, words=4)
    total = pooled_counts([short, long])
    assert total == ErrorCounts(1, 20, 1, 5) and total.cer == 0.05 and total.wer == 0.2
    assert pooled_counts([]) is None


def test_transcription_errors_and_dnsmos_names() -> None:
    heard: list[tuple[int, int]] = []

    def transcriber(wav: np.ndarray, sample_rate: int) -> str:
        heard.append((len(wav), sample_rate))
        return "the cat sat down"

    transcript, counts = transcription_errors(transcriber, np.zeros(160), 16000, "The cat sat.")
    assert transcript == "the cat sat down" and heard == [(160, 16000)]
    assert (counts.word_edits, counts.words) == (1, 3)

    def scorer(wav: np.ndarray, sample_rate: int) -> dict[str, float]:
        return {"ovrl": 3.0, "sig": 3.5, "bak": 4.0, "p808": 3.2}

    assert dnsmos_metrics(scorer, np.zeros(10), 16000) == {"dnsmos_ovrl": 3.0, "dnsmos_sig": 3.5, "dnsmos_bak": 4.0}


def test_transcription_errors_score_chinese_by_character() -> None:
    """Without the language, an unspaced Chinese sentence is one 'word' and one wrong character
    makes WER 1.0; with it, each character is a word (1 of 4 wrong)."""

    def transcriber(wav: np.ndarray, sample_rate: int) -> str:
        return "我们爱他"

    _, by_word = transcription_errors(transcriber, np.zeros(160), 16000, "我们爱你")
    _, by_char = transcription_errors(transcriber, np.zeros(160), 16000, "我们爱你", "zh")
    assert (by_word.word_edits, by_word.words) == (1, 1)
    assert (by_char.word_edits, by_char.words) == (1, 4)


def test_duration_ratio_ignores_leading_and_trailing_silence() -> None:
    rate, seconds = 16000, 4
    tone = (0.5 * np.sin(2 * np.pi * 200 * np.arange(seconds * rate) / rate)).astype(np.float32)
    padded = np.concatenate([np.zeros(rate // 2, np.float32), tone, np.zeros(rate, np.float32)])
    # Silence is trimmed by whole analysis frames (librosa's 2048 samples): up to one frame per side.
    frames = 2 * 2048 / rate / seconds
    assert duration_ratio(padded, rate, tone, rate) == pytest.approx(1.0, abs=frames)
    assert duration_ratio(tone[: len(tone) // 2], rate, tone, rate) == pytest.approx(0.5, abs=frames)
    # The same clip at another sample rate lasts as long.
    assert duration_ratio(tone[::2], rate // 2, tone, rate) == pytest.approx(1.0, abs=frames)
