"""The TTS command grammar: ``speech tts {synth,features,package,evaluate,vocoder}``, with
``speech synth`` kept as the short form, and the vocoder's copy-synthesis evaluation end to end."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from lhotse import CutSet

from speech.cli import build_parser, main
from speech.tts.cli import run

TTS_COMMANDS = ("synth", "features", "package", "evaluate", "vocoder")


def _commands(parser_help: str) -> set[str]:
    """The sub-command names of a help text: argparse indents them by 4, their wrapped help by more."""
    return {line.split()[0] for line in parser_help.splitlines() if line[:4] == "    " and line[4:5].strip()}


def test_top_level_has_no_flat_tts_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    names = _commands(capsys.readouterr().out)
    assert {"synth", "tts", "eval"} <= names
    assert not {n for n in names if n.startswith("tts-")} and "vocoder" not in names


def test_tts_group_lists_its_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["tts", "--help"])
    assert _commands(capsys.readouterr().out) == set(TTS_COMMANDS)
    # Without a sub-command the group prints its help and fails like any incomplete command.
    assert main(["tts"]) == 2
    assert "TTS_COMMAND" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["tts", "vocoder", "--help"])
    assert _commands(capsys.readouterr().out) == {"resynth", "cuts", "evaluate", "export"}


@pytest.mark.parametrize("old", ["tts-features", "tts-evaluate", "tts-package", "vocoder"])
def test_the_old_flat_commands_are_gone(old: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([old, "--help"])
    assert exit_.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_synth_and_tts_synth_are_one_command() -> None:
    parser = build_parser()
    options = ["--lang", "es", "--text", "Hola.", "--speaker", "v", "--speed", "1.2", "-o", "x.wav"]
    short = vars(parser.parse_args(["synth", *options]))
    long = vars(parser.parse_args(["tts", "synth", *options]))
    assert short["func"] is run and long["func"] is run
    assert long.pop("tts_command") == "synth" and long["command"] == "tts" and short["command"] == "synth"
    long["command"] = "synth"
    assert short == long


def test_vocoder_evaluate_scores_copy_synthesis(
    flite_cuts: CutSet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cuts = tmp_path / "cuts.jsonl.gz"
    flite_cuts.to_file(cuts)
    out = tmp_path / "scores.json"
    assert main(["tts", "vocoder", "evaluate", "--vocoder", "griffin-lim", "--cuts", str(cuts),
                 "--max-utterances", "2", "--no-dnsmos", "--json", str(out)]) == 0
    assert "griffin-lim" in capsys.readouterr().out
    scores = json.loads(out.read_text(encoding="utf-8"))["griffin-lim"]
    assert scores["utterances"] == 2 and scores["seconds"] > 1.0
    # Griffin-Lim loses the phase: the spectra stay close (a few dB of MCD), the pitch mostly right.
    assert 0.0 < scores["mcd"] < 10.0 and 0.0 < scores["mel_l1"] < 1.0
    assert 0.0 <= scores["gpe"] < 0.5 and 0.0 <= scores["vde"] < 0.5 and scores["rtf"] > 0.0
    assert math.isnan(scores["dnsmos_ovrl"])  # skipped, not made up


def test_vocoder_evaluate_uses_the_shared_metrics(flite_cuts: CutSet) -> None:
    from speech.eval.tts import spectral_metrics
    from speech.tts.vocoder import load_vocoder
    from speech.tts.vocoder.copy_synthesis import evaluate_copy_synthesis

    class Identity:
        """A 'vocoder' that returns the waveform it was given: every copy-synthesis error is 0."""

        def __init__(self, wav: np.ndarray) -> None:
            self.wav = wav
            griffin_lim = load_vocoder("griffin-lim")
            self.audio_config, self.sample_rate = griffin_lim.audio_config, griffin_lim.sample_rate

        def vocode(self, mel: np.ndarray, audio_config: object) -> np.ndarray:
            return self.wav

    rate = load_vocoder("griffin-lim").sample_rate
    wav = next(iter(flite_cuts)).resample(rate).load_audio().mean(0).astype(np.float32)
    scores = evaluate_copy_synthesis(Identity(wav), [wav], dnsmos=False, progress=False)
    assert scores.mcd == spectral_metrics(wav, rate, wav, rate)["mcd"] == 0.0
    assert scores.gpe == 0.0 and scores.vde == 0.0 and scores.mel_l1 == pytest.approx(0.0, abs=1e-6)
