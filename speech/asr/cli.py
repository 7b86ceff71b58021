"""``speech asr``: ``transcribe`` audio files with a saved model; build a character ``vocab`` from manifests."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from speech.options import BATCH_SIZE_RANGE, bounded_int, device_name


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``speech asr transcribe`` and ``speech asr vocab``."""
    p = subparsers.add_parser("asr", help="speech recognition: transcribe, build vocabularies",
                              description="CTC speech recognition with speech/asr models.")
    sub = p.add_subparsers(dest="asr_command", metavar="ASR_COMMAND")

    t = sub.add_parser("transcribe", help="transcribe audio files (one JSON line per file)",
                       description="Transcribe audio files with a model saved by `speech train` "
                       "(a directory with config.yaml, model.safetensors, tokens.json). Prints one JSON object "
                       "per file: {\"path\": ..., \"text\": ...}. Audio at another rate is resampled.")
    t.add_argument("audio", nargs="+", type=Path, help="audio files (WAV/FLAC/OGG)")
    t.add_argument("--model", "-m", required=True, type=Path, help="model directory")
    t.add_argument("--beam", type=int, default=0, help="beam size for CTC prefix beam search (0: greedy)")
    t.add_argument("--batch-size", type=bounded_int(*BATCH_SIZE_RANGE), default=16, help="utterances per forward pass")
    t.add_argument("--device", type=device_name, default="cpu", help="torch device (cpu, cuda, cuda:1)")
    t.set_defaults(func=run_transcribe)

    v = sub.add_parser("vocab", help="build a character vocabulary (JSON) from a cuts manifest",
                       description="Collect the characters of the normalised transcripts of a lhotse cuts "
                       "manifest into a vocabulary file for `task_conf.tokens_file`.")
    v.add_argument("--cuts", required=True, type=Path, help="lhotse CutSet manifest (.jsonl.gz)")
    v.add_argument("--output", "-o", required=True, type=Path, help="vocabulary JSON to write")
    v.add_argument("--min-count", type=int, default=1, help="rarer characters map to <unk>")
    v.set_defaults(func=run_vocab)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def run_transcribe(args: argparse.Namespace) -> int:
    """Handler of ``speech asr transcribe``."""
    from speech.asr.decoding import DecodingConfig
    from speech.asr.inference import ASRInferenceConfig, Transcriber
    from speech.options import check_device

    check_device(args.device)
    if args.beam < 0:
        raise SystemExit("speech asr transcribe: error: --beam must be >= 0")
    decoding = DecodingConfig(method="beam", beam_size=args.beam) if args.beam else DecodingConfig()
    config = ASRInferenceConfig(decoding=decoding, batch_size=args.batch_size, device=args.device)
    transcriber = Transcriber.from_pretrained(args.model, config)
    for result in transcriber.transcribe_files(args.audio):
        print(json.dumps({"path": result.source, "text": result.text}, ensure_ascii=False))
    sys.stdout.flush()
    return 0


def run_vocab(args: argparse.Namespace) -> int:
    """Handler of ``speech asr vocab``."""
    from speech.asr.tokens import save_vocabulary, vocabulary_from_cuts

    tokens = vocabulary_from_cuts(args.cuts, min_count=args.min_count)
    save_vocabulary(args.output, tokens, unit="char")
    print(f"wrote {len(tokens)} tokens to {args.output}")
    return 0
