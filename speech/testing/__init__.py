"""Test helpers shipped with the package: fixture builders and tiny data made at test time.

- :mod:`speech.testing.corpora`: tiny copies of real corpora in their own layouts;
- :mod:`speech.testing.slu_audio`: a spoken-command corpus (flite) and a tiny encoder config;
- :mod:`speech.testing.tones`: toy tasks for the training engine
  (``task: speech.testing.tones:ToneClassifierTask``), with their tone corpus;
- :mod:`speech.testing.shar`: a tone corpus as Shar shards and a per-rank probe;
- :mod:`speech.testing.whisper`: a tiny random Whisper in CTranslate2 format;
- :mod:`speech.testing.voices`: a voice of the shipped synthesizer by language (tests that name one).

Nothing in the library imports this package (``tests/test_layers.py`` checks it).
"""
