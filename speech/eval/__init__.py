"""Evaluation: pure metric functions (arrays in, numbers out) behind ``speech eval ...``.

Modules:

- :mod:`speech.eval.prosody`: cross-language prosodic distance (Avila & Ward, Interspeech 2023):
  frame-level features, speaker normalisation, 10 x 10 windowed vector, distance and shares;
  :mod:`~speech.eval.prosody_stats` (per-language z-scoring, ``prosody-fit``),
  :mod:`~speech.eval.prosody_pairs` (files, speakers, pairs), :mod:`~speech.eval.prosody_baselines`
  (copy / mean / linear regression), :mod:`~speech.eval.dral` (DRAL corpus reader),
  :mod:`~speech.eval.prosody_plot`; :mod:`~speech.eval.pitch` (pitch trackers).
- :mod:`speech.eval.intent`: intent accuracy, per-slot accuracy, confusion matrices, per speaker.
- :mod:`speech.eval.tts`: the TTS metrics, shared by ``speech eval tts``, ``speech tts evaluate``
  and ``speech tts vocoder evaluate``: speaker similarity and identification
  (:mod:`~speech.eval.speaker`), CER/WER (:mod:`~speech.eval.asr`), MCD with DTW and F0 errors
  (:mod:`~speech.eval.spectral`), DNSMOS and speaking rate (:mod:`~speech.eval.quality`), duration
  ratio; tables per language/speaker.
- :mod:`speech.eval.cli`: the ``speech eval`` sub-commands (a thin layer over the above).
"""
