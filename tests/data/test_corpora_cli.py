"""``speech data prepare`` end to end on a fixture."""

from __future__ import annotations

from pathlib import Path

import pytest

from speech.cli import main
from speech.data.manifests import load_manifests
from speech.testing.corpora import corrupt, make_esd, make_vctk


def test_prepare_esd_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fixture = make_esd(tmp_path / "src")
    victim = fixture.utterances["0011_000401"].audio
    corrupt(victim, "empty")
    rc = main(["data", "prepare", "ESD", "--src", str(fixture.root.parent), "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert rc == 0
    assert out.startswith("esd: 7 utterances, 2 speakers, languages cmn, en-us")
    assert f"{victim}: empty: 0 bytes" in out
    recordings, supervisions = load_manifests(tmp_path / "out", "esd", "train")
    assert len(supervisions.to_eager()) == 3
    emotions = sorted((s.speaker, s.custom["emotion"]) for s in supervisions)
    assert emotions == [("esd_0001", "angry"), ("esd_0001", "neutral"), ("esd_0011", "neutral")]


def test_prepare_with_corpus_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fixture = make_vctk(tmp_path / "src")
    rc = main(["data", "prepare", "vctk", "--src", str(fixture.root), "--out", str(tmp_path / "out"), "--mic", "mic1"])
    assert rc == 0
    _, supervisions = load_manifests(tmp_path / "out", "vctk", "all")
    assert {s.id[-4:] for s in supervisions} == {"mic1"}
    assert "vctk: 6 utterances, 3 speakers" in capsys.readouterr().out


def test_unknown_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["data", "prepare", "slrup", "--src", str(tmp_path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == 2
    assert "unknown corpus 'slrup'. Did you mean: slurp" in err and "ljspeech, vctk" in err


def test_option_for_another_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["data", "prepare", "esd", "--src", str(tmp_path), "--out", str(tmp_path / "o"), "--mic", "mic1"])
    assert rc == 2
    assert "esd does not take mic" in capsys.readouterr().err


def test_missing_src(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["data", "prepare", "ljspeech", "--src", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert rc == 2
    assert f"corpus directory not found: {tmp_path / 'nope'}" in capsys.readouterr().err


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "prepare", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [ln.split()[0] for ln in lines] == [
        "ljspeech", "vctk", "libritts_r", "libritts", "mls", "commonvoice", "aishell3", "fsc", "esd", "slurp", "css10",
        "asterisk",
    ]
    assert "lhotse prepare_slu" in next(ln for ln in lines if ln.startswith("fsc"))
