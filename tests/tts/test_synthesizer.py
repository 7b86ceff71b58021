import numpy as np
import pytest
import torch

from speech.audio.io import load_audio, save_audio
from speech.errors import AudioError, EmptyTextError, SpeechError, UnknownLanguageError
from speech.text.tokenizer import Tokenizer
from speech.tts.model import AcousticModel
from speech.tts.synthesizer import Synthesizer, split_sentences


@pytest.fixture
def synth_dir(tiny_config, tmp_path):
    torch.manual_seed(0)
    tiny_config.speaker_dim = 256
    model = AcousticModel(tiny_config)
    model.set_speaker_table(torch.nn.functional.normalize(torch.randn(2, 256), dim=-1))
    Synthesizer(model, Tokenizer()).save_pretrained(tmp_path / "synth")
    return tmp_path / "synth"


def test_split_sentences():
    assert split_sentences("Hola. ¿Qué tal? ¡Bien!  Adiós") == ["Hola.", "¿Qué tal?", "¡Bien!", "Adiós"]
    assert split_sentences("你好。今天很好！") == ["你好。", "今天很好！"]
    # nothing to say on its own: kept with a neighbour (Asterisk prompts read "... for ...")
    assert split_sentences("... for ...") == ["... for ..."]
    assert split_sentences("... letters of the name. ! Go.") == ["... letters of the name. !", "Go."]
    assert split_sentences("Done. !!") == ["Done. !!"]
    assert split_sentences("?! ...") == ["?!", "..."]


def test_synthesize_by_name_gives_audio_of_predicted_length(synth_dir):
    synth = Synthesizer.from_pretrained(synth_dir)
    assert synth.languages == ["en-us", "es"] and synth.speakers == ["flite_kal", "flite_slt"]
    wav, sr = synth.synthesize("Hello there. How are you?", "en", speaker="flite_slt", emotion="happy")
    assert sr == 22050 and wav.dtype == np.float32 and wav.ndim == 1
    assert np.abs(wav).max() <= 1.0
    chunks = list(synth.stream("Hello there. How are you?", "en", speaker="flite_slt", emotion="happy"))
    assert [c.text for c in chunks] == ["Hello there.", "How are you?"]
    pause = int(0.25 * sr)
    assert len(wav) == sum(len(c.audio) for c in chunks) + pause
    assert all(len(c.audio) % 256 == 0 for c in chunks)  # whole mel frames


def test_accent_and_cross_lingual_inputs_are_accepted(synth_dir):
    synth = Synthesizer.from_pretrained(synth_dir)
    native, _ = synth.synthesize("Hola amigo.", "es", speaker="flite_kal")
    accented, _ = synth.synthesize("Hola amigo.", "es", speaker="flite_kal", accent="en")
    assert native.shape != accented.shape or not np.allclose(native, accented)


def test_reference_clip_errors(synth_dir, tmp_path):
    synth = Synthesizer.from_pretrained(synth_dir)
    silent = save_audio(tmp_path / "silent.wav", np.zeros(22050 * 2, dtype=np.float32), 22050)
    with pytest.raises(AudioError, match="silent"):
        synth.synthesize("Hello.", "en", speaker=str(silent))
    t = np.arange(11025) / 22050
    short = save_audio(tmp_path / "short.wav", 0.3 * np.sin(2 * np.pi * 200 * t), 22050)
    with pytest.raises(AudioError, match="at least 1 s"):
        synth.synthesize("Hello.", "en", speaker=str(short))
    long = (np.random.default_rng(0).standard_normal(22050 * 61) * 0.1).astype(np.float32)
    with pytest.raises(AudioError, match="limit is 60 s"):
        synth.synthesize("Hello.", "en", speaker=(long, 22050))


def test_name_and_language_errors(synth_dir):
    synth = Synthesizer.from_pretrained(synth_dir)
    with pytest.raises(UnknownLanguageError, match="speaks: en-us, es"):
        synth.synthesize("Bonjour.", "fr", speaker="flite_kal")
    with pytest.raises(SpeechError, match="known speakers: flite_kal, flite_slt"):
        synth.synthesize("Hello.", "en", speaker="nobody")
    with pytest.raises(SpeechError, match="known emotions"):
        synth.synthesize("Hello.", "en", speaker="flite_kal", emotion="bored")
    with pytest.raises(EmptyTextError):
        synth.synthesize("   ", "en", speaker="flite_kal")


def test_emotion_from_a_clip(synth_dir, tmp_path):
    synth = Synthesizer.from_pretrained(synth_dir)
    t = np.arange(22050 * 2) / 22050
    clip = save_audio(tmp_path / "e.wav", 0.3 * np.sin(2 * np.pi * 180 * t) * (1 + np.sin(2 * np.pi * 3 * t)), 22050)
    probs = synth.emotion_input(str(clip))
    assert probs.shape == (2,) and torch.isclose(probs.sum(), torch.tensor(1.0))


def test_cli_synth(synth_dir, tmp_path, capsys):
    from speech.cli import main

    assert main(["synth", "--model", str(synth_dir), "--list"]) == 0
    assert "flite_kal" in capsys.readouterr().out
    out = tmp_path / "o.wav"
    assert main(["synth", "--model", str(synth_dir), "--lang", "es", "--text", "Hola.", "--speaker",
                 "flite_kal", "-o", str(out)]) == 0
    wav, sr = load_audio(out)
    assert sr == 22050 and len(wav) > 0
