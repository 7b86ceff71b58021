"""``speech data export-shar``: real speech and TTS features as Shar shards, read back unchanged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from lhotse import CutSet, Recording, RecordingSet, SupervisionSet

from speech.audio.features import AudioConfig
from speech.data.manifests import make_supervision
from speech.data.shar import SharExportError, export_shar, parse_fields
from speech.testing.corpora import corrupt, utterance_audio, write_audio

REPO = Path(__file__).resolve().parents[2]
SENTENCES = (
    "The cat sat on the warm mat.",
    "Please bring me a glass of water.",
    "Turn the lights off in the kitchen.",
    "She sells sea shells by the shore.",
    "We will meet again tomorrow morning.",
)


def _fake_dvector(wav: np.ndarray, sr: int) -> np.ndarray:
    # A fixed spectral projection instead of resemblyzer: the d-vector is only carried along here.
    spec = np.abs(np.fft.rfft(wav[:sr], n=1024))[:256]
    return (spec / (np.linalg.norm(spec) + 1e-8)).astype(np.float32)


def _corpus(root: Path) -> Path:
    """Five flite utterances (16 kHz, 16-bit WAV) with text, language and speaker; the manifest path."""
    recs, sups = [], []
    for i, text in enumerate(SENTENCES):
        gender = "f" if i % 2 else "m"
        wav = write_audio(root / f"utt{i}.wav", utterance_audio(text, 16000, "en", gender), 16000)
        rec = Recording.from_file(wav, recording_id=f"utt{i}")
        recs.append(rec)
        sups.append(make_supervision(id=rec.id, recording_id=rec.id, duration=rec.duration, text=text,
                                     language="en-us", speaker=f"flite_{gender}", gender=gender))
    path = root / "cuts.jsonl.gz"
    CutSet.from_manifests(RecordingSet.from_recordings(recs), SupervisionSet.from_segments(sups)).to_file(path)
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _corpus(tmp_path_factory.mktemp("speech"))


def test_audio_round_trip_is_bit_identical(corpus: Path, tmp_path: Path) -> None:
    result = export_shar(corpus, tmp_path / "shar", shard_size=2, progress=False)
    assert (result.num_cuts, result.num_shards, result.fields) == (5, 3, {"recording": "flac"})
    names = sorted(p.name for p in (tmp_path / "shar").iterdir())
    assert names == [f"{kind}.{i:06d}.{ext}" for kind, ext in (("cuts", "jsonl.gz"), ("recording", "tar")) for i in range(3)]
    assert result.size_bytes == sum(p.stat().st_size for p in (tmp_path / "shar").iterdir())
    original = list(CutSet.from_file(corpus))
    back = list(CutSet.from_shar(in_dir=tmp_path / "shar"))
    assert [c.id for c in back] == [c.id for c in original]
    for a, b in zip(original, back):
        assert b.supervisions[0].text == a.supervisions[0].text and b.supervisions[0].speaker == a.supervisions[0].speaker
        assert b.duration == a.duration and b.sampling_rate == a.sampling_rate
        x, y = a.load_audio(), b.load_audio()
        assert x.shape == y.shape and np.abs(x).max() > 0.01  # real, non-silent speech
        np.testing.assert_array_equal(x, y)  # flac of 16-bit PCM is lossless


def test_tts_features_round_trip_exactly(corpus: Path, tmp_path: Path) -> None:
    from speech.tts.featurize import extract_tts_features

    feats = extract_tts_features(CutSet.from_file(corpus), tmp_path / "feats", AudioConfig(), embed_speaker=_fake_dvector)
    manifest = tmp_path / "feats" / "cuts_with_feats.jsonl.gz"
    result = export_shar(manifest, tmp_path / "shar", fields=parse_fields("mel,pitch,energy"), shard_size=3, progress=False)
    assert result.fields == {"mel": "numpy", "pitch": "numpy", "energy": "numpy"}
    assert not any(p.name.startswith("recording") for p in (tmp_path / "shar").iterdir())  # features only
    back = {c.id: c for c in CutSet.from_shar(in_dir=tmp_path / "shar")}
    assert sorted(back) == sorted(c.id for c in feats)
    for cut in feats:
        for name in ("mel", "pitch", "energy"):
            np.testing.assert_array_equal(back[cut.id].load_custom(name), cut.load_custom(name))
        assert back[cut.id].load_custom("mel").shape[1] == 80
        assert back[cut.id].custom["dvector"] == cut.custom["dvector"]  # plain values stay in the manifest
    # Every data field by default: the recording as well as the three arrays.
    everything = export_shar(manifest, tmp_path / "all", progress=False)
    assert everything.fields == {"recording": "flac", "mel": "numpy", "pitch": "numpy", "energy": "numpy"}


def test_bad_manifests_and_options_give_clear_errors(corpus: Path, tmp_path: Path) -> None:
    with pytest.raises(SharExportError, match="cut manifest not found"):
        export_shar(tmp_path / "missing.jsonl.gz", tmp_path / "o", progress=False)
    garbage = tmp_path / "garbage.jsonl.gz"
    garbage.write_bytes(b"not gzip at all")
    with pytest.raises(SharExportError, match="not a readable lhotse cut manifest"):
        export_shar(garbage, tmp_path / "o", progress=False)
    recordings = tmp_path / "recordings.jsonl.gz"
    RecordingSet.from_recordings(c.recording for c in CutSet.from_file(corpus)).to_file(recordings)
    with pytest.raises(SharExportError, match="is a Recording, not a single-recording cut; make cuts with"):
        export_shar(recordings, tmp_path / "o", progress=False)
    with pytest.raises(SharExportError, match="has no 'mel'; drop it from --fields"):
        export_shar(corpus, tmp_path / "o", fields={"mel": ""}, progress=False)
    with pytest.raises(SharExportError, match="'recording' is audio; its format must be one of flac, wav"):
        export_shar(corpus, tmp_path / "o", fields={"recording": "lilcom"}, progress=False)
    with pytest.raises(SharExportError, match="given twice"):
        parse_fields("recording,recording")
    with pytest.raises(SharExportError, match="--shard-size must be at least 1"):
        export_shar(corpus, tmp_path / "o", shard_size=0, progress=False)
    assert not (tmp_path / "o").exists()


def test_a_failed_export_leaves_nothing_and_overwrite_replaces(corpus: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    manifest = _corpus(src)
    out = tmp_path / "shar"
    first = export_shar(manifest, out, shard_size=2, progress=False)
    with pytest.raises(SharExportError, match="already exists and is not empty; pass --overwrite"):
        export_shar(manifest, out, progress=False)
    corrupt(src / "utt3.wav")
    with pytest.raises(SharExportError, match=r"export stopped \(AudioLoadingError: .*utt3\.wav.*pass --skip-bad") as err:
        export_shar(manifest, out, shard_size=5, overwrite=True, progress=False)
    assert "\n" not in str(err.value)
    # The failed export left the previous one in place and no temporary directory behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shar", "src"]
    assert len(list(out.glob("cuts.*"))) == first.num_shards == 3
    skipped = export_shar(manifest, out, shard_size=5, overwrite=True, skip_bad=True, progress=False)
    assert skipped.num_cuts == 4 and skipped.num_shards == 1
    assert [c.recording.id for c in CutSet.from_shar(in_dir=out)] == ["utt0", "utt1", "utt2", "utt4"]
    (src / "utt1.wav").unlink()
    with pytest.raises(SharExportError, match="audio of cut utt1-1 not found"):
        export_shar(manifest, tmp_path / "other", progress=False)


def test_cli_exports_and_reports_errors_in_one_line(corpus: Path, tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "speech.cli", "data", "export-shar", "--cuts", str(corpus), "--no-progress"]
    ok = subprocess.run([*cmd, "--out", str(tmp_path / "s"), "--shard-size", "3"], cwd=REPO, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "wrote 5 cuts in 2 shards (recording=flac;" in ok.stdout
    bad = subprocess.run([*cmd, "--out", str(tmp_path / "t"), "--fields", "features"], cwd=REPO, capture_output=True, text=True)
    assert bad.returncode == 2
    assert "has no 'features'" in bad.stderr and "Traceback" not in bad.stderr
