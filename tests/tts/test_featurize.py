"""Feature extraction: shards resume after an interruption; the per-speaker subset is balanced and stable."""

from pathlib import Path

import numpy as np
import pytest

from speech.audio.features import AudioConfig
from speech.tts.featurize import extract_tts_features
from speech.tts.prepare import limit_per_speaker

from .conftest import _fake_dvector


def test_killed_extraction_resumes_at_the_missing_shard(flite_cuts, tmp_path: Path) -> None:
    calls: list[int] = []

    def counting(wav: np.ndarray, sr: int) -> np.ndarray:
        calls.append(len(wav))
        return _fake_dvector(wav, sr)

    first = extract_tts_features(flite_cuts, tmp_path, AudioConfig(), counting, shard_size=3)
    assert len(calls) == len(flite_cuts) == len(first)
    shards = sorted((tmp_path / "shards").glob("shard-*.jsonl.gz"))
    assert len(shards) == 3  # 8 cuts in shards of 3
    # Simulate a kill during the last shard: its manifest (written last) and the merged one are missing.
    (tmp_path / "cuts_with_feats.jsonl.gz").unlink()
    shards[-1].unlink()
    calls.clear()
    second = extract_tts_features(flite_cuts, tmp_path, AudioConfig(), counting, shard_size=3)
    assert 0 < len(calls) <= 3  # only the unfinished shard was recomputed
    assert [c.id for c in second] == [c.id for c in first]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a.load_custom("mel"), b.load_custom("mel"))
        np.testing.assert_array_equal(a.load_custom("pitch"), b.load_custom("pitch"))


def test_limit_per_speaker_is_balanced_and_deterministic(flite_cuts) -> None:
    kept = limit_per_speaker(flite_cuts, 2)
    speakers = [c.supervisions[0].speaker for c in kept]
    assert sorted(set(speakers)) == ["flite_kal", "flite_slt"]
    assert all(speakers.count(s) == 2 for s in set(speakers))
    assert [c.id for c in limit_per_speaker(flite_cuts, 2)] == [c.id for c in kept]
    assert len(limit_per_speaker(flite_cuts, 100)) == len(flite_cuts)
    with pytest.raises(ValueError, match="at least 1"):
        limit_per_speaker(flite_cuts, 0)
