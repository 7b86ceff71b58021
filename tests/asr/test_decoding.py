"""CTC decoding on hand-made log-probabilities: greedy and prefix beam search give the expected strings."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from speech.asr.decoding import DecodingConfig, collapse, decode, greedy_decode, prefix_beam_search
from speech.asr.tokens import CTCConfig, TextEncoder

TOKENS = ["<blank>", "<unk>", " ", "a", "b", "c"]
IDS = {t: i for i, t in enumerate(TOKENS)}


def frames(*rows: dict[str, float]) -> np.ndarray:
    """Log-probabilities from per-frame {token: prob} dicts (the rest of the mass spread evenly)."""
    out = np.zeros((len(rows), len(TOKENS)))
    for t, row in enumerate(rows):
        rest = (1.0 - sum(row.values())) / (len(TOKENS) - len(row))
        out[t] = [row.get(tok, rest) for tok in TOKENS]
    return np.log(out)


def text(ids: list[int]) -> str:
    return TextEncoder(CTCConfig(tokens=TOKENS)).decode(ids)


def test_collapse_merges_repeats_and_drops_blanks() -> None:
    assert collapse([3, 3, 0, 3, 4, 4, 0, 0, 5]) == [3, 3, 4, 5]
    assert collapse([0, 0, 0]) == []


def test_greedy_decodes_best_path() -> None:
    lp = frames({"a": 0.9}, {"a": 0.8}, {"<blank>": 0.9}, {"a": 0.7}, {" ": 0.9}, {"b": 0.9}, {"<blank>": 0.95})
    assert text(greedy_decode(lp)) == "aa b"


def test_beam_finds_the_sequence_greedy_misses() -> None:
    # Best path is blank-blank (p = 0.36) but "a" has more total probability over its alignments:
    # a-a, a-blank, blank-a = 0.6*0.4*... : P(a) = 0.4*0.4 + 0.4*0.6 + 0.6*0.4 = 0.64 > P("") = 0.36.
    row = np.full(len(TOKENS), 1e-12)
    row[IDS["<blank>"]], row[IDS["a"]] = 0.6, 0.4
    lp = np.log(np.stack([row, row]))
    assert greedy_decode(lp) == []
    best = prefix_beam_search(lp, beam_size=4)
    assert text(best[0][0]) == "a"
    assert best[0][1] == pytest.approx(np.log(0.64), abs=1e-6)


def test_beam_keeps_repeated_letters_separated_by_blank() -> None:
    lp = frames({"b": 0.9}, {"<blank>": 0.9}, {"b": 0.9}, {"a": 0.9})
    assert text(prefix_beam_search(lp, beam_size=8)[0][0]) == "bba"
    assert text(greedy_decode(lp)) == "bba"


def test_beam_scores_match_brute_force_sum_over_alignments() -> None:
    rng = np.random.default_rng(0)
    vocab = 3
    logits = rng.normal(size=(4, vocab))
    lp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    totals: dict[tuple[int, ...], float] = {}
    for path in itertools.product(range(vocab), repeat=lp.shape[0]):
        key = tuple(collapse(path))
        totals[key] = np.logaddexp(totals.get(key, -np.inf), sum(lp[t, s] for t, s in enumerate(path)))
    exact = sorted(totals.items(), key=lambda kv: kv[1], reverse=True)
    # A beam as wide as the number of prefixes is exact.
    got = prefix_beam_search(lp, beam_size=len(totals), nbest=3)
    for (ids, score), (ref_ids, ref_score) in zip(got, exact[:3]):
        assert tuple(ids) == ref_ids
        assert score == pytest.approx(ref_score, abs=1e-9)


def test_decode_dispatch_and_errors() -> None:
    lp = frames({"c": 0.9}, {"a": 0.9}, {"b": 0.9})
    assert text(decode(lp, DecodingConfig(method="greedy"))) == "cab"
    assert text(decode(lp, DecodingConfig(method="beam", beam_size=3, token_prune=2))) == "cab"
    with pytest.raises(ValueError, match="frames, vocab"):
        greedy_decode(lp[0])
    with pytest.raises(ValueError, match="beam_size"):
        prefix_beam_search(lp, beam_size=0)
    assert greedy_decode(np.zeros((0, 6))) == []
