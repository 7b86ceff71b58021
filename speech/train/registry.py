"""Names that a YAML ``task:`` key may take, mapped to their :class:`~speech.train.task.Task` classes.

The table holds import paths, not classes, so that reading it costs nothing; a class is imported
when a config selects it. To add a model, add one line here (or, without editing this file, write
``task: your.module:YourTask`` in the YAML, as the tests do for the toy tasks of
:mod:`speech.testing.tones`).
"""

from __future__ import annotations

from speech.train.config import Registry

TASKS = Registry(
    "task",
    {
        "tts": "speech.tts.task:TTSTask",
        "asr_ctc": "speech.asr.task:ASRTask",
        "slu": "speech.slu.task:SLUTask",
        "vocoder": "speech.tts.vocoder.task:VocoderTask",
    },
    base="speech.train.task:Task",
)
