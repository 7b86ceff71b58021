"""``speech phonemize``: text -> phonemes and ids; ``--list-languages`` prints the registry."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``speech phonemize``."""
    p = subparsers.add_parser(
        "phonemize",
        help="turn text into shared-inventory phonemes and ids",
        description="Phonemise text with the language's G2P backend and map it to symbol ids. "
        "Inline spans switch language: 'I said <es>hola</es> twice'.",
    )
    p.add_argument("text", nargs="*", help="text to phonemise (or use --file)")
    p.add_argument("--lang", "-l", default=None, help="language code or alias, e.g. es, en-gb, zh")
    p.add_argument("--file", "-f", type=Path, help="phonemise each non-empty line of this UTF-8 file")
    p.add_argument("--symbols", type=Path, help="symbol table (default: the packaged one)")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--list-languages", action="store_true", help="print the language registry and exit")
    p.set_defaults(func=run)


def _list_languages() -> int:
    from speech.text.languages import list_languages

    print(f"{'code':<8} {'name':<26} {'espeak':<8} {'script':<6} backend  aliases")
    for lang in list_languages():
        print(
            f"{lang.code:<8} {lang.display_name:<26} {lang.espeak_voice:<8} {lang.scripts[0]:<6} "
            f"{lang.backend:<8} {', '.join(lang.aliases)}"
        )
    return 0


def run(args: argparse.Namespace) -> int:
    """Handler of ``speech phonemize``."""
    if args.list_languages:
        return _list_languages()
    from speech.errors import EmptyTextError, SpeechError
    from speech.text.symbols import SymbolTable
    from speech.text.tokenizer import Tokenizer

    if args.lang is None:
        raise SpeechError("--lang is required (see --list-languages)")
    if args.file:
        from speech.fileio import read_text_lines

        lines = [line for _, line in read_text_lines(args.file, "--file")]
    else:
        lines = [" ".join(args.text)] if args.text else []
    if not lines:
        raise EmptyTextError("no text given: pass TEXT or --file")
    table = SymbolTable.load(args.symbols) if args.symbols else None
    tokenizer = Tokenizer(table)
    for text, tok in zip(lines, tokenizer.encode_batch(lines, args.lang)):
        if args.json:
            record = {
                "text": text,
                "language": tok.spans[0].language,
                "phonemes": tok.phonemes,
                "symbols": tok.symbols,
                "ids": tok.ids,
                "unknown": tok.unknown,
            }
            print(json.dumps(record, ensure_ascii=False))
        else:
            if len(lines) > 1:
                print(text)
            print(tok.phonemes)
            print(" ".join(map(str, tok.ids)))
    sys.stdout.flush()
    return 0
