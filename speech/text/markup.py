"""Inline language switching: ``I said <es>hola</es> twice`` -> spans with their own language."""

from __future__ import annotations

import re

from speech.errors import MarkupError
from speech.text.languages import Language, get_language

_CODE = r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*"
_SPAN = re.compile(rf"<({_CODE})>(.*?)</\1>", re.DOTALL)
_TAG = re.compile(rf"</?{_CODE}>")


def split_language_spans(text: str, default: Language) -> list[tuple[Language, str]]:
    """Cut ``text`` into ``(language, text)`` spans at inline ``<code>...</code>`` tags.

    Text outside tags is in ``default``. Tags may use any alias (``<es-ES>``, ``<zh>``).
    Empty spans are dropped; neighbouring spans of one language are kept apart (the caller
    decides how to join them).

    Raises:
        MarkupError: an unclosed, unopened or nested tag.
        UnknownLanguageError: a tag names an unknown language.
    """
    spans: list[tuple[Language, str]] = []
    pos = 0
    for m in _SPAN.finditer(text):
        _add_plain(spans, text[pos : m.start()], default)
        inner = m.group(2)
        if any(_is_language(t.group(0).strip("</>")) for t in _TAG.finditer(inner)):
            raise MarkupError(f"nested language tags are not supported: {m.group(0)!r}")
        if inner.strip():
            spans.append((get_language(m.group(1)), inner.strip()))
        pos = m.end()
    _add_plain(spans, text[pos:], default)
    return spans


def _is_language(code: str) -> bool:
    try:
        get_language(code)
    except ValueError:
        return False
    return True


def _add_plain(spans: list[tuple[Language, str]], chunk: str, default: Language) -> None:
    for stray in _TAG.finditer(chunk):
        # "<br>" or "<3" are text; only a tag naming a language is a mistake in the markup.
        if _is_language(stray.group(0).strip("</>")):
            raise MarkupError(
                f"unmatched language tag {stray.group(0)!r}; write spans as <es>hola</es>"
            )
    if chunk.strip():
        spans.append((default, chunk.strip()))
