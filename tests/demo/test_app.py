"""``speech demo`` on a local port, driven through ``gradio_client`` like any API user."""

import json
import urllib.error
import urllib.request

import numpy as np
import pytest
import soundfile as sf

from .helpers import TEN_WORDS

pytestmark = pytest.mark.heavy


@pytest.fixture(scope="module")
def client(demo_server, tmp_path_factory):
    from gradio_client import Client

    return Client(demo_server, verbose=False, download_files=str(tmp_path_factory.mktemp("downloads")),
                  analytics_enabled=False)


def synth_args(reference, text=TEN_WORDS, language="en-us", **kw):
    from gradio_client import handle_file

    args = {"ref": handle_file(str(reference)), "txt": text, "lang": language, "ref_lang": "en-us", "acc": "native",
            "emo": "neutral", "emo_ref": None, "inten": 1.0, "spd": 1.0}
    return {**args, **kw}


def test_synthesis_returns_real_audio_of_plausible_duration(client, flite_reference):
    audio, status, similarity, phonemes, plot = client.predict(**synth_args(flite_reference), api_name="/synthesize")
    wav, sr = sf.read(audio, dtype="float32")
    assert sr == 22050 and wav.ndim == 1
    assert 1.5 < len(wav) / sr < 15.0, f"{len(wav) / sr:.2f} s for a 10-word sentence"
    assert float(np.sqrt(np.mean(wav**2))) > 0.01 and np.isfinite(wav).all()
    assert status.startswith(f"{len(wav) / sr:.1f} s of English (US) (en-us)")
    assert "✓ speech" in status
    assert -1.0 <= similarity <= 1.0
    assert "lˈaɪthaʊs" in phonemes  # espeak-ng's IPA for "lighthouse"
    assert plot["type"] == "matplotlib" and plot["plot"].startswith("data:image/")


def test_spanish_with_the_reference_accent_and_an_emotion_clip(client, flite_reference):
    audio, status, *_ = client.predict(**synth_args(
        flite_reference, text="Mañana vamos al mercado a comprar fruta y pan fresco.", language="es",
        acc="reference", emo="happy", inten=1.5, spd=0.9), api_name="/synthesize")
    wav, sr = sf.read(audio, dtype="float32")
    assert 1.0 < len(wav) / sr < 15.0 and "Spanish (es)" in status


def test_errors_are_messages(client, flite_reference, silent_reference):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="the reference clip is silent") as e:
        client.predict(**synth_args(silent_reference), api_name="/synthesize")
    assert "Traceback" not in str(e.value) and str(silent_reference.parent) not in str(e.value)
    with pytest.raises(AppError, match="the text has 501 characters, over the limit of 500"):
        client.predict(**synth_args(flite_reference, text="a" * 501), api_name="/synthesize")
    with pytest.raises(AppError, match=r"Japanese \(ja\) is not supported as target language"):
        client.predict(**synth_args(flite_reference, language="ja"), api_name="/synthesize")
    described = client.predict(synth_args(silent_reference)["ref"], api_name="/describe_reference")
    assert described == "2.0 s · ✗ silent (every sample is zero): check the microphone or the file"


def test_slu_tab_answers_with_an_intent(client):
    from gradio_client import handle_file

    from speech.demo.examples import EXAMPLES_DIR

    # "Turn on the lights in the kitchen." in flite's kal voice
    summary, details = client.predict(audio=handle_file(str(EXAMPLES_DIR / "kal_command.flac")), api_name="/understand")
    assert details["intent"] == {"action": "activate", "object": "lights", "location": "kitchen"}
    assert 0.5 < details["confidence"] <= 1 and "confidence" in summary
    # "That was the best concert I have ever been to!": speech, but no command.
    summary, details = client.predict(audio=handle_file(str(EXAMPLES_DIR / "slt_en_happy.flac")), api_name="/understand")
    assert details["intent"] is None and details["novelty"] > 1.0
    assert "No command recognised" in summary


def test_no_server_paths_are_exposed_or_served(demo_server, shipped_synth_dir):
    from .helpers import REPO

    with urllib.request.urlopen(demo_server + "config") as r:
        config = r.read().decode()
    for private in (str(REPO), str(shipped_synth_dir.parent)):
        assert private not in config
    assert json.loads(config)["show_error"] is False
    for path in ("/etc/passwd", shipped_synth_dir / "acoustic" / "config.yaml", REPO / "demo" / "examples" / "rms_en.flac"):
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(f"{demo_server}gradio_api/file={path}")
        assert e.value.code == 403
