"""The text front-end: raw text in a language -> phonemised spans.

:class:`Frontend` validates the text, splits inline language spans, normalises each span in its
own language, and phonemises it with the language's G2P backend, caching results (LRU) so that
repeated text costs nothing. Batches are phonemised with one backend call per language.
"""

from __future__ import annotations

import logging
import warnings
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from speech.errors import EmptyTextError, SpeechWarning, TextTooLongError
from speech.text.backends import BACKENDS, G2PBackend
from speech.text.languages import Language, get_language
from speech.text.markup import split_language_spans
from speech.text.normalize import (
    foreign_script_runs,
    has_foreign_letters,
    normalize_text,
    script_fraction,
    strip_invisible,
)
from speech.text.phonemes import tidy_ipa
from speech.text.ssml import looks_like_ssml, ssml_to_text

logger = logging.getLogger(__name__)


class ScriptMismatchWarning(SpeechWarning):
    """Letters in a script that their language does not use.

    Runs in a script another registered language reads are read in that language (and this is
    said); letters no registered language reads are spelt one by one by espeak-ng.
    """


@dataclass
class FrontendConfig:
    """Settings of the text front-end.

    Attributes:
        max_chars: longest accepted text, in characters after whitespace folding.
        cache_size: phonemised spans kept in the LRU cache (0 disables it).
        backends: per-language override of the registry's G2P backend, e.g. ``{"cmn": "espeak"}``.
    """

    max_chars: int = 2000
    cache_size: int = 8192
    backends: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.max_chars <= 0:
            raise ValueError(f"max_chars must be positive, got {self.max_chars}")
        if self.cache_size < 0:
            raise ValueError(f"cache_size must be >= 0, got {self.cache_size}")
        for code, name in self.backends.items():
            get_language(code)
            if name not in BACKENDS:
                raise ValueError(f"unknown G2P backend {name!r} for {code}; choose from {sorted(BACKENDS)}")


@dataclass(frozen=True)
class PhonemeSpan:
    """One stretch of text in one language, normalised and phonemised.

    Attributes:
        language: canonical language code.
        text: the normalised text that was phonemised.
        phonemes: IPA, words separated by spaces, break marks kept.
    """

    language: str
    text: str
    phonemes: str


class Frontend:
    """Text -> phonemes for every registered language.

    Args:
        config: front-end settings (defaults when ``None``).
        backends: ready-made backend instances by name; they replace (or add to) the built-in
            ones, which is how another G2P engine plugs in.

    Example:
        >>> fe = Frontend()  # doctest: +SKIP
        >>> fe.phonemize("Hola mundo", "es")[0].phonemes  # doctest: +SKIP
        'ˈola mˈundo'
    """

    def __init__(
        self,
        config: FrontendConfig | None = None,
        backends: Mapping[str, G2PBackend] | None = None,
    ) -> None:
        self.config = config or FrontendConfig()
        self._backends: dict[str, G2PBackend] = dict(backends or {})
        self._cache: OrderedDict[tuple[str, str], str] = OrderedDict()

    def backend_for(self, language: Language) -> G2PBackend:
        """The backend instance used for ``language`` (created on first use)."""
        name = self.config.backends.get(language.code, language.backend)
        if name not in self._backends:
            if name not in BACKENDS:
                raise ValueError(f"unknown G2P backend {name!r}; choose from {sorted(BACKENDS)}")
            self._backends[name] = BACKENDS[name]()
        return self._backends[name]

    def split(self, text: str, language: str | Language) -> list[tuple[Language, str]]:
        """Validate ``text`` and return its normalised ``(language, text)`` spans.

        Raises:
            EmptyTextError: nothing speakable is left after normalisation.
            TextTooLongError: longer than ``config.max_chars``.
            UnknownLanguageError: unknown ``language`` or inline tag.
            MarkupError: malformed inline tags or SSML (SSMLError).
        """
        lang = get_language(language)
        if not isinstance(text, str):
            raise TypeError(f"text must be str, got {type(text).__name__}")
        if looks_like_ssml(text):
            # SSML's words, never its tags (the synthesizer also renders its pauses and prosody).
            text = ssml_to_text(text, lang)
        clean = strip_invisible(text)
        if len(clean) > self.config.max_chars:
            raise TextTooLongError(
                f"text has {len(clean)} characters, over the limit of {self.config.max_chars}; "
                "split it into sentences or raise FrontendConfig.max_chars"
            )
        spans = []
        for span_lang, span_text in split_language_spans(clean, lang):
            if not has_foreign_letters(span_text, span_lang):  # the common case: one search, no splitting
                normalised = normalize_text(span_text, span_lang)
                if any(c.isalnum() for c in normalised):
                    spans.append((span_lang, normalised))
                continue
            own = []
            for code, piece in foreign_script_runs(span_text, span_lang):
                if code is None:
                    own.append(piece)
                    piece_lang = span_lang
                else:
                    piece_lang = get_language(code)
                    self._warn(
                        f"read {piece[:40]!r} as {piece_lang.display_name} ({code}): {span_lang.display_name} "
                        f"({span_lang.code}) is not written in its letters; tag it as <{code}>...</{code}> "
                        "(or another language) to choose"
                    )
                normalised = normalize_text(piece, piece_lang)
                if any(c.isalnum() for c in normalised):
                    spans.append((piece_lang, normalised))
            self._check_script("".join(own), span_lang)
        if not spans:
            raise EmptyTextError(f"nothing to say in {text!r}: the text is empty or only punctuation")
        return spans

    def _check_script(self, text: str, language: Language) -> None:
        # Only letters of scripts no registered language reads are left here (the rest were split
        # off by foreign_script_runs).
        if script_fraction(text, language) < 1.0:
            self._warn(
                f"{text.strip()[:40]!r} holds letters in a script that none of the supported languages "
                f"reads; espeak-ng will spell them letter by letter in {language.display_name} ({language.code})"
            )

    @staticmethod
    def _warn(message: str) -> None:
        logger.warning(message)
        warnings.warn(message, ScriptMismatchWarning, stacklevel=5)

    def phonemize(self, text: str, language: str | Language) -> list[PhonemeSpan]:
        """Phonemise one text; inline ``<code>...</code>`` spans use their own language."""
        return self.phonemize_batch([text], [language])[0]

    def phonemize_batch(
        self, texts: Sequence[str], languages: Sequence[str | Language] | str | Language
    ) -> list[list[PhonemeSpan]]:
        """Phonemise many texts, one backend call per language for whatever is not cached.

        Args:
            texts: the texts.
            languages: one language for all, or one per text.
        """
        if isinstance(languages, (str, Language)):
            languages = [languages] * len(texts)
        if len(languages) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(languages)} languages")
        all_spans = [self.split(t, lang) for t, lang in zip(texts, languages)]
        # Collect cache misses per language, then phonemise each language's misses at once.
        missing: dict[str, tuple[Language, list[str]]] = {}
        for spans in all_spans:
            for lang, norm in spans:
                if (lang.code, norm) not in self._cache:
                    entry = missing.setdefault(lang.code, (lang, []))
                    if norm not in entry[1]:
                        entry[1].append(norm)
        fresh: dict[tuple[str, str], str] = {}
        for code, (lang, norms) in missing.items():
            ipas = self.backend_for(lang).phonemize(norms, lang)
            if len(ipas) != len(norms):
                raise RuntimeError(f"G2P backend for {code} returned {len(ipas)} results for {len(norms)} texts")
            for norm, ipa in zip(norms, ipas):
                fresh[(code, norm)] = tidy_ipa(ipa)
        out: list[list[PhonemeSpan]] = []
        for spans in all_spans:
            result = []
            for lang, norm in spans:
                key = (lang.code, norm)
                ipa = fresh[key] if key in fresh else self._cache_get(key)
                result.append(PhonemeSpan(lang.code, norm, ipa))
            if not any(span.phonemes for span in result):
                raise EmptyTextError(f"nothing pronounceable in {norm!r} ({lang.code})")
            out.append(result)
        for key, ipa in fresh.items():
            self._cache_put(key, ipa)
        return out

    def _cache_get(self, key: tuple[str, str]) -> str:
        self._cache.move_to_end(key)
        return self._cache[key]

    def _cache_put(self, key: tuple[str, str], ipa: str) -> None:
        if self.config.cache_size == 0:
            return
        self._cache[key] = ipa
        self._cache.move_to_end(key)
        while len(self._cache) > self.config.cache_size:
            self._cache.popitem(last=False)
