"""Pitch and energy contours and their plot."""

import numpy as np
import pytest

from speech.demo.contours import ENERGY_FLOOR_DB, plot_contours, prosody_contours

SR = 16000


def test_contours_of_a_tone_and_silence():
    t = np.arange(SR) / SR
    wav = np.concatenate([0.5 * np.sin(2 * np.pi * 200 * t), np.zeros(SR // 2)]).astype(np.float32)
    c = prosody_contours(wav, SR)
    assert c.times.shape == c.f0.shape == c.energy_db.shape == (150,)
    assert c.times[0] == pytest.approx(0.005) and c.times[-1] == pytest.approx(1.495)
    voiced = c.f0[10:90]
    assert np.all(np.isfinite(voiced)) and np.allclose(voiced, 200, atol=2)
    assert np.all(np.isnan(c.f0[110:]))
    # A sine of amplitude 0.5 has power 0.125 (-9.03 dBFS); 10 ms frames hold exactly two periods.
    assert np.allclose(c.energy_db[5:95], 10 * np.log10(0.125), atol=0.1)
    assert np.all(c.energy_db[105:] == ENERGY_FLOOR_DB)
    assert c.median_f0 == pytest.approx(200, abs=2)


def test_plot_has_pitch_and_energy_panels_with_both_clips():
    t = np.arange(SR) / SR
    a = prosody_contours((0.3 * np.sin(2 * np.pi * 150 * t)).astype(np.float32), SR)
    b = prosody_contours((0.3 * np.sin(2 * np.pi * 250 * t)).astype(np.float32), SR)
    fig = plot_contours([a, b], ["reference", "output"])
    pitch, energy = fig.axes
    assert pitch.get_ylabel() == "pitch (Hz)" and energy.get_ylabel() == "energy (dBFS)"
    assert [line.get_label() for line in pitch.lines] == ["reference", "output"]
    assert len(energy.lines) == 2
    assert np.nanmedian(pitch.lines[1].get_ydata()) == pytest.approx(250, abs=3)
    with pytest.raises(ValueError, match="2 contours but 1 labels"):
        plot_contours([a, b], ["x"])


def test_a_clip_too_short_for_pitch_has_energy_only():
    wav = (0.3 * np.sin(2 * np.pi * 200 * np.arange(640) / SR)).astype(np.float32)  # 40 ms
    c = prosody_contours(wav, SR)
    assert c.f0.shape == (4,) and np.all(np.isnan(c.f0)) and np.isnan(c.median_f0)
    assert np.allclose(c.energy_db, 10 * np.log10(0.3**2 / 2), atol=0.01)
