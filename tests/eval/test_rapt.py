"""RAPT without history: the same clip gets the same F0 whatever was tracked before it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from speech.audio.io import load_audio
from speech.eval.pitch import track_pitch
from speech.eval.rapt import rapt

DATA = Path(__file__).parent / "data"
EXAMPLES = Path(__file__).resolve().parents[2] / "demo" / "examples"


def _at_8k(path: Path) -> np.ndarray:
    import soxr

    wav, sr = load_audio(path)
    return (soxr.resample(np.asarray(wav, np.float64), sr, 8000) * 32768).astype(np.float32)


def test_f0_does_not_depend_on_the_clips_tracked_before() -> None:
    clip = _at_8k(DATA / "fixture_slt.wav")
    first = rapt(clip, 8000, 40, 50.0, 500.0)
    for other in sorted(EXAMPLES.glob("*.flac")):  # SPTK's statics would carry these into the next call
        rapt(_at_8k(other), 8000, 40, 50.0, 500.0)
    again = rapt(clip, 8000, 40, 50.0, 500.0)
    np.testing.assert_array_equal(first, again)
    # ... and it is what pysptk gives in a process that never ran RAPT before.
    code = ("import sys, numpy as np, pysptk; x = np.frombuffer(sys.stdin.buffer.read(), np.float32); "
            "sys.stdout.buffer.write(np.asarray(pysptk.rapt(x, 8000, 40, min=50.0, max=500.0, otype='f0'), np.float32).tobytes())")
    fresh = np.frombuffer(subprocess.run([sys.executable, "-c", code], input=clip.tobytes(), capture_output=True,
                                         check=True).stdout, np.float32)
    np.testing.assert_array_equal(first, fresh)
    assert 0.4 < float(np.mean(first > 0)) < 0.95 and 120 < float(np.median(first[first > 0])) < 260


def test_track_pitch_is_repeatable_across_other_work() -> None:
    wav, sr = load_audio(DATA / "fixture_slt.wav")
    before = track_pitch(wav, sr, tracker="rapt", fmin=50.0, fmax=500.0)
    other, osr = load_audio(EXAMPLES / "rms_en.flac")
    track_pitch(other, osr, tracker="rapt", fmin=50.0, fmax=500.0)
    np.testing.assert_array_equal(before, track_pitch(wav, sr, tracker="rapt", fmin=50.0, fmax=500.0))


def test_a_server_that_dies_is_replaced() -> None:
    from speech.eval import rapt as R

    clip = _at_8k(DATA / "fixture_slt.wav")
    first = rapt(clip, 8000, 40, 50.0, 500.0)
    server = R._get_server()
    server.proc.kill()
    server.proc.wait(timeout=10)
    np.testing.assert_array_equal(rapt(clip, 8000, 40, 50.0, 500.0), first)
    assert R._get_server() is not server
