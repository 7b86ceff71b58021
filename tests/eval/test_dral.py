"""DRAL corpus reader (on a fixture in the released layout) and Avila & Ward's baselines."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from speech.audio.io import load_audio, save_audio
from speech.cli import main
from speech.eval.dral import dral_material, dral_pairs, parse_duration, read_dral
from speech.eval.errors import InputFormatError, MismatchError
from speech.eval.prosody_baselines import evaluate_baselines, fit_linear, split_groups
from speech.eval.reference_clips import Voice, synthesize

from .conftest import pitch_shift

EN_TEXTS = (
    "Hello, how are you doing today?",
    "I think we should leave a bit earlier.",
    "Did you see the game last night?",
    "No, I was working until midnight.",
    "That sounds exhausting, honestly.",
    "Let us meet at the library on Monday.",
)
COLUMNS = ["id", "participant_id", "participant_id_unique", "lang_code", "conv_id",
           "original_or_reenacted", "time_start", "time_end", "duration", "trans_id"]


def _td(seconds: float) -> str:
    whole = int(seconds)
    return f"0 days 00:00:{whole:02d}.{int(round((seconds - whole) * 1e6)):06d}"


@pytest.fixture(scope="module")
def dral_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3-conversation DRAL release: EN originals by two participants, ES re-enactments that
    are the same speech pitch-shifted up by 15 % (a known cross-language prosody mapping)."""
    root = tmp_path_factory.mktemp("dral")
    frag_dir = root / "fragments-short"
    voices = {"1": Voice("slt", "flite", "en-us"), "2": Voice("awb", "flite", "en-us")}
    rows = []
    for conv in (1, 2, 3):
        for j, text in enumerate(EN_TEXTS):
            participant = "1" if j % 2 == 0 else "2"
            n = (conv - 1) * len(EN_TEXTS) + j + 1
            en_id, es_id = f"EN_{conv:03d}_{n}", f"ES_{conv:03d}_{n}"
            tmp = synthesize(voices[participant], text, root / "tmp.wav")
            wav, sr = load_audio(tmp)
            save_audio(frag_dir / f"{en_id}.wav", wav, sr)
            save_audio(frag_dir / f"{es_id}.wav", pitch_shift(wav, sr, 1.15), sr)
            dur = len(wav) / sr
            for fid, lang, og, trans in ((en_id, "EN", "OG", es_id), (es_id, "ES", "RE", en_id)):
                rows.append({"id": fid, "participant_id": participant, "participant_id_unique": participant,
                             "lang_code": lang, "conv_id": f"{lang}_{conv:03d}", "original_or_reenacted": og,
                             "time_start": _td(1.0), "time_end": _td(1.0 + dur), "duration": _td(dur),
                             "trans_id": trans})
    # One pair too short for prosody features: listed but must be skipped.
    rows.append({**rows[0], "id": "EN_001_99", "duration": _td(0.3), "trans_id": "ES_001_99"})
    rows.append({**rows[1], "id": "ES_001_99", "duration": _td(0.3), "trans_id": "EN_001_99"})
    (root / "tmp.wav").unlink()
    with (root / "fragments-short.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return root


def test_parse_duration() -> None:
    assert parse_duration("0 days 00:00:06.310000") == pytest.approx(6.31)
    assert parse_duration("0 days 00:01:00") == 60.0
    assert parse_duration("1.5") == 1.5
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("soon")


def test_reader_builds_pairs_speakers_and_languages(dral_root: Path) -> None:
    frags = read_dral(dral_root)
    assert len(frags) == 38
    en = frags["EN_002_8"]
    assert en.lang_code == "EN" and en.trans_id == "ES_002_8" and en.original_or_reenacted == "OG"
    assert en.path == dral_root / "fragments-short" / "EN_002_8.wav" and en.path.is_file()
    pairs = dral_pairs(frags)
    assert len(pairs) == 18  # the 0.3 s pair is left out
    p = next(x for x in pairs if x.source.id == "EN_002_8")
    assert (p.source.language, p.target.language) == ("en-us", "es")
    assert (p.source.speaker, p.target.speaker) == ("dral_2_en", "dral_2_es")
    assert p.group == "002"
    reverse = dral_pairs(frags, source_lang="ES")
    assert all(x.source.language == "es" for x in reverse)
    assert len(dral_material(frags)) == 36


def test_reader_errors_name_the_problem(tmp_path: Path, dral_root: Path) -> None:
    with pytest.raises(FileNotFoundError, match="fragments-short.csv"):
        read_dral(tmp_path)
    (tmp_path / "fragments-short.csv").write_text("id,lang_code\nEN_001_1,EN\n")
    with pytest.raises(InputFormatError, match="missing columns participant_id_unique"):
        read_dral(tmp_path)
    frags = read_dral(dral_root)
    del frags["ES_003_13"]
    with pytest.raises(MismatchError, match="EN_003_13: its translation ES_003_13 is missing"):
        dral_pairs(frags)


def test_linear_fit_recovers_a_linear_map() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 20))
    w = rng.normal(size=(20, 5))
    y = x @ w + 3.0
    m = fit_linear(x, y)
    np.testing.assert_allclose(m(x[:10]), y[:10], atol=1e-8)


def test_split_groups_keeps_groups_together_and_is_stable() -> None:
    groups = [f"c{i // 4}" for i in range(40)]
    mask = split_groups(groups, 0.25, seed=3)
    assert 0 < mask.sum() < 40
    for g in set(groups):
        assert len({bool(m) for m, gg in zip(mask, groups) if gg == g}) == 1
    assert np.array_equal(mask, split_groups(list(groups), 0.25, seed=3))


def test_baselines_on_a_known_mapping() -> None:
    rng = np.random.default_rng(0)
    src = rng.normal(size=(200, 100))
    tgt = 2.0 * src + 0.1 * rng.normal(size=(200, 100)) + 5.0
    mask = split_groups([str(i // 5) for i in range(200)], 0.2)
    scores = evaluate_baselines(src, tgt, mask)
    # Standardisation removes the scale and offset, so copying the source is nearly perfect,
    # the regression learns it too, and the mean predicts nothing.
    assert scores["copy"] < 1.0 and scores["linear"] < 3.0
    assert scores["mean"] > 8.0


def test_cli_on_dral_with_baselines(dral_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "dral.json"
    rc = main(["eval", "prosody", "--dral", str(dral_root), "--baselines", "--test-fraction", "0.34",
               "--json", str(out), "--csv", str(tmp_path / "dral.csv")])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "mean distance" in printed and "baselines" in printed
    import json

    payload = json.loads(out.read_text())
    assert payload["summary"]["pairs"] == 18
    scores = payload["baselines"]["scores"]
    assert set(scores) == {"copy", "mean", "linear"}
    # ES is EN shifted up 15 %: after per-language standardisation copying is close.
    assert scores["copy"] < scores["mean"]
    assert (tmp_path / "dral.csv").read_text().count("\n") == 19
