"""Study code of recipes/bootstrap/dub: paired utterances, dubs, baselines, RESULTS.md.

Stages (each resumes what it finds on disk):

- ``pairs``: the bootstrap sentence lists are parallel (line *i* says the same thing in every
  language). For each language pair, sentence *i* is read by a bootstrap voice of the source
  language (with a bootstrap emotion style drawn as the corpus draws them) and, as the
  "human translation", by a voice of the target language with the same style.
- ``dub``: ``speech.dub`` on every source with the target sentence (source transcript given),
  saving the dub, the plain synthesis and the report; the reference translation's profile too.
- ``cer``: Whisper-base (faster-whisper, the assembled asset) transcribes dub and plain; CER
  against the target sentence.
- ``table``: RESULTS.md: prosody distance source->dub / source->plain per pair of languages (and
  its margin), duration error, speaker similarity, CER, emotion kept; and, against the reference
  translation, the dub, the plain synthesis and Avila & Ward's copy / mean / linear-regression
  predictors (the regression fitted on a train split of sentences, 3 split seeds).
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import numpy as np

logger = logging.getLogger("dub_study")


def _pairs_file(work: Path) -> Path:
    return work / "pairs.jsonl"


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    from speech.fileio import atomic_write_text

    atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def stage_pairs(args: argparse.Namespace) -> None:
    from speech.data.bootstrap.functional import utterance_rng
    from speech.data.bootstrap.sentences import load_sentences
    from speech.data.bootstrap.styles import STYLES, pick_emotion
    from speech.data.bootstrap.synthesis import UtteranceJob, run_jobs
    from speech.data.bootstrap.tts import tts_voices

    work = Path(args.work)
    rows, jobs = [], []
    for spec in args.lang_pairs:
        src, tgt = spec.split(":")
        voices = tts_voices([src, tgt])
        s_sent, t_sent = load_sentences(src), load_sentences(tgt)
        if len(s_sent) != len(t_sent):
            raise SystemExit(f"sentence lists of {src} and {tgt} are not parallel ({len(s_sent)} vs {len(t_sent)})")
        picks = np.linspace(0, len(s_sent) - 1, args.per_pair).round().astype(int)
        for k, i in enumerate(picks):
            sv = voices[src][k % len(voices[src])]
            tv = voices[tgt][(k * 7 + 3) % len(voices[tgt])]
            rng = utterance_rng(args.seed, "dub", spec, int(i))
            emotion = pick_emotion(rng, tuple(args.emotions))
            style = STYLES[emotion].jittered(rng)
            pid = f"{src}-{tgt}_{int(i):03d}"
            src_path = work / "audio" / f"{pid}_source.wav"
            ref_path = work / "audio" / f"{pid}_reference.wav"
            jobs.append(UtteranceJob(id=f"{pid}_source", voice=sv, text=s_sent[i], style=style, path=str(src_path), seed=args.seed))
            jobs.append(UtteranceJob(id=f"{pid}_reference", voice=tv, text=t_sent[i], style=style, path=str(ref_path), seed=args.seed))
            rows.append({"id": pid, "pair": f"{src}->{tgt}", "source_language": src, "target_language": tgt,
                         "sentence": int(i), "emotion": emotion, "source_voice": sv.id, "reference_voice": tv.id,
                         "source_text": s_sent[i], "target_text": t_sent[i],
                         "source": str(src_path), "reference": str(ref_path)})
    rendered, skipped = run_jobs(jobs, workers=args.workers, desc="dub pairs")
    _write_jsonl(_pairs_file(work), rows)
    print(f"{len(rows)} pairs ({rendered} clips rendered, {skipped} already there) -> {_pairs_file(work)}")


def stage_dub(args: argparse.Namespace) -> None:
    import torch
    from tqdm import tqdm

    from speech.audio.io import load_audio, save_audio
    from speech.audio.loudness import normalize_loudness
    from speech.dub.dubber import Dubber, DubConfig
    from speech.dub.steering import measure_profile
    from speech.eval.prosody import compare

    torch.set_num_threads(1)
    work = Path(args.work)
    out_file = work / f"dubs{args.tag}.jsonl"
    done = {r["id"]: r for r in _read_jsonl(out_file)} if out_file.is_file() else {}
    dubber = Dubber.from_pretrained(args.model)
    rows = []
    for row in tqdm(_read_jsonl(_pairs_file(work)), desc="dubbing"):
        if row["id"] in done:
            rows.append(done[row["id"]])
            continue
        maps = Path(args.maps) / f"{row['source_language']}-{row['target_language']}.safetensors" if args.maps else None
        cfg = DubConfig(prosody_map=maps)
        start = time.perf_counter()
        result = dubber.dub(row["source"], row["target_text"], row["target_language"],
                            source_language=row["source_language"], source_text=row["source_text"], config=cfg)
        seconds = time.perf_counter() - start
        dub_path = work / f"dub{args.tag}" / f"{row['id']}_dub.wav"
        plain_path = work / "plain" / f"{row['id']}_plain.wav"
        save_audio(dub_path, result.audio, result.sample_rate)
        if not plain_path.is_file():
            save_audio(plain_path, result.plain_audio, result.sample_rate)
        ref_wav, ref_sr = load_audio(row["reference"])
        t_lang = dubber.stats_language(row["target_language"])
        reference = measure_profile(ref_wav, ref_sr, t_lang, dubber.stats, row["reference"])
        r = result.report
        # The dub plays at the source's loudness; how much of its distance is that level alone?
        plain_loud = normalize_loudness(result.plain_audio, result.sample_rate, r["loudness_lufs"]["source"])
        z_loud = measure_profile(plain_loud, result.sample_rate, t_lang, dubber.stats, "plain at source loudness").z
        distance = r["prosody_distance"] | {"plain_at_source_loudness": compare(result.profiles["source"].z, z_loud).distance}
        rows.append({**row, "dub": str(dub_path), "plain": str(plain_path), "seconds": seconds,
                     "source_speech_s": r["source"]["speech_s"], "prosody_distance": distance,
                     "duration_ratio": r["duration_ratio"], "plain_duration_ratio": r["duration"]["plain_ratio"],
                     "speaker_similarity": r["speaker_similarity"], "emotion_recognised": r["emotion"],
                     "z": {k: [float(x) for x in v.z] for k, v in result.profiles.items()} | {"reference": [float(x) for x in reference.z]},
                     "raw": {"source": [float(x) for x in result.profiles["source"].raw], "reference": [float(x) for x in reference.raw]}})
        if len(rows) % 10 == 0:
            _write_jsonl(out_file, rows)
    _write_jsonl(out_file, rows)
    print(f"{len(rows)} dubs -> {out_file}")


def _cer(ref: str, hyp: str) -> float:
    import unicodedata

    import jiwer

    def norm(t: str) -> str:
        t = unicodedata.normalize("NFC", t.lower())
        return " ".join("".join(ch if ch.isalnum() or ch.isspace() else " " for ch in t).split())

    return float(jiwer.cer(norm(ref), norm(hyp)))


def stage_cer(args: argparse.Namespace) -> None:
    from faster_whisper import WhisperModel
    from tqdm import tqdm

    from speech.assets.whisper import model_dir

    work = Path(args.work)
    out_file = work / f"cer{args.tag}.jsonl"
    done = {r["id"]: r for r in _read_jsonl(out_file)} if out_file.is_file() else {}
    # A tagged run (other dubs of the same pairs) reuses the plain and reference transcripts.
    base_file = work / "cer.jsonl"
    base = {r["id"]: r for r in _read_jsonl(base_file)} if args.tag and base_file.is_file() else {}
    model = WhisperModel(str(model_dir()), device="cpu", compute_type="int8", cpu_threads=1)
    whisper_lang = {"en-us": "en"}
    rows = []
    for row in tqdm(_read_jsonl(work / f"dubs{args.tag}.jsonl"), desc="whisper"):
        if row["id"] in done:
            rows.append(done[row["id"]])
            continue
        lang = whisper_lang.get(row["target_language"], row["target_language"].split("-")[0])
        out = {"id": row["id"]}
        for kind in ("dub", "plain", "reference"):
            if kind != "dub" and kind in base.get(row["id"], {}):
                out[kind] = base[row["id"]][kind]
                continue
            segments, _ = model.transcribe(row[kind], language=lang, beam_size=1)
            text = " ".join(s.text for s in segments).strip()
            out[kind] = {"text": text, "cer": _cer(row["target_text"], text)}
        rows.append(out)
        if len(rows) % 10 == 0:
            _write_jsonl(out_file, rows)
    _write_jsonl(out_file, rows)
    print(f"{len(rows)} transcribed -> {out_file}")


def stage_fit_maps(args: argparse.Namespace) -> None:
    """Fit a linear prosody map per language pair on all its pairs (source z -> reference z)."""
    from speech.dub.steering import ProsodyMap
    from speech.eval.prosody_baselines import fit_linear

    work = Path(args.work)
    rows = _read_jsonl(work / "dubs.jsonl")
    out = Path(args.maps)
    for pair in sorted({r["pair"] for r in rows}):
        sel = [r for r in rows if r["pair"] == pair]
        x = np.array([r["z"]["source"] for r in sel])
        y = np.array([r["z"]["reference"] for r in sel])
        src, tgt = sel[0]["source_language"], sel[0]["target_language"]
        ProsodyMap("linear", src, tgt, fit_linear(x, y)).save(out / f"{src}-{tgt}.safetensors")
        print(f"{pair}: map fitted on {len(sel)} pairs")


def _outlier_sentence(rows: list[dict]) -> str:
    """Which features carry the dubs that are far further from the source than their plain
    synthesis (over 2x): the means are sensitive to a few of them."""
    from speech.eval.prosody import FEATURES

    far = [r for r in rows if r["prosody_distance"]["dub"] > 2 * r["prosody_distance"]["plain"]]
    if not far:
        return "No dub is more than twice as far from its source as the plain synthesis."
    worst: dict[str, int] = {}
    for r in far:
        sq = ((np.array(r["z"]["dub"]) - np.array(r["z"]["source"])) ** 2).reshape(len(FEATURES), -1).sum(axis=1)
        feature = FEATURES[int(np.argmax(sq))]
        worst[feature] = worst.get(feature, 0) + 1
    named = ", ".join(f"{k} {v}" for k, v in sorted(worst.items(), key=lambda kv: -kv[1]))
    return (f"{len(far)} of {len(rows)} dubs are more than twice as far from their source as the plain synthesis; "
            f"the feature that contributes most to each of those distances: {named} (le: lengthening, energy over "
            "cepstral flux, which a stretched quiet stretch sends far out; pd: peak disalignment). The medians are "
            "not moved by them.")


def _mean_std(values: list[float]) -> str:
    a = np.asarray(values, dtype=np.float64)
    return f"{a.mean():.2f} ± {a.std():.2f}"


def stage_table(args: argparse.Namespace) -> None:
    from speech.eval.prosody import compare
    from speech.eval.prosody_baselines import predict, split_groups
    from speech.eval.prosody_stats import ProsodyStats

    work = Path(args.work)
    rows = _read_jsonl(work / f"dubs{args.tag}.jsonl")
    cer_file = work / f"cer{args.tag}.jsonl"
    cer = {r["id"]: r for r in _read_jsonl(cer_file)} if cer_file.is_file() else {}
    # The linear maps of stage 5 are fitted on every pair of their language pair: in-sample.
    map_name = "linear map of the language pair, fitted on these very pairs: in-sample" if args.tag == "_linear" else "copy map"
    pairs = sorted({r["pair"] for r in rows}, key=lambda p: [r["pair"] for r in rows].index(p))
    lines = ["# Dubbing on the bootstrap corpus (`recipes/bootstrap/dub`)", "",
             f"Generated by `local/dub_study.py table` from {len(rows)} paired utterances "
             f"({', '.join(pairs)}); model `{args.model_name}`, shipped prosody statistics (pitch: {ProsodyStats.default().tracker}).",
             "Source: a bootstrap voice of the source language reading sentence *i* with a bootstrap emotion "
             "style; the dub says the target-language sentence *i* in the source's voice, emotion, speech "
             f"length and prosody profile ({map_name}); plain: the same text, voice and emotion without duration "
             "or prosody transfer, at the model's own loudness; plain at source loudness: that plain synthesis "
             "scaled to the source's loudness, as the dub is (the share of the dub's gain that level alone gives); "
             "reference: another bootstrap voice reading the target sentence with the same style.",
             "", "## Source -> output (what `speech dub` reports)", "",
             "| pair | n | prosody distance dub | plain | plain at source loudness | median dub / plain | margin (plain - dub) "
             "| dub closer | duration within 5 % (dub / plain) | speaker sim. dub | plain | CER dub | plain | emotion kept dub / plain |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    summary_rows = [(p, [r for r in rows if r["pair"] == p]) for p in pairs] + [("all", rows)]
    for name, sel in summary_rows:
        dd = [r["prosody_distance"]["dub"] for r in sel]
        dp = [r["prosody_distance"]["plain"] for r in sel]
        dl = [r["prosody_distance"].get("plain_at_source_loudness", np.nan) for r in sel]
        margin = np.array(dp) - np.array(dd)
        within = np.mean([abs(r["duration_ratio"] - 1) <= 0.05 for r in sel]) * 100
        within_p = np.mean([abs(r["plain_duration_ratio"] - 1) <= 0.05 for r in sel]) * 100
        sd = [r["speaker_similarity"]["dub"] for r in sel]
        sp = [r["speaker_similarity"]["plain"] for r in sel]
        emo_d = np.mean([r["emotion_recognised"]["dub"] == r["emotion"] for r in sel]) * 100
        emo_p = np.mean([r["emotion_recognised"]["plain"] == r["emotion"] for r in sel]) * 100
        c = [cer[r["id"]] for r in sel if r["id"] in cer]
        cer_d = f"{100 * np.mean([x['dub']['cer'] for x in c]):.1f}" if c else "-"
        cer_p = f"{100 * np.mean([x['plain']['cer'] for x in c]):.1f}" if c else "-"
        lines.append(f"| {name} | {len(sel)} | {_mean_std(dd)} | {_mean_std(dp)} | {_mean_std(dl)} "
                     f"| {np.median(dd):.2f} / {np.median(dp):.2f} "
                     f"| {margin.mean():+.2f} | "
                     f"{np.mean(margin > 0) * 100:.0f} % | {within:.0f} % / {within_p:.0f} % | {np.mean(sd):.3f} | {np.mean(sp):.3f} | "
                     f"{cer_d} | {cer_p} | {emo_d:.0f} % / {emo_p:.0f} % |")
    lines += ["", _outlier_sentence(rows)]
    dur_err = [abs(r["duration_ratio"] - 1) * 100 for r in rows]
    lines += ["", f"Duration error of the dub: mean {np.mean(dur_err):.1f} %, max {np.max(dur_err):.1f} %; "
              f"{np.mean(np.array(dur_err) <= 5) * 100:.0f} % of pairs within 5 %. Dub time per pair (warm, 1 thread, "
              f"report included): median {np.median([r['seconds'] for r in rows]):.2f} s for a median "
              f"{np.median([r['source_speech_s'] for r in rows]):.2f} s of source speech.", ""]
    if cer:
        lines.append("Whisper-base CER of the reference voices reading the same sentences: "
                     f"{100 * np.mean([cer[r['id']]['reference']['cer'] for r in rows if r['id'] in cer]):.1f} %.")
        lines.append("")

    # Against the reference translation: which output (or predictor) is closest to how another
    # voice of the target language says it? Predictors are Avila & Ward's baselines on z-vectors.
    lines += ["## Output or prediction -> reference translation (Avila & Ward's baselines)", "",
              "Mean distance of each to the reference reading's z-vector, on a test split of sentences (20 %); "
              "the linear regression and the mean are fitted on the rest; 3 split seeds (mean ± std over seeds).", "",
              "| pair | test pairs | dub | plain | copy (source z) | mean | linear regression |",
              "|---|---|---|---|---|---|---|"]
    for name, sel in summary_rows:
        scores: dict[str, list[float]] = {k: [] for k in ("dub", "plain", "copy", "mean", "linear")}
        n_test = []
        for seed in (1, 2, 3):
            groups = [f"{r['pair']}_{r['sentence']}" for r in sel]
            mask = split_groups(groups, 0.2, seed)
            zs = np.array([r["z"]["source"] for r in sel])
            zr = np.array([r["z"]["reference"] for r in sel])
            n_test.append(int(mask.sum()))
            for kind in ("dub", "plain"):
                zk = np.array([r["z"][kind] for r in sel])
                scores[kind].append(float(np.mean([compare(a, b).distance for a, b in zip(zk[mask], zr[mask])])))
            for base in ("copy", "mean", "linear"):
                pred = predict(base, zs[~mask], zr[~mask], zs[mask])
                scores[base].append(float(np.mean([compare(a, b).distance for a, b in zip(pred, zr[mask])])))
        lines.append(f"| {name} | {int(np.mean(n_test))} | " + " | ".join(_mean_std(scores[k]) for k in scores) + " |")
    lines += ["", "Reproduce: `./run.sh` (stages in its header).", ""]
    from speech.fileio import atomic_write_text

    atomic_write_text(Path(args.results), "\n".join(lines))
    print("\n".join(lines))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("stage", choices=["pairs", "dub", "cer", "fit-maps", "table"])
    p.add_argument("--work", required=True, help="working folder (audio, jsonl)")
    p.add_argument("--lang-pairs", nargs="+", default=["en-us:es", "en-us:fr", "es:en-us"], metavar="SRC:TGT")
    p.add_argument("--per-pair", type=int, default=40, help="sentences per language pair")
    p.add_argument("--emotions", nargs="+", default=["neutral", "happy", "sad", "angry", "surprised"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--model", default="models/bootstrap-multilingual")
    p.add_argument("--model-name", default="models/bootstrap-multilingual")
    p.add_argument("--maps", help="folder of linear prosody maps <src>-<tgt>.safetensors (fit-maps writes, dub reads)")
    p.add_argument("--tag", default="", help="suffix of the dub outputs (e.g. _linear)")
    p.add_argument("--results", default="RESULTS.md")
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    {"pairs": stage_pairs, "dub": stage_dub, "cer": stage_cer, "fit-maps": stage_fit_maps, "table": stage_table}[args.stage](args)


if __name__ == "__main__":
    main()
