"""Optimizers and learning-rate schedules built from :mod:`speech.train.schema` configs.

Schedules are :class:`torch.optim.lr_scheduler.LambdaLR` with a small callable object rather than
a closure: LambdaLR stores such an object's attributes in its state dict, so the schedule itself
is part of every checkpoint and loads with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import torch

from speech.train.errors import ConfigError
from speech.train.schema import OptimConfig, SchedulerConfig


def build_optimizer(params: Iterable[torch.nn.Parameter], config: OptimConfig) -> torch.optim.Optimizer:
    """A torch optimizer for ``params`` as ``config`` describes.

    Raises:
        ConfigError: no trainable parameters.
    """
    params = [p for p in params if p.requires_grad]
    if not params:
        raise ConfigError("optimizer has no trainable parameters")
    if config.name == "adamw":
        return torch.optim.AdamW(params, lr=config.lr, betas=config.betas, eps=config.eps, weight_decay=config.weight_decay)
    if config.name == "adam":
        return torch.optim.Adam(params, lr=config.lr, betas=config.betas, eps=config.eps, weight_decay=config.weight_decay)
    return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)


@dataclass
class LrFactor:
    """Multiplier of the peak learning rate at optimizer step ``step`` (0-based).

    - ``constant``: 1;
    - ``warmup_constant``: linear warm-up to 1, then 1;
    - ``warmup_linear`` / ``warmup_cosine``: warm-up, then linear / cosine decay to ``min_lr_ratio``
      at ``total_steps``;
    - ``noam``: the Transformer schedule normalised to peak 1 at ``warmup_steps``
      (``min(s / w, sqrt(w / s))``).
    """

    name: str
    warmup_steps: int
    total_steps: int
    min_lr_ratio: float

    def __call__(self, step: int) -> float:
        s = step + 1  # LambdaLR calls with 0 before the first step; the first update uses s=1
        w = max(self.warmup_steps, 0)
        if self.name == "constant":
            return 1.0
        if self.name == "noam":
            w = max(w, 1)
            return min(s / w, math.sqrt(w / s))
        if w and s <= w:
            return s / w
        if self.name == "warmup_constant":
            return 1.0
        span = max(self.total_steps - w, 1)
        progress = min(max((s - w) / span, 0.0), 1.0)
        if self.name == "warmup_linear":
            decay = 1.0 - progress
        else:
            decay = 0.5 * (1.0 + math.cos(math.pi * progress))
        return self.min_lr_ratio + (1.0 - self.min_lr_ratio) * decay


def build_scheduler(
    optimizer: torch.optim.Optimizer, config: SchedulerConfig, max_steps: int
) -> torch.optim.lr_scheduler.LambdaLR:
    """A per-step LambdaLR following ``config`` (decay length defaults to ``max_steps``).

    Raises:
        ConfigError: a warm-up longer than the decay.
    """
    total = config.total_steps if config.total_steps is not None else max_steps
    if config.name in ("warmup_linear", "warmup_cosine") and config.warmup_steps > total:
        raise ConfigError(
            f"scheduler.warmup_steps ({config.warmup_steps}) is longer than the decay ({total} steps); "
            "lower it or raise scheduler.total_steps / trainer.max_steps"
        )
    if not 0.0 <= config.min_lr_ratio <= 1.0:
        raise ConfigError(f"scheduler.min_lr_ratio must be within [0, 1], got {config.min_lr_ratio}")
    factor = LrFactor(config.name, config.warmup_steps, total, config.min_lr_ratio)
    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
