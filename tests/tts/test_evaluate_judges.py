"""tts evaluate's speaker identification, real-speaker zero-shot jobs and per-language table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from lhotse import CutSet

from speech.audio.io import load_audio
from speech.data.corpora import prepare_corpus
from speech.data.manifests import load_manifests
from speech.eval.speaker import SpeakerEncoder
from speech.tts.evaluate import Job, _speaker_scores, build_real_jobs, summarise_by_language, voice_embeddings

from .test_evaluate_cer import _tiny_synthesizer


def test_identification_between_two_clearly_different_voices(flite_cuts: CutSet) -> None:
    encoder = SpeakerEncoder()
    paths = {c.supervisions[0].speaker: [] for c in flite_cuts}
    for c in flite_cuts:
        paths[c.supervisions[0].speaker].append(str(c.recording.sources[0].source))
    embeddings = voice_embeddings(flite_cuts, encoder.embed, per_voice=4)
    for voice, clips in paths.items():  # flite_kal (male) and flite_slt (female)
        probe, *_ = clips
        emb = encoder.embed(*load_audio(probe))
        scores = _speaker_scores(Job("j", "zero_shot", "t", "en-us", voice, probe, clone_from=[probe]),
                                 emb / np.linalg.norm(emb), embeddings)
        assert scores["speaker_id_correct"] == 1.0
        assert scores["sim_target"] > scores["sim_other"] + 0.05
        # The probe is left out of its own centroid: a similarity below 1, unlike the probe against itself.
        assert scores["sim_target"] < 0.99
        with_itself = _speaker_scores(Job("j", "x", "t", "en-us", voice, voice), emb / np.linalg.norm(emb), embeddings)
        assert with_itself["sim_target"] > scores["sim_target"]


def test_real_zero_shot_jobs_on_the_asterisk_speakers(tmp_path: Path) -> None:
    prepare_corpus("asterisk", "/usr/share/asterisk/sounds", tmp_path / "m", languages=["en", "es", "it"])
    rec, sup = load_manifests(tmp_path / "m", "asterisk", "all")
    real = CutSet.from_manifests(recordings=rec, supervisions=sup)
    synth = _tiny_synthesizer()  # speaks en-us and es: the Italian prompts are not used
    jobs = build_real_jobs(real, synth, tmp_path / "refs", per_voice=2, seed=0)
    by_set = {(j.set, j.voice, j.language) for j in jobs}
    # Allison recorded en and es: both in-language; Carlo (it) speaks them cross-lingually.
    assert by_set == {("real_in_language", "asterisk_allison", "en-us"), ("real_in_language", "asterisk_allison", "es"),
                      ("real_cross_lingual", "asterisk_carlo", "en-us"), ("real_cross_lingual", "asterisk_carlo", "es")}
    assert len(jobs) == 8
    for job in jobs:
        ref, sr = load_audio(job.speaker)
        assert sr == 8000 and 6.0 <= len(ref) / sr <= 6.0 + 8.0 + 0.25 * len(job.clone_from)
        assert job.band_rate == 8000 and job.reference not in job.clone_from
    again = build_real_jobs(real, synth, tmp_path / "refs2", per_voice=2, seed=0)
    assert [j.id for j in again] == [j.id for j in jobs]


def test_cer_per_language_against_the_real_clips() -> None:
    counts = {"char_edits": 2, "chars": 10, "word_edits": 1, "words": 2}
    real = {"char_edits": 1, "chars": 10, "word_edits": 1, "words": 2}
    jobs = [
        Job("a", "zero_shot", "t", "es", "v", "v", result={"asr_counts": counts, "asr_counts_real": real,
                                                            "asr_model": "whisper-base", "language_correct": 1.0}),
        Job("b", "zero_shot", "t", "es", "v", "v", result={"asr_counts": counts, "asr_model": "whisper-base",
                                                            "language_correct": 0.0, "dnsmos_ovrl": 3.0}),
    ]
    row = summarise_by_language(jobs)["zero_shot"]["es"]
    assert row["cer"] == 0.2 and row["cer_real"] == 0.1 and row["language_correct"] == 0.5
    assert row["dnsmos_ovrl"] == 3.0 and row["judge"] == "whisper-base" and row["clips"] == 2.0
