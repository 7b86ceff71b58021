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

:class:`SharBatchStream` reads a lhotse Shar directory instead (``data.train_shar``): every rank and
dataloader worker streams whole shards of its own, batches them with its own bucketing sampler and
collates them where it read them; its batch numbering makes resume exact too.
"""

from __future__ import annotations

import itertools
import logging
import random
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
from lhotse import CutSet
from lhotse.dataset.sampling import DynamicBucketingSampler
from lhotse.dataset.sampling.dynamic_bucketing import estimate_duration_buckets
from lhotse.lazy import count_newlines_fast
from torch.utils.data import DataLoader, Dataset, IterableDataset, Sampler, get_worker_info

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
        _check_first_record(p, key)
        return CutSet.from_jsonl_lazy(p)
    try:
        return CutSet.from_file(p)
    except (ValueError, OSError) as e:
        raise DataPathError(f"{key}: {p} is not a lhotse cut manifest ({type(e).__name__}: {e})") from None


def _check_first_record(path: Path, key: str) -> None:
    """Fail now, with the file named, when a JSONL manifest is not one (it is read lazily later)."""
    import gzip
    import json

    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as f:
            first = next((line for line in f if line.strip()), None)
        record = json.loads(first) if first is not None else None
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DataPathError(f"{key}: {path} is not a lhotse cut manifest ({type(e).__name__}: {e})") from None
    if record is None:
        raise DataPathError(f"{key}: {path} is empty: it holds no cuts")
    if not isinstance(record, dict) or "id" not in record:
        raise DataPathError(f"{key}: {path} is not a lhotse cut manifest (its first line is not a cut)")


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



# ------------------------------------------------------------------------------------------------
# Lhotse Shar: sequential shards streamed by every rank and worker


@dataclass(frozen=True)
class SharShards:
    """The shards of a lhotse Shar directory (as written by ``speech data export-shar``).

    Attributes:
        root: the directory.
        shards: per shard, in shard-number order, the path of each field (``"cuts"`` included).
        fields: the data fields (``recording``, ``mel``...) present in every shard.
    """

    root: Path
    shards: tuple[dict[str, Path], ...]
    fields: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.shards)

    def num_cuts(self) -> int:
        """Cuts in all shards (counted from the manifests; no data is read)."""
        return sum(count_newlines_fast(s["cuts"]) for s in self.shards)

    def cuts(self, indices: Sequence[int], fields: Sequence[str] | None = None) -> CutSet:
        """A lazy CutSet over the shards ``indices``, in that order, with the data of ``fields``.

        Args:
            indices: shard numbers (positions in :attr:`shards`).
            fields: data fields to attach (None: all; ``()``: metadata only, no tar file is opened).
        """
        names = self.fields if fields is None else tuple(fields)
        streams = {name: [str(self.shards[i][name]) for i in indices] for name in ("cuts", *names)}
        return CutSet.from_shar(fields=streams, split_for_dataloading=False, shuffle_shards=False)


_SHARD_NAME = re.compile(r"^(?P<field>[^.]+)\.(?P<index>\d+)\.(?P<ext>jsonl\.gz|jsonl|tar)$")


def open_shar(path: str | Path, key: str, fields: Sequence[str] | None = None) -> SharShards:
    """List and check a Shar directory: every field must have exactly the shards the cuts have.

    Args:
        path: the directory.
        key: the config key that named it (``data.train_shar``), for the error messages.
        fields: the data fields a run reads (None: all that the directory holds).

    Raises:
        DataPathError: the directory does not exist.
        ConfigError: it is not a Shar directory, a field is incomplete, or a requested field is absent.
    """
    root = Path(path)
    if not root.is_dir():
        raise DataPathError(f"{key}: Shar directory not found: {root}")
    found: dict[str, dict[int, Path]] = {}
    for p in root.iterdir():
        m = _SHARD_NAME.match(p.name)
        if m:
            found.setdefault(m["field"], {})[int(m["index"])] = p
    cuts = found.pop("cuts", None)
    if not cuts:
        raise ConfigError(
            f"{key}: {root} holds no cuts.NNNNNN.jsonl.gz shards, so it is not a lhotse Shar directory; "
            "write one with `speech data export-shar`"
        )
    for name, shards in found.items():
        if shards.keys() != cuts.keys():
            missing = sorted(cuts.keys() - shards.keys())[:5]
            raise ConfigError(
                f"{key}: field {name!r} in {root} has {len(shards)} shards but there are {len(cuts)} cut shards "
                f"(missing e.g. {missing}); the export did not finish: export again"
            )
    if fields is not None:
        absent = [f for f in fields if f not in found]
        if absent:
            raise ConfigError(
                f"{key}: {root} has no field(s) {', '.join(absent)}; it holds {', '.join(sorted(found)) or 'cuts only'}"
            )
    order = sorted(cuts)
    shards = tuple({"cuts": cuts[i], **{name: found[name][i] for name in found}} for i in order)
    return SharShards(root=root, shards=shards, fields=tuple(sorted(found)) if fields is None else tuple(fields))


class SharBatchStream(IterableDataset):
    """Batches from a Shar directory, each DDP rank and dataloader worker reading shards of its own.

    For every pass ``p`` over the data, the shard list is permuted with a seed shared by all ranks
    (``data.sampler.seed`` and ``p``); rank ``r`` of ``R`` takes every R-th shard from position
    ``r``, and worker ``w`` of ``W`` every W-th of those: the readers of one pass are disjoint and
    together cover every shard. Each worker batches its cuts with its own
    :class:`~lhotse.dataset.sampling.DynamicBucketingSampler` (``world_size=1``: the shards are
    already split) and collates in the worker, so audio bytes never travel between processes.
    This is what lhotse's ``CutSet.from_shar(split_for_dataloading=True, shuffle_shards=True)``
    does, with the rank taken from the trainer instead of guessed from environment variables (which
    fails in workers started by ``spawn``) and a split that a resumed run can recompute.

    The training stream is endless (pass after pass; the engine stops at ``trainer.max_steps``),
    so ranks whose shards hold different amounts of audio never wait for each other at an epoch end.
    Workers then never run dry, and PyTorch's DataLoader takes their batches in turn: batch ``k``
    of a rank is batch ``k // W`` of worker ``k % W``. That numbering is the batch's ``index`` in
    :class:`BatchInfo`; :meth:`resume` makes each worker skip its share of the consumed batches,
    counting whole passes from the manifests alone (no tar file is read) and reading only the
    unfinished pass. Resume is exact for the same world size, ``num_workers`` and seeds.

    Args:
        shards: from :func:`open_shar`.
        collate: the task's collate function (CutSet -> mapping of tensors).
        config: batch sizes, buckets and seeds.
        train: training (shuffled, endless) or validation (in order, one pass).
        world_size: number of ranks.
        rank: this process's global rank.
        num_workers: the DataLoader's worker processes (0: batches are made in the main process).
        seed: run seed (per-batch seeding of augmentation randomness, as :class:`CutBatchDataset`).
        max_duration: seconds per batch (default: ``config.max_duration``).
        keep_cut: a filter applied to the training cuts.
        passes: passes over the data (None: endless when training, one pass for validation).

    Raises:
        ConfigError: fewer shards than readers (every rank needs one; a training worker too).
    """

    def __init__(
        self,
        shards: SharShards,
        collate: Callable[[CutSet], Mapping[str, Any]],
        config: SamplerConfig,
        *,
        train: bool,
        world_size: int,
        rank: int,
        num_workers: int = 0,
        seed: int = 0,
        max_duration: float | None = None,
        keep_cut: Callable[[Any], bool] | None = None,
        passes: int | None = None,
    ) -> None:
        readers = world_size * max(1, num_workers) if train else world_size
        if len(shards) < readers:
            raise ConfigError(
                f"{shards.root} has {len(shards)} shard(s) for {world_size} rank(s)"
                + (f" x {num_workers} worker(s)" if train and num_workers > 1 else "")
                + f": every reader needs a shard of its own; export with a smaller --shard-size (at least {readers} "
                "shards) or use fewer data.num_workers"
            )
        if config.num_buckets < 2:
            raise ConfigError(f"data.sampler.num_buckets must be at least 2 (got {config.num_buckets})")
        self.shards = shards
        self.dataset = CutBatchDataset(collate, seed=seed, rank=rank)
        self.config = config
        self.train = train
        self.world_size = world_size
        self.rank = rank
        self.max_duration = max_duration if max_duration is not None else config.max_duration
        self.keep_cut = keep_cut if train else None
        if passes is not None and passes < 1:
            raise ValueError(f"passes must be at least 1 or None (got {passes})")
        self.passes = passes if passes is not None else (None if train else 1)
        self._next_index = 0
        self.duration_bins = self._estimate_bins()

    def _estimate_bins(self) -> list[float]:
        """Bucket edges from the first cuts' durations (manifests only), the same for every reader.

        lhotse's sampler would estimate them in each worker from that worker's first cuts, reading
        their data; shared edges keep the batches of all readers alike.
        """
        metadata = list(itertools.islice(self.shards.cuts(range(len(self.shards)), fields=()), 10000))
        if len(metadata) < 2:
            raise ConfigError(f"{self.shards.root}: {len(metadata)} cut(s) is too small to batch: it needs at least 2")
        return estimate_duration_buckets(metadata, num_buckets=min(self.config.num_buckets, len(metadata)))

    def resume(self, epoch: int, next_index: int) -> None:
        """Make the next iteration start with this rank's batch ``next_index``.

        ``epoch`` (the pass of the last batch's worker) is implied by the index and not needed.
        """
        self._next_index = max(next_index, 0)

    def assignment(self, pass_index: int, worker: int, num_workers: int) -> list[int]:
        """Shard numbers that ``worker`` of this rank reads in pass ``pass_index``, in reading order."""
        order = list(range(len(self.shards)))
        if self.train and self.config.shuffle:
            random.Random(derive_seed(self.config.seed, pass_index)).shuffle(order)
        return order[self.rank :: self.world_size][worker::num_workers]

    def _sampler(self, cuts: CutSet, pass_index: int, worker: int) -> DynamicBucketingSampler:
        sampler = DynamicBucketingSampler(
            cuts,
            max_duration=self.max_duration,
            max_cuts=self.config.max_cuts,
            duration_bins=self.duration_bins,
            shuffle=self.train and self.config.shuffle,
            drop_last=self.config.drop_last if self.train else False,
            buffer_size=self.config.buffer_size,
            quadratic_duration=self.config.quadratic_duration,
            seed=derive_seed(self.config.seed, self.rank, worker, pass_index) % (1 << 31),
            world_size=1,  # shards are split between ranks already
            rank=0,
            # sync_buckets stays on (lhotse's default): bucket choice is seeded by the worker's id,
            # so worker w of every rank picks the same bucket at the same step and ranks wait less
            # for each other. (Turning it off also loses cuts at the end of a pass in lhotse 1.33.)
        )
        if self.keep_cut is not None:
            sampler.filter(self.keep_cut)
        return sampler

    def _count_batches(self, indices: list[int], pass_index: int, worker: int) -> int:
        return sum(1 for _ in self._sampler(self.shards.cuts(indices, fields=()), pass_index, worker))

    def __iter__(self) -> Iterator[tuple[Mapping[str, Any], BatchInfo]]:
        info = get_worker_info()
        worker, num_workers = (info.id, info.num_workers) if info is not None else (0, 1)
        # This worker's share of the consumed batches: those k < n with k % W == worker.
        skip = max(0, -(-(self._next_index - worker) // num_workers))
        if worker < self._next_index % num_workers:
            # The DataLoader asks worker 0 first; after a resume at batch n, the workers before
            # n % W have had their turn of this round: each gives a marker the loader drops.
            yield None  # type: ignore[misc]  # the marker is not a batch, by design
        done = 0  # batches of this worker so far, skipped ones included
        pass_index = 0
        while self.passes is None or pass_index < self.passes:
            indices = self.assignment(pass_index, worker, num_workers)
            if not indices:
                return  # validation with fewer shards than workers
            if skip:
                n = self._count_batches(indices, pass_index, worker)
                if n == 0:
                    raise self._empty()
                if skip >= n:
                    skip -= n
                    done += n
                    pass_index += 1
                    continue
            yielded = 0
            for cuts in self._sampler(self.shards.cuts(indices), pass_index, worker):
                yielded += 1
                if skip:
                    skip -= 1  # a resumed pass: the cuts' data is read past, not decoded
                else:
                    yield self.dataset[BatchKey(pass_index, done * num_workers + worker, cuts)]
                done += 1
            if yielded == 0 and self.train:
                raise self._empty()
            pass_index += 1

    def _empty(self) -> EmptyDataError:
        return EmptyDataError(
            f"a pass over Shar shards of {self.shards.root} gave this reader no batch: every cut was filtered "
            "out, or data.sampler.max_duration is shorter than every cut"
        )


class SharDataLoader(DataLoader):
    """A DataLoader over a :class:`SharBatchStream` that drops the stream's resume markers (``None``)."""

    def __iter__(self) -> Iterator[Any]:
        return (item for item in super().__iter__() if item is not None)


def build_shar_dataloader(stream: SharBatchStream, *, num_workers: int = 0, pin_memory: bool = False) -> DataLoader:
    """A DataLoader yielding ``(batch, BatchInfo)`` from a :class:`SharBatchStream`."""
    return SharDataLoader(stream, batch_size=None, num_workers=num_workers, pin_memory=pin_memory, persistent_workers=False)
