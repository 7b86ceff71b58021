"""CTC training of :class:`~speech.asr.model.ASRModel` by the shared engine (``task: asr_ctc``).

A run config (see :mod:`speech.train.schema`)::

    task: asr_ctc                  # or speech.asr.task:ASRTask
    task_conf:
      tokens_file: data/tokens.json   # `speech asr vocab --cuts data/train_cuts.jsonl.gz -o data/tokens.json`
      model:
        encoder: {kind: conformer, espnet: {output_size: 144, num_blocks: 4}}
        ctc: {unit: char}
    data: {train_cuts: data/train_cuts.jsonl.gz, valid_cuts: data/dev_cuts.jsonl.gz}

Batches are padded waveforms (features are computed inside the model, on its device); the
targets come from each supervision's ``text`` (and ``language`` for phoneme targets).
Validation reports the CTC loss and greedy-decoding CER / WER.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch

from speech.asr.metrics import corpus_error_counts
from speech.asr.model import ASRConfig, ASRModel
from speech.asr.tokens import CTCConfig, TextEncoder, load_vocabulary, phoneme_tokens
from speech.train.task import Task

if TYPE_CHECKING:
    from lhotse import CutSet
    from lhotse.cut import Cut

logger = logging.getLogger(__name__)


def cut_text(cut: Cut) -> str:
    """The transcript of a cut: its supervisions' texts joined by spaces."""
    return " ".join(s.text for s in cut.supervisions if s.text).strip()


def cut_language(cut: Cut) -> str | None:
    """The language of a cut's first supervision that has one."""
    return next((s.language for s in cut.supervisions if s.language), None)


class WaveformCollate:
    """CutSet -> padded waveforms plus texts (picklable; runs in data workers).

    Output keys: ``audio`` ``(B, N)`` float32, ``audio_lens`` ``(B,)``, ``texts``, ``languages``,
    ``ids`` (cut ids).

    Args:
        sample_rate: rate the model expects; other cuts are resampled by lhotse.
    """

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate

    def __call__(self, cuts: CutSet) -> dict[str, Any]:
        from lhotse.dataset.collation import collate_audio

        if any(c.sampling_rate != self.sample_rate for c in cuts):
            cuts = cuts.resample(self.sample_rate)
        audio, audio_lens = collate_audio(cuts)
        if audio.ndim == 3:  # multi-channel cuts: average to mono
            audio = audio.mean(dim=1)
        return {
            "audio": audio.float(),
            "audio_lens": audio_lens.long(),
            "texts": [cut_text(c) for c in cuts],
            "languages": [cut_language(c) for c in cuts],
            "ids": [c.id for c in cuts],
        }


class CTCTargetCollate(WaveformCollate):
    """:class:`WaveformCollate` plus CTC targets: ``targets`` ``(B, L)`` and ``target_lens`` ``(B,)``."""

    def __init__(self, sample_rate: int, ctc: CTCConfig) -> None:
        super().__init__(sample_rate)
        self.text = TextEncoder(ctc)

    def __call__(self, cuts: CutSet) -> dict[str, Any]:
        batch = super().__call__(cuts)
        seqs = [self.text.encode(t, lang) for t, lang in zip(batch["texts"], batch["languages"])]
        lens = torch.tensor([len(s) for s in seqs], dtype=torch.long)
        targets = torch.zeros(len(seqs), max(int(lens.max()), 1) if seqs else 1, dtype=torch.long)
        for i, s in enumerate(seqs):
            targets[i, : len(s)] = torch.tensor(s, dtype=torch.long)
        batch.update(targets=targets, target_lens=lens)
        return batch


def resolve_ctc_tokens(ctc: CTCConfig, tokens_file: str | None, what: str = "task_conf") -> CTCConfig:
    """``ctc`` with its tokens filled from ``tokens_file`` or the symbol table (phoneme unit).

    Raises:
        VocabularyError: the file's unit differs from ``ctc.unit``.
    """
    from speech.asr.tokens import VocabularyError

    out = copy.deepcopy(ctc)
    if tokens_file is not None:
        unit, tokens = load_vocabulary(tokens_file)
        if unit != ctc.unit:
            raise VocabularyError(f"{what}.tokens_file {tokens_file} holds {unit} tokens but ctc.unit is {ctc.unit!r}")
        if ctc.tokens and ctc.tokens != tokens:
            raise VocabularyError(f"{what}: both ctc.tokens and tokens_file are set and they differ; keep one")
        out.tokens = tokens
    elif not out.tokens and out.unit == "phoneme":
        out.tokens = phoneme_tokens()
    return out


@dataclass(kw_only=True)
class ASRTaskConfig:
    """``task_conf`` of ``task: asr_ctc``."""

    model: ASRConfig = field(default_factory=ASRConfig)
    tokens_file: str | None = None
    """JSON vocabulary (``speech asr vocab``); needed for ``ctc.unit: char`` unless ``ctc.tokens`` is set."""
    min_duration: float = 0.3
    """Training utterances shorter than this (seconds) are skipped."""
    max_duration: float = 20.0
    """Training utterances longer than this (seconds) are skipped."""


class ASRTask(Task[ASRTaskConfig]):
    """CTC loss on an :class:`~speech.asr.model.ASRModel`."""

    config_class = ASRTaskConfig

    def __init__(self, config: ASRTaskConfig) -> None:
        super().__init__(config)
        self.model_config = copy.deepcopy(config.model)
        self.model_config.ctc = resolve_ctc_tokens(config.model.ctc, config.tokens_file)

    def build_model(self) -> ASRModel:
        return ASRModel(self.model_config)

    def make_collate(self) -> CTCTargetCollate:
        return CTCTargetCollate(self.model_config.encoder.sample_rate, self.model_config.ctc)

    def keep_cut(self, cut: Cut) -> bool:
        return self.config.min_duration <= cut.duration <= self.config.max_duration and bool(cut_text(cut))

    def training_losses(
        self, model: ASRModel, batch: Mapping[str, Any], *, optimizer: str = "main", cache: dict | None = None
    ) -> dict[str, torch.Tensor]:
        log_probs, lens = model(batch["audio"], batch["audio_lens"])
        loss = model.ctc.loss(log_probs, lens, batch["targets"], batch["target_lens"])
        return {"loss": loss, "ctc": loss.detach()}

    def validation_metrics(self, model: ASRModel, batch: Mapping[str, Any]) -> dict[str, torch.Tensor]:
        log_probs, lens = model(batch["audio"], batch["audio_lens"])
        loss = model.ctc.loss(log_probs, lens, batch["targets"], batch["target_lens"])
        hyps = [model.text_encoder.decode(ids) for ids in model.ctc.decode(log_probs, lens)]
        counts = corpus_error_counts(batch["texts"], hyps)
        device = loss.device
        return {
            "loss": loss,
            "cer": torch.tensor(counts.cer if counts.chars else 0.0, device=device),
            "wer": torch.tensor(counts.wer if counts.words else 0.0, device=device),
        }
