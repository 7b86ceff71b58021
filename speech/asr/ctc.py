"""The CTC output layer shared by ASR models and multitask SLU models."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from speech.asr.decoding import DecodingConfig, decode
from speech.asr.tokens import CTCConfig, VocabularyError, check_tokens


class CTCHead(nn.Module):
    """Linear projection to the tokens of :class:`~speech.asr.tokens.CTCConfig`, CTC loss, decoding.

    Args:
        input_size: encoder output size.
        config: unit and tokens (token 0 is the blank).
        dropout: dropout on the encoder states before the projection.
    """

    def __init__(self, input_size: int, config: CTCConfig, dropout: float = 0.0) -> None:
        super().__init__()
        if not config.tokens:
            raise VocabularyError(
                "ctc.tokens is empty: build a character vocabulary with `speech asr vocab --cuts TRAIN -o tokens.json` "
                "and set tokens_file in the task config (or use ctc.unit=phoneme)"
            )
        check_tokens(config.tokens, config.unit, "ctc.tokens")
        self.config = config
        self.dropout = nn.Dropout(dropout)
        self.proj = nn.Linear(input_size, len(config.tokens))

    @property
    def vocab_size(self) -> int:
        return len(self.config.tokens)

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        """``(B, T, D)`` encoder states -> ``(B, T, V)`` log-probabilities (float32)."""
        return F.log_softmax(self.proj(self.dropout(states)).float(), dim=-1)

    @staticmethod
    def loss(log_probs: torch.Tensor, lens: torch.Tensor, targets: torch.Tensor, target_lens: torch.Tensor) -> torch.Tensor:
        """CTC loss summed over each utterance, averaged over the batch (ESPnet's normalisation).

        Args:
            log_probs: ``(B, T, V)``.
            lens: ``(B,)`` valid frames.
            targets: ``(B, L)`` padded target ids (no blanks).
            target_lens: ``(B,)``.
        """
        with torch.autocast(device_type=log_probs.device.type, enabled=False):
            loss = F.ctc_loss(
                log_probs.float().transpose(0, 1),
                targets,
                lens,
                target_lens,
                blank=0,
                reduction="sum",
                zero_infinity=True,  # a target longer than its frames gives inf; skip it, do not crash
            )
        return loss / log_probs.shape[0]

    @torch.no_grad()
    def decode(self, log_probs: torch.Tensor, lens: torch.Tensor, config: DecodingConfig | None = None) -> list[list[int]]:
        """Best token ids of every utterance of a batch."""
        config = config or DecodingConfig()
        if config.method == "greedy":
            # Greedy on the device: only the argmax path goes back to the host.
            best = log_probs.argmax(-1).cpu().numpy()
            out = []
            for row, n in zip(best, lens.tolist()):
                prev, ids = -1, []
                for t in row[:n]:
                    t = int(t)
                    if t != prev and t != 0:
                        ids.append(t)
                    prev = t
                out.append(ids)
            return out
        lp = log_probs.float().cpu().numpy()
        return [decode(lp[i, :n], config) for i, n in enumerate(lens.tolist())]
