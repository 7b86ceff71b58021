"""Speech recognition: speech encoders (ESPnet Conformer/Transformer, or transformers models) with a CTC head.

Modules (this package imports nothing heavy by itself):

- :mod:`speech.asr.frontend`: log-mel / Kaldi fbank front-end, utterance normalisation, SpecAugment;
- :mod:`speech.asr.encoder`: :class:`~speech.asr.encoder.EncoderConfig` and the encoders shared with SLU;
- :mod:`speech.asr.tokens`: character vocabularies and phoneme units for CTC;
- :mod:`speech.asr.ctc`, :mod:`speech.asr.decoding`: CTC head, greedy and prefix beam search;
- :mod:`speech.asr.model`: :class:`~speech.asr.model.ASRModel` (save/from_pretrained);
- :mod:`speech.asr.task`: ``task: asr_ctc`` for the shared training engine;
- :mod:`speech.asr.inference`: :class:`~speech.asr.inference.Transcriber` (``speech asr transcribe``);
- :mod:`speech.asr.audio`: input checks (rate, length, silence) shared with SLU;
- :mod:`speech.asr.metrics`: CER / WER with jiwer.
"""
