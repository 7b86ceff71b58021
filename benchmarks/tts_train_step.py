"""Training steps per second of the bootstrap acoustic model on synthetic batches of realistic shape.

A batch imitates the bootstrap corpus: ``--batch`` utterances of about 3 s (260 mel frames, 60
phoneme tokens), lengths varying by +-30 %. The figure includes alignment search (MAS, on the CPU),
the adversary, the emotion network and the optimizer step: everything but data loading.

    python benchmarks/tts_train_step.py [--device cuda] [--precision fp32 bf16] [--dim 192]
"""

from __future__ import annotations

import argparse
import contextlib
import time

import torch

from speech.tts.config import TTSModelConfig
from speech.tts.model import AcousticModel, TTSBatch


def make_batch(batch: int, config: TTSModelConfig, device: str, seed: int = 0) -> TTSBatch:
    g = torch.Generator().manual_seed(seed)
    t_text = (60 * (0.7 + 0.6 * torch.rand(batch, generator=g))).long()
    t_feats = (t_text.float() * 4.3).long()
    tt, tf = int(t_text.max()), int(t_feats.max())
    text_mask = torch.arange(tt)[None] < t_text[:, None]
    feat_mask = torch.arange(tf)[None] < t_feats[:, None]
    pitch = (5.3 + 0.2 * torch.randn(batch, tf, generator=g)) * (torch.rand(batch, tf, generator=g) > 0.3)
    b = TTSBatch(
        tokens=torch.randint(1, config.vocab_size, (batch, tt), generator=g) * text_mask,
        token_lengths=t_text,
        token_languages=torch.randint(0, len(config.languages), (batch, tt), generator=g),
        mel=torch.randn(batch, config.audio.n_mels, tf, generator=g) * feat_mask[:, None],
        mel_lengths=t_feats,
        pitch=pitch * feat_mask,
        energy=torch.randn(batch, tf, generator=g) * feat_mask,
        speaker_embedding=torch.randn(batch, config.speaker_dim, generator=g),
        speaker_ids=torch.randint(0, len(config.speakers), (batch,), generator=g),
        emotion_ids=torch.randint(0, len(config.emotions), (batch,), generator=g),
    )
    return b.to(device)


def steps_per_second(model: AcousticModel, batch: TTSBatch, precision: str, steps: int, device: str) -> float:
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    autocast = (
        torch.autocast(device_type=device.split(":")[0], dtype=torch.bfloat16)
        if precision == "bf16" else contextlib.nullcontext()
    )

    def step(i: int) -> None:
        with autocast:
            out = model(batch, step=i)
        opt.zero_grad(set_to_none=True)
        out["loss"].float().backward()
        opt.step()

    for i in range(2):  # warm-up: numba compilation, cuDNN autotuning
        step(i)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for i in range(steps):
        step(i)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return steps / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--precision", nargs="+", default=["fp32"], choices=["fp32", "bf16"])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--dim", type=int, default=192)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    config = TTSModelConfig(
        vocab_size=649, languages=[f"l{i}" for i in range(12)], speakers=[f"s{i}" for i in range(61)], dim=args.dim
    )
    batch = make_batch(args.batch, config, args.device)
    audio_s = float(batch.mel_lengths.sum()) * config.audio.hop_length / config.audio.sample_rate
    print(f"device {args.device} ({torch.cuda.get_device_name() if args.device.startswith('cuda') else 'cpu'}), "
          f"torch {torch.__version__}, threads {torch.get_num_threads()}, batch {args.batch} ({audio_s:.1f} s audio)")
    for precision in args.precision:
        torch.manual_seed(0)
        model = AcousticModel(config).to(args.device).train()
        n = sum(p.numel() for p in model.parameters()) / 1e6
        sps = steps_per_second(model, batch, precision, args.steps, args.device)
        print(f"dim {args.dim} ({n:.2f} M params) {precision}: {sps:.2f} steps/s, {sps * audio_s:.0f} audio-s/s")


if __name__ == "__main__":
    main()
