"""Label sets: FSC and SLURP-style intents, files, encoding, mismatches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from speech.slu.labels import (
    IntentEncoder,
    LabelSchema,
    LabelSetMismatchError,
    build_label_schema,
    check_label_coverage,
    load_labels,
    save_labels,
)
from speech.slu.model import SLUModel

from .helpers import tiny_slu_config

SLURP = [
    {"scenario": "alarm", "action": "set", "intent": "alarm_set",
     "slots": [{"type": "time", "filler": "five am"}, {"type": "date", "filler": "tomorrow"}]},
    {"scenario": "weather", "action": "query", "intent": "weather_query", "slots": [{"type": "place_name", "filler": "rome"}]},
    {"scenario": "iot", "action": "hue_lightoff", "intent": "iot_hue_lightoff", "slots": []},
]


def test_fsc_schema() -> None:
    schema = build_label_schema([
        {"action": "activate", "object": "lights", "location": "kitchen"},
        {"action": "deactivate", "object": "lights", "location": "none"},
    ])
    assert schema.slots == {"action": ["activate", "deactivate"], "location": ["kitchen", "none"], "object": ["lights"]}
    assert schema.multi_label == {}


def test_slurp_schema_has_intent_and_slot_types() -> None:
    schema = build_label_schema(SLURP)
    assert schema.slots["intent"] == ["alarm_set", "iot_hue_lightoff", "weather_query"]
    assert schema.slots["scenario"] == ["alarm", "iot", "weather"]
    assert schema.multi_label == {"slots": ["date", "place_name", "time"]}
    single, multi = IntentEncoder(schema).encode(SLURP[0], "utt1")
    assert single["intent"] == 0 and multi["slots"] == [2, 0]


def test_slurp_model_predicts_intent_and_slot_types(tmp_path: Path) -> None:
    model = SLUModel(tiny_slu_config(build_label_schema(SLURP))).eval()
    intent, confidence, _ = model.predict([torch.randn(12000).numpy() * 0.1])[0]
    assert intent["intent"] in ["alarm_set", "iot_hue_lightoff", "weather_query"]
    assert isinstance(intent["slots_types"], list) and set(intent["slots_types"]) <= {"date", "place_name", "time"}
    assert 0.5 <= confidence["slots_types"] <= 1.0


def test_label_file_round_trip_and_errors(tmp_path: Path) -> None:
    schema = build_label_schema(SLURP)
    path = save_labels(tmp_path / "labels.json", schema)
    assert load_labels(path) == schema
    (tmp_path / "bad.json").write_text(json.dumps({"slots": {}}))
    with pytest.raises(LabelSetMismatchError, match="not a speech-slu-labels file"):
        load_labels(tmp_path / "bad.json")
    with pytest.raises(LabelSetMismatchError, match="no slots"):
        LabelSchema().check("x")
    with pytest.raises(LabelSetMismatchError, match="both single values and lists"):
        build_label_schema([{"slots": "a"}, {"slots": [{"type": "t"}]}])
    with pytest.raises(LabelSetMismatchError, match="no intents"):
        build_label_schema([])


def test_unknown_values_and_missing_slots_are_named() -> None:
    schema = build_label_schema(SLURP)
    with pytest.raises(LabelSetMismatchError, match=r"u9: intent='music_play' is not in the model's label set"):
        check_label_coverage(schema, [("u1", SLURP[1]), ("u9", {**SLURP[1], "intent": "music_play"})])
    with pytest.raises(LabelSetMismatchError, match="u2: intent has no slot 'scenario'"):
        check_label_coverage(schema, [("u2", {"action": "set", "intent": "alarm_set"})])
    with pytest.raises(LabelSetMismatchError, match="type 'song'"):
        check_label_coverage(schema, [("u3", {**SLURP[0], "slots": [{"type": "song", "filler": "x"}]})])


def test_schema_differences_are_readable() -> None:
    a = LabelSchema(slots={"action": ["a", "b"], "object": ["x"]})
    b = LabelSchema(slots={"action": ["a", "c"], "location": ["none"]})
    diff = a.differences(b)
    assert "slot 'action' values differ (only in the first: ['b']; only in the second: ['c'])" in diff
    assert "slot 'object' only in the first" in diff and "slot 'location' only in the second" in diff
    assert a.differences(a) == []
