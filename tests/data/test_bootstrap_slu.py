"""The bootstrap SLU corpus: the Fluent Speech Commands label set, speaker-disjoint splits,
augmentation, and the ASR subset."""

from __future__ import annotations

import re

import numpy as np
import pytest

from speech.audio.io import load_audio
from speech.data.bootstrap.errors import SentenceFileError
from speech.data.bootstrap.sentences import load_sentences
from speech.data.bootstrap.slu import (
    ASR_CORPUS,
    CORPUS,
    FSC_INTENTS,
    HELDOUT_PHRASING_MIN,
    PHRASING_SPLIT,
    SLUBootstrapConfig,
    assign_speaker_splits,
    build_slu_corpus,
    intent_key,
    load_phrases,
    plan_slu,
    slu_languages,
    split_phrasings,
)
from speech.data.bootstrap.synthesis import SAMPLE_RATE
from speech.data.bootstrap.voices import slu_voices
from speech.data.manifests import load_manifests

SPLITS = ("train", "dev", "test")


def test_fsc_label_set():
    assert len(FSC_INTENTS) == len(set(FSC_INTENTS)) == 31
    assert {a for a, _, _ in FSC_INTENTS} == {"activate", "deactivate", "increase", "decrease",
                                              "change language", "bring"}
    assert {loc for _, _, loc in FSC_INTENTS} == {"none", "kitchen", "bedroom", "washroom"}
    assert ("activate", "lights", "washroom") in FSC_INTENTS


def _spoken(text: str) -> str:
    """What a listener hears: case and punctuation dropped."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


@pytest.mark.parametrize("lang", ["en-us", "es", "fr", "de"])
def test_phrase_files_cover_every_intent(lang):
    phrases = load_phrases(lang)
    assert set(phrases) == set(FSC_INTENTS)
    # at least 25 phrasings per intent that sound different (not just another comma)
    assert all(len({_spoken(t) for t in p}) >= 25 for p in phrases.values())
    spoken = [_spoken(t) for p in phrases.values() for t in p]
    assert len(spoken) == len(set(spoken)) >= 31 * 25


def test_phrase_file_errors(tmp_path):
    bad = tmp_path / "xx.yaml"
    bad.write_text("language: en-us\nlocations: {kitchen: {in: k}, bedroom: {in: b}, washroom: {in: w}}\n"
                   "intents:\n  activate|lights|none: [Lights on]\n", encoding="utf-8")
    with pytest.raises(SentenceFileError, match=r"missing \[.*'bring\|juice\|none'"):
        load_phrases("en", bad)
    clash = tmp_path / "clash.yaml"
    clash.write_text("language: en-us\nlocations: {kitchen: {in: k}, bedroom: {in: b}, washroom: {in: w}}\n"
                     "intents:\n  activate|lights|none: [Lights]\n  deactivate|lights|none: [lights]\n",
                     encoding="utf-8")
    with pytest.raises(SentenceFileError, match="two intents"):
        load_phrases("en", clash)
    placeholder = tmp_path / "ph.yaml"
    placeholder.write_text("language: en-us\nlocations: {kitchen: {in: k}, bedroom: {in: b}, washroom: {in: w}}\n"
                           "intents:\n  activate|lights|*: ['Lights {on}']\n", encoding="utf-8")
    with pytest.raises(SentenceFileError, match="unknown placeholder"):
        load_phrases("en", placeholder)


@pytest.mark.parametrize("lang", ["en-us", "es", "fr", "de"])
def test_heldout_phrasings_are_disjoint_seeded_and_cover_every_intent(lang):
    a = split_phrasings(lang, 0)
    assert a == split_phrasings(lang, 0) and a != split_phrasings(lang, 1)
    phrases = load_phrases(lang)
    seen_texts = {t.lower() for texts in a.seen.values() for t in texts}
    for intent in FSC_INTENTS:
        held, seen = a.heldout[intent], a.seen[intent]
        assert len(held) >= max(HELDOUT_PHRASING_MIN, round(0.2 * len(phrases[intent])))
        assert len(seen) >= len(held)
        assert sorted(held + seen) == sorted(phrases[intent])
        # not even another intent's seen list holds a held-out phrasing
        assert not {t.lower() for t in held} & seen_texts, intent
    # a location template is held out in all three rooms (same position in each room's list)
    for obj, action in (("lights", "activate"), ("heat", "decrease")):
        positions = [[phrases[(action, obj, room)].index(t) for t in a.heldout[(action, obj, room)]]
                     for room in ("kitchen", "bedroom", "washroom")]
        assert positions[0] == positions[1] == positions[2]


def test_heldout_phrasing_errors(tmp_path):
    small = tmp_path / "few.yaml"
    body = "".join(f"  {intent_key(i)}: [{', '.join(f'{intent_key(i)} v{k}' for k in range(3))}]\n"
                   for i in FSC_INTENTS)
    small.write_text("language: en-us\nlocations: {kitchen: {in: k}, bedroom: {in: b}, washroom: {in: w}}\n"
                     "intents:\n" + body, encoding="utf-8")
    with pytest.raises(SentenceFileError, match="too few to hold out 3"):
        split_phrasings("en", 0, path=small)
    assert {len(v) for v in split_phrasings("en", 0, minimum=1, path=small).heldout.values()} == {1}
    with pytest.raises(ValueError, match="phrasing_share"):
        SLUBootstrapConfig(out_dir=str(tmp_path), phrasing_share=1.0)


@pytest.mark.parametrize("size", ["small", "full"])
def test_plan_keeps_heldout_phrasings_out_of_train_and_dev(tmp_path, size):
    cfg = SLUBootstrapConfig(out_dir=str(tmp_path), langs=["en-us", "es"], size=size, progress=False)
    planned, speakers = plan_slu(cfg, ["en-us", "es"])
    again, _ = plan_slu(cfg, ["en-us", "es"])
    assert [(p.job.id, p.split) for p in planned] == [(p.job.id, p.split) for p in again]
    for lang in ("en-us", "es"):
        held = {t for texts in split_phrasings(lang, 0).heldout.values() for t in texts}
        mine = [p for p in planned if p.job.voice.language == lang]
        by_split = {s: [p for p in mine if p.split == s] for s in (*SPLITS, PHRASING_SPLIT)}
        for split in SPLITS:
            assert by_split[split] and not {p.job.text for p in by_split[split]} & held, split
        phrasing = by_split[PHRASING_SPLIT]
        assert {p.job.text for p in phrasing} <= held
        assert {tuple(p.custom["intent"].values()) for p in phrasing} == set(FSC_INTENTS)
        # spoken by the test speakers only (new voices and new wordings at once)
        assert {p.job.voice.speaker for p in phrasing} == set(speakers[lang]["test"])
        assert speakers[lang][PHRASING_SPLIT] == speakers[lang]["test"]
        if size == "full":
            # three readings of each intent per test speaker, rotating over the held-out phrasings
            assert len(phrasing) == 3 * len(FSC_INTENTS) * len(speakers[lang]["test"])
            assert len({p.job.text for p in phrasing}) == len(held)


def test_speaker_splits_are_disjoint_and_seeded():
    persons = [f"p{i}" for i in range(20)]
    a = assign_speaker_splits(persons, 0)
    assert a == assign_speaker_splits(persons, 0) and a != assign_speaker_splits(persons, 1)
    counts = {s: sum(v == s for v in a.values()) for s in SPLITS}
    assert counts == {"train": 12, "dev": 4, "test": 4}


@pytest.mark.heavy
def test_small_slu_build(tmp_path):
    out = tmp_path / "slu"
    cfg = SLUBootstrapConfig(out_dir=str(out), langs=["en", "es"], size="small", workers=1,
                             augment=("noise", "speed", "reverb"), asr_langs=["fr"], progress=False)
    report = build_slu_corpus(cfg)
    identity = {v.speaker: v.identity for lang in slu_languages() for v in slu_voices(lang)}
    manifests = {s: load_manifests(out, CORPUS, s) for s in (*SPLITS, PHRASING_SPLIT)}
    speakers, persons = {}, {}
    for split, (recordings, supervisions) in manifests.items():
        from lhotse.qa import validate_recordings_and_supervisions

        validate_recordings_and_supervisions(recordings, supervisions)
        speakers[split] = {s.speaker for s in supervisions}
        persons[split] = {identity[s.speaker] for s in supervisions}
        for sup in supervisions:
            intent = sup.custom["intent"]
            assert set(intent) == {"action", "object", "location"}
            assert (intent["action"], intent["object"], intent["location"]) in FSC_INTENTS
            assert ("augmentation" in sup.custom) == sup.id.endswith("_aug")
    # the held-out phrasings: test speakers, every intent, texts never spoken in train or dev
    heldout = {t for lang in ("en-us", "es") for texts in split_phrasings(lang, cfg.seed).heldout.values()
               for t in texts}
    phrasing = manifests.pop(PHRASING_SPLIT)[1]
    assert speakers.pop(PHRASING_SPLIT) == speakers["test"] and {s.text for s in phrasing} <= heldout
    assert not {s.text for split in ("train", "dev") for s in manifests[split][1]} & heldout
    for lang in ("en-us", "es"):
        assert {tuple(s.custom["intent"].values()) for s in phrasing if s.language == lang} == set(FSC_INTENTS)
    assert report.counts[CORPUS][PHRASING_SPLIT] == len(phrasing) == 2 * len(FSC_INTENTS)
    # speaker-disjoint (and person-disjoint: one espeak variant never spans two splits)
    for a, b in (("train", "dev"), ("train", "test"), ("dev", "test")):
        assert not speakers[a] & speakers[b] and not persons[a] & persons[b]
    # training covers the whole label set in each language
    for lang in ("en-us", "es"):
        intents = {tuple(s.custom["intent"].values()) for s in manifests["train"][1] if s.language == lang}
        assert intents == set(FSC_INTENTS)
    # augmentation: one changed copy per clean training utterance, nowhere else
    train = manifests["train"][1]
    augmented = [s for s in train if s.id.endswith("_aug")]
    assert len(augmented) == len(train) // 2 and all(s.custom["augmentation"] for s in augmented)
    assert not any(s.id.endswith("_aug") for split in ("dev", "test") for s in manifests[split][1])
    recs = {r.id: r for r in manifests["train"][0]}
    aug = augmented[0]
    noisy, _ = load_audio(recs[aug.recording_id].sources[0].source)
    clean, _ = load_audio(recs[aug.recording_id.removesuffix("_aug")].sources[0].source)
    assert noisy.size != clean.size or not np.allclose(noisy, clean, atol=1e-3)
    # the ASR subset: other-language text + audio
    asr_recs, asr_sups = load_manifests(out, ASR_CORPUS, "train")
    assert len(asr_sups) > 0 and {s.language for s in asr_sups} == {"fr"}
    assert all(s.text in load_sentences("fr") for s in asr_sups)
    assert report.counts[CORPUS]["train"] == len(train)
    # rerun: nothing to synthesise
    assert build_slu_corpus(cfg).rendered == 0


def test_natural_teacher_plan_kokoro_speakers_person_disjoint(tmp_path):
    langs = ["en-us", "es", "fr", "de"]
    cfg = SLUBootstrapConfig(out_dir=str(tmp_path), teacher="natural", langs=langs, size="small", progress=False)
    planned, speakers = plan_slu(cfg, langs)
    assert [p.job.id for p in planned] == [p.job.id for p in plan_slu(cfg, langs)[0]]
    for lang in langs:
        mine = [p for p in planned if p.job.voice.language == lang]
        engines = {p.job.voice.engine for p in mine}
        assert engines == ({"kokoro"} if lang != "de" else engines & {"pico", "espeak"}) and engines, lang
        persons = {s: {p.job.voice.identity for p in mine if p.split == s} for s in SPLITS}
        for a, b in (("train", "dev"), ("train", "test"), ("dev", "test")):
            assert persons[a] and persons[b] and not persons[a] & persons[b], (lang, a, b)
        held = {t for texts in split_phrasings(lang, 0).heldout.values() for t in texts}
        assert not {p.job.text for p in mine if p.split in ("train", "dev")} & held
        assert {tuple(p.custom["intent"].values()) for p in mine if p.split == PHRASING_SPLIT} == set(FSC_INTENTS)
        for p in mine:
            if p.job.voice.engine == "kokoro":
                mix = p.custom["voice_mix"]
                assert mix == [list(m) for m in p.job.voice.mix] and abs(sum(w for _, w in mix) - 1) < 1e-6
    # blends are speakers too: more Kokoro speakers than the voices the package ships for es
    es_voices = {p.job.voice for p in planned if p.job.voice.language == "es"}
    assert any(len(v.mix) == 2 for v in es_voices) and any(len(v.mix) == 1 for v in es_voices)
    with pytest.raises(ValueError, match="teacher"):
        SLUBootstrapConfig(out_dir=str(tmp_path), teacher="kokoro")


@pytest.mark.heavy
def test_small_natural_slu_build(tmp_path):
    out = tmp_path / "slu"
    cfg = SLUBootstrapConfig(out_dir=str(out), teacher="natural", langs=["es"], size="small",
                             commands_per_speaker=2, asr=False, progress=False)
    report = build_slu_corpus(cfg)
    from lhotse.qa import validate_recordings_and_supervisions

    sups = {}
    for split in (*SPLITS, PHRASING_SPLIT):
        recordings, supervisions = load_manifests(out, CORPUS, split)
        validate_recordings_and_supervisions(recordings, supervisions)
        sups[split] = list(supervisions)
        assert all(s.custom["engine"] == "kokoro" and s.custom["voice_mix"] for s in supervisions)
        assert all(r.sampling_rate == SAMPLE_RATE for r in recordings)
    assert len(sups[PHRASING_SPLIT]) == len(FSC_INTENTS) == report.counts[CORPUS][PHRASING_SPLIT]
    assert {s.speaker for s in sups[PHRASING_SPLIT]} == {s.speaker for s in sups["test"]}
    assert not {s.speaker for s in sups["train"]} & {s.speaker for s in sups["test"]}
    # plausible speech: a command of 1-5 words lasts between 0.4 s and 6 s
    assert all(0.4 < s.duration < 6.0 for split in sups.values() for s in split)
    assert build_slu_corpus(cfg).rendered == 0
