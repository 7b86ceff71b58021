"""Speech encoders shared by ASR and SLU: waveforms in, ``(batch, frames, dim)`` states out.

Two families, chosen by :attr:`EncoderConfig.kind`:

- ``conformer`` / ``transformer``: our filterbank front-end (:mod:`speech.asr.frontend`) followed by
  ESPnet's :class:`~espnet2.asr.encoder.conformer_encoder.ConformerEncoder` or
  :class:`~espnet2.asr.encoder.transformer_encoder.TransformerEncoder` with a convolutional
  subsampling input layer (``conv2d``: 4x, ``conv2d6``: 6x, ``conv2d8``: 8x);
- ``whisper``: Whisper's encoder read from a CTranslate2 folder (by default the assembled
  Whisper-base), frozen, partly or fully trained, on the clip's own frames (:mod:`speech.asr.whisper`);
- ``transformers``: a pre-trained speech encoder from ``transformers`` (wav2vec 2.0, HuBERT, WavLM,
  data2vec-audio, or Whisper's encoder). Its architecture is stored in the config
  (:attr:`TransformersEncoderConfig.hf_config`, the model's ``config.json`` as a mapping) so that a
  saved model is rebuilt without the original directory; the pre-trained weights are read from a
  *local* directory by :func:`load_transformers_weights` (nothing is downloaded).

Both take ``(wav (B, N), wav_lens (B,))`` at :attr:`EncoderConfig.sample_rate` and return
``(states (B, T, D), lens (B,))``; :func:`build_encoder` picks the class. ASR and SLU models keep
the encoder under the attribute ``encoder``, so the ``encoder.*`` weights of an ASR checkpoint map
one to one onto an SLU model with the same encoder config.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch
from torch import nn

from speech.asr.frontend import (
    FeatureConfig,
    FeatureExtractor,
    SpecAugment,
    SpecAugmentConfig,
)
from speech.asr.hf import hf_config_from_dict, read_hf_config
from speech.asr.whisper import WhisperEncoderConfig, WhisperSpeechEncoder
from speech.compat import import_espnet
from speech.errors import AudioError, SpeechError

logger = logging.getLogger(__name__)

#: transformers model types accepted as speech encoders (``config.json``'s ``model_type``).
TRANSFORMERS_SPEECH_TYPES: tuple[str, ...] = ("wav2vec2", "hubert", "wavlm", "data2vec-audio", "whisper")

# Frames consumed by each subsampling input layer: (kernel-3 stride-2 conv pairs, last kernel/stride).
_SUBSAMPLING_MIN_FRAMES = {"conv2d": 7, "conv2d6": 11, "conv2d8": 15}


class EncoderConfigError(SpeechError, ValueError):
    """An encoder config that cannot be built (e.g. a transformers encoder without its config)."""


@dataclass(kw_only=True)
class EspnetEncoderConfig:
    """Sizes of an ESPnet Conformer / Transformer encoder (``kind: conformer | transformer``)."""

    output_size: int = 144
    attention_heads: int = 4
    linear_units: int = 576
    num_blocks: int = 4
    dropout: float = 0.1
    attention_dropout: float = 0.0
    subsampling: Literal["conv2d", "conv2d6", "conv2d8"] = "conv2d"
    cnn_module_kernel: int = 15
    """Conformer only: depth-wise convolution kernel (odd)."""


@dataclass(kw_only=True)
class TransformersEncoderConfig:
    """A ``transformers`` speech encoder (``kind: transformers``)."""

    hf_config: dict[str, Any] | None = None
    """The model's ``config.json`` as a mapping; filled from the model directory at initialisation."""
    normalize_waveform: bool = True
    """Zero-mean unit-variance waveforms per utterance (what wav2vec2-style feature extractors do)."""
    freeze_feature_encoder: bool = True
    """Keep the convolutional waveform encoder of wav2vec2-style models fixed (usual when fine-tuning)."""


@dataclass(kw_only=True)
class EncoderConfig:
    """Which speech encoder, and its front-end."""

    kind: Literal["conformer", "transformer", "transformers", "whisper"] = "conformer"
    sample_rate: int = 16000
    features: FeatureConfig = field(default_factory=FeatureConfig)
    """Filterbank front-end (conformer / transformer only)."""
    specaug: SpecAugmentConfig = field(default_factory=SpecAugmentConfig)
    """SpecAugment (conformer / transformer only; transformers models use their own masking)."""
    espnet: EspnetEncoderConfig = field(default_factory=EspnetEncoderConfig)
    transformers: TransformersEncoderConfig = field(default_factory=TransformersEncoderConfig)
    whisper: WhisperEncoderConfig = field(default_factory=WhisperEncoderConfig)
    """``kind: whisper`` only: the CTranslate2 folder and which layers train."""


def architecture_differences(a: EncoderConfig, b: EncoderConfig) -> list[str]:
    """Dotted config keys in which two encoders differ in a way that changes the computation.

    Training-time settings (dropout, SpecAugment, feature-encoder freezing) are ignored: an encoder
    trained with one dropout can be fine-tuned with another.
    """
    from speech.train.config import to_dict

    ignored = {"specaug", "espnet.dropout", "espnet.attention_dropout", "transformers.freeze_feature_encoder"}
    if a.kind != "transformers":
        ignored.add("transformers")
    if a.kind != "whisper":
        ignored.add("whisper")
    if a.kind in ("transformers", "whisper"):
        ignored |= {"features", "espnet"}
    if a.kind == "whisper":  # which layers train, and the cache, do not change the computation
        ignored |= {"whisper.freeze", "whisper.top_k", "whisper.cache_mb", "whisper.model_dir"}

    def flat(d: Any, prefix: str = "") -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in d.items():
            key = f"{prefix}{k}"
            if key in ignored:
                continue
            if isinstance(v, dict) and key != "transformers.hf_config":
                out.update(flat(v, key + "."))
            else:
                out[key] = v
        return out

    fa, fb = flat(to_dict(a)), flat(to_dict(b))
    return [f"{k}: {fa.get(k)!r} vs {fb.get(k)!r}" for k in sorted(set(fa) | set(fb)) if fa.get(k) != fb.get(k)]


class SpeechEncoder(nn.Module):
    """Filterbanks + SpecAugment + an ESPnet Conformer/Transformer encoder.

    Args:
        config: ``kind`` must be ``conformer`` or ``transformer``.
    """

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        if config.kind not in ("conformer", "transformer"):
            raise EncoderConfigError(f"SpeechEncoder builds conformer/transformer encoders, not {config.kind!r}")
        e = config.espnet
        if e.output_size % e.attention_heads:
            raise EncoderConfigError(
                f"encoder.espnet.output_size ({e.output_size}) must be a multiple of attention_heads ({e.attention_heads})"
            )
        self.config = config
        self.features = FeatureExtractor(config.features, config.sample_rate)
        self.specaug = SpecAugment(config.specaug)
        common = dict(
            input_size=config.features.num_mel_bins,
            output_size=e.output_size,
            attention_heads=e.attention_heads,
            linear_units=e.linear_units,
            num_blocks=e.num_blocks,
            dropout_rate=e.dropout,
            positional_dropout_rate=e.dropout,
            attention_dropout_rate=e.attention_dropout,
            input_layer=e.subsampling,
            normalize_before=True,
            use_flash_attn=False,  # same kernels on every machine
        )
        if config.kind == "conformer":
            if e.cnn_module_kernel % 2 == 0:
                raise EncoderConfigError(f"encoder.espnet.cnn_module_kernel must be odd, got {e.cnn_module_kernel}")
            # Through speech.compat: espnet prints a Flash Attention notice to stdout on import, which
            # would corrupt the JSON that `speech asr transcribe` / `speech slu predict` print.
            conformer = import_espnet("espnet2.asr.encoder.conformer_encoder")
            self.encoder = conformer.ConformerEncoder(
                **common,
                macaron_style=True,
                rel_pos_type="latest",
                pos_enc_layer_type="rel_pos",
                selfattention_layer_type="rel_selfattn",
                activation_type="swish",
                use_cnn_module=True,
                cnn_module_kernel=e.cnn_module_kernel,
            )
        else:
            transformer = import_espnet("espnet2.asr.encoder.transformer_encoder")
            self.encoder = transformer.TransformerEncoder(**common)
        self._valid: torch.Tensor | None = None
        for layer in self.encoder.encoders:
            conv = getattr(getattr(layer, "conv_module", None), "depthwise_conv", None)
            if conv is not None:
                conv.register_forward_pre_hook(self._zero_padding)

    @property
    def output_size(self) -> int:
        return self.config.espnet.output_size

    def min_samples(self) -> int:
        """Shortest waveform (samples) that yields at least one encoder frame."""
        frames = _SUBSAMPLING_MIN_FRAMES[self.config.espnet.subsampling]
        f = self.features
        if self.config.features.kind == "log_mel":
            return (frames - 1) * f.hop_length
        return (frames - 1) * f.hop_length + f.win_length

    def output_lengths(self, wav_lens: torch.Tensor) -> torch.Tensor:
        """Encoder frames for waveforms of ``wav_lens`` samples."""
        t = self.features.num_frames(wav_lens)
        sub = self.config.espnet.subsampling
        t = torch.div(t - 1, 2, rounding_mode="floor")
        if sub == "conv2d6":
            return torch.div(t - 2, 3, rounding_mode="floor")
        t = torch.div(t - 1, 2, rounding_mode="floor")
        if sub == "conv2d8":
            t = torch.div(t - 1, 2, rounding_mode="floor")
        return t

    def forward(self, wav: torch.Tensor, wav_lens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(B, N)``, ``(B,)`` -> ``(B, T, D)`` states, ``(B,)`` lengths.

        The ESPnet encoder's parts (subsampling, blocks, final norm) are run here rather than
        through its ``forward``, for one reason: batch consistency. ESPnet derives the subsampled
        padding mask by slicing, which keeps a frame partly computed from padding, and its
        convolution modules see the padded frames; both make an utterance's output depend on what
        it is batched with. Here the mask uses the exact frame counts (:meth:`output_lengths`) and
        padded frames are zeroed before every depth-wise convolution, so a padded utterance gives the
        same states as the utterance alone (in eval mode).
        """
        feats, lens = self.features(wav, wav_lens)
        feats = self.specaug(feats)
        needed = _SUBSAMPLING_MIN_FRAMES[self.config.espnet.subsampling]
        if feats.shape[1] < needed:
            raise AudioError(
                f"input too short for the encoder: {feats.shape[1]} feature frames, the "
                f"{self.config.espnet.subsampling} subsampling needs {needed}"
            )
        x, _ = self.encoder.embed(feats, None)
        frames = (x[0] if isinstance(x, tuple) else x).shape[1]
        out_lens = self.output_lengths(wav_lens).clamp(min=0, max=frames)
        valid = torch.arange(frames, device=feats.device)[None, :] < out_lens[:, None]
        self._valid = valid[..., None]
        try:
            x, _ = self.encoder.encoders(x, valid[:, None, :])
        finally:
            self._valid = None
        x = x[0] if isinstance(x, tuple) else x
        x = self.encoder.after_norm(x)
        return x.masked_fill(~valid[..., None], 0.0), out_lens

    def _zero_padding(self, module: nn.Module, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """Forward pre-hook of the depth-wise convolutions (input ``(B, C, T)``): padded frames become zeros,
        which is what the convolution's own zero padding gives a lone utterance."""
        if self._valid is None:
            return None
        return (args[0].masked_fill(~self._valid.transpose(1, 2), 0.0), *args[1:])


class TransformersSpeechEncoder(nn.Module):
    """A ``transformers`` speech encoder built from :attr:`TransformersEncoderConfig.hf_config`.

    The weights are random until :func:`load_transformers_weights` (or a saved model) fills them.
    """

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        tcfg = config.transformers
        if not tcfg.hf_config:
            raise EncoderConfigError(
                "encoder.kind=transformers needs the model's architecture: initialise the encoder from a local "
                "transformers model directory (init.source=transformers init.path=DIR) or set "
                "encoder.transformers.hf_config"
            )
        hf = hf_config_from_dict(tcfg.hf_config, TRANSFORMERS_SPEECH_TYPES, "speech encoder")
        self.config = config
        self.model_type = hf.model_type
        if self.model_type == "whisper":
            from transformers.models.whisper.modeling_whisper import WhisperEncoder

            if config.sample_rate != 16000:
                raise EncoderConfigError(
                    f"Whisper encoders take 16 kHz audio; set encoder.sample_rate=16000, not {config.sample_rate}"
                )

            self.model = WhisperEncoder(hf)
            self._hidden = int(hf.d_model)
        else:
            from transformers import AutoModel

            self.model = AutoModel.from_config(hf)
            self._hidden = int(hf.hidden_size)
            if tcfg.freeze_feature_encoder and hasattr(self.model, "freeze_feature_encoder"):
                self.model.freeze_feature_encoder()
        self._whisper_features: Any = None

    @property
    def output_size(self) -> int:
        return self._hidden

    def min_samples(self) -> int:
        """Shortest waveform (samples) that yields at least one encoder frame."""
        if self.model_type == "whisper":
            return 400
        n = 1
        while int(self.output_lengths(torch.tensor([n]))[0]) < 1:
            n *= 2
        return n

    def output_lengths(self, wav_lens: torch.Tensor) -> torch.Tensor:
        if self.model_type == "whisper":
            frames = torch.div(wav_lens, 160, rounding_mode="floor") + 1  # Whisper: 16 kHz, 10 ms hop
            limit = int(self.model.config.max_source_positions)
            return torch.clamp(torch.div(frames + 1, 2, rounding_mode="floor"), 1, limit)
        # Private in name only: every transformers speech model has it, and its trainer calls it.
        return self.model._get_feat_extract_output_lengths(wav_lens).long()

    def forward(self, wav: torch.Tensor, wav_lens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(B, N)``, ``(B,)`` -> ``(B, T, D)`` states, ``(B,)`` lengths."""
        mask = torch.arange(wav.shape[1], device=wav.device)[None, :] < wav_lens[:, None]
        wav = wav.float().masked_fill(~mask, 0.0)
        if self.model_type == "whisper":
            return self._whisper(wav, wav_lens)
        if self.config.transformers.normalize_waveform:
            n = wav_lens.clamp(min=1).to(wav.dtype)[:, None]
            mean = wav.sum(1, keepdim=True) / n
            var = ((wav - mean).masked_fill(~mask, 0.0) ** 2).sum(1, keepdim=True) / n
            wav = ((wav - mean) / torch.sqrt(var + 1e-7)).masked_fill(~mask, 0.0)
        lens = self.output_lengths(wav_lens)
        # wav2vec2 models with group-norm feature encoders were trained without attention masks.
        use_mask = getattr(self.model.config, "feat_extract_norm", "layer") == "layer"
        out = self.model(wav, attention_mask=mask.long() if use_mask else None)
        states = out.last_hidden_state
        return states, lens.clamp(max=states.shape[1])

    def _whisper(self, wav: torch.Tensor, wav_lens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self._whisper_features is None:
            from transformers import WhisperFeatureExtractor

            self._whisper_features = WhisperFeatureExtractor(
                feature_size=int(self.model.config.num_mel_bins), sampling_rate=self.config.sample_rate
            )
        limit = self._whisper_features.n_samples
        if int(wav_lens.max()) > limit:
            logger.warning("Whisper encoders see at most %.0f s; longer audio is cut", limit / self.config.sample_rate)
        arrays = [wav[i, : int(n)].detach().cpu().numpy() for i, n in enumerate(wav_lens)]
        feats = self._whisper_features(arrays, sampling_rate=self.config.sample_rate, return_tensors="pt").input_features
        states = self.model(feats.to(wav.device, dtype=next(self.model.parameters()).dtype)).last_hidden_state
        lens = self.output_lengths(wav_lens.clamp(max=limit))
        # Whisper always encodes 30 s; keep only what the longest utterance covers.
        return states[:, : int(lens.max())], lens


def build_encoder(config: EncoderConfig) -> SpeechEncoder | TransformersSpeechEncoder | WhisperSpeechEncoder:
    """The encoder ``config.kind`` names."""
    if config.kind == "whisper":
        return WhisperSpeechEncoder(config.whisper, config.sample_rate)
    if config.kind == "transformers":
        return TransformersSpeechEncoder(config)
    return SpeechEncoder(config)


# ------------------------------------------------------------------------------------------------
# transformers models from a local directory


def read_speech_encoder_config(path: str | os.PathLike[str]) -> dict[str, Any]:
    """``encoder.transformers.hf_config`` for a local transformers speech model directory."""
    return read_hf_config(path, TRANSFORMERS_SPEECH_TYPES, "speech encoder")


def load_transformers_weights(encoder: TransformersSpeechEncoder, path: str | os.PathLike[str]) -> list[str]:
    """Copy the weights of a local ``transformers`` model directory into ``encoder``.

    A CTC or classification checkpoint (``Wav2Vec2ForCTC``...) works too: only the base model's
    weights are taken. Whisper checkpoints give their encoder.

    Returns:
        The parameter names that were loaded.

    Raises:
        FileNotFoundError: no model in ``path``.
        speech.pretrained.ArchitectureMismatchError: the directory's model does not fit ``encoder``.
    """
    from transformers import AutoModel

    from speech.pretrained import check_state_dict

    p = Path(path)
    if not (p / "config.json").is_file():
        raise FileNotFoundError(f"no transformers model at {p} (config.json not found)")
    loaded = AutoModel.from_pretrained(str(p), local_files_only=True)
    if encoder.model_type == "whisper":
        loaded = loaded.get_encoder() if hasattr(loaded, "get_encoder") else loaded.encoder
    state = loaded.state_dict()
    expected = encoder.model.state_dict()
    check_state_dict({k: v.shape for k, v in expected.items()}, {k: v.shape for k, v in state.items()}, str(p))
    encoder.model.load_state_dict(state, strict=True)
    if encoder.config.transformers.freeze_feature_encoder and hasattr(encoder.model, "freeze_feature_encoder"):
        encoder.model.freeze_feature_encoder()
    logger.info("loaded %d %s encoder tensors from %s", len(state), encoder.model_type, p)
    return sorted(state)
