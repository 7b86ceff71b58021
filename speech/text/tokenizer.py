"""Text + language -> symbol ids (and back), over the shared symbol table.

Each language span is introduced by its language tag (``<es>``), followed by its phoneme symbols;
spans are joined by a word boundary. A parallel per-token language list tells a synthesizer which
language embedding to use for every token, which is what inline language switching needs.
"""

from __future__ import annotations

import logging
import os
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from speech.text.frontend import Frontend, PhonemeSpan
from speech.text.languages import Language, get_language
from speech.text.phonemes import WORD_BOUNDARY, split_tidy_phonemes
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

    ids: tuple[int, ...]
    symbols: tuple[str, ...]
    languages: tuple[str, ...]
    spans: tuple[PhonemeSpan, ...]
    unknown: tuple[str, ...]

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
        cache_size: tokenized texts kept in an LRU cache (0 disables it); results are immutable,
            so cached ones are shared safely.
    """

    def __init__(
        self,
        symbols: SymbolTable | None = None,
        frontend: Frontend | None = None,
        cache_size: int = 8192,
    ) -> None:
        self.symbols = symbols or SymbolTable.default()
        self.frontend = frontend or Frontend()
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple[str, str], TokenizedText] = OrderedDict()
        self._reported: set[tuple[str, str]] = set()

    @classmethod
    def from_dir(cls, directory: str | os.PathLike[str], frontend: Frontend | None = None) -> Tokenizer:
        """The tokenizer of a model directory (reads its ``symbols.json``)."""
        return cls(SymbolTable.load(Path(directory) / DEFAULT_TABLE_FILE), frontend)

    def _report(self, symbol: str, language: str) -> None:
        if (symbol, language) not in self._reported:
            self._reported.add((symbol, language))
            logger.warning(
                "symbol %r (U+%04X) from %s is not in the symbol table (v%d): mapped to <unk>",
                symbol, ord(symbol[0]), language, self.symbols.version,
            )

    def _fall_back(
        self, phones: list[str], found: list[int | None], language: str,
        ids: list[int], symbols: list[str], unknown: list[str],
    ) -> None:
        """Append ``phones``; a phone the table lacks falls back to its code points, and a code
        point the table lacks becomes ``<unk>`` (reported once per language)."""
        get = self.symbols.mapping.get
        for s, i in zip(phones, found):
            if i is not None:
                ids.append(i)
                symbols.append(s)
                continue
            for ch in s:
                j = get(ch)
                if j is None:
                    unknown.append(ch)
                    self._report(ch, language)
                    j = UNK_ID
                ids.append(j)
                symbols.append(ch)

    def _encode_spans(self, spans: list[PhonemeSpan]) -> TokenizedText:
        ids: list[int] = []
        symbols: list[str] = []
        languages: list[str] = []
        unknown: list[str] = []
        get = self.symbols.mapping.get
        for k, span in enumerate(spans):
            start = len(ids)
            phones = split_tidy_phonemes(span.phonemes)  # spans come tidy from the front-end
            if k:
                phones.insert(0, WORD_BOUNDARY)
            phones.insert(1 if k else 0, get_language(span.language).tag)
            span_ids = [get(s) for s in phones]
            if None in span_ids:
                self._fall_back(phones, span_ids, span.language, ids, symbols, unknown)
            else:  # the common case, in one comprehension
                ids += span_ids
                symbols += phones
            languages += [span.language] * (len(ids) - start)
        return TokenizedText(tuple(ids), tuple(symbols), tuple(languages), tuple(spans), tuple(unknown))

    def encode(self, text: str, language: str | Language) -> TokenizedText:
        """Tokenize one text (inline ``<code>..</code>`` spans allowed)."""
        return self.encode_batch([text], [language])[0]

    def encode_batch(
        self, texts: Sequence[str], languages: Sequence[str | Language] | str | Language
    ) -> list[TokenizedText]:
        """Tokenize many texts; phonemisation is batched per language, results LRU-cached."""
        if isinstance(languages, (str, Language)):
            languages = [languages] * len(texts)
        if len(languages) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(languages)} languages")
        keys = [(t, get_language(lang).code) for t, lang in zip(texts, languages)]
        todo = [k for k in dict.fromkeys(keys) if k not in self._cache]
        if todo:
            spans = self.frontend.phonemize_batch([t for t, _ in todo], [c for _, c in todo])
            for key, text_spans in zip(todo, spans):
                self._cache[key] = self._encode_spans(text_spans)
        out = []
        for key in keys:
            self._cache.move_to_end(key)
            out.append(self._cache[key])
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return out

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
