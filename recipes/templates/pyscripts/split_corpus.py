"""Recipe step: re-split a prepared corpus into the splits a recipe trains and evaluates on.

``speech data prepare`` writes each corpus in the splits it ships with: one split ``all`` (VCTK,
CSS10), parts whose speakers are disjoint (LibriTTS-R ``train-clean-100``, ``dev-clean``...), or
train/dev/test already (ESD, Fluent Speech Commands, SLURP). A recipe needs:

- ``train``, ``dev`` (validation loss) and ``test``, where dev and test hold *other utterances of
  the training speakers*: the TTS evaluation asks a trained voice to speak its own test sentences;
- optionally ``heldout``: speakers never trained on, for zero-shot voice cloning.

Rules (all deterministic for a given ``--seed``):

1. ``--assign SRC=DST`` sends a whole source split to one target (``test-clean=heldout``,
   ``devel=dev``...); ``DST`` may be ``drop``.
2. Every other source split (``--source``) forms the *pool*. ``--heldout-speakers N`` moves N
   randomly chosen pool speakers to ``heldout``; then each remaining speaker keeps at least
   ``--min-train`` utterances for training and gives up to ``--test-per-speaker`` utterances to
   ``test`` and ``--dev-per-speaker`` to ``dev``.
3. A source written ``NAME?`` may be absent (SLURP's synthetic training audio, for instance).
4. ``--max-speakers`` / ``--max-per-speaker`` keep a small sample (the smoke runs): per source
   split, the speakers are taken round-robin over languages, so a multilingual corpus stays
   multilingual.

Writes ``<corpus>_{recordings,supervisions}_<split>.jsonl.gz`` in ``--out`` (plus
``<split>_cuts.jsonl.gz`` with ``--cuts``) and ``split_info.json`` (counts, held-out speakers, the
options), and fails with a message naming the fix when a required split would be empty.

    python split_corpus.py --manifests data/manifests --corpus vctk --source all \\
        --heldout-speakers 8 --dev-per-speaker 5 --test-per-speaker 10 --out data/splits
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from speech.errors import SpeechError

logger = logging.getLogger("split_corpus")

TARGETS: tuple[str, ...] = ("train", "dev", "test", "heldout")


class SplitError(SpeechError, ValueError):
    """A split plan that cannot give the splits a recipe needs."""


@dataclass(frozen=True)
class Utterance:
    """What the plan needs to know of one supervision."""

    id: str
    speaker: str
    language: str
    source: str


@dataclass
class SplitOptions:
    """How to re-split a corpus (see the module docstring)."""

    assign: dict[str, str] = field(default_factory=dict)
    dev_per_speaker: int = 0
    test_per_speaker: int = 0
    heldout_speakers: int = 0
    min_train: int = 1
    max_speakers: int | None = None
    max_per_speaker: int | None = None
    seed: int = 0

    def check(self) -> None:
        """Raise :class:`SplitError` on negative counts or unknown targets."""
        for name in ("dev_per_speaker", "test_per_speaker", "heldout_speakers", "min_train"):
            if getattr(self, name) < 0:
                raise SplitError(f"--{name.replace('_', '-')} must be >= 0, got {getattr(self, name)}")
        for name in ("max_speakers", "max_per_speaker"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise SplitError(f"--{name.replace('_', '-')} must be >= 1, got {value}")
        for src, dst in self.assign.items():
            if dst not in (*TARGETS, "drop"):
                raise SplitError(f"--assign {src}={dst}: the target must be one of {', '.join(TARGETS)} or drop")


def _rng(seed: int, key: str) -> random.Random:
    # A string seed is hashed with SHA-512 by random.Random: the same on every run and platform.
    return random.Random(f"{seed}:{key}")


def _round_robin_speakers(utts: Sequence[Utterance], n: int) -> set[str]:
    """``n`` speakers, alternating between languages (sorted within each language)."""
    by_language: dict[str, list[str]] = defaultdict(list)
    for spk, lang in sorted({(u.speaker, u.language) for u in utts}):
        if spk not in by_language[lang]:
            by_language[lang].append(spk)
    chosen: list[str] = []
    queues = [list(v) for _, v in sorted(by_language.items())]
    while len(chosen) < n and any(queues):
        for queue in queues:
            while queue and queue[0] in chosen:
                queue.pop(0)
            if queue and len(chosen) < n:
                chosen.append(queue.pop(0))
    return set(chosen)


def _sample(utts: list[Utterance], options: SplitOptions) -> list[Utterance]:
    """The smoke sample of one source split: few speakers, few utterances each."""
    if options.max_speakers is not None:
        keep = _round_robin_speakers(utts, options.max_speakers)
        utts = [u for u in utts if u.speaker in keep]
    if options.max_per_speaker is not None:
        by_speaker: dict[str, list[Utterance]] = defaultdict(list)
        for u in utts:
            by_speaker[u.speaker].append(u)
        utts = []
        for spk, items in sorted(by_speaker.items()):
            items = sorted(items, key=lambda u: u.id)
            _rng(options.seed, spk).shuffle(items)
            utts += items[: options.max_per_speaker]
    return utts


def plan_split(utterances: Sequence[Utterance], options: SplitOptions) -> dict[str, str]:
    """Assign utterances to ``train``/``dev``/``test``/``heldout`` (pure, deterministic).

    Args:
        utterances: every supervision of the source splits.
        options: the rules (see the module docstring).

    Returns:
        Utterance id -> target split; utterances left out by sampling or ``drop`` are absent.
    """
    options.check()
    by_source: dict[str, list[Utterance]] = defaultdict(list)
    for u in utterances:
        by_source[u.source].append(u)
    plan: dict[str, str] = {}
    pool: list[Utterance] = []
    for source, utts in sorted(by_source.items()):
        utts = _sample(utts, options)
        target = options.assign.get(source)
        if target is None:
            pool += utts
        elif target != "drop":
            plan.update({u.id: target for u in utts})

    by_speaker: dict[str, list[Utterance]] = defaultdict(list)
    for u in pool:
        by_speaker[u.speaker].append(u)
    speakers = sorted(by_speaker)
    heldout: set[str] = set()
    if options.heldout_speakers:
        if options.heldout_speakers >= len(speakers):
            raise SplitError(
                f"--heldout-speakers {options.heldout_speakers} would leave no training speaker "
                f"(the pool has {len(speakers)}); lower it"
            )
        heldout = set(_rng(options.seed, "heldout").sample(speakers, options.heldout_speakers))
    for spk in speakers:
        items = sorted(by_speaker[spk], key=lambda u: u.id)
        if spk in heldout:
            plan.update({u.id: "heldout" for u in items})
            continue
        _rng(options.seed, spk).shuffle(items)
        spare = max(0, len(items) - options.min_train)
        n_test = min(options.test_per_speaker, spare)
        n_dev = min(options.dev_per_speaker, spare - n_test)
        for k, u in enumerate(items):
            plan[u.id] = "test" if k < n_test else "dev" if k < n_test + n_dev else "train"
    return plan


def _check_required(counts: dict[str, int], required: Sequence[str], options: SplitOptions) -> None:
    empty = [s for s in required if not counts.get(s)]
    if empty:
        raise SplitError(
            f"split(s) {', '.join(empty)} would be empty (counts: {counts}); every training speaker keeps "
            f"--min-train {options.min_train} utterance(s) first, so raise --dev-per-speaker/--test-per-speaker, "
            "lower --min-train, or give more utterances per speaker (--max-per-speaker)"
        )


def split_corpus(
    manifest_dir: Path,
    corpus: str,
    sources: Sequence[str],
    out_dir: Path,
    options: SplitOptions,
    required: Sequence[str] = ("train", "dev", "test"),
    cuts: bool = False,
) -> dict[str, int]:
    """Read the source splits, plan the new ones, write them; returns utterances per target split."""
    from lhotse import CutSet, RecordingSet, SupervisionSet

    from speech.data.manifests import load_manifests, save_manifests
    from speech.fileio import atomic_path, atomic_write_text

    unknown = sorted(set(options.assign) - {s.rstrip("?") for s in sources})
    if unknown:
        raise SplitError(f"--assign names split(s) {', '.join(unknown)} that are not in --source {' '.join(sources)}")
    recordings: dict[str, object] = {}
    supervisions = []
    utterances = []
    for source in sources:
        optional = source.endswith("?")
        source = source.rstrip("?")
        try:
            recs, sups = load_manifests(manifest_dir, corpus, source)
        except FileNotFoundError as e:
            if optional:
                logger.info("no split %r in %s (optional): skipped", source, manifest_dir)
                continue
            raise SplitError(f"{e}; did stage 1 (speech data prepare {corpus}) write split {source!r}?") from e
        recordings.update({r.id: r for r in recs})
        for sup in sups:
            supervisions.append(sup)
            utterances.append(Utterance(sup.id, sup.speaker or "unknown", sup.language or "und", source))
    plan = plan_split(utterances, options)
    counts = {t: sum(1 for v in plan.values() if v == t) for t in TARGETS}
    _check_required(counts, required, options)
    for target in TARGETS:
        sups = [s for s in supervisions if plan.get(s.id) == target]
        if not sups:
            continue
        recs = RecordingSet.from_recordings(recordings[i] for i in dict.fromkeys(s.recording_id for s in sups))
        sup_set = SupervisionSet.from_segments(sups)
        save_manifests(recs, sup_set, out_dir, corpus, target)
        if cuts:
            cut_set = CutSet.from_manifests(recordings=recs, supervisions=sup_set)
            with atomic_path(out_dir / f"{target}_cuts.jsonl.gz") as tmp:
                cut_set.to_file(tmp)
    heldout = sorted({s.speaker for s in supervisions if plan.get(s.id) == "heldout"})
    info = {"corpus": corpus, "sources": list(sources), "counts": counts, "heldout_speakers": heldout,
            "options": asdict(options)}
    atomic_write_text(out_dir / "split_info.json", json.dumps(info, indent=1) + "\n")
    return counts


def _assignments(pairs: Sequence[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        src, sep, dst = pair.partition("=")
        if not sep or not src or not dst:
            raise SplitError(f"--assign expects SRC=DST (e.g. test-clean=heldout), got {pair!r}")
        out[src] = dst
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command line (see the module docstring)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--manifests", type=Path, required=True, help="folder of <corpus>_*_<split>.jsonl.gz")
    p.add_argument("--corpus", required=True, help="manifest prefix (the corpus name)")
    p.add_argument("--source", nargs="+", required=True, help="source splits to read (NAME? when it may be absent)")
    p.add_argument("--out", type=Path, required=True, help="folder for the new splits")
    p.add_argument("--assign", nargs="*", default=[], metavar="SRC=DST", help="send a whole source split to a target")
    p.add_argument("--dev-per-speaker", type=int, default=0)
    p.add_argument("--test-per-speaker", type=int, default=0)
    p.add_argument("--heldout-speakers", type=int, default=0, help="pool speakers kept out of training")
    p.add_argument("--min-train", type=int, default=1, help="utterances each training speaker keeps")
    p.add_argument("--max-speakers", type=int, help="sample: speakers per source split")
    p.add_argument("--max-per-speaker", type=int, help="sample: utterances per speaker and source split")
    p.add_argument("--require", nargs="*", default=["train", "dev", "test"], help="splits that must not be empty")
    p.add_argument("--cuts", action="store_true", help="also write <split>_cuts.jsonl.gz (lhotse CutSets)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    options = SplitOptions(
        assign=_assignments(args.assign), dev_per_speaker=args.dev_per_speaker,
        test_per_speaker=args.test_per_speaker, heldout_speakers=args.heldout_speakers, min_train=args.min_train,
        max_speakers=args.max_speakers, max_per_speaker=args.max_per_speaker, seed=args.seed,
    )
    try:
        counts = split_corpus(args.manifests, args.corpus, args.source, args.out, options, args.require, args.cuts)
    except SpeechError as e:
        print(f"split_corpus: error: {e}", file=sys.stderr)
        return 2
    print(" ".join(f"{k}={v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
