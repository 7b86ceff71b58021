"""The demo's "Dub" tab: a clip and its translation -> the dub beside a plain synthesis.

:func:`run_dub` is the work (plain functions on the loaded synthesizer, no Gradio), and
:func:`build_dub_tab` adds the tab's components to an open ``gr.Blocks``. The page shows both
outputs, the report of :class:`speech.dub.dubber.Dubber` as a table, and the prosody profiles of
the dub and the plain synthesis drawn over the source's (z-scores per window, one panel per
feature).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from speech.demo.service import AudioInput, DemoService, language_label, read_audio
from speech.errors import EmptyTextError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DubPageResult:
    """What the tab shows.

    Attributes:
        dub: ``(sample_rate, int16 samples)`` of the dub.
        plain: the same for the plain synthesis.
        summary: markdown table of the report.
        figure: matplotlib figure of the three profiles.
        report: the full report (JSON-able).
    """

    dub: tuple[int, np.ndarray]
    plain: tuple[int, np.ndarray]
    summary: str
    figure: Any
    report: dict[str, Any]


def _pcm16(wav: np.ndarray, sr: int) -> tuple[int, np.ndarray]:
    return sr, np.round(np.clip(wav, -1, 1) * 32767).astype(np.int16)


def profile_figure(profiles: dict[str, np.ndarray]) -> Any:
    """One panel per prosodic feature; each profile (z-vector) as a step curve over the windows."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from speech.eval.prosody import FEATURE_NAMES, FEATURES, NUM_WINDOWS, WINDOW_BOUNDS

    edges = np.asarray(WINDOW_BOUNDS, dtype=np.float64)
    fig, axes = plt.subplots(2, 5, figsize=(14, 5), sharex=True)
    styles = {"source": dict(color="black", linewidth=2.2), "dub": dict(color="tab:blue", linewidth=1.6),
              "plain": dict(color="tab:orange", linewidth=1.4, linestyle="--")}
    for i, (feat, ax) in enumerate(zip(FEATURES, axes.ravel(), strict=True)):
        for name, z in profiles.items():
            ax.stairs(np.asarray(z).reshape(len(FEATURES), NUM_WINDOWS)[i], edges, label=name, **styles.get(name, {}))
        ax.axhline(0.0, color="0.8", linewidth=0.8)
        ax.set_title(f"{feat}: {FEATURE_NAMES[feat]}", fontsize=9)
        ax.set_xticks([0, 50, 100])
    axes[0, 0].legend(fontsize=8)
    fig.supxlabel("% of the utterance")
    fig.supylabel("z-score")
    fig.tight_layout()
    plt.close(fig)
    return fig


def run_dub(service: DemoService, source: AudioInput | None, source_language: str | None, source_text: str | None,
            text: str | None, language: str | None) -> DubPageResult:
    """Dub ``source`` into ``language`` saying ``text``; every user mistake is a :class:`SpeechError`."""
    from speech.dub.dubber import Dubber

    clean = service.check_text(text)
    target = service.model_language(language, "target language")
    wav, sr = read_audio(source, "source clip")
    # The dub itself needs no transcript: the page does not run Whisper for it.
    transcript = (source_text or "").strip() or None
    dubber = getattr(service, "_dubber", None)
    if dubber is None:
        dubber = Dubber(service.synthesizer)
        service._dubber = dubber  # type: ignore[attr-defined]  # cached on the service, which does not declare it
    result = dubber.dub((wav, sr), clean, target, source_language=source_language or None,
                         source_text=transcript, transcribe=False)
    r = result.report
    summary = "\n".join([
        "| | prosody distance to the source | speaker similarity | speech length / source | emotion recognised |",
        "|---|---|---|---|---|",
        f"| dub | {r['prosody_distance']['dub']:.2f} | {r['speaker_similarity']['dub']:.3f} | "
        f"{r['duration_ratio']:.3f} | {r['emotion']['dub']} |",
        f"| plain | {r['prosody_distance']['plain']:.2f} | {r['speaker_similarity']['plain']:.3f} | "
        f"{r['duration']['plain_ratio']:.3f} | {r['emotion']['plain']} |",
        "",
        f"Source: {r['source']['speech_s']:.2f} s of speech, emotion **{r['emotion']['source']}**; "
        f"{language_label(target)}; prosody map: {r['prosody_map']}; {r['seconds']['total']:.1f} s.",
    ])
    figure = profile_figure({k: result.profiles[k].z for k in ("source", "dub", "plain") if k in result.profiles})
    assert result.plain_audio is not None  # the report always synthesises plainly
    return DubPageResult(_pcm16(result.audio, result.sample_rate), _pcm16(result.plain_audio, result.sample_rate),
                         summary, figure, r)


def build_dub_tab(service: DemoService, wrap: Any, first_language: str, language_choices: list[tuple[str, str]],
                  all_languages: list[tuple[str, str]]) -> None:
    """Add the "Dub" tab to the ``gr.Blocks`` being built (call inside its ``with``).

    Args:
        service: the loaded models.
        wrap: the page's error wrapper (turns :class:`SpeechError` into a message in the page).
        first_language: the default target language.
        language_choices: ``(label, code)`` of the languages the model speaks.
        all_languages: ``(label, code)`` of every language, for the source's.
    """
    import gradio as gr

    with gr.Tab("Dub"):
        gr.Markdown("Upload or record a clip, type its translation and pick the language: the dub keeps the clip's "
                    "voice, emotion, speech length and prosody profile; the plain synthesis beside it keeps only "
                    "voice and emotion.")
        with gr.Row():
            with gr.Column():
                source = gr.Audio(sources=["upload", "microphone"], type="filepath", label="Source clip (1-60 s)",
                                  elem_id="dub-source")
                source_language = gr.Dropdown(all_languages, value="en-us", label="Language of the source",
                                              elem_id="dub-source-language")
                source_text = gr.Textbox(label="What the source says (optional)", elem_id="dub-source-text")
                text = gr.Textbox(lines=2, label="Translation to speak", elem_id="dub-text")
                language = gr.Dropdown(language_choices, value=first_language, label="Target language",
                                       elem_id="dub-language")
                button = gr.Button("Dub", variant="primary", elem_id="dub")
            with gr.Column():
                dub_audio = gr.Audio(label="Dub", type="numpy", interactive=False, elem_id="dub-output")
                plain_audio = gr.Audio(label="Plain synthesis", type="numpy", interactive=False, elem_id="dub-plain")
                summary = gr.Markdown(elem_id="dub-report")
                plot = gr.Plot(label="Prosody profiles: source, dub, plain", elem_id="dub-profiles")

        @wrap
        def dub(src: str | None, src_lang: str | None, src_text: str | None, txt: str, lang: str) -> tuple[Any, ...]:
            if not (txt or "").strip():
                raise EmptyTextError("the translation is empty: type what the dub should say")
            result = run_dub(service, src, src_lang, src_text, txt, lang)
            return result.dub, result.plain, result.summary, result.figure

        button.click(dub, [source, source_language, source_text, text, language],
                     [dub_audio, plain_audio, summary, plot], api_name="dub", concurrency_id="models")

