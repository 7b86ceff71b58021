"""``speech eval ...``: prosody distance, prosody statistics, intent accuracy, TTS metrics.

Thin layer: argument parsing, reading inputs, printing tables, writing JSON/CSV. The metrics
live in the modules of :mod:`speech.eval`.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

#: Pitch trackers of the prosody features (speech.eval.pitch.TRACKERS, not imported: `speech --help` stays light).
PROSODY_TRACKERS = ("rapt", "praat", "world", "reaper")

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``speech eval`` and its sub-commands."""
    parser = subparsers.add_parser("eval", help="evaluate: prosody distance, intent accuracy, TTS metrics")
    sub = parser.add_subparsers(dest="eval_command", metavar="EVAL_COMMAND")
    _add_prosody(sub)
    _add_prosody_fit(sub)
    _add_intent(sub)
    _add_tts(sub)


def _add_outputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", type=Path, metavar="OUT.json", help="write machine-readable results as JSON")
    p.add_argument("--csv", type=Path, metavar="OUT.csv", help="write one row per item as CSV")


def _add_prosody(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "prosody",
        help="prosodic distance between utterances (Avila & Ward 2023)",
        description=(
            "Prosodic dissimilarity of utterance pairs: 10 prosodic features x 10 windows, "
            "speaker-normalised, z-scored per language, Euclidean distance. Give SOURCE TARGET "
            "for one pair, --pairs for a list, or --dral for the DRAL corpus."
        ),
    )
    p.add_argument("source", nargs="?", type=Path, help="source utterance audio")
    p.add_argument("target", nargs="?", type=Path, help="target utterance audio")
    p.add_argument("--source-language", help="language code of SOURCE (default: pooled statistics)")
    p.add_argument("--target-language", help="language code of TARGET")
    p.add_argument("--source-speaker-clips", nargs="+", type=Path, default=[], metavar="WAV",
                   help="other clips of SOURCE's speaker, for speaker normalisation")
    p.add_argument("--target-speaker-clips", nargs="+", type=Path, default=[], metavar="WAV",
                   help="other clips of TARGET's speaker")
    p.add_argument("--pairs", type=Path, help="CSV/TSV/JSONL of pairs (columns source, target, ...)")
    p.add_argument("--recordings", type=Path, help="lhotse recordings manifest (speaker material / ids)")
    p.add_argument("--supervisions", type=Path, help="lhotse supervisions manifest")
    p.add_argument("--dral", type=Path, metavar="ROOT", help="a DRAL release directory")
    p.add_argument("--dral-source", default="EN", choices=["EN", "ES"], help="DRAL source language")
    p.add_argument("--stats", type=Path,
                   help="z-score statistics JSON (default: the shipped ones; with --dral: fitted on the corpus)")
    p.add_argument("--tracker", choices=PROSODY_TRACKERS, help="pitch tracker (default: the statistics')")
    p.add_argument("--baselines", action="store_true",
                   help="also score the copy / mean / linear-regression baselines on a test split")
    p.add_argument("--test-fraction", type=float, default=0.2, help="test share for --baselines")
    p.add_argument("--seed", type=int, default=0, help="split seed for --baselines")
    p.add_argument("--plot", type=Path, metavar="OUT.png", help="draw the two profiles (first pair)")
    _add_outputs(p)
    p.set_defaults(func=_run_prosody)


def _add_prosody_fit(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "prosody-fit",
        help="fit per-language z-score statistics for the prosody distance",
        description=(
            "Fit the per-language statistics used to z-score prosody vectors, from a list of "
            "clips (columns path, speaker, language), a lhotse manifest, or clips synthesised "
            "with the system's flite/festival voices (--system-voices, how the shipped "
            "defaults were made)."
        ),
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--list", type=Path, help="CSV/TSV/JSONL with path, speaker, language columns")
    src.add_argument("--supervisions", type=Path, help="lhotse supervisions manifest (with --recordings)")
    src.add_argument("--system-voices", type=Path, metavar="WORK_DIR",
                     help="synthesise the reference set with flite/festival into WORK_DIR")
    p.add_argument("--recordings", type=Path, help="lhotse recordings manifest")
    p.add_argument("-o", "--output", type=Path, required=True, help="statistics JSON to write")
    p.add_argument("--tracker", choices=PROSODY_TRACKERS, default="rapt",
                   help="pitch tracker (default rapt: the toolkit's fxrapt, what the shipped statistics use)")
    p.add_argument("--prior-clips", type=float,
                   help="pseudo-clips of the pooled variance in each language's (default: "
                        "speech.eval.prosody_stats.PRIOR_CLIPS, 10; 0: each language's own std)")
    p.add_argument("--provenance", default="", help="what the reference set is (saved in the file)")
    p.set_defaults(func=_run_prosody_fit)


def _add_intent(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "intent",
        help="intent accuracy, per-slot accuracy, confusion matrices, per speaker",
        description=(
            "Score SLU predictions. References: --ref JSONL ({id, intent, speaker?} per line) or "
            "--supervisions (lhotse, custom['intent']). Predictions: --pred JSONL ({id, intent}) "
            "or --model DIR with --recordings and --supervisions."
        ),
    )
    ref = p.add_mutually_exclusive_group(required=True)
    ref.add_argument("--ref", type=Path, help="reference JSONL")
    ref.add_argument("--supervisions", type=Path, help="lhotse supervisions manifest with custom['intent']")
    pred = p.add_mutually_exclusive_group(required=True)
    pred.add_argument("--pred", type=Path, help="predictions JSONL")
    pred.add_argument("--model", type=Path, help="trained SLU model directory (needs speech.slu)")
    p.add_argument("--recordings", type=Path, help="lhotse recordings manifest (for --model)")
    p.add_argument("--confusion", nargs="*", metavar="SLOT", help="print these slots' confusion matrices")
    _add_outputs(p)
    p.set_defaults(func=_run_intent)


def _add_tts(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "tts",
        help="score TTS clips you already have: speaker similarity, CER/WER, MCD, F0 errors, DNSMOS, speaking rate",
        description="Score synthesised clips listed in a CSV/TSV/JSONL (columns synth, reference, text, "
        "language, speaker, id), from any system: nothing is synthesised. The same metrics "
        "(speech.eval.tts) score our synthesizers in `speech tts evaluate` and vocoders in "
        "`speech tts vocoder evaluate`.",
    )
    p.add_argument("list", type=Path, help="clip list")
    p.add_argument("--asr-model", type=Path, help="local transformers CTC or Whisper model directory for CER/WER")
    p.add_argument("--asr-language", help="Whisper decoding language (e.g. italian)")
    p.add_argument("--no-dnsmos", action="store_true", help="skip DNSMOS")
    p.add_argument("--no-speaker-similarity", action="store_true", help="skip speaker similarity")
    p.add_argument("--tracker", choices=["praat", "world", "reaper"], default="praat")
    _add_outputs(p)
    p.set_defaults(func=_run_tts)


# ---------------------------------------------------------------- prosody


def _load_stats(path: Path | None) -> Any:
    from speech.eval.prosody_stats import ProsodyStats

    return ProsodyStats.load(path) if path is not None else ProsodyStats.default()


def _check_is_speech(clips: list[tuple[str, Path]]) -> None:
    """A prosody distance of silence or noise is a number without meaning: refuse such clips.

    Raises:
        NotSpeechError: a clip is silent, a constant, or noise (the message names the argument).
    """
    from speech.audio.io import load_audio
    from speech.audio.speech_check import COMMAND_CHECK, check_speech

    for what, path in clips:
        wav, sr = load_audio(path)
        check_speech(wav, sr, COMMAND_CHECK, f"{what} clip {path}")


def _run_prosody(args: argparse.Namespace) -> int:
    import numpy as np

    from speech.eval.errors import InputFormatError
    from speech.eval.prosody import COLUMNS, FEATURES
    from speech.eval.prosody_pairs import (
        ProsodyExtractor,
        ProsodyPair,
        Utterance,
        _canonical_language,
        evaluate_pairs,
        read_pairs,
        summarize,
        utterances_from_manifest,
    )
    from speech.eval.report import format_table, write_csv, write_json

    modes = sum(x is not None for x in (args.pairs, args.dral)) + (args.source is not None)
    if modes != 1:
        raise InputFormatError("give exactly one of: SOURCE TARGET, --pairs FILE, --dral ROOT")
    if args.source is not None and args.target is None:
        raise InputFormatError("a TARGET utterance is needed after SOURCE")
    # DRAL is its own reference set (Avila & Ward z-score on the corpus) unless --stats is given.
    stats = _load_stats(args.stats) if (args.stats is not None or args.dral is None) else None
    extractor = ProsodyExtractor(tracker=args.tracker or (stats.tracker if stats else None) or "praat")

    manifest: dict[str, Utterance] = {}
    if (args.recordings is None) != (args.supervisions is None):
        raise InputFormatError("--recordings and --supervisions go together")
    if args.recordings is not None:
        manifest = utterances_from_manifest(args.recordings, args.supervisions)
    material: list[Utterance] = list(manifest.values())

    if args.dral is not None:
        from speech.eval.dral import dral_material, dral_pairs, read_dral

        fragments = read_dral(args.dral)
        pairs = dral_pairs(fragments, source_lang=args.dral_source)
        material += dral_material(fragments)
        if stats is None:
            from speech.eval.prosody_pairs import fit_stats

            stats = fit_stats(material, extractor.tracker, f"fitted on the DRAL release {args.dral}", extractor)
    elif args.pairs is not None:
        pairs = read_pairs(args.pairs, manifest)
    else:
        s_lang = _canonical_language(args.source_language, "--source-language")
        t_lang = _canonical_language(args.target_language, "--target-language")
        _check_is_speech([("SOURCE", args.source), ("TARGET", args.target),
                          *(("--source-speaker-clips", c) for c in args.source_speaker_clips),
                          *(("--target-speaker-clips", c) for c in args.target_speaker_clips)])
        src = Utterance(str(args.source), args.source, speaker="<source>" if args.source_speaker_clips else None, language=s_lang)
        tgt = Utterance(str(args.target), args.target, speaker="<target>" if args.target_speaker_clips else None, language=t_lang)
        pairs = [ProsodyPair("1", src, tgt)]
        material += [Utterance(str(c), c, speaker="<source>", language=s_lang) for c in args.source_speaker_clips]
        material += [Utterance(str(c), c, speaker="<target>", language=t_lang) for c in args.target_speaker_clips]

    results = evaluate_pairs(pairs, stats, extractor, material)
    summary = summarize(results)
    rows = [r.to_dict() for r in results]
    table = [
        {"id": r["id"], "distance": r["distance"], **{f: r["feature_shares"][f] for f in FEATURES}} for r in rows
    ]
    if len(table) <= 50:
        print(format_table(table, digits=3))
    print(f"\npairs: {summary['pairs']}  mean distance: {summary['mean_distance']:.3f}  "
          f"(std {summary['std_distance']:.3f})")
    print("share of squared distance by feature:")
    print(format_table([{f: summary["feature_shares"][f] for f in FEATURES}], digits=3))
    payload: dict[str, Any] = {"summary": summary, "pairs": rows, "tracker": extractor.tracker}

    if args.baselines:
        from speech.eval.prosody_baselines import evaluate_baselines, split_groups

        groups = [p.group or p.id for p in pairs]
        mask = split_groups(groups, args.test_fraction, args.seed)
        raw_src = np.stack([r.raw_source for r in results])
        raw_tgt = np.stack([r.raw_target for r in results])
        scores = evaluate_baselines(raw_src, raw_tgt, mask)
        print(f"\nbaselines (mean distance on {int(mask.sum())} test pairs, z-scored on {int((~mask).sum())} train pairs):")
        print(format_table([{"baseline": k, "mean_distance": v} for k, v in scores.items()]))
        payload["baselines"] = {"test_pairs": int(mask.sum()), "train_pairs": int((~mask).sum()), "scores": scores}

    if args.plot is not None:
        from speech.eval.prosody_plot import plot_profiles

        first = results[0]
        plot_profiles(first.z_source, first.z_target, args.plot,
                      labels=(first.pair.source.path.name, first.pair.target.path.name),
                      title=f"prosody distance {first.comparison.distance:.2f}")
        print(f"plot written to {args.plot}")
    if args.json is not None:
        payload["columns"] = list(COLUMNS)
        payload["pairs"] = [
            {**row, "z_source": r.z_source, "z_target": r.z_target}
            for row, r in zip(rows, results, strict=True)
        ]
        write_json(args.json, payload)
    if args.csv is not None:
        write_csv(args.csv, [
            {k: v for k, v in r.items() if k != "feature_shares"} | {f"share_{f}": r["feature_shares"][f] for f in FEATURES}
            for r in rows
        ])
    return 0


def _run_prosody_fit(args: argparse.Namespace) -> int:
    from speech.eval.errors import InputFormatError
    from speech.eval.prosody_pairs import Utterance, fit_stats, read_utterance_list, utterances_from_manifest

    if args.list is not None:
        utts = read_utterance_list(args.list)
        provenance = args.provenance or f"fitted on {args.list}"
    elif args.supervisions is not None:
        if args.recordings is None:
            raise InputFormatError("--supervisions needs --recordings")
        utts = list(utterances_from_manifest(args.recordings, args.supervisions).values())
        provenance = args.provenance or f"fitted on {args.supervisions}"
    else:
        from speech.eval.reference_clips import synthesize_reference_set

        records = synthesize_reference_set(args.system_voices)
        utts = [Utterance(r["path"], Path(r["path"]), r["speaker"], r["language"]) for r in records]
        provenance = args.provenance or (
            f"{len(records)} clips synthesised with the system flite/festival voices "
            "(speech.eval.reference_clips.VOICES x SENTENCES), one speaker per voice"
        )
    prior = {} if args.prior_clips is None else {"prior_clips": args.prior_clips}
    stats = fit_stats(utts, tracker=args.tracker, provenance=provenance, **prior)
    stats.save(args.output)
    counts = {k: v.count for k, v in stats.languages.items()}
    print(f"wrote {args.output}: {len(utts)} utterances; per language: {counts}")
    return 0


# ---------------------------------------------------------------- intent


def _run_intent(args: argparse.Namespace) -> int:
    from speech.eval.errors import InputFormatError
    from speech.eval.intent import (
        confusion_rows,
        load_intent_predictor,
        predict_intents,
        read_predictions_jsonl,
        read_reference_jsonl,
        read_reference_supervisions,
        score_intents,
    )
    from speech.eval.report import format_table, write_csv, write_json

    refs = read_reference_jsonl(args.ref) if args.ref is not None else read_reference_supervisions(args.supervisions)
    if args.pred is not None:
        preds = read_predictions_jsonl(args.pred)
    else:
        if args.recordings is None or args.supervisions is None:
            raise InputFormatError("--model needs --recordings and --supervisions (the audio to run it on)")
        preds = predict_intents(load_intent_predictor(args.model), args.recordings, args.supervisions)
    report = score_intents(refs, preds)
    print(f"utterances: {report.num_utterances}  intent accuracy (all slots right): {report.accuracy:.4f}")
    print(format_table([{"slot": s, "accuracy": a} for s, a in report.slot_accuracy.items()], digits=4))
    if report.per_speaker:
        print("\nper speaker:")
        print(format_table([{"speaker": s, **v} for s, v in report.per_speaker.items()], digits=4))
    for slot in args.confusion or []:
        print(f"\nconfusion matrix of '{slot}' (rows: reference, columns: predicted):")
        print(format_table(confusion_rows(report, slot), digits=0))
    if args.json is not None:
        write_json(args.json, report.to_dict())
    if args.csv is not None:
        rows = []
        for uid, ex in refs.items():
            pred = preds.get(uid, {})
            rows.append({"id": uid, "speaker": ex.speaker, "correct": uid not in set(report.errors),
                         **{f"ref_{k}": v for k, v in ex.intent.items()},
                         **{f"pred_{k}": pred.get(k) for k in ex.intent}})
        write_csv(args.csv, rows)
    return 0


# ---------------------------------------------------------------- tts


def _run_tts(args: argparse.Namespace) -> int:
    from speech.eval.report import format_table, write_csv, write_json
    from speech.eval.tts import TTSEvaluator, group_table, read_tts_list

    items = read_tts_list(args.list)
    transcriber = None
    if args.asr_model is not None:
        from speech.eval.asr import HFTranscriber

        transcriber = HFTranscriber.from_pretrained(args.asr_model, language=args.asr_language)
    evaluator = TTSEvaluator(
        transcriber=transcriber,
        speaker_similarity=not args.no_speaker_similarity,
        dnsmos=not args.no_dnsmos,
        tracker=args.tracker,
    )
    results = evaluator.evaluate_all(items)
    tables = {by: group_table(results, by) for by in ("all", "language", "speaker")}
    for by in ("all", "language", "speaker"):
        rows = [{k: v for k, v in r.items() if v is not None or k in (by, "clips")} for r in tables[by]]
        print(f"\nby {by}:" if by != "all" else "overall:")
        print(format_table(rows, digits=3))
    if args.json is not None:
        write_json(args.json, {"items": [r.to_dict() for r in results], "tables": tables})
    if args.csv is not None:
        write_csv(args.csv, [r.to_dict() for r in results])
    return 0
