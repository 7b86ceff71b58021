"""The acoustic model: phonemes + language + speaker + emotion -> log-mel.

A light, non-autoregressive FastPitch-style model that learns its own durations::

    tokens ─► token emb ⊕ language emb ─► ConvStack encoder ─► h (content)
                                                    │          └─► GRL ─► speaker classifier
    speaker d-vector ─► proj ┐                      ▼
    emotion table/clip ─► proj ┼──────────────► h + cond + accent emb
    residual VAE (opt.) ─► proj ┘                   │
                       duration / pitch / energy predictors (espnet)
                                                    │  alignment: espnet AlignmentModule + MAS
                                length regulator ─► ConvStack decoder ─► linear ─► log-mel

The speaker enters only *after* the adversarially cleaned encoder, and the language embedding of
the conditioning ("accent") is separate from the phonemes' own language, so a voice can speak
language B with the accent of A, or natively.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from speech.compat import import_espnet
from speech.pretrained import PretrainedModel
from speech.tts.config import TTSModelConfig
from speech.tts.layers import ConvStack, lengths_to_mask
from speech.tts.modules import (
    EmotionEncoder,
    ResidualEncoder,
    SpeakerAdversary,
    average_by_duration,
    hard_alignment,
)
from speech.tts.speaker_loss import MelSpeakerEmbedder, speaker_consistency_loss


@dataclass
class TTSBatch:
    """A training batch (all tensors on one device).

    Attributes:
        tokens: ``(B, T_text)`` symbol ids, 0-padded.
        token_lengths: ``(B,)``.
        token_languages: ``(B, T_text)`` language index (into ``config.languages``) per token.
        mel: ``(B, n_mels, T_feats)`` log-mel, padded.
        mel_lengths: ``(B,)``.
        pitch: ``(B, T_feats)`` log-F0 per frame, 0 where unvoiced.
        energy: ``(B, T_feats)`` log frame energy.
        speaker_embedding: ``(B, speaker_dim)`` d-vector of the utterance's speaker.
        speaker_ids: ``(B,)`` speaker index (targets of the adversary).
        emotion_ids: ``(B,)`` emotion index.
    """

    tokens: torch.Tensor
    token_lengths: torch.Tensor
    token_languages: torch.Tensor
    mel: torch.Tensor
    mel_lengths: torch.Tensor
    pitch: torch.Tensor
    energy: torch.Tensor
    speaker_embedding: torch.Tensor
    speaker_ids: torch.Tensor
    emotion_ids: torch.Tensor

    def to(self, device: torch.device | str) -> TTSBatch:
        return TTSBatch(**{k: v.to(device) for k, v in self.__dict__.items()})


@dataclass
class VariancePlan:
    """What inference predicts per token before decoding, open to editing (dubbing, steering).

    Attributes:
        hidden: ``(B, T_text, dim)`` conditioned encoder output (speaker, emotion, accent added).
        cond: ``(B, dim)`` utterance conditioning, added again in the decoder.
        mask: ``(B, T_text)`` True on real tokens.
        durations: ``(B, T_text)`` predicted frames per token (float, not rounded).
        pitch: ``(B, T_text)`` normalised log-F0 (``(log F0 - pitch_mean) / pitch_std``).
        energy: ``(B, T_text)`` normalised log frame energy (``(log power - energy_mean) / energy_std``).
    """

    hidden: torch.Tensor
    cond: torch.Tensor
    mask: torch.Tensor
    durations: torch.Tensor
    pitch: torch.Tensor
    energy: torch.Tensor


class AcousticModel(PretrainedModel):
    """See the module docstring. Build from a :class:`TTSModelConfig`."""

    model_type = "tts_acoustic"
    config_class = TTSModelConfig

    def __init__(self, config: TTSModelConfig) -> None:
        super().__init__(config)
        self.config: TTSModelConfig = config
        c = config
        n_mels = c.audio.n_mels
        n_lang = len(c.languages)
        self.token_embedding = nn.Embedding(c.vocab_size, c.dim - c.encoder.language_dim, padding_idx=0)
        self.language_embedding = nn.Embedding(n_lang, c.encoder.language_dim)
        self.encoder = ConvStack(c.dim, c.encoder.layers, c.encoder.kernel_size, c.encoder.dropout)
        self.adversary = SpeakerAdversary(c.dim, c.adversarial.hidden, len(c.speakers))

        self.speaker_projection = nn.Linear(c.speaker_dim, c.dim)
        self.emotion_table = nn.Embedding(len(c.emotions), c.emotion.dim)
        self.emotion_projection = nn.Linear(c.emotion.dim, c.dim)
        self.emotion_encoder = EmotionEncoder(n_mels, c.emotion.encoder_channels, len(c.emotions))
        self.accent_embedding = nn.Embedding(n_lang, c.dim)
        self.residual_encoder = (
            ResidualEncoder(n_mels, c.emotion.encoder_channels, c.residual.dim) if c.residual.enabled else None
        )
        self.residual_projection = nn.Linear(c.residual.dim, c.dim) if c.residual.enabled else None

        DurationPredictor = import_espnet("espnet.nets.pytorch_backend.fastspeech.duration_predictor").DurationPredictor
        LengthRegulator = import_espnet("espnet.nets.pytorch_backend.fastspeech.length_regulator").LengthRegulator
        AlignmentModule = import_espnet("espnet2.gan_tts.jets.alignments").AlignmentModule
        ForwardSumLoss = import_espnet("espnet2.gan_tts.jets.loss").ForwardSumLoss
        VariancePredictor = import_espnet("espnet2.tts.fastspeech2.variance_predictor").VariancePredictor

        v = c.variance
        self.duration_predictor = DurationPredictor(c.dim, v.layers, v.channels, v.kernel_size, v.dropout)
        self.pitch_predictor = VariancePredictor(c.dim, v.layers, v.channels, v.kernel_size, dropout_rate=v.dropout)
        self.energy_predictor = VariancePredictor(c.dim, v.layers, v.channels, v.kernel_size, dropout_rate=v.dropout)
        self.pitch_embedding = nn.Conv1d(1, c.dim, 3, padding=1)
        self.energy_embedding = nn.Conv1d(1, c.dim, 3, padding=1)
        self.aligner = AlignmentModule(c.dim, n_mels)
        self.forward_sum = ForwardSumLoss()
        self.length_regulator = LengthRegulator()
        self.decoder = ConvStack(c.dim, c.decoder.layers, c.decoder.kernel_size, c.decoder.dropout)
        self.mel_out = nn.Linear(c.dim, n_mels)
        # Mean d-vector of each training speaker: synthesis "by name" uses the same path as cloning.
        self.register_buffer("speaker_table", torch.zeros(len(c.speakers), c.speaker_dim))
        # Counts optimizer steps for the loss schedules; saved in checkpoints so resume is exact.
        self.register_buffer("training_steps", torch.zeros((), dtype=torch.long))
        # frozen speaker encoder of the speaker-consistency loss: not a submodule, never saved
        self._embedder: MelSpeakerEmbedder | None = None

    def set_speaker_table(self, table: torch.Tensor) -> None:
        """Install the speakers' mean d-vectors ``(num_speakers, speaker_dim)``."""
        if tuple(table.shape) != tuple(self.speaker_table.shape):
            raise ValueError(f"speaker table must be {tuple(self.speaker_table.shape)}, got {tuple(table.shape)}")
        self.speaker_table.copy_(table)

    def speaker_embedding(self, speaker: str) -> torch.Tensor:
        """The d-vector ``(speaker_dim,)`` of a training speaker, by name."""
        if speaker not in self.config.speakers:
            from speech.errors import SpeechError

            raise SpeechError(f"unknown speaker {speaker!r}; known speakers: {', '.join(self.config.speakers)}")
        return self.speaker_table[self.config.speakers.index(speaker)]

    # ----------------------------------------------------------------------------- encoding
    def encode(self, tokens: torch.Tensor, token_languages: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Content representation ``(B, T_text, dim)`` (speaker-free after adversarial training)."""
        x = torch.cat([self.token_embedding(tokens), self.language_embedding(token_languages)], dim=-1)
        return self.encoder(x, mask)

    def emotion_vector(self, emotion: torch.Tensor, intensity: float | torch.Tensor = 1.0) -> torch.Tensor:
        """Emotion vectors ``(B, emotion_dim)`` from ids ``(B,)`` or probabilities ``(B, E)``.

        ``intensity`` scales the distance from neutral: 0 is neutral, 1 the trained emotion,
        above 1 exaggerates it.
        """
        table = self.emotion_table.weight
        vec = table[emotion] if emotion.dtype == torch.long else emotion @ table
        if "neutral" in self.config.emotions and not (isinstance(intensity, float) and intensity == 1.0):
            neutral = table[self.config.emotions.index("neutral")]
            vec = neutral + torch.as_tensor(intensity, dtype=vec.dtype, device=vec.device).view(-1, 1) * (vec - neutral)
        return vec

    def conditioning(
        self, speaker_embedding: torch.Tensor, emotion: torch.Tensor, residual: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Utterance-level conditioning ``(B, dim)`` from speaker d-vector, emotion vector, residual."""
        cond = self.speaker_projection(F.normalize(speaker_embedding, dim=-1)) + self.emotion_projection(emotion)
        if self.residual_projection is not None:
            if residual is None:
                residual = torch.zeros(cond.size(0), self.config.residual.dim, device=cond.device, dtype=cond.dtype)
            cond = cond + self.residual_projection(residual)
        return cond

    def _normalise_pitch(self, log_f0: torch.Tensor) -> torch.Tensor:
        c = self.config
        return torch.where(log_f0 > 0, (log_f0 - c.pitch_mean) / c.pitch_std, torch.zeros_like(log_f0))

    def _normalise_energy(self, energy: torch.Tensor) -> torch.Tensor:
        return (energy - self.config.energy_mean) / self.config.energy_std

    def _decode(self, hidden: torch.Tensor, durations: torch.Tensor, cond: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        frames = self.length_regulator(hidden, durations)  # (B, T_feats, dim)
        lengths = durations.sum(1)
        mask = lengths_to_mask(lengths, frames.size(1))
        out = self.decoder(frames + cond.unsqueeze(1), mask)
        mel = self.mel_out(out).transpose(1, 2) * mask.unsqueeze(1)
        return mel, lengths

    # ----------------------------------------------------------------------------- training
    def forward(self, batch: TTSBatch, step: int = 0) -> dict[str, torch.Tensor]:
        """All training losses (``"loss"`` is the weighted total) and a few metrics."""
        c = self.config
        text_mask = lengths_to_mask(batch.token_lengths, batch.tokens.size(1))
        pad = ~text_mask
        hidden = self.encode(batch.tokens, batch.token_languages, text_mask)
        out: dict[str, torch.Tensor] = {}

        # adversarial speaker classifier on the content representation
        if c.adversarial.enabled:
            ramp = min(1.0, step / c.adversarial.ramp_steps) if c.adversarial.ramp_steps > 0 else 1.0
            out["adversary"], out["adversary_accuracy"] = self.adversary(
                hidden, text_mask, batch.speaker_ids, c.adversarial.reversal_scale * ramp, c.adversarial.gradient_clip
            )

        # emotion: the reference encoder learns to classify; synthesis uses the label's vector
        emotion_logits = self.emotion_encoder(batch.mel, batch.mel_lengths)
        out["emotion"] = F.cross_entropy(emotion_logits, batch.emotion_ids)
        out["emotion_accuracy"] = (emotion_logits.argmax(-1) == batch.emotion_ids).float().mean()
        residual = None
        if self.residual_encoder is not None:
            residual, out["residual_kl"] = self.residual_encoder(batch.mel, batch.mel_lengths)
        cond = self.conditioning(batch.speaker_embedding, self.emotion_vector(batch.emotion_ids), residual)
        hidden_c = hidden + cond.unsqueeze(1) + self.accent_embedding(batch.token_languages)

        # alignment learning (RAD-TTS / JETS): soft attention + forward-sum, hard path by MAS
        log_p_attn = self.aligner(hidden_c, batch.mel.transpose(1, 2), batch.token_lengths, batch.mel_lengths, pad)
        out["align_forward_sum"] = self.forward_sum(log_p_attn, batch.token_lengths, batch.mel_lengths)
        durations, out["align_binarization"] = hard_alignment(log_p_attn, batch.token_lengths, batch.mel_lengths)

        # variance targets per token, predictions, and teacher forcing
        voiced = batch.pitch > 0
        pitch_target = average_by_duration(self._normalise_pitch(batch.pitch), durations, voiced)
        energy_target = average_by_duration(self._normalise_energy(batch.energy), durations)
        log_dur_pred = self.duration_predictor(hidden_c, pad)
        pitch_pred = self.pitch_predictor(hidden_c, pad.unsqueeze(-1)).squeeze(-1)
        energy_pred = self.energy_predictor(hidden_c, pad.unsqueeze(-1)).squeeze(-1)
        m = text_mask.to(hidden.dtype)
        n_tok = m.sum().clamp(min=1)
        out["duration"] = (((log_dur_pred - torch.log(durations.float() + 1.0)) ** 2) * m).sum() / n_tok
        out["pitch"] = (((pitch_pred - pitch_target) ** 2) * m).sum() / n_tok
        out["energy"] = (((energy_pred - energy_target) ** 2) * m).sum() / n_tok
        hidden_v = (
            hidden_c
            + self.pitch_embedding(pitch_target.unsqueeze(1)).transpose(1, 2)
            + self.energy_embedding(energy_target.unsqueeze(1)).transpose(1, 2)
        )

        mel_pred, _ = self._decode(hidden_v, durations, cond)
        t = min(mel_pred.size(2), batch.mel.size(2))
        frame_mask = lengths_to_mask(batch.mel_lengths, t).unsqueeze(1).to(mel_pred.dtype)
        n_frames = frame_mask.sum().clamp(min=1) * mel_pred.size(1)
        out["mel"] = ((mel_pred[:, :, :t] - batch.mel[:, :, :t]).abs() * frame_mask).sum() / n_frames
        if c.emotion.style_consistency_weight > 0 or c.loss.speaker_consistency > 0:
            mel_free, free_lengths = self._decode_free_running(hidden_c, log_dur_pred, pitch_pred, energy_pred, text_mask, cond)
            if c.emotion.style_consistency_weight > 0:
                logits = self._frozen_emotion_logits(mel_free, free_lengths)
                out["style"] = F.cross_entropy(logits, batch.emotion_ids)
            if c.loss.speaker_consistency > 0:
                out["speaker_consistency"] = speaker_consistency_loss(
                    self._speaker_embedder(mel_free.device)(mel_free, free_lengths), batch.speaker_embedding
                )

        w = c.loss
        bin_weight = w.align_binarization if step >= w.binarization_start_step else 0.0
        total = (
            w.mel * out["mel"]
            + w.duration * out["duration"]
            + w.pitch * out["pitch"]
            + w.energy * out["energy"]
            + w.align_forward_sum * out["align_forward_sum"]
            + bin_weight * out["align_binarization"]
            + c.emotion.encoder_weight * out["emotion"]
        )
        if c.adversarial.enabled:
            total = total + c.adversarial.weight * out["adversary"]
        if "residual_kl" in out:
            total = total + c.residual.kl_weight * out["residual_kl"]
        if "style" in out:
            total = total + c.emotion.style_consistency_weight * out["style"]
        if "speaker_consistency" in out:
            total = total + c.loss.speaker_consistency * out["speaker_consistency"]
        out["loss"] = total
        return out

    def _decode_free_running(
        self,
        hidden_c: torch.Tensor,
        log_dur_pred: torch.Tensor,
        pitch_pred: torch.Tensor,
        energy_pred: torch.Tensor,
        text_mask: torch.Tensor,
        cond: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The mel that synthesis would make: the model's own rounded durations, pitch and energy.

        The durations are used as inference uses them and get no gradient from the consistency
        losses: with one (through Gaussian upsampling) the judges were satisfied by speaking 2.5
        times too fast, so speaking rate stays with the duration loss and the aligner's targets.
        """
        hidden_free = (
            hidden_c
            + self.pitch_embedding(pitch_pred.unsqueeze(1)).transpose(1, 2)
            + self.energy_embedding(energy_pred.unsqueeze(1)).transpose(1, 2)
        )
        with torch.no_grad():
            durations = torch.round(log_dur_pred.exp() - 1.0).clamp(min=0).long().masked_fill(~text_mask, 0)
            durations[durations.sum(1) == 0, 0] = 1
        return self._decode(hidden_free, durations, cond)

    def _frozen_emotion_logits(self, mel: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Emotion logits through the emotion encoder as a fixed judge: no gradient reaches its
        weights (so it cannot learn to accept poor output) and batch norm uses its running stats."""
        enc = self.emotion_encoder
        norms = [m for m in enc.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        modes = [m.training for m in norms]
        for m in norms:
            m.eval()
        try:
            params = {k: v.detach() for k, v in enc.named_parameters()}
            return torch.func.functional_call(enc, params, (mel, lengths))
        finally:
            for m, mode in zip(norms, modes):
                m.train(mode)

    def _speaker_embedder(self, device: torch.device) -> MelSpeakerEmbedder:
        # built on first use: resemblyzer's weights load only for runs that ask for the loss
        if self._embedder is None:
            self._embedder = MelSpeakerEmbedder(self.config.audio)
        return self._embedder.to(device)

    # ----------------------------------------------------------------------------- inference
    @torch.no_grad()
    def predict_variances(
        self,
        tokens: torch.Tensor,
        token_languages: torch.Tensor,
        speaker_embedding: torch.Tensor,
        emotion: torch.Tensor,
        token_lengths: torch.Tensor | None = None,
        accent_languages: torch.Tensor | None = None,
        emotion_intensity: float = 1.0,
        residual: torch.Tensor | None = None,
    ) -> VariancePlan:
        """Everything inference predicts before the decoder: edit it, then :meth:`decode_plan`.

        Args: as :meth:`infer`.

        Returns:
            A :class:`VariancePlan` with the model's own durations (frames, not rounded),
            normalised pitch and energy per token.
        """
        if token_lengths is None:
            token_lengths = torch.full((tokens.size(0),), tokens.size(1), device=tokens.device)
        text_mask = lengths_to_mask(token_lengths, tokens.size(1))
        pad = ~text_mask
        hidden = self.encode(tokens, token_languages, text_mask)
        cond = self.conditioning(speaker_embedding, self.emotion_vector(emotion, emotion_intensity), residual)
        accent = token_languages if accent_languages is None else accent_languages
        hidden_c = hidden + cond.unsqueeze(1) + self.accent_embedding(accent)
        # The duration predictor works in log(frames + 1) (espnet's offset); exp - 1 undoes it.
        durations = (self.duration_predictor(hidden_c, pad).exp() - 1.0).clamp(min=0.0).masked_fill(pad, 0.0)
        pitch = self.pitch_predictor(hidden_c, pad.unsqueeze(-1)).squeeze(-1)
        energy = self.energy_predictor(hidden_c, pad.unsqueeze(-1)).squeeze(-1)
        return VariancePlan(hidden_c, cond, text_mask, durations, pitch, energy)

    @torch.no_grad()
    def decode_plan(self, plan: VariancePlan, durations: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Log-mels ``(B, n_mels, T)`` and lengths from a (possibly edited) :class:`VariancePlan`.

        Args:
            plan: from :meth:`predict_variances`; its pitch and energy are used as they are.
            durations: ``(B, T_text)`` whole frames per token; the plan's, rounded, when ``None``.
        """
        if durations is None:
            durations = torch.round(plan.durations).long()
        durations = durations.long().clamp(min=0).masked_fill(~plan.mask, 0)
        durations[durations.sum(1) == 0, 0] = 1
        hidden_v = (
            plan.hidden
            + self.pitch_embedding(plan.pitch.unsqueeze(1)).transpose(1, 2)
            + self.energy_embedding(plan.energy.unsqueeze(1)).transpose(1, 2)
        )
        return self._decode(hidden_v, durations, plan.cond)

    @torch.no_grad()
    def infer(
        self,
        tokens: torch.Tensor,
        token_languages: torch.Tensor,
        speaker_embedding: torch.Tensor,
        emotion: torch.Tensor,
        token_lengths: torch.Tensor | None = None,
        accent_languages: torch.Tensor | None = None,
        speed: float = 1.0,
        emotion_intensity: float = 1.0,
        pitch_shift: float = 0.0,
        residual: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Log-mels ``(B, n_mels, T)`` and their lengths.

        Args:
            tokens, token_languages: ``(B, T_text)``.
            speaker_embedding: ``(B, speaker_dim)`` d-vectors (from a clip or the speaker table).
            emotion: ``(B,)`` emotion ids or ``(B, E)`` emotion probabilities.
            token_lengths: ``(B,)``; all of ``T_text`` when ``None``.
            accent_languages: ``(B, T_text)`` language of the accent per token; defaults to
                ``token_languages`` (native). Pass the source language for a foreign accent.
            speed: > 1 speaks faster.
            emotion_intensity: 0 neutral ... 1 as trained ... > 1 exaggerated.
            pitch_shift: added to normalised pitch (1.0 = one standard deviation higher).
        """
        if speed <= 0:
            raise ValueError(f"speed must be positive, got {speed}")
        plan = self.predict_variances(tokens, token_languages, speaker_embedding, emotion, token_lengths,
                                      accent_languages, emotion_intensity, residual)
        # Rounded to whole frames before the speed change, as the duration predictor's own
        # inference does, so speed 1 gives exactly the frames it predicts.
        durations = torch.clamp(torch.round(torch.round(plan.durations) / speed), min=0).long()
        plan.pitch = plan.pitch + pitch_shift
        return self.decode_plan(plan, durations)

    @torch.no_grad()
    def classify_emotion(self, mel: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Emotion probabilities ``(B, E)`` of mels (the emotion embedding network)."""
        return self.emotion_encoder(mel, lengths).softmax(-1)
