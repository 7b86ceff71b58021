"""Optimizers and learning-rate schedules built from configs."""

from __future__ import annotations

import io

import pytest
import torch

from speech.train.errors import ConfigError
from speech.train.optim import LrFactor, build_optimizer, build_scheduler
from speech.train.schema import OptimConfig, SchedulerConfig


def _lrs(config: SchedulerConfig, steps: int, max_steps: int = 100) -> list[float]:
    opt = build_optimizer([torch.nn.Parameter(torch.zeros(2))], OptimConfig(name="sgd", lr=1.0))
    sched = build_scheduler(opt, config, max_steps)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def test_warmup_then_cosine_decay_to_the_floor() -> None:
    lrs = _lrs(SchedulerConfig(name="warmup_cosine", warmup_steps=10, min_lr_ratio=0.1), 100)
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert all(a < b for a, b in zip(lrs[:9], lrs[1:10]))
    assert all(a >= b for a, b in zip(lrs[10:], lrs[11:]))
    assert lrs[-1] == pytest.approx(0.1, abs=1e-3)


def test_linear_constant_and_noam() -> None:
    linear = _lrs(SchedulerConfig(name="warmup_linear", warmup_steps=0), 100)
    assert linear[0] == pytest.approx(0.99) and linear[49] == pytest.approx(0.5)
    assert _lrs(SchedulerConfig(name="constant"), 5) == [1.0] * 5
    flat = _lrs(SchedulerConfig(name="warmup_constant", warmup_steps=4), 8)
    assert flat == pytest.approx([0.25, 0.5, 0.75, 1.0, 1.0, 1.0, 1.0, 1.0])
    noam = _lrs(SchedulerConfig(name="noam", warmup_steps=16), 64)
    assert max(noam) == pytest.approx(1.0) and noam.index(max(noam)) == 15
    assert noam[63] == pytest.approx((16 / 64) ** 0.5)


def test_schedule_state_survives_weights_only_load() -> None:
    opt = build_optimizer([torch.nn.Parameter(torch.zeros(2))], OptimConfig())
    sched = build_scheduler(opt, SchedulerConfig(name="warmup_cosine", warmup_steps=3), 10)
    for _ in range(4):
        opt.step()
        sched.step()
    buffer = io.BytesIO()
    torch.save(sched.state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)
    assert state["last_epoch"] == 4 and state["lr_lambdas"][0]["warmup_steps"] == 3
    opt2 = build_optimizer([torch.nn.Parameter(torch.zeros(2))], OptimConfig())
    sched2 = build_scheduler(opt2, SchedulerConfig(name="warmup_cosine", warmup_steps=3), 10)
    sched2.load_state_dict(state)
    assert sched2.get_last_lr() == sched.get_last_lr()


def test_optimizer_kinds_and_errors() -> None:
    p = [torch.nn.Parameter(torch.zeros(3))]
    assert isinstance(build_optimizer(p, OptimConfig(name="adam", betas=(0.8, 0.9))), torch.optim.Adam)
    adamw = build_optimizer(p, OptimConfig(weight_decay=0.1))
    assert isinstance(adamw, torch.optim.AdamW) and adamw.param_groups[0]["weight_decay"] == 0.1
    frozen = torch.nn.Parameter(torch.zeros(1), requires_grad=False)
    with pytest.raises(ConfigError, match="no trainable parameters"):
        build_optimizer([frozen], OptimConfig())
    opt = build_optimizer(p, OptimConfig())
    with pytest.raises(ConfigError, match="warmup_steps \\(50\\) is longer than the decay \\(10 steps\\)"):
        build_scheduler(opt, SchedulerConfig(name="warmup_cosine", warmup_steps=50), 10)
    with pytest.raises(ConfigError, match="min_lr_ratio"):
        build_scheduler(opt, SchedulerConfig(name="warmup_cosine", min_lr_ratio=2.0), 10)
    assert LrFactor("warmup_cosine", 0, 10, 0.0)(9) == pytest.approx(0.0)
