"""Unit tests of the bootstrap building blocks: styles, audio functions, sentences, voices, engines."""

from __future__ import annotations

import numpy as np
import pytest

from speech.audio.loudness import loudness_lufs, normalize_loudness
from speech.data.bootstrap import functional as F
from speech.data.bootstrap.errors import SentenceFileError, SynthesisError, VoiceUnavailableError
from speech.data.bootstrap.sentences import (
    SENTENCE_DIR,
    assign_splits,
    load_sentences,
    read_sentence_file,
    sentence_id,
)
from speech.data.bootstrap.styles import STYLES, EmotionStyle, espeak_parameters, psola_prosody
from speech.data.bootstrap.voices import (
    HELDOUT_VOICES,
    TTS_VOICES,
    Voice,
    check_voices,
    resolve_languages,
)
from speech.errors import UnknownLanguageError

SR = 22050


def _f0(wav: np.ndarray, sr: int) -> float:
    import parselmouth

    pitch = parselmouth.Sound(wav.astype(np.float64), sr).to_pitch(pitch_floor=60, pitch_ceiling=600)
    values = pitch.selected_array["frequency"]
    return float(np.median(values[values > 0]))


def _vowel(f0: float = 120.0, seconds: float = 1.0, sr: int = SR, depth: float = 0.15) -> np.ndarray:
    """A vowel-like harmonic signal with a falling intonation contour (+-``depth`` of ``f0``)."""
    t = np.arange(int(seconds * sr)) / sr
    contour = f0 * (1.0 + depth * np.cos(2 * np.pi * 0.8 * t))
    phase = 2 * np.pi * np.cumsum(contour) / sr
    wav = sum(np.sin(k * phase) / k for k in range(1, 12))
    return (0.3 * wav / np.max(np.abs(wav))).astype(np.float32)


# --- styles -------------------------------------------------------------------------------------

def test_espeak_parameters_follow_the_style():
    neutral = espeak_parameters(STYLES["neutral"])
    assert neutral == {"rate": 175, "pitch": 50, "range": 50}
    sad, happy = espeak_parameters(STYLES["sad"]), espeak_parameters(STYLES["happy"])
    assert sad["pitch"] < 50 < happy["pitch"]
    assert sad["range"] < 50 < happy["range"]
    assert sad["rate"] < 175 < happy["rate"]


def test_styles_cover_the_manifest_emotions():
    from speech.data.bootstrap.styles import STYLE_WEIGHTS
    from speech.data.manifests import EMOTIONS

    assert set(STYLES) == set(STYLE_WEIGHTS) == set(EMOTIONS)
    assert sum(STYLE_WEIGHTS.values()) == pytest.approx(1.0)


def test_style_validation_and_jitter_is_seeded():
    with pytest.raises(ValueError, match="unknown emotion"):
        EmotionStyle("bored")
    with pytest.raises(ValueError, match="pitch_scale"):
        EmotionStyle("happy", pitch_scale=5.0)
    a = STYLES["angry"].jittered(F.utterance_rng(1, "x"))
    b = STYLES["angry"].jittered(F.utterance_rng(1, "x"))
    c = STYLES["angry"].jittered(F.utterance_rng(2, "x"))
    assert a == b and a != c
    assert abs(a.pitch_scale / STYLES["angry"].pitch_scale - 1) <= 0.04 + 1e-9


def test_psola_prosody_moves_pitch_and_rate():
    wav = _vowel(120.0)
    base = _f0(wav, SR)
    higher = psola_prosody(wav, SR, pitch_scale=1.5)
    assert _f0(higher, SR) == pytest.approx(base * 1.5, rel=0.06)
    faster = psola_prosody(wav, SR, rate_scale=2.0)
    assert faster.size == pytest.approx(wav.size / 2, rel=0.05)
    flat = psola_prosody(wav, SR, range_scale=0.1)
    import parselmouth

    def spread(x: np.ndarray) -> float:
        v = parselmouth.Sound(x.astype(np.float64), SR).to_pitch().selected_array["frequency"]
        return float(np.std(v[v > 0]))

    assert spread(flat) < 0.4 * spread(wav)


def test_psola_handles_a_wide_surprised_range():
    # Regression: Praat's own "Change gender" (linear range factor) failed on this utterance in the
    # full build with "rounding up the real value --undefined--"; the pitch-tier formula must not.
    from speech.data.bootstrap.engines import synthesize_raw
    from speech.data.bootstrap.synthesis import finish_audio

    voice = next(v for v in TTS_VOICES["ca"] if v.engine == "festival")
    style = EmotionStyle("surprised", pitch_scale=1.2230627381863315, range_scale=1.7637406790303654,
                         rate_scale=0.9433711376741671, gain_db=1.1899582912924438)
    (raw, sr), = synthesize_raw(voice, ["Han obert una llibreria a l'antiga oficina de correus."], [style])
    out = finish_audio(raw, sr, style, residual=style)
    assert out.size > 2.5 * SR and _f0(out, SR) > 1.1 * _f0(raw.astype(np.float32), sr)


# --- pure audio functions -----------------------------------------------------------------------

def test_trim_silence_keeps_speech_and_margin():
    wav = np.zeros(3 * SR, np.float32)
    wav[SR:2 * SR] = _vowel(seconds=1.0)
    out = F.trim_silence(wav, SR, pad_s=0.05)
    # frame-based: within one analysis frame (1024) plus a hop of the exact edges
    assert out.size == pytest.approx(SR + 2 * int(0.05 * SR), abs=1024 + 256)
    assert np.max(np.abs(out)) == pytest.approx(np.max(np.abs(wav)))
    with pytest.raises(Exception, match="empty"):
        F.trim_silence(np.zeros(0, np.float32), SR)


def test_normalize_loudness_hits_target_and_limits_peak():
    wav = _vowel(seconds=1.5) * 0.05
    out = normalize_loudness(wav, SR, target_lufs=-20.0)
    assert loudness_lufs(out, SR) == pytest.approx(-20.0, abs=0.5)
    loud = normalize_loudness(wav, SR, target_lufs=0.0, peak_limit=0.9)
    assert np.max(np.abs(loud)) <= 0.9 + 1e-6
    with pytest.raises(Exception, match="silent"):
        normalize_loudness(np.zeros(SR, np.float32), SR, target_lufs=-20.0)


def test_add_noise_reaches_requested_snr():
    wav = _vowel(seconds=1.0)
    noisy = F.add_noise(wav, 10.0, F.utterance_rng(0, "noise"), exponent=1.0)
    noise = noisy - wav
    snr = 10 * np.log10(np.sum(wav ** 2) / np.sum(noise ** 2))
    assert snr == pytest.approx(10.0, abs=0.2)


def test_speed_and_reverb():
    wav = _vowel(seconds=1.0)
    assert F.change_speed(wav, 1.1).size == pytest.approx(wav.size / 1.1, abs=5)
    with pytest.raises(ValueError):
        F.change_speed(wav, 3.0)
    rir = F.synthetic_rir(SR, 0.5, F.utterance_rng(0, "rir"))
    assert rir[0] == 1.0
    early, late = np.abs(rir[1:SR // 20]).mean(), np.abs(rir[SR // 3:SR // 2]).mean()
    assert late < early / 10  # decays
    wet = F.add_reverb(wav, SR, 0.5, F.utterance_rng(0, "rev"))
    assert wet.shape == wav.shape and not np.allclose(wet, wav)


def test_utterance_rng_is_stable():
    assert F.utterance_rng(3, "a", 1).integers(1 << 30) == F.utterance_rng(3, "a", 1).integers(1 << 30)
    assert F.utterance_rng(3, "a", 1).integers(1 << 30) != F.utterance_rng(3, "a", 2).integers(1 << 30)


# --- sentence lists -----------------------------------------------------------------------------

@pytest.mark.parametrize("lang", list(TTS_VOICES))
def test_sentence_lists_are_rich(lang):
    sentences = load_sentences(lang)
    assert len(sentences) >= 300
    assert sum("?" in s for s in sentences) >= 30
    assert sum("!" in s for s in sentences) >= 20
    assert sum(any(c.isdigit() for c in s) for s in sentences) >= 30
    assert len({sentence_id(s) for s in sentences}) == len(sentences)
    # Varied: many distinct words, and no sentence is a near-copy of a template.
    words = {w.strip(".,!?¿¡;:").lower() for s in sentences for w in s.split()}
    assert len(words) > 1000
    for voice in TTS_VOICES[lang]:
        for s in sentences:
            s.encode(voice.encoding)  # festival voices read legacy charsets


def test_every_sentence_file_belongs_to_a_language():
    from speech.data.bootstrap.natural import NATURAL_LANGUAGES
    from speech.data.bootstrap.sentences import sentence_file

    languages = set(TTS_VOICES) | set(NATURAL_LANGUAGES)
    files = {p.stem for p in SENTENCE_DIR.glob("*.txt")}
    assert files <= languages
    # Every language of either teacher has a list (British English reads the US one).
    assert {sentence_file(lang).stem for lang in languages} == files


def test_read_sentence_file_errors(tmp_path):
    with pytest.raises(SentenceFileError, match="not found"):
        read_sentence_file(tmp_path / "missing.txt")
    dup = tmp_path / "dup.txt"
    dup.write_text("# comment\nHello there.\n\nHello there.\n", encoding="utf-8")
    with pytest.raises(SentenceFileError, match=r"dup.txt:4: repeats the sentence of line 2"):
        read_sentence_file(dup)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Perché?\n".encode("latin-1"))
    with pytest.raises(SentenceFileError, match="not UTF-8"):
        read_sentence_file(latin)


def test_splits_are_stable_when_the_list_is_edited():
    sentences = load_sentences("es")
    before = assign_splits(sentences, seed=0)
    after = assign_splits(sentences[5:], seed=0)
    where = {t: s for s, ts in before.items() for t in ts}
    for split, texts in after.items():
        assert all(where[t] == split for t in texts)
    assert 5 <= len(before["dev"]) <= 40 and 5 <= len(before["test"]) <= 40
    other = assign_splits(sentences, seed=1)
    assert other["test"] != before["test"]


# --- voices -------------------------------------------------------------------------------------

def test_voice_inventory_meets_the_spec():
    assert len(TTS_VOICES) >= 8
    assert {"en-us", "es", "fr", "de", "hi", "it"} <= set(TTS_VOICES)
    ids = [v.id for vs in TTS_VOICES.values() for v in vs]
    assert len(ids) == len(set(ids))
    for lang, voices in TTS_VOICES.items():
        training = [v for v in voices if v.id not in HELDOUT_VOICES]
        assert len(training) >= (3 if lang == "en-us" else 2), lang
        assert len([v for v in voices if v.id in HELDOUT_VOICES]) == 1, lang
        assert all(v.language == lang for v in voices)
        # one person per TTS language list: no two voices from the same recordings
        assert len({v.identity for v in voices}) == len(voices)
    assert HELDOUT_VOICES <= set(ids)


def test_resolve_languages():
    assert resolve_languages(["en", "Spanish", "es-ES"], list(TTS_VOICES)) == ["en-us", "es"]
    with pytest.raises(UnknownLanguageError, match="no bootstrap voices"):
        resolve_languages(["pt"], list(TTS_VOICES))
    with pytest.raises(UnknownLanguageError, match="unknown language"):
        resolve_languages(["klingon"], list(TTS_VOICES))


def test_missing_voices_name_the_package(monkeypatch):
    fake = Voice("festival-it-xx", "festival", "no_such_voice_diphone", "it", "m", "iso-8859-1",
                 package="festvox-no-such")
    with pytest.raises(VoiceUnavailableError, match="sudo apt-get install festvox-no-such"):
        check_voices([fake, TTS_VOICES["es"][0]])
    assert [v.id for v in check_voices([fake, TTS_VOICES["es"][0]], allow_missing=True)] == [TTS_VOICES["es"][0].id]
    import speech.data.bootstrap.voices as voices_module

    monkeypatch.setattr(voices_module.shutil, "which", lambda name: None)
    with pytest.raises(VoiceUnavailableError, match="flite is not installed: `sudo apt-get install flite`"):
        check_voices([TTS_VOICES["en-us"][0]])


# --- engines ------------------------------------------------------------------------------------

def test_espeak_engine_speaks_and_rejects_unknown_voices():
    from speech.data.bootstrap.engines import synthesize_raw

    voice = TTS_VOICES["de"][0]
    (slow, sr), = synthesize_raw(voice, ["Guten Morgen, wie geht es dir?"], [STYLES["sad"]])
    (fast, _), = synthesize_raw(voice, ["Guten Morgen, wie geht es dir?"], [STYLES["angry"]])
    assert sr == 22050 and np.max(np.abs(slow)) > 0.05
    assert slow.size > 1.2 * fast.size  # sad is slower than angry
    bad = Voice("espeak-xx", "espeak", "xx-nonexistent+m1", "de", "m")
    with pytest.raises(SynthesisError, match="has no voice"):
        synthesize_raw(bad, ["Hallo"], [STYLES["neutral"]])


def test_festival_rejects_text_outside_the_voice_charset():
    from speech.data.bootstrap.engines import get_engine

    voice = next(v for v in TTS_VOICES["cs"] if v.engine == "festival")
    with pytest.raises(SynthesisError, match="iso-8859-2"):
        get_engine("festival").synthesize_many(voice, ["Ahoj \u20ac"])


@pytest.mark.parametrize("lang,engine", [("es", "espeak"), ("it", "festival"), ("en-us", "flite"),
                                         ("es", "kokoro"), ("fr", "pico")])
def test_emotion_styles_are_audible_in_prosody(lang, engine):
    """Happy is higher and faster than sad, for native (espeak), partly native (Kokoro's rate)
    and PSOLA (festival, flite, Pico) styles."""
    from speech.data.bootstrap.engines import residual_style, synthesize_raw
    from speech.data.bootstrap.natural import natural_registry
    from speech.data.bootstrap.synthesis import SAMPLE_RATE, finish_audio

    voices = list(TTS_VOICES[lang]) + list(natural_registry()[0][lang])
    voice = next(v for v in voices if v.engine == engine)
    text = load_sentences(lang)[0]
    out = {}
    for emotion in ("happy", "sad"):
        (raw, sr), = synthesize_raw(voice, [text], [STYLES[emotion]])
        out[emotion] = finish_audio(raw, sr, STYLES[emotion], residual_style(engine, STYLES[emotion]))
    assert _f0(out["happy"], SAMPLE_RATE) > 1.12 * _f0(out["sad"], SAMPLE_RATE)
    assert out["sad"].size > 1.2 * out["happy"].size
    assert loudness_lufs(out["happy"], SAMPLE_RATE) > loudness_lufs(out["sad"], SAMPLE_RATE) + 4.0
