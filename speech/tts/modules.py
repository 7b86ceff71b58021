"""Conditioning modules of the synthesizer: the adversarial speaker classifier, the emotion and
residual reference encoders, and hard alignment from espnet's alignment module."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from speech.tts.layers import gradient_reversal, lengths_to_mask


class SpeakerAdversary(nn.Module):
    """Predicts the speaker from every encoder output through gradient reversal.

    Minimising its cross-entropy trains the classifier; the reversed gradient trains the encoder
    to *remove* speaker information from the phoneme representation (Zhang et al., 2019), which is
    what lets a voice speak a language none of its recordings are in.
    """

    def __init__(self, dim: int, hidden: int, num_speakers: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, num_speakers))

    def forward(
        self,
        hidden: torch.Tensor,
        mask: torch.Tensor,
        speaker_ids: torch.Tensor,
        scale: float,
        clip: float | None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-token cross-entropy (padding masked) and accuracy.

        Args:
            hidden: encoder outputs ``(B, T, C)``.
            mask: ``(B, T)`` True at real tokens.
            speaker_ids: ``(B,)`` speaker indices.
            scale: gradient-reversal multiplier.
            clip: element-wise clip of the reversed gradient.
        """
        logits = self.net(gradient_reversal(hidden, scale, clip))
        targets = speaker_ids.unsqueeze(1).expand(-1, hidden.size(1))
        ce = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
        m = mask.to(ce.dtype)
        loss = (ce * m).sum() / m.sum().clamp(min=1)
        accuracy = ((logits.argmax(-1) == targets).to(ce.dtype) * m).sum() / m.sum().clamp(min=1)
        return loss, accuracy


class ReferenceEncoder(nn.Module):
    """Mel ``(B, n_mels, T)`` -> one vector per utterance (conv2d stack + GRU, as in GST-Tacotron)."""

    def __init__(self, n_mels: int, channels: int, out_dim: int) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        in_ch = 1
        for _ in range(4):
            layers += [nn.Conv2d(in_ch, channels, 3, stride=2, padding=1), nn.BatchNorm2d(channels), nn.ReLU()]
            in_ch = channels
        self.convs = nn.Sequential(*layers)
        freq = n_mels
        for _ in range(4):
            freq = (freq + 1) // 2
        self.gru = nn.GRU(channels * freq, out_dim, batch_first=True)

    def forward(self, mel: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        x = self.convs(mel.unsqueeze(1))  # (B, C, F', T')
        b, c, f, t = x.shape
        x = x.permute(0, 3, 1, 2).reshape(b, t, c * f)
        out_lengths = lengths.clone()
        for _ in range(4):
            out_lengths = (out_lengths + 1) // 2
        out_lengths = out_lengths.clamp(min=1, max=t).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(x, out_lengths, batch_first=True, enforce_sorted=False)
        _, h = self.gru(packed)
        return h[-1]


class EmotionEncoder(nn.Module):
    """Classifies the emotion of a mel; its posteriors weight the emotion table for clip input."""

    def __init__(self, n_mels: int, channels: int, num_emotions: int) -> None:
        super().__init__()
        self.reference = ReferenceEncoder(n_mels, channels, channels)
        self.classifier = nn.Linear(channels, num_emotions)

    def forward(self, mel: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Emotion logits ``(B, num_emotions)``."""
        return self.classifier(self.reference(mel, lengths))


class ResidualEncoder(nn.Module):
    """A small VAE over the target mel for what speaker, emotion and language do not explain."""

    def __init__(self, n_mels: int, channels: int, dim: int) -> None:
        super().__init__()
        self.reference = ReferenceEncoder(n_mels, channels, channels)
        self.stats = nn.Linear(channels, 2 * dim)

    def forward(self, mel: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """A sample ``z (B, dim)`` and the KL divergence to the unit Gaussian (mean over batch)."""
        mu, logvar = self.stats(self.reference(mel, lengths)).chunk(2, dim=-1)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if self.training else mu
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(-1).mean()
        return z, kl


def hard_alignment(
    log_p_attn: torch.Tensor, text_lengths: torch.Tensor, feats_lengths: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Monotonic alignment search over soft alignments: durations and binarisation loss.

    Args:
        log_p_attn: ``(B, T_feats, T_text)`` log attention from espnet's ``AlignmentModule``.
        text_lengths, feats_lengths: ``(B,)``.

    Returns:
        ``durations (B, T_text)`` long, summing to each ``feats_lengths``, and the binarisation
        loss (mean negative log attention on the hard path).
    """
    from espnet2.gan_tts.vits.monotonic_align import maximum_path

    mask = lengths_to_mask(feats_lengths, log_p_attn.size(1)).unsqueeze(2) & lengths_to_mask(
        text_lengths, log_p_attn.size(2)
    ).unsqueeze(1)
    path = maximum_path(log_p_attn.detach().masked_fill(~mask, -1e9), mask.to(log_p_attn.dtype))
    durations = path.sum(1).long()
    bin_loss = -(log_p_attn.masked_fill(~mask, 0) * path).sum() / path.sum().clamp(min=1)
    return durations, bin_loss


def average_by_duration(
    values: torch.Tensor, durations: torch.Tensor, valid: torch.Tensor | None = None
) -> torch.Tensor:
    """Average frame values ``(B, T_feats)`` over each token's frames -> ``(B, T_text)``.

    ``valid (B, T_feats)`` restricts the average (e.g. to voiced frames for pitch); tokens with no
    valid frame get 0.
    """
    b, t_feats = values.shape
    ends = durations.cumsum(1)  # (B, T_text)
    frame = torch.arange(t_feats, device=values.device)
    # token index of each frame: number of token ends at or before it
    token_of_frame = (frame.view(1, -1, 1) >= ends.unsqueeze(1)).sum(-1).clamp(max=durations.size(1) - 1)
    weight = torch.ones_like(values) if valid is None else valid.to(values.dtype)
    inside = frame.unsqueeze(0) < ends[:, -1:]
    weight = weight * inside.to(values.dtype)
    sums = torch.zeros(b, durations.size(1), device=values.device, dtype=values.dtype)
    counts = torch.zeros_like(sums)
    sums.scatter_add_(1, token_of_frame, values * weight)
    counts.scatter_add_(1, token_of_frame, weight)
    return torch.where(counts > 0, sums / counts.clamp(min=1e-8), torch.zeros_like(sums))
