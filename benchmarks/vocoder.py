"""Real-time factor of every vocoder on this CPU, with 1 and 2 torch threads.

RTF = seconds of compute / seconds of audio produced (below 1: faster than real time). The input
is the log-mel of real speech (flite, voice slt, repeated to ``--seconds``; random mels when flite
is missing). Neural vocoders are randomly initialised: their cost does not depend on the weights.
Each figure is the best of ``--repeats`` runs after one warm-up run.

Also measured: the mel inversion inside Griffin-Lim alone, the precomputed pseudo-inverse against
``torchaudio.transforms.InverseMelScale`` (a least-squares solve per call).

    python benchmarks/vocoder.py [--seconds 10] [--repeats 3] [--model DIR ...]
"""

from __future__ import annotations

import argparse
import functools
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch
from timing import best_time

from speech.audio.features import AudioConfig, LogMelSpectrogram
from speech.audio.io import load_audio
from speech.tts.vocoder import GriffinLimConfig, GriffinLimVocoder, NeuralVocoder, NeuralVocoderConfig, VocosConfig, load_vocoder
from speech.tts.vocoder.data import synthesize_speech
from speech.tts.vocoder.model import HiFiGANConfig

TEXT = "The quick brown fox jumps over the lazy dog. Please call Stella and ask her to bring these things with her."


def speech_mel(seconds: float, config: AudioConfig) -> tuple[torch.Tensor, str]:
    """``(1, n_mels, frames)`` log-mel of about ``seconds`` of speech, and where it came from."""
    frames = int(seconds * config.frames_per_second)
    if shutil.which("flite"):
        with tempfile.TemporaryDirectory() as tmp:
            path = synthesize_speech(TEXT, Path(tmp) / "s.wav", voice="slt", sample_rate=config.sample_rate)
            wav, _ = load_audio(path)
        mel = LogMelSpectrogram(config)(torch.from_numpy(wav))
        reps = -(-frames // mel.shape[-1])
        return mel.repeat(1, reps)[None, :, :frames], "flite slt speech"
    return torch.randn(1, config.n_mels, frames) - 5.0, "random mel (flite not installed)"


def vocoders(models: list[str]) -> dict[str, torch.nn.Module]:
    """The vocoders to time, by label."""
    out: dict[str, torch.nn.Module] = {
        "griffin-lim 32 it (pinv)": GriffinLimVocoder(GriffinLimConfig(n_iter=32)),
        "griffin-lim 60 it (pinv)": GriffinLimVocoder(GriffinLimConfig(n_iter=60)),
        "griffin-lim 32 it (InverseMelScale)": GriffinLimVocoder(GriffinLimConfig(n_iter=32, inverse="lstsq")),
    }
    sizes = {
        "vocos cpu config (256x6)": VocosConfig(dim=256, intermediate_dim=768, num_layers=6),
        "vocos gpu config (512x8)": VocosConfig(dim=512, intermediate_dim=1536, num_layers=8),
    }
    for label, vocos in sizes.items():
        out[label] = NeuralVocoder(NeuralVocoderConfig(vocos=vocos))
    out["hifigan v2-like (espnet, 128 ch)"] = NeuralVocoder(
        NeuralVocoderConfig(architecture="hifigan", hifigan=HiFiGANConfig(channels=128))
    )
    for model in models:
        out[f"trained: {model}"] = load_vocoder(model)  # type: ignore[assignment]
    for module in out.values():
        module.eval()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="audio length per call (default 10 s)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--model", action="append", default=[], help="also time a trained vocoder directory")
    args = parser.parse_args()

    config = AudioConfig()
    mel, source = speech_mel(args.seconds, config)
    audio_seconds = mel.shape[-1] * config.hop_length / config.sample_rate
    print(f"input: {source}, {mel.shape[-1]} frames = {audio_seconds:.2f} s of audio; CPU: {_cpu_name()}")
    print(f"torch {torch.__version__}; best of {args.repeats} after a warm-up\n")

    gl = GriffinLimVocoder(GriffinLimConfig(inverse="pinv"))
    gl_lstsq = GriffinLimVocoder(GriffinLimConfig(inverse="lstsq"))
    torch.set_num_threads(1)
    with torch.inference_mode():
        pinv_s = best_time(lambda: gl.magnitude(mel), args.repeats)
        lstsq_s = best_time(lambda: gl_lstsq.magnitude(mel), args.repeats)
    print(f"mel inversion alone (1 thread): pseudo-inverse {pinv_s * 1e3:.2f} ms, InverseMelScale {lstsq_s * 1e3:.2f} ms "
          f"({lstsq_s / pinv_s:.0f}x)\n")

    models = vocoders(args.model)
    header = f"{'vocoder':40s} {'params':>8s} " + " ".join(f"{f'RTF {t} thr':>11s}" for t in args.threads)
    print(header)
    print("-" * len(header))
    for label, vocoder in models.items():
        params = sum(p.numel() for p in vocoder.parameters())
        rtfs = []
        for threads in args.threads:
            torch.set_num_threads(threads)
            with torch.inference_mode():
                seconds = best_time(functools.partial(vocoder, mel), args.repeats)
            rtfs.append(seconds / audio_seconds)
        print(f"{label:40s} {params / 1e6:7.2f}M " + " ".join(f"{r:11.4f}" for r in rtfs))


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
