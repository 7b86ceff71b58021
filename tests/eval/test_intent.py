"""Intent accuracy on hand-made references and predictions, with hand-computed expectations."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from lhotse import Recording, RecordingSet, SupervisionSet

from speech.audio.io import save_audio
from speech.cli import main
from speech.data.manifests import make_supervision
from speech.errors import BackendUnavailableError
from speech.eval.errors import InputFormatError, MismatchError
from speech.eval.intent import (
    IntentExample,
    load_intent_predictor,
    predict_intents,
    read_reference_supervisions,
    score_intents,
    slot_correct,
)

REFS = {
    "u1": IntentExample("u1", {"action": "activate", "object": "lights", "location": "kitchen"}, "spk_a"),
    "u2": IntentExample("u2", {"action": "deactivate", "object": "lights", "location": "bedroom"}, "spk_a"),
    "u3": IntentExample("u3", {"action": "increase", "object": "volume", "location": "none"}, "spk_b"),
    "u4": IntentExample("u4", {"action": "activate", "object": "music", "location": "none"}, "spk_b"),
    "u5": IntentExample("u5", {"action": "decrease", "object": "heat", "location": "washroom"}, "spk_b"),
}
PREDS = {
    "u1": {"action": "activate", "object": "lights", "location": "kitchen"},  # all right
    "u2": {"action": "activate", "object": "lights", "location": "bedroom"},  # action wrong
    "u3": {"action": "increase", "object": "volume", "location": "none"},  # all right
    "u4": {"action": "activate", "object": "lamp", "location": "kitchen"},  # object + location wrong
    "u5": {"action": "decrease", "object": "heat"},  # location missing
}


def test_scores_equal_hand_computed_values() -> None:
    r = score_intents(REFS, PREDS)
    assert r.num_utterances == 5
    assert r.accuracy == pytest.approx(2 / 5)
    assert r.slot_accuracy == pytest.approx({"action": 4 / 5, "object": 4 / 5, "location": 3 / 5})
    assert r.per_speaker == {"spk_a": {"utterances": 2, "accuracy": 0.5}, "spk_b": {"utterances": 3, "accuracy": 1 / 3}}
    assert r.errors == ["u2", "u4", "u5"]
    assert r.confusion["action"]["deactivate"] == {"activate": 1}
    assert r.confusion["action"]["activate"] == {"activate": 2}
    assert r.confusion["location"]["washroom"] == {"<missing>": 1}
    assert sum(sum(row.values()) for row in r.confusion["object"].values()) == 5


def test_list_slots_compare_as_multisets() -> None:
    a = [{"type": "date", "filler": "today"}, {"type": "place", "filler": "rome"}]
    assert slot_correct(a, list(reversed(a)))
    assert not slot_correct(a, a[:1])
    refs = {"s1": IntentExample("s1", {"scenario": "alarm", "action": "set", "slots": a})}
    r = score_intents(refs, {"s1": {"scenario": "alarm", "action": "set", "slots": a[::-1]}})
    assert r.accuracy == 1.0 and "slots" not in r.confusion


def test_missing_predictions_are_an_error() -> None:
    with pytest.raises(MismatchError, match="2 reference utterances have no prediction: u4, u5"):
        score_intents(REFS, {k: PREDS[k] for k in ("u1", "u2", "u3")})


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_cli_from_two_jsonl_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref = _write_jsonl(tmp_path / "ref.jsonl", [{"id": k, "intent": v.intent, "speaker": v.speaker} for k, v in REFS.items()])
    pred = _write_jsonl(tmp_path / "pred.jsonl", [{"id": k, "intent": v} for k, v in PREDS.items()])
    out = tmp_path / "intent.json"
    rc = main(["eval", "intent", "--ref", str(ref), "--pred", str(pred), "--confusion", "action",
               "--json", str(out), "--csv", str(tmp_path / "intent.csv")])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "intent accuracy (all slots right): 0.4000" in printed and "deactivate" in printed
    assert json.loads(out.read_text())["slot_accuracy"]["location"] == pytest.approx(0.6)
    assert (tmp_path / "intent.csv").read_text().count("\n") == 6


def test_cli_errors_name_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref = _write_jsonl(tmp_path / "ref.jsonl", [{"id": "u1", "intent": REFS["u1"].intent}])
    bad = tmp_path / "pred.jsonl"
    bad.write_text('{"id": "u1", "intent": {"action": "activate"}}\n{"id": "u2", "intent": \n')
    assert main(["eval", "intent", "--ref", str(ref), "--pred", str(bad)]) == 2
    assert f"{bad}:2: not valid JSON" in capsys.readouterr().err
    with pytest.raises(InputFormatError, match=r"ref\.jsonl:1: 'intent' must be an object"):
        from speech.eval.intent import read_reference_jsonl

        (tmp_path / "ref.jsonl").write_text('{"id": "u1", "intent": "activate_lights"}\n')
        read_reference_jsonl(tmp_path / "ref.jsonl")


@pytest.fixture()
def manifest(tmp_path: Path) -> tuple[Path, Path]:
    recs, sups = [], []
    for i, (uid, ex) in enumerate(REFS.items()):
        wav = np.random.default_rng(i).normal(scale=0.1, size=8000 + 1600 * i).astype(np.float32)
        path = save_audio(tmp_path / f"{uid}.wav", wav, 16000)
        rec = Recording.from_file(path, recording_id=uid)
        recs.append(rec)
        sups.append(make_supervision(id=uid, recording_id=uid, duration=rec.duration, text="-", language="en",
                                     speaker=ex.speaker, intent=ex.intent))
    rp, sp = tmp_path / "recs.jsonl.gz", tmp_path / "sups.jsonl.gz"
    RecordingSet.from_recordings(recs).to_file(rp)
    SupervisionSet.from_segments(sups).to_file(sp)
    return rp, sp


def test_references_from_a_lhotse_manifest(manifest: tuple[Path, Path], tmp_path: Path) -> None:
    _, sp = manifest
    refs = read_reference_supervisions(sp)
    assert refs["u3"].intent == REFS["u3"].intent and refs["u3"].speaker == "spk_b"
    pred = _write_jsonl(tmp_path / "pred.jsonl", [{"id": k, "intent": v} for k, v in PREDS.items()])
    assert main(["eval", "intent", "--supervisions", str(sp), "--pred", str(pred)]) == 0


def test_predictor_interface_runs_on_manifest_audio(manifest: tuple[Path, Path]) -> None:
    rp, sp = manifest
    seen = {}

    def by_length(wav: np.ndarray, sr: int) -> dict:
        # A stand-in model that reads the audio it is given: the clip length picks the intent.
        seen[len(wav)] = sr
        return REFS[f"u{(len(wav) - 8000) // 1600 + 1}"].intent

    preds = predict_intents(by_length, rp, sp)
    assert score_intents(read_reference_supervisions(sp), preds).accuracy == 1.0
    assert sorted(seen) == [8000 + 1600 * i for i in range(5)] and set(seen.values()) == {16000}


def test_a_rejected_utterance_is_scored_wrong(manifest: tuple[Path, Path]) -> None:
    """A model that answers ``None`` (no command it knows) for one of five clips: 4/5 right, no error."""
    rp, sp = manifest

    def rejects_the_shortest(wav: np.ndarray, sr: int) -> dict | None:
        uid = f"u{(len(wav) - 8000) // 1600 + 1}"
        return None if uid == "u1" else REFS[uid].intent

    preds = predict_intents(rejects_the_shortest, rp, sp)
    assert preds["u1"] is None
    assert score_intents(read_reference_supervisions(sp), preds).accuracy == pytest.approx(0.8)


def test_model_loading_goes_through_speech_slu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    import speech

    without_loader = types.ModuleType("speech.slu")
    monkeypatch.setitem(sys.modules, "speech.slu", without_loader)
    monkeypatch.setattr(speech, "slu", without_loader, raising=False)
    with pytest.raises(BackendUnavailableError, match="no load_intent_predictor"):
        load_intent_predictor(tmp_path)

    def loader(model_dir: Path):
        return lambda wav, sr: {"model_dir": str(model_dir)}

    without_loader.load_intent_predictor = loader
    predictor = load_intent_predictor(tmp_path)
    assert predictor(np.zeros(10, dtype=np.float32), 16000) == {"model_dir": str(tmp_path)}


def test_a_rejected_prediction_counts_every_slot_wrong(tmp_path: Path) -> None:
    from speech.eval.intent import read_predictions_jsonl

    pred = _write_jsonl(tmp_path / "pred.jsonl", [{"id": "u1", "intent": None}, {"id": "u2", "intent": REFS["u2"].intent}])
    preds = read_predictions_jsonl(pred)
    assert preds["u1"] == {}
    report = score_intents({k: REFS[k] for k in ("u1", "u2")}, {"u1": None, "u2": REFS["u2"].intent})
    assert report.accuracy == pytest.approx(0.5)
    assert all(v == pytest.approx(0.5) for v in report.slot_accuracy.values())
    with pytest.raises(InputFormatError, match="'intent' must be an object"):
        from speech.eval.intent import read_reference_jsonl

        read_reference_jsonl(pred)  # a reference must name its intent
