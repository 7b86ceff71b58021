"""How long ``speech dub`` takes for a 5 s source clip on one CPU thread (the shipped model).

The source is the demo clip ``demo/examples/slt_en_happy.flac`` said twice with a 0.3 s pause (about
6 s); the dub says a Spanish sentence of the same length in its voice, emotion,
duration and prosody. Three figures, each the best of ``--repeats`` runs after one warm-up:

- the dub alone (``report=False``: synthesis, steering, duration fit, loudness);
- the dub with its report (plain synthesis, three prosody profiles, speaker similarity, emotion),
  what ``speech dub`` does by default;
- the whole command in a fresh process (``speech dub ... --source-text``: loading the model too),
  pinned to one core with ``taskset`` where it exists.

    python benchmarks/dub.py [--repeats 3] [--model DIR]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from timing import best_time

from speech.audio.io import load_audio, save_audio
from speech.dub.dubber import Dubber, DubConfig
from speech.dub.timing import speech_span_s
from speech.tts.cli import DEFAULT_MODEL

CLIP = Path(__file__).resolve().parents[1] / "demo" / "examples" / "slt_en_happy.flac"
SOURCE_TEXT = "Wow, that is wonderful news, I am so happy for you!"
TEXT = "¡Vaya, qué noticia tan maravillosa, me alegro muchísimo por ti! Es una noticia estupenda, de verdad."


def source_clip() -> tuple[np.ndarray, int]:
    """The demo clip twice with a 0.3 s pause between."""
    wav, sr = load_audio(CLIP)
    return np.concatenate([wav, np.zeros(int(0.3 * sr), dtype=wav.dtype), wav]), sr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model", default=str(DEFAULT_MODEL))
    args = parser.parse_args()
    torch.set_num_threads(1)
    wav, sr = source_clip()
    speech_s = speech_span_s(wav, sr)
    dubber = Dubber.from_pretrained(args.model)

    def dub(report: bool) -> None:
        dubber.dub((wav, sr), TEXT, "es", source_language="en", source_text=SOURCE_TEXT, config=DubConfig(report=report))

    rows = [("dub alone", best_time(lambda: dub(False), args.repeats)),
            ("dub + report (speech dub's default)", best_time(lambda: dub(True), args.repeats))]
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "source.wav"
        save_audio(src, wav, sr)
        speech = Path(sys.executable).with_name("speech")
        cmd = [str(speech) if speech.exists() else "speech", "dub", str(src), "--text", TEXT, "--lang", "es",
               "--source-lang", "en", "--source-text", SOURCE_TEXT, "--model", args.model, "-o", str(Path(tmp) / "dub.wav")]
        if shutil.which("taskset"):
            cmd = ["taskset", "-c", "0", *cmd]
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        rows.append(("whole command, fresh process, 1 core", time.perf_counter() - start))
    print(f"source: {len(wav) / sr:.2f} s ({speech_s:.2f} s of speech); torch threads 1")
    print("| step | seconds | x real time |")
    print("|---|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.2f} | {seconds / speech_s:.3f} |")


if __name__ == "__main__":
    main()
