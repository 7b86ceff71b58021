"""The page's operations without Gradio: inputs are checked, errors are fit for the page."""

import numpy as np
import pytest

from speech.audio.io import load_audio, save_audio
from speech.demo.config import DemoConfig
from speech.demo.service import DemoService, SynthesisRequest, language_label
from speech.errors import AudioError, EmptyTextError, SpeechError, TextTooLongError, UnknownLanguageError


@pytest.fixture(scope="module")
def service(random_synth_dir):
    return DemoService.load(random_synth_dir, config=DemoConfig(max_text_chars=120))


def request(reference, **kwargs):
    base = {"reference": str(reference), "text": "Hello there.", "language": "en-us", "reference_language": "en-us"}
    return SynthesisRequest(**{**base, **kwargs})


def test_synthesis_result(service, flite_reference):
    res = service.synthesize(request(flite_reference, text="Hola amigo. ¿Qué tal?", language="Spanish"))
    assert res.sample_rate == 22050 and res.audio.dtype == np.float32 and res.duration_s > 0
    assert res.phonemes.count("\n") == 1 and "ˈ" in res.phonemes  # one line per sentence, IPA stress marks
    assert -1.0 <= res.similarity <= 1.0
    assert res.reference.is_speech and not res.notes
    sr, pcm = res.pcm16()
    assert sr == 22050 and pcm.dtype == np.int16 and len(pcm) == len(res.audio)
    pitch_axis, energy_axis = res.figure.axes
    assert [line.get_label() for line in pitch_axis.lines] == ["reference", "output (Spanish (es))"]


def test_accent_of_the_reference_and_emotion_from_a_clip(service, flite_reference):
    res = service.synthesize(request(flite_reference, text="Hola.", language="es", accent="reference",
                                     emotion_reference=str(flite_reference), emotion_intensity=1.5, speed=1.2))
    assert res.duration_s > 0
    with pytest.raises(UnknownLanguageError, match=r"Italian \(it\) is not supported as accent"):
        service.synthesize(request(flite_reference, language="es", accent="reference", reference_language="it"))


def test_trimmed_reference_is_said(service, flite_reference, tmp_path):
    wav, sr = load_audio(flite_reference)
    long = save_audio(tmp_path / "long.wav", np.tile(wav, int(np.ceil(35 * sr / len(wav)))), sr)
    res = service.synthesize(request(long))
    assert res.reference.trimmed and res.reference.used_s == pytest.approx(30.0)
    assert res.notes == (f"The reference clip is {res.reference.duration_s:.0f} s long: only its first 30 s were used.",)


def test_input_errors_name_the_problem_and_no_path(service, flite_reference, silent_reference, tmp_path):
    with pytest.raises(AudioError, match="the reference clip is silent") as e:
        service.synthesize(request(silent_reference))
    assert str(silent_reference.parent) not in str(e.value)
    t = np.arange(48000) / 16000
    tone = save_audio(tmp_path / "tone.wav", 0.3 * np.sin(2 * np.pi * 220 * t), 16000)
    with pytest.raises(AudioError, match="the reference clip is a steady tone, not speech"):
        service.synthesize(request(tone))
    with pytest.raises(AudioError, match="the emotion clip is a steady tone"):
        service.synthesize(request(flite_reference, emotion_reference=str(tone)))
    garbage = tmp_path / "notes.wav"
    garbage.write_text("not audio")
    with pytest.raises(AudioError, match="cannot read the reference clip: give a WAV") as e:
        service.synthesize(request(garbage))
    assert str(tmp_path) not in str(e.value)
    with pytest.raises(AudioError, match="no reference clip"):
        service.synthesize(SynthesisRequest(reference=None, text="Hello.", language="en-us"))
    with pytest.raises(TextTooLongError, match="the text has 121 characters, over the limit of 120"):
        service.synthesize(request(flite_reference, text="a" * 121))
    with pytest.raises(EmptyTextError):
        service.synthesize(request(flite_reference, text="   "))
    with pytest.raises(UnknownLanguageError, match=r"French \(fr\) is not supported as target language by this "
                                                   r"model; it speaks English \(US\) \(en-us\), Spanish \(es\)"):
        service.synthesize(request(flite_reference, language="fr"))
    with pytest.raises(UnknownLanguageError, match="klingon"):
        service.synthesize(request(flite_reference, language="klingon"))
    with pytest.raises(SpeechError, match="unknown emotion 'bored'; choose one of neutral, happy"):
        service.synthesize(request(flite_reference, emotion="bored"))
    with pytest.raises(SpeechError, match="speed must be between"):
        service.synthesize(request(flite_reference, speed=0.0))


def test_describe_reference_never_raises(service, flite_reference, silent_reference, tmp_path):
    assert "✓ speech" in service.describe_reference(str(flite_reference))
    assert service.describe_reference(str(silent_reference)) == "2.0 s · ✗ silent (every sample is zero): check the microphone or the file"
    assert service.describe_reference(None) == ""
    bad = tmp_path / "x.wav"
    bad.write_bytes(b"RIFF")
    assert service.describe_reference(str(bad)).startswith("✗ cannot read the reference clip")


def test_languages_have_display_names(service):
    assert service.language_choices() == [("English (US) (en-us)", "en-us"), ("Spanish (es)", "es")]
    assert language_label("cmn") == "Mandarin Chinese (cmn)"


def test_without_slu_model_the_tab_says_so(service, flite_reference):
    with pytest.raises(SpeechError, match="no SLU model is loaded: start the demo with --slu-model DIR"):
        service.predict_intent(str(flite_reference))


def test_intent_of_a_command(random_synth_dir, tiny_slu_dir):
    from speech.data.bootstrap.engines import say
    from speech.testing.slu_audio import COMMANDS

    svc = DemoService.load(random_synth_dir, tiny_slu_dir)
    wav, sr = say("flite", "kal16", "turn on the lights in the kitchen")
    out = svc.predict_intent((sr, (wav * 32767).astype(np.int16)))
    values = {slot: {intent[slot] for _, intent in COMMANDS} for slot in COMMANDS[0][1]}
    assert set(out["intent"]) == set(values)
    assert all(out["intent"][slot] in values[slot] for slot in values)
    assert out["confidence"] == pytest.approx(np.prod(list(out["slot_confidence"].values())), rel=1e-4)
    assert 0.0 < out["confidence"] <= 1.0 and "path" not in out
    with pytest.raises(AudioError, match="the command recording: audio is silent"):
        svc.predict_intent((16000, np.zeros(16000, dtype=np.int16)))
    # Noise gets no intent either (the check speech synth and speech slu predict share).
    noise = (0.3 * 32767 * np.random.default_rng(0).standard_normal(2 * 16000)).clip(-32767, 32767).astype(np.int16)
    with pytest.raises(AudioError, match="hardly any voiced sound"):
        svc.predict_intent((16000, noise))
