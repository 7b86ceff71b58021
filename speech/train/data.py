"""DataLoaders over lhotse CutSets with dynamic bucketing, whose position survives a restart.

lhotse's :class:`~lhotse.dataset.sampling.DynamicBucketingSampler` groups utterances of similar
duration and fills each batch up to ``max_duration`` seconds of audio, so batches are full and
padding is small. It is deterministic for a given ``seed`` and epoch (``seed + epoch``) and
splits batches between DDP ranks itself (every rank gets the same number of batches).

:class:`ResumableSampler` wraps it and numbers its batches ``(pass, index)``: the engine records
the position of the next batch in every checkpoint, and on resume the sampler replays that pass's
shuffle and skips the consumed batches by iterating metadata only (no audio is read), so training
continues with exactly the batch it would have seen next.

:class:`CutBatchDataset` runs the task's collate function (in a worker when ``num_workers > 0``)
after seeding the global RNGs from ``(seed, rank, epoch, batch index)``, so random augmentation is
the same whether or not the run was interrupted, and whatever the number of workers.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
from lhotse import CutSet
from lhotse.dataset.sampling import DynamicBucketingSampler
from torch.utils.data import DataLoader, Dataset, Sampler

from speech.errors import SpeechError
from speech.train.errors import ConfigError, DataPathError
from speech.train.schema import SamplerConfig

logger = logging.getLogger(__name__)


def derive_seed(*parts: int) -> int:
    """A 63-bit seed mixed from integers (numpy SeedSequence), for per-step / per-batch seeding.

    Nearby inputs give unrelated seeds, so seeding with ``(seed, rank, epoch, batch)`` yields
    independent streams for every rank and batch.
    """
    state = np.random.SeedSequence([int(p) & 0xFFFFFFFFFFFFFFFF for p in parts]).generate_state(2, dtype=np.uint32)
    return (int(state[0]) << 31) ^ int(state[1])


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, numpy's global RNG and torch (CPU and every CUDA device)."""
    random.seed(seed)
    np.random.seed(seed % (1 << 32))
    torch.manual_seed(seed)


def load_cuts(path: str | Path, key: str) -> CutSet:
    """Open a lhotse CutSet manifest lazily (JSONL is streamed, not loaded into memory).

    Args:
        path: the manifest file.
        key: the config key that named it, for the error message (``data.train_cuts``).

    Raises:
        DataPathError: the file does not exist.
    """
    p = Path(path)
    if not p.is_file():
        raise DataPathError(f"{key}: cut manifest not found: {p.resolve() if not p.is_absolute() else p}")
    if p.name.endswith((".jsonl", ".jsonl.gz")):
        return CutSet.from_jsonl_lazy(p)
    return CutSet.from_file(p)


class BatchKey(NamedTuple):
    """What the sampler hands to the dataset: the batch's place in the run and its cuts."""

    epoch: int
    index: int
    cuts: CutSet


class BatchInfo(NamedTuple):
    """Where a collated batch comes from and how big it is.

    ``(epoch, index)`` is the batch's position in the data stream (pass over the data, batch number
    within the pass on this rank): the engine seeds from it and records it in checkpoints.
    """

    epoch: int
    index: int
    num_cuts: int
    audio_seconds: float


class EmptyDataError(SpeechError, ValueError):
    """A pass over the training data that yields no batch (all cuts filtered out, or none at all)."""


class ResumableSampler(Sampler):
    """Numbers the batches of a lhotse sampler and counts passes over the data itself.

    Each iteration is one pass (an "epoch" of the data); pass ``e`` is shuffled with the lhotse
    sampler's ``seed + e``. The pass counter is the sampler's own: Lightning's epoch counter is not
    used (:meth:`set_epoch` is a no-op) because after a resume the two can differ, and only the data
    position matters. :meth:`resume` makes the next iteration replay pass ``epoch`` from batch
    ``next_index`` on; if that pass has nothing left, the iteration goes on with the next pass.

    Args:
        sampler: a lhotse CutSampler with a fixed integer seed.
    """

    def __init__(self, sampler: DynamicBucketingSampler) -> None:
        self.sampler = sampler
        self.epoch = 0
        self._skip = 0

    @property
    def world_size(self) -> int:
        return int(self.sampler.world_size)

    def set_epoch(self, epoch: int) -> None:
        """Ignored: passes are counted by the sampler (see the class docstring)."""

    def resume(self, epoch: int, next_index: int) -> None:
        """Make the next iteration start at batch ``next_index`` of pass ``epoch``."""
        self.epoch = epoch
        self._skip = max(next_index, 0)

    def __iter__(self) -> Iterator[BatchKey]:
        while True:
            epoch, skip = self.epoch, self._skip
            self._skip = 0
            self.sampler.set_epoch(epoch)
            yielded = 0
            for index, cuts in enumerate(self.sampler):
                if index < skip:
                    continue  # metadata only: no audio is read for skipped batches
                yielded += 1
                yield BatchKey(epoch, index, cuts)
            self.epoch = epoch + 1
            if yielded:
                return
            if skip == 0:
                raise EmptyDataError(
                    "a pass over the training cuts gave no batch: the manifest is empty, every cut was "
                    "filtered out, or data.sampler.max_duration is shorter than every cut"
                )
            logger.info("resumed at the end of pass %d; going on with pass %d", epoch, epoch + 1)


class CutBatchDataset(Dataset):
    """Map-style dataset whose "index" is a :class:`BatchKey`; returns ``(batch, BatchInfo)``.

    Args:
        collate: the task's collate function (CutSet -> mapping of tensors).
        seed: run seed; the global RNGs are seeded per batch from it.
        rank: global rank (different ranks draw different random numbers).
    """

    def __init__(self, collate: Callable[[CutSet], Mapping[str, Any]], seed: int, rank: int) -> None:
        self.collate = collate
        self.seed = seed
        self.rank = rank

    def __getitem__(self, key: BatchKey) -> tuple[Mapping[str, Any], BatchInfo]:
        seed_everything(derive_seed(self.seed, self.rank, key.epoch, key.index, 1))
        batch = self.collate(key.cuts)
        info = BatchInfo(key.epoch, key.index, len(key.cuts), float(sum(c.duration for c in key.cuts)))
        return batch, info

    def __len__(self) -> int:  # pragma: no cover - the sampler decides the length
        raise TypeError("CutBatchDataset has no length; batches come from the sampler")


def build_sampler(
    cuts: CutSet,
    config: SamplerConfig,
    *,
    train: bool,
    world_size: int,
    rank: int,
    max_duration: float | None = None,
    keep_cut: Callable[[Any], bool] | None = None,
) -> ResumableSampler:
    """A :class:`ResumableSampler` over a DynamicBucketingSampler configured from ``config``.

    Validation samplers never shuffle or drop batches. A split with fewer cuts than
    ``num_buckets`` gets one bucket per cut (lhotse would stop on a bare assertion).
    """
    num_buckets = config.num_buckets
    if num_buckets < 2:
        raise ConfigError(f"data.sampler.num_buckets must be at least 2 (got {num_buckets})")
    try:
        n_cuts = len(cuts)
    except TypeError:  # a lazy manifest has no length; lhotse checks while it estimates buckets
        n_cuts = None
    if n_cuts is not None and n_cuts < num_buckets:
        if n_cuts < 2:
            raise ConfigError(f"a {'training' if train else 'validation'} split of {n_cuts} cut(s) is too small to batch: "
                              "it needs at least 2")
        logger.warning("only %d cuts for %d buckets: using %d buckets", n_cuts, num_buckets, n_cuts)
        num_buckets = n_cuts
    sampler = DynamicBucketingSampler(
        cuts,
        max_duration=max_duration if max_duration is not None else config.max_duration,
        max_cuts=config.max_cuts,
        num_buckets=num_buckets,
        shuffle=config.shuffle if train else False,
        drop_last=config.drop_last if train else False,
        buffer_size=config.buffer_size,
        quadratic_duration=config.quadratic_duration,
        seed=config.seed,
        world_size=world_size,
        rank=rank,
    )
    if keep_cut is not None and train:
        sampler.filter(keep_cut)
    return ResumableSampler(sampler)


def build_dataloader(
    sampler: ResumableSampler,
    collate: Callable[[CutSet], Mapping[str, Any]],
    *,
    seed: int,
    rank: int,
    num_workers: int = 0,
    pin_memory: bool = False,
) -> DataLoader:
    """A DataLoader yielding ``(batch, BatchInfo)`` from the sampler's batches.

    Args:
        sampler: from :func:`build_sampler`.
        collate: the task's collate function.
        seed: run seed (per-batch seeding of augmentation randomness).
        rank: global rank.
        num_workers: worker processes for audio loading and feature extraction.
        pin_memory: page-locked batches for faster host-to-GPU copies.
    """
    return DataLoader(
        CutBatchDataset(collate, seed=seed, rank=rank),
        sampler=sampler,
        batch_size=None,  # the sampler yields whole batches
        num_workers=num_workers,
        pin_memory=pin_memory,
        persistent_workers=False,
    )


def cut_dataloader(
    cuts: CutSet,
    collate: Callable[[CutSet], Mapping[str, Any]],
    config: SamplerConfig,
    *,
    train: bool,
    world_size: int = 1,
    rank: int = 0,
    num_workers: int = 0,
    seed: int = 0,
) -> DataLoader:
    """A DataLoader of ``(batch, BatchInfo)`` over ``cuts`` in one call (sampler + dataset).

    For loops outside the engine (evaluation, feature statistics); the engine builds its loaders
    from the same two pieces, :func:`build_sampler` and :func:`build_dataloader`.

    Example:
        >>> loader = cut_dataloader(cuts, collate, SamplerConfig(max_duration=60), train=False)  # doctest: +SKIP
        >>> for batch, info in loader: ...  # doctest: +SKIP
    """
    sampler = build_sampler(cuts, config, train=train, world_size=world_size, rank=rank)
    return build_dataloader(sampler, collate, seed=seed, rank=rank, num_workers=num_workers)

