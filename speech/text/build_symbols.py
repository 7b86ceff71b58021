"""Grow the packaged symbol table from sentence files: ``python -m speech.text.build_symbols``.

Phonemises every sentence of the given ``LANG<TAB>TEXT`` files with the default front-end and
appends the symbols the table lacks as a new version (old ids never move). With no table yet, it
writes version 1. ``--check`` only reports what is missing and exits 1 if anything is.
"""

from __future__ import annotations

import argparse
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

from speech.text.frontend import Frontend
from speech.text.phonemes import split_phonemes
from speech.text.symbols import DEFAULT_TABLE_FILE, SymbolTable, build_table

logger = logging.getLogger(__name__)


def read_sentence_file(path: str | Path) -> list[tuple[str, str]]:
    """``(language, text)`` pairs from a UTF-8 ``LANG<TAB>TEXT`` file (blank lines skipped)."""
    pairs = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        lang, sep, text = line.partition("\t")
        if not sep:
            raise ValueError(f"{path}:{n}: expected LANG<TAB>TEXT")
        pairs.append((lang.strip(), text.strip()))
    return pairs


def observed_symbols(pairs: Iterable[tuple[str, str]], frontend: Frontend | None = None) -> Counter[str]:
    """How often each phoneme symbol occurs when the front-end phonemises ``pairs``."""
    frontend = frontend or Frontend()
    pairs = list(pairs)
    counts: Counter[str] = Counter()
    spans = frontend.phonemize_batch([t for _, t in pairs], [lang for lang, _ in pairs])
    for text_spans in spans:
        for span in text_spans:
            counts.update(split_phonemes(span.phonemes))
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point (see module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="+", type=Path, help="LANG<TAB>TEXT sentence files")
    parser.add_argument("--table", type=Path, default=None, help="table to grow (default: packaged)")
    parser.add_argument("--check", action="store_true", help="only report missing symbols")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    table_path = args.table or Path(str(resources.files("speech.text").joinpath("data", DEFAULT_TABLE_FILE)))
    pairs = [p for f in args.files for p in read_sentence_file(f)]
    counts = observed_symbols(pairs)
    # most frequent first, so version 1 puts common phones at low ids
    ordered = [s for s, _ in counts.most_common()]
    if table_path.is_file():
        table = SymbolTable.load(table_path)
        missing = [s for s in ordered if s not in table]
        if args.check:
            logger.info("%d symbols missing from %s: %s", len(missing), table_path, missing)
            return 1 if missing else 0
        new = table.extend(missing)
    else:
        if args.check:
            logger.info("no table at %s", table_path)
            return 1
        new = build_table(ordered)
    new.save(table_path)
    logger.info("%s: version %d, %d symbols (%d sentences read)", table_path, new.version, len(new), len(pairs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
