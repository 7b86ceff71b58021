"""The bootstrap sentence lists, and their split into train / dev / test.

Each language has ``sentences/<code>.txt`` next to this module: UTF-8, one sentence per line,
blank lines and lines starting with ``#`` ignored (use them to group sentences by theme). The
lists were written for this project: everyday sentences with numbers, dates, times, questions
and exclamations, chosen so that every phoneme of the language turns up in several contexts.

Sentences are identified by a hash of their text, not by their line number, so editing a file
(adding, removing or re-ordering lines) keeps every other sentence's id, split and already
synthesised audio.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from speech.data.bootstrap.errors import SentenceFileError
from speech.data.bootstrap.functional import utterance_rng
from speech.text.languages import get_language

SENTENCE_DIR = Path(__file__).with_name("sentences")
SPLITS: tuple[str, ...] = ("train", "dev", "test")
#: Languages that read another language's list (British voices read the US English sentences).
SHARED_LISTS: dict[str, str] = {"en-gb": "en-us"}


def sentence_file(language: str) -> Path:
    """Path of the sentence list of ``language`` (a canonical code or alias)."""
    code = get_language(language).code
    return SENTENCE_DIR / f"{SHARED_LISTS.get(code, code)}.txt"


def sentence_id(text: str) -> str:
    """A stable 10-hex-digit id of a sentence (first bytes of its SHA-1)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def read_sentence_file(path: str | Path) -> list[str]:
    """Sentences of one file, in file order.

    Raises:
        SentenceFileError: the file is missing, not UTF-8, empty, or repeats a sentence (the
            message gives both line numbers).
    """
    p = Path(path)
    if not p.is_file():
        raise SentenceFileError(f"sentence file not found: {p}")
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as e:
        raise SentenceFileError(f"{p} is not UTF-8 text: {e}") from e
    seen: dict[str, int] = {}
    out: list[str] = []
    for number, raw in enumerate(lines, start=1):
        text = " ".join(raw.split())
        if not text or text.startswith("#"):
            continue
        if text in seen:
            raise SentenceFileError(f"{p}:{number}: repeats the sentence of line {seen[text]}: {text!r}")
        seen[text] = number
        out.append(text)
    if not out:
        raise SentenceFileError(f"{p} holds no sentences")
    return out


def load_sentences(language: str) -> list[str]:
    """The sentence list of ``language`` (see :func:`read_sentence_file`)."""
    return read_sentence_file(sentence_file(language))


def assign_splits(sentences: list[str], seed: int, dev_fraction: float = 0.05,
                  test_fraction: float = 0.05) -> dict[str, list[str]]:
    """Split sentences into train / dev / test, each sentence by a hash of (seed, its text).

    A sentence keeps its split when the list is edited. With three or more sentences, dev and
    test get at least one each.

    Returns:
        ``{"train": [...], "dev": [...], "test": [...]}``, each in file order.
    """
    if not 0 <= dev_fraction < 1 or not 0 <= test_fraction < 1 or dev_fraction + test_fraction >= 1:
        raise ValueError(f"bad split fractions dev={dev_fraction} test={test_fraction}")
    splits: dict[str, list[str]] = {s: [] for s in SPLITS}
    draws: list[float] = []
    for text in sentences:
        u = float(utterance_rng(seed, "split", text).uniform())
        draws.append(u)
        split = "dev" if u < dev_fraction else "test" if u < dev_fraction + test_fraction else "train"
        splits[split].append(text)
    if len(sentences) >= 3:
        # Tiny lists can draw no dev or test sentence: move the lowest-drawn train ones over.
        for split in ("dev", "test"):
            if not splits[split]:
                train_sorted = sorted(splits["train"], key=lambda t: draws[sentences.index(t)])
                moved = train_sorted[0]
                splits["train"].remove(moved)
                splits[split].append(moved)
    return splits
