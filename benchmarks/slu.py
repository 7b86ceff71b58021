"""SLU speed on CPU: prediction (utterances per second, one at a time and batched) and training.

Prediction runs :class:`speech.slu.inference.SLUPredictor` on audio files, as ``speech slu predict``
does (loading and checking the audio included), once with ``batch_size=1`` and once batched.
Training runs the ``slu`` task's loss, backward pass and AdamW step on duration-bucketed batches
(lhotse's DynamicBucketingSampler, as the engine does) and reports utterances and seconds of audio
per second, and the time one epoch of the training cuts takes at that speed.

The model is the default ``SLUConfig`` (the bootstrap size: 4-block, 144-dim Conformer) with random
weights unless ``--model`` names a trained one; the data are spoken commands made with flite
(:mod:`speech.testing.slu_audio`) unless ``--train-cuts`` names a corpus (e.g. the bootstrap SLU
corpus), in which case its first ``--num-files`` utterances are used for prediction.

Usage:
    python benchmarks/slu.py [--model DIR] [--train-cuts CUTS] [--num-files 48] [--batch-size 16]
                             [--train-batches 8] [--max-duration 60] [--threads 2]
"""

from __future__ import annotations

import argparse
import copy
import os
import tempfile
import time
from pathlib import Path


def _predict_rate(predictor: object, files: list[Path], batch_size: int) -> float:
    predictor.config.batch_size = batch_size  # type: ignore[attr-defined]
    predictor.predict_files(files[:2])  # type: ignore[attr-defined]  # warm-up
    start = time.perf_counter()
    if batch_size == 1:
        for f in files:
            predictor.predict_files([f])  # type: ignore[attr-defined]
    else:
        predictor.predict_files(files)  # type: ignore[attr-defined]
    return len(files) / (time.perf_counter() - start)


def main() -> None:
    import torch
    from lhotse import CutSet
    from lhotse.dataset.sampling import DynamicBucketingSampler

    from speech.slu.inference import SLUPredictor
    from speech.slu.labels import labels_from_cuts
    from speech.slu.model import SLUConfig, SLUModel
    from speech.slu.task import SLUTask, SLUTaskConfig
    from speech.testing.slu_audio import make_command_corpus

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="trained SLU model directory (default: random default-size model)")
    parser.add_argument("--train-cuts", type=Path, help="training cuts manifest (default: flite commands)")
    parser.add_argument("--num-files", type=int, default=48)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--train-batches", type=int, default=8)
    parser.add_argument("--max-duration", type=float, default=60.0, help="seconds of audio per training batch")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--dim", type=int, default=None, help="encoder and decoder size (default: SLUConfig's)")
    parser.add_argument("--blocks", type=int, default=None, help="encoder blocks (default: SLUConfig's)")
    parser.add_argument("--subsampling", choices=["conv2d", "conv2d6", "conv2d8"], default=None)
    parser.add_argument("--mel-bins", type=int, default=None)
    args = parser.parse_args()

    def model_config(labels: object) -> SLUConfig:
        cfg = SLUConfig(labels=labels)  # type: ignore[arg-type]
        if args.dim is not None:
            cfg.encoder.espnet.output_size = cfg.decoder.dim = args.dim
            cfg.encoder.espnet.linear_units = cfg.decoder.feedforward = 4 * args.dim
        if args.blocks is not None:
            cfg.encoder.espnet.num_blocks = args.blocks
        if args.subsampling is not None:
            cfg.encoder.espnet.subsampling = args.subsampling
        if args.mel_bins is not None:
            cfg.encoder.features.num_mel_bins = args.mel_bins
        return cfg

    torch.set_num_threads(args.threads)
    print(f"machine: {os.cpu_count()} CPU cores, torch threads {torch.get_num_threads()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="slu-bench-") as tmp:
        if args.train_cuts is None:
            paths = make_command_corpus(Path(tmp) / "commands", copies=3)
            cuts_path = paths["train"]
        else:
            cuts_path = args.train_cuts
        cuts = CutSet.from_file(cuts_path).to_eager()
        labels = labels_from_cuts(cuts_path)
        if args.model is not None:
            model_dir = args.model
        else:
            torch.manual_seed(0)
            model_dir = SLUModel(model_config(labels)).save_pretrained(Path(tmp) / "model")
        predictor = SLUPredictor.from_pretrained(model_dir)
        params = sum(p.numel() for p in predictor.model.parameters())
        files = [Path(c.recording.sources[0].source) for c in cuts.subset(first=args.num_files)]
        seconds = sum(c.duration for c in cuts.subset(first=args.num_files))
        print(f"model: {model_dir} ({params / 1e6:.2f} M parameters); {len(files)} files, "
              f"{seconds / len(files):.2f} s each on average")
        with torch.inference_mode():
            single = _predict_rate(predictor, files, 1)
            batched = _predict_rate(predictor, files, args.batch_size)
        print(f"predict, one at a time: {single:.1f} utt/s ({single * seconds / len(files):.1f} s of audio/s)")
        per_utt = seconds / len(files)
        print(f"predict, batch {args.batch_size}: {batched:.1f} utt/s ({batched * per_utt:.1f} s of audio per second)")

        task = SLUTask(SLUTaskConfig(model=copy.deepcopy(predictor.model.config)))
        model = task.build_model().train()
        collate = task.make_collate()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
        lazy = CutSet.from_file(cuts_path)  # lazy JSONL, as the engine reads it
        sampler = DynamicBucketingSampler(lazy, max_duration=args.max_duration, num_buckets=4, shuffle=True, seed=0)
        done_utts, done_seconds, elapsed = 0, 0.0, 0.0
        for i, batch_cuts in enumerate(sampler):
            if i > args.train_batches:
                break
            batch = collate(batch_cuts)
            start = time.perf_counter()
            loss = task.training_losses(model, batch)["loss"]
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if i == 0:
                continue  # warm-up
            elapsed += time.perf_counter() - start
            done_utts += len(batch_cuts)
            done_seconds += sum(c.duration for c in batch_cuts)
        rate = done_utts / elapsed
        epoch = len(cuts) / rate
        print(f"train: {rate:.1f} utt/s ({done_seconds / elapsed:.1f} s of audio per second, "
              f"batches of {args.max_duration:.0f} s, model only, data loading excluded); "
              f"one epoch of {len(cuts)} utterances: {epoch:.0f} s")


if __name__ == "__main__":
    main()
