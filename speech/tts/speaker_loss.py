"""Speaker embeddings of *generated* log-mels, differentiably, for the speaker-consistency loss.

The speaker-consistency loss (YourTTS) asks that the frozen speaker encoder hear the reference
voice in the synthesiser's output. Our speaker encoder is resemblyzer's GE2E LSTM, which reads
40-band power mels at 16 kHz with a 10 ms hop; the acoustic model writes 80-band log-magnitude
mels at its own rate. :class:`MelSpeakerEmbedder` maps one onto the other with fixed linear
algebra (log-mel -> magnitude mel -> approximate linear spectrum through the filterbank's
pseudo-inverse -> power -> resemblyzer's bands; frames resampled to 10 ms), so gradients reach
the synthesiser through the whole path. The encoder's weights stay frozen and are never part of
the acoustic model's state dict: they come from the resemblyzer package, like in evaluation.
"""

from __future__ import annotations

from typing import Any

import torch
import torchaudio
from torch import nn
from torch.nn import functional as F

from speech.audio.features import AudioConfig

# resemblyzer's features (resemblyzer/hparams.py): 16 kHz, 40 mel bands, 25 ms window, 10 ms hop.
_RATE = 16000
_BANDS = 40
_HOP_S = 0.010
_PARTIAL_FRAMES = 160  # the 1.6 s windows GE2E was trained on
# Mean of resemblyzer's power mel of its own preprocessed clips (volume-normalised, silences
# trimmed): 0.114 over 24 bootstrap test clips. Converted mels are scaled to it per utterance; with
# it, whole-clip embeddings through this path have cosine 0.86 with resemblyzer's own (0.53 with
# other clips') and find their clip among 24 in 23 cases.
_TARGET_MEAN = 0.11


class MelSpeakerEmbedder:
    """``log-mel (B, n_mels, T) -> (B, 256)`` L2-normalised GE2E embeddings, differentiable.

    Args:
        audio: the acoustic model's mel settings (its bands must reach at least 4 kHz).
        device: where the frozen encoder lives.

    Not an ``nn.Module`` on purpose: holding it must not add resemblyzer's weights to a model's
    parameters or checkpoints.
    """

    def __init__(self, audio: AudioConfig, device: str | torch.device = "cpu") -> None:
        from resemblyzer import VoiceEncoder

        if audio.f_max < 4000:
            raise ValueError(f"speaker consistency needs mels up to at least 4 kHz, got f_max={audio.f_max}")
        encoder: Any = VoiceEncoder(device="cpu", verbose=False)
        self.lstm: nn.LSTM = encoder.lstm
        self.linear: nn.Linear = encoder.linear
        for p in list(self.lstm.parameters()) + list(self.linear.parameters()):
            p.requires_grad_(False)
        n_freqs = audio.n_fft // 2 + 1
        ours = torchaudio.functional.melscale_fbanks(
            n_freqs, audio.f_min, audio.f_max, audio.n_mels, audio.sample_rate, norm="slaney", mel_scale="slaney"
        )  # (n_freqs, n_mels)
        theirs = torchaudio.functional.melscale_fbanks(
            n_freqs, 0.0, min(_RATE / 2, audio.sample_rate / 2), _BANDS, audio.sample_rate, norm="slaney", mel_scale="slaney"
        )  # resemblyzer's bands on our frequency grid
        self.to_linear = torch.linalg.pinv(ours.T)  # (n_freqs, n_mels): mel magnitude -> linear magnitude
        self.to_bands = theirs.T  # (40, n_freqs)
        self.frame_ratio = audio.hop_length / audio.sample_rate / _HOP_S
        self.to(device)

    def to(self, device: str | torch.device) -> MelSpeakerEmbedder:
        """Move the frozen encoder and the conversion matrices to ``device``."""
        self.lstm.to(device)
        self.linear.to(device)
        self.to_linear = self.to_linear.to(device)
        self.to_bands = self.to_bands.to(device)
        return self

    def features(self, log_mel: torch.Tensor) -> torch.Tensor:
        """resemblyzer-style power mels ``(B, T', 40)`` of our log-mels ``(B, n_mels, T)``."""
        magnitude = torch.relu(self.to_linear.to(log_mel.dtype) @ log_mel.exp())  # (B, n_freqs, T)
        bands = self.to_bands.to(log_mel.dtype) @ magnitude.pow(2)  # (B, 40, T)
        frames = max(1, round(bands.size(-1) * self.frame_ratio))
        bands = F.interpolate(bands, size=frames, mode="linear", align_corners=False)
        bands = bands * (_TARGET_MEAN / bands.mean(dim=(1, 2), keepdim=True).clamp(min=1e-8))
        return bands.transpose(1, 2)

    def __call__(self, log_mel: torch.Tensor, lengths: torch.Tensor, crop: bool = True) -> torch.Tensor:
        """Embeddings of a padded batch.

        Args:
            log_mel: ``(B, n_mels, T)``.
            lengths: ``(B,)`` valid frames.
            crop: embed one random GE2E-sized window (1.6 s) per utterance, the cheap training
                setting; ``False`` embeds each whole utterance.
        """
        feats = []
        for b in range(log_mel.size(0)):
            f = self.features(log_mel[b : b + 1, :, : int(lengths[b])])[0]
            if crop and f.size(0) > _PARTIAL_FRAMES:
                start = int(torch.randint(0, f.size(0) - _PARTIAL_FRAMES + 1, ()))
                f = f[start : start + _PARTIAL_FRAMES]
            feats.append(f)
        packed = nn.utils.rnn.pack_padded_sequence(
            nn.utils.rnn.pad_sequence(feats, batch_first=True), torch.tensor([f.size(0) for f in feats]),
            batch_first=True, enforce_sorted=False,
        )
        # cuDNN's LSTM backward needs training mode; the LSTM has no dropout, so it changes nothing
        self.lstm.train()
        _, (hidden, _) = self.lstm(packed)  # hidden comes back in the batch's order
        return F.normalize(torch.relu(self.linear(hidden[-1])), dim=-1)


def speaker_consistency_loss(embeddings: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """``1 - cos`` between embeddings of the output and the target d-vectors, batch mean."""
    return (1.0 - F.cosine_similarity(embeddings, F.normalize(targets, dim=-1), dim=-1)).mean()
