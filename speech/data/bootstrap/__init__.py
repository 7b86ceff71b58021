"""Bootstrap corpora that this machine synthesises by itself, for tests, CI and default models.

- :mod:`speech.data.bootstrap.tts`: a multilingual, multispeaker TTS corpus (14 languages;
  Kokoro's natural voices and blends of them, Pico, espeak-ng, flite and festival voices; emotion
  styles; held-out voices); ``speech data bootstrap-tts``.
- :mod:`speech.data.bootstrap.slu`: spoken commands in the Fluent Speech Commands schema in several
  languages with speaker-disjoint splits and optional augmentation, plus an ASR subset;
  ``speech data bootstrap-slu``.

Building blocks: :mod:`~speech.data.bootstrap.voices` (who speaks),
:mod:`~speech.data.bootstrap.engines` (how), :mod:`~speech.data.bootstrap.styles` (emotion
prosody), :mod:`~speech.data.bootstrap.functional` (pure audio functions),
:mod:`~speech.data.bootstrap.sentences` (what is said), :mod:`~speech.data.bootstrap.synthesis`
(parallel, resumable rendering). This package imports nothing heavy at import time, so that
``speech --help`` stays fast; import the sub-modules you need.
"""
