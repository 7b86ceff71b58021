"""Common Voice through lhotse's recipe, which starts a process pool per split (slow to start)."""

from __future__ import annotations

from pathlib import Path

import pytest

from speech.data.corpora import prepare_corpus
from speech.data.corpora.commonvoice import canonical_language
from speech.errors import UnknownLanguageError
from speech.testing.corpora import corrupt, make_commonvoice


@pytest.mark.heavy
def test_commonvoice_old_release_with_a_corrupt_clip(tmp_path: Path) -> None:
    # One run covers: language and split selection, a release without the "variant" column
    # (rewritten in the view), a corrupt clip (hidden in the view), gender mapping.
    fixture = make_commonvoice(tmp_path / "src", old_release=True)
    assert "variant" not in (fixture.root / "en" / "train.tsv").read_text().splitlines()[0]
    wanted = {i: e for i, e in fixture.utterances.items() if e.language == "en-us" and e.split in {"train", "dev"}}
    victim_id = "common_voice_en_1000"
    corrupt(wanted[victim_id].audio, "garbage")
    result = prepare_corpus("commonvoice", fixture.root, tmp_path / "out", languages=["en"], splits=["train", "dev"])

    assert [i.path for i in result.skipped] == [wanted[victim_id].audio]
    assert {n: len(s.supervisions) for n, s in result.splits.items()} == {"train": 1, "dev": 1}
    for split in result.splits.values():
        for sup in split.supervisions:
            expected = wanted[sup.recording_id]
            assert (sup.text, sup.speaker, sup.language, sup.gender, sup.custom["corpus"]) == (
                expected.text, expected.speaker, "en-us", expected.gender, "commonvoice"
            )
            assert Path(split.recordings[sup.recording_id].sources[0].source) == expected.audio
            assert split.recordings[sup.recording_id].sampling_rate == 48000
    genders = {s.gender for split in result.splits.values() for s in split.supervisions}
    assert genders == {"f", None}  # female_feminine, and a client who gave no gender


def test_commonvoice_language_codes() -> None:
    assert canonical_language("en") == "en-us"
    assert canonical_language("zh-CN") == "cmn"
    assert canonical_language("sv-SE") == "sv"
    with pytest.raises(UnknownLanguageError, match="Cantonese"):
        canonical_language("zh-HK")
    with pytest.raises(UnknownLanguageError, match="--languages"):
        canonical_language("kab")
