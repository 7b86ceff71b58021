"""Recipe steps of the SLU recipes that no ``speech`` command does on its own.

- ``labels --cuts A B -o labels.json``: the label set of several cut manifests (train + dev, so
  that validation never meets a value the model cannot output; ``speech slu labels`` takes one).
- ``check-asr DIR``: stage 2, check that DIR is a saved ASR model (not a TTS, SLU or vocoder
  checkpoint, not corrupt) before training starts from it.
- ``eval-inputs --model DIR --splits DIR --corpus NAME --split test --out DIR``: the reference
  and predicted intents of a split as JSONL for ``speech eval intent --ref --pred``. References are
  restricted to what the model predicts: its single-label slots as they are, and a list slot
  (SLURP ``slots``) as the set of its entity types, ``<slot>_types``, since the fillers are not
  predicted (see :mod:`speech.slu.labels`).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from speech.errors import SpeechError

logger = logging.getLogger("slu_tools")


def build_labels(cuts: Sequence[Path], out: Path) -> dict[str, int]:
    """Write the label set of the intents in ``cuts``; returns the number of values per slot."""
    from lhotse import CutSet

    from speech.slu.labels import LabelSetMismatchError, build_label_schema, cut_intent, save_labels

    intents = []
    for path in cuts:
        if not path.is_file():
            raise FileNotFoundError(f"cuts manifest not found: {path}")
        for cut in CutSet.from_file(path):
            intent = cut_intent(cut)
            if intent is None:
                raise LabelSetMismatchError(f"{path}: cut {cut.id} has no custom['intent'] (not an SLU corpus?)")
            intents.append(intent)
    schema = build_label_schema(intents)
    save_labels(out, schema)
    return {k: len(v) for k, v in {**schema.slots, **schema.multi_label}.items()}


def check_asr_model(directory: Path) -> str:
    """A one-line summary of the ASR model in ``directory``.

    Raises:
        MissingCheckpointError, CorruptCheckpointError, ModelTypeMismatchError: not a usable ASR
            model (another model type names the type it holds).
    """
    from speech.asr.model import ASRModel
    from speech.pretrained import verify_checksums

    config = ASRModel.config_from_pretrained(directory)
    verify_checksums(directory)
    enc = config.encoder
    size = "" if enc.kind == "transformers" else f", {enc.espnet.num_blocks} blocks x {enc.espnet.output_size}"
    return f"ASR model {directory}: {enc.kind} encoder{size}, {len(config.ctc.tokens)} CTC tokens ({config.ctc.unit})"


def restrict_intent(intent: Mapping[str, Any], slots: Sequence[str], multi_label: Sequence[str]) -> dict[str, Any]:
    """The part of a reference intent that a model with these outputs can predict.

    Single-label slots are kept as they are (missing ones become ``None``); a list slot becomes
    ``<slot>_types``, the sorted set of the ``type`` of its items.
    """
    out: dict[str, Any] = {name: intent.get(name) for name in slots}
    for name in multi_label:
        items = intent.get(name) or []
        out[f"{name}_types"] = sorted({str(item.get("type")) if isinstance(item, Mapping) else str(item) for item in items})
    return out


def _jsonl(rows: Iterable[Mapping[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def write_eval_inputs(model_dir: Path, split_dir: Path, corpus: str, split: str, out: Path) -> int:
    """Write ``ref.jsonl`` and ``pred.jsonl`` for ``split``; returns the number of utterances."""
    from lhotse import SupervisionSet

    from speech.data.manifests import manifest_paths
    from speech.eval.intent import load_intent_predictor, predict_intents
    from speech.fileio import atomic_write_text

    rec_path, sup_path = manifest_paths(split_dir, corpus, split)
    for path in (rec_path, sup_path):
        if not path.is_file():
            raise FileNotFoundError(f"manifest not found: {path} (stage 1 writes it)")
    predictor = load_intent_predictor(model_dir)
    labels = predictor.model.config.labels
    refs = []
    for sup in SupervisionSet.from_file(sup_path):
        intent = (sup.custom or {}).get("intent")
        if not isinstance(intent, dict):
            raise SpeechError(f"{sup_path}: supervision {sup.id} has no custom['intent']")
        refs.append({"id": sup.id, "speaker": sup.speaker,
                     "intent": restrict_intent(intent, list(labels.slots), list(labels.multi_label))})
    preds = predict_intents(predictor, rec_path, sup_path)
    atomic_write_text(out / "ref.jsonl", _jsonl(refs))
    atomic_write_text(out / "pred.jsonl", _jsonl({"id": k, "intent": v} for k, v in preds.items()))
    return len(refs)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line (see the module docstring)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    lb = sub.add_parser("labels", help="label set of several cut manifests")
    lb.add_argument("--cuts", type=Path, nargs="+", required=True)
    lb.add_argument("-o", "--output", type=Path, required=True)
    ck = sub.add_parser("check-asr", help="check a saved ASR model before SLU training starts from it")
    ck.add_argument("model", type=Path)
    ev = sub.add_parser("eval-inputs", help="reference and predicted intents of a split as JSONL")
    ev.add_argument("--model", type=Path, required=True)
    ev.add_argument("--splits", type=Path, required=True, help="folder with <corpus>_*_<split>.jsonl.gz")
    ev.add_argument("--corpus", required=True)
    ev.add_argument("--split", default="test")
    ev.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "labels":
            sizes = build_labels(args.cuts, args.output)
            print(f"wrote {args.output} ({', '.join(f'{k}: {v}' for k, v in sizes.items())})")
        elif args.command == "check-asr":
            print(check_asr_model(args.model))
        else:
            n = write_eval_inputs(args.model, args.splits, args.corpus, args.split, args.out)
            print(f"wrote {args.out}/ref.jsonl and pred.jsonl ({n} utterances)")
    except (SpeechError, FileNotFoundError) as e:
        print(f"slu_tools {args.command}: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
