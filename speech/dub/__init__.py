"""Dubbing: one utterance into another language with its voice, emotion, timing and prosody.

- :mod:`speech.dub.dubber`: :class:`Dubber` (the ``speech dub`` job) and its report.
- :mod:`speech.dub.timing`: fitting a duration, pauses first, then phones.
- :mod:`speech.dub.steering`: the source's Avila-Ward profile mapped into the target language and
  applied window by window to pitch, energy and durations.
"""
