"""Is a reference clip usable speech? Duration, level, voicing and movement checks, and trimming.

The synthesizer's own :func:`speech.tts.synthesizer.check_reference` rejects silent clips and clips
outside 1-60 s. A demo page gets anything a microphone or a file picker hands it, so it also asks
whether the clip sounds like speech, from three cheap measurements on 10 ms frames:

- **voicing**: the share of non-silent frames where Praat finds a pitch. Noise, clicks and
  whispering have almost none; speech about 0.5-0.9; a tone or a hum never stops being voiced.
- **pitch movement**: the standard deviation of F0 in semitones. A tone or a chord does not move;
  speech moves by 1-4 semitones (even monotone synthetic voices by about 1).
- **level movement**: the standard deviation of the frame level in dB. Syllables and pauses make
  speech's level move by about 9 dB; a steady sound stays within a few.

These catch the mistakes a demo sees (a silent or muted microphone, a test tone, background noise,
music with a steady note); they do not prove that a clip is speech.

Example:
    >>> import numpy as np
    >>> t = np.arange(32000) / 16000
    >>> tone = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    >>> inspect_reference(tone, 16000).problem  # doctest: +ELLIPSIS
    'a steady tone, not speech...'
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from speech.demo.config import DemoConfig
from speech.errors import AudioError

#: Frames quieter than this many dB below the loudest frame count as silence.
SILENCE_RANGE_DB = 40.0
#: RMS below which a whole clip is silent (the synthesizer's own threshold).
SILENT_RMS = 1e-3
FRAME_S = 0.01


@dataclass(frozen=True)
class ReferenceReport:
    """What was measured on a reference clip.

    Attributes:
        duration_s: length of the clip as given.
        used_s: length that is used (the clip trimmed to ``DemoConfig.max_reference_s``).
        trimmed: whether the clip was cut.
        rms_db: level of the used part in dBFS.
        voiced_fraction: share of the non-silent frames that are voiced.
        pitch_spread_st: standard deviation of F0 over voiced frames, in semitones.
        energy_spread_db: standard deviation of the level of non-silent frames, in dB.
        problem: why the clip cannot be used, or ``None`` when it can.
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
        """One line for the page: duration, trimming, and the speech check."""
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


def inspect_reference(wav: np.ndarray, sample_rate: int, config: DemoConfig | None = None) -> ReferenceReport:
    """Measure a reference clip (see the module docstring); never raises for bad audio.

    Args:
        wav: ``(time,)`` float waveform in [-1, 1] (see :func:`to_mono`).
        sample_rate: its rate in Hz.
        config: the limits; defaults of :class:`DemoConfig` when ``None``.

    Returns:
        The report; ``report.problem`` says why the clip cannot be used.
    """
    from speech.eval.pitch import track_pitch

    cfg = config or DemoConfig()
    duration = len(wav) / float(sample_rate)
    used = wav[: int(cfg.max_reference_s * sample_rate)]
    used_s = len(used) / float(sample_rate)
    rms = float(np.sqrt(np.mean(np.square(used, dtype=np.float64)))) if len(used) else 0.0
    rms_db = 20.0 * np.log10(max(rms, 1e-10))

    def report(problem: str | None, voiced: float = 0.0, pitch: float = 0.0, level: float = 0.0) -> ReferenceReport:
        return ReferenceReport(duration, used_s, used_s < duration, rms_db, voiced, pitch, level, problem)

    if duration < cfg.min_reference_s:
        return report(f"too short: give at least {cfg.min_reference_s:.0f} s of speech")
    if rms < SILENT_RMS:
        level = f"level {rms_db:.0f} dBFS" if rms > 0 else "every sample is zero"
        return report(f"silent ({level}): check the microphone or the file")
    f0 = track_pitch(used, sample_rate, fmin=60.0, fmax=500.0, hop_s=FRAME_S)
    levels = _frame_levels_db(used, sample_rate, len(f0))
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


def prepare_reference(
    wav: np.ndarray, sample_rate: int, config: DemoConfig | None = None, what: str = "reference clip"
) -> tuple[np.ndarray, ReferenceReport]:
    """Check a reference clip and trim it; the clip to use and its report.

    Raises:
        AudioError: the clip is too short, silent, or not speech (the message says which).
    """
    cfg = config or DemoConfig()
    x = to_mono(wav)
    rep = inspect_reference(x, sample_rate, cfg)
    if rep.problem is not None:
        raise AudioError(f"the {what} is {rep.problem}")
    return x[: int(round(rep.used_s * sample_rate))], rep
