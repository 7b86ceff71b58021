"""The speaker encoder: resemblyzer's GE2E embedding, computed without librosa."""

from pathlib import Path

import numpy as np
import pytest
import soxr

from speech.audio.io import load_audio
from speech.eval.speaker import SpeakerEncoder, cosine_similarity

EXAMPLES = Path(__file__).resolve().parents[2] / "demo" / "examples"


@pytest.fixture(scope="module")
def encoder() -> SpeakerEncoder:
    return SpeakerEncoder()


@pytest.mark.parametrize("clip, rate", [("slt_en_happy.flac", 16000), ("lp_it.flac", 22050), ("rms_en.flac", 8000)])
def test_embedding_equals_resemblyzers_own_pipeline(encoder: SpeakerEncoder, clip: str, rate: int) -> None:
    from resemblyzer import preprocess_wav

    wav, sr = load_audio(EXAMPLES / clip)
    x = soxr.resample(wav, sr, rate).astype(np.float32) if rate != sr else wav
    ours = encoder.embed(x, rate)
    theirs = encoder._load().embed_utterance(preprocess_wav(x, source_sr=rate))
    assert ours.shape == (256,) and np.linalg.norm(ours) == pytest.approx(1.0)
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


def test_same_voice_scores_higher_than_another_voice(encoder: SpeakerEncoder) -> None:
    slt, sr = load_audio(EXAMPLES / "slt_en_happy.flac")
    rms, sr2 = load_audio(EXAMPLES / "rms_en.flac")
    half = len(slt) // 2
    same = encoder.similarity(slt[:half], sr, slt[half:], sr)
    other = encoder.similarity(slt, sr, rms, sr2)
    assert same > other + 0.1
    assert encoder.similarity(slt, sr, slt, sr) == pytest.approx(1.0, abs=1e-6)
    assert cosine_similarity(np.zeros(3), np.ones(3)) == 0.0


def test_silence_still_gives_a_unit_embedding(encoder: SpeakerEncoder) -> None:
    e = encoder.embed(np.zeros(16000, dtype=np.float32) + 1e-4, 16000)
    assert e.shape == (256,) and np.isfinite(e).all() and np.linalg.norm(e) == pytest.approx(1.0)
