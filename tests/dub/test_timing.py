"""Duration fitting: pauses absorb the change first, phones keep a frame, limits are enforced."""

import numpy as np
import pytest

from speech.dub.errors import DurationError
from speech.dub.timing import PAUSE_LIMITS, PHONE_LIMITS, fit_durations, is_phone_symbol, mel_speech_frames, token_classes

SYMBOLS = ["<es>", "o", "l", "a", ",", " ", "k", "e", "ˈ", "t", "a", "l", "."]
DURATIONS = np.array([2.0, 4, 4, 4, 6, 3, 4, 4, 0.3, 4, 4, 4, 2])


def test_token_classes() -> None:
    pause, phone = token_classes(SYMBOLS)
    assert pause.tolist() == [s in ",." for s in SYMBOLS]
    # tags, word boundaries, punctuation and the stress mark are not sounds
    assert [s for s, p in zip(SYMBOLS, phone) if p] == ["o", "l", "a", "k", "e", "t", "a", "l"]
    assert not is_phone_symbol("ː") and is_phone_symbol("tʃ")


def _span(frames: np.ndarray) -> int:
    return int(frames[1:-1].sum())  # first phone .. last phone


def test_small_stretch_goes_to_the_pause_first() -> None:
    pause, phone = token_classes(SYMBOLS)
    natural = DURATIONS[1:-1].sum()
    frames = fit_durations(DURATIONS, pause, phone, natural + 3, 0.0116)
    assert _span(frames) == round(natural + 3)
    assert frames[4] == 9  # the comma took all three frames (1.5x its 6, the cap)
    assert frames[[1, 2, 3, 6, 7, 9, 10, 11]].tolist() == [4] * 8
    assert frames[0] == 2 and frames[-1] == 2  # edges untouched


@pytest.mark.parametrize("factor", [0.6, 1.5, 1.9])
def test_large_change_scales_the_phones_and_keeps_every_phone(factor: float) -> None:
    pause, phone = token_classes(SYMBOLS)
    target = DURATIONS[1:-1].sum() * factor
    frames = fit_durations(DURATIONS, pause, phone, target, 0.0116)
    assert abs(_span(frames) - target) <= 1
    assert (frames[phone] >= 1).all()
    ratio = frames[[1, 2, 3, 6, 7, 9, 10, 11]].mean() / 4.0
    assert ratio == pytest.approx(factor, rel=0.3) and (ratio > 1) == (factor > 1)


def test_beyond_the_slowest_phones_the_pauses_take_the_rest() -> None:
    pause, phone = token_classes(SYMBOLS)
    others = DURATIONS[1:-1].sum() - 6  # the comma is the span's one pause
    target = PHONE_LIMITS[1] * others + 3 * 6  # phones at their slowest, the comma at 3x (over PAUSE_LIMITS)
    frames = fit_durations(DURATIONS, pause, phone, target, 0.0116)
    assert abs(_span(frames) - target) <= 1
    assert 16 <= frames[4] <= 20 and frames[4] > PAUSE_LIMITS[1] * 6
    assert frames[[1, 2, 3, 6, 7, 9, 10, 11]].tolist() == [8] * 8


@pytest.mark.parametrize("factor", [0.2, 5.0])
def test_beyond_intelligible_is_refused_with_the_limits(factor: float) -> None:
    pause, phone = token_classes(SYMBOLS)
    with pytest.raises(DurationError) as e:
        fit_durations(DURATIONS, pause, phone, DURATIONS[1:-1].sum() * factor, 0.0116)
    message = str(e.value)
    assert f"{PHONE_LIMITS[0]:g}-{PHONE_LIMITS[1]:g}x" in message and "intelligible" in message


def test_text_without_sounds_is_refused() -> None:
    pause, phone = token_classes(["<es>", ".", "!"])
    with pytest.raises(DurationError, match="no sounds"):
        fit_durations(np.ones(3), pause, phone, 10, 0.0116)


def test_mel_speech_frames_ignores_quiet_edges() -> None:
    mel = np.full((80, 100), -11.5)  # ~ -100 dB
    mel[:, 20:70] = 0.0
    assert mel_speech_frames(mel) == 50
