"""The Gradio page: :func:`build_app` returns a ``gr.Blocks`` with three tabs.

- **Voice cloning**: a reference clip (upload or record; its duration and a speech check appear
  under it), the text, the target language, the accent (native, or the reference's language),
  an emotion (by name, or copied from a second clip) with its intensity, and the speed. The result
  is the audio, the phonemes the model read, the speaker similarity of the output to the
  reference, and a plot of both clips' pitch and energy contours. Examples made from the
  bootstrap voices fill every input.
- **Dub** (:mod:`speech.demo.dub_tab`): a clip and its translation; the dub (voice, emotion,
  speech length and prosody profile of the clip) beside a plain synthesis, the report, and both
  prosody profiles drawn over the source's.
- **Spoken commands**: the SLU model's intent for an uploaded or recorded command.

Errors (silent or non-speech reference, text over the limit, unsupported language...) appear in
the page as messages, never as tracebacks, and never name a server path. Requests go through a
queue with a concurrency limit. Gradio serves only its own cache, which :func:`private_temp_dir`
puts in a directory of this app's own; no other path is allowed.

Example:
    >>> app = build_app("models/bootstrap-multilingual", "models/bootstrap-slu")  # doctest: +SKIP
    >>> app.launch(server_port=7860)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from speech.demo.config import DemoConfig
from speech.demo.service import DemoService, SynthesisRequest, all_language_choices, language_label
from speech.errors import SpeechError

logger = logging.getLogger(__name__)

TEMP_PREFIX = "speech-demo-"
# System fonts: Gradio's default theme would fetch Google Fonts, and the demo runs offline.
_FONTS = ["ui-sans-serif", "system-ui", "sans-serif"]
_MONO_FONTS = ["ui-monospace", "Consolas", "monospace"]


def private_temp_dir() -> Path:
    """The directory Gradio keeps uploads and outputs in: ``$GRADIO_TEMP_DIR`` when set, else a new
    ``speech-demo-*`` directory, exported as ``$GRADIO_TEMP_DIR`` for this process.

    Gradio serves files from this directory only (plus ``allowed_paths``, which the demo leaves
    empty), so the page can never hand out another file of the server.
    """
    current = os.environ.get("GRADIO_TEMP_DIR")
    if current:
        Path(current).mkdir(parents=True, exist_ok=True)
        return Path(current)
    path = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX))
    os.environ["GRADIO_TEMP_DIR"] = str(path)
    return path


def _page_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn errors into ``gr.Error`` messages for the page: user mistakes as they are, anything
    else as a short note (the traceback goes to the server log only)."""
    import functools

    import gradio as gr

    @functools.wraps(fn)
    def wrapper(*args: Any) -> Any:
        try:
            return fn(*args)
        except gr.Error:
            raise
        except SpeechError as e:
            # duration=None: the message stays in the page until closed, next to the outputs it blocked.
            raise gr.Error(str(e), duration=None, print_exception=False) from None
        except Exception as e:
            logger.exception("demo request failed")
            raise gr.Error(f"internal error ({type(e).__name__}); the server log has the details",
                           print_exception=False) from None

    return wrapper


def build_app(
    model_dir: str | os.PathLike[str],
    slu_model_dir: str | os.PathLike[str] | None = None,
    config: DemoConfig | None = None,
    service: DemoService | None = None,
) -> Any:
    """The demo page (not launched).

    Args:
        model_dir: synthesizer directory (``models/bootstrap-multilingual``).
        slu_model_dir: SLU model directory; ``None`` shows the tab with a note instead.
        config: limits and defaults.
        service: already loaded models (tests); loaded from the directories when ``None``.

    Returns:
        A queued ``gr.Blocks``; launch it with :func:`launch_app` or ``.launch()``.

    Raises:
        FileNotFoundError: a model directory that does not exist.
    """
    import gradio as gr

    from speech.demo.examples import command_examples, example_rows

    cfg = config or DemoConfig()
    svc = service or DemoService.load(model_dir, slu_model_dir, cfg)
    private_temp_dir()  # before gr.Blocks: Gradio reads $GRADIO_TEMP_DIR when a Blocks is made
    languages = svc.language_choices()
    emotions = svc.emotions
    codes = [code for _, code in languages]
    first_language = cfg.default_language if cfg.default_language in codes else codes[0]

    with gr.Blocks(title="speech: cross-lingual voice cloning", analytics_enabled=False,
                   delete_cache=(1800, 3600)) as app:
        gr.Markdown(
            "# Cross-lingual voice cloning\n"
            f"Give a short clip of a voice; the model `{Path(model_dir).name}` makes it speak "
            f"{', '.join(label for label, _ in languages)} with an emotion and an accent of your choice."
        )
        with gr.Tab("Voice cloning"):
            with gr.Row():
                with gr.Column():
                    reference = gr.Audio(sources=["upload", "microphone"], type="filepath",
                                         label=f"Reference voice (1-{cfg.max_reference_s:.0f} s; longer clips are trimmed)",
                                         elem_id="reference")
                    reference_info = gr.Markdown(elem_id="reference-info")
                    reference_language = gr.Dropdown(all_language_choices(), value=first_language,
                                                     label="Language of the reference clip", elem_id="reference-language")
                    text = gr.Textbox(value=cfg.default_text, lines=3, label="Text",
                                      info=f"up to {cfg.max_text_chars} characters", elem_id="text")
                    language = gr.Dropdown(languages, value=first_language, label="Target language",
                                           allow_custom_value=True, elem_id="language")
                    accent = gr.Radio([("Native (the target language's own)", "native"),
                                       ("The reference clip's language", "reference")],
                                      value="native", label="Accent", elem_id="accent")
                    with gr.Group():
                        emotion = gr.Dropdown(emotions, value=emotions[0], label="Emotion", elem_id="emotion")
                        with gr.Accordion("...or copy the emotion of a clip", open=False):
                            emotion_reference = gr.Audio(sources=["upload", "microphone"], type="filepath",
                                                         label="Emotion clip (optional; replaces the emotion above)",
                                                         elem_id="emotion-reference")
                            emotion_info = gr.Markdown()
                        intensity = gr.Slider(0.0, 2.0, value=1.0, step=0.1, label="Emotion intensity",
                                              info="0 neutral, 1 as trained, 2 exaggerated")
                    speed = gr.Slider(0.5, 2.0, value=1.0, step=0.05, label="Speed")
                    button = gr.Button("Synthesize", variant="primary", elem_id="synthesize")
                with gr.Column():
                    output = gr.Audio(label="Output", type="numpy", interactive=False, elem_id="output")
                    status = gr.Markdown(elem_id="status")
                    similarity = gr.Number(label="Speaker similarity to the reference (GE2E cosine)",
                                           precision=3, interactive=False, elem_id="similarity")
                    phonemes = gr.Textbox(label="Phonemes used", lines=3, interactive=False, elem_id="phonemes")
                    plot = gr.Plot(label="Prosody contours: pitch and energy", elem_id="contours")
            inputs = [reference, text, language, reference_language, accent, emotion, emotion_reference,
                      intensity, speed]
            rows = example_rows(svc.languages, emotions)
            if rows:
                gr.Examples(rows, inputs, label="Examples (voices of the bootstrap corpus)")

        from speech.demo.dub_tab import build_dub_tab

        build_dub_tab(svc, _page_errors, first_language, languages, all_language_choices())

        with gr.Tab("Spoken commands"):
            if svc.intent_predictor is None:
                gr.Markdown("No SLU model is loaded: start the demo with `--slu-model DIR` to try this tab.")
            else:
                gr.Markdown("Say or upload a command such as *turn on the lights in the kitchen*.")
            command = gr.Audio(sources=["upload", "microphone"], type="filepath", label="Command", elem_id="command")
            understand = gr.Button("Understand", variant="primary", elem_id="understand")
            intent_md = gr.Markdown(elem_id="intent")
            intent_json = gr.JSON(label="Prediction")
            commands = command_examples()
            if commands:
                gr.Examples(commands, [command], label="Example command")

        @_page_errors
        def describe(audio: str | None) -> str:
            return svc.describe_reference(audio, "reference clip")

        @_page_errors
        def describe_emotion(audio: str | None) -> str:
            return svc.describe_reference(audio, "emotion clip")

        @_page_errors
        def synthesize(ref: str | None, txt: str, lang: str, ref_lang: str | None, acc: str, emo: str,
                       emo_ref: str | None, inten: float, spd: float) -> tuple[Any, ...]:
            # The ignore below: gradio's radio gives a str, and its choices are the accent Literal's.
            result = svc.synthesize(SynthesisRequest(
                reference=ref, text=txt, language=lang, reference_language=ref_lang, accent=acc,  # type: ignore[arg-type]
                emotion=emo, emotion_reference=emo_ref or None, emotion_intensity=float(inten), speed=float(spd),
            ))
            for note in result.notes:
                gr.Warning(note)
            lines = [f"{result.duration_s:.1f} s of {language_label(svc.model_language(lang, 'target language'))} "
                     f"in {result.seconds:.1f} s · reference: {result.reference.summary()}", *result.notes]
            return (result.pcm16(), "\n".join(lines), round(result.similarity, 3), result.phonemes, result.figure)

        @_page_errors
        def predict(audio: str | None) -> tuple[str, dict[str, Any]]:
            out = svc.predict_intent(audio)
            if out["intent"] is None:
                # The model's novelty check (or confidence floor): speech, but none of its commands.
                return "**No command recognised**: this sounds like none of the commands the model knows.", out
            slots = " · ".join(f"{k}: **{v}**" for k, v in out["intent"].items())
            return f"{slots} (confidence {out['confidence']:.0%})", out

        reference.change(describe, reference, reference_info, api_name="describe_reference")
        emotion_reference.change(describe_emotion, emotion_reference, emotion_info, api_visibility="private")
        # Synthesis and intent prediction share one concurrency group: together they never run more
        # model jobs at once than the limit (the CPU is the bottleneck); the rest waits in the queue.
        button.click(synthesize, inputs, [output, status, similarity, phonemes, plot], api_name="synthesize",
                     concurrency_id="models")
        understand.click(predict, command, [intent_md, intent_json], api_name="understand", concurrency_id="models")

    app.queue(default_concurrency_limit=cfg.concurrency_limit, max_size=cfg.max_queue)
    return app


def launch_app(app: Any, host: str = "127.0.0.1", port: int = 7860, share: bool = False,
               block: bool = True, max_file_size: str = "20mb") -> Any:
    """Launch a page from :func:`build_app` with the demo's safety settings.

    No ``allowed_paths`` (only Gradio's cache in :func:`private_temp_dir` is served), no error
    details beyond the messages raised on purpose, uploads capped at ``max_file_size``, no
    server-side rendering (it would need Node), and system fonts (the default theme fetches Google
    Fonts; the demo runs offline).
    """
    import gradio as gr

    theme = gr.themes.Default(font=_FONTS, font_mono=_MONO_FONTS)
    return app.launch(
        server_name=host, server_port=port, share=share, show_error=False, prevent_thread_lock=not block,
        max_file_size=max_file_size, ssr_mode=False, allowed_paths=[], quiet=False, theme=theme,
    )
