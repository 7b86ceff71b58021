"""How often an SLU model answers "no intent": for commands (should be rarely) and for speech that
is not a command (should be almost always).

Non-commands are the Debian Asterisk prompts (real studio recordings in en, es, fr, it, ru:
"please enter your account number", ...), speech-checked like ``speech slu predict`` does;
commands are the test manifests given.

    python local/rejection.py --model exp/bootstrap-slu-final --cuts test=data/slu/test_cuts.jsonl.gz \
        --cuts test_phrasing=data/slu/test_phrasing_cuts.jsonl.gz --per-language 100 -o exp/rejection.json
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np

from speech.audio.io import load_audio, resample
from speech.audio.speech_check import COMMAND_CHECK, inspect_speech
from speech.fileio import atomic_write_text
from speech.slu.inference import SLUInferenceConfig, SLUPredictor

ASTERISK = Path("/usr/share/asterisk/sounds")


def prompts(root: Path, language: str, n: int, sample_rate: int) -> list[np.ndarray]:
    """Up to ``n`` prompts of one language that pass the speech check, in a seeded order."""
    files = sorted((root / language).glob("*.wav"))
    random.Random(0).shuffle(files)
    out = []
    for f in files:
        wav, sr = load_audio(f)
        wav = resample(wav, sr, sample_rate)
        if len(wav) >= sample_rate and inspect_speech(wav, sample_rate, COMMAND_CHECK).is_speech:
            out.append(wav)
        if len(out) >= n:
            break
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, type=Path)
    parser.add_argument("--cuts", action="append", default=[], metavar="NAME=MANIFEST", help="command test sets")
    parser.add_argument("--asterisk", type=Path, default=ASTERISK)
    parser.add_argument("--languages", nargs="*", default=["en", "es", "fr", "it", "ru"])
    parser.add_argument("--per-language", type=int, default=100)
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args()

    from lhotse import CutSet

    predictor = SLUPredictor.from_pretrained(args.model, SLUInferenceConfig(speech_check=None))
    sr = predictor.sample_rate
    report: dict[str, dict[str, float]] = {}
    for spec in args.cuts:
        name, path = spec.split("=", 1)
        cuts = CutSet.from_file(path).resample(sr)
        preds = predictor.predict([np.asarray(c.load_audio()[0], np.float32) for c in cuts])
        refs = [c.supervisions[0].custom["intent"] for c in cuts]
        kept = [p for p in preds if p.intent is not None]
        report[name] = {
            "utterances": len(preds),
            "no_intent": 1 - len(kept) / len(preds),
            "accuracy": sum(p.intent == r for p, r in zip(preds, refs)) / len(preds),
        }
    for lang in args.languages:
        wavs = prompts(args.asterisk, lang, args.per_language, sr)
        preds = predictor.predict(wavs)
        report[f"asterisk_{lang}"] = {"utterances": len(preds), "no_intent": sum(p.intent is None for p in preds) / len(preds)}
    for name, row in report.items():
        extra = f", intent accuracy {row['accuracy']:.1%}" if "accuracy" in row else ""
        print(f"{name:20s} {row['utterances']:5d} utterances: no intent {row['no_intent']:.1%}{extra}")
    if args.output:
        atomic_write_text(args.output, json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
