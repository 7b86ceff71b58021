"""Label sets of SLU models: which slots a model predicts and the values each can take.

An intent is a dict of slots (:mod:`speech.data.manifests`): Fluent Speech Commands has
``action``, ``object``, ``location``; SLURP has ``scenario``, ``action``, ``intent`` and a list of
entity ``slots`` (``[{"type", "filler"}]``). A :class:`LabelSchema` is built from the training
data (:func:`build_label_schema`, ``speech slu labels``):

- every slot with string values becomes a single-label output (one classifier over its values);
- every slot with list values becomes a multi-label output over the *types* in the list (for SLURP,
  which entity types the utterance mentions); it is predicted as ``<slot>_types`` (the fillers,
  which need a sequence decoder, are not predicted).

The schema is saved inside the model config and as ``labels.json`` next to the weights. Data with
a slot or value that the model does not know fails with :class:`LabelSetMismatchError`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from speech.errors import SpeechError
from speech.fileio import atomic_write_text

LABELS_FORMAT = "speech-slu-labels"
FSC_SLOTS: tuple[str, ...] = ("action", "object", "location")


class LabelSetMismatchError(SpeechError, ValueError):
    """Data whose slots or values are not in a model's label set (or two label sets that differ)."""


@dataclass(kw_only=True)
class LabelSchema:
    """Slots and their values, in a fixed order (the order of the model's outputs)."""

    slots: dict[str, list[str]] = field(default_factory=dict)
    """Single-label slots -> sorted values."""
    multi_label: dict[str, list[str]] = field(default_factory=dict)
    """List-valued slots -> sorted item types (predicted as a set)."""

    def check(self, source: str = "labels") -> None:
        """Raise :class:`LabelSetMismatchError` when the schema is empty or has duplicate values."""
        if not self.slots and not self.multi_label:
            raise LabelSetMismatchError(
                f"{source}: no slots; build the label set with `speech slu labels --cuts TRAIN -o labels.json` "
                "and set task_conf.labels_file"
            )
        for name, values in {**self.slots, **self.multi_label}.items():
            if not values:
                raise LabelSetMismatchError(f"{source}: slot {name!r} has no values")
            if len(set(values)) != len(values):
                raise LabelSetMismatchError(f"{source}: slot {name!r} lists a value twice")
        both = set(self.slots) & set(self.multi_label)
        if both:
            raise LabelSetMismatchError(f"{source}: slot(s) {sorted(both)} are both single- and multi-label")

    def differences(self, other: LabelSchema) -> list[str]:
        """Human-readable differences between two schemas (empty when equal)."""
        out = []
        pairs = (("slot", self.slots, other.slots), ("multi-label slot", self.multi_label, other.multi_label))
        for kind, mine, theirs in pairs:
            for name in sorted(set(mine) | set(theirs)):
                if name not in theirs:
                    out.append(f"{kind} {name!r} only in the first")
                elif name not in mine:
                    out.append(f"{kind} {name!r} only in the second")
                elif mine[name] != theirs[name]:
                    a, b = set(mine[name]), set(theirs[name])
                    detail = []
                    if a - b:
                        detail.append(f"only in the first: {sorted(a - b)[:8]}")
                    if b - a:
                        detail.append(f"only in the second: {sorted(b - a)[:8]}")
                    out.append(f"{kind} {name!r} values differ ({'; '.join(detail) or 'order'})")
        return out


def _item_type(item: Any) -> str:
    if isinstance(item, Mapping):
        return str(item.get("type", ""))
    return str(item)


def build_label_schema(intents: Iterable[Mapping[str, Any]]) -> LabelSchema:
    """The label set of a collection of intents (see the module docstring).

    Raises:
        LabelSetMismatchError: no intents, or a slot that mixes strings and lists.
    """
    single: dict[str, set[str]] = {}
    multi: dict[str, set[str]] = {}
    count = 0
    for intent in intents:
        count += 1
        for name, value in intent.items():
            if isinstance(value, list):
                multi.setdefault(name, set()).update(_item_type(v) for v in value)
            elif value is not None:
                single.setdefault(name, set()).add(str(value))
    if not count:
        raise LabelSetMismatchError("no intents to build a label set from")
    mixed = set(single) & set(multi)
    if mixed:
        raise LabelSetMismatchError(f"slot(s) {sorted(mixed)} hold both single values and lists")
    # A list-valued slot may be empty in every utterance; it then has nothing to predict.
    schema = LabelSchema(
        slots={k: sorted(v) for k, v in sorted(single.items())},
        multi_label={k: sorted(v) for k, v in sorted(multi.items()) if v},
    )
    schema.check()
    return schema


def cut_intent(cut: Any) -> dict[str, Any] | None:
    """``custom["intent"]`` of a cut's first supervision that has one."""
    for s in cut.supervisions:
        intent = (s.custom or {}).get("intent")
        if isinstance(intent, dict):
            return intent
    return None


def labels_from_cuts(cuts_path: str | os.PathLike[str]) -> LabelSchema:
    """:func:`build_label_schema` over a lhotse cuts manifest.

    Raises:
        FileNotFoundError: no such file.
        LabelSetMismatchError: a cut has no intent.
    """
    from lhotse import CutSet

    p = Path(cuts_path)
    if not p.is_file():
        raise FileNotFoundError(f"cuts manifest not found: {p}")
    intents = []
    for cut in CutSet.from_file(p):
        intent = cut_intent(cut)
        if intent is None:
            raise LabelSetMismatchError(f"{p}: cut {cut.id} has no custom['intent'] (not an SLU manifest?)")
        intents.append(intent)
    return build_label_schema(intents)


def save_labels(path: str | os.PathLike[str], schema: LabelSchema) -> Path:
    """Write ``schema`` as JSON (atomically)."""
    schema.check(str(path))
    atomic_write_text(path, labels_to_json(schema))
    return Path(path)


def labels_to_json(schema: LabelSchema) -> str:
    """The JSON text :func:`save_labels` writes."""
    return json.dumps({"format": LABELS_FORMAT, "version": 1, "slots": schema.slots, "multi_label": schema.multi_label},
                      ensure_ascii=False, indent=1) + "\n"


def load_labels(path: str | os.PathLike[str]) -> LabelSchema:
    """Read a file written by :func:`save_labels`.

    Raises:
        FileNotFoundError: no such file.
        LabelSetMismatchError: not a label file.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"label file not found: {p}")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise LabelSetMismatchError(f"{p}: not a JSON label file: {e}") from e
    if not isinstance(data, dict) or data.get("format") != LABELS_FORMAT:
        raise LabelSetMismatchError(f"{p}: not a {LABELS_FORMAT} file (write it with `speech slu labels`)")
    slots, multi = data.get("slots"), data.get("multi_label", {})
    ok = isinstance(slots, dict) and isinstance(multi, dict) and all(
        isinstance(v, list) and all(isinstance(x, str) for x in v) for v in (*slots.values(), *multi.values())
    )
    if not ok:
        raise LabelSetMismatchError(f"{p}: 'slots' and 'multi_label' must map slot names to lists of strings")
    schema = LabelSchema(slots=slots, multi_label=multi)
    schema.check(str(p))
    return schema


class IntentEncoder:
    """Intent dicts -> class ids / multi-hot vectors for a :class:`LabelSchema` (picklable)."""

    def __init__(self, schema: LabelSchema) -> None:
        schema.check()
        self.schema = schema
        self._index = {name: {v: i for i, v in enumerate(values)} for name, values in schema.slots.items()}
        self._multi = {name: {v: i for i, v in enumerate(values)} for name, values in schema.multi_label.items()}

    def encode(self, intent: Mapping[str, Any], source: str) -> tuple[dict[str, int], dict[str, list[int]]]:
        """Class id of every single-label slot and the type ids of every multi-label slot.

        Raises:
            LabelSetMismatchError: a slot is missing or a value is not in the label set.
        """
        single: dict[str, int] = {}
        for name, index in self._index.items():
            if name not in intent:
                raise LabelSetMismatchError(
                    f"{source}: intent has no slot {name!r} (the model predicts {sorted(self._index)})"
                )
            value = str(intent[name])
            if value not in index:
                known = sorted(index)
                shown = ", ".join(known[:12]) + (" ..." if len(known) > 12 else "")
                raise LabelSetMismatchError(
                    f"{source}: {name}={value!r} is not in the model's label set ({shown}); the labels come from the "
                    "label file or checkpoint the model was built with: rebuild them with `speech slu labels` on "
                    "data that covers this value"
                )
            single[name] = index[value]
        multi: dict[str, list[int]] = {}
        for name, index in self._multi.items():
            items = intent.get(name) or []
            ids = []
            for item in items:
                t = _item_type(item)
                if t not in index:
                    raise LabelSetMismatchError(f"{source}: {name} type {t!r} is not in the model's label set")
                ids.append(index[t])
            multi[name] = ids
        return single, multi


def check_label_coverage(schema: LabelSchema, intents: Iterable[tuple[str, Mapping[str, Any]]]) -> None:
    """Raise :class:`LabelSetMismatchError` on the first ``(id, intent)`` the schema cannot encode."""
    encoder = IntentEncoder(schema)
    for uid, intent in intents:
        encoder.encode(intent, uid)
