"""Throughput of the bootstrap TTS build per voice engine, with 1 and 2 workers.

For each engine (Kokoro, Pico, espeak-ng, festival, flite) it renders the same planned utterances
of the natural and system registries (a few voices of several languages, real corpus sentences,
emotion styles, resampling, trimming, loudness) into a fresh temporary directory, once per worker
count, and prints utterances and audio seconds per wall second. Worker start-up is included, as
in a real build.

Usage:
    python benchmarks/bootstrap.py [--utterances 24] [--workers 1 2] [--engines kokoro pico]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import zlib
from pathlib import Path

ENGINES = ("kokoro", "pico", "espeak", "festival", "flite")
LANGS = ("en-us", "es", "it", "hi", "ru", "de", "fr")


def _jobs(engine: str, count: int, out: Path) -> list:
    from speech.data.bootstrap.tts import TTSBootstrapConfig, plan_tts, teacher_voices, tts_voices

    teacher = "natural" if engine in ("kokoro", "pico") else "system"
    config = TTSBootstrapConfig(out_dir=str(out), teacher=teacher, size="small", sentences_per_voice=6,
                                progress=False)
    registry, heldout = teacher_voices(config)
    langs = [lang for lang in LANGS if any(v.engine == engine for v in registry.get(lang, ()))]
    voices = {lang: [v for v in vs if v.engine == engine]
              for lang, vs in tts_voices(langs, True, registry, heldout).items()}
    planned = [p.job for p in plan_tts(config, {k: v for k, v in voices.items() if v}, heldout)]
    # Round-robin over voices so every voice takes part.
    planned.sort(key=lambda j: (zlib.crc32(j.id.encode()), j.id))
    return planned[:count]


def main() -> None:
    import soundfile

    from speech.data.bootstrap.synthesis import run_jobs

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--utterances", type=int, default=24, help="utterances per engine and run")
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    args = parser.parse_args()

    print(f"machine: {os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f}")
    print(f"{'engine':9} {'workers':>7} {'utts':>5} {'utt/s':>7} {'audio s/s':>9}")
    for engine in args.engines:
        for workers in args.workers:
            with tempfile.TemporaryDirectory(prefix="bootstrap-bench-") as tmp:
                jobs = _jobs(engine, args.utterances, Path(tmp))
                start = time.perf_counter()
                rendered, _ = run_jobs(jobs, workers, progress=False)
                seconds = time.perf_counter() - start
                audio = sum(soundfile.info(j.path).duration for j in jobs)
                print(f"{engine:9} {workers:>7} {rendered:>5} {rendered / seconds:>7.2f} {audio / seconds:>9.2f}")


if __name__ == "__main__":
    main()
