"""Output units of the CTC head: characters (a vocabulary built from manifests) or phonemes.

- ``char``: the transcript is normalised (:func:`speech.eval.asr.normalize_text`: NFKC, lower case,
  punctuation removed, whitespace collapsed) and every character, space included, is a token. The
  vocabulary is built from the training transcripts (:func:`build_char_vocabulary`) and saved as a
  JSON file (:func:`save_vocabulary`) that a training config names.
- ``phoneme``: the transcript goes through the shared phonemic front-end (:mod:`speech.text`) and
  the units are the shared symbol table, so every language uses the same output layer; language
  tags and special symbols are dropped from the targets.

Token 0 is the CTC blank in both (``<blank>`` for characters; the symbol table's ``<pad>``).
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from speech.errors import SpeechError
from speech.fileio import atomic_write_text

logger = logging.getLogger(__name__)

BLANK = "<blank>"
UNK = "<unk>"
VOCAB_FORMAT = "speech-ctc-vocabulary"

Unit = Literal["char", "phoneme"]


class VocabularyError(SpeechError, ValueError):
    """A token vocabulary that is missing, malformed, or does not fit the model."""


@dataclass(kw_only=True)
class CTCConfig:
    """The CTC output layer: its unit and its tokens (token 0 is the blank)."""

    unit: Unit = "char"
    tokens: list[str] = field(default_factory=list)
    """Filled from a vocabulary file (char) or the shared symbol table (phoneme) before training."""


def normalize_transcript(text: str) -> str:
    """The form of a transcript that character models are trained on and scored against."""
    from speech.eval.asr import normalize_text

    return normalize_text(text)


def build_char_vocabulary(texts: Iterable[str], min_count: int = 1) -> list[str]:
    """Character tokens of normalised ``texts``: ``[<blank>, <unk>, ' ', sorted chars...]``.

    Args:
        texts: transcripts (normalised here).
        min_count: characters seen fewer times map to ``<unk>``.

    Raises:
        VocabularyError: no characters at all.
    """
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(normalize_transcript(text))
    counts.pop(" ", None)
    chars = sorted(c for c, n in counts.items() if n >= min_count)
    if not chars:
        raise VocabularyError("no characters in the transcripts: cannot build a vocabulary")
    return [BLANK, UNK, " ", *chars]


def vocabulary_from_cuts(cuts_path: str | os.PathLike[str], min_count: int = 1) -> list[str]:
    """:func:`build_char_vocabulary` over the supervision texts of a lhotse cuts manifest."""
    from lhotse import CutSet

    p = Path(cuts_path)
    if not p.is_file():
        raise FileNotFoundError(f"cuts manifest not found: {p}")
    texts = (s.text for cut in CutSet.from_file(p) for s in cut.supervisions if s.text)
    return build_char_vocabulary(texts, min_count=min_count)


def phoneme_tokens() -> list[str]:
    """Tokens of the ``phoneme`` unit: the shared symbol table (``<pad>`` is the blank)."""
    from speech.text.symbols import SymbolTable

    return list(SymbolTable.default().symbols)


def save_vocabulary(path: str | os.PathLike[str], tokens: Sequence[str], unit: Unit = "char") -> Path:
    """Write ``tokens`` as a JSON vocabulary file (atomically)."""
    check_tokens(tokens, unit, str(path))
    data = {"format": VOCAB_FORMAT, "version": 1, "unit": unit, "tokens": list(tokens)}
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    return Path(path)


def load_vocabulary(path: str | os.PathLike[str]) -> tuple[Unit, list[str]]:
    """Read a file written by :func:`save_vocabulary`; returns ``(unit, tokens)``.

    Raises:
        FileNotFoundError: no such file.
        VocabularyError: not a vocabulary file, or inconsistent tokens.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"vocabulary file not found: {p}")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise VocabularyError(f"{p}: not a JSON vocabulary: {e}") from e
    if not isinstance(data, dict) or data.get("format") != VOCAB_FORMAT:
        raise VocabularyError(f"{p}: not a {VOCAB_FORMAT} file (write it with `speech asr vocab`)")
    unit, tokens = data.get("unit"), data.get("tokens")
    if unit not in ("char", "phoneme") or not isinstance(tokens, list):
        raise VocabularyError(f"{p}: needs 'unit' (char or phoneme) and a 'tokens' list")
    check_tokens(tokens, unit, str(p))
    return unit, tokens


def check_tokens(tokens: Sequence[Any], unit: Unit, source: str) -> None:
    """Raise :class:`VocabularyError` unless ``tokens`` is a usable vocabulary of ``unit``."""
    if len(tokens) < 2:
        raise VocabularyError(f"{source}: a vocabulary needs the blank and at least one token, got {len(tokens)}")
    if not all(isinstance(t, str) and t for t in tokens):
        raise VocabularyError(f"{source}: tokens must be non-empty strings")
    if len(set(tokens)) != len(tokens):
        dup = next(t for t, n in Counter(tokens).items() if n > 1)
        raise VocabularyError(f"{source}: token {dup!r} appears twice")
    blank = BLANK if unit == "char" else "<pad>"
    if tokens[0] != blank:
        raise VocabularyError(f"{source}: token 0 must be the blank {blank!r} for unit {unit!r}, got {tokens[0]!r}")


class TextEncoder:
    """Transcript -> CTC target ids for a :class:`CTCConfig` (picklable; used in data workers).

    Args:
        config: unit and tokens.
    """

    def __init__(self, config: CTCConfig) -> None:
        check_tokens(config.tokens, config.unit, "ctc.tokens")
        self.unit = config.unit
        self.tokens = list(config.tokens)
        self._ids = {t: i for i, t in enumerate(self.tokens)}
        self._tokenizer: Any = None
        self._unknown: set[str] = set()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_tokenizer"] = None  # rebuilt in each worker
        return state

    def encode(self, text: str, language: str | None = None) -> list[int]:
        """Target ids of one transcript (unknown characters become ``<unk>``, with a warning once).

        Args:
            text: the transcript as spoken.
            language: its language code (phoneme unit only).
        """
        if self.unit == "char":
            unk = self._ids.get(UNK)
            out = []
            for ch in normalize_transcript(text):
                i = self._ids.get(ch)
                if i is None:
                    if ch not in self._unknown:
                        self._unknown.add(ch)
                        logger.warning("character %r (U+%04X) is not in the vocabulary: mapped to <unk>", ch, ord(ch))
                    if unk is None:
                        continue
                    i = unk
                out.append(i)
            return out
        if language is None:
            raise VocabularyError("phoneme targets need the utterance's language (supervision.language)")
        if self._tokenizer is None:
            from speech.text.tokenizer import Tokenizer

            self._tokenizer = Tokenizer()
        tokenized = self._tokenizer.encode(text, language)
        out = []
        for sym in tokenized.symbols:
            if sym.startswith("<") and sym.endswith(">"):
                continue  # language tags and specials are not spoken
            i = self._ids.get(sym)
            if i is not None:
                out.append(i)
        return out

    def decode(self, ids: Iterable[int]) -> str:
        """Text of CTC output ids (blanks and repeats already removed)."""
        pieces = [self.tokens[i] for i in ids if 0 < i < len(self.tokens)]
        return "".join(p for p in pieces if not (p.startswith("<") and p.endswith(">")))
