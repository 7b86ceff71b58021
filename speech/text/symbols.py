"""The shared, versioned phoneme inventory: one id per symbol, for every language.

The table is append-only. Each version records how many symbols it had and a sha256 of them, so
loading a file whose old ids were reordered or edited fails loudly instead of silently scrambling a
trained model's embeddings. A model stores its table next to its weights (``symbols.json``).

What is in it (version 1, in id order):

- specials ``<pad>`` (0), ``<unk>`` (1), ``<bos>`` (2), ``<eos>`` (3);
- the word boundary ``" "`` and the break marks ``, . ? !``, espeak-ng's word-join ``-``;
- one tag per registered language (``<en-us>``, ``<es>``...);
- stress, length, tone digits;
- every single IPA code point (Latin letters, IPA Extensions, Spacing Modifier Letters, Combining
  Diacritical Marks, Phonetic Extensions, the Greek letters IPA borrows), so that a phone the table
  has never seen still maps to its parts instead of ``<unk>``;
- every multi-character phone the G2P backends produced on the project's sentence sets.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from speech.errors import SymbolTableError
from speech.fileio import atomic_write_text
from speech.text.languages import LANGUAGES
from speech.text.normalize import BREAK_MARKS
from speech.text.phonemes import LENGTH_MARKS, STRESS_MARKS, TONE_DIGITS, WORD_BOUNDARY

FORMAT = "speech-symbol-table"
PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"
SPECIALS: tuple[str, ...] = (PAD, UNK, BOS, EOS)
PAD_ID, UNK_ID, BOS_ID, EOS_ID = 0, 1, 2, 3
DEFAULT_TABLE_FILE = "symbols.json"


def _digest(symbols: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(symbols).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SymbolTable:
    """An append-only list of symbols; a symbol's id is its index.

    Args:
        symbols: all symbols, id order; the four specials first.
        sizes: the table's size at each version (``sizes[-1] == len(symbols)``); the version is
            ``len(sizes)``.
    """

    symbols: tuple[str, ...]
    sizes: tuple[int, ...]
    _ids: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if tuple(self.symbols[: len(SPECIALS)]) != SPECIALS:
            raise SymbolTableError(f"a symbol table must start with {SPECIALS}")
        ids: dict[str, int] = {}
        for i, s in enumerate(self.symbols):
            if not isinstance(s, str) or not s:
                raise SymbolTableError(f"symbol {i} is not a non-empty string: {s!r}")
            if s in ids:
                raise SymbolTableError(f"symbol {s!r} appears twice (ids {ids[s]} and {i})")
            ids[s] = i
        if not self.sizes or list(self.sizes) != sorted(set(self.sizes)) or self.sizes[-1] != len(self.symbols):
            raise SymbolTableError(f"inconsistent version sizes {self.sizes} for {len(self.symbols)} symbols")
        object.__setattr__(self, "_ids", ids)

    @property
    def version(self) -> int:
        """Version number; it grows by one each time symbols are appended."""
        return len(self.sizes)

    def __len__(self) -> int:
        return len(self.symbols)

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._ids

    @property
    def mapping(self) -> Mapping[str, int]:
        """Read-only ``symbol -> id`` view (its ``get`` is the fastest lookup in a loop)."""
        return MappingProxyType(self._ids)

    def get(self, symbol: str) -> int | None:
        """The id of ``symbol``, or ``None`` when it is not in the table."""
        return self._ids.get(symbol)

    def id(self, symbol: str) -> int:
        """The id of ``symbol``; ``<unk>``'s id when it is not in the table."""
        return self._ids.get(symbol, UNK_ID)

    def ids(self, symbols: Iterable[str]) -> list[int]:
        """Ids of many symbols (unknown ones map to ``<unk>``)."""
        get = self._ids.get
        return [get(s, UNK_ID) for s in symbols]

    def symbol(self, id_: int) -> str:
        """The symbol with id ``id_``."""
        if not 0 <= id_ < len(self.symbols):
            raise SymbolTableError(f"id {id_} out of range for a table of {len(self.symbols)} symbols")
        return self.symbols[id_]

    def to_symbols(self, ids: Iterable[int]) -> list[str]:
        """Symbols of many ids."""
        return [self.symbol(int(i)) for i in ids]

    def extend(self, new_symbols: Iterable[str]) -> SymbolTable:
        """A copy with ``new_symbols`` appended (those not already present) as a new version.

        Old ids never move. Returns ``self`` when nothing is new.
        """
        added: list[str] = []
        seen = set(self._ids)
        for s in new_symbols:
            if s not in seen:
                added.append(s)
                seen.add(s)
        if not added:
            return self
        symbols = self.symbols + tuple(added)
        return SymbolTable(symbols, self.sizes + (len(symbols),))

    def to_json(self) -> str:
        """Serialise to the table file format (JSON, one symbol per line for readable diffs)."""
        versions = [
            {"version": v + 1, "size": n, "sha256": _digest(self.symbols[:n])}
            for v, n in enumerate(self.sizes)
        ]
        body = ",\n".join("    " + json.dumps(s, ensure_ascii=False) for s in self.symbols)
        head = json.dumps({"format": FORMAT, "version": self.version, "versions": versions}, ensure_ascii=False)
        return head[:-1] + ',\n  "symbols": [\n' + body + "\n  ]\n}\n"

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the table atomically to ``path`` (JSON)."""
        atomic_write_text(path, self.to_json())
        return Path(path)

    @classmethod
    def from_json(cls, text: str, source: str = "<string>") -> SymbolTable:
        """Parse and verify a table file's content (see :meth:`load`)."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise SymbolTableError(f"{source} is not valid JSON: {e}") from e
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise SymbolTableError(f"{source} is not a speech symbol table (format != {FORMAT!r})")
        symbols, versions = data.get("symbols"), data.get("versions")
        if not isinstance(symbols, list) or not isinstance(versions, list) or not versions:
            raise SymbolTableError(f"{source} lacks 'symbols' or 'versions'")
        try:
            sizes = tuple(int(v["size"]) for v in versions)
        except (KeyError, TypeError, ValueError) as e:
            raise SymbolTableError(f"{source} has malformed 'versions': {e}") from e
        table = cls(tuple(symbols), sizes)
        for v in versions:
            if _digest(table.symbols[: int(v["size"])]) != v.get("sha256"):
                raise SymbolTableError(
                    f"{source}: the first {v['size']} symbols differ from version {v.get('version')} "
                    "as it was published; ids of a published version must never change"
                )
        return table

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SymbolTable:
        """Read a table file, checking its format and that no published id has moved.

        Raises:
            FileNotFoundError: no such file.
            SymbolTableError: corrupt file, another format, or edited history.
        """
        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(f"symbol table not found: {p}")
        return cls.from_json(p.read_text(encoding="utf-8"), source=str(p))

    @classmethod
    def default(cls) -> SymbolTable:
        """The table shipped with the package (``speech/text/data/symbols.json``)."""
        ref = resources.files("speech.text").joinpath("data", DEFAULT_TABLE_FILE)
        return cls.from_json(ref.read_text(encoding="utf-8"), source=str(ref))


def _codepoint_range(start: int, end: int) -> list[str]:
    return [chr(c) for c in range(start, end + 1) if not chr(c).isspace()]


def ipa_codepoints() -> list[str]:
    """Every single code point that IPA transcriptions are made of (see module docstring)."""
    chars = list("abcdefghijklmnopqrstuvwxyz")
    chars += list("æçðøœßþħŋłɫǀǁǂǃβθχ")
    chars += _codepoint_range(0x0250, 0x02AF)  # IPA Extensions
    chars += _codepoint_range(0x02B0, 0x02FF)  # Spacing Modifier Letters (incl. tone letters)
    chars += _codepoint_range(0x0300, 0x036F)  # Combining Diacritical Marks
    chars += _codepoint_range(0x1D00, 0x1DBF)  # Phonetic Extensions (+ Supplement)
    chars += ["ⁿ", "ˀ"]
    out: list[str] = []
    for c in chars:
        if c not in out:
            out.append(c)
    return out


def base_symbols() -> list[str]:
    """The symbols of version 1 that do not depend on any corpus, in id order."""
    out = list(SPECIALS) + [WORD_BOUNDARY, *BREAK_MARKS, "-"]
    out += [lang.tag for lang in LANGUAGES]
    out += sorted(STRESS_MARKS) + sorted(LENGTH_MARKS) + sorted(TONE_DIGITS)
    out += [c for c in ipa_codepoints() if c not in out]
    return out


def build_table(observed: Iterable[str]) -> SymbolTable:
    """A first-version table: :func:`base_symbols` plus the ``observed`` symbols not yet in it."""
    symbols = base_symbols()
    present = set(symbols)
    for s in observed:
        if s not in present:
            symbols.append(s)
            present.add(s)
    return SymbolTable(tuple(symbols), (len(symbols),))
