"""A small real bootstrap TTS build (English, Spanish, Italian: flite, festival and espeak-ng
voices, three sentences per voice) and what it must satisfy."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from speech.audio.io import load_audio
from speech.audio.loudness import loudness_lufs
from speech.data.bootstrap import functional as F
from speech.data.bootstrap.errors import OutputDirError, SynthesisError
from speech.data.bootstrap.sentences import load_sentences
from speech.data.bootstrap.tts import CORPUS, TTSBootstrapConfig, build_tts_corpus
from speech.data.bootstrap.voices import HELDOUT_VOICES, TTS_VOICES
from speech.data.manifests import EMOTIONS, load_manifests

pytestmark = pytest.mark.heavy

LANGS = ["en", "es", "it"]
SPLITS = ("train", "dev", "test", "heldout")


def _config(out: Path, **kw) -> TTSBootstrapConfig:
    base = dict(out_dir=str(out), teacher="system", langs=LANGS, size="small", seed=0, workers=1,
                progress=False)
    return TTSBootstrapConfig(**{**base, **kw})


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("bootstrap_tts")
    report = build_tts_corpus(_config(out))
    manifests = {split: load_manifests(out, CORPUS, split) for split in SPLITS}
    return out, report, manifests


def test_build_report_and_counts(built):
    out, report, manifests = built
    voices = [v for lang in ("en-us", "es", "it") for v in TTS_VOICES[lang]]
    training = [v for v in voices if v.id not in HELDOUT_VOICES]
    assert report.rendered == report.total == 3 * len(training) + 2 * (len(voices) - len(training))
    assert report.counts == {s: len(manifests[s][1]) for s in SPLITS}
    assert report.counts["dev"] == report.counts["test"] == len(training)
    info = json.loads((out / f"{CORPUS}_info.json").read_text())
    assert {v["id"] for v in info["voices"]} == {v.id for v in voices}
    assert info["sample_rate"] == 22050 and info["counts"] == report.counts


def test_audio_is_valid(built):
    _, _, manifests = built
    for split in SPLITS:
        recordings, supervisions = manifests[split]
        by_id = {r.id: r for r in recordings}
        for sup in supervisions:
            rec = by_id[sup.recording_id]
            wav, sr = load_audio(rec.sources[0].source)
            assert sr == rec.sampling_rate == 22050
            assert wav.size == rec.num_samples
            assert np.sqrt(np.mean(wav ** 2)) > 0.01, sup.id  # not silent
            assert np.max(np.abs(wav)) <= 0.951
            # duration matches the text: 4..30 characters per second of speech
            cps = len(sup.text) / rec.duration
            assert 4.0 < cps < 30.0, (sup.id, sup.text, rec.duration)
            # loudness normalised to -20 LUFS plus the style's gain (peak limiting may lower it)
            target = F.TARGET_LOUDNESS_LUFS + sup.custom["style"]["gain_db"]
            assert target - 8.0 < loudness_lufs(wav, sr) < target + 1.0, sup.id


def test_manifests_follow_the_convention(built):
    from lhotse.qa import validate_recordings_and_supervisions

    _, _, manifests = built
    voice_of = {v.id: v for vs in TTS_VOICES.values() for v in vs}
    emotions = set()
    for split in SPLITS:
        recordings, supervisions = manifests[split]
        validate_recordings_and_supervisions(recordings, supervisions)
        for sup in supervisions:
            voice = voice_of[sup.custom["voice"]]
            assert sup.language == voice.language  # every voice speaks only its own language
            assert sup.speaker == voice.speaker == f"bootstrap_{voice.id}"
            assert sup.gender == voice.gender
            assert sup.custom["emotion"] in EMOTIONS and sup.custom["emotion_synthetic"] is True
            assert sup.custom["corpus"] == CORPUS
            assert sup.text in load_sentences(sup.language)
            assert (voice.id in HELDOUT_VOICES) == (split == "heldout")
            emotions.add(sup.custom["emotion"])
    assert emotions == set(EMOTIONS)


def test_splits_are_disjoint_by_sentence_and_by_heldout_voice(built):
    _, _, manifests = built
    texts = {s: {sup.text for sup in manifests[s][1]} for s in ("train", "dev", "test")}
    assert not texts["train"] & texts["dev"]
    assert not texts["train"] & texts["test"]
    assert not texts["dev"] & texts["test"]
    speakers = defaultdict(set)
    for split in SPLITS:
        speakers[split] = {sup.speaker for sup in manifests[split][1]}
    assert not speakers["heldout"] & (speakers["train"] | speakers["dev"] | speakers["test"])
    assert len(speakers["heldout"]) == len(LANGS)
    per_lang = defaultdict(set)
    for sup in manifests["train"][1]:
        per_lang[sup.language].add(sup.speaker)
    assert len(per_lang["en-us"]) >= 3 and all(len(v) >= 2 for v in per_lang.values())


def test_rerun_resumes(built):
    out, report, manifests = built
    again = build_tts_corpus(_config(out))
    assert again.rendered == 0 and again.skipped == report.total
    victim = Path(next(iter(manifests["dev"][0])).sources[0].source)
    victim.unlink()
    third = build_tts_corpus(_config(out))
    assert third.rendered == 1 and victim.is_file()
    assert third.counts == report.counts


def test_other_seed_is_refused(built):
    out, _, _ = built
    with pytest.raises(OutputDirError, match="seed: 0 -> 5"):
        build_tts_corpus(_config(out, seed=5))


def test_same_seed_same_corpus(tmp_path):
    a = build_tts_corpus(_config(tmp_path / "a", langs=["es"], sentences_per_voice=1, heldout_sentences=1))
    b = build_tts_corpus(_config(tmp_path / "b", langs=["es"], sentences_per_voice=1, heldout_sentences=1))
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.wav"))
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.wav"))
    assert files_a == files_b and len(files_a) == a.total == b.total
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()


def test_failure_leaves_no_half_written_output(tmp_path, monkeypatch):
    import speech.data.bootstrap.synthesis as synthesis

    real = synthesis.finish_audio
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            from speech.errors import AudioError

            raise AudioError("simulated failure")
        return real(*args, **kwargs)

    monkeypatch.setattr(synthesis, "finish_audio", flaky)
    out = tmp_path / "broken"
    with pytest.raises(SynthesisError, match="simulated failure"):
        build_tts_corpus(_config(out, langs=["es"], sentences_per_voice=1, heldout_sentences=1))
    wavs = list(out.rglob("*.wav"))
    assert len(wavs) == 1 and load_audio(wavs[0])[0].size > 0  # the finished one is whole
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]  # no temp files
    assert not list(out.glob("*.jsonl.gz"))  # no manifests for an unfinished build
    monkeypatch.setattr(synthesis, "finish_audio", real)
    report = build_tts_corpus(_config(out, langs=["es"], sentences_per_voice=1, heldout_sentences=1))
    assert report.skipped == 1 and report.rendered == report.total - 1


def test_cli(tmp_path, capsys):
    from speech.cli import main

    assert main(["data", "bootstrap-tts", "--out", str(tmp_path / "x"), "--langs", "xx"]) == 2
    assert "unknown language 'xx'" in capsys.readouterr().err
    assert main(["data", "bootstrap-tts"]) == 2
    assert "--out DIR is required" in capsys.readouterr().err
    assert main(["data", "bootstrap-tts", "--list-voices", "--teacher", "system"]) == 0
    listed = capsys.readouterr().out
    assert all(v.id in listed for vs in TTS_VOICES.values() for v in vs)
    assert main(["data", "bootstrap-tts", "--out", str(tmp_path / "y"), "--langs", "es", "--teacher", "system",
                 "--sentences-per-voice", "1", "--workers", "1", "--emotions", "sad", "--no-progress"]) == 0
    _, sups = load_manifests(tmp_path / "y", CORPUS, "train")
    assert {s.custom["emotion"] for s in sups} == {"sad"}
