"""The real-corpus recipes on tiny copies of the corpora in their real layout (CI runs this).

- ESD TTS and Fluent Speech Commands / SLURP SLU run every stage (``run.sh --smoke``): the
  RESULTS.md figures must parse and lie in their ranges, the training loss must fall, and the
  packaged model must load and work.
- VCTK, LibriTTS-R and CSS10 TTS run stages 1-2 (prepare, split, features, completed training
  config): their later stages are the ESD ones with another config, and every GPU and smoke config
  is validated through the engine's schema (and the TTS ones built) below.
- Errors: a missing corpus folder, a missing earlier stage, a misspelt override and an ASR
  checkpoint of another model type each fail early with a message that names the problem.

The builders of :mod:`speech.testing.corpora` write one to four utterances per speaker; a split into
train/dev/test needs a few more, so each test grows its fixture in the same layout first.
Independent recipe runs go two at a time (the CI machine has two cores).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from speech.testing.corpora import (
    CorpusFixture,
    make_css10,
    make_esd,
    make_fsc,
    make_libritts_r,
    make_slurp,
    make_vctk,
    utterance_audio,
    write_audio,
)

from .pyscripts import load_pyscript

ROOT = Path(__file__).resolve().parents[2]
RECIPES = ROOT / "recipes"
TTS_RECIPES = ("vctk", "libritts_r", "esd", "css10")
SLU_RECIPES = ("fsc", "slurp")


def run_recipe(recipe: str, *args: str | Path, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    """``recipes/<recipe>/run.sh ARGS`` with ``speech`` and the pyscripts on this interpreter."""
    env = dict(os.environ, SPEECH=f"{sys.executable} -m speech.cli", PYTHON=sys.executable, OMP_NUM_THREADS="1")
    return subprocess.run(["bash", str(RECIPES / recipe / "run.sh"), *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=timeout)


def run_parallel(jobs: list[tuple[str, tuple[str | Path, ...]]]) -> list[subprocess.CompletedProcess[str]]:
    """Several recipe runs, two at a time."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda job: run_recipe(job[0], *job[1]), jobs))


def smoke_args(fixture: CorpusFixture, tmp: Path) -> tuple[str | Path, ...]:
    return ("--smoke", "--corpus-dir", fixture.root, "--data", tmp / "data", "--exp", tmp / "exp", "--workers", "1")


def check(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stderr[-4000:]


def table_rows(markdown: str, header_start: str) -> list[dict[str, str]]:
    """The rows of the markdown table whose header line starts with ``header_start``."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    keys = [c.strip() for c in lines[start].strip("|").split("|")]
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append(dict(zip(keys, (c.strip() for c in line.strip("|").split("|")))))
    return rows


# --------------------------------------------------------------------------------------------------
# Fixture growth, in each corpus's own layout


def grow_vctk(fixture: CorpusFixture) -> None:
    """Two more sentences per speaker (4 each)."""
    texts = ["Six spoons of fresh snow peas.", "We also need a small plastic snake."]
    for n, spk in enumerate(("p225", "p226", "p294")):
        gender = "m" if spk == "p226" else "f"
        for k, text in enumerate(texts, 3):
            utt = f"{spk}_{k:03d}"
            (fixture.root / "txt" / spk / f"{utt}.txt").write_text(text + "\n", encoding="utf-8")
            wav = utterance_audio(text, 48000, "en", gender, n)
            for mic in ("mic1", "mic2"):
                write_audio(fixture.root / "wav48_silence_trimmed" / spk / f"{utt}_{mic}.flac", wav, 48000)


def grow_libritts_r(fixture: CorpusFixture) -> None:
    """Speaker 84 (dev-clean) gets 5 utterances, speaker 1089 (test-clean) 2."""
    extra = {
        ("dev-clean", "84", "121123", "f"): ["The morning was bright and cold.", "She closed the book and smiled.",
                                             "Nobody answered the letter."],
        ("test-clean", "1089", "134686", "m"): ["The fire had burned low in the grate."],
    }
    for (part, spk, chapter, gender), texts in extra.items():
        folder = fixture.root / part / spk / chapter
        for k, text in enumerate(texts, 20):
            utt = f"{spk}_{chapter}_{k:06d}_000000"
            (folder / f"{utt}.original.txt").write_text(text, encoding="utf-8")
            (folder / f"{utt}.normalized.txt").write_text(text, encoding="utf-8")
            write_audio(folder / f"{utt}.wav", utterance_audio(text, 24000, "en", gender), 24000)
            with (folder / f"{spk}_{chapter}.trans.tsv").open("a", encoding="utf-8") as f:
                f.write(f"{utt}\t{text}\t{text}\n")
            with (folder / f"{spk}_{chapter}.book.tsv").open("a", encoding="utf-8") as f:
                f.write(f"{utt}\t{text}\t{text}\ttrue\t21.5\n")


def grow_css10(fixture: CorpusFixture) -> None:
    """German and Japanese get 4 utterances each."""
    extra = {("german", "de", "achtgesichterambiwasse"): ["Das Haus stand am Ende der Straße.", "Wir gingen früh nach Hause."],
             ("japanese", "ja", "meian"): ["今日は良い天気です。", "駅まで歩きました。", "本を読んでいます。"]}
    for (folder, code, book), texts in extra.items():
        lines = []
        start = len((fixture.root / folder / "transcript.txt").read_text(encoding="utf-8").splitlines())
        for k, text in enumerate(texts, start):
            rel = f"{book}/{book}_{k:04d}.wav"
            wav = utterance_audio(text * 2, 22050, code, "m", k)
            write_audio(fixture.root / folder / rel, wav, 22050)
            lines.append(f"{rel}|{text}|{text}|{wav.size / 22050:.2f}\n")
        with (fixture.root / folder / "transcript.txt").open("a", encoding="utf-8") as f:
            f.writelines(lines)


# (split, speaker, text, action, object, location): two intents to learn, plus the fixture's own rows.
_FSC_ROWS = [
    ("train", "2BqVo8kVB2Skwgyb", "Switch on the lights", "activate", "lights", "none"),
    ("train", "2BqVo8kVB2Skwgyb", "Lights on", "activate", "lights", "none"),
    ("train", "2BqVo8kVB2Skwgyb", "Make it warmer in the kitchen", "increase", "heat", "kitchen"),
    ("train", "2BqVo8kVB2Skwgyb", "Kitchen heat up", "increase", "heat", "kitchen"),
    ("valid", "4aGjX3AG5xcxeL7a", "Turn the lights on", "activate", "lights", "none"),
    ("valid", "4aGjX3AG5xcxeL7a", "Heat up the kitchen", "increase", "heat", "kitchen"),
    ("test", "52XVOeXMXYuaElyw", "Lights on please", "activate", "lights", "none"),
    ("test", "52XVOeXMXYuaElyw", "Turn up the heat in the kitchen please", "increase", "heat", "kitchen"),
]


def grow_fsc(fixture: CorpusFixture) -> None:
    """Eight more commands: train 6, valid 3, test 3 in all."""
    genders = {"2BqVo8kVB2Skwgyb": "f", "4aGjX3AG5xcxeL7a": "m", "52XVOeXMXYuaElyw": "m"}
    for n, (split, spk, text, action, obj, location) in enumerate(_FSC_ROWS, 100):
        uid = f"{n:08x}-5555-11e9-a9a5-5dbec3b8816a"
        rel = f"wavs/speakers/{spk}/{uid}.wav"
        write_audio(fixture.root / rel, utterance_audio(text, 16000, "en", genders[spk], n), 16000)
        table = fixture.root / "data" / f"{split}_data.csv"
        index = len(table.read_text(encoding="utf-8").splitlines()) - 1
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow([index, rel, spk, text, action, obj, location])
        with table.open("a", encoding="utf-8") as f:
            f.write(out.getvalue())


def grow_slurp(fixture: CorpusFixture) -> None:
    """Two more training sentences and one more devel sentence (headset recordings)."""
    extra = {
        "train": [(5001, "wake me up at seven", "wake me up at [time : seven]", "alarm", "set", "UA1"),
                  (5002, "order me some pizza", "order me some [food_type : pizza]", "takeaway", "order", "UB7")],
        "devel": [(5003, "set an alarm for eight", "set an alarm for [time : eight]", "alarm", "set", "UC2")],
    }
    json_dir = fixture.root / "dataset" / "slurp"
    metadata = json.loads((json_dir / "metadata.json").read_text(encoding="utf-8"))
    for name, items in extra.items():
        with (json_dir / f"{name}.jsonl").open("a", encoding="utf-8") as f:
            for slurp_id, sentence, annotation, scenario, action, user in items:
                file = f"audio-{1600000000 + slurp_id}-headset.flac"
                write_audio(fixture.root / "audio" / "slurp_real" / file,
                            utterance_audio(sentence, 16000, "en", "m", slurp_id), 16000)
                f.write(json.dumps({
                    "slurp_id": slurp_id, "sentence": sentence, "sentence_annotation": annotation,
                    "intent": f"{scenario}_{action}", "action": action, "scenario": scenario, "entities": [],
                    "tokens": [{"surface": w, "id": i, "lemma": w, "pos": "NN"} for i, w in enumerate(sentence.split())],
                    "recordings": [{"file": file, "wer": 0.0, "ent_wer": 0.0, "status": "correct"}],
                }) + "\n")
                metadata[str(slurp_id)] = {"recordings": {file: {"usrid": user, "status": "correct"}}}
    (json_dir / "metadata.json").write_text(json.dumps(metadata), encoding="utf-8")


# --------------------------------------------------------------------------------------------------
# Full smoke runs


@pytest.mark.heavy
def test_esd_tts_recipe_runs_every_stage(tmp_path: Path) -> None:
    from speech.tts.synthesizer import Synthesizer

    fixture = make_esd(tmp_path / "src")
    check(run_recipe("esd/tts", *smoke_args(fixture, tmp_path)))
    exp = tmp_path / "exp_smoke"
    results = (exp / "RESULTS.md").read_text(encoding="utf-8")
    assert not (RECIPES / "esd" / "tts" / "RESULTS.md").exists() or "smoke" not in (
        RECIPES / "esd" / "tts" / "RESULTS.md").read_text()  # a smoke run never overwrites the recipe's results

    data = {r["split"]: r for r in table_rows(results, "| split |")}
    assert {k: int(v["utterances"]) for k, v in data.items()} == {"train": 4, "dev": 2, "test": 2}
    assert data["train"]["languages"] == "cmn en-us"
    (model,) = table_rows(results, "| model | parameters |")
    first, last = float(model["train mel L1 (first)"]), float(model["train mel L1 (last)"])
    assert 0 < last < first  # the acoustic model learned something in its few steps
    evaluation = {r["set"]: r for r in table_rows(results, "| model | set |")}
    assert set(evaluation) == {"in_language", "cross_lingual", "emotion"}  # two languages, two emotions
    for row in evaluation.values():
        for key in ("sim_target", "sim_other"):
            if row[key]:
                assert -1.0 <= float(row[key]) <= 1.0
        for key in ("speaker_id_correct", "emotion_correct"):
            if row[key]:
                assert 0.0 <= float(row[key]) <= 1.0
    assert 0 < float(evaluation["in_language"]["mcd"]) < 40
    assert int(evaluation["emotion"]["clips"]) == 2  # one angry clip per voice, in its other language

    synth = Synthesizer.from_pretrained(exp / "synth_adv")
    assert synth.languages == ["cmn", "en-us"] and synth.emotions == ["neutral", "angry"]
    assert synth.speakers == ["esd_0001", "esd_0011"]
    wav, rate = synth.synthesize("It is raining.", "en-us", "esd_0001", emotion="angry")
    assert rate == 22050 and wav.ndim == 1 and wav.size > rate // 10
    assert float(abs(wav).max()) > 0


def tiny_asr_model(out: Path) -> Path:
    """A saved (randomly initialised) ASR model with a tiny encoder, as stage 2 would be given."""
    import torch

    from speech.asr.model import ASRConfig, ASRModel
    from speech.asr.tokens import BLANK, CTCConfig
    from speech.testing.slu_audio import tiny_encoder_config

    torch.manual_seed(0)
    tokens = [BLANK, *"abcdefghijklmnopqrstuvwxyz '"]
    return ASRModel(ASRConfig(encoder=tiny_encoder_config(dim=24), ctc=CTCConfig(tokens=tokens))).save_pretrained(out)


@pytest.mark.heavy
def test_slu_recipes_run_every_stage(tmp_path: Path) -> None:
    """FSC with its encoder from an ASR model (stage 2), SLURP from scratch; then the errors."""
    from speech.asr.model import ASRModel
    from speech.slu.inference import SLUPredictor

    fsc, slurp = make_fsc(tmp_path / "fsc" / "src"), make_slurp(tmp_path / "slurp" / "src")
    grow_fsc(fsc)
    grow_slurp(slurp)
    asr = tiny_asr_model(tmp_path / "asr")
    fsc_run, slurp_run = run_parallel([("fsc/slu", (*smoke_args(fsc, tmp_path / "fsc"), "--asr-model", asr)),
                                       ("slurp/slu", smoke_args(slurp, tmp_path / "slurp"))])
    check(fsc_run)
    check(slurp_run)
    assert "conformer encoder, 1 blocks x 24, 29 CTC tokens (char)" in fsc_run.stdout  # stage 2's check
    assert "no --asr-model: the SLU encoder trains from scratch" in slurp_run.stderr

    for name, slots, n_test in (("fsc", ["action", "location", "object"], 3),
                                ("slurp", ["action", "intent", "scenario", "slots_types"], 1)):
        exp = tmp_path / name / "exp_smoke"
        results = (exp / "RESULTS.md").read_text(encoding="utf-8")
        (test,) = table_rows(results, "| utterances |")
        assert int(test["utterances"]) == n_test
        assert 0.0 <= float(test["intent accuracy"]) <= 1.0
        assert 0.0 <= float(test["majority-class baseline"]) <= 1.0
        per_slot = {r["slot"]: float(r["accuracy"]) for r in table_rows(results, "| slot |")}
        assert sorted(per_slot) == slots and all(0.0 <= a <= 1.0 for a in per_slot.values())
        (model,) = table_rows(results, "| parameters |")
        assert float(model["train loss (last)"]) < float(model["train loss (first)"])
        report = json.loads((exp / "eval" / "intent.json").read_text())
        assert report["accuracy"] == pytest.approx(float(test["intent accuracy"]), abs=1e-4)

    fsc_results = (tmp_path / "fsc" / "exp_smoke" / "RESULTS.md").read_text(encoding="utf-8")
    assert f"Encoder: initialised from the asr model `{asr}`." in fsc_results
    assert "Encoder: trained from scratch." in (tmp_path / "slurp" / "exp_smoke" / "RESULTS.md").read_text()

    # The FSC model loads, has the ASR model's encoder architecture (24 dims, not the config's 32),
    # and predicts the three slots of a test command.
    predictor = SLUPredictor.from_pretrained(tmp_path / "fsc" / "exp_smoke" / "slu" / "model")
    assert predictor.model.config.encoder.espnet == ASRModel.config_from_pretrained(asr).encoder.espnet
    wav = next(e.audio for e in fsc.utterances.values() if e.split == "test")
    (prediction,) = predictor.predict_files([wav])
    assert set(prediction.intent) == {"action", "object", "location"}
    assert 0.0 < prediction.confidence <= 1.0
    # SLURP references are scored on what the model predicts: scenario, action, intent, entity types.
    ref = json.loads((tmp_path / "slurp" / "exp_smoke" / "eval" / "ref.jsonl").read_text().splitlines()[0])
    assert ref["intent"] == {"action": "query", "intent": "email_query", "scenario": "email", "slots_types": []}

    # Errors that name the problem: a misspelt override, and an "ASR model" that is an SLU model.
    fsc_args = ("--smoke", "--data", tmp_path / "fsc" / "data", "--exp", tmp_path / "fsc" / "exp")
    typo = run_recipe("fsc/slu", *fsc_args, "--stage", "3", "--stop-stage", "3", "trainer.max_step=3")
    assert typo.returncode != 0
    assert "unknown config key 'trainer.max_step' (did you mean 'trainer.max_steps'?)" in typo.stderr
    wrong = run_recipe("fsc/slu", *fsc_args, "--stage", "2", "--stop-stage", "2",
                       "--asr-model", tmp_path / "fsc" / "exp_smoke" / "slu" / "model")
    assert wrong.returncode == 2
    assert re.search(r"holds a 'speech_slu' model, but ASRModel loads 'speech_asr_ctc' models", wrong.stderr), wrong.stderr[-2000:]


@pytest.mark.heavy
def test_slu_recipe_on_the_whisper_encoder(tmp_path: Path) -> None:
    """``--encoder whisper``: every stage of FSC on Whisper-base's frozen encoder; clear option errors."""
    from speech.slu.inference import SLUPredictor

    fsc = make_fsc(tmp_path / "fsc" / "src")
    grow_fsc(fsc)
    run = run_recipe("fsc/slu", *smoke_args(fsc, tmp_path / "fsc"), "--encoder", "whisper")
    check(run)
    exp = tmp_path / "fsc" / "exp_smoke"
    results = (exp / "RESULTS.md").read_text(encoding="utf-8")
    assert "Encoder: Whisper-base (frozen)." in results and "slu_whisper_smoke.yaml" in results
    (test,) = table_rows(results, "| utterances |")
    assert int(test["utterances"]) == 3 and 0.0 <= float(test["intent accuracy"]) <= 1.0
    predictor = SLUPredictor.from_pretrained(exp / "slu" / "model")
    assert predictor.model.config.encoder.kind == "whisper" and predictor.sample_rate == 16000
    # Only the head is saved: the encoder comes back from the assembled Whisper-base, sha256-checked.
    assert (exp / "slu" / "model" / "model.safetensors").stat().st_size < 2_000_000
    wav = next(e.audio for e in fsc.utterances.values() if e.split == "test")
    (prediction,) = predictor.predict_files([wav])
    assert set(prediction.intent) == {"action", "object", "location"}

    args = ("--smoke", "--data", tmp_path / "fsc" / "data", "--exp", tmp_path / "fsc" / "exp", "--stage", "3")
    both = run_recipe("fsc/slu", *args, "--encoder", "whisper", "--asr-model", exp / "slu" / "model")
    assert both.returncode == 2 and "--asr-model and --encoder whisper both choose the encoder" in both.stderr
    other = run_recipe("fsc/slu", *args, "--encoder", "wav2vec")
    assert other.returncode == 2 and "--encoder must be own or whisper, got 'wav2vec'" in other.stderr


# --------------------------------------------------------------------------------------------------
# Stages 1-2 of the other TTS recipes


@pytest.mark.heavy
def test_tts_recipes_prepare_split_and_featurise(tmp_path: Path) -> None:
    fixtures = {"vctk": make_vctk(tmp_path / "vctk" / "src"), "libritts_r": make_libritts_r(tmp_path / "libritts_r" / "src"),
                "css10": make_css10(tmp_path / "css10" / "src")}
    grow_vctk(fixtures["vctk"])
    grow_libritts_r(fixtures["libritts_r"])
    grow_css10(fixtures["css10"])
    jobs = [(f"{name}/tts", (*smoke_args(fx, tmp_path / name), "--stop-stage", "2")) for name, fx in fixtures.items()]
    for result in run_parallel(jobs):
        check(result)

    expected = {
        # split counts, training speakers, languages
        "vctk": ({"train": 4, "dev": 2, "test": 2, "heldout": 4}, 2, ["en-gb"]),  # p294 (en-us) held out
        "libritts_r": ({"train": 3, "dev": 1, "test": 1, "heldout": 2}, 1, ["en-us"]),
        "css10": ({"train": 4, "dev": 2, "test": 2, "heldout": 0}, 2, ["de", "ja"]),
    }
    for name, (counts, n_speakers, languages) in expected.items():
        data, exp = tmp_path / name / "data_smoke", tmp_path / name / "exp_smoke"
        info = json.loads((data / "splits" / "split_info.json").read_text())
        assert info["counts"] == counts, name
        config = yaml.safe_load((exp / "configs" / "tts_smoke.yaml").read_text())
        model = config["task_conf"]["model"]
        assert len(model["speakers"]) == n_speakers and sorted(model["languages"]) == languages, name
        assert not set(info["heldout_speakers"]) & set(model["speakers"])  # held-out voices are never trained
        assert Path(config["data"]["train_cuts"]).is_file() and Path(config["data"]["valid_cuts"]).is_file()
        assert config["task_conf"]["model"]["vocab_size"] > 100


# --------------------------------------------------------------------------------------------------
# Configs and errors (fast)


def _recipe_configs() -> list[Path]:
    return sorted(p for r in (*(f"{c}/tts" for c in TTS_RECIPES), *(f"{c}/slu" for c in SLU_RECIPES))
                  for p in (RECIPES / r / "conf").glob("*.yaml"))


@pytest.mark.parametrize("path", _recipe_configs(), ids=lambda p: f"{p.parts[-4]}/{p.name}")
def test_recipe_configs_fit_the_engine_schema(path: Path, tmp_path: Path) -> None:
    """Every config loads through the engine's schema (unknown keys fail), with the right device."""
    from speech.train.config import load_config
    from speech.train.registry import TASKS
    from speech.train.schema import TrainConfig

    overrides = ["data.train_cuts=x.jsonl.gz", "data.valid_cuts=y.jsonl.gz"]
    config = load_config(TrainConfig, path, overrides)
    assert isinstance(config.task_conf, TASKS.resolve(config.task).config_class)  # typed, every key checked
    smoke = path.stem.endswith("_smoke")
    assert config.trainer.accelerator == ("cpu" if smoke else "gpu")
    assert config.trainer.precision == ("32-true" if smoke else "bf16-mixed")
    assert config.trainer.max_steps <= 20 if smoke else config.trainer.max_steps >= 5000
    if config.task == "tts":
        from speech.tts.model import AcousticModel

        params = sum(p.numel() for p in AcousticModel(config.task_conf.model).parameters())
        assert (params < 5e5) if smoke else (5e6 < params < 1e8), params
        single_class = path.parts[-4] in ("vctk", "libritts_r", "css10")
        # Only ESD has emotion labels: elsewhere the one-class emotion classifier is switched off.
        assert (config.task_conf.model.emotion.encoder_weight == 0.0) == single_class


@pytest.mark.parametrize("recipe", [f"{c}/tts" for c in TTS_RECIPES] + [f"{c}/slu" for c in SLU_RECIPES])
def test_missing_corpus_dir_fails_before_any_work(recipe: str, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    result = run_recipe(recipe, "--corpus-dir", missing, "--data", tmp_path / "d", "--exp", tmp_path / "e")
    assert result.returncode == 2
    assert f"--corpus-dir {missing} does not exist (expected the folder " in result.stderr
    assert not (tmp_path / "d").exists()
    result = run_recipe(recipe, "--data", tmp_path / "d", "--exp", tmp_path / "e")
    assert result.returncode == 2 and "stage 1 needs --corpus-dir DIR" in result.stderr
    later = run_recipe(recipe, "--stage", "3", "--data", tmp_path / "d", "--exp", tmp_path / "e")
    assert later.returncode == 2 and "not found: run stage" in later.stderr and "first (--stage" in later.stderr
    bad = run_recipe(recipe, "--stage", "9")
    assert bad.returncode == 2 and "stages run from 1 to" in bad.stderr
    bad = run_recipe(recipe, "--corpus-dir")
    assert bad.returncode == 2 and "--corpus-dir needs a value" in bad.stderr


# --------------------------------------------------------------------------------------------------
# The split planner (pure)


def test_split_plan_keeps_training_speakers_and_holds_out_whole_voices() -> None:
    split = load_pyscript("split_corpus")
    utts = [split.Utterance(f"{s}_{k:02d}", s, "en" if s < "s3" else "de", "all") for s in ("s1", "s2", "s3", "s4")
            for k in range(10)]
    options = split.SplitOptions(dev_per_speaker=2, test_per_speaker=3, heldout_speakers=1, seed=7)
    plan = split.plan_split(utts, options)
    assert plan == split.plan_split(list(reversed(utts)), options)  # input order does not matter
    held = {u.speaker for u in utts if plan[u.id] == "heldout"}
    assert len(held) == 1
    for spk in {u.speaker for u in utts} - held:
        mine = [plan[u.id] for u in utts if u.speaker == spk]
        assert (mine.count("train"), mine.count("dev"), mine.count("test")) == (5, 2, 3)
    # Few utterances: training keeps its minimum, dev and test take what is left.
    few = [split.Utterance(f"a_{k}", "a", "en", "all") for k in range(2)]
    assert sorted(split.plan_split(few, split.SplitOptions(dev_per_speaker=1, test_per_speaker=1)).values()) == [
        "test", "train"]
    # Sampling alternates languages: two speakers from a bilingual pool are one of each.
    sample = split.plan_split(utts, split.SplitOptions(max_speakers=2, max_per_speaker=3))
    kept = {u.speaker for u in utts if u.id in sample}
    assert kept == {"s1", "s3"} and len(sample) == 6
    # Whole-split assignment, and a clear error for a bad target.
    assigned = split.plan_split(utts[:3], split.SplitOptions(assign={"all": "heldout"}))
    assert set(assigned.values()) == {"heldout"}
    with pytest.raises(split.SplitError, match="the target must be one of train, dev, test, heldout or drop"):
        split.plan_split(utts, split.SplitOptions(assign={"all": "valid"}))
    with pytest.raises(split.SplitError, match="would leave no training speaker"):
        split.plan_split(utts, split.SplitOptions(heldout_speakers=4))


def test_slurp_references_are_restricted_to_what_the_model_predicts() -> None:
    tools = load_pyscript("slu_tools")
    intent = {"scenario": "qa", "action": "currency", "intent": "qa_currency",
              "slots": [{"type": "currency_name", "filler": "yen"}, {"type": "currency_name", "filler": "euro"},
                        {"type": "date", "filler": "today"}]}
    restricted = tools.restrict_intent(intent, ["action", "intent", "scenario"], ["slots"])
    assert restricted == {"action": "currency", "intent": "qa_currency", "scenario": "qa",
                          "slots_types": ["currency_name", "date"]}
    fsc = {"action": "activate", "object": "lights", "location": "none"}
    assert tools.restrict_intent(fsc, ["action", "location", "object"], []) == fsc
