"""Parity of the prosody vector with Ward's own toolkit (issue 20), without Octave.

The reference vectors in ``data/prosody_reference/*.csv`` were computed from the ten fixture
clips beside them by ``../shared/ward/features.sh`` (Ward's midlevel MATLAB code under Octave;
the README there gives the command). Figures as issue 20 defines them: per feature, the median
over windows of the Pearson r across clips, and the Spearman correlation of the pairwise
distances (columns z-scored over the clips).

Our RAPT (:mod:`speech.eval.rapt`) gives ``fxrapt``'s F0 track frame by frame, so every feature
but CPPS equals the toolkit's to its six printed digits; CPPS is analysed every 5 ms against the
toolkit's 2 ms (2.5x cheaper, :data:`speech.eval.prosody.CPPS_STEP_S`) and agrees at r >= 0.98.
Before (SPTK's RAPT, whose voicing differed from ``fxrapt``'s on 10 % of the frames) creakiness
reached only r = 0.83 here and 0.78 on fresh clips.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from speech.audio.io import load_audio
from speech.eval import prosody as P
from speech.eval.prosody_parity import Parity, load_reference, pairwise_distances, parity, reference_files
from speech.eval.prosody_toolkit import FAITHFUL, Departures

REFERENCE = Path(__file__).parent / "data" / "prosody_reference"


@pytest.fixture(scope="module")
def clips() -> dict[str, tuple[np.ndarray, int]]:
    files = reference_files(REFERENCE)
    assert len(files) == 10, sorted(files)
    return {name: load_audio(clip) for name, (clip, _) in files.items()}


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    return load_reference([csv for _, csv in reference_files(REFERENCE).values()])


@pytest.fixture(scope="module")
def tracks(clips) -> list[P.LowLevelTracks]:
    return [P.low_level_tracks(w, sr) for w, sr in clips.values()]


def vectors(tracks: list[P.LowLevelTracks], departures: Departures = FAITHFUL) -> np.ndarray:
    return np.stack([P.prosody_vector(t, None, departures) for t in tracks])


@pytest.fixture(scope="module")
def faithful(tracks, reference) -> Parity:
    return parity(vectors(tracks), reference)


def test_fixture_clips_are_short_16k_mono(clips) -> None:
    for name, (wav, sr) in clips.items():
        assert sr == 16000 and wav.ndim == 1, name
        assert 2.0 <= len(wav) / sr <= 4.5, name


def test_every_feature_agrees_with_the_toolkit(faithful: Parity) -> None:
    for feature, r in faithful.feature_r.items():
        assert r >= (0.98 if feature == "cp" else 0.999), (feature, r, faithful.table())


def test_pairwise_distances_rank_like_the_toolkit(faithful: Parity) -> None:
    assert faithful.num_clips == 10
    assert faithful.distance_spearman >= 0.99, faithful.table()


def test_windows_the_toolkit_holds_constant_are_the_same_constants(faithful: Parity, tracks) -> None:
    # The 95-100 % window of every feature is padding in the toolkit (0), and so is the first
    # window of the pitch features and pd on these clips.
    assert faithful.constant_windows >= 10
    assert faithful.constant_agree
    last = vectors(tracks).reshape(len(tracks), len(P.FEATURES), P.NUM_WINDOWS)[:, :, -1]
    assert np.all(last == 0.0)


def test_toolkit_tracks_give_the_toolkit_values_exactly(tracks, reference) -> None:
    """The energy and flux tracks are the toolkit's to 1e-9 and the F0 track is fxrapt's, so every
    feature but CPPS must match the CSVs to their six printed digits."""
    ours = P.toolkit_order(vectors(tracks)).reshape(len(tracks), len(P.FEATURES), P.NUM_WINDOWS)
    ref = reference.reshape(ours.shape)
    for code in P.TOOLKIT_FEATURES:
        if code == "cp":
            continue
        k = P.TOOLKIT_FEATURES.index(code)
        np.testing.assert_allclose(ours[:, k], ref[:, k], rtol=2e-5, atol=2e-6, err_msg=code)


def test_legacy_departures_lose_parity(tracks, reference, faithful: Parity) -> None:
    legacy = parity(vectors(tracks, Departures.legacy()), reference)
    assert legacy.distance_spearman < faithful.distance_spearman - 0.05, legacy.table()
    # Window means rescale vo/sr/le/cp by the window length (which varies with the utterance);
    # exact windows move every window by one or two frames: the summed features lose most.
    assert legacy.feature_r["cp"] < faithful.feature_r["cp"]
    assert not legacy.constant_agree


def test_distances_of_identical_vectors_are_zero_and_parity_of_self_is_perfect(reference) -> None:
    d = pairwise_distances(np.vstack([reference[:3], reference[:1]]))
    assert d.shape == (6,) and d[2] == pytest.approx(0.0)  # pair (0, 3): the same clip
    # Swapping cr/vo and tl/th is its own inverse: toolkit_order also maps the CSV order to ours.
    same = parity(P.toolkit_order(reference), reference)
    assert same.distance_spearman == pytest.approx(1.0)
    assert all(r == pytest.approx(1.0) for r in same.feature_r.values())
