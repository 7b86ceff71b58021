"""Is a clip speech? The one check that every entry point runs on audio a user hands in.

``speech synth --speaker-wav/--emotion-wav``, ``speech slu predict``, ``speech eval prosody`` and
both tabs of the demo call :func:`check_speech` before any model sees the clip. It rests on three
cheap measurements on 10 ms frames:

- **voicing**: the share of non-silent frames where Praat (through ``parselmouth``) finds a
  pitch. Noise, clicks, a DC offset and whispering have almost none; speech about 0.5-0.9; a tone
  or a hum never stops being voiced.
- **pitch movement**: the standard deviation of F0 in semitones. A tone or a chord does not move;
  speech moves by 1-4 semitones (even monotone synthetic voices by about 1).
- **level movement**: the standard deviation of the frame level in dB. Syllables and pauses make
  speech's level move by about 9 dB; a steady sound stays within a few.

These catch the mistakes users make (a silent or muted microphone, a test tone, background noise,
music with a steady note, the wrong file); they do not prove that a clip is speech.

Example:
    >>> t = np.arange(32000) / 16000
    >>> tone = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    >>> inspect_speech(tone, 16000).problem  # doctest: +ELLIPSIS
    'a steady tone, not speech...'
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from speech.errors import AudioError, NotSpeechError

#: Frames quieter than this many dB below the loudest frame count as silence.
SILENCE_RANGE_DB = 40.0
FRAME_S = 0.01
#: Praat runs at this rate: it keeps everything below 4 kHz, plenty for 60-500 Hz.
_PITCH_RATE = 8000


@dataclass(frozen=True)
class SpeechCheckConfig:
    """Limits of the speech check.

    Attributes:
        min_duration_s: shortest usable clip.
        max_duration_s: a longer clip is measured (and used) on its first this many seconds.
        silent_rms: RMS below which a clip is silent (the synthesizer's own threshold).
        min_voiced_fraction: share of the non-silent frames that must be voiced.
        max_voiced_fraction: above this share, the sound never stops being voiced: a tone or a hum.
        min_pitch_spread_st: standard deviation of F0 in semitones below which the pitch does not
            move as in speech.
        min_energy_spread_db: standard deviation of the frame level in dB below which the level
            does not move as in speech.
    """

    min_duration_s: float = 1.0
    max_duration_s: float = 30.0
    silent_rms: float = 1e-3
    min_voiced_fraction: float = 0.2
    max_voiced_fraction: float = 0.97
    min_pitch_spread_st: float = 0.4
    min_energy_spread_db: float = 4.0

    def __post_init__(self) -> None:
        if not 0 <= self.min_duration_s < self.max_duration_s:
            raise ValueError(f"need 0 <= min_duration_s < max_duration_s, got {self.min_duration_s}, {self.max_duration_s}")
        if not 0 <= self.min_voiced_fraction < self.max_voiced_fraction <= 1:
            raise ValueError("need 0 <= min_voiced_fraction < max_voiced_fraction <= 1")


#: Spoken commands ("stop") are short and may hold one steady syllable, and SLU models may be
#: trained on other sounds (tone commands): only silence, DC and noise (no voicing) are refused.
COMMAND_CHECK = SpeechCheckConfig(
    min_duration_s=0.0, min_pitch_spread_st=0.0, max_voiced_fraction=1.0, min_energy_spread_db=0.0
)


@dataclass(frozen=True)
class SpeechReport:
    """What was measured on a clip.

    Attributes:
        duration_s: length of the clip as given.
        used_s: length that is used (the clip trimmed to ``max_duration_s``).
        trimmed: whether the clip was cut.
        rms_db: level of the used part in dBFS.
        voiced_fraction: share of the non-silent frames that are voiced.
        pitch_spread_st: standard deviation of F0 over voiced frames, in semitones.
        energy_spread_db: standard deviation of the level of non-silent frames, in dB.
        problem: why the clip is not speech, or ``None`` when it passes.
    """

    duration_s: float
    used_s: float
    trimmed: bool
    rms_db: float
    voiced_fraction: float
    pitch_spread_st: float
    energy_spread_db: float
    problem: str | None

    @property
    def is_speech(self) -> bool:
        return self.problem is None

    def summary(self) -> str:
        """One line: duration, trimming, and the speech check."""
        length = f"{self.duration_s:.1f} s"
        if self.trimmed:
            length += f" (using the first {self.used_s:.0f} s)"
        if self.problem is not None:
            return f"{length} · ✗ {self.problem}"
        return (
            f"{length} · ✓ speech (voiced {self.voiced_fraction:.0%}, pitch moves "
            f"{self.pitch_spread_st:.1f} semitones, level {self.energy_spread_db:.0f} dB)"
        )


def to_mono(wav: np.ndarray) -> np.ndarray:
    """``(time,)`` float32 from mono or ``(time, channels)`` / ``(channels, time)`` audio, any dtype.

    Integer PCM (what browsers' recordings decode to) is scaled to [-1, 1].
    """
    x = np.asarray(wav)
    if np.issubdtype(x.dtype, np.integer):
        x = x.astype(np.float32) / float(np.iinfo(x.dtype).max + 1)
    x = x.astype(np.float32, copy=False)
    if x.ndim == 2:
        # Channels are the short axis: a clip has far more samples than channels.
        x = x.mean(axis=1 if x.shape[1] < x.shape[0] else 0)
    if x.ndim != 1:
        raise AudioError(f"expected mono or stereo audio, got an array of shape {x.shape}")
    return np.ascontiguousarray(x)


def _frame_levels_db(wav: np.ndarray, sample_rate: int, n: int) -> np.ndarray:
    hop = int(round(FRAME_S * sample_rate))
    frames = np.asarray(wav[: n * hop], dtype=np.float64).reshape(n, hop)
    return 10.0 * np.log10(np.mean(frames**2, axis=1) + 1e-12)


def frame_f0(wav: np.ndarray, sample_rate: int, fmin: float = 60.0, fmax: float = 500.0) -> np.ndarray:
    """F0 in Hz of each whole 10 ms frame (Praat's autocorrelation method), NaN where unvoiced."""
    import parselmouth
    import soxr

    n = len(wav) // int(round(FRAME_S * sample_rate))
    x = np.asarray(wav, dtype=np.float64)
    if sample_rate != _PITCH_RATE:
        x = soxr.resample(x, sample_rate, _PITCH_RATE)
    pitch = parselmouth.Sound(x, sampling_frequency=_PITCH_RATE).to_pitch_ac(
        time_step=FRAME_S, pitch_floor=fmin, pitch_ceiling=fmax
    )
    times = np.asarray(pitch.xs(), dtype=np.float64)
    values = np.asarray(pitch.selected_array["frequency"], dtype=np.float64)
    out = np.full(n, np.nan)
    if len(times) == 0 or n == 0:
        return out
    # Each frame takes Praat's nearest analysis point, if one lies within a hop of its centre.
    centres = (np.arange(n) + 0.5) * FRAME_S
    idx = np.clip(np.searchsorted(times, centres), 1, max(len(times) - 1, 1)) if len(times) > 1 else np.zeros(n, int)
    left = np.maximum(idx - 1, 0)
    nearest = np.where(np.abs(times[left] - centres) <= np.abs(times[idx] - centres), left, idx)
    ok = (np.abs(times[nearest] - centres) <= FRAME_S) & (values[nearest] > 0)
    out[ok] = values[nearest[ok]]
    return out


def inspect_speech(wav: np.ndarray, sample_rate: int, config: SpeechCheckConfig | None = None) -> SpeechReport:
    """Measure a clip (see the module docstring); never raises for bad audio.

    Args:
        wav: ``(time,)`` float waveform in [-1, 1] (see :func:`to_mono`).
        sample_rate: its rate in Hz.
        config: the limits (defaults when ``None``).

    Returns:
        The report; ``report.problem`` says why the clip is not speech.
    """
    cfg = config or SpeechCheckConfig()
    wav = np.asarray(wav, dtype=np.float32)
    duration = len(wav) / float(sample_rate)
    used = wav[: int(cfg.max_duration_s * sample_rate)]
    used_s = len(used) / float(sample_rate)
    finite = bool(np.isfinite(used).all())
    rms = float(np.sqrt(np.mean(np.square(used, dtype=np.float64)))) if len(used) and finite else 0.0
    rms_db = 20.0 * np.log10(max(rms, 1e-10))

    def report(problem: str | None, voiced: float = 0.0, pitch: float = 0.0, level: float = 0.0) -> SpeechReport:
        return SpeechReport(duration, used_s, used_s < duration, rms_db, voiced, pitch, level, problem)

    if not finite:
        return report("not audio: it holds NaN or infinite samples")
    if duration < max(cfg.min_duration_s, 2 * FRAME_S):
        return report(f"too short ({duration:.2f} s): give at least {max(cfg.min_duration_s, 0.1):g} s of speech")
    if rms < cfg.silent_rms:
        level = f"level {rms_db:.0f} dBFS" if rms > 0 else "every sample is zero"
        return report(f"silent ({level}): check the microphone or the file")
    # A constant offset is no sound at all: measure what moves.
    centred = used - float(np.mean(used, dtype=np.float64))
    if float(np.sqrt(np.mean(np.square(centred, dtype=np.float64)))) < cfg.silent_rms:
        return report("a constant (DC) signal, not speech: it holds no sound")
    f0 = frame_f0(centred, sample_rate)
    levels = _frame_levels_db(centred, sample_rate, len(f0))
    active = levels > levels.max() - SILENCE_RANGE_DB
    voiced = np.isfinite(f0) & active
    voiced_fraction = float(voiced.sum() / max(int(active.sum()), 1))
    pitch_spread = float(np.std(12.0 * np.log2(f0[voiced]))) if voiced.sum() > 1 else 0.0
    level_spread = float(np.std(levels[active]))
    measured = {"voiced": voiced_fraction, "pitch": pitch_spread, "level": level_spread}
    if voiced_fraction < cfg.min_voiced_fraction:
        return report(f"hardly any voiced sound ({voiced_fraction:.0%} of it): noise or whispering, not speech",
                      **measured)
    if pitch_spread < cfg.min_pitch_spread_st:
        return report(f"a steady tone, not speech: its pitch moves only {pitch_spread:.2f} semitones", **measured)
    if voiced_fraction > cfg.max_voiced_fraction:
        return report(f"a continuous sound, not speech: voiced without a break ({voiced_fraction:.0%})", **measured)
    if level_spread < cfg.min_energy_spread_db:
        return report(f"a steady sound, not speech: its level moves only {level_spread:.1f} dB (no syllables)",
                      **measured)
    return report(None, **measured)


def check_speech(
    wav: np.ndarray, sample_rate: int, config: SpeechCheckConfig | None = None, what: str = "clip"
) -> SpeechReport:
    """:func:`inspect_speech`, raising when the clip is not speech.

    Args:
        wav: ``(time,)`` float waveform.
        sample_rate: its rate in Hz.
        config: the limits (defaults when ``None``).
        what: how the message names the clip (``"speaker reference clip x.wav"``).

    Raises:
        NotSpeechError: the clip is too short, silent, or not speech (the message says which).
    """
    rep = inspect_speech(wav, sample_rate, config)
    if rep.problem is not None:
        raise NotSpeechError(f"the {what} is {rep.problem}")
    return rep
