"""Small layers the synthesizer composes: separable convolution stacks and gradient reversal.

The heavy, well-tested blocks (variance predictors, the length regulator, the alignment module)
come from espnet; what is here is what they lack.
"""

from __future__ import annotations

import torch
from torch import nn


class SepConvBlock(nn.Module):
    """Depthwise-separable 1-D convolution block with a residual connection (LightSpeech-style).

    ``x (batch, channels, time) -> same shape``. Padding positions must be zeroed by the caller's
    mask after each block so they never leak into real frames.
    """

    def __init__(self, channels: int, kernel_size: int, dropout: float) -> None:
        super().__init__()
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd to keep the length, got {kernel_size}")
        self.depthwise = nn.Conv1d(channels, channels, kernel_size, padding=kernel_size // 2, groups=channels)
        self.pointwise = nn.Conv1d(channels, 2 * channels, 1)
        self.out = nn.Conv1d(2 * channels, channels, 1)
        self.norm = nn.LayerNorm(channels)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.out(self.dropout(torch.nn.functional.gelu(self.pointwise(self.depthwise(x)))))
        return self.norm((x + self.dropout(y)).transpose(1, 2)).transpose(1, 2)


class ConvStack(nn.Module):
    """A stack of :class:`SepConvBlock` over ``(batch, time, channels)`` with a padding mask.

    Args:
        channels: model width.
        layers: number of blocks.
        kernel_size: odd kernel size of the depthwise convolutions.
        dropout: dropout inside the blocks.
    """

    def __init__(self, channels: int, layers: int, kernel_size: int, dropout: float) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(SepConvBlock(channels, kernel_size, dropout) for _ in range(layers))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``x (B, T, C)``, ``mask (B, T)`` True at real positions -> ``(B, T, C)``."""
        m = mask.unsqueeze(1).to(x.dtype)
        h = x.transpose(1, 2) * m
        for block in self.blocks:
            h = block(h) * m
        return h.transpose(1, 2)


class _GradientReversal(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, scale: float, clip: float | None) -> torch.Tensor:
        ctx.scale, ctx.clip = scale, clip
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None, None]:
        grad = -ctx.scale * grad
        if ctx.clip is not None:
            # Zhang et al.'s re-implementations clip the reversed gradient so that the adversary
            # cannot swamp the reconstruction gradients early in training.
            grad = grad.clamp(-ctx.clip, ctx.clip)
        return grad, None, None


def gradient_reversal(x: torch.Tensor, scale: float = 1.0, clip: float | None = None) -> torch.Tensor:
    """Identity forward; backward multiplies the gradient by ``-scale`` and clips it to ``±clip``."""
    return _GradientReversal.apply(x, scale, clip)


def lengths_to_mask(lengths: torch.Tensor, max_len: int | None = None) -> torch.Tensor:
    """``(B,)`` lengths -> ``(B, max_len)`` bool mask, True at real positions."""
    max_len = int(lengths.max()) if max_len is None else max_len
    return torch.arange(max_len, device=lengths.device).unsqueeze(0) < lengths.unsqueeze(1)
