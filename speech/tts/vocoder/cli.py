"""``speech tts vocoder ...``: copy-synthesis, training data, evaluation, export.

- ``speech tts vocoder resynth --vocoder griffin-lim in.wav -o out.wav``: wav -> log-mel -> vocoder ->
  wav, and the log-mel distance of the result (how much the vocoder loses);
- ``speech tts vocoder cuts --manifests DIR --corpus bootstrap_tts --splits train -o cuts.jsonl.gz``:
  corpus manifests -> the CutSet a vocoder config trains on;
- ``speech tts vocoder evaluate --vocoder griffin-lim --vocoder DIR --cuts dev.jsonl.gz``: copy-synthesis
  scores (log-mel L1, and the MCD, F0 errors and DNSMOS of :mod:`speech.eval.tts`; real-time factor);
- ``speech tts vocoder export exp/vocoder/model -o models/NAME/vocoder``: keep only the generator.

Training itself is ``speech train --config speech/tts/vocoder/configs/bootstrap_cpu.yaml``.
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``vocoder`` and its sub-commands (under ``speech tts``)."""
    parser = subparsers.add_parser("vocoder", help="vocoders: copy-synthesis, training data, evaluation, export")
    commands = parser.add_subparsers(dest="vocoder_command", metavar="VOCODER_COMMAND")
    parser.set_defaults(func=lambda args: parser.print_help() or 2)

    resynth = commands.add_parser("resynth", help="wav -> log-mel -> vocoder -> wav (copy synthesis)")
    resynth.add_argument("input", help="audio file")
    resynth.add_argument("-o", "--output", required=True, help="output WAV")
    resynth.add_argument("--vocoder", default="griffin-lim", help="'griffin-lim' or a vocoder model directory")
    resynth.set_defaults(func=_resynth)

    cuts = commands.add_parser("cuts", help="corpus manifests -> a CutSet file for vocoder training")
    cuts.add_argument("--manifests", required=True, help="directory with <corpus>_{recordings,supervisions}_<split>.jsonl.gz")
    cuts.add_argument("--corpus", default="bootstrap_tts", help="corpus name (default: bootstrap_tts)")
    cuts.add_argument("--splits", nargs="+", default=["train"], help="splits to combine (default: train)")
    cuts.add_argument("-o", "--output", required=True, help="output .jsonl.gz")
    cuts.set_defaults(func=_cuts)

    evaluate = commands.add_parser(
        "evaluate",
        help="copy-synthesis scores (mel L1, MCD, F0, DNSMOS, RTF) on real audio",
        description="Re-vocode the log-mel of real recordings and score the output against them with the metrics "
        "of `speech eval tts` (MCD, F0 errors, DNSMOS), plus the log-mel L1 and spectral convergence the vocoder "
        "trains on, and its real-time factor. A whole synthesizer is evaluated by `speech tts evaluate`.",
    )
    evaluate.add_argument("--vocoder", action="append", required=True, help="'griffin-lim' or a model directory (repeatable)")
    evaluate.add_argument("--cuts", required=True, help="a lhotse CutSet file (e.g. the dev cuts)")
    evaluate.add_argument("--max-utterances", type=int, default=20, help="evaluate the first N cuts (default 20)")
    evaluate.add_argument("--no-dnsmos", action="store_true", help="skip DNSMOS")
    evaluate.add_argument("--json", help="also write the scores to this JSON file")
    evaluate.set_defaults(func=_evaluate)

    export = commands.add_parser("export", help="write the generator of a trained vocoder alone (for shipping)")
    export.add_argument("model", help="a vocoder directory (speech train's exp_dir/model)")
    export.add_argument("-o", "--output", required=True, help="output model directory")
    export.add_argument("--model-card", help="a README.md to copy beside the weights")
    export.set_defaults(func=_export)


def _resynth(args: argparse.Namespace) -> int:
    import time

    import torch

    from speech.audio.features import LogMelSpectrogram
    from speech.audio.io import load_audio, save_audio
    from speech.tts.vocoder.functional import log_mel_distance
    from speech.tts.vocoder.loading import load_vocoder

    vocoder = load_vocoder(args.vocoder)
    config = vocoder.audio_config
    wav, sr = load_audio(args.input, sample_rate=config.sample_rate)
    to_mel = LogMelSpectrogram(config)
    mel = to_mel(torch.from_numpy(wav))
    start = time.perf_counter()
    out = vocoder.vocode(mel.numpy(), audio_config=config)
    seconds = time.perf_counter() - start
    save_audio(args.output, out, sr)
    distance = float(log_mel_distance(mel, to_mel(torch.from_numpy(out))))
    duration = len(out) / sr
    print(f"{args.output}: {duration:.2f} s, log-mel L1 to input {distance:.3f}, real-time factor {seconds / duration:.3f}")
    return 0


def _cuts(args: argparse.Namespace) -> int:
    from speech.tts.vocoder.data import make_vocoder_cuts

    path = make_vocoder_cuts(args.manifests, args.corpus, args.splits, args.output)
    print(path)
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    import json

    from speech.fileio import atomic_write_text
    from speech.tts.vocoder.copy_synthesis import (
        evaluate_copy_synthesis,
        load_cut_waveforms,
    )
    from speech.tts.vocoder.loading import load_vocoder

    results = {}
    waveforms = None
    for name in args.vocoder:
        vocoder = load_vocoder(name)
        if waveforms is None:
            waveforms = load_cut_waveforms(args.cuts, vocoder.sample_rate, args.max_utterances)
        results[name] = evaluate_copy_synthesis(vocoder, waveforms, dnsmos=not args.no_dnsmos).to_dict()
    keys = ["mel_l1", "spectral_convergence", "mcd", "logf0_rmse", "gpe", "vde", "dnsmos_ovrl", "dnsmos_sig", "rtf"]
    first = next(iter(results.values()))
    print(f"{first['utterances']} utterances, {first['seconds']:.1f} s; real audio DNSMOS OVRL {first['reference_dnsmos_ovrl']:.2f}")
    print(f"{'vocoder':40s} " + " ".join(f"{k:>10s}" for k in keys))
    for name, scores in results.items():
        print(f"{name[-40:]:40s} " + " ".join(f"{scores[k]:10.3f}" for k in keys))
    if args.json:
        atomic_write_text(args.json, json.dumps(results, indent=2) + "\n")
    return 0


def _export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from speech.tts.vocoder.loading import export_generator

    card = Path(args.model_card).read_text(encoding="utf-8") if args.model_card else None
    print(export_generator(args.model, args.output, model_card=card))
    return 0
