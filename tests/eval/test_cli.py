"""`speech eval prosody` and `speech eval prosody-fit` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from speech.audio.io import load_audio
from speech.cli import main
from speech.eval.prosody_stats import ProsodyStats

from .conftest import pitch_shift


def test_prosody_one_pair_with_speaker_clips_json_csv_plot(
    voices_dir: Path, write_wav, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wav, sr = load_audio(voices_dir / "slt_0.wav")
    target = write_wav(pitch_shift(wav, sr, 1.25), sr, "high.wav")
    clips = [str(voices_dir / f"slt_{i}.wav") for i in range(4)]
    out = tmp_path / "out"
    rc = main(["eval", "prosody", str(voices_dir / "slt_0.wav"), str(target),
               "--source-language", "en", "--target-language", "en-US",
               "--source-speaker-clips", *clips, "--target-speaker-clips", *clips,
               "--json", str(out / "p.json"), "--csv", str(out / "p.csv"), "--plot", str(out / "p.png")])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "mean distance" in printed and "th" in printed
    payload = json.loads((out / "p.json").read_text())
    pair = payload["pairs"][0]
    assert pair["source_language"] == "en-us" and len(pair["z_source"]) == 100
    shares = pair["feature_shares"]
    # A pitch shift is mostly pitch height: th, and pd, which the toolkit builds from pitch
    # percentiles (ppeakness grows with their cube), so higher pitch raises it most of all.
    assert shares["th"] + shares["tl"] + shares["pd"] > 0.8 and shares["th"] > shares["tl"]
    assert payload["summary"]["mean_distance"] == pytest.approx(pair["distance"])
    assert (out / "p.png").stat().st_size > 10_000
    header = (out / "p.csv").read_text().splitlines()[0]
    assert "distance" in header and "share_th" in header


def test_prosody_pairs_file_and_errors(voices_dir: Path, write_wav, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(
        "id,source,target,source_speaker,target_speaker,source_language,target_language\n"
        f"p1,{voices_dir / 'slt_0.wav'},{voices_dir / 'awb_0.wav'},slt,awb,en,en\n"
        f"p2,{voices_dir / 'slt_1.wav'},{voices_dir / 'awb_1.wav'},slt,awb,en,en\n"
        f"p3,{voices_dir / 'slt_1.wav'},{voices_dir / 'slt_1.wav'},slt,slt,en,en\n"
    )
    assert main(["eval", "prosody", "--pairs", str(pairs), "--json", str(tmp_path / "r.json")]) == 0
    rows = {r["id"]: r for r in json.loads((tmp_path / "r.json").read_text())["pairs"]}
    assert rows["p3"]["distance"] == 0.0 and rows["p1"]["distance"] > 1.0

    wav, sr = load_audio(voices_dir / "slt_0.wav")
    short = write_wav(wav[: int(0.3 * sr)], sr, "short.wav")
    assert main(["eval", "prosody", str(short), str(voices_dir / "slt_0.wav")]) == 2
    assert f"{short}: 300 ms is too short" in capsys.readouterr().err
    assert main(["eval", "prosody", str(tmp_path / "nope.wav"), str(short)]) == 2
    assert "nope.wav" in capsys.readouterr().err
    assert main(["eval", "prosody", str(voices_dir / "slt_0.wav"), str(voices_dir / "slt_1.wav"),
                 "--source-language", "ko"]) == 2
    assert "no prosody statistics for language 'ko'" in capsys.readouterr().err


def test_prosody_fit_from_a_list(voices_dir: Path, tmp_path: Path) -> None:
    lst = tmp_path / "ref.csv"
    lines = ["path,speaker,language"]
    for voice in ("slt", "awb", "rms"):
        lines += [f"{voices_dir / f'{voice}_{i}.wav'},{voice},en" for i in range(4)]
    lst.write_text("\n".join(lines) + "\n")
    out = tmp_path / "stats.json"
    assert main(["eval", "prosody-fit", "--list", str(lst), "-o", str(out)]) == 0
    stats = ProsodyStats.load(out)
    assert stats.get("en-us").count == 12 and stats.tracker == "rapt"  # the default: the shipped statistics' tracker
    assert np.all(stats.get(None).std > 0)
    # The fitted statistics are usable right away.
    assert main(["eval", "prosody", str(voices_dir / "slt_0.wav"), str(voices_dir / "awb_0.wav"),
                 "--source-language", "en", "--target-language", "en", "--stats", str(out)]) == 0
