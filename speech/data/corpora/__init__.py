"""Real corpora as lhotse manifests that follow :mod:`speech.data.manifests`.

One small module per corpus, each with a ``prepare_<corpus>(src_dir, out_dir, ...)`` function.
Where lhotse has a recipe (LJ Speech, VCTK, LibriTTS-R, MLS, Common Voice, AISHELL-3, Fluent Speech
Commands) the module runs it and maps its output onto our convention; ESD, SLURP, CSS10 and the
Asterisk prompts (Debian's real recordings, the real-speech test set) have parsers here. Every
preparation skips corrupt, empty and missing audio files, counts them, reports them at the end
(log, :attr:`PreparedCorpus.skipped`, ``<corpus>_skipped.tsv``) and writes nothing unless every
split validates.

Example:
    >>> from speech.data.corpora import prepare_corpus
    >>> result = prepare_corpus("vctk", "VCTK-Corpus-0.92", "data/vctk", mic="mic1")  # doctest: +SKIP
    >>> print(result.summary())  # doctest: +SKIP

From the shell: ``speech data prepare vctk --src VCTK-Corpus-0.92 --out data/vctk --mic mic1``.
"""

from __future__ import annotations

import difflib
import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from speech.data.corpora.base import (
    CorpusFormatError,
    CorpusNotFoundError,
    CorpusOptionError,
    CorpusReadError,
    PreparedCorpus,
    SkippedItem,
    SplitManifests,
    UnknownCorpusError,
    probe_audio,
)


@dataclass(frozen=True)
class CorpusInfo:
    """One corpus that ``speech data prepare`` knows.

    Attributes:
        name: the name used on the command line and as the manifest / speaker prefix.
        title: human-readable name.
        module: the module that prepares it.
        options: keyword options its ``prepare_<name>`` takes besides ``src_dir``, ``out_dir`` and
            ``num_jobs``.
        aliases: other accepted spellings.
        lhotse_recipe: the lhotse recipe it wraps, or ``None`` for our own parser.
    """

    name: str
    title: str
    module: str
    options: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    lhotse_recipe: str | None = None

    def load(self) -> Callable[..., PreparedCorpus]:
        """The ``prepare_<name>`` function (imports the module, and lhotse, on first use)."""
        return getattr(importlib.import_module(self.module), f"prepare_{self.name}")


_PKG = "speech.data.corpora"
CORPORA: tuple[CorpusInfo, ...] = (
    CorpusInfo("ljspeech", "LJ Speech", f"{_PKG}.ljspeech", (), ("lj", "lj_speech"), "prepare_ljspeech"),
    CorpusInfo("vctk", "CSTR VCTK", f"{_PKG}.vctk", ("mic",), (), "prepare_vctk"),
    CorpusInfo("libritts_r", "LibriTTS-R", f"{_PKG}.libritts", ("parts",), ("librittsr",), "prepare_librittsr"),
    CorpusInfo("libritts", "LibriTTS", f"{_PKG}.libritts", ("parts",), (), "prepare_libritts"),
    CorpusInfo("mls", "Multilingual LibriSpeech", f"{_PKG}.mls", ("languages", "opus"),
               ("multilingual_librispeech",), "prepare_mls"),
    CorpusInfo("commonvoice", "Mozilla Common Voice", f"{_PKG}.commonvoice", ("languages", "splits"),
               ("cv", "common_voice"), "prepare_commonvoice"),
    CorpusInfo("aishell3", "AISHELL-3", f"{_PKG}.aishell3", (), ("aishell_3",), "prepare_aishell3"),
    CorpusInfo("fsc", "Fluent Speech Commands", f"{_PKG}.fsc", (), ("fluent_speech_commands", "slu"), "prepare_slu"),
    CorpusInfo("esd", "ESD (Emotional Speech Dataset)", f"{_PKG}.esd"),
    CorpusInfo("slurp", "SLURP", f"{_PKG}.slurp", ("synthetic", "headset_only", "audio_dir")),
    CorpusInfo("css10", "CSS10", f"{_PKG}.css10", ("languages", "language")),
    CorpusInfo("asterisk", "Asterisk core sounds (Debian)", f"{_PKG}.asterisk", ("languages", "transcripts_dir"),
               ("asterisk_sounds",)),
)


def _key(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def list_corpora() -> list[CorpusInfo]:
    """Every corpus ``speech data prepare`` knows, in a stable order."""
    return list(CORPORA)


def get_corpus(name: str) -> CorpusInfo:
    """Look a corpus up by name or alias (case and ``-``/``_`` do not matter).

    Raises:
        UnknownCorpusError: the name is unknown; the message lists close matches and every corpus.
    """
    by_name = {_key(n): info for info in CORPORA for n in (info.name, *info.aliases)}
    info = by_name.get(_key(name))
    if info is not None:
        return info
    close = difflib.get_close_matches(_key(name), list(by_name), n=3, cutoff=0.6)
    hint = f" Did you mean: {', '.join(dict.fromkeys(by_name[c].name for c in close))}?" if close else ""
    raise UnknownCorpusError(
        f"unknown corpus {name!r}.{hint} Known corpora: {', '.join(c.name for c in CORPORA)}."
    )


def prepare_corpus(
    name: str,
    src_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    num_jobs: int = 1,
    **options: Any,
) -> PreparedCorpus:
    """Prepare any known corpus by name.

    Args:
        name: corpus name or alias (see :func:`list_corpora`).
        src_dir: the corpus as downloaded and extracted.
        out_dir: where to write ``<corpus>_{recordings,supervisions}_<split>.jsonl.gz``.
        num_jobs: parallel workers for checking and reading audio.
        **options: corpus-specific options (``mic=`` for VCTK, ``languages=`` for MLS...).

    Raises:
        UnknownCorpusError: unknown corpus name.
        CorpusOptionError: an option the corpus does not take.
    """
    info = get_corpus(name)
    extra = sorted(set(options) - set(info.options))
    if extra:
        takes = ", ".join(info.options) or "no options"
        raise CorpusOptionError(f"{info.name} does not take {', '.join(extra)} (it takes: {takes})")
    return info.load()(src_dir, out_dir, num_jobs=num_jobs, **options)


__all__ = [
    "CORPORA",
    "CorpusFormatError",
    "CorpusInfo",
    "CorpusNotFoundError",
    "CorpusOptionError",
    "CorpusReadError",
    "PreparedCorpus",
    "SkippedItem",
    "SplitManifests",
    "UnknownCorpusError",
    "get_corpus",
    "list_corpora",
    "prepare_corpus",
    "probe_audio",
]
