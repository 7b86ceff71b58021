"""Intent accuracy for spoken-language understanding (Fluent Speech Commands, SLURP...).

An *intent* is a dict of slots, as in :mod:`speech.data.manifests` (FSC: ``action``, ``object``,
``location``; SLURP: ``scenario``, ``action``, ``intent``, ``slots``). Metrics:

- accuracy: share of utterances whose prediction gets *every* reference slot right (the FSC
  "intent accuracy");
- per-slot accuracy; a list-valued slot (SLURP ``slots``) is right when it holds the same
  items in any order;
- a confusion matrix per slot (reference value -> predicted value -> count);
- accuracy per speaker.

Inputs are two JSONL files keyed by utterance id (``{"id": ..., "intent": {...}}`` per line;
the reference may add ``"speaker"``), or a lhotse supervisions manifest whose
``custom["intent"]`` is the reference, plus predictions. Predictions can also come from a model:
any :data:`IntentPredictor` (a callable from a waveform and its sample rate to an intent dict);
``speech.slu`` provides the loader for trained SLU models (see :func:`load_intent_predictor`).
"""

from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from speech.errors import BackendUnavailableError
from speech.eval.errors import InputFormatError, MismatchError

logger = logging.getLogger(__name__)

#: A model: ``predictor(waveform, sample_rate) -> {"action": ..., "object": ..., ...}``, or ``None``
#: when the model rejects the input as no command it knows (scored as wrong in every slot).
IntentPredictor = Callable[[np.ndarray, int], Mapping[str, Any] | None]


@dataclass(frozen=True)
class IntentExample:
    """One reference utterance: id, reference intent, optional speaker."""

    id: str
    intent: dict[str, Any]
    speaker: str | None = None


@dataclass(frozen=True)
class IntentReport:
    """Intent metrics.

    Attributes:
        num_utterances: number of scored utterances.
        accuracy: share with every slot right.
        slot_accuracy: per-slot share right.
        confusion: ``{slot: {reference value: {predicted value: count}}}``.
        per_speaker: ``{speaker: {"utterances": n, "accuracy": a}}`` (speakers known only).
        errors: ids of the utterances with at least one wrong slot.
    """

    num_utterances: int
    accuracy: float
    slot_accuracy: dict[str, float]
    confusion: dict[str, dict[str, dict[str, int]]]
    per_speaker: dict[str, dict[str, float]]
    errors: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "num_utterances": self.num_utterances,
            "accuracy": self.accuracy,
            "slot_accuracy": self.slot_accuracy,
            "per_speaker": self.per_speaker,
            "confusion": self.confusion,
            "errors": self.errors,
        }


def _norm_value(value: Any) -> Any:
    """Comparable form of a slot value: lists compare as multisets, dicts by content."""
    if isinstance(value, list):
        return tuple(sorted(json.dumps(v, sort_keys=True, ensure_ascii=False) for v in value))
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, str):
        return value.strip()
    return value


def _label(value: Any) -> str:
    if value is None:
        return "<missing>"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def slot_correct(reference: Any, predicted: Any) -> bool:
    """Whether one slot's prediction matches the reference (see module docstring)."""
    return _norm_value(reference) == _norm_value(predicted)


def score_intents(
    references: Mapping[str, IntentExample],
    predictions: Mapping[str, Mapping[str, Any] | None],
) -> IntentReport:
    """Score predicted intents against references (pure; both keyed by utterance id).

    Every reference id needs a prediction; the slots scored are the reference's. A slot absent
    from a prediction counts as wrong.

    Raises:
        MismatchError: references without predictions, or nothing to score.
    """
    if not references:
        raise MismatchError("no reference utterances to score")
    missing = [k for k in references if k not in predictions]
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise MismatchError(f"{len(missing)} reference utterances have no prediction: {shown}")
    extra = [k for k in predictions if k not in references]
    if extra:
        logger.warning("%d predictions have no reference and are ignored (e.g. %s)", len(extra), extra[0])

    slot_right: Counter[str] = Counter()
    slot_total: Counter[str] = Counter()
    confusion: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    spk_right: Counter[str] = Counter()
    spk_total: Counter[str] = Counter()
    errors = []
    all_right = 0
    for uid, ex in references.items():
        pred = predictions[uid] or {}  # None: the model rejected the input
        ok_all = True
        for slot, ref_value in ex.intent.items():
            pred_value = pred.get(slot)
            ok = slot_correct(ref_value, pred_value)
            slot_total[slot] += 1
            slot_right[slot] += int(ok)
            ok_all &= ok
            if not isinstance(ref_value, (list, dict)):
                confusion[slot][_label(ref_value)][_label(pred_value)] += 1
        all_right += int(ok_all)
        if not ok_all:
            errors.append(uid)
        if ex.speaker is not None:
            spk_total[ex.speaker] += 1
            spk_right[ex.speaker] += int(ok_all)
    n = len(references)
    return IntentReport(
        num_utterances=n,
        accuracy=all_right / n,
        slot_accuracy={s: slot_right[s] / slot_total[s] for s in sorted(slot_total)},
        confusion={s: {r: dict(sorted(c.items())) for r, c in sorted(m.items())} for s, m in sorted(confusion.items())},
        per_speaker={
            s: {"utterances": spk_total[s], "accuracy": spk_right[s] / spk_total[s]} for s in sorted(spk_total)
        },
        errors=errors,
    )


def _read_jsonl(path: Path) -> list[tuple[int, dict[str, Any]]]:
    if not path.is_file():
        raise FileNotFoundError(f"file not found: {path}")
    rows = []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise InputFormatError(f"{path}: not UTF-8 text: {e}") from e
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputFormatError(f"{path}:{lineno}: not valid JSON: {e}") from e
        if not isinstance(row, dict):
            raise InputFormatError(f"{path}:{lineno}: expected a JSON object")
        rows.append((lineno, row))
    return rows


def _intent_of(row: Mapping[str, Any], where: str, allow_null: bool = False) -> tuple[str, dict[str, Any]]:
    uid = row.get("id")
    if uid is None or str(uid) == "":
        raise InputFormatError(f"{where}: no 'id'")
    intent = row.get("intent")
    if intent is None and allow_null:
        return str(uid), {}  # a rejected input ("no intent"): every slot counts as wrong
    if not isinstance(intent, dict):
        raise InputFormatError(f"{where}: 'intent' must be an object of slots, got {type(intent).__name__}")
    return str(uid), intent


def read_reference_jsonl(path: str | Path) -> dict[str, IntentExample]:
    """References from JSONL lines ``{"id", "intent": {...}, "speaker"?}``; duplicate ids fail."""
    p = Path(path)
    out: dict[str, IntentExample] = {}
    for lineno, row in _read_jsonl(p):
        uid, intent = _intent_of(row, f"{p}:{lineno}")
        if uid in out:
            raise InputFormatError(f"{p}:{lineno}: duplicate id {uid!r}")
        spk = row.get("speaker")
        out[uid] = IntentExample(uid, intent, None if spk is None else str(spk))
    if not out:
        raise InputFormatError(f"{p}: no references")
    return out


def read_predictions_jsonl(path: str | Path) -> dict[str, dict[str, Any]]:
    """Predictions from JSONL lines ``{"id", "intent": {...} | null}``; duplicate ids fail.

    ``"intent": null`` is a model's "no intent" (input rejected as noise or non-speech): it is read
    as an empty intent, so every slot of that utterance counts as wrong.
    """
    p = Path(path)
    out: dict[str, dict[str, Any]] = {}
    for lineno, row in _read_jsonl(p):
        uid, intent = _intent_of(row, f"{p}:{lineno}", allow_null=True)
        if uid in out:
            raise InputFormatError(f"{p}:{lineno}: duplicate id {uid!r}")
        out[uid] = intent
    return out


def read_reference_supervisions(path: str | Path) -> dict[str, IntentExample]:
    """References from a lhotse supervisions manifest (``custom["intent"]`` of each segment).

    Raises:
        InputFormatError: a supervision has no intent.
    """
    from lhotse import SupervisionSet

    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"manifest not found: {p}")
    out = {}
    for s in SupervisionSet.from_file(p):
        intent = (s.custom or {}).get("intent")
        if not isinstance(intent, dict):
            raise InputFormatError(f"{p}: supervision {s.id} has no custom['intent'] dict")
        out[s.id] = IntentExample(s.id, intent, s.speaker)
    if not out:
        raise InputFormatError(f"{p}: no supervisions")
    return out


def predict_intents(
    predictor: IntentPredictor,
    recordings_path: str | Path,
    supervisions_path: str | Path,
) -> dict[str, dict[str, Any] | None]:
    """Run ``predictor`` on every supervision segment of a lhotse manifest pair.

    Returns:
        ``{supervision id: predicted intent}`` (``None`` where the model rejected the input).
    """
    from tqdm import tqdm

    from speech.eval.prosody_pairs import load_utterance_audio, utterances_from_manifest

    utts = utterances_from_manifest(recordings_path, supervisions_path)
    out: dict[str, dict[str, Any] | None] = {}
    for uid, utt in tqdm(utts.items(), desc="predicting intents", unit="utt"):
        wav, sr = load_utterance_audio(utt)
        pred = predictor(wav, sr)
        if pred is not None and not isinstance(pred, Mapping):
            raise TypeError(f"intent predictor returned {type(pred).__name__} for {uid}, expected a dict or None")
        out[uid] = None if pred is None else dict(pred)
    return out


def load_intent_predictor(model_dir: str | Path) -> IntentPredictor:
    """Load a trained SLU model as an :data:`IntentPredictor`.

    The loader lives with the models: ``speech.slu.load_intent_predictor(model_dir)``.

    Raises:
        BackendUnavailableError: this installation has no SLU model loader yet.
    """
    try:
        from speech import slu  # optional package, imported on use
    except ImportError as e:
        raise BackendUnavailableError(
            "no SLU model support in this installation (speech.slu is missing); "
            "pass predictions with --pred instead of --model"
        ) from e
    loader = getattr(slu, "load_intent_predictor", None)
    if loader is None:
        raise BackendUnavailableError(
            "speech.slu has no load_intent_predictor(model_dir) yet; pass predictions with --pred"
        )
    return loader(Path(model_dir))


def confusion_rows(report: IntentReport, slot: str) -> list[dict[str, Any]]:
    """A slot's confusion matrix as table rows (reference value x predicted value)."""
    matrix = report.confusion.get(slot, {})
    predicted = sorted({p for row in matrix.values() for p in row})
    return [{"reference": ref, **{p: row.get(p, 0) for p in predicted}} for ref, row in matrix.items()]
