"""The natural teacher: Kokoro-82M voices and blends, SVOX Pico, and every registered voice speaks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from speech.audio.io import load_audio
from speech.data.bootstrap.engines import get_engine, residual_style, synthesize_raw
from speech.data.bootstrap.natural import (
    EXTRA_TTS_BLENDS,
    FULL_BLENDS,
    KOKORO_LANGUAGES,
    NATURAL_LANGUAGES,
    natural_registry,
)
from speech.data.bootstrap.styles import STYLES
from speech.data.bootstrap.synthesis import SAMPLE_RATE, finish_audio
from speech.data.bootstrap.tts import CORPUS, TTSBootstrapConfig, build_tts_corpus, teacher_voices
from speech.data.bootstrap.voices import TTS_VOICES, Voice
from speech.data.manifests import load_manifests

SENTENCES = {"es": "¿Dónde está la biblioteca de la ciudad?",
             "en-us": "The quick brown fox jumps over the lazy dog."}


def _kokoro(lang: str, mix: tuple[tuple[str, float], ...], short: str = "t") -> Voice:
    return Voice(f"kokoro-{lang}-{short}", "kokoro", short, lang, None, mix=mix)


def _render(voice: Voice, text: str, emotion: str = "neutral") -> np.ndarray:
    style = STYLES[emotion]
    (raw, sr), = synthesize_raw(voice, [text], [style])
    return finish_audio(raw, sr, style, residual_style(voice.engine, style))


def _spectral_profile(wav: np.ndarray) -> np.ndarray:
    import librosa

    mel = librosa.feature.melspectrogram(y=wav, sr=SAMPLE_RATE, n_mels=40)
    return np.log(mel + 1e-6).mean(axis=1)


@pytest.mark.parametrize("lang,voice", [("es", "ef_dora"), ("en-us", "af_heart")])
def test_kokoro_utterance_is_speech_of_plausible_length(lang: str, voice: str) -> None:
    raw, sr = get_engine("kokoro").synthesize(_kokoro(lang, ((voice, 1.0),)), SENTENCES[lang], STYLES["neutral"])
    assert sr == 24000
    wav = _render(_kokoro(lang, ((voice, 1.0),)), SENTENCES[lang])
    seconds = wav.size / SAMPLE_RATE
    words = len(SENTENCES[lang].split())
    # Read speech: 2-5 words per second.
    assert words / 5 <= seconds <= words / 2
    assert float(np.sqrt(np.mean(wav ** 2))) > 0.01


def test_kokoro_rate_comes_from_the_style() -> None:
    voice = _kokoro("es", (("ef_dora", 1.0),))
    sad, angry = _render(voice, SENTENCES["es"], "sad"), _render(voice, SENTENCES["es"], "angry")
    # sad is 0.8x, angry 1.15x the neutral rate: the sad rendering is clearly longer.
    assert sad.size > 1.25 * angry.size


def test_blend_differs_from_both_parents_and_is_reproducible() -> None:
    text = SENTENCES["en-us"]
    a = _render(_kokoro("en-us", (("af_heart", 1.0),), "a"), text)
    b = _render(_kokoro("en-us", (("am_adam", 1.0),), "b"), text)
    mix = (("af_heart", 0.5), ("am_adam", 0.5))
    blend = _render(_kokoro("en-us", mix, "ab"), text)
    again = _render(_kokoro("en-us", mix, "ab2"), text)
    np.testing.assert_array_equal(blend, again)
    pa, pb, pm = map(_spectral_profile, (a, b, blend))
    d_ab = np.linalg.norm(pa - pb)
    assert np.linalg.norm(pm - pa) > 0.1 * d_ab and np.linalg.norm(pm - pb) > 0.1 * d_ab
    # The style table of a blend is the weighted sum of its parents' tables.
    engine = get_engine("kokoro")
    np.testing.assert_allclose(engine.style_table(_kokoro("en-us", mix, "ab3")),
                               0.5 * engine.style_table(_kokoro("en-us", (("af_heart", 1.0),), "a2"))
                               + 0.5 * engine.style_table(_kokoro("en-us", (("am_adam", 1.0),), "b2")),
                               rtol=1e-6)


def test_pico_speaks_spanish() -> None:
    voice = next(v for v in natural_registry()[0]["es"] if v.engine == "pico")
    wav = _render(voice, SENTENCES["es"], "happy")
    assert 1.0 < wav.size / SAMPLE_RATE < 5.0


def test_full_registry_has_hundreds_of_speakers_and_one_language_each() -> None:
    voices, heldout = teacher_voices(TTSBootstrapConfig(out_dir="", size="full"))
    everyone = [v for vs in voices.values() for v in vs]
    assert len(everyone) >= 250
    assert len(voices) >= 12 and set(voices) == set(NATURAL_LANGUAGES)
    # Each speaker speaks only its own language (one language per voice id).
    assert len({v.id for v in everyone}) == len(everyone)
    assert all(v.language == lang for lang, vs in voices.items() for v in vs)
    # Blends: two parents, weights summing to 1, recorded; none uses a held-out voice as parent.
    blends = [v for v in everyone if len(v.mix) > 1]
    assert len(blends) >= 150
    assert all(abs(sum(w for _, w in v.mix) - 1.0) < 1e-6 for v in blends)
    held_pure = {v.mix[0][0] for v in everyone if v.id in heldout and len(v.mix) == 1}
    assert held_pure and not any(name in held_pure for v in blends for name, _ in v.mix)
    for lang in KOKORO_LANGUAGES:
        assert any(v.id in heldout for v in voices[lang]), lang
        assert any(v.id not in heldout for v in voices[lang]), lang
    # The registry is fixed: a second call gives the same speakers.
    assert natural_registry.__wrapped__(None)[0] == natural_registry(None)[0]



def test_extra_blends_grow_the_registry_without_moving_a_voice() -> None:
    """Adding blends keeps every first-generation voice (mix and position) and its held-out
    status, so a finished build grows by the new voices' utterances alone."""
    first, first_held = natural_registry(None)
    grown_counts = tuple((lang, n + EXTRA_TTS_BLENDS[lang]) for lang, n in FULL_BLENDS.items())
    grown, grown_held = natural_registry(grown_counts)
    for lang in KOKORO_LANGUAGES:
        before, after = first[lang], grown[lang]
        assert after[: len(before)] == before, lang
        added = after[len(before):]
        assert len(added) == EXTRA_TTS_BLENDS[lang] and all(len(v.mix) == 2 for v in added), lang
        assert len({v.id for v in after}) == len(after), lang
    assert first_held < grown_held
    # the full TTS build uses the grown registry; the SLU corpus keeps the first generation
    tts, _ = teacher_voices(TTSBootstrapConfig(out_dir="", size="full"))
    assert sum(map(len, tts.values())) == sum(map(len, grown.values()))


@pytest.mark.heavy
def test_small_natural_build(tmp_path: Path) -> None:
    from lhotse import validate_recordings_and_supervisions

    out = tmp_path / "natural"
    report = build_tts_corpus(TTSBootstrapConfig(out_dir=str(out), langs=["es"], size="small",
                                                 workers=1, progress=False))
    kokoro_voices = {n for v in report.voices["es"] for n, _ in _voice_mix(v)}
    speakers: dict[str, set[str]] = {}
    for split in ("train", "dev", "test", "heldout"):
        recs, sups = load_manifests(out, CORPUS, split)
        validate_recordings_and_supervisions(recs, sups)
        speakers[split] = {s.speaker for s in sups}
        for sup in sups:
            assert sup.language == "es"
            if sup.custom["engine"] == "kokoro":
                assert sup.custom["voice_mix"]
        for rec in recs:
            assert rec.sampling_rate == SAMPLE_RATE
    assert len(set().union(*speakers.values())) > len(kokoro_voices)
    assert speakers["heldout"] and not speakers["heldout"] & (speakers["train"] | speakers["dev"])
    wav, sr = load_audio(next((out / "wavs" / "es").rglob("*.wav")))
    assert sr == SAMPLE_RATE and wav.size > 0.3 * sr


def _voice_mix(voice_id: str) -> tuple[tuple[str, float], ...]:
    voices, _ = natural_registry(None)
    return next(v.mix for v in voices["es"] if v.id == voice_id)


# One short phrase per language: every voice the registries list must speak it, so that a voice
# whose package is missing from the set-up fails here, not for a user.
_PHRASES = {"en-us": "Good morning.", "en-gb": "Good morning.", "es": "Buenos días.",
            "fr": "Bonjour à tous.", "de": "Guten Morgen.", "it": "Buongiorno a tutti.",
            "hi": "नमस्ते दोस्तों।", "mr": "नमस्कार मित्रांनो.", "te": "నమస్కారం మిత్రులారా.",
            "ca": "Bon dia a tothom.", "cs": "Dobré ráno všem.", "fi": "Hyvää huomenta.",
            "ru": "Доброе утро.", "pt-br": "Bom dia a todos."}


def _every_voice() -> list[Voice]:
    natural, _ = natural_registry(None)
    voices = {v.id: v for vs in TTS_VOICES.values() for v in vs}
    voices.update({v.id: v for vs in natural.values() for v in vs if len(v.mix) <= 1})
    return list(voices.values())


@pytest.mark.heavy
def test_every_registered_voice_speaks() -> None:
    from collections import defaultdict

    by_voice: dict[str, list[str]] = defaultdict(list)
    for voice in _every_voice():
        style = STYLES["neutral"]
        (raw, sr), = synthesize_raw(voice, [_PHRASES[voice.language]], [style])
        wav = finish_audio(raw, sr, style, residual_style(voice.engine, style))
        by_voice[voice.engine].append(voice.id)
        assert wav.size > 0.3 * SAMPLE_RATE, voice.id
    assert set(by_voice) == {"espeak", "flite", "festival", "kokoro", "pico"}
    assert len(by_voice["kokoro"]) >= 40 and len(by_voice["festival"]) >= 10
