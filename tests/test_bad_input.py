"""Bad input, table-driven, through the ``speech`` command as a user runs it.

Every case must end with exit status 2 and one ``speech ...: error: ...`` line that names the
problem, print no traceback, and leave nothing behind in the working folder: no output, no temp
file. The cases cover text, options, output paths, audio clips, models, configs and manifests for
each command that takes them. Paths in a case are relative to a fresh working folder holding
``adir/`` (a folder) and ``afile`` (a file); ``@name`` stands for one of the prepared inputs.
"""

from __future__ import annotations

import errno
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from speech.cli import main
from speech.testing.voices import shipped_voice
from speech.tts.cli import DEFAULT_MODEL

EXAMPLE = Path(__file__).resolve().parents[1] / "demo" / "examples" / "rms_en.flac"
SP = ("--speaker", shipped_voice("en-us"))
SYNTH = ("synth", "--lang", "en", "--text", "Hello there.", *SP)


@dataclass(frozen=True)
class Case:
    """One bad input: the command line and what its error line must say."""

    id: str
    argv: tuple[str, ...]
    match: str


def _c(case_id: str, match: str, *argv: str) -> Case:
    return Case(case_id, argv, match)


TEXT_CASES = [
    _c("phonemize-empty", "nothing to say", "phonemize", "--lang", "en", ""),
    _c("phonemize-whitespace", "nothing to say", "phonemize", "--lang", "en", "  \t "),
    _c("phonemize-only-punctuation", "nothing to say", "phonemize", "--lang", "en", "?!..."),
    _c("phonemize-too-long", "over the limit of 2000", "phonemize", "--lang", "en", "word " * 500),
    _c("phonemize-unknown-language", "unknown language 'xx'", "phonemize", "--lang", "xx", "Hello"),
    _c("phonemize-misspelt-language", "unknown language 'englsh'.*did you mean", "phonemize", "--lang", "englsh", "Hello"),
    _c("phonemize-unclosed-tag", "unmatched language tag '<es>'", "phonemize", "--lang", "en", "I said <es>hola"),
    _c("phonemize-unopened-tag", "unmatched language tag '</es>'", "phonemize", "--lang", "en", "I said hola</es>"),
    _c("phonemize-nested-tags", "nested language tags", "phonemize", "--lang", "en", "<es>uno <fr>deux</fr></es>"),
    _c("phonemize-unknown-inline-language", "unknown language 'xx'", "phonemize", "--lang", "en", "<xx>hi</xx> <es>hola</es>"),
    _c("phonemize-ssml-unclosed", "SSML", "phonemize", "--lang", "en", "<speak>Hello <break time='1s'/>"),
    _c("phonemize-ssml-bad-break", "break", "phonemize", "--lang", "en", "<speak>Hello <break time='soon'/> there</speak>"),
    _c("phonemize-ssml-unknown-element", "audio", "phonemize", "--lang", "en", "<speak>Hello <audio src='x.wav'/></speak>"),
    _c("phonemize-file-utf16", "UTF-16", "phonemize", "--lang", "en", "--file", "@utf16.txt"),
    _c("phonemize-file-latin1", r"not UTF-8 text \(byte 0xe9 on line 2\)", "phonemize", "--lang", "en", "--file", "@latin1.txt"),
    _c("phonemize-file-nul", "line 1 holds a NUL byte", "phonemize", "--lang", "en", "--file", "@nul.txt"),
    _c("phonemize-file-missing", "nope.txt.*no such file", "phonemize", "--lang", "en", "--file", "nope.txt"),
    _c("phonemize-file-directory", "adir is a directory", "phonemize", "--lang", "en", "--file", "adir"),
    _c("phonemize-file-empty", "no text", "phonemize", "--lang", "en", "--file", "@empty.txt"),
    _c("phonemize-no-language", "--lang", "phonemize", "Hello"),
]

SYNTH_OPTION_CASES = [
    _c("synth-speed-zero", "--speed: must be between 0.25 and 4, got 0", *SYNTH, "--speed", "0"),
    _c("synth-speed-negative", "--speed: must be between", *SYNTH, "--speed", "-1"),
    _c("synth-speed-nan", "--speed: must be between.*nan", *SYNTH, "--speed", "nan"),
    _c("synth-speed-inf", "--speed: must be between.*inf", *SYNTH, "--speed", "inf"),
    _c("synth-speed-huge", "--speed: must be between", *SYNTH, "--speed", "1e6"),
    _c("synth-speed-tiny", "--speed: must be between", *SYNTH, "--speed", "0.001"),
    _c("synth-speed-word", "--speed: must be a number", *SYNTH, "--speed", "fast"),
    _c("synth-intensity-nan", "--intensity: must be between 0 and 3", *SYNTH, "--intensity", "nan"),
    _c("synth-intensity-huge", "--intensity: must be between 0 and 3", *SYNTH, "--intensity", "1e9"),
    _c("synth-intensity-negative", "--intensity: must be between 0 and 3", *SYNTH, "--intensity", "-0.5"),
    _c("synth-unknown-language", "unknown language 'xx'", "synth", "--lang", "xx", "--text", "Hello", *SP),
    _c("synth-language-not-in-model", "'ja'.*not supported by this model; it speaks: .*en-us", "synth", "--lang", "ja", "--text", "こんにちは", *SP),
    _c("synth-inline-language-not-in-model", "'he'.*which this model does not speak", *SYNTH[:4], "I said <he>שלום</he>", *SP),
    _c("synth-script-not-in-model", "'he'.*which this model does not speak", *SYNTH[:4], "I said שלום today", *SP),
    _c("synth-empty-text", "no text given", "synth", "--lang", "en", "--text", "", *SP),
    _c("synth-no-text", "no text given", "synth", "--lang", "en", *SP),
    _c("synth-unclosed-tag", "unmatched language tag", "synth", "--lang", "en", "--text", "<es>hola", *SP),
    _c("synth-too-long", "over the limit", "synth", "--lang", "en", "--text", "word " * 600, *SP),
    _c("synth-unknown-speaker", "unknown speaker 'nobody'; known speakers: bootstrap_", "synth", "--lang", "en", "--text", "Hi.", "--speaker", "nobody"),
    _c("synth-unknown-emotion", "unknown emotion 'furious'; known emotions: neutral", *SYNTH, "--emotion", "furious"),
    _c("synth-unknown-accent", "unknown language 'xx'", *SYNTH, "--accent", "xx"),
    _c("synth-speaker-and-wav", "not allowed with argument", *SYNTH, "--speaker-wav", "@speech.flac"),
    _c("synth-model-missing", "no synthesizer at nomodel", *SYNTH, "--model", "nomodel"),
    _c("synth-model-empty-folder", "no synthesizer at adir", *SYNTH, "--model", "adir"),
    _c("synth-model-corrupt", "checksum|sha256|corrupt", *SYNTH, "--model", "@corrupt_model"),
    _c("synth-vocoder-missing", "vocoder", *SYNTH, "--vocoder", "novocoder"),
    _c("synth-file-bad-line-in-middle", "line 2: unmatched language tag", "synth", "--lang", "en", "--file", "@lines_bad.txt", *SP, "-o", "outdir"),
    _c("synth-file-latin1", "not UTF-8", "synth", "--lang", "en", "--file", "@latin1.txt", *SP, "-o", "outdir"),
    _c("synth-file-nul", "NUL byte", "synth", "--lang", "en", "--file", "@nul.txt", *SP, "-o", "outdir"),
    _c("synth-file-utf16", "UTF-16", "synth", "--lang", "en", "--file", "@utf16.txt", *SP, "-o", "outdir"),
]

OUTPUT_CASES = [
    _c("synth-output-txt", r"extension '\.txt'; use one of \.wav, \.flac, \.ogg, \.mp3", *SYNTH, "-o", "o.txt"),
    _c("synth-output-no-extension", "no extension; use one of", *SYNTH, "-o", "noext"),
    _c("synth-output-directory", "output adir is a directory; give a file name inside it", *SYNTH, "-o", "adir"),
    _c("synth-output-device", "/dev/full is not a regular file", *SYNTH, "-o", "/dev/full"),
    _c("synth-output-under-a-file", "afile is a file, not a directory", *SYNTH, "-o", "afile/o.wav"),
    _c("synth-file-output-is-a-file", "afile", "synth", "--lang", "en", "--file", "@lines.txt", *SP, "-o", "afile"),
]


def _clip_cases(prefix: str, argv_for: Callable[[str], tuple[str, ...]], voice: bool = True) -> list[Case]:
    """The same unusable clips for every command that takes one.

    ``voice``: the clip must be a voice, so a steady tone is refused too (SLU models and the
    prosody measure also accept tone signals: see ``speech.audio.speech_check.COMMAND_CHECK``).
    """
    tone = [_c(f"{prefix}-steady-tone", "a steady tone, not speech", *argv_for("@tone.wav"))] if voice else []
    return [*tone,
        _c(f"{prefix}-missing", "nope.wav", *argv_for("nope.wav")),
        _c(f"{prefix}-directory", "adir is a directory", *argv_for("adir")),
        _c(f"{prefix}-device", "/dev/null is not a regular file", *argv_for("/dev/null")),
        _c(f"{prefix}-empty-file", "cannot read audio|empty", *argv_for("@empty.wav")),
        _c(f"{prefix}-corrupt", "cannot read audio", *argv_for("@corrupt.wav")),
        _c(f"{prefix}-text-as-audio", "cannot read audio", *argv_for("@lines.txt")),
        _c(f"{prefix}-silent", "silent", *argv_for("@silent.wav")),
        _c(f"{prefix}-white-noise", "not speech", *argv_for("@noise.wav")),
        _c(f"{prefix}-dc", "constant \\(DC\\) signal", *argv_for("@dc.wav")),
        _c(f"{prefix}-too-short", "short", *argv_for("@short.wav")),
    ]


CLIP_CASES = [
    *_clip_cases("synth-speaker-wav", lambda p: ("synth", "--lang", "en", "--text", "Hi there.", "--speaker-wav", p)),
    *_clip_cases("synth-emotion-wav", lambda p: (*SYNTH, "--emotion-wav", p)),
    *_clip_cases("slu-predict", lambda p: ("slu", "predict", p), voice=False),
    *_clip_cases("eval-prosody", lambda p: ("eval", "prosody", p, "@speech.flac"), voice=False),
    *_clip_cases("dub-source", lambda p: ("dub", p, "--text", "Hola a todos.", "--lang", "es", "--source-text", "Hello everyone.", "-o", "dub.wav")),
]

OTHER_CASES = [
    _c("slu-batch-size-zero", "--batch-size: must be between 1 and 4096, got 0", "slu", "predict", "--batch-size", "0", "@speech.flac"),
    _c("slu-batch-size-word", "--batch-size: must be a whole number", "slu", "predict", "--batch-size", "two", "@speech.flac"),
    _c("slu-device-cuda", "torch sees no CUDA GPU on this machine; use --device cpu", "slu", "predict", "--device", "cuda", "@speech.flac"),
    _c("slu-device-unknown", "unknown device 'tpu9'", "slu", "predict", "--device", "tpu9", "@speech.flac"),
    _c("slu-model-missing", "nomodel", "slu", "predict", "--model", "nomodel", "@speech.flac"),
    _c("slu-model-empty-folder", "adir", "slu", "predict", "--model", "adir", "@speech.flac"),
    _c("asr-batch-size-zero", "--batch-size: must be between 1", "asr", "transcribe", "--model", "adir", "--batch-size", "0", "@speech.flac"),
    _c("asr-device-unknown", "unknown device", "asr", "transcribe", "--model", "adir", "--device", "gpu!", "@speech.flac"),
    _c("eval-prosody-unknown-language", "unknown language 'xx'", "eval", "prosody", "@speech.flac", "@speech.flac", "--source-language", "xx"),
    _c("eval-intent-missing-ref", "nope.jsonl", "eval", "intent", "--ref", "nope.jsonl", "--pred", "@pred.jsonl"),
    _c("eval-intent-bad-json", r"bad.jsonl:2: not valid JSON", "eval", "intent", "--ref", "@ref.jsonl", "--pred", "@bad.jsonl"),
    _c("eval-intent-missing-predictions", "1 reference utterances have no prediction: u2", "eval", "intent", "--ref", "@ref.jsonl", "--pred", "@pred.jsonl"),
    _c("eval-intent-intent-not-object", "'intent' must be an object", "eval", "intent", "--ref", "@pred_string.jsonl", "--pred", "@pred.jsonl"),
    _c("eval-tts-missing-list", "nope.jsonl", "eval", "tts", "nope.jsonl"),
    _c("tts-synth-unknown-language", "unknown language 'xx'", "tts", "synth", "--lang", "xx", "--text", "Hello", *SP),
    _c("tts-features-configs-without-dir", "--configs needs --config-dir", "tts", "features", "--manifests", "adir", "--out", "feats", "--configs", "@tones.yaml"),
    _c("tts-evaluate-names-per-model", "give one --name per --model", "tts", "evaluate", "--model", "adir", "--name", "a", "--name", "b", "--manifests", "adir", "--out", "out"),
    _c("tts-evaluate-no-voices", "--voices must be at least 1", "tts", "evaluate", "--model", "adir", "--voices", "0", "--manifests", "adir", "--out", "out"),
    _c("tts-vocoder-resynth-missing-input", "nope.wav", "tts", "vocoder", "resynth", "nope.wav", "-o", "out.wav"),
    _c("train-config-missing", "nope.yaml", "train", "--config", "nope.yaml"),
    _c("train-config-not-yaml", "YAML|mapping", "train", "--config", "@lines_bad.txt"),
    _c("train-exp-dir-is-a-file", "exp_dir=afile is a file, not a directory", "train", "--config", "@tones.yaml", "exp_dir=afile"),
    _c("train-misspelt-key", "did you mean 'trainer.max_steps'", "train", "--config", "@tones.yaml", "trainer.max_step=3"),
    _c("train-unknown-task", "unknown task 'tts2'", "train", "--config", "@tones.yaml", "task=tts2"),
    _c("train-bad-value-type", "trainer.max_steps", "train", "--config", "@tones.yaml", "trainer.max_steps=many"),
    _c("train-zero-steps", "trainer.max_steps must be >= 1", "train", "--config", "@tones.yaml", "trainer.max_steps=0"),
    _c("train-missing-manifest", "nope.jsonl.gz", "train", "--config", "@tones.yaml", "data.train_cuts=nope.jsonl.gz"),
    _c("data-prepare-unknown-corpus", "unknown corpus 'vctk2'. did you mean: vctk", "data", "prepare", "vctk2", "--src", "adir", "--out", "out"),
    _c("data-prepare-missing-source", "nosrc", "data", "prepare", "ljspeech", "--src", "nosrc", "--out", "out"),
    _c("data-export-shar-garbage", "not a readable lhotse cut manifest", "data", "export-shar", "--cuts", "@garbage.jsonl.gz", "--out", "shar"),
    _c("data-export-shar-not-cuts", "not a readable lhotse cut manifest", "data", "export-shar", "--cuts", "@pred.jsonl", "--out", "shar"),
    _c("dub-empty-text", "nothing to say|no text|empty", "dub", "@speech.flac", "--text", " ", "--lang", "es", "--source-text", "Hello.", "-o", "dub.wav"),
    _c("dub-unknown-language", "unknown language 'xx'", "dub", "@speech.flac", "--text", "Hola.", "--lang", "xx", "--source-text", "Hello.", "-o", "dub.wav"),
    _c("dub-impossible-duration", "duration", "dub", "@speech.flac", "--text", "Hola a todos.", "--lang", "es", "--source-text", "Hello everyone.", "--duration", "60", "-o", "dub.wav"),
    _c("dub-negative-duration", "--duration: must be between 0.1 and 600", "dub", "@speech.flac", "--text", "Hola.", "--lang", "es", "--duration", "-2"),
    _c("dub-strength-nan", "--strength: must be between 0 and 2", "dub", "@speech.flac", "--text", "Hola.", "--lang", "es", "--strength", "nan"),
    _c("dub-json-is-a-directory", "--json adir is a directory", "dub", "@speech.flac", "--text", "Hola.", "--lang", "es", "--json", "adir"),
    _c("dub-output-txt", r"extension '\.txt'", "dub", "@speech.flac", "--text", "Hola.", "--lang", "es", "--source-text", "Hello.", "-o", "dub.txt"),
]

CASES = [*TEXT_CASES, *SYNTH_OPTION_CASES, *OUTPUT_CASES, *CLIP_CASES, *OTHER_CASES]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bad (and a few good) inputs the cases refer to as ``@name``."""
    d = tmp_path_factory.mktemp("inputs")
    sr = 16000
    rng = np.random.default_rng(0)
    t = np.arange(3 * sr) / sr
    sf.write(d / "silent.wav", np.zeros(3 * sr, np.float32), sr)
    sf.write(d / "noise.wav", (0.3 * rng.standard_normal(3 * sr)).astype(np.float32), sr)
    sf.write(d / "dc.wav", np.full(3 * sr, 0.5, np.float32), sr)
    sf.write(d / "tone.wav", (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), sr)
    speech, speech_sr = sf.read(EXAMPLE, dtype="float32")
    sf.write(d / "short.wav", speech[: speech_sr // 10], speech_sr)
    shutil.copy(EXAMPLE, d / "speech.flac")
    (d / "corrupt.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt garbage" * 20)
    (d / "empty.wav").write_bytes(b"")
    (d / "empty.txt").write_text("\n \n")
    (d / "utf16.txt").write_bytes("Hello\n".encode("utf-16"))
    (d / "latin1.txt").write_bytes("Hello.\nCaf\xe9 au lait.\n".encode("latin-1"))
    (d / "nul.txt").write_bytes(b"hello\x00world\n")
    (d / "lines.txt").write_text("Hello there.\nGood morning.\n")
    (d / "lines_bad.txt").write_text("Hello there.\n<es>hola\nGood night.\n")
    (d / "ref.jsonl").write_text('{"id": "u1", "intent": {"action": "activate"}}\n{"id": "u2", "intent": {"action": "bring"}}\n')
    (d / "pred.jsonl").write_text('{"id": "u1", "intent": {"action": "activate"}}\n')
    (d / "pred_string.jsonl").write_text('{"id": "u1", "intent": "activate"}\n')
    (d / "bad.jsonl").write_text('{"id": "u1", "intent": {"action": "activate"}}\n{"id": "u2", "intent": \n')
    (d / "garbage.jsonl.gz").write_bytes(b"this is not gzip")
    model = DEFAULT_MODEL
    corrupt = d / "corrupt_model"
    shutil.copytree(model, corrupt)
    weights = next(corrupt.rglob("model.safetensors"))
    data = bytearray(weights.read_bytes())
    data[-100:] = bytes(100)  # same size, different weights: only the checksum can tell
    weights.write_bytes(bytes(data))
    from lhotse import CutSet, Recording, RecordingSet

    CutSet.from_manifests(recordings=RecordingSet.from_recordings([Recording.from_file(d / "speech.flac")])).to_file(
        d / "train.jsonl.gz"
    )
    (d / "tones.yaml").write_text(
        "task: speech.testing.tones:ToneClassifierTask\nexp_dir: exp\n"
        f"data:\n  train_cuts: {d / 'train.jsonl.gz'}\ntrainer:\n  max_steps: 2\n"
    )
    return d


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``speech ARGV`` in this process: exit status and stderr (argparse exits with SystemExit)."""
    try:
        status = main(argv)
    except SystemExit as e:
        status = int(e.code or 0)
    return status, capsys.readouterr().err


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_one_clear_line_and_leaves_nothing(
    case: Case, inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "adir").mkdir()
    (tmp_path / "afile").write_text("x")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    argv = [str(inputs / a[1:]) if a.startswith("@") else a for a in case.argv]

    status, err = run_cli(argv, capsys)

    assert status == 2, f"exit status {status}, stderr:\n{err}"
    assert "Traceback" not in err
    error_lines = [line for line in err.splitlines() if ": error: " in line]
    assert len(error_lines) == 1, err
    assert error_lines[0].startswith("speech"), err
    assert re.search(case.match, error_lines[0], re.IGNORECASE), f"{case.match!r} not in {error_lines[0]!r}"
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert after == before, f"left behind: {sorted(set(after) - set(before))}"


def test_case_count() -> None:
    # The table is the list plus what already worked; it must not shrink unnoticed.
    assert len(CASES) >= 100
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        (errno.ENOSPC, "no space left on the device"),
        (errno.EROFS, "read-only filesystem"),
        (errno.EACCES, "permission denied"),
        (errno.EDQUOT, "disk quota exceeded"),
    ],
)
def test_a_failing_disk_is_one_line_and_leaves_no_temp_file(
    code: int, hint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Root ignores permissions and no disk here is full: the write itself is made to fail as the OS would.
    monkeypatch.chdir(tmp_path)

    def failing_write(path: object, *args: object, **kwargs: object) -> None:
        Path(str(path)).write_bytes(b"RIFF partial")  # a half-written temp file
        raise OSError(code, "simulated", str(path))

    monkeypatch.setattr(sf, "write", failing_write)
    status, err = run_cli([*SYNTH, "-o", "out.wav"], capsys)
    assert status == 2 and "Traceback" not in err
    assert hint in err and err.count("\n") == 1, err
    assert list(tmp_path.iterdir()) == [], "neither the output nor its temp file may stay"
