"""Which clips the synthesizer evaluation asks for: cross-lingual sampling and emotions in turn."""

from collections import Counter
from types import SimpleNamespace

from lhotse import CutSet, Recording, RecordingSet, SupervisionSet
from lhotse.audio import AudioSource

from speech.data.manifests import make_supervision
from speech.tts.evaluate import build_jobs

LANGS = ["en-us", "es", "fr", "de", "it"]


def _cuts() -> CutSet:
    recs, sups = [], []
    for lang in LANGS:
        for v in range(2):
            for i in range(3):
                rid = f"{lang}_{v}_{i}"
                recs.append(Recording(rid, [AudioSource("file", [0], f"/nonexistent/{rid}.wav")], 22050, 22050, 1.0))
                sups.append(make_supervision(id=rid, recording_id=rid, duration=1.0, text=f"sentence {i}",
                                             language=lang, speaker=f"{lang}_voice{v}"))
    return CutSet.from_manifests(RecordingSet.from_recordings(recs), SupervisionSet.from_segments(sups))


SYNTH = SimpleNamespace(
    speakers=[f"{lang}_voice{v}" for lang in LANGS for v in range(2)],
    languages=LANGS,
    emotions=["neutral", "happy", "sad", "angry", "surprised"],
)


def test_all_languages_by_default_and_emotions_in_turn() -> None:
    jobs = build_jobs(_cuts(), None, SYNTH, per_voice=2)
    sets = Counter(j.set for j in jobs)
    assert sets == {"in_language": 20, "cross_lingual": 40, "emotion": 40}
    for job in jobs:
        if job.set in ("cross_lingual", "emotion"):
            assert job.language != job.voice.split("_")[0]  # never the voice's own language
    emotions = Counter(j.emotion for j in jobs if j.set == "emotion")
    assert set(emotions) == {"happy", "sad", "angry", "surprised"} and set(emotions.values()) == {10}


def test_cross_languages_limits_and_is_reproducible() -> None:
    jobs = build_jobs(_cuts(), None, SYNTH, per_voice=1, cross_languages=2)
    per_voice = Counter(j.voice for j in jobs if j.set == "cross_lingual")
    assert set(per_voice.values()) == {2}
    again = build_jobs(_cuts(), None, SYNTH, per_voice=1, cross_languages=2)
    assert [j.id for j in again] == [j.id for j in jobs]


def test_emotion_accuracy_is_reported_per_requested_emotion() -> None:
    from speech.tts.evaluate import markdown_table, summarise

    jobs = [j for j in build_jobs(_cuts(), None, SYNTH, per_voice=1) if j.set == "emotion"]
    happy = 0
    for job in jobs:  # pretend only "sad" is ever recognised, and every other "happy"
        happy += job.emotion == "happy"
        hit = job.emotion == "sad" or (job.emotion == "happy" and happy % 2 == 0)
        job.result.update(emotion_correct=float(hit), emotion_predicted=job.emotion if hit else "neutral")
    summary = summarise(jobs)["emotion"]
    assert summary["emotion_correct_sad"] == 1.0 and summary["emotion_correct_angry"] == 0.0
    assert 0.0 < summary["emotion_correct_happy"] < 1.0
    per = [summary[f"emotion_correct_{e}"] for e in ("happy", "sad", "angry", "surprised")]
    assert summary["emotion_correct"] == sum(per) / 4  # equal numbers of each emotion
    table = markdown_table({"m": {"emotion": summary}})
    assert "| model | angry | happy | sad | surprised |" in table and "| m | 0.000 |" in table


def test_zero_shot_clips_do_not_depend_on_the_models_training_voices() -> None:
    """Two models (one knows the corpus voices, one knows none) get the same zero-shot clips, so
    that the old and the new model are compared on the same sentences."""
    cuts = _cuts()
    held = cuts.filter(lambda c: c.supervisions[0].speaker.endswith("voice1"))
    test = cuts.filter(lambda c: c.supervisions[0].speaker.endswith("voice0"))
    stranger = SimpleNamespace(speakers=[], languages=LANGS, emotions=SYNTH.emotions)
    ours = [j for j in build_jobs(test, held, SYNTH, per_voice=2) if j.set == "zero_shot"]
    theirs = [j for j in build_jobs(test, held, stranger, per_voice=2) if j.set == "zero_shot"]
    assert len(ours) == 2 * len(LANGS)
    assert [(j.id, j.speaker) for j in ours] == [(j.id, j.speaker) for j in theirs]


def _clip(cid: str, name: str, voice: str, **result: object) -> dict:
    return {"id": cid, "set": name, "voice": voice, "language": "es", "result": result}


def test_models_are_compared_on_the_clips_both_made() -> None:
    from speech.tts.evaluate import compare_on_common_clips

    counts = {"char_edits": 1, "chars": 10, "word_edits": 0, "words": 2}
    old = {"clips": [_clip("zs_a", "zero_shot", "v1", sim_target=0.5, speaker_id_correct=0.0, asr_counts=counts),
                     _clip("zs_b", "zero_shot", "v2", sim_target=0.4, speaker_id_correct=0.0)]}
    new = {"clips": [_clip("zs_a", "zero_shot", "v1", sim_target=0.8, speaker_id_correct=1.0, asr_counts=counts),
                     _clip("zs_c", "zero_shot", "v3", sim_target=0.1, speaker_id_correct=0.0),
                     _clip("in_x", "in_language", "v1", sim_target=0.9)]}
    rows = [r for r in compare_on_common_clips({"old": old, "new": new}).splitlines() if r.startswith("| zero_shot")]
    # one common clip (zs_a): the others and the non-cloned set stay out
    assert rows == ["| zero_shot | 1 | old | 0.500 |  | 0.000 | 0.100 |  |  |",
                    "| zero_shot | 1 | new | 0.800 |  | 1.000 | 0.100 |  |  |"]


def test_target_figures_pair_cross_lingual_with_in_language_per_voice() -> None:
    from speech.tts.evaluate import target_figures

    ours = {"char_edits": 4, "chars": 20, "word_edits": 1, "words": 4}
    teacher = {"char_edits": 1, "chars": 20, "word_edits": 0, "words": 4}
    result = {"clips": [
        _clip("in_1", "in_language", "v1", sim_target=0.8, asr_counts=ours, asr_counts_real=teacher),
        _clip("x_1", "cross_lingual", "v1", sim_target=0.6, language_correct=1.0),
        _clip("x_2", "cross_lingual", "v1", sim_target=0.8, language_correct=0.0),
        _clip("x_3", "cross_lingual", "v2", sim_target=0.9, language_correct=1.0),  # no in-language clip
    ]}
    t = target_figures(result)
    assert abs(t["cross_to_in_similarity_corpus"] - 0.7 / 0.8) < 1e-9
    assert t["cross_to_in_similarity_real"] is None
    assert abs(t["cer_gap"]["es"] - 15.0) < 1e-9
    assert abs(t["language_id_cross"] - 2 / 3) < 1e-9


def test_voices_limits_the_training_voices_and_covers_every_language() -> None:
    from speech.tts.evaluate import sample_voices

    jobs = build_jobs(_cuts(), None, SYNTH, per_voice=1, voices=5)
    chosen = {j.voice for j in jobs}
    assert len(chosen) == 5
    assert {v.split("_")[0] for v in chosen} == set(LANGS)  # one per language before any second
    assert {j.voice for j in build_jobs(_cuts(), None, SYNTH, per_voice=1, voices=5)} == chosen
    languages = {v: v.split("_")[0] for v in SYNTH.speakers}
    assert len(sample_voices(languages, 7)) == 7 and sample_voices(languages, 99) == sorted(SYNTH.speakers)


def test_a_refused_text_is_counted_as_failed_and_the_rest_is_scored(tmp_path) -> None:
    import numpy as np

    from speech.errors import EmptyTextError
    from speech.tts.evaluate import Job, markdown_table, run_jobs, summarise

    class Refusing:
        def synthesize(self, text: str, language: str, speaker: str, emotion: str = "neutral"):
            if not any(c.isalnum() for c in text):
                raise EmptyTextError(f"nothing to say in {text!r}")
            t = np.arange(16000) / 16000
            return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 16000

    jobs = [Job("ok1", "in_language", "Hello there.", "en-us", "v", "v"),
            Job("bad", "in_language", "...", "en-us", "v", "v"),
            Job("ok2", "in_language", "Good morning.", "en-us", "v", "v")]
    run_jobs(Refusing(), jobs, CutSet(), tmp_path)  # type: ignore[arg-type]
    assert "nothing to say" in jobs[1].result["error"] and "wav" not in jobs[1].result
    assert jobs[0].result["duration"] == jobs[2].result["duration"] == 1.0
    summary = summarise(jobs)["in_language"]
    assert summary["clips"] == 2.0 and summary["failed"] == 1.0
    assert "| failed |" in markdown_table({"m": {"in_language": summary}})
