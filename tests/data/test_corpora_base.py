"""The shared pieces: audio probe, corpus view, slot and split parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from speech.data.corpora import probe_audio
from speech.data.corpora.base import corpus_view, rebase_recordings, replace_in_view, scan_audio
from speech.data.corpora.css10 import language_of_folder
from speech.data.corpora.esd import split_of
from speech.data.corpora.slurp import parse_slots
from speech.testing.corpora import corrupt, speech_like, write_audio


@pytest.mark.parametrize("suffix", [".wav", ".flac", ".mp3"])
def test_probe(suffix: str, tmp_path: Path) -> None:
    wav = speech_like("a sentence of medium length", 16000)
    good = write_audio(tmp_path / f"good{suffix}", wav, 16000)
    recording, reason = probe_audio(good)
    assert reason is None and recording is not None
    assert recording.sampling_rate == 16000
    assert recording.duration == pytest.approx(wav.size / 16000, abs=0.06)  # MP3 pads a frame
    for kind, expected in [("garbage", "corrupt"), ("empty", "empty: 0 bytes"), ("truncated", ("truncated", "corrupt"))]:
        bad = corrupt(write_audio(tmp_path / f"{kind}{suffix}", wav, 16000), kind)
        recording, reason = probe_audio(bad)
        assert recording is None and reason.startswith(expected), (kind, reason)
    assert probe_audio(tmp_path / f"absent{suffix}") == (None, "missing: listed in the corpus metadata but not on disk")


def test_probe_wav_cut_in_half(tmp_path: Path) -> None:
    path = write_audio(tmp_path / "half.wav", speech_like("some words to say", 22050), 22050)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    recording, reason = probe_audio(path)
    assert recording is None
    assert reason.startswith(f"truncated: header declares {len(data) - 44} bytes")


def test_scan_audio_parallel(tmp_path: Path) -> None:
    paths = [write_audio(tmp_path / f"{i}.flac", speech_like("x" * (10 + i), 16000, i), 16000) for i in range(6)]
    corrupt(paths[2], "garbage")
    good, skipped = scan_audio(paths + [paths[0]], num_jobs=3)
    assert sorted(good) == sorted(p for i, p in enumerate(paths) if i != 2)
    assert [s.path for s in skipped] == [paths[2]]


def test_corpus_view_hides_excluded_and_rewrites(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    (root / "a" / "b").mkdir(parents=True)
    (root / "other").mkdir()
    for rel in ["a/meta.txt", "a/b/1.wav", "a/b/2.wav", "other/x.wav", "top.txt"]:
        (root / rel).write_text(rel)
    with corpus_view(root) as same:
        assert same == root  # nothing to hide: no mirror
    with corpus_view(root, exclude=[root / "a/b/2.wav"], include_top=["a"],
                     rewrite=lambda v: replace_in_view(v / "a/meta.txt", "rewritten")) as view:
        assert view != root and view.name == root.name
        files = sorted(str(p.relative_to(view)) for p in view.rglob("*") if p.is_file())
        assert files == ["a/b/1.wav", "a/meta.txt"]
        assert (view / "a/b/1.wav").resolve() == root / "a/b/1.wav"
        assert (view / "a/meta.txt").read_text() == "rewritten"
        kept = view
    assert not kept.exists()
    assert (root / "a/meta.txt").read_text() == "a/meta.txt" and (root / "a/b/2.wav").exists()


def test_rebase_recordings(tmp_path: Path) -> None:
    from lhotse import Recording, RecordingSet

    path = write_audio(tmp_path / "view" / "c" / "u.wav", speech_like("hello", 16000), 16000)
    recs = RecordingSet.from_recordings([Recording.from_file(path)])
    moved = rebase_recordings(recs, tmp_path / "view", tmp_path / "real")
    assert moved[0].sources[0].source == str(tmp_path / "real" / "c" / "u.wav")
    assert recs[0].sources[0].source == str(path)  # the input is not modified


def test_parse_slots() -> None:
    assert parse_slots("wake me up at [time : five am] [date : tomorrow]") == [
        {"type": "time", "filler": "five am"}, {"type": "date", "filler": "tomorrow"}]
    assert parse_slots("how many unread emails do i have") == []
    assert parse_slots("play [song_name : don't stop me now] by [artist_name : queen]")[0]["filler"] == "don't stop me now"


def test_esd_official_split() -> None:
    # In each emotion block of 350: 1-20 evaluation (dev), 21-50 test, 51-350 train.
    assert [split_of(n) for n in (1, 20, 21, 50, 51, 350, 351, 371, 401, 1750)] == [
        "dev", "dev", "test", "test", "train", "train", "dev", "test", "train", "train"]


def test_css10_folder_names() -> None:
    assert [language_of_folder(n) for n in ("german", "de_de", "ZH_CN", "chinese", "ja", "klingon")] == [
        "de", "de", "cmn", "cmn", "ja", None]
