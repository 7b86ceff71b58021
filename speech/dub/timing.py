"""Fitting an utterance to a duration: pauses absorb the change first, then the phones.

A target language rarely needs the source's time for the same content, and a dub has to fit the
picture. The model predicts frames per token; :func:`fit_durations` rescales them so that the
*speech span* (first phone to last phone, the part that :func:`speech_span_s` measures in audio)
lasts the requested number of frames:

1. the pauses inside the utterance (punctuation tokens) are lengthened or shortened first,
   within :data:`PAUSE_LIMITS` times their predicted length (beyond what the phones can stretch,
   up to :data:`PAUSE_LAST_RESORT`);
2. the rest of the change goes to every other token of the span by one common factor, which must
   stay within :data:`PHONE_LIMITS` (half to twice the model's own rate: beyond that speech stops
   being intelligible), else :class:`~speech.dub.errors.DurationError` says which limit;
3. frames are rounded by their running sum, so the total is exact, and every phone keeps at
   least one frame (nothing of the text is dropped).

The tokens before the first phone and after the last (the language tag, a final full stop) keep
their predicted length: they are silence that the speech span does not count.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import numpy as np

from speech.dub.errors import DurationError

#: Each pause may shrink to a quarter or grow to 1.5 times its predicted length before the phones
#: change. A long stretched pause is a quiet stretch that the profile reads as extreme lengthening
#: (``le`` z down to -80): on 30 recipe pairs a 4x cap gave a mean prosody distance of 36.6, 2x
#: 34.1, 1.5x 33.7, at the same median (30.0) and Whisper CER within a point.
PAUSE_LIMITS: tuple[float, float] = (0.25, 1.5)
#: When the phones are already at their slowest, pauses may grow further, up to 4x: a long pause
#: is better than refusing a duration that a pause can still reach.
PAUSE_LAST_RESORT = 4.0
#: Common factor on the other tokens: at most twice as fast or twice as slow as the model's rate.
PHONE_LIMITS: tuple[float, float] = (0.5, 2.0)
#: Frames quieter than this many dB below the loudest frame are silence (librosa's trim rule).
SILENCE_DB = 40.0


def is_pause_symbol(symbol: str) -> bool:
    """True for punctuation tokens (where the model puts pauses)."""
    return bool(symbol) and all(unicodedata.category(ch).startswith("P") for ch in symbol)


def is_phone_symbol(symbol: str) -> bool:
    """True for tokens that are sounds: not punctuation, word boundaries, language tags or
    modifiers (stress and length marks) alone."""
    if not symbol.strip() or (symbol.startswith("<") and symbol.endswith(">")) or is_pause_symbol(symbol):
        return False
    return any(unicodedata.category(ch) not in ("Lm", "Sk", "Mn", "Zs") for ch in symbol)


def token_classes(symbols: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """``(is_pause, is_phone)`` boolean arrays for a token sequence."""
    return (np.array([is_pause_symbol(s) for s in symbols], dtype=bool),
            np.array([is_phone_symbol(s) for s in symbols], dtype=bool))


def speech_bounds(is_phone: np.ndarray) -> tuple[int, int]:
    """Indices ``(first, last + 1)`` of the tokens from the first phone to the last.

    Raises:
        DurationError: no phone at all.
    """
    idx = np.flatnonzero(is_phone)
    if idx.size == 0:
        raise DurationError("the text has no sounds to speak: give words, not only punctuation")
    return int(idx[0]), int(idx[-1]) + 1


def fit_durations(
    durations: np.ndarray,
    is_pause: np.ndarray,
    is_phone: np.ndarray,
    target_frames: float,
    frame_s: float,
) -> np.ndarray:
    """Whole frames per token whose speech span lasts ``target_frames`` (see the module docstring).

    Args:
        durations: ``(T,)`` predicted frames per token (float).
        is_pause: ``(T,)`` punctuation tokens.
        is_phone: ``(T,)`` sound tokens (each keeps at least one frame).
        target_frames: frames the speech span must last.
        frame_s: seconds per frame (for error messages).

    Returns:
        ``(T,)`` int64 frames.

    Raises:
        DurationError: the phones would have to go faster or slower than :data:`PHONE_LIMITS`.
    """
    d = np.maximum(np.asarray(durations, dtype=np.float64), 0.0).copy()
    first, last = speech_bounds(np.asarray(is_phone, dtype=bool))
    span = np.zeros(len(d), dtype=bool)
    span[first:last] = True
    pauses = span & np.asarray(is_pause, dtype=bool)
    others = span & ~pauses
    # Phones the model gave less than a frame would round away: give them one before fitting.
    d[np.asarray(is_phone, dtype=bool)] = np.maximum(d[np.asarray(is_phone, dtype=bool)], 1.0)
    p_total, o_total = float(d[pauses].sum()), float(d[others].sum())
    change = float(target_frames) - (p_total + o_total)
    lo, hi = PAUSE_LIMITS
    p_new = float(np.clip(p_total + change, lo * p_total, hi * p_total)) if p_total > 0 else 0.0
    factor = (float(target_frames) - p_new) / o_total
    if factor > PHONE_LIMITS[1] and p_total > 0:
        # Phones at their slowest; the pauses take the rest, up to the last-resort stretch.
        p_new = min(float(target_frames) - PHONE_LIMITS[1] * o_total, PAUSE_LAST_RESORT * p_total)
        factor = (float(target_frames) - p_new) / o_total
    if not PHONE_LIMITS[0] <= factor <= PHONE_LIMITS[1]:
        natural = (p_total + o_total) * frame_s
        shortest = (lo * p_total + PHONE_LIMITS[0] * o_total) * frame_s
        longest = (PAUSE_LAST_RESORT * p_total + PHONE_LIMITS[1] * o_total) * frame_s
        raise DurationError(
            f"{target_frames * frame_s:.2f} s is beyond what stays intelligible for this text: it takes "
            f"{natural:.2f} s at the model's rate, and pauses ({lo:g}-{PAUSE_LAST_RESORT:g}x) and phones "
            f"({PHONE_LIMITS[0]:g}-{PHONE_LIMITS[1]:g}x) can make it {shortest:.2f}-{longest:.2f} s; "
            "ask for a duration in that range or change the text"
        )
    if p_total > 0:
        d[pauses] *= p_new / p_total
    d[others] *= factor
    return _round_keeping_total(d, np.asarray(is_phone, dtype=bool))


def _round_keeping_total(d: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Round by the running sum (the total is preserved to a frame), then lift ``keep`` tokens
    to one frame, taking the frame back from the longest token."""
    edges = np.round(np.cumsum(d)).astype(np.int64)
    out = np.diff(np.concatenate([[0], edges]))
    for i in np.flatnonzero(keep & (out < 1)):
        j = int(np.argmax(out))
        if out[j] > 1:
            out[j] -= 1
        out[i] = 1
    return out


def speech_span_s(wav: np.ndarray, sample_rate: int, top_db: float = SILENCE_DB) -> float:
    """Seconds from the first to the last frame within ``top_db`` of the loudest frame."""
    from speech.data.bootstrap.functional import trim_silence

    return len(trim_silence(np.asarray(wav, dtype=np.float32), sample_rate, top_db=top_db, pad_s=0.0)) / sample_rate


def mel_speech_frames(log_mel: np.ndarray, top_db: float = SILENCE_DB) -> int:
    """Frames from the first to the last within ``top_db`` of the loudest, of a log-mel
    ``(n_mels, frames)`` (natural-log amplitudes): the audio's speech span, before vocoding."""
    power_db = 10.0 * np.log10(np.exp(2.0 * np.asarray(log_mel, dtype=np.float64)).sum(axis=0) + 1e-10)
    loud = np.flatnonzero(power_db > power_db.max() - top_db)
    return int(loud[-1] - loud[0] + 1) if loud.size else 0
