"""Emotion styles made with prosody controls: pitch level, pitch range, speaking rate, loudness.

These are *synthetic* styles, not acted emotion: each is a setting of the four prosodic
dimensions that listeners associate with the emotion (Scherer's vocal-affect profiles: happy and
surprised raise pitch and widen its range, sad lowers pitch, narrows the range and slows down,
angry speeds up and gets louder). Manifests mark them ``emotion_synthetic=True``.

One :class:`EmotionStyle` drives every engine:

- espeak-ng applies it natively (``espeakPITCH``, ``espeakRANGE``, ``espeakRATE``), see
  :func:`espeak_parameters`;
- flite and festival voices are modified afterwards by PSOLA (Praat through ``parselmouth``): F0
  median scaled, log-F0 range scaled around it, duration scaled, see :func:`psola_prosody`. Their
  neutral style goes through PSOLA too, so that re-synthesis artefacts do not become a cue for
  "emotional";
- loudness is applied last, as a gain in dB relative to the corpus loudness target.

Each utterance jitters the style a little (deterministically from the seed), so that one style is
a region, not a single point, of the prosody space.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

# Share of each style when a corpus picks styles at random: neutral dominates, as in real data.
STYLE_WEIGHTS: dict[str, float] = {"neutral": 0.4, "happy": 0.15, "sad": 0.15, "angry": 0.15,
                                   "surprised": 0.15}


@dataclass(frozen=True)
class EmotionStyle:
    """Prosody of one emotion style, relative to the voice's neutral delivery.

    Attributes:
        emotion: one of :data:`speech.data.manifests.EMOTIONS` (the keys of :data:`STYLE_WEIGHTS`).
        pitch_scale: factor on the mean F0 (1.0 = the voice's own level).
        range_scale: factor on F0 excursions around the mean, in the log domain (1.0 = unchanged).
        rate_scale: factor on speaking rate (>1 is faster).
        gain_db: loudness relative to the corpus target, in dB.
    """

    emotion: str
    pitch_scale: float = 1.0
    range_scale: float = 1.0
    rate_scale: float = 1.0
    gain_db: float = 0.0

    def __post_init__(self) -> None:
        # STYLE_WEIGHTS lists the manifest convention's emotions; importing speech.data.manifests
        # here would pull lhotse and torch into every synthesis worker.
        if self.emotion not in STYLE_WEIGHTS:
            raise ValueError(f"unknown emotion {self.emotion!r}; choose from {', '.join(STYLE_WEIGHTS)}")
        for name in ("pitch_scale", "range_scale", "rate_scale"):
            value = getattr(self, name)
            if not 0.2 <= value <= 3.0:
                raise ValueError(f"{name} must be in [0.2, 3.0], got {value}")

    def jittered(self, rng: np.random.Generator, amount: float = 0.04) -> EmotionStyle:
        """A copy with each factor multiplied by ``1 +- amount`` and the gain moved by +-1 dB."""
        def j(x: float) -> float:
            return float(x * (1.0 + rng.uniform(-amount, amount)))

        return replace(self, pitch_scale=j(self.pitch_scale), range_scale=j(self.range_scale),
                       rate_scale=j(self.rate_scale), gain_db=float(self.gain_db + rng.uniform(-1, 1)))

    def to_dict(self) -> dict[str, float | str]:
        """JSON-ready view (stored in manifests as ``custom["style"]``)."""
        return {"emotion": self.emotion, "pitch_scale": round(self.pitch_scale, 4),
                "range_scale": round(self.range_scale, 4), "rate_scale": round(self.rate_scale, 4),
                "gain_db": round(self.gain_db, 2)}


STYLES: dict[str, EmotionStyle] = {
    "neutral": EmotionStyle("neutral"),
    "happy": EmotionStyle("happy", pitch_scale=1.12, range_scale=1.45, rate_scale=1.08, gain_db=2.0),
    "sad": EmotionStyle("sad", pitch_scale=0.89, range_scale=0.5, rate_scale=0.8, gain_db=-5.0),
    "angry": EmotionStyle("angry", pitch_scale=1.05, range_scale=1.3, rate_scale=1.15, gain_db=4.0),
    "surprised": EmotionStyle("surprised", pitch_scale=1.22, range_scale=1.75, rate_scale=0.97,
                              gain_db=2.0),
}


ESPEAK_DEFAULT_RATE = 175  # words per minute, espeak-ng's own default
ESPEAK_DEFAULT_PITCH = 50  # 0..100
ESPEAK_DEFAULT_RANGE = 50  # 0..100


def espeak_parameters(style: EmotionStyle) -> dict[str, int]:
    """espeak-ng parameter values (``rate``, ``pitch``, ``range``) that realise ``style``.

    espeak-ng's pitch parameter moves the base pitch by roughly one percent per unit around 50,
    so a log mapping keeps ``pitch_scale`` meaningful; range is linear in its parameter.
    """
    pitch = ESPEAK_DEFAULT_PITCH + 100.0 * math.log(style.pitch_scale)
    rng = ESPEAK_DEFAULT_RANGE * style.range_scale
    rate = ESPEAK_DEFAULT_RATE * style.rate_scale
    return {
        "rate": int(round(min(max(rate, 80), 450))),
        "pitch": int(round(min(max(pitch, 0), 100))),
        "range": int(round(min(max(rng, 0), 100))),
    }


def psola_prosody(
    waveform: np.ndarray,
    sample_rate: int,
    pitch_scale: float = 1.0,
    range_scale: float = 1.0,
    rate_scale: float = 1.0,
    pitch_floor_hz: float = 60.0,
    pitch_ceiling_hz: float = 500.0,
) -> np.ndarray:
    """Change pitch level, pitch range and rate of speech with Praat's PSOLA (``parselmouth``).

    A Praat *Manipulation* of the sound gets a new pitch tier, every point moved to
    ``pitch_scale * exp(log m + range_scale * (log f0 - log m))`` with ``m`` the utterance's median
    F0 (range is scaled in the log domain, so a wide range never pushes F0 below zero, as Praat's
    linear "Change gender" range factor does), and a constant duration tier ``1 / rate_scale``;
    overlap-add resynthesis then keeps the voice's own timbre.

    Args:
        waveform: ``(time,)`` float audio.
        sample_rate: its rate in Hz.
        pitch_scale: factor on the median F0.
        range_scale: factor on log-F0 excursions around the median.
        rate_scale: factor on speaking rate (>1 is faster, shorter output).
        pitch_floor_hz: lowest F0 considered in the pitch analysis.
        pitch_ceiling_hz: highest F0 considered.

    Returns:
        ``(time',)`` float32 audio at ``sample_rate``, ``time' ~= time / rate_scale``. Audio without
        any voiced frame is only time-scaled.
    """
    import hashlib

    import parselmouth
    from parselmouth.praat import call, run

    samples = np.ascontiguousarray(waveform, dtype=np.float64)
    # Praat's overlap-add places pulses in unvoiced stretches at random: seed its generator from
    # the input, so the same audio always comes out the same (reproducible, resumable builds).
    seed = int.from_bytes(hashlib.sha1(samples.tobytes()).digest()[:4], "little") % 1_000_000_007
    run(f"random_initializeWithSeedUnsafelyButPredictably: {seed}")
    sound = parselmouth.Sound(samples, float(sample_rate))
    manipulation = call(sound, "To Manipulation", 0.01, pitch_floor_hz, pitch_ceiling_hz)
    pitch_tier = call(manipulation, "Extract pitch tier")
    if call(pitch_tier, "Get number of points") > 0:
        median = float(np.median([call(pitch_tier, "Get value at index", i)
                                  for i in range(1, call(pitch_tier, "Get number of points") + 1)]))
        log_m = float(np.log(median))
        call(pitch_tier, "Formula",
             f"exp({log_m:.10g} + {float(range_scale):.10g} * (ln(self) - {log_m:.10g})) * {float(pitch_scale):.10g}")
        call([pitch_tier, manipulation], "Replace pitch tier")
    duration_tier = call("Create DurationTier", "rate", 0.0, sound.duration)
    call(duration_tier, "Add point", 0.0, 1.0 / rate_scale)
    call([duration_tier, manipulation], "Replace duration tier")
    out = call(manipulation, "Get resynthesis (overlap-add)")
    return np.asarray(out.values[0], dtype=np.float32)


def pick_emotion(rng: np.random.Generator, emotions: tuple[str, ...]) -> str:
    """Draw one of ``emotions`` with the :data:`STYLE_WEIGHTS` proportions."""
    weights = np.array([STYLE_WEIGHTS[e] for e in emotions], dtype=np.float64)
    return emotions[int(rng.choice(len(emotions), p=weights / weights.sum()))]
