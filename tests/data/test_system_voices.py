"""``speech.data.bootstrap.engines.say``: the one way the library speaks a text with flite or festival."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from speech.data.bootstrap.engines import say
from speech.data.bootstrap.errors import SynthesisError, VoiceUnavailableError
from speech.errors import BackendUnavailableError

needs_flite = pytest.mark.skipif(shutil.which("flite") is None, reason="flite is not installed")
needs_festival = pytest.mark.skipif(shutil.which("text2wave") is None, reason="festival is not installed")


@needs_flite
def test_flite_voice_says_what_the_flite_program_says(tmp_path: Path) -> None:
    text = "Really? You finished the whole book in one night?"
    wav, sr = say("flite", "kal16", text)
    subprocess.run(["flite", "-voice", "kal16", "-t", text, "-o", str(tmp_path / "ref.wav")], check=True)
    ref, ref_sr = sf.read(tmp_path / "ref.wav", dtype="float32")
    assert wav.dtype == np.float32 and sr == ref_sr == 16000
    np.testing.assert_array_equal(wav, ref)


@needs_festival
def test_festival_voice_reads_its_charset(tmp_path: Path) -> None:
    text = "È stato il concerto più bello della mia vita!"
    wav, sr = say("festival", "lp_diphone", text, encoding="latin-1")
    (tmp_path / "in.txt").write_bytes(text.encode("latin-1"))
    subprocess.run(["text2wave", "-eval", "(voice_lp_diphone)", str(tmp_path / "in.txt"), "-o", str(tmp_path / "ref.wav")],
                   check=True, capture_output=True)
    ref, ref_sr = sf.read(tmp_path / "ref.wav", dtype="float32")
    assert sr == ref_sr
    np.testing.assert_array_equal(wav, ref)
    with pytest.raises(SynthesisError, match="reads latin-1 text; 'ę' cannot be written in it"):
        say("festival", "lp_diphone", "Dziękuję, było miło", encoding="latin-1")


def test_missing_voices_and_other_engines_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="unknown system engine 'espeak'; choose flite, festival"):
        say("espeak", "en-us", "hello")
    if shutil.which("flite") is not None:
        with pytest.raises(VoiceUnavailableError, match="flite lacks voice 'nobody': `sudo apt-get install flite`"):
            say("flite", "nobody", "hello")
    if shutil.which("festival") is not None:
        # Missing voices are a BackendUnavailableError like any missing program.
        with pytest.raises(BackendUnavailableError, match="festival voice nobody_diphone is not installed"):
            say("festival", "nobody_diphone", "hello")
