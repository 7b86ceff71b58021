"""An emotion judge that owes nothing to the synthesizer: prosodic shifts + logistic regression.

The emotion figures of ``speech tts evaluate`` come from the model's own emotion network, which the
style-consistency loss trains against (frozen). This script checks them with a judge the model never
saw. The bootstrap corpus renders emotions as prosody (pitch level and range, loudness, rate), so
each clip becomes four shifts from a neutral reference: mean log-F0, log of the log-F0 spread, mean
log-energy of the speech frames, and log of frames per phoneme. A logistic regression learns them
on real test clips of the training voices (reference: the mean of 6 neutral training clips of the
same voice; its 5-fold accuracy on real speech is printed), then judges each synthesised emotion
clip of an evaluation against the same voice saying the same sentence neutrally (the evaluation's
cross-lingual clip).

    python local/prosody_judge.py --corpus data/corpus exp/eval/*/results.json
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
from lhotse import CutSet
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from speech.audio.features import AudioConfig, LogMelSpectrogram
from speech.audio.io import load_audio, resample
from speech.data.manifests import load_manifests
from speech.text.tokenizer import Tokenizer
from speech.tts.featurize import compute_energy, compute_pitch

SPEECH_DB = 8.0  # natural-log energy units below the loudest frame (~35 dB) that count as speech


class ProsodyFeatures:
    """``(path, text, language) -> [mean log-F0, log F0 spread, mean energy, log frames/phoneme]``."""

    def __init__(self) -> None:
        self.audio = AudioConfig()
        self.mel = LogMelSpectrogram(self.audio)
        self.tokenizer = Tokenizer()

    def __call__(self, path: str, text: str, language: str) -> np.ndarray:
        wav, sr = load_audio(path)
        wav = resample(wav, sr, self.audio.sample_rate)
        energy = compute_energy(self.mel(torch.as_tensor(wav, dtype=torch.float32)).numpy())
        log_f0 = compute_pitch(wav, self.audio)[: len(energy)]
        speech = energy > energy.max() - SPEECH_DB
        frames = np.flatnonzero(speech)
        duration = frames[-1] - frames[0] + 1 if len(frames) else len(energy)
        voiced = log_f0[speech & (log_f0 > 0)]
        phonemes = max(1, len(self.tokenizer.encode(text, language).ids))
        level, spread = (voiced.mean(), np.log(voiced.std() + 1e-3)) if len(voiced) else (0.0, 0.0)
        return np.array([level, spread, energy[speech].mean(), np.log(duration / phonemes)])


def _emotion(cut) -> str:
    return (cut.supervisions[0].custom or {}).get("emotion") or "neutral"


def _cuts(corpus: Path, split: str) -> CutSet:
    recordings, supervisions = load_manifests(corpus, "bootstrap_tts", split)
    return CutSet.from_manifests(recordings=recordings.to_eager(), supervisions=supervisions.to_eager())


def train_judge(corpus: Path, voices: list[str], features: ProsodyFeatures, per_emotion: int = 50, seed: int = 0):
    """The fitted classifier and its 5-fold accuracy on real clips."""
    rng = random.Random(seed)
    neutral: dict[str, list] = defaultdict(list)
    for cut in _cuts(corpus, "train"):
        if cut.supervisions[0].speaker in voices and _emotion(cut) == "neutral":
            neutral[cut.supervisions[0].speaker].append(cut)
    reference = {
        voice: np.mean([features(c.recording.sources[0].source, c.supervisions[0].text, c.supervisions[0].language)
                        for c in rng.sample(cuts, min(6, len(cuts)))], axis=0)
        for voice, cuts in neutral.items()
    }
    by_emotion: dict[str, list] = defaultdict(list)
    for cut in _cuts(corpus, "test"):
        if cut.supervisions[0].speaker in reference:
            by_emotion[_emotion(cut)].append(cut)
    x, y = [], []
    for emotion, cuts in sorted(by_emotion.items()):
        for cut in rng.sample(cuts, min(per_emotion, len(cuts))):
            sup = cut.supervisions[0]
            x.append(features(cut.recording.sources[0].source, sup.text, sup.language) - reference[sup.speaker])
            y.append(emotion)
    judge = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    accuracy = float(cross_val_score(judge, np.array(x), np.array(y), cv=5).mean())
    return judge.fit(np.array(x), np.array(y)), accuracy, len(y)


def judge_results(results: Path, judge, features: ProsodyFeatures) -> dict[str, float]:
    """Share of each requested emotion that the judge hears, from one model's ``results.json``."""
    clips = json.loads(results.read_text(encoding="utf-8"))["clips"]
    by_id = {clip["id"]: clip for clip in clips}
    hits: dict[str, list[bool]] = defaultdict(list)
    for clip in clips:
        if clip["set"] != "emotion":
            continue
        neutral = by_id[f"x_{clip['voice']}_{clip['language']}"]  # same voice, sentence, language
        shift = features(clip["result"]["wav"], clip["text"], clip["language"]) - features(
            neutral["result"]["wav"], neutral["text"], neutral["language"])
        hits[clip["emotion"]].append(judge.predict(shift[None])[0] == clip["emotion"])
    out = {emotion: float(np.mean(h)) for emotion, h in sorted(hits.items())}
    if not out:
        return out
    out["all"] = float(np.mean([x for h in hits.values() for x in h]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True, help="bootstrap TTS manifests (stage 1)")
    parser.add_argument("results", type=Path, nargs="+", help="results.json of speech tts evaluate, one per model")
    args = parser.parse_args()
    torch.set_num_threads(1)
    features = ProsodyFeatures()
    voices = sorted({c["voice"] for r in args.results for c in json.loads(r.read_text())["clips"] if c["set"] == "emotion"})
    judge, accuracy, n = train_judge(args.corpus, voices, features)
    print(f"prosodic judge: 5-fold accuracy {accuracy:.3f} on {n} real clips (5 emotions, chance 0.200)")
    print("| model | " + " | ".join(["all", "angry", "happy", "sad", "surprised"]) + " |")
    print("|---|---:|---:|---:|---:|---:|")
    for path in args.results:
        scores = judge_results(path, judge, features)
        if not scores:  # a model evaluated without emotion clips (the baseline on unknown voices)
            continue
        cells = [f"{scores.get(k, float('nan')):.3f}" for k in ("all", "angry", "happy", "sad", "surprised")]
        print(f"| {path.parent.name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
