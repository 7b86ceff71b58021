"""Bad corpora: corrupt, empty, truncated and missing audio are skipped and reported; bad input fails
clearly; a failed run writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from speech.data.corpora import (
    CorpusFormatError,
    CorpusNotFoundError,
    CorpusOptionError,
    UnknownCorpusError,
    get_corpus,
    list_corpora,
    prepare_corpus,
)
from speech.data.corpora.base import skipped_path
from speech.errors import SpeechError
from speech.testing.corpora import BUILDERS, CorpusFixture, Expected, corrupt, make_ljspeech, make_mls

# (corpus, damage): every corpus with the damage that is most common for its audio format, and
# every damage on at least one lhotse-wrapped and one own-parser corpus.
DAMAGE = [
    ("ljspeech", "garbage"), ("ljspeech", "empty"), ("ljspeech", "truncated"),
    ("vctk", "truncated"), ("libritts_r", "garbage"), ("mls", "truncated"), ("aishell3", "empty"),
    ("fsc", "garbage"), ("esd", "truncated"), ("slurp", "empty"), ("css10", "garbage"),
]


def part_size(fixture: CorpusFixture, utterance: Expected) -> int:
    """Utterances in the same split and language as ``utterance``."""
    return sum((e.split, e.language) == (utterance.split, utterance.language) for e in fixture.utterances.values())


@pytest.mark.parametrize(("name", "kind"), DAMAGE)
def test_damaged_audio_is_skipped_counted_and_reported(name: str, kind: str, tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    fixture = BUILDERS[name](tmp_path / "src")
    # A part (split of one language) must keep an utterance: an unusable part is an error (tested below).
    victim_id, victim = next((i, e) for i, e in sorted(fixture.utterances.items()) if part_size(fixture, e) > 1)
    corrupt(victim.audio, kind)
    result = prepare_corpus(fixture.corpus, fixture.root, tmp_path / "out", **fixture.options)

    kept = {s.recording_id for split in result.splits.values() for s in split.supervisions}
    assert kept == set(fixture.utterances) - {victim_id}
    assert [item.path for item in result.skipped] == [victim.audio]
    expected_reason = {"garbage": "corrupt", "empty": "empty", "truncated": ("truncated", "corrupt")}[kind]
    assert result.skipped[0].reason.startswith(expected_reason)
    # Reported: in the log, in the summary and in <corpus>_skipped.tsv.
    assert str(victim.audio) in caplog.text
    assert "skipped 1 unusable" in result.summary() and str(victim.audio) in result.summary()
    listed = skipped_path(result.out_dir, fixture.corpus).read_text().splitlines()
    assert listed[0] == "path\treason" and listed[1].startswith(f"{victim.audio}\t")


@pytest.mark.parametrize("name", ["ljspeech", "fsc", "mls", "aishell3"])
def test_missing_listed_audio_is_skipped(name: str, tmp_path: Path) -> None:
    fixture = BUILDERS[name](tmp_path / "src")
    victim = next(e for _, e in sorted(fixture.utterances.items()) if part_size(fixture, e) > 1)
    victim.audio.unlink()
    result = prepare_corpus(fixture.corpus, fixture.root, tmp_path / "out")
    assert result.num_utterances == len(fixture.utterances) - 1
    assert [(i.path, i.reason.split(":")[0]) for i in result.skipped] == [(victim.audio, "missing")]


@pytest.mark.parametrize(("name", "part"), [("libritts_r", "test-clean"), ("mls", "mls_polish/dev"),
                                             ("fsc", "data/test_data.csv"), ("aishell3", "test")])
def test_part_without_usable_audio_is_a_clear_error(name: str, part: str, tmp_path: Path) -> None:
    fixture = BUILDERS[name](tmp_path / "src")
    split = {"mls_polish/dev": "dev", "data/test_data.csv": "test"}.get(part, part)
    for expected in fixture.utterances.values():
        if expected.split == split and (name != "mls" or expected.language == "pl"):
            corrupt(expected.audio, "garbage")
    with pytest.raises(CorpusFormatError, match=f"no usable audio in {part} \\(1 files skipped in all\\)"):
        prepare_corpus(name, fixture.root, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_view_leaves_the_corpus_untouched(tmp_path: Path) -> None:
    fixture = make_mls(tmp_path / "src")
    before = {p: p.read_bytes() for p in fixture.root.rglob("*") if p.is_file()}
    victim = next(iter(fixture.utterances.values())).audio
    corrupt(victim, "garbage")
    before[victim] = victim.read_bytes()
    result = prepare_corpus("mls", fixture.root, tmp_path / "out")
    assert result.num_utterances == len(fixture.utterances) - 1
    assert {p: p.read_bytes() for p in fixture.root.rglob("*") if p.is_file()} == before
    # Recordings point into the real corpus, not into the temporary view lhotse read.
    sources = {Path(r.sources[0].source) for s in result.splits.values() for r in s.recordings}
    assert sources == {e.audio for e in fixture.utterances.values()} - {victim}


def test_unknown_corpus_lists_close_matches_and_all_corpora(tmp_path: Path) -> None:
    with pytest.raises(UnknownCorpusError) as err:
        prepare_corpus("ljspech", tmp_path, tmp_path / "out")
    message = str(err.value)
    assert "Did you mean: ljspeech?" in message
    assert all(info.name in message for info in list_corpora())
    assert isinstance(err.value, SpeechError) and isinstance(err.value, ValueError)
    with pytest.raises(UnknownCorpusError, match="Known corpora"):
        get_corpus("timit")


def test_aliases_resolve() -> None:
    assert get_corpus("LibriTTS-R").name == "libritts_r"
    assert get_corpus("cv").name == "commonvoice"
    assert get_corpus("Fluent-Speech-Commands").name == "fsc"


def test_option_the_corpus_does_not_take(tmp_path: Path) -> None:
    with pytest.raises(CorpusOptionError, match="ljspeech does not take mic"):
        prepare_corpus("ljspeech", tmp_path, tmp_path / "out", mic="mic1")
    fixture = make_ljspeech(tmp_path / "src")
    with pytest.raises(CorpusOptionError, match="mic1, mic2"):
        prepare_corpus("vctk", fixture.root, tmp_path / "out", mic="mic3")


@pytest.mark.parametrize("name", [info.name for info in list_corpora()])
def test_missing_corpus_directory_names_the_path(name: str, tmp_path: Path) -> None:
    missing = tmp_path / "not-downloaded"
    with pytest.raises(CorpusNotFoundError) as err:
        prepare_corpus(name, missing, tmp_path / "out")
    assert str(missing) in str(err.value) and "expected" in str(err.value)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("name", "relative"), [
    ("ljspeech", "metadata.csv"), ("vctk", "speaker-info.txt"), ("mls", "mls_german/dev/transcripts.txt"),
    ("aishell3", "test/content.txt"), ("fsc", "data/valid_data.csv"), ("esd", "0011/0011.txt"),
    ("slurp", "dataset/slurp/devel.jsonl"), ("css10", "german/transcript.txt"),
])
def test_missing_metadata_file_is_named(name: str, relative: str, tmp_path: Path) -> None:
    fixture = BUILDERS[name](tmp_path / "src")
    (fixture.root / relative).unlink()
    if name == "css10":  # without transcript.txt, german/ is not a CSS10 folder: only japanese/ is left
        result = prepare_corpus(name, fixture.root, tmp_path / "out")
        assert result.languages == {"ja"}
        return
    with pytest.raises(CorpusNotFoundError) as err:
        prepare_corpus(name, fixture.root, tmp_path / "out")
    assert Path(relative).name in str(err.value)
    assert not (tmp_path / "out").exists()


def test_malformed_metadata_line_is_reported_not_fatal(tmp_path: Path) -> None:
    fixture = BUILDERS["esd"](tmp_path / "src")
    transcripts = fixture.root / "0011" / "0011.txt"
    transcripts.write_text(transcripts.read_text(encoding="utf-8") + "this line has no tabs\n", encoding="utf-8")
    result = prepare_corpus("esd", fixture.root, tmp_path / "out")
    assert result.num_utterances == len(fixture.utterances)
    assert [(i.path, i.reason[:7]) for i in result.skipped] == [(transcripts, "line 5:")]


def test_malformed_metadata_for_a_lhotse_recipe_is_a_clear_error(tmp_path: Path) -> None:
    fixture = make_ljspeech(tmp_path / "src")
    metadata = fixture.root / "metadata.csv"
    metadata.write_text(metadata.read_text() + "LJ009-0001 without separators\n")
    with pytest.raises(CorpusFormatError, match="prepare_ljspeech could not parse"):
        prepare_corpus("ljspeech", fixture.root, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_failed_run_keeps_earlier_manifests(tmp_path: Path) -> None:
    fixture = make_ljspeech(tmp_path / "src")
    out = tmp_path / "out"
    prepare_corpus("ljspeech", fixture.root, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    for expected in fixture.utterances.values():
        corrupt(expected.audio, "garbage")
    with pytest.raises(CorpusFormatError, match="no usable utterances found \\(3 files skipped\\)"):
        prepare_corpus("ljspeech", fixture.root, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
