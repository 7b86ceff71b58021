"""The shared training engine: typed YAML configs, a task registry, and a Lightning trainer.

Modules (import what you need; this package imports nothing heavy by itself):

- :mod:`speech.train.config`: YAML -> typed dataclasses, ``key=value`` overrides, registries;
- :mod:`speech.train.schema`: :class:`~speech.train.schema.TrainConfig`, the top-level run config;
- :mod:`speech.train.registry`: the task registry (``task: asr_ctc`` in YAML, or ``task: module:Class``);
- :mod:`speech.train.task`: the :class:`~speech.train.task.Task` a model implements to be trained;
- :mod:`speech.train.data`: lhotse dynamic-bucketing loaders whose position survives a restart;
- :mod:`speech.train.checkpoint`: atomic checkpoint files, step-based and best-k checkpointing;
- :mod:`speech.train.engine`: :func:`~speech.train.engine.train`, which runs a config end to end.

The toy tone tasks that exercise the engine in tests and benchmarks are :mod:`speech.testing.tones`
(``task: speech.testing.tones:ToneClassifierTask``).
"""
