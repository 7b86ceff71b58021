"""The shipped synthesizer renders SSML: pauses, rate and pitch change the audio by the amounts asked."""

from __future__ import annotations

import numpy as np
import pytest

from speech.audio.speech_check import frame_f0
from speech.testing.voices import shipped_voice
from speech.tts.cli import DEFAULT_MODEL
from speech.tts.synthesizer import Synthesizer

SPEAKER = shipped_voice("en-us")
SENTENCE = "Hello there, my friend."


@pytest.fixture(scope="module")
def synth() -> Synthesizer:
    return Synthesizer.from_pretrained(DEFAULT_MODEL)


def seconds(synth: Synthesizer, text: str) -> float:
    wav, sr = synth.synthesize(text, "en", speaker=SPEAKER)
    return len(wav) / sr


def median_f0(synth: Synthesizer, text: str) -> float:
    wav, sr = synth.synthesize(text, "en", speaker=SPEAKER)
    f0 = frame_f0(wav, sr)
    return float(np.nanmedian(f0))


def test_break_adds_its_pause(synth: Synthesizer) -> None:
    plain = seconds(synth, SENTENCE)
    paused = seconds(synth, '<speak>Hello there, <break time="800ms"/> my friend.</speak>')
    assert paused - plain == pytest.approx(0.8, abs=0.1)


def test_rate_scales_the_length(synth: Synthesizer) -> None:
    plain = seconds(synth, SENTENCE)
    slow = seconds(synth, f'<speak><prosody rate="x-slow">{SENTENCE}</prosody></speak>')
    fast = seconds(synth, f'<speak><prosody rate="150%">{SENTENCE}</prosody></speak>')
    assert slow / plain == pytest.approx(2.0, rel=0.15)
    assert fast / plain == pytest.approx(1 / 1.5, rel=0.15)


def test_pitch_shift_raises_the_voice(synth: Synthesizer) -> None:
    plain = median_f0(synth, SENTENCE)
    higher = median_f0(synth, f'<speak><prosody pitch="+6st">{SENTENCE}</prosody></speak>')
    shift = 12 * np.log2(higher / plain)
    assert 3.0 < shift < 9.0, f"asked +6 semitones, got {shift:+.1f}"


def test_tags_are_never_spoken(synth: Synthesizer) -> None:
    # Read tag by tag, "<speak>...</speak>" would take several seconds longer than its words.
    assert seconds(synth, f"<speak>{SENTENCE}</speak>") == pytest.approx(seconds(synth, SENTENCE), abs=0.05)
