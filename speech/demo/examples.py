"""The demo's example inputs: reference clips spoken by bootstrap voices, and example requests.

The clips in ``demo/examples/`` are made by :func:`make_example_clips` with the same engines,
emotion styles and loudness normalisation as the bootstrap corpus (:mod:`speech.data.bootstrap`),
then stored as 16 kHz FLAC to stay small. ``flite-en-us-rms`` is one of the corpus's held-out
voices, so cloning it is zero-shot even for the shipped model. Re-make them with::

    python -m speech.demo.examples demo/examples

Example rows name a target language; :func:`example_rows` keeps those the loaded model speaks, so
the examples work with any synthesizer.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from speech.assets.shipped import examples_dir

logger = logging.getLogger(__name__)

#: Where the clips are: ``$SPEECH_EXAMPLES_DIR``, the installed package's copy, or the checkout's
#: ``demo/examples`` (:mod:`speech.assets.shipped`).
EXAMPLES_DIR = examples_dir()
#: Rate the clips are stored at (GE2E runs at 16 kHz; the synthesizer resamples what it needs).
CLIP_SAMPLE_RATE = 16000


@dataclass(frozen=True)
class ExampleClip:
    """A reference clip spoken by one bootstrap voice.

    Attributes:
        file: file name in the examples folder.
        voice: bootstrap voice id (:mod:`speech.data.bootstrap.voices`).
        text: what it says (in the voice's language).
        emotion: emotion style it is spoken in (:data:`speech.data.bootstrap.styles.STYLES`).
    """

    file: str
    voice: str
    text: str
    emotion: str = "neutral"


@dataclass(frozen=True)
class ExampleRow:
    """One example request (the inputs of the synthesis tab, in order)."""

    reference: str
    text: str
    language: str
    reference_language: str
    accent: str = "native"
    emotion: str = "neutral"
    emotion_reference: str | None = None
    emotion_intensity: float = 1.0
    speed: float = 1.0


CLIPS: tuple[ExampleClip, ...] = (
    ExampleClip("rms_en.flac", "flite-en-us-rms", "Could you turn the lights off in the kitchen, please?"),
    ExampleClip("lp_it.flac", "festival-it-lp", "Domani andiamo al mercato a comprare la frutta."),
    ExampleClip("slt_en_happy.flac", "festival-en-us-slt", "That was the best concert I have ever been to!", "happy"),
    ExampleClip("kal_command.flac", "flite-en-us-kal", "Turn on the lights in the kitchen."),
)

ROWS: tuple[ExampleRow, ...] = (
    ExampleRow("rms_en.flac", "The lighthouse keeper told stories about ships lost at sea.", "en-us", "en-us"),
    ExampleRow("lp_it.flac", "Mañana vamos al mercado a comprar fruta y pan fresco.", "es", "it"),
    ExampleRow("rms_en.flac", "Mañana vamos al mercado a comprar fruta y pan fresco.", "es", "en-us", accent="reference"),
    ExampleRow("rms_en.flac", "We won the match, and everybody is singing in the street!", "en-us", "en-us",
               emotion_reference="slt_en_happy.flac", emotion_intensity=1.5),
    ExampleRow("lp_it.flac", "Please speak a little more slowly, I am still learning.", "en-us", "it",
               emotion="sad", speed=0.85),
)

#: Spoken commands for the SLU tab.
COMMAND_CLIPS: tuple[str, ...] = ("kal_command.flac",)


def example_rows(
    languages: Sequence[str], emotions: Sequence[str], folder: Path = EXAMPLES_DIR
) -> list[list[object]]:
    """Example requests the model can serve, as rows for ``gr.Examples`` (paths as strings).

    A row is kept when the model speaks its target language (and its accent language, when the
    row asks for the reference's accent), knows its emotion, and its clips exist.
    """
    rows = []
    for row in ROWS:
        clips = [folder / row.reference] + ([folder / row.emotion_reference] if row.emotion_reference else [])
        if any(not c.is_file() for c in clips):
            logger.warning("example clip missing in %s; make them with python -m speech.demo.examples", folder)
            continue
        if row.language not in languages or (row.accent == "reference" and row.reference_language not in languages):
            continue
        if row.emotion_reference is None and row.emotion not in emotions:
            continue
        emotion = row.emotion if row.emotion in emotions else emotions[0]
        rows.append([
            str(folder / row.reference), row.text, row.language, row.reference_language, row.accent, emotion,
            str(folder / row.emotion_reference) if row.emotion_reference else None,
            row.emotion_intensity, row.speed,
        ])
    return rows


def command_examples(folder: Path = EXAMPLES_DIR) -> list[list[str]]:
    """Spoken-command clips for the SLU tab that exist in ``folder``."""
    return [[str(folder / name)] for name in COMMAND_CLIPS if (folder / name).is_file()]


def _voice(voice_id: str):  # -> speech.data.bootstrap.voices.Voice, imported on use
    from speech.data.bootstrap.voices import SLU_EXTRA_VOICES, TTS_VOICES

    for voices in (*TTS_VOICES.values(), *SLU_EXTRA_VOICES.values()):
        for voice in voices:
            if voice.id == voice_id:
                return voice
    raise KeyError(f"no bootstrap voice {voice_id!r}")


def render_clip(clip: ExampleClip) -> np.ndarray:
    """The clip's audio at :data:`CLIP_SAMPLE_RATE`: engine output, emotion style, corpus loudness."""
    import soxr

    from speech.data.bootstrap.engines import residual_style, synthesize_raw
    from speech.data.bootstrap.styles import STYLES
    from speech.data.bootstrap.synthesis import SAMPLE_RATE, finish_audio
    from speech.data.bootstrap.voices import check_voices

    voice = check_voices([_voice(clip.voice)])[0]
    style = STYLES[clip.emotion]
    (raw, sr), = synthesize_raw(voice, [clip.text], [style])
    wav = finish_audio(raw, sr, style, residual_style(voice.engine, style))
    return soxr.resample(wav, SAMPLE_RATE, CLIP_SAMPLE_RATE, quality="HQ").astype(np.float32)


def make_example_clips(folder: Path = EXAMPLES_DIR, clips: Sequence[ExampleClip] = CLIPS) -> list[Path]:
    """Write every clip as 16-bit FLAC into ``folder`` (atomically); returns the files."""
    from speech.audio.io import save_audio

    out = []
    for clip in clips:
        path = save_audio(folder / clip.file, render_clip(clip), CLIP_SAMPLE_RATE)
        logger.info("wrote %s (%s, %s)", path, clip.voice, clip.emotion)
        out.append(path)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m speech.demo.examples [FOLDER]``: re-make the example clips."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=EXAMPLES_DIR)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for path in make_example_clips(args.folder):
        print(f"{path}\t{path.stat().st_size // 1024} kB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
