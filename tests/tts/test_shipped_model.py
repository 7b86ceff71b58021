"""The shipped synthesizer speaks every language it lists: a 10-word sentence gives 1.5-15 s of
audio that is mostly speech, not silence or clipping."""

from __future__ import annotations

import numpy as np
import pytest

from speech.data.bootstrap.sentences import load_sentences
from speech.tts.cli import DEFAULT_MODEL
from speech.tts.synthesizer import Synthesizer


@pytest.fixture(scope="module")
def synth() -> Synthesizer:
    return Synthesizer.from_pretrained(DEFAULT_MODEL)


def ten_words(language: str) -> str:
    """The first sentence of the language's bootstrap list with about ten words (8-12)."""
    for sentence in load_sentences(language):
        if 8 <= len(sentence.split()) <= 12:
            return sentence
    raise AssertionError(f"no sentence of 8-12 words for {language}")


def speech_share(wav: np.ndarray, sr: int) -> float:
    """Share of 50 ms frames within 30 dB of the loudest one."""
    hop = sr // 20
    frames = wav[: len(wav) // hop * hop].reshape(-1, hop)
    level = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    return float(np.mean(level > level.max() - 30.0))


def test_lists_at_least_twelve_languages(synth: Synthesizer) -> None:
    assert len(synth.languages) >= 12 and len(synth.speakers) >= 40


def test_every_listed_language_speaks_a_ten_word_sentence(synth: Synthesizer) -> None:
    speaker = synth.speakers[0]
    for language in synth.languages:
        wav, sr = synth.synthesize(ten_words(language), language, speaker)
        seconds = len(wav) / sr
        assert 1.5 < seconds < 15.0, f"{language}: {seconds:.2f} s for a 10-word sentence"
        assert np.isfinite(wav).all() and 0.05 < np.abs(wav).max() <= 1.0, language
        assert speech_share(wav, sr) > 0.5, f"{language}: mostly silence"
