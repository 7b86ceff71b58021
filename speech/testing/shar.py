"""Fixtures for the Shar tests: a tone corpus as Shar shards, and a probe of what each rank reads.

:func:`probe_rank` is the body of one process of a ``torch.multiprocessing.spawn`` run: it joins a
gloo process group, streams its rank's shards through a real DataLoader with workers, and gathers
on rank 0 which cuts and shards every rank and worker saw.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from lhotse import CutSet
from torch.utils.data import get_worker_info

from speech.train.data import SharBatchStream, build_shar_dataloader, open_shar
from speech.train.schema import SamplerConfig


def shard_probe_collate(cuts: CutSet) -> dict[str, Any]:
    """A collate that reports what was read: cut ids, shard of each cut, worker, audio samples."""
    info = get_worker_info()
    return {
        "ids": [c.id for c in cuts],
        "shards": [Path(c.shard_origin).name for c in cuts],
        "worker": info.id if info is not None else 0,
        "samples": torch.tensor([c.load_audio().shape[-1] for c in cuts]),
    }


def probe_rank(
    rank: int,
    world_size: int,
    shar_dir: str,
    init_file: str,
    out_file: str,
    num_workers: int,
    passes: int,
    sampler: dict[str, Any],
) -> None:
    """One rank of the probe: read ``passes`` passes of its shards; rank 0 writes every rank's record.

    Args:
        rank: given by ``torch.multiprocessing.spawn``.
        world_size: number of processes.
        shar_dir: the Shar directory.
        init_file: a path for gloo's file rendezvous (must not exist yet).
        out_file: JSON written by rank 0: one list of batch records per rank.
        num_workers: DataLoader workers per rank.
        passes: passes over the data.
        sampler: :class:`SamplerConfig` fields.
    """
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world_size)
    try:
        stream = SharBatchStream(
            open_shar(shar_dir, "shar"), shard_probe_collate, SamplerConfig(**sampler), train=True,
            world_size=dist.get_world_size(), rank=dist.get_rank(), num_workers=num_workers, passes=passes,
        )
        records = [
            {"ids": b["ids"], "shards": b["shards"], "worker": b["worker"], "samples": b["samples"].tolist(),
             "pass": info.epoch, "index": info.index}
            for b, info in build_shar_dataloader(stream, num_workers=num_workers)
        ]
        gathered: list[Any] = [None] * world_size
        dist.all_gather_object(gathered, records)
        if rank == 0:
            Path(out_file).write_text(json.dumps(gathered), encoding="utf-8")
    finally:
        dist.destroy_process_group()

