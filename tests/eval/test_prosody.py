"""Prosody distance (Avila & Ward 2023): invariants, behaviour on real speech, pinned values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from speech.audio.io import load_audio
from speech.eval import prosody as P
from speech.eval.errors import StatsError, UtteranceTooShortError
from speech.eval.prosody_stats import ProsodyStats

from .conftest import DATA, pitch_shift, slow_down

# The toolkit's recipe (faithful default, RAPT pitch); the 95-100 % window is 0 as in the toolkit.
# Ward's toolkit's own values on this clip (../shared/ward/features.sh, within 5e-6), except cp:
# ours analyses CPPS every 5 ms against the toolkit's 2 ms (speech.eval.prosody.CPPS_STEP_S).
PINNED = {
    "cr": [0, 0, 0.0689655, 0, 0.103448, 0.0517241, 0.0333333, 0, 0.142857, 0],
    "sr": [1.84719, 2.65927, 1.91643, 3.30003, 6.57196, 4.54001, 2.09171, 1.21746, 2.07497, 0],
    "tl": [0, 0.034488, 0.035667, 0.031617, 0.040514, 0.129236, 0.045494, 0.264392, 0.263948, 0],
    "th": [0, 0.237278, 0.294435, 0.159156, 0.135156, 0.058606, 0.024392, 0, 0.129368, 0],
    "wp": [0, 5.42857, 10.5172, 3.5, 1.94828, 0.603448, 0.3, 0.724138, 10.7857, 0],
    "np": [0, 6.21429, 6.72414, 4.46667, 3.51724, 6.7931, 20.8667, 19.6207, 2.5, 0],
    "vo": [-0.539146, 0.36532, 1.20236, 0.474913, 0.315762, 1.24078, 1.07257, 1.12234, 0.185726, 0],
    "le": [-0.391452, -0.132521, 0.294965, 0.0858997, -0.0373276, 0.338716, 0.454985, 0.90956, -0.196757, 0],
    "cp": [-19.9407, -14.8407, -8.2409, -1.54347, -16.5437, 30.2481, 16.3496, 41.5416, -10.5823, 0],
    "pd": [0, 0, 8.31889e-06, 1.52808e-05, 2.04778e-06, 7.39225e-07, 3.71673e-07, 3.14626e-08, 0, 0],
}
STATS = ProsodyStats.default()


@pytest.fixture(scope="module")
def slt(voices_dir: Path):
    """The slt clips, their tracks, and a speaker profile fitted on all of them."""
    clips = [load_audio(voices_dir / f"slt_{i}.wav") for i in range(4)]
    tracks = [P.low_level_tracks(w, sr) for w, sr in clips]
    return clips, tracks, P.SpeakerProfile.fit(tracks)


def zvec(wav: np.ndarray, sr: int, profile: P.SpeakerProfile) -> np.ndarray:
    return STATS.zscore(P.prosody_vector(P.low_level_tracks(wav, sr), profile), "en-us")


def test_layout_matches_the_paper() -> None:
    assert len(P.COLUMNS) == 100
    assert P.COLUMNS[0] == "cr-0-5" and P.COLUMNS[9] == "cr-95-100" and P.COLUMNS[-1] == "pd-95-100"
    assert P.WINDOW_BOUNDS == (0, 5, 10, 20, 30, 50, 70, 80, 90, 95, 100)
    assert list(np.diff(P.window_edges(200))) == [10, 10, 20, 20, 40, 40, 20, 20, 10, 10]
    assert P.window_edges(50)[-1] == 50 and np.all(np.diff(P.window_edges(50)) > 0)


def test_short_utterance_is_rejected_with_its_name(slt_clip) -> None:
    wav, sr = slt_clip
    with pytest.raises(UtteranceTooShortError, match=r"short\.wav: 490 ms is too short"):
        P.low_level_tracks(wav[: int(0.49 * sr)], sr, name="short.wav")
    assert P.low_level_tracks(wav[: int(0.5 * sr)], sr).num_frames == 50


def test_vector_has_100_finite_values(slt) -> None:
    clips, tracks, profile = slt
    v = P.prosody_vector(tracks[0], profile)
    assert v.shape == (100,) and np.all(np.isfinite(v))


def test_distance_to_itself_is_zero_and_symmetric(slt) -> None:
    clips, _, profile = slt
    za = zvec(*clips[0], profile)
    zb = zvec(*clips[1], profile)
    same = P.compare(za, za)
    assert same.distance == 0.0 and all(s == 0.0 for s in same.feature_shares.values())
    ab, ba = P.compare(za, zb), P.compare(zb, za)
    assert ab.distance > 1.0
    assert ab.distance == pytest.approx(ba.distance, abs=1e-12)
    assert sum(ab.feature_shares.values()) == pytest.approx(1.0)
    assert ab.feature_shares == pytest.approx(ba.feature_shares)


def test_distance_grows_with_pitch_shift_and_th_tl_move(slt) -> None:
    (wav, sr), profile = slt[0][0], slt[2]
    z0 = zvec(wav, sr, profile)
    raws = [P.prosody_vector(P.low_level_tracks(pitch_shift(wav, sr, f), sr), profile) for f in (1.0, 1.1, 1.2, 1.3)]
    dists = [P.compare(z0, STATS.zscore(r, "en-us")).distance for r in raws]
    assert all(b > a for a, b in zip(dists, dists[1:])), dists
    table = [P.vector_to_table(r) for r in raws]
    th = [np.mean(t["th"]) for t in table]
    tl = [np.mean(t["tl"]) for t in table]
    assert all(b > a for a, b in zip(th, th[1:])), th
    assert all(b <= a for a, b in zip(tl, tl[1:])), tl  # it reaches its floor once no frame is low
    assert tl[-1] < tl[0] / 2  # fxrapt keeps voicing at the ends of voiced runs, where pitch falls low


def test_distance_grows_when_slowed_and_sr_per_frame_falls(slt) -> None:
    (wav, sr), profile = slt[0][1], slt[2]
    z0 = zvec(wav, sr, profile)
    tracks = [P.low_level_tracks(slow_down(wav, sr, f), sr) for f in (1.0, 1.2, 1.5, 2.0)]
    dists = [P.compare(z0, STATS.zscore(P.prosody_vector(t, profile), "en-us")).distance for t in tracks]
    assert all(b > a for a, b in zip(dists, dists[1:])), dists
    # The toolkit's sr is a window *sum* of energy changes: with windows that are shares of the
    # utterance it grows with the duration. Per frame (the window_means departure, without the
    # silence offset) slowed speech has the lower rate.
    faithful = [np.mean(P.vector_to_table(P.prosody_vector(t, profile))["sr"]) for t in tracks]
    assert all(b > a for a, b in zip(faithful, faithful[1:])), faithful
    per_frame = P.Departures(window_means=True, rate_without_silence_offset=True)
    sr_feature = [np.mean(P.vector_to_table(P.prosody_vector(t, profile, per_frame))["sr"]) for t in tracks]
    assert all(b < a for a, b in zip(sr_feature, sr_feature[1:])), sr_feature


def test_distance_grows_when_quieter_and_only_energy_features_move(slt) -> None:
    (wav, sr), profile = slt[0][2], slt[2]
    z0 = zvec(wav, sr, profile)
    gains = (1.0, 0.7, 0.4, 0.2, 0.1)
    dists = [P.compare(z0, zvec(wav * g, sr, profile)).distance for g in gains]
    assert dists[0] == 0.0
    assert all(b > a for a, b in zip(dists, dists[1:])), dists
    quiet = P.compare(z0, zvec(wav * 0.2, sr, profile))
    assert quiet.feature_shares["vo"] + quiet.feature_shares["le"] + quiet.feature_shares["pd"] > 0.95


def test_speaker_profile_is_what_makes_pitch_height_relative(slt) -> None:
    (wav, sr), profile = slt[0][0], slt[2]
    high = pitch_shift(wav, sr, 1.3)
    # Against the speaker's material the shifted clip is high; against itself it is not.
    with_profile = P.vector_to_table(P.prosody_vector(P.low_level_tracks(high, sr), profile))
    self_only = P.vector_to_table(P.prosody_vector(P.low_level_tracks(high, sr)))
    assert np.mean(with_profile["th"]) > 2 * np.mean(self_only["th"])


def test_pinned_feature_values_on_the_fixture_clip() -> None:
    wav, sr = load_audio(DATA / "fixture_slt.wav")
    table = P.vector_to_table(P.prosody_vector(P.low_level_tracks(wav, sr)))
    for feature, expected in PINNED.items():
        np.testing.assert_allclose(table[feature], expected, rtol=2e-3, atol=1e-6, err_msg=feature)


def test_stats_round_trip_and_validation(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(10, 100))
    stats = ProsodyStats.fit(x, ["en-us"] * 5 + ["es"] * 5, tracker="praat", provenance="test", prior_clips=0)
    path = stats.save(tmp_path / "s.json")
    back = ProsodyStats.load(path)
    np.testing.assert_allclose(back.get("es").mean, x[5:].mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(back.zscore(x[:5], "en-us").std(axis=0), 1.0, rtol=1e-4)
    with pytest.raises(StatsError, match="no prosody statistics for language 'fr'"):
        back.get("fr")
    assert back.get(None).count == 10
    path.write_text(path.read_text().replace('"version": 1', '"version": 99'))
    with pytest.raises(StatsError, match=r"s\.json: unsupported version 99"):
        ProsodyStats.load(path)


def test_a_column_constant_in_one_language_is_bounded_by_the_pooled_spread() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 100))
    x[100:, 7] = 1e-9 * rng.normal(size=100)  # "fr": one column (near) constant, like pd-90-95 of system voices
    langs = ["en-us"] * 100 + ["fr"] * 100
    probe = np.zeros((1, 100))
    probe[0, 7] = 0.5  # an ordinary value of that column
    plain = ProsodyStats.fit(x, langs, tracker="rapt", prior_clips=0)
    shrunk = ProsodyStats.fit(x, langs, tracker="rapt")
    assert abs(plain.zscore(probe, "fr")[0, 7]) > 1e7
    assert 1.0 < abs(shrunk.zscore(probe, "fr")[0, 7]) < 10.0
    # the other columns keep their own spread within a few percent
    others = np.delete(np.arange(100), 7)
    np.testing.assert_allclose(shrunk.get("fr").std[others], plain.get("fr").std[others], rtol=0.06)
    with pytest.raises(StatsError, match="prior_clips"):
        ProsodyStats.fit(x, langs, tracker="rapt", prior_clips=-1)


def test_default_stats_cover_the_bootstrap_languages() -> None:
    langs = {"en-us", "es", "fr", "de", "it", "fi", "cs", "ca", "ru", "hi", "mr", "te", "*"}
    assert langs <= set(STATS.languages)
    assert STATS.tracker == P.DEFAULT_TRACKER == "rapt"
    assert STATS.get("en-us").count == 200 and STATS.get("*").count == 1525
