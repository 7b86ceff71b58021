"""The synthesizer as a task of the shared training engine (``task: tts``).

The model config's vocabularies (languages, speakers, emotions) and feature statistics come from
the data; the recipe's feature stage writes them into the task config (see
``recipes/bootstrap/tts``), together with the speaker table (mean d-vector per training speaker).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from lhotse import CutSet
from lhotse.cut import Cut

from speech.text.symbols import SymbolTable
from speech.text.tokenizer import Tokenizer
from speech.train.task import MAIN_OPTIMIZER, Task
from speech.tts.config import TTSModelConfig
from speech.tts.dataset import TTSCollate
from speech.tts.model import AcousticModel, TTSBatch


@dataclass(kw_only=True)
class TTSTaskConfig:
    """``task_conf`` of a synthesizer run."""

    model: TTSModelConfig = field(default_factory=TTSModelConfig)
    symbols: str | None = None
    """Symbol table file; the packaged table when unset."""
    speaker_table: str | None = None
    """safetensors file with one mean d-vector per training speaker (written by the recipe)."""
    max_cut_duration: float = 15.0
    """Longer training utterances are dropped (memory and alignment cost grow with length)."""
    init_from: str | None = None
    """Directory of a saved acoustic model whose weights start this run (fine-tuning, e.g. with the
    consistency losses switched on). Its architecture and vocabularies must equal ``model``'s; the
    loss settings may differ. Resuming an interrupted run still uses the run's checkpoint."""


class _Collate:
    """Picklable collate: builds its tokenizer lazily inside each DataLoader worker."""

    def __init__(self, symbols: str | None, config: TTSModelConfig) -> None:
        self.symbols = symbols
        self.config = config
        self._collate: TTSCollate | None = None

    def __call__(self, cuts: CutSet) -> dict[str, torch.Tensor]:
        if self._collate is None:
            table = SymbolTable.load(self.symbols) if self.symbols else SymbolTable.default()
            self._collate = TTSCollate(Tokenizer(table), self.config)
        return dict(vars(self._collate(cuts)))


def init_weights(model: AcousticModel, directory: str) -> None:
    """Copy a saved acoustic model's weights (and speaker table) into ``model``.

    Raises:
        ConfigError: the saved model's vocabularies or tensor shapes differ from ``model``'s.
        MissingCheckpointError, CorruptCheckpointError: as :meth:`AcousticModel.from_pretrained`.
    """
    from speech.train.checkpoint_io import copy_weights
    from speech.train.errors import ConfigError

    source = AcousticModel.from_pretrained(directory)
    for name in ("languages", "speakers", "emotions", "vocab_size"):
        theirs, ours = getattr(source.config, name), getattr(model.config, name)
        if theirs != ours:
            raise ConfigError(f"task_conf.init_from={directory}: its {name} ({theirs}) differ from this run's ({ours})")
    copy_weights(model, source, f"task_conf.init_from={directory}")


class TTSTask(Task[TTSTaskConfig]):
    """Trains :class:`~speech.tts.model.AcousticModel` (one optimizer)."""

    config_class = TTSTaskConfig

    def build_model(self) -> AcousticModel:
        model = AcousticModel(self.config.model)
        if self.config.speaker_table:
            from safetensors.torch import load_file

            table = load_file(self.config.speaker_table)["speaker_table"]
            model.set_speaker_table(table)
        if self.config.init_from:
            init_weights(model, self.config.init_from)
        return model

    def make_collate(self) -> Callable[[CutSet], Mapping[str, Any]]:
        return _Collate(self.config.symbols, self.config.model)

    def training_losses(
        self,
        model: AcousticModel,  # type: ignore[override]  # the registry gives this task only AcousticModel
        batch: Mapping[str, Any],
        *,
        optimizer: str = MAIN_OPTIMIZER,
        cache: dict[str, Any] | None = None,
    ) -> dict[str, torch.Tensor]:
        step = int(model.training_steps)
        if model.training:
            model.training_steps += 1
        return model(TTSBatch(**batch), step=step)

    def keep_cut(self, cut: Cut) -> bool:
        return cut.duration <= self.config.max_cut_duration
