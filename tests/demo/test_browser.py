"""The page in a headless Chromium (Debian's, driven by Playwright): fill, click, get audio.

Also the benchmark of the page: seconds from the click on *Synthesize* to the audio element in
the page, for a 10-word sentence, on this machine's CPU. Written to
``test-artifacts/demo/click_to_audio.json`` with a screenshot of the result and of an error.
"""

import json
import logging
import os
import platform
import re
import shutil
import time

import pytest

from speech.fileio import atomic_write_text

from .helpers import REPO, TEN_WORDS

pytestmark = [pytest.mark.heavy, pytest.mark.browser]
logger = logging.getLogger(__name__)

ARTIFACTS = REPO / "test-artifacts" / "demo"
CHROMIUM = "/usr/bin/chromium"
OTHER_TEN_WORDS = "My grandmother keeps her old letters in a wooden box."


@pytest.fixture(scope="module")
def page(demo_server):
    from playwright.sync_api import sync_playwright

    if shutil.which(CHROMIUM) is None:
        raise RuntimeError(f"{CHROMIUM} is missing: add 'chromium' to scripts/debian-packages.txt and run make setup")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        page.goto(demo_server, wait_until="domcontentloaded")
        page.wait_for_selector("#synthesize", timeout=60_000)
        yield page
        browser.close()


def click_to_audio(page, text: str, previous_src: str | None) -> tuple[float, str]:
    """Type ``text``, click Synthesize, and wait for new audio in the output; (seconds, its URL).

    Gradio's audio player loads the file itself (its ``<audio>`` gets no ``src`` attribute); the
    output's download link carries the URL of the new file as soon as the page has it.
    """
    page.locator("#text textarea").fill(text)
    start = time.perf_counter()
    page.locator("#synthesize").click()
    page.wait_for_function(
        """prev => { const a = document.querySelector('#output a[download]'); return a && a.href && a.href !== prev; }""",
        arg=previous_src or "", timeout=180_000,
    )
    seconds = time.perf_counter() - start
    return seconds, page.locator("#output a[download]").get_attribute("href")


def test_fill_submit_and_hear(page, flite_reference, silent_reference):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("#reference input[type=file]").set_input_files(str(flite_reference))
    page.wait_for_function("() => document.querySelector('#reference-info').innerText.includes('speech')",
                           timeout=60_000)
    assert re.match(r"^4\.\d s · ✓ speech", page.locator("#reference-info").inner_text())

    first, src = click_to_audio(page, TEN_WORDS, None)
    status = page.locator("#status").inner_text()
    audio_s = float(status.split(" s of ")[0])
    assert 1.5 < audio_s < 15.0 and "English (US) (en-us)" in status
    assert src.startswith(page.url.rstrip("/") + "/gradio_api/file=") and src.endswith(".wav")
    assert "lˈaɪthaʊs" in page.locator("#phonemes textarea").input_value()
    similarity = float(page.locator("#similarity input").input_value())
    assert -1.0 <= similarity <= 1.0
    assert page.locator("#contours img, #contours canvas, #contours svg").count() > 0
    page.screenshot(path=str(ARTIFACTS / "synthesis.png"), full_page=True)

    second, _ = click_to_audio(page, OTHER_TEN_WORDS, src)
    result = {
        "what": "seconds from the click on Synthesize to the new audio in the page, 10-word English sentences "
                "(first click of this page, then a second one with another sentence)",
        "first_click_s": round(first, 2), "second_click_s": round(second, 2), "audio_s": audio_s,
        "texts": [TEN_WORDS, OTHER_TEN_WORDS],
        "model": "models/bootstrap-multilingual (shipped; Vocos vocoder)",
        "cpu": platform.processor() or platform.machine(), "cpu_count": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2), "browser": "Debian chromium (headless)",
    }
    atomic_write_text(ARTIFACTS / "click_to_audio.json", json.dumps(result, indent=2) + "\n")
    logger.info("click to audio: %.2f s (first click), %.2f s (second) with the %s", first, second, result["model"])
    assert second < 120.0

    # A silent reference: the message appears in the page, the traceback does not.
    page.locator("#reference button[aria-label='Clear']").click()
    page.locator("#reference input[type=file]").set_input_files(str(silent_reference))
    page.wait_for_function("() => document.querySelector('#reference-info').innerText.includes('silent')",
                           timeout=60_000)
    page.locator("#synthesize").click()
    toast = page.get_by_text("the reference clip is silent")
    toast.first.wait_for(timeout=60_000)
    page.wait_for_timeout(1000)  # the toast fades in
    page.screenshot(path=str(ARTIFACTS / "silent_reference_error.png"), full_page=True)
    assert "Traceback" not in page.content()
