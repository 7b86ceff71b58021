"""Load and save audio through one adapter (soundfile), so no other module depends on a backend.

torchaudio moved its I/O to TorchCodec and changes it between releases; soundfile (libsndfile) is
stable and reads WAV, FLAC and OGG everywhere. Resampling uses torchaudio's functional API, which
is stable across torch 2.9 to 2.11.
"""

from __future__ import annotations

import io
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile as sf

from speech.errors import AudioError, OutputError
from speech.fileio import atomic_path, check_writable_file

#: ``-o -``: write WAV to standard output.
STDOUT = "-"


@dataclass(frozen=True)
class AudioFormat:
    """A container and encoding that :func:`save_audio` writes.

    Attributes:
        format: soundfile's format name.
        subtype: its encoding (``None``: soundfile's default, e.g. Vorbis for OGG).
    """

    format: str
    subtype: str | None


#: Output extensions and how they are written (MP3 needs libsndfile >= 1.1).
OUTPUT_FORMATS: dict[str, AudioFormat] = {
    ".wav": AudioFormat("WAV", "PCM_16"),
    ".flac": AudioFormat("FLAC", "PCM_16"),
    ".ogg": AudioFormat("OGG", "VORBIS"),
    ".mp3": AudioFormat("MP3", "MPEG_LAYER_III"),
}


def supported_output_extensions() -> list[str]:
    """The output extensions this machine's libsndfile can write."""
    return [ext for ext, f in OUTPUT_FORMATS.items() if sf.check_format(f.format, f.subtype)]


def output_format(path: str | os.PathLike[str]) -> AudioFormat:
    """The format an output path asks for, checked before any work is done.

    ``-`` (standard output) is WAV. The path itself is checked too: a directory, a device or a
    path through a file is refused (see :func:`speech.fileio.check_writable_file`).

    Raises:
        OutputError: no extension, an extension that is not audio or that libsndfile cannot
            write here, or a path that cannot become a regular file.
    """
    if str(path) == STDOUT:
        return OUTPUT_FORMATS[".wav"]
    p = check_writable_file(path)
    ext = p.suffix.lower()
    supported = supported_output_extensions()
    if ext not in supported:
        what = f"extension {ext!r}" if ext else "no extension"
        raise OutputError(
            f"cannot write audio to {p}: {what}; use one of {', '.join(supported)} (or - for WAV on stdout)"
        )
    return OUTPUT_FORMATS[ext]


def load_audio(
    path: str | os.PathLike[str],
    sample_rate: int | None = None,
    mono: bool = True,
) -> tuple[np.ndarray, int]:
    """Read an audio file as float32 in [-1, 1].

    Args:
        path: a WAV/FLAC/OGG file.
        sample_rate: resample to this rate when given; otherwise keep the file's rate.
        mono: average channels into one.

    Returns:
        ``(waveform, sample_rate)``; waveform has shape ``(time,)`` when ``mono`` else
        ``(channels, time)``.

    Raises:
        FileNotFoundError: the file does not exist.
        AudioError: the file is corrupt, not audio, or holds no samples.
    """
    p = Path(path)
    if p.is_dir():
        raise AudioError(f"{p} is a directory, not an audio file")
    if not p.exists():
        raise FileNotFoundError(f"audio file not found: {p}")
    if not p.is_file():
        raise AudioError(f"{p} is not a regular file (a device or pipe); give a WAV/FLAC/OGG file")
    try:
        data, sr = sf.read(str(p), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, ValueError) as e:
        raise AudioError(f"cannot read audio file {p}: {e}") from e
    if data.shape[0] == 0:
        raise AudioError(f"audio file {p} holds no samples")
    if not np.isfinite(data).all():
        raise AudioError(f"audio file {p} holds NaN or infinite samples")
    wav = data.mean(axis=1) if mono else data.T
    wav = np.ascontiguousarray(wav, dtype=np.float32)
    if sample_rate is not None and sample_rate != sr:
        wav = resample(wav, sr, sample_rate)
        sr = sample_rate
    return wav, int(sr)


def resample(waveform: np.ndarray, orig_rate: int, target_rate: int) -> np.ndarray:
    """Resample ``(..., time)`` float audio with torchaudio's band-limited sinc interpolation."""
    if orig_rate <= 0 or target_rate <= 0:
        raise AudioError(f"sample rates must be positive, got {orig_rate} -> {target_rate}")
    if orig_rate == target_rate:
        return waveform
    import torch
    import torchaudio.functional as AF

    out = AF.resample(torch.from_numpy(np.ascontiguousarray(waveform)), orig_rate, target_rate)
    return out.numpy().astype(np.float32, copy=False)


def save_audio(
    path: str | os.PathLike[str],
    waveform: np.ndarray,
    sample_rate: int,
    subtype: str = "PCM_16",
) -> Path:
    """Write ``(time,)`` or ``(channels, time)`` audio atomically; the format follows the suffix.

    Samples are clipped to [-1, 1] first so that int formats never wrap around. ``path`` ``-``
    writes WAV to standard output.

    Args:
        path: the file; its suffix picks the format (:data:`OUTPUT_FORMATS`).
        waveform: float samples.
        sample_rate: in Hz.
        subtype: the encoding of PCM formats (WAV, FLAC); lossy formats use their own.

    Raises:
        OutputError: an unsupported extension, a directory or device as ``path``, or a write
            that failed (a full disk).
        AudioError: an empty or wrongly shaped waveform.
    """
    fmt = output_format(path)
    wav = np.asarray(waveform, dtype=np.float32)
    if wav.ndim == 2:
        wav = wav.T
    elif wav.ndim != 1:
        raise AudioError(f"waveform must be (time,) or (channels, time), got shape {wav.shape}")
    if wav.size == 0:
        raise AudioError(f"refusing to write an empty waveform to {path}")
    wav = np.clip(np.nan_to_num(wav), -1.0, 1.0)
    codec = subtype if fmt.format in ("WAV", "FLAC") else fmt.subtype
    if str(path) == STDOUT:
        import sys

        write_audio_stream(sys.stdout.buffer, wav, sample_rate)
        return Path(STDOUT)
    with atomic_path(path) as tmp:
        try:
            sf.write(str(tmp), wav, int(sample_rate), format=fmt.format, subtype=codec)
        except sf.LibsndfileError as e:
            free = shutil.disk_usage(tmp.parent).free
            hint = "; the disk is full: free some space or write elsewhere" if free < 1 << 20 else ""
            raise OutputError(f"cannot write audio to {path}: {e.error_string}{hint}") from None
    return Path(path)


def write_audio_stream(stream: BinaryIO, waveform: np.ndarray, sample_rate: int) -> None:
    """Write ``(time,)`` or ``(time, channels)`` float audio to a binary stream as 16-bit WAV.

    The WAV is assembled in memory first (its header needs the length), then written at once.
    """
    buffer = io.BytesIO()
    sf.write(buffer, np.clip(np.asarray(waveform, dtype=np.float32), -1.0, 1.0), int(sample_rate),
             format="WAV", subtype="PCM_16")
    stream.write(buffer.getvalue())
    stream.flush()
