"""The SLU study's stages (recipes/templates/pyscripts/slu_study.py): run-directory keys, stratified
training subsets, ASR manifests by language."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from lhotse import CutSet, MonoCut, Recording, RecordingSet, SupervisionSegment, SupervisionSet
from lhotse.audio import AudioSource
from lhotse.utils import fastcopy

from .pyscripts import load_pyscript

slu_study = load_pyscript("slu_study")
RecipeDataError, RunKey, corpus_cuts = slu_study.RecipeDataError, slu_study.RunKey, slu_study.corpus_cuts
percent_label, prepare_asr_cuts, stratified_subset = slu_study.percent_label, slu_study.prepare_asr_cuts, slu_study.stratified_subset

INTENTS = [{"action": a, "object": "lights", "location": "none"} for a in ("activate", "deactivate", "bring")]


def fake_recording(rid: str) -> Recording:
    return Recording(id=rid, sources=[AudioSource(type="file", channels=[0], source=f"/nonexistent/{rid}.wav")],
                     sampling_rate=16000, num_samples=16000, duration=1.0)


def fake_cuts(per_intent: tuple[int, ...] = (50, 30, 1)) -> CutSet:
    cuts = []
    for intent, n in zip(INTENTS, per_intent):
        for i in range(n):
            rid = f"{intent['action']}_{i:03d}"
            sup = SupervisionSegment(id=rid, recording_id=rid, start=0.0, duration=1.0, text="x", language="en-us",
                                     custom={"intent": intent})
            cuts.append(MonoCut(id=rid, start=0.0, duration=1.0, channel=0, supervisions=[sup],
                                recording=fake_recording(rid)))
    return CutSet.from_cuts(cuts)


def test_run_key_round_trip() -> None:
    key = RunKey("asr_cross", 0.01, 3)
    assert key.relpath == "asr_cross/p1/s3"
    assert RunKey.from_relpath("asr_cross/p1/s3") == key
    assert RunKey.from_relpath("scratch/p100/s1").fraction == 1.0
    assert percent_label(0.1) == "10" and percent_label(0.005) == "0.5"
    with pytest.raises(RecipeDataError, match="<variant>/p<percent>/s<seed>"):
        RunKey.from_relpath("scratch/100/s1")


def test_stratified_subset_keeps_every_intent_and_the_share() -> None:
    cuts = fake_cuts()
    sub = stratified_subset(cuts, 0.1, seed=1)
    counts = Counter(c.supervisions[0].custom["intent"]["action"] for c in sub)
    assert counts == {"activate": 5, "deactivate": 3, "bring": 1}  # the rare intent survives
    again = stratified_subset(fake_cuts(), 0.1, seed=1)
    assert sorted(c.id for c in sub) == sorted(c.id for c in again)  # reproducible
    other = stratified_subset(cuts, 0.1, seed=2)
    assert sorted(c.id for c in sub) != sorted(c.id for c in other)  # the seed draws another subset
    assert len(stratified_subset(cuts, 1.0, seed=1)) == len(cuts)
    with pytest.raises(RecipeDataError, match="fraction"):
        stratified_subset(cuts, 0.0, seed=1)


def write_corpus(directory: Path, corpus: str, split: str, langs: list[str]) -> None:
    recs = [fake_recording(f"{corpus}_{lang}_{i}") for lang in langs for i in range(2)]
    sups = [SupervisionSegment(id=r.id, recording_id=r.id, start=0.0, duration=1.0, text="hello",
                               language=r.id.split("_")[-2]) for r in recs]
    RecordingSet.from_recordings(recs).to_file(directory / f"{corpus}_recordings_{split}.jsonl.gz")
    SupervisionSet.from_segments(sups).to_file(directory / f"{corpus}_supervisions_{split}.jsonl.gz")


def test_asr_cuts_filter_languages_over_corpora(tmp_path: Path) -> None:
    write_corpus(tmp_path, "asrc", "train", ["en-us", "de", "fr"])
    write_corpus(tmp_path, "ttsc", "train", ["en-us", "it"])
    assert len(corpus_cuts(tmp_path, "asrc", "train", ["de"])) == 2
    sources = [(tmp_path, "asrc"), (tmp_path, "ttsc")]
    assert prepare_asr_cuts(sources, "train", tmp_path / "same.jsonl.gz", languages=["en-us"]) == 4
    assert prepare_asr_cuts(sources, "train", tmp_path / "cross.jsonl.gz", exclude=["en-us"]) == 6
    langs = {c.supervisions[0].language for c in CutSet.from_file(tmp_path / "cross.jsonl.gz")}
    assert langs == {"de", "fr", "it"}
    with pytest.raises(RecipeDataError, match="no train ASR utterances"):
        prepare_asr_cuts(sources, "train", tmp_path / "none.jsonl.gz", languages=["ja"])
    with pytest.raises(RecipeDataError, match="manifest not found"):
        corpus_cuts(tmp_path, "asrc", "dev")


def _write_slu_split(directory: Path, split: str, cuts: CutSet, speaker: str) -> None:
    recs = [c.recording for c in cuts]
    sups = [fastcopy(c.supervisions[0], speaker=speaker) for c in cuts]
    RecordingSet.from_recordings(recs).to_file(directory / f"bootstrap_slu_recordings_{split}.jsonl.gz")
    SupervisionSet.from_segments(sups).to_file(directory / f"bootstrap_slu_supervisions_{split}.jsonl.gz")


def test_prepare_writes_the_heldout_phrasing_split_when_the_corpus_has_it(tmp_path: Path) -> None:
    prepare_slu_data = slu_study.prepare_slu_data
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for split, n in (("train", (6, 6, 6)), ("dev", (2, 2, 2)), ("test", (2, 2, 2))):
        _write_slu_split(corpus, split, fake_cuts(n), f"{split}_spk")
    paths = prepare_slu_data(corpus, tmp_path / "without", "en-us", [1.0], [1])
    assert not paths.cuts("test_phrasing").exists()
    _write_slu_split(corpus, "test_phrasing", fake_cuts((1, 2, 3)), "test_spk")
    paths = prepare_slu_data(corpus, tmp_path / "with", "en-us", [1.0], [1])
    phrasing = CutSet.from_file(paths.cuts("test_phrasing"))
    assert len(phrasing) == 6 and {c.supervisions[0].speaker for c in phrasing} == {"test_spk"}
    assert len(CutSet.from_file(paths.cuts("train"))) == 18


def test_command_line_writes_asr_cuts_and_refuses_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    write_corpus(tmp_path, "asrc", "train", ["en-us", "de"])
    out = tmp_path / "de.jsonl.gz"
    assert slu_study.main(["asr-cuts", "--source", f"{tmp_path}:asrc", "--languages", "de", "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"{out}: 2 utterances"
    assert {c.supervisions[0].language for c in CutSet.from_file(out)} == {"de"}
    # Errors raised on purpose: one line on stderr, exit status 2.
    assert slu_study.main(["asr-cuts", "--source", f"{tmp_path}:asrc", "--languages", "ja", "-o",
                           str(tmp_path / "ja.jsonl.gz")]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"slu_study asr-cuts: error: no train ASR utterances (languages ['ja'], excluding []) in [('{tmp_path}', 'asrc')]"]
    assert slu_study.main(["evaluate", "--runs", str(tmp_path / "runs"), "--cuts", f"test={out}"]) == 2
    assert "slu_study evaluate: error: no trained SLU run" in capsys.readouterr().err
    # Malformed option values: argparse's usage error, exit status 2.
    for argv, message in ((["asr-cuts", "--source", str(tmp_path), "-o", str(out)], "must look like DIR:PREFIX"),
                          (["evaluate", "--runs", str(tmp_path), "--cuts", "test"], "must look like NAME=MANIFEST")):
        with pytest.raises(SystemExit) as e:
            slu_study.main(argv)
        assert e.value.code == 2 and message in capsys.readouterr().err
