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
