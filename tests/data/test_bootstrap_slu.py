"""The bootstrap SLU corpus: the Fluent Speech Commands label set, speaker-disjoint splits,
augmentation, and the ASR subset."""

from __future__ import annotations

import numpy as np
import pytest

from speech.audio.io import load_audio
from speech.data.bootstrap.errors import SentenceFileError
from speech.data.bootstrap.sentences import load_sentences
from speech.data.bootstrap.slu import (
    ASR_CORPUS,
    CORPUS,
    FSC_INTENTS,
    SLUBootstrapConfig,
    assign_speaker_splits,
    build_slu_corpus,
    load_phrases,
    slu_languages,
)
from speech.data.bootstrap.voices import slu_voices
from speech.data.manifests import load_manifests

SPLITS = ("train", "dev", "test")


def test_fsc_label_set():
    assert len(FSC_INTENTS) == len(set(FSC_INTENTS)) == 31
    assert {a for a, _, _ in FSC_INTENTS} == {"activate", "deactivate", "increase", "decrease",
                                              "change language", "bring"}
    assert {loc for _, _, loc in FSC_INTENTS} == {"none", "kitchen", "bedroom", "washroom"}
    assert ("activate", "lights", "washroom") in FSC_INTENTS


@pytest.mark.parametrize("lang", ["en-us", "es", "fr", "de"])
def test_phrase_files_cover_every_intent(lang):
    phrases = load_phrases(lang)
    assert set(phrases) == set(FSC_INTENTS)
    assert all(len(p) >= 6 for p in phrases.values())
    assert sum(map(len, phrases.values())) >= 200


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
    manifests = {s: load_manifests(out, CORPUS, s) for s in SPLITS}
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
