"""The demo's Dub tab: its endpoint, the dub beside a plain synthesis, profiles, page errors."""

import numpy as np
import pytest

from speech.demo.config import DemoConfig
from speech.errors import AudioError, EmptyTextError, UnknownLanguageError

TEXT_ES = "Mi abuela guarda sus cartas antiguas en una caja de madera."


@pytest.fixture(scope="module")
def service(shipped_synth_dir):
    from speech.demo.service import DemoService

    return DemoService.load(shipped_synth_dir)


def test_dub_endpoint_is_queued_with_the_models(random_synth_dir, monkeypatch, tmp_path):
    from speech.demo.app import build_app

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    app = build_app(random_synth_dir, None, DemoConfig(concurrency_limit=1, max_queue=8))
    fns = {fn.api_name: fn for fn in app.fns.values()}
    assert "dub" in fns and fns["dub"].concurrency_id == fns["synthesize"].concurrency_id == "models"
    labels = [c.get("props", {}).get("label") for c in app.get_config_file()["components"]]
    assert {"Dub", "Plain synthesis", "Prosody profiles: source, dub, plain"} <= set(labels)


def test_dub_and_plain_with_profiles(service, flite_reference):
    from speech.demo.dub_tab import run_dub

    result = run_dub(service, str(flite_reference), "en-us", "", TEXT_ES, "es")
    for sr, pcm in (result.dub, result.plain):
        assert sr == 22050 and pcm.dtype == np.int16 and len(pcm) > sr
        assert np.sqrt(np.mean(pcm.astype(np.float64) ** 2)) > 300  # speech, not silence
    assert abs(result.report["duration_ratio"] - 1.0) < 0.05
    axes = result.figure.axes
    assert len(axes) == 10 and all(len(ax.patches) == 3 for ax in axes)  # source, dub, plain per feature
    assert "| dub |" in result.summary and "| plain |" in result.summary


@pytest.mark.parametrize(("source", "text", "language", "error"), [
    ("silent", TEXT_ES, "es", AudioError),
    ("flite", "  ", "es", EmptyTextError),
    ("flite", TEXT_ES, "ja", UnknownLanguageError),
    (None, TEXT_ES, "es", AudioError),
])
def test_page_errors(service, flite_reference, silent_reference, source, text, language, error):
    from speech.demo.dub_tab import run_dub

    clip = {"silent": silent_reference, "flite": flite_reference, None: None}[source]
    with pytest.raises(error) as e:
        run_dub(service, None if clip is None else str(clip), "en-us", "", text, language)
    assert "/" not in str(e.value)  # never a server path
