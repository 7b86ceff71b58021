"""Whisper's encoder as a PyTorch module, read from a CTranslate2 model folder (Whisper-base by default).

The weights come from the ``model.bin`` that ``faster-whisper`` and ``ctranslate2`` load (the
assembled Whisper-base asset, :func:`speech.assets.whisper.model_dir`, unless
:attr:`WhisperEncoderConfig.model_dir` names another folder). They are mapped onto
:class:`transformers.models.whisper.modeling_whisper.WhisperEncoder`, which makes the encoder
trainable: frozen (``freeze: all``), the top ``k`` layers trained (``freeze: top_k``) or fully
fine-tuned (``freeze: none``).

::

    waveform 16 kHz ─► log-mel (WhisperFeatureExtractor, 80 bins, 10 ms; the clip only, no 30 s pad)
                    ─► conv1, conv2 (stride 2) ─► + positions[:T] ─► layers (padding masked) ─► norm
                       └──────────── frozen prefix: states cached per waveform ────────────┘

- CTranslate2 layout (``model.bin``): a header, then per variable its name, shape, dtype and bytes.
  Its self-attention fuses q, k and v into ``linear_0`` (split here in three; Whisper's k has no
  bias, CTranslate2 stores zeros), ``linear_1`` is ``out_proj``, ``ffn/linear_0|1`` are
  ``fc1|fc2``, ``ffn/layer_norm`` is ``final_layer_norm`` and ``position_encodings`` is
  ``embed_positions``.
- Truncation: Whisper was trained on 30 s windows, but encoding a 3 s command that way costs 10x
  the compute for padding. The encoder is run on the clip's own frames (positions ``0..T-1``), as
  CTranslate2's ``encode()`` also allows. The states then differ from the 30 s window's (the
  attention sees no padding), so a head is trained on what it will see at inference.
- Batches: padded frames are zeroed before each convolution and masked in attention, so an
  utterance gives the same states alone or in a batch.
- Cache: the frozen part of the encoder is a pure function of the waveform, so its output is kept in
  a process-wide cache (:class:`StateCache`) keyed by the model's sha256, the frozen depth and a
  digest of the samples. Training a head on frozen states then costs one encoder pass per distinct
  utterance, shared by every run of a grid in the same process.

Example:
    >>> enc = WhisperSpeechEncoder(WhisperEncoderConfig(freeze="all"))  # doctest: +SKIP
    >>> load_ct2_weights(enc)  # the assembled Whisper-base, sha256 checked  # doctest: +SKIP
    >>> states, lens = enc(wav, wav_lens)  # (B, T, 512), T = ceil(samples / 320)  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import struct
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from speech.errors import AudioError, SpeechError

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16000
HOP_LENGTH = 160
"""Samples per log-mel frame (10 ms); the encoder's second convolution halves the frame rate."""
CT2_MODEL_FILE = "model.bin"
# CTranslate2's DataType enum (include/ctranslate2/types.h), in order.
_CT2_DTYPES = (np.float32, np.int8, np.int16, np.int32, np.float16, None)  # bfloat16 is read separately
_BF16 = 5


class WhisperModelError(SpeechError, ValueError):
    """A CTranslate2 Whisper folder that cannot be read, or whose encoder does not fit the config."""


@dataclass(kw_only=True)
class WhisperEncoderConfig:
    """A Whisper encoder (``encoder.kind: whisper``): where its weights are and which part trains.

    The sizes default to Whisper-base and are read from ``model.bin`` when the weights are first
    loaded, so another CTranslate2 Whisper (tiny, small) works the same way.
    """

    model_dir: str | None = None
    """A CTranslate2 Whisper folder; None: the assembled Whisper-base (``speech assets install``)."""
    model_sha256: str | None = None
    """sha256 of ``model.bin``; recorded when the weights are first loaded, checked on every later load."""
    freeze: Literal["all", "top_k", "none"] = "all"
    """``all``: the encoder is fixed (its states are cached); ``top_k``: only the top ``top_k`` layers and
    the final norm train; ``none``: everything trains (positions stay fixed, as in Whisper)."""
    top_k: int = 2
    """Layers trained with ``freeze: top_k``."""
    d_model: int = 512
    layers: int = 6
    attention_heads: int = 8
    ffn_dim: int = 2048
    num_mel_bins: int = 80
    max_source_positions: int = 1500
    """Encoder frames of a 30 s window; longer audio is cut to it."""
    cache_mb: int = 2048
    """Memory the process-wide cache of frozen states may use (0: no cache)."""


# ------------------------------------------------------------------------------------------------
# CTranslate2 model.bin


def read_ct2_variables(path: str | os.PathLike[str], prefix: str = "") -> dict[str, np.ndarray]:
    """The variables of a CTranslate2 ``model.bin`` whose names start with ``prefix`` (copies, native dtype).

    Args:
        path: the ``model.bin`` file.
        prefix: e.g. ``"encoder/"``; other variables are skipped without being read.

    Raises:
        WhisperModelError: not a CTranslate2 model file (or a truncated one).
    """
    p = Path(path)
    if not p.is_file():
        raise WhisperModelError(f"{p}: no CTranslate2 model file; give a Whisper folder converted by ctranslate2")
    # name -> (offset, shape, dtype id, bytes); aliases: name -> the variable it shares (CTranslate2
    # stores equal tensors once, e.g. layer norms that were never trained away from ones).
    index: dict[str, tuple[int, tuple[int, ...], int, int]] = {}
    aliases: dict[str, str] = {}
    out: dict[str, np.ndarray] = {}
    with open(p, "rb") as f:

        def unpack(fmt: str) -> Any:
            size = struct.calcsize(fmt)
            data = f.read(size)
            if len(data) != size:
                raise WhisperModelError(f"{p}: truncated CTranslate2 model file")
            return struct.unpack(fmt, data)[0]

        def string() -> str:
            n = unpack("<H")
            return f.read(n)[:-1].decode("utf-8")

        try:
            version = unpack("<I")
            if not 1 <= version <= 6:
                raise WhisperModelError(f"{p}: CTranslate2 binary version {version} is not supported (1-6)")
            spec = string() if version >= 2 else ""
            if version >= 2:
                unpack("<I")  # spec revision
            for _ in range(unpack("<I")):
                name = string()
                shape = tuple(unpack("<I") for _ in range(unpack("<B")))
                dtype_id = unpack("<B") if version >= 4 else 0
                nbytes = unpack("<I")
                index[name] = (f.tell(), shape, dtype_id, nbytes)
                f.seek(nbytes, os.SEEK_CUR)  # read later, only if wanted (the decoder is most of the file)
            if version >= 3:
                for _ in range(unpack("<I")):
                    alias = string()
                    aliases[alias] = string()
            for name in [*index, *aliases]:
                if not name.startswith(prefix):
                    continue
                offset, shape, dtype_id, nbytes = index[aliases.get(name, name)]
                f.seek(offset)
                raw = f.read(nbytes)
                if len(raw) != nbytes:
                    raise WhisperModelError(f"{p}: truncated CTranslate2 model file")
                if dtype_id == _BF16:  # numpy has no bfloat16: widen through torch
                    array = torch.frombuffer(bytearray(raw), dtype=torch.bfloat16).float().numpy()
                else:
                    array = np.frombuffer(raw, dtype=_CT2_DTYPES[dtype_id]).copy()
                out[name] = array.reshape(shape)
        except WhisperModelError:
            raise
        except (struct.error, IndexError, KeyError, ValueError, UnicodeDecodeError) as e:
            raise WhisperModelError(f"{p}: not a readable CTranslate2 model file ({e})") from e
    if spec and "Whisper" not in spec:
        raise WhisperModelError(f"{p}: holds a {spec}, not a Whisper model")
    if not out:
        raise WhisperModelError(f"{p}: no variable starts with {prefix!r}")
    return out


def sizes_from_ct2(variables: dict[str, np.ndarray]) -> dict[str, int]:
    """Encoder sizes (the :class:`WhisperEncoderConfig` fields) read from the shapes in ``model.bin``."""
    try:
        layers = 1 + max(int(m.group(1)) for k in variables if (m := re.match(r"encoder/layer_(\d+)/", k)))
        conv1 = variables["encoder/conv1/weight"]
        heads = variables.get("encoder/num_heads")
        return {
            "d_model": int(conv1.shape[0]),
            "num_mel_bins": int(conv1.shape[1]),
            "layers": layers,
            "attention_heads": int(heads) if heads is not None else 8,
            "ffn_dim": int(variables["encoder/layer_0/ffn/linear_0/weight"].shape[0]),
            "max_source_positions": int(variables["encoder/position_encodings/encodings"].shape[0]),
        }
    except (KeyError, ValueError) as e:
        raise WhisperModelError(f"model.bin has no complete Whisper encoder ({e})") from e


def ct2_to_hf_state_dict(variables: dict[str, np.ndarray], layers: int) -> dict[str, torch.Tensor]:
    """Map CTranslate2 encoder variables onto ``WhisperEncoder``'s state-dict names (float32)."""

    def t(name: str) -> torch.Tensor:
        return torch.from_numpy(np.asarray(variables[f"encoder/{name}"], dtype=np.float32))

    state = {
        "conv1.weight": t("conv1/weight"), "conv1.bias": t("conv1/bias"),
        "conv2.weight": t("conv2/weight"), "conv2.bias": t("conv2/bias"),
        "embed_positions.weight": t("position_encodings/encodings"),
        "layer_norm.weight": t("layer_norm/gamma"), "layer_norm.bias": t("layer_norm/beta"),
    }
    for i in range(layers):
        src, dst = f"layer_{i}", f"layers.{i}"
        qkv_w = t(f"{src}/self_attention/linear_0/weight")
        qkv_b = t(f"{src}/self_attention/linear_0/bias")
        q_w, k_w, v_w = qkv_w.chunk(3, dim=0)
        q_b, _, v_b = qkv_b.chunk(3, dim=0)  # k has no bias in Whisper (CTranslate2 stores zeros)
        state |= {
            f"{dst}.self_attn.q_proj.weight": q_w, f"{dst}.self_attn.q_proj.bias": q_b,
            f"{dst}.self_attn.k_proj.weight": k_w,
            f"{dst}.self_attn.v_proj.weight": v_w, f"{dst}.self_attn.v_proj.bias": v_b,
            f"{dst}.self_attn.out_proj.weight": t(f"{src}/self_attention/linear_1/weight"),
            f"{dst}.self_attn.out_proj.bias": t(f"{src}/self_attention/linear_1/bias"),
            f"{dst}.self_attn_layer_norm.weight": t(f"{src}/self_attention/layer_norm/gamma"),
            f"{dst}.self_attn_layer_norm.bias": t(f"{src}/self_attention/layer_norm/beta"),
            f"{dst}.fc1.weight": t(f"{src}/ffn/linear_0/weight"), f"{dst}.fc1.bias": t(f"{src}/ffn/linear_0/bias"),
            f"{dst}.fc2.weight": t(f"{src}/ffn/linear_1/weight"), f"{dst}.fc2.bias": t(f"{src}/ffn/linear_1/bias"),
            f"{dst}.final_layer_norm.weight": t(f"{src}/ffn/layer_norm/gamma"),
            f"{dst}.final_layer_norm.bias": t(f"{src}/ffn/layer_norm/beta"),
        }
    return {k: v.contiguous() for k, v in state.items()}


def resolve_model_dir(config: WhisperEncoderConfig) -> Path:
    """The CTranslate2 folder of ``config``: ``model_dir`` or the assembled Whisper-base (checked)."""
    if config.model_dir:
        return Path(config.model_dir)
    from speech.assets import whisper as asset

    return asset.model_dir(check=True)


def model_file_sha256(path: Path) -> str:
    """sha256 of a ``model.bin`` (remembered per process while the file is unchanged)."""
    from speech.assets.integrity import _cached_sha256

    stat = path.stat()
    return _cached_sha256(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


# ------------------------------------------------------------------------------------------------
# front-end


class WhisperFrontEnd:
    """Whisper's 80-bin log-mel (``transformers.WhisperFeatureExtractor``) of each clip, unpadded.

    Every clip is analysed alone, so its features do not depend on the batch; a clip of ``n`` samples
    gives ``n // 160`` frames (Whisper drops the STFT's last frame), at most 3,000 (30 s).
    """

    def __init__(self, num_mel_bins: int = 80, max_frames: int = 3000) -> None:
        from transformers import WhisperFeatureExtractor

        self.extractor = WhisperFeatureExtractor(feature_size=num_mel_bins, sampling_rate=SAMPLE_RATE)
        self.max_frames = max_frames

    def __call__(self, waveforms: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
        """Mono 16 kHz waveforms -> ``(B, mels, F)`` features (zeros after each clip) and ``(B,)`` frames."""
        feats = []
        for wav in waveforms:
            wav = wav[: self.max_frames * HOP_LENGTH]
            if wav.shape[0] < 2 * HOP_LENGTH:
                raise AudioError(
                    f"audio too short for the Whisper encoder: {wav.shape[0]} samples at 16 kHz, it needs "
                    f"at least {2 * HOP_LENGTH}"
                )
            out = self.extractor(wav, sampling_rate=SAMPLE_RATE, padding="longest", return_tensors="pt")
            feats.append(out.input_features[0, :, : wav.shape[0] // HOP_LENGTH])
        lens = torch.tensor([f.shape[1] for f in feats], dtype=torch.long)
        batch = torch.zeros(len(feats), feats[0].shape[0], int(lens.max()))
        for i, f in enumerate(feats):
            batch[i, :, : f.shape[1]] = f
        return batch, lens


# ------------------------------------------------------------------------------------------------
# cache of frozen states


class StateCache:
    """Process-wide LRU cache of frozen encoder states, bounded in bytes.

    Keys carry the weights' sha256 and the frozen depth, so two models share entries only when
    their frozen parts are the same function.
    """

    def __init__(self) -> None:
        self._items: OrderedDict[tuple[str, int, bytes], torch.Tensor] = OrderedDict()
        self.bytes = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[str, int, bytes]) -> torch.Tensor | None:
        value = self._items.get(key)
        if value is None:
            self.misses += 1
            return None
        self._items.move_to_end(key)
        self.hits += 1
        return value

    def put(self, key: tuple[str, int, bytes], value: torch.Tensor, max_bytes: int) -> None:
        size = value.numel() * value.element_size()
        if size > max_bytes:
            return
        if key in self._items:
            return
        while self._items and self.bytes + size > max_bytes:
            _, old = self._items.popitem(last=False)
            self.bytes -= old.numel() * old.element_size()
        self._items[key] = value
        self.bytes += size

    def clear(self) -> None:
        self._items.clear()
        self.bytes = 0
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)


#: The cache every :class:`WhisperSpeechEncoder` of the process shares.
STATE_CACHE = StateCache()


def _digest(wav: torch.Tensor) -> bytes:
    return hashlib.blake2b(wav.detach().cpu().float().numpy().tobytes(), digest_size=16).digest()


# ------------------------------------------------------------------------------------------------
# the encoder


def hf_whisper_config(config: WhisperEncoderConfig) -> Any:
    """A ``transformers.WhisperConfig`` with the encoder sizes of ``config`` (no dropout, SDPA attention)."""
    from transformers import WhisperConfig

    hf = WhisperConfig(
        d_model=config.d_model, encoder_layers=config.layers, encoder_attention_heads=config.attention_heads,
        encoder_ffn_dim=config.ffn_dim, num_mel_bins=config.num_mel_bins,
        max_source_positions=config.max_source_positions,
        decoder_layers=1, decoder_attention_heads=config.attention_heads, decoder_ffn_dim=config.ffn_dim,
    )
    # Private in name only: the documented way to pick the attention without from_pretrained.
    hf._attn_implementation = "sdpa"
    return hf


class WhisperSpeechEncoder(nn.Module):
    """Whisper's encoder on truncated log-mel input: ``(wav (B, N), lens (B,))`` -> ``(states (B, T, D), lens)``.

    Built with random weights; :func:`load_ct2_weights` fills them from a CTranslate2 folder.
    Parameters outside the trained part have ``requires_grad=False`` and are listed by
    :meth:`external_state_keys` (a saved model need not carry them: they come from ``model.bin``).

    Args:
        config: the encoder settings.
        sample_rate: the model's input rate (must be 16 kHz).
    """

    def __init__(self, config: WhisperEncoderConfig, sample_rate: int = SAMPLE_RATE) -> None:
        super().__init__()
        from transformers.models.whisper.modeling_whisper import WhisperEncoder

        if sample_rate != SAMPLE_RATE:
            raise WhisperModelError(f"Whisper encoders take 16 kHz audio; set encoder.sample_rate=16000, not {sample_rate}")
        if config.freeze not in ("all", "top_k", "none"):
            raise WhisperModelError(f"encoder.whisper.freeze must be all, top_k or none, not {config.freeze!r}")
        if config.freeze == "top_k" and not 1 <= config.top_k <= config.layers:
            raise WhisperModelError(
                f"encoder.whisper.top_k must be within 1..{config.layers} (the encoder's layers), got {config.top_k}"
            )
        self.config = config
        self.model = WhisperEncoder(hf_whisper_config(config))
        self.frontend = WhisperFrontEnd(config.num_mel_bins, 2 * config.max_source_positions)
        self.weights_sha256: str | None = None
        """sha256 of the ``model.bin`` the weights came from (None: random); keys the state cache."""
        self.apply_freeze()

    # -- sizes --------------------------------------------------------------------------------

    @property
    def output_size(self) -> int:
        return self.config.d_model

    @property
    def frozen_layers(self) -> int:
        """Encoder layers in the frozen prefix (``layers + 1`` when the final norm is frozen too)."""
        c = self.config
        return {"all": c.layers + 1, "top_k": c.layers - c.top_k, "none": -1}[c.freeze]

    def min_samples(self) -> int:
        """Shortest waveform (samples) that yields an encoder frame."""
        return 2 * HOP_LENGTH

    def output_lengths(self, wav_lens: torch.Tensor) -> torch.Tensor:
        """Encoder frames for ``wav_lens`` samples: ``ceil((n // 160) / 2)``, at most ``max_source_positions``."""
        frames = torch.div(wav_lens, HOP_LENGTH, rounding_mode="floor").clamp(max=2 * self.config.max_source_positions)
        return torch.div(frames + 1, 2, rounding_mode="floor")

    # -- freezing -----------------------------------------------------------------------------

    def apply_freeze(self) -> None:
        """Set ``requires_grad`` by :attr:`WhisperEncoderConfig.freeze` (positions are always fixed)."""
        self.model.requires_grad_(self.config.freeze == "none")
        if self.config.freeze == "top_k":
            for layer in self.model.layers[self.config.layers - self.config.top_k :]:
                layer.requires_grad_(True)
            self.model.layer_norm.requires_grad_(True)
        self.model.embed_positions.requires_grad_(False)

    def external_state_keys(self, prefix: str = "") -> set[str]:
        """State-dict names (with ``prefix``) of the fixed weights, which ``model.bin`` restores."""
        return {f"{prefix}model.{n}" for n, p in self.model.named_parameters() if not p.requires_grad}

    # -- forward ------------------------------------------------------------------------------

    def _embed(self, feats: torch.Tensor, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Convolutions + positions: ``(B, mels, F)`` -> ``(B, T, D)`` and the valid mask ``(B, T)``."""
        m = self.model
        fmask = torch.arange(feats.shape[2], device=feats.device)[None, :] < frames[:, None]
        x = F.gelu(m.conv1(feats.masked_fill(~fmask[:, None, :], 0.0)))
        # conv2 reads one frame past the end: zeros there, as a lone clip's zero padding gives.
        x = F.gelu(m.conv2(x.masked_fill(~fmask[:, None, :], 0.0))).transpose(1, 2)
        valid = torch.arange(x.shape[1], device=x.device)[None, :] < torch.div(frames + 1, 2, rounding_mode="floor")[:, None]
        return x + m.embed_positions.weight[: x.shape[1]], valid

    def _layers(self, x: torch.Tensor, valid: torch.Tensor, start: int, stop: int) -> torch.Tensor:
        """Run layers ``start..stop-1`` (``stop = layers + 1`` adds the final norm); padded frames zeroed."""
        bias = torch.zeros(valid.shape, dtype=x.dtype, device=x.device).masked_fill(~valid, torch.finfo(x.dtype).min)
        bias = bias[:, None, None, :]
        for layer in self.model.layers[start : min(stop, self.config.layers)]:
            x = layer(x, bias)
        if stop > self.config.layers:
            x = self.model.layer_norm(x)
        return x.masked_fill(~valid[..., None], 0.0)

    def _frozen_prefix(self, feats: torch.Tensor, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x, valid = self._embed(feats, frames)
        return self._layers(x, valid, 0, self.frozen_layers), valid

    def forward(self, wav: torch.Tensor, wav_lens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(B, N)`` 16 kHz waveforms and ``(B,)`` lengths -> ``(B, T, D)`` states and ``(B,)`` frames."""
        limit = 2 * self.config.max_source_positions * HOP_LENGTH
        if int(wav_lens.max()) > limit:
            logger.warning("the Whisper encoder sees at most %.0f s; longer audio is cut", limit / SAMPLE_RATE)
        wav_lens = wav_lens.clamp(max=limit)
        device = wav.device
        clips = [wav[i, : int(n)] for i, n in enumerate(wav_lens)]
        lens = self.output_lengths(wav_lens).to(device)
        if self.frozen_layers < 0:
            feats, frames = self.frontend([c.detach().float().cpu().numpy() for c in clips])
            x, valid = self._embed(feats.to(device), frames.to(device))
            return self._layers(x, valid, 0, self.config.layers + 1), lens
        prefix = self._cached_prefix(clips)
        t = int(lens.max())
        x = torch.zeros(len(clips), t, self.config.d_model, device=device)
        for i, states in enumerate(prefix):
            x[i, : states.shape[0]] = states.to(device)
        valid = torch.arange(t, device=device)[None, :] < lens[:, None]
        if self.frozen_layers > self.config.layers:
            return x, lens
        return self._layers(x, valid, self.frozen_layers, self.config.layers + 1), lens

    def _cached_prefix(self, clips: list[torch.Tensor]) -> list[torch.Tensor]:
        """Frozen-prefix states ``(T_i, D)`` of each clip: from the cache, or computed (one batch) and stored."""
        use_cache = self.weights_sha256 is not None and self.config.cache_mb > 0
        keys = [(self.weights_sha256 or "", self.frozen_layers, _digest(c)) for c in clips] if use_cache else []
        out: list[torch.Tensor | None] = [STATE_CACHE.get(k) for k in keys] if use_cache else [None] * len(clips)
        missing = [i for i, s in enumerate(out) if s is None]
        if missing:
            feats, frames = self.frontend([clips[i].detach().float().cpu().numpy() for i in missing])
            device = next(self.model.parameters()).device
            was_training = self.model.training
            self.model.eval()  # a fixed feature extractor: no dropout
            try:
                with torch.no_grad():
                    states, valid = self._frozen_prefix(feats.to(device), frames.to(device))
            finally:
                self.model.train(was_training)
            for j, i in enumerate(missing):
                s = states[j, : int(valid[j].sum())].detach().cpu().clone()
                out[i] = s
                if use_cache:
                    STATE_CACHE.put(keys[i], s, self.config.cache_mb << 20)
        return [s for s in out if s is not None]


def load_ct2_weights(encoder: WhisperSpeechEncoder, model_dir: str | os.PathLike[str] | None = None) -> str:
    """Fill ``encoder`` from a CTranslate2 Whisper folder; returns (and records) ``model.bin``'s sha256.

    Args:
        encoder: the module to fill; its config's sizes must match the file's.
        model_dir: the folder; default: ``encoder.config.model_dir`` or the assembled Whisper-base.

    Raises:
        WhisperModelError: unreadable file, sizes that differ from the config, or a ``model.bin``
            whose sha256 differs from :attr:`WhisperEncoderConfig.model_sha256`.
        speech.assets.AssetError: the Whisper-base asset is missing or corrupt.
    """
    c = encoder.config
    folder = Path(model_dir) if model_dir is not None else resolve_model_dir(c)
    path = folder / CT2_MODEL_FILE
    if not path.is_file():
        raise WhisperModelError(f"{folder}: no {CT2_MODEL_FILE}; give a CTranslate2 Whisper folder (encoder.whisper.model_dir)")
    sha = model_file_sha256(path)
    if c.model_sha256 and sha != c.model_sha256:
        raise WhisperModelError(
            f"{path}: sha256 {sha[:12]}... differs from the {c.model_sha256[:12]}... this model was trained with; "
            "reinstall the Whisper model it names (`speech assets install`) or retrain"
        )
    variables = read_ct2_variables(path, "encoder/")
    sizes = sizes_from_ct2(variables)
    wrong = [f"{k}: config {getattr(c, k)} vs file {v}" for k, v in sizes.items() if getattr(c, k) != v]
    if wrong:
        raise WhisperModelError(f"{path}: the encoder's sizes differ from encoder.whisper's: {'; '.join(wrong)}")
    state = ct2_to_hf_state_dict(variables, c.layers)
    encoder.model.load_state_dict(state, strict=True)
    encoder.weights_sha256 = sha
    c.model_sha256 = sha
    logger.info("loaded the Whisper encoder (%d tensors) from %s", len(state), path)
    return sha


def whisper_config_from_ct2(model_dir: str | os.PathLike[str] | None = None, **overrides: Any) -> WhisperEncoderConfig:
    """A :class:`WhisperEncoderConfig` with the sizes of a CTranslate2 folder (default: Whisper-base)."""
    config = WhisperEncoderConfig(model_dir=str(model_dir) if model_dir else None, **overrides)
    variables = read_ct2_variables(resolve_model_dir(config) / CT2_MODEL_FILE, "encoder/")
    for key, value in sizes_from_ct2(variables).items():
        setattr(config, key, value)
    return config
