"""Sentences per second of `speech.text` against raw `phonemizer` on the same sentences.

Both sides use espeak-ng through phonemizer with the same settings (stress, punctuation kept):
the raw side calls phonemizer's high-level `EspeakBackend`; ours adds normalisation, inline-span
parsing, script checks, segmentation and id lookup. Languages whose
default backend is not espeak-ng (cmn, ja) are left out of the ratio, since there the comparison
would be between different G2P engines. A third figure shows repeated text with the LRU cache.

    python benchmarks/frontend.py [--repeats 3]
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

from timing import best_time

from speech.text.backends.espeak import EspeakBackend, configure_espeak_library
from speech.text.build_symbols import read_sentence_file
from speech.text.frontend import Frontend, FrontendConfig
from speech.text.languages import get_language
from speech.text.symbols import SymbolTable
from speech.text.tokenizer import Tokenizer

SENTENCES = Path(__file__).resolve().parents[1] / "tests" / "text" / "data" / "sentences.tsv"


def phonemizer_backends(codes: list[str]) -> dict[str, object]:
    """Plain phonemizer espeak backends, with the settings a user would pick for TTS."""
    from phonemizer.backend import EspeakBackend as Phonemizer

    configure_espeak_library()
    return {
        code: Phonemizer(
            get_language(code).espeak_voice,
            preserve_punctuation=True,
            with_stress=True,
            language_switch="remove-flags",
            words_mismatch="ignore",
        )
        for code in codes
    }


def raw_phonemizer(groups: dict[str, list[str]], backends: dict[str, object]) -> None:
    for code, texts in groups.items():
        backends[code].phonemize(texts, strip=True, njobs=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    pairs = [(lang, text) for lang, text in read_sentence_file(SENTENCES) if get_language(lang).backend == "espeak"]
    groups: dict[str, list[str]] = defaultdict(list)
    for lang, text in pairs:
        groups[lang].append(text)
    n = len(pairs)

    raw = phonemizer_backends(list(groups))
    backend = EspeakBackend()
    table = SymbolTable.default()
    texts, langs = [t for _, t in pairs], [lang for lang, _ in pairs]

    def cold() -> Tokenizer:  # nothing remembered from an earlier pass, only the loaded voices
        frontend = Frontend(FrontendConfig(cache_size=0), backends={"espeak": backend})
        return Tokenizer(table, frontend, cache_size=0)

    # warm up both (library load, voice load) so neither side pays it in the timing
    raw_phonemizer(groups, raw)
    cold().encode_batch(texts, langs)

    t_raw = best_time(lambda: raw_phonemizer(groups, raw), args.repeats, warmup=False)
    t_ours = best_time(lambda: cold().encode_batch(texts, langs), args.repeats, warmup=False)
    cached = Tokenizer(frontend=Frontend(backends={"espeak": backend}))
    cached.encode_batch(texts, langs)
    t_cached = best_time(lambda: cached.encode_batch(texts, langs), args.repeats, warmup=False)

    print(f"sentences: {n} in {len(groups)} languages (espeak-ng backend)")
    print(f"raw phonemizer       : {n / t_raw:8.1f} sentences/s")
    print(f"speech.text (no cache): {n / t_ours:8.1f} sentences/s  overhead {100 * (t_ours / t_raw - 1):+.1f} %")
    print(f"speech.text (cached)  : {n / t_cached:8.1f} sentences/s  ({t_raw / t_cached:.0f}x raw phonemizer)")


if __name__ == "__main__":
    main()
