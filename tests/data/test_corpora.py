"""Each corpus preparation on a tiny copy of the real corpus gives the expected manifests."""

from __future__ import annotations

from pathlib import Path

import pytest
import soundfile as sf
from lhotse.qa import validate_recordings_and_supervisions

from speech.data.corpora import get_corpus, prepare_corpus
from speech.data.corpora.base import PreparedCorpus, skipped_path
from speech.data.manifests import load_manifests, manifest_paths
from speech.testing.corpora import BUILDERS, CorpusFixture, make_css10, make_esd, make_mls, make_slurp, make_vctk

# Common Voice runs lhotse's process pool (a fresh interpreter per split): see test_corpora_commonvoice.py.
FAST = [name for name in BUILDERS if name != "commonvoice"]


def check_against_fixture(result: PreparedCorpus, fixture: CorpusFixture) -> None:
    """Every expectation of the fixture holds in the returned and in the written manifests."""
    assert {name: len(s.supervisions) for name, s in result.splits.items()} == fixture.counts()
    for split, manifests in result.splits.items():
        recordings, supervisions = (m.to_eager() for m in load_manifests(result.out_dir, fixture.corpus, split))
        validate_recordings_and_supervisions(recordings, supervisions)
        assert sorted(s.id for s in supervisions) == sorted(s.id for s in manifests.supervisions)
        for sup in supervisions:
            expected = fixture.utterances[sup.recording_id]
            assert expected.split == split
            assert (sup.text, sup.speaker, sup.language, sup.gender) == (
                expected.text, expected.speaker, expected.language, expected.gender
            )
            assert sup.custom["corpus"] == fixture.corpus
            for key, value in expected.custom.items():
                assert sup.custom[key] == value, (sup.id, key)
            rec = recordings[sup.recording_id]
            assert Path(rec.sources[0].source) == expected.audio
            info = sf.info(str(expected.audio))
            assert rec.sampling_rate == info.samplerate
            assert rec.duration == pytest.approx(info.frames / info.samplerate, abs=1e-3)
            assert sup.start == 0 and sup.duration == pytest.approx(rec.duration, abs=1e-3)
            assert 0.5 < rec.duration < 6.0  # real utterances, not stubs


@pytest.mark.parametrize("name", FAST)
def test_prepare_matches_fixture(name: str, tmp_path: Path) -> None:
    fixture = BUILDERS[name](tmp_path / "src")
    result = prepare_corpus(fixture.corpus, fixture.root, tmp_path / "out", **fixture.options)
    assert result.corpus == get_corpus(name).name
    assert result.skipped == ()
    assert not skipped_path(result.out_dir, fixture.corpus).exists()
    check_against_fixture(result, fixture)
    assert result.speakers == {e.speaker for e in fixture.utterances.values()}
    assert result.languages == {e.language for e in fixture.utterances.values()}
    # Exactly the manifest files, nothing half-written or temporary left next to them.
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == sorted(p.name for split in fixture.counts() for p in manifest_paths(tmp_path / "out", name, split))


def test_prepared_texts_phonemise_without_unknown_symbols(tmp_path: Path) -> None:
    from speech.text import Tokenizer

    tokenizer = Tokenizer()
    for name in FAST:
        fixture = BUILDERS[name](tmp_path / name)
        result = prepare_corpus(fixture.corpus, fixture.root, tmp_path / f"{name}_out", **fixture.options)
        for split in result.splits.values():
            for sup in split.supervisions:
                tokens = tokenizer.encode(sup.text, sup.language)
                assert tokens.unknown == (), (name, sup.text, tokens.unknown)
                assert len(tokens.ids) > len(sup.text) // 4


def test_vctk_mic1(tmp_path: Path) -> None:
    fixture = make_vctk(tmp_path / "src")
    result = prepare_corpus("vctk", fixture.root, tmp_path / "out", mic="mic1")
    ids = {s.recording_id for s in result.splits["all"].supervisions}
    assert ids == {i.replace("_mic2", "_mic1") for i in fixture.utterances}


def test_mls_one_language(tmp_path: Path) -> None:
    fixture = make_mls(tmp_path / "src")
    result = prepare_corpus("mls", fixture.root, tmp_path / "out", languages=["de"])
    assert result.languages == {"de"}
    assert result.num_utterances == sum(e.language == "de" for e in fixture.utterances.values())


def test_mls_opus_release_next_to_flac(tmp_path: Path) -> None:
    flac = make_mls(tmp_path / "src")
    fixture = make_mls(tmp_path / "src", opus=True)
    assert fixture.root == flac.root  # both releases side by side: only the _opus folders are read
    result = prepare_corpus("mls", fixture.root, tmp_path / "out", **fixture.options)
    check_against_fixture(result, fixture)
    assert all(Path(r.sources[0].source).suffix == ".opus" for s in result.splits.values() for r in s.recordings)


def test_libritts_original_release(tmp_path: Path) -> None:
    fixture = BUILDERS["libritts_r"](tmp_path / "src")
    result = prepare_corpus("libritts", fixture.root, tmp_path / "out", parts=["dev-clean"])
    assert list(result.splits) == ["dev-clean"]
    assert result.speakers == {"libritts_84"}
    assert (tmp_path / "out" / "libritts_supervisions_dev-clean.jsonl.gz").is_file()


def test_esd_without_split_folders_uses_official_split(tmp_path: Path) -> None:
    fixture = make_esd(tmp_path / "src", split_folders=False)
    assert not any(p.name in {"train", "evaluation", "test"} for p in fixture.root.rglob("*") if p.is_dir())
    result = prepare_corpus("esd", fixture.root, tmp_path / "out")
    check_against_fixture(result, fixture)
    emotions = {s.custom["emotion"] for split in result.splits.values() for s in split.supervisions}
    assert emotions == {"neutral", "angry"}


def test_slurp_options(tmp_path: Path) -> None:
    fixture = make_slurp(tmp_path / "src")
    result = prepare_corpus("slurp", fixture.root, tmp_path / "out", synthetic=False, headset_only=True)
    assert "train_synthetic" not in result.splits
    kept = {s.recording_id for split in result.splits.values() for s in split.supervisions}
    assert kept == {i for i, e in fixture.utterances.items() if e.custom.get("headset") is True}
    assert kept == {"audio-1501756826-headset", "audio-1490201253-headset", "audio-1434542201-headset"}


def test_slurp_slots(tmp_path: Path) -> None:
    fixture = make_slurp(tmp_path / "src")
    result = prepare_corpus("slurp", fixture.root, tmp_path / "out")
    dev = next(iter(result.splits["dev"].supervisions))
    assert dev.custom["intent"] == {
        "scenario": "qa", "action": "currency", "intent": "qa_currency",
        "slots": [{"type": "currency_name", "filler": "american dollar"},
                  {"type": "currency_name", "filler": "japanese yen"}],
    }


def test_css10_single_language_folder(tmp_path: Path) -> None:
    fixture = make_css10(tmp_path / "src")
    folder = fixture.root / "japanese"
    renamed = folder.rename(fixture.root / "book")  # a name that does not say the language
    result = prepare_corpus("css10", renamed, tmp_path / "out", language="japanese")
    assert result.languages == {"ja"}
    assert [s.text for s in result.splits["all"].supervisions] == ["これは小さな試験です。"]
