"""Shar streaming: disjoint shards per gloo rank and worker, exact resume, DDP training from shards."""

from __future__ import annotations

import itertools
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest
import torch.multiprocessing as mp
from lhotse import CutSet

from speech.data.shar import export_shar
from speech.testing.shar import probe_rank, shard_probe_collate
from speech.testing.tones import ToneClassifier, make_tone_corpus
from speech.train.checkpoint import load_checkpoint_file
from speech.train.data import EmptyDataError, SharBatchStream, build_shar_dataloader, open_shar
from speech.train.engine import train
from speech.train.errors import ConfigError, DataPathError
from speech.train.schema import SamplerConfig, TrainConfig

from .helpers import read_losses, run_cli, write_config

SAMPLER = {"max_duration": 2.5, "num_buckets": 3, "seed": 5}


@pytest.fixture(scope="module")
def shar_corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """32 training tones in 8 shards of 4, 8 validation tones in 2 shards."""
    root = tmp_path_factory.mktemp("shar_tones")
    corpus = make_tone_corpus(root / "wav", num_train=32, num_valid=8, num_classes=4, seed=11)
    export_shar(corpus["train"], root / "train_shar", shard_size=4, progress=False)
    export_shar(corpus["valid"], root / "valid_shar", shard_size=4, progress=False)
    return {**corpus, "train_shar": root / "train_shar", "valid_shar": root / "valid_shar"}


def _stream(shar: Path, workers: int = 0, **kw: object) -> SharBatchStream:
    args: dict = {"train": True, "world_size": 1, "rank": 0, "num_workers": workers}
    args.update(kw)
    return SharBatchStream(open_shar(shar, "data.train_shar"), shard_probe_collate, SamplerConfig(**SAMPLER), **args)


def _take(stream: SharBatchStream, n: int, workers: int = 0) -> list[tuple[list[str], int, int]]:
    loader = build_shar_dataloader(stream, num_workers=workers)
    return [(b["ids"], info.epoch, info.index) for b, info in itertools.islice(loader, n)]


def test_two_gloo_ranks_read_disjoint_shards_that_cover_the_corpus(shar_corpus: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "probe.json"
    mp.spawn(
        probe_rank,
        args=(2, str(shar_corpus["train_shar"]), str(tmp_path / "rendezvous"), str(out), 2, 2, SAMPLER),
        nprocs=2,
        join=True,
    )
    records = json.loads(out.read_text())
    all_ids = {c.id for c in CutSet.from_file(shar_corpus["train"])}
    assignments = []
    for p in range(2):
        readers: dict[tuple[int, int], set[str]] = defaultdict(set)  # (rank, worker) -> shards
        ids_by_rank = []
        for rank, batches in enumerate(records):
            ids = [i for b in batches if b["pass"] == p for i in b["ids"]]
            assert len(ids) == len(set(ids)), "a rank read a cut twice in one pass"
            ids_by_rank.append(set(ids))
            for b in batches:
                if b["pass"] == p:
                    readers[(rank, b["worker"])].update(b["shards"])
                    assert all(n > 0 for n in b["samples"])  # real audio came out of the tar files
        assert not ids_by_rank[0] & ids_by_rank[1]
        assert ids_by_rank[0] | ids_by_rank[1] == all_ids
        # Every rank-worker pair read whole shards of its own: 8 shards, 2 for each of the 4 readers.
        owners = Counter(s for shards in readers.values() for s in shards)
        assert sorted(readers) == [(0, 0), (0, 1), (1, 0), (1, 1)]
        assert set(owners.values()) == {1} and len(owners) == 8
        assert sorted(len(s) for s in readers.values()) == [2, 2, 2, 2]
        assignments.append({k: frozenset(v) for k, v in readers.items()})
    assert assignments[0] != assignments[1], "the shards are dealt again for every pass"
    # Batch numbers of a rank rise with every batch: the DataLoader takes the two workers in turn.
    for batches in records:
        indices = [b["index"] for b in batches]
        assert indices == sorted(set(indices)) and indices[:4] == [0, 1, 2, 3]


def test_resume_continues_with_the_next_batch_for_any_position(shar_corpus: dict[str, Path]) -> None:
    n = 36
    reference = _take(_stream(shar_corpus["train_shar"], workers=2), n, workers=2)
    assert [i for _, _, i in reference] == list(range(n))
    assert {p for _, p, _ in reference} >= {0, 1, 2}  # the training stream goes on pass after pass
    first_of_pass_2 = next(i for _, p, i in reference if p == 2)
    # Odd and even positions, within the first pass and after whole passes of some worker.
    for start in (5, 14, first_of_pass_2 + 1):
        stream = _stream(shar_corpus["train_shar"], workers=2)
        stream.resume(reference[start][1], start)
        assert _take(stream, n - start, workers=2) == reference[start:]


def test_without_workers_one_pass_holds_every_cut_once(shar_corpus: dict[str, Path]) -> None:
    batches = _take(_stream(shar_corpus["train_shar"], passes=1), 1000)
    ids = [i for b, _, _ in batches for i in b]
    assert sorted(ids) == sorted(c.id for c in CutSet.from_file(shar_corpus["train"]))
    assert all(p == 0 for _, p, _ in batches)


def test_too_few_shards_for_the_readers_is_a_config_error(shar_corpus: dict[str, Path]) -> None:
    with pytest.raises(ConfigError, match=r"8 shard\(s\) for 2 rank\(s\) x 5 worker\(s\).*smaller --shard-size"):
        _stream(shar_corpus["train_shar"], workers=5, world_size=2)


def test_a_filter_that_keeps_nothing_is_an_empty_data_error(shar_corpus: dict[str, Path]) -> None:
    stream = _stream(shar_corpus["train_shar"], keep_cut=lambda cut: False)
    with pytest.raises(EmptyDataError, match="gave this reader no batch"):
        _take(stream, 1)


def test_open_shar_errors(shar_corpus: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(DataPathError, match="data.train_shar: Shar directory not found"):
        open_shar(tmp_path / "nope", "data.train_shar")
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "a.wav").write_bytes(b"")
    with pytest.raises(ConfigError, match="not a lhotse Shar directory; write one with `speech data export-shar`"):
        open_shar(tmp_path / "plain", "data.train_shar")
    broken = tmp_path / "broken"
    broken.mkdir()
    for p in shar_corpus["train_shar"].iterdir():
        if p.name != "recording.000003.tar":  # as if the export had been killed half-way
            (broken / p.name).symlink_to(p)
    with pytest.raises(ConfigError, match=r"field 'recording' .* has 7 shards but there are 8 cut shards .*\[3\]"):
        open_shar(broken, "data.train_shar")
    with pytest.raises(ConfigError, match="has no field.* mel; it holds recording"):
        open_shar(shar_corpus["train_shar"], "data.train_shar", ["mel"])
    shards = open_shar(shar_corpus["train_shar"], "data.train_shar")
    assert len(shards) == 8 and shards.fields == ("recording",) and shards.num_cuts() == 32


def test_config_needs_exactly_one_training_source(make_config: Callable[..., TrainConfig], shar_corpus: dict[str, Path]) -> None:
    with pytest.raises(ConfigError, match="data.train_cuts and data.train_shar are both set"):
        make_config(f"data.train_shar={shar_corpus['train_shar']}")
    with pytest.raises(ConfigError, match="missing required config key 'data.train_cuts'.*'data.train_shar'"):
        make_config("data.train_cuts=null")


def _shar_overrides(shar_corpus: dict[str, Path], *extra: str) -> tuple[str, ...]:
    return (
        "data.train_cuts=null", f"data.train_shar={shar_corpus['train_shar']}",
        "data.valid_cuts=null", f"data.valid_shar={shar_corpus['valid_shar']}",
        "data.sampler.max_duration=2.5", "data.sampler.num_buckets=3", *extra,
    )


@pytest.mark.heavy
def test_training_from_shar_resumes_exactly_with_workers(
    make_config: Callable[..., TrainConfig], shar_corpus: dict[str, Path]
) -> None:
    common = _shar_overrides(
        shar_corpus, "data.num_workers=2", "checkpoint.every_n_steps=5", "trainer.val_every_n_steps=5",
        "task_conf.model.dropout=0.3",
    )
    reference = train(make_config(*common, "trainer.max_steps=10", exp="reference"))
    curve = dict(read_losses(reference.run_dir))
    assert sorted(curve) == list(range(10))
    assert len(read_losses(reference.run_dir, "valid/loss")) == 2

    first = train(make_config(*common, "trainer.max_steps=5", exp="resumed"))
    assert first.steps == 5
    # The same exp_dir with a longer schedule continues from step 5 (last.ckpt).
    second = train(make_config(*common, "trainer.max_steps=10", exp="resumed"))
    assert second.steps == 10
    assert load_checkpoint_file(second.last_checkpoint)["speech"]["num_workers"] == 2
    # The steps after the resume see the very batches (and dropout masks) of the uninterrupted run.
    resumed = dict(read_losses(second.run_dir))
    assert [resumed[s] for s in range(5, 10)] == pytest.approx([curve[s] for s in range(5, 10)], rel=1e-4, abs=1e-6)


@pytest.mark.heavy
def test_ddp_two_cpu_processes_train_from_shar(
    make_config: Callable[..., TrainConfig], shar_corpus: dict[str, Path], tmp_path: Path
) -> None:
    config = make_config(
        *_shar_overrides(shar_corpus), "trainer.max_steps=6", "checkpoint.every_n_steps=3",
        "trainer.val_every_n_steps=3", "trainer.devices=2", "trainer.strategy=ddp", exp="ddp_shar",
    )
    proc = run_cli("train", "--config", str(write_config(config, tmp_path / "ddp_shar.yaml")))
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "trained 6 steps" in proc.stdout
    run = Path(config.exp_dir)
    last = load_checkpoint_file(run / "checkpoints" / "last.ckpt")
    assert last["global_step"] == 6 and last["speech"]["world_size"] == 2
    assert [s for s, _ in read_losses(run)] == list(range(6))
    assert len(read_losses(run, "valid/loss")) == 2
    assert ToneClassifier.from_pretrained(run / "model").config == config.task_conf.model
