"""What a model implements to be trained by the engine: the :class:`Task` protocol.

A task is the glue between a model and the engine. It knows how to build the model from its
config, how to turn a lhotse ``CutSet`` mini-batch into tensors, and which losses to minimise. The
engine (:mod:`speech.train.engine`) owns everything else: devices, precision, optimizers and
schedulers, accumulation, clipping, checkpoints, logging, resume.

Single-optimizer tasks implement :meth:`Task.training_losses` and are trained with Lightning's
automatic optimisation. Tasks with several optimizers (GAN-style vocoders: generator and
discriminator) return one :class:`OptimizerGroup` per optimizer from
:meth:`Task.optimizer_groups`; the engine then switches to Lightning's manual optimisation and, for
every batch, calls ``training_losses(model, batch, optimizer=name, cache=cache)`` once per group
in the order given, backpropagates that loss into that group's parameters only, and steps it. The
``cache`` dict is shared by the calls for one batch, so the generator output computed for the
discriminator step can be reused by the generator step.

Rules a task follows so that resume is exact:

- the collate function is deterministic, or draws randomness from the global torch/numpy/random
  generators only (the engine seeds them per batch from the run seed, epoch and batch index);
- the model is a :class:`~speech.pretrained.PretrainedModel` so the run can be exported.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

if TYPE_CHECKING:
    import torch
    from lhotse import CutSet
    from lhotse.cut import Cut

    from speech.pretrained import PretrainedModel
    from speech.train.schema import OptimConfig, SchedulerConfig

C = TypeVar("C")

#: Name of the single optimizer of an automatically optimised task.
MAIN_OPTIMIZER = "main"


@dataclass
class OptimizerGroup:
    """One optimizer of a task: a name, its parameters, and its settings.

    Args:
        name: used in logs (``train/lr_<name>``) and passed back to ``training_losses``.
        params: the parameters this optimizer updates (disjoint from other groups').
        optim: optimizer settings; None: the run's ``optim`` block.
        scheduler: LR schedule; None: the run's ``scheduler`` block.
    """

    name: str
    params: Sequence[torch.nn.Parameter]
    optim: OptimConfig | None = None
    scheduler: SchedulerConfig | None = None


class Task(abc.ABC, Generic[C]):
    """Base class of trainable tasks; see the module docstring.

    Class attributes:
        config_class: the dataclass filled from the YAML ``task_conf`` block.
    """

    config_class: ClassVar[type]

    def __init__(self, config: C) -> None:
        if not isinstance(config, self.config_class):
            raise TypeError(f"{type(self).__name__} expects {self.config_class.__name__}, got {type(config).__name__}")
        self.config = config

    @abc.abstractmethod
    def build_model(self) -> PretrainedModel:
        """A freshly initialised model (the engine seeds the RNG first)."""

    @abc.abstractmethod
    def make_collate(self) -> Callable[[CutSet], Mapping[str, Any]]:
        """A picklable callable turning a CutSet mini-batch into a mapping of tensors.

        It runs in DataLoader workers: keep it free of the model and of CUDA.
        """

    @abc.abstractmethod
    def training_losses(
        self,
        model: PretrainedModel,
        batch: Mapping[str, Any],
        *,
        optimizer: str = MAIN_OPTIMIZER,
        cache: dict[str, Any] | None = None,
    ) -> dict[str, torch.Tensor]:
        """Losses for one batch; ``"loss"`` is the one minimised, the others are logged.

        For multi-optimizer tasks, ``optimizer`` names the group being stepped (every group is
        stepped on every update; to start a discriminator late, scale its loss by 0 until then).
        """

    def validation_metrics(self, model: PretrainedModel, batch: Mapping[str, Any]) -> dict[str, torch.Tensor]:
        """Metrics for one validation batch, averaged over the set (default: the training losses)."""
        return dict(self.training_losses(model, batch, optimizer=self.optimizer_names()[0], cache={}))

    def optimizer_groups(self, model: PretrainedModel) -> list[OptimizerGroup]:
        """The optimizers to build; default: one over all parameters with the run's settings."""
        return [OptimizerGroup(MAIN_OPTIMIZER, [p for p in model.parameters() if p.requires_grad])]

    def optimizer_names(self) -> tuple[str, ...]:
        """Names of :meth:`optimizer_groups`, known without building a model."""
        return (MAIN_OPTIMIZER,)

    def keep_cut(self, cut: Cut) -> bool:
        """Whether a training cut is used (e.g. drop cuts that are too long); default: all."""
        return True
