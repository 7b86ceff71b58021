"""Throughput of the bootstrap TTS build: utterances per second with 1 and 2 workers.

Builds the same small corpus (default: English, Spanish, Italian, Hindi, Russian, so that flite,
festival diphone, HTS and clunits voices and espeak-ng all take part; 4 sentences per voice)
into fresh temporary directories, once per worker count, and prints the rate. Worker start-up is
included, as in a real build.

Usage:
    python benchmarks/bootstrap.py [--langs en es it hi ru] [--sentences-per-voice 4] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import Counter


def main() -> None:
    from speech.data.bootstrap.tts import TTSBootstrapConfig, build_tts_corpus, plan_tts, tts_voices
    from speech.data.bootstrap.voices import resolve_languages, TTS_VOICES

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--langs", nargs="+", default=["en", "es", "it", "hi", "ru"])
    parser.add_argument("--sentences-per-voice", type=int, default=4)
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    args = parser.parse_args()

    langs = resolve_languages(args.langs, list(TTS_VOICES))
    print(f"machine: {os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f}")
    for workers in args.workers:
        with tempfile.TemporaryDirectory(prefix="bootstrap-bench-") as out:
            config = TTSBootstrapConfig(out_dir=out, langs=langs, size="small", workers=workers,
                                        sentences_per_voice=args.sentences_per_voice, progress=False)
            engines = Counter(p.job.voice.engine for p in plan_tts(config, tts_voices(langs)))
            start = time.perf_counter()
            report = build_tts_corpus(config)
            seconds = time.perf_counter() - start
            audio_s = report.hours * 3600
            print(f"workers={workers}: {report.rendered} utterances ({dict(engines)}) in {seconds:.1f} s "
                  f"= {report.rendered / seconds:.2f} utt/s, {audio_s / seconds:.1f} s of audio per second")


if __name__ == "__main__":
    main()
