"""Text + language -> symbol ids (and back), over the shared symbol table.

Each language span is introduced by its language tag (``<es>``), followed by its phoneme symbols;
spans are joined by a word boundary. A parallel per-token language list tells a synthesizer which
language embedding to use for every token, which is what inline language switching needs.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from speech.text.frontend import Frontend, PhonemeSpan
from speech.text.languages import Language, get_language
from speech.text.phonemes import WORD_BOUNDARY, split_phonemes
from speech.text.symbols import DEFAULT_TABLE_FILE, PAD_ID, UNK_ID, SymbolTable

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenizedText:
    """The result of :meth:`Tokenizer.encode`.

    Attributes:
        ids: symbol ids.
        symbols: the symbols, one per id (unknown ones as they were, not ``<unk>``).
        languages: the language code of each token.
        spans: the phonemised spans the tokens came from.
        unknown: symbols that were not in the table and became ``<unk>``.
    """

    ids: list[int]
    symbols: list[str]
    languages: list[str]
    spans: list[PhonemeSpan]
    unknown: list[str]

    @property
    def phonemes(self) -> str:
        """The IPA of all spans, joined by spaces."""
        return " ".join(s.phonemes for s in self.spans)

    def __len__(self) -> int:
        return len(self.ids)


class Tokenizer:
    """Maps text to ids of a :class:`SymbolTable` through a :class:`Frontend`.

    Args:
        symbols: the table (the packaged default when ``None``).
        frontend: the text front-end (a default one when ``None``).
    """

    def __init__(self, symbols: SymbolTable | None = None, frontend: Frontend | None = None) -> None:
        self.symbols = symbols or SymbolTable.default()
        self.frontend = frontend or Frontend()
        self._reported: set[tuple[str, str]] = set()

    @classmethod
    def from_dir(cls, directory: str | os.PathLike[str], frontend: Frontend | None = None) -> Tokenizer:
        """The tokenizer of a model directory (reads its ``symbols.json``)."""
        return cls(SymbolTable.load(Path(directory) / DEFAULT_TABLE_FILE), frontend)

    def symbol_ids(self, symbols: Sequence[str], language: str) -> tuple[list[int], list[str]]:
        """Ids of phoneme symbols; a phone not in the table falls back to its code points.

        Returns:
            ``(ids, unknown)`` where ``unknown`` lists what became ``<unk>``.
        """
        ids: list[int] = []
        unknown: list[str] = []
        for s in symbols:
            i = self.symbols.get(s)
            if i is not None:
                ids.append(i)
                continue
            for ch in s:
                j = self.symbols.get(ch)
                if j is None:
                    unknown.append(ch)
                    self._report(ch, language)
                    j = UNK_ID
                ids.append(j)
        return ids, unknown

    def _report(self, symbol: str, language: str) -> None:
        if (symbol, language) not in self._reported:
            self._reported.add((symbol, language))
            logger.warning(
                "symbol %r (U+%04X) from %s is not in the symbol table (v%d): mapped to <unk>",
                symbol, ord(symbol[0]), language, self.symbols.version,
            )

    def _encode_spans(self, spans: list[PhonemeSpan]) -> TokenizedText:
        ids: list[int] = []
        symbols: list[str] = []
        languages: list[str] = []
        unknown: list[str] = []
        for k, span in enumerate(spans):
            if k:
                ids.append(self.symbols.id(WORD_BOUNDARY))
                symbols.append(WORD_BOUNDARY)
                languages.append(span.language)
            tag = get_language(span.language).tag
            phones = split_phonemes(span.phonemes)
            span_ids, span_unknown = self.symbol_ids([tag, *phones], span.language)
            ids += span_ids
            unknown += span_unknown
            # a phone that fell back to code points yields several ids; keep symbols aligned
            for s in [tag, *phones]:
                n = 1 if s in self.symbols else len(s)
                symbols += [s] if n == 1 else list(s)
            languages += [span.language] * len(span_ids)
        return TokenizedText(ids, symbols, languages, spans, unknown)

    def encode(self, text: str, language: str | Language) -> TokenizedText:
        """Tokenize one text (inline ``<code>..</code>`` spans allowed)."""
        return self._encode_spans(self.frontend.phonemize(text, language))

    def encode_batch(
        self, texts: Sequence[str], languages: Sequence[str | Language] | str | Language
    ) -> list[TokenizedText]:
        """Tokenize many texts; phonemisation is batched per language."""
        return [self._encode_spans(s) for s in self.frontend.phonemize_batch(texts, languages)]

    def decode(self, ids: Sequence[int]) -> list[str]:
        """Symbols of ``ids`` (padding removed)."""
        return [self.symbols.symbol(int(i)) for i in ids if int(i) != PAD_ID]

    @staticmethod
    def pad(batch: Sequence[TokenizedText]) -> tuple[np.ndarray, np.ndarray]:
        """Right-pad a batch: ``(ids (batch, max_len) int64, lengths (batch,) int64)``."""
        lengths = np.array([len(t.ids) for t in batch], dtype=np.int64)
        out = np.full((len(batch), int(lengths.max(initial=0))), PAD_ID, dtype=np.int64)
        for row, t in enumerate(batch):
            out[row, : len(t.ids)] = t.ids
        return out, lengths
