"""YAML -> typed dataclasses, overrides, registry choices, and their error messages."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from speech.errors import SpeechError
from speech.testing.tones import ToneClassifierTaskConfig, ToneGanTaskConfig
from speech.train.config import (
    Registry,
    apply_overrides,
    diff_configs,
    dump_yaml,
    from_dict,
    load_config,
    load_yaml,
    parse_override,
    parse_yaml,
    to_dict,
)
from speech.train.errors import ConfigError
from speech.train.registry import TASKS
from speech.train.schema import OptimConfig, TrainConfig


@dataclass(kw_only=True)
class Inner:
    lr: float = 1e-3
    steps: int = 10
    name: Literal["adam", "sgd"] = "adam"
    betas: tuple[float, float] = (0.9, 0.99)
    tags: list[str] = field(default_factory=list)
    limit: int | None = None


@dataclass(kw_only=True)
class Outer:
    required: str
    inner: Inner = field(default_factory=Inner)
    flag: bool = False
    path: Path = Path("x")
    table: dict[str, int] = field(default_factory=dict)


# -- overrides ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "keys", "value"),
    [
        ("optim.lr=1e-3", ("optim", "lr"), 1e-3),
        ("trainer.max_steps=10", ("trainer", "max_steps"), 10),
        ("a=true", ("a",), True),
        ("a=null", ("a",), None),
        ("a=", ("a",), None),
        ("a=adam", ("a",), "adam"),
        ("a='10'", ("a",), "10"),
        ("a=[0.9, 0.98]", ("a",), [0.9, 0.98]),
        ("a.b_c.d2=-2.5E+2", ("a", "b_c", "d2"), -250.0),
        ("x=a=b", ("x",), "a=b"),
    ],
)
def test_parse_override_types_values_as_yaml(text: str, keys: tuple[str, ...], value: object) -> None:
    parsed_keys, parsed = parse_override(text)
    assert parsed_keys == keys
    assert parsed == value and type(parsed) is type(value)


@pytest.mark.parametrize("text", ["optim.lr", "=3", ".a=1", "a..b=1", "a b=1", "1a=2"])
def test_malformed_override_is_refused(text: str) -> None:
    with pytest.raises(ConfigError, match="override"):
        parse_override(text)


@given(st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_float_overrides_round_trip(x: float) -> None:
    assert parse_override(f"a={x!r}")[1] == x


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_int_overrides_round_trip(x: int) -> None:
    assert parse_override(f"a={x}")[1] == x


def test_apply_overrides_copies_and_creates_levels() -> None:
    data = {"inner": {"lr": 0.1}, "required": "r"}
    out = apply_overrides(data, ["inner.steps=5", "table.a=1"])
    assert out == {"inner": {"lr": 0.1, "steps": 5}, "required": "r", "table": {"a": 1}}
    assert data == {"inner": {"lr": 0.1}, "required": "r"}  # input untouched


def test_override_into_a_scalar_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"'inner\.lr' holds 0\.1, not a mapping"):
        apply_overrides({"inner": {"lr": 0.1}}, ["inner.lr.x=1"])


# -- typing -------------------------------------------------------------------------------------


def test_from_dict_fills_nested_typed_dataclasses() -> None:
    cfg = from_dict(Outer, {"required": "r", "inner": {"lr": 1, "betas": [0.5, 0.6], "tags": ["a"]}, "path": "p/q"})
    assert cfg.inner.lr == 1.0 and isinstance(cfg.inner.lr, float)
    assert cfg.inner.betas == (0.5, 0.6)
    assert cfg.inner.tags == ["a"]
    assert cfg.path == Path("p/q")
    assert cfg.inner.steps == 10 and cfg.flag is False


def test_unknown_key_names_full_key_and_suggests_close_one() -> None:
    with pytest.raises(ConfigError) as e:
        from_dict(Outer, {"required": "r", "inner": {"lrr": 0.1}}, source="conf.yaml")
    message = str(e.value)
    assert "conf.yaml" in message
    assert "unknown config key 'inner.lrr'" in message
    assert "did you mean 'inner.lr'" in message


def test_unknown_key_far_from_any_gives_the_valid_keys() -> None:
    with pytest.raises(ConfigError, match="valid keys here: lr, steps, name, betas, tags, limit") as e:
        from_dict(Outer, {"required": "r", "inner": {"zzzzzz": 1}})
    assert "did you mean" not in str(e.value)


@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        ({"required": "r", "inner": {"steps": "ten"}}, r"'inner\.steps' expects an integer, got 'ten'"),
        ({"required": "r", "inner": {"steps": 2.5}}, r"'inner\.steps' expects an integer"),
        ({"required": "r", "inner": {"steps": True}}, r"'inner\.steps' expects an integer"),
        ({"required": "r", "flag": 1}, r"'flag' expects true or false"),
        ({"required": "r", "inner": {"lr": "fast"}}, r"'inner\.lr' expects a number"),
        ({"required": "r", "inner": {"name": "adamw"}}, r"'inner\.name' expects one of \['adam', 'sgd'\] \(did you mean 'adam'\?\)"),
        ({"required": "r", "inner": {"betas": [0.9]}}, r"'inner\.betas' expects a list of 2 items"),
        ({"required": "r", "inner": {"tags": "a"}}, r"'inner\.tags' expects a list"),
        ({"required": "r", "inner": {"limit": "x"}}, r"'inner\.limit' expects int or NoneType"),
        ({"required": "r", "table": {"a": "b"}}, r"'table\.a' expects an integer"),
        ({"required": 3}, r"'required' expects a string"),
        ({"inner": {}}, r"missing required config key 'required'"),
        ({"required": "r", "inner": 5}, r"inner must be a mapping"),
    ],
)
def test_wrong_types_are_refused(data: dict, pattern: str) -> None:
    with pytest.raises(ConfigError, match=pattern):
        from_dict(Outer, data)


def test_config_errors_are_speech_errors_and_value_errors() -> None:
    with pytest.raises(SpeechError):
        from_dict(Outer, {})
    with pytest.raises(ValueError):
        from_dict(Outer, {})


# -- YAML ---------------------------------------------------------------------------------------


def test_yaml_reads_exponent_floats_as_floats() -> None:
    # PyYAML alone reads "1e-3" as a string (YAML 1.1); every LR in the field is written that way.
    assert parse_yaml("lr: 1e-3\nb: 5E2\nc: 1.5\nd: 7\ne: .5\nf: 1_000") == {
        "lr": 1e-3, "b": 500.0, "c": 1.5, "d": 7, "e": 0.5, "f": 1000,
    }


def test_load_yaml_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="config file not found"):
        load_yaml(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1, 2\n")
    with pytest.raises(ConfigError, match="bad.yaml: not valid YAML"):
        load_yaml(bad)
    listing = tmp_path / "list.yaml"
    listing.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load_yaml(listing)
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert load_yaml(empty) == {}


# -- the run config and the task registry --------------------------------------------------------


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "train.yaml"
    path.write_text(text)
    return path


def test_train_config_fills_the_chosen_task_conf(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "task: speech.testing.tones:ToneClassifierTask\ntask_conf:\n  model: {hidden: 8}\ndata: {train_cuts: a.jsonl.gz}\n",
    )
    cfg = load_config(TrainConfig, path, ["optim.lr=2e-4", "task_conf.label_smoothing=0.1"])
    assert isinstance(cfg.task_conf, ToneClassifierTaskConfig)
    assert cfg.task_conf.model.hidden == 8 and cfg.task_conf.model.num_mel_bins == 40
    assert cfg.task_conf.label_smoothing == 0.1
    assert cfg.optim.lr == 2e-4 and cfg.trainer.max_steps == 1000
    gan = load_config(TrainConfig, path, ["task=speech.testing.tones:ToneGanTask", "task_conf={}"])
    assert isinstance(gan.task_conf, ToneGanTaskConfig)
    assert isinstance(gan.task_conf.generator_optim, OptimConfig)


def test_unknown_task_suggests_registered_name(tmp_path: Path) -> None:
    path = _write(tmp_path, "task: asr_ct\ndata: {train_cuts: a}\n")
    with pytest.raises(ConfigError, match=r"unknown task 'asr_ct' \(did you mean 'asr_ctc'\?\)"):
        load_config(TrainConfig, path)


def test_unknown_key_in_task_conf_and_override_are_named(tmp_path: Path) -> None:
    path = _write(tmp_path, "task: speech.testing.tones:ToneClassifierTask\ntask_conf: {model: {hiden: 3}}\ndata: {train_cuts: a}\n")
    with pytest.raises(ConfigError, match=r"'task_conf\.model\.hiden' \(did you mean 'task_conf\.model\.hidden'\?\)"):
        load_config(TrainConfig, path)
    ok = _write(tmp_path, "task: speech.testing.tones:ToneClassifierTask\ndata: {train_cuts: a}\n")
    with pytest.raises(
        ConfigError, match=r"train\.yaml \+ overrides: unknown config key 'trainer\.max_step' \(did you mean 'trainer\.max_steps'"
    ):
        load_config(TrainConfig, ok, ["trainer.max_step=3"])


def test_missing_required_data_key(tmp_path: Path) -> None:
    path = _write(tmp_path, "task: speech.testing.tones:ToneClassifierTask\ndata: {valid_cuts: v}\n")
    with pytest.raises(ConfigError, match="missing required config key 'data.train_cuts'"):
        load_config(TrainConfig, path)


def test_resolved_config_round_trips_through_yaml(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "task: speech.testing.tones:ToneGanTask\ndata: {train_cuts: a}\ntrainer: {precision: bf16-mixed, devices: auto}\n"
    )
    cfg = load_config(TrainConfig, path)
    dumped = tmp_path / "dumped.yaml"
    dumped.write_text(dump_yaml(cfg))
    again = load_config(TrainConfig, dumped)
    assert again == cfg
    assert to_dict(again)["task_conf"]["generator_optim"]["betas"] == [0.5, 0.9]
    assert diff_configs(to_dict(cfg), to_dict(again)) == []
    assert diff_configs(to_dict(cfg), to_dict(load_config(TrainConfig, dumped, ["optim.lr=0.5"]))) == ["optim.lr"]


def test_registry_takes_module_paths_and_checks_the_base_class() -> None:
    cls = TASKS.resolve("speech.testing.tones:ToneClassifierTask")
    assert cls.config_class is ToneClassifierTaskConfig
    with pytest.raises(ConfigError, match="does not subclass speech.train.task:Task"):
        TASKS.resolve("speech.testing.tones:ToneClassifier")
    with pytest.raises(ConfigError, match="cannot import module 'no_such_module'"):
        TASKS.resolve("no_such_module:Thing")
    with pytest.raises(ConfigError, match="has no attribute 'Nope'"):
        TASKS.resolve("speech.testing.tones:Nope")
    local = Registry("widget", {"w": "math:pi"})
    with pytest.raises(ConfigError, match="is not a class"):
        local.resolve("w")
    assert "slu" in TASKS and TASKS.names() == sorted(TASKS.names())
    assert "tone_gan" not in TASKS  # toy tasks are named by module:Class, not registered
    assert math.isclose(from_dict(Inner, {"lr": 3}).lr, 3.0)
