"""Character and word error rates (jiwer, through :mod:`speech.eval.asr`) of a batch of transcripts."""

from __future__ import annotations

from collections.abc import Sequence

from speech.eval.asr import ErrorCounts, error_counts


def corpus_error_counts(references: Sequence[str], hypotheses: Sequence[str]) -> ErrorCounts:
    """Summed character and word edits of ``hypotheses`` against ``references`` (normalised texts).

    ``.cer`` and ``.wer`` of the result are corpus rates (total edits over total reference length).
    References that normalise to nothing are skipped.

    Raises:
        ValueError: the two lists differ in length.
    """
    if len(references) != len(hypotheses):
        raise ValueError(f"{len(references)} references but {len(hypotheses)} hypotheses")
    total = ErrorCounts(0, 0, 0, 0)
    for ref, hyp in zip(references, hypotheses):
        try:
            total = total + error_counts(ref, hyp)
        except ValueError:
            continue  # empty reference: nothing to score
    return total
