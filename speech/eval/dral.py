"""Reader for the DRAL corpus (Dialogs Re-enacted Across Languages; Ward, Avila & Rivas, UTEP),
the English-Spanish corpus of matched utterance pairs that Avila & Ward (2023) measured.

Layout of a release (releases are incremental: merge each into the previous)::

    <root>/
      fragments-short.csv      id, participant_id, participant_id_unique, lang_code, conv_id,
                               original_or_reenacted (OG|RE), time_start, time_end, duration,
                               trans_id   (times as pandas Timedelta strings, "0 days 00:00:01.02")
      fragments-short/<id>.wav one short fragment (a single speaker's utterance) per file
      fragments-long.csv, fragments-long/, recordings/<conv_id>.wav, participant.csv,
      conversation.csv, producer.csv  (not needed here)

Each short fragment's ``trans_id`` names its counterpart in the other language. The speaker of
a fragment is ``dral_<participant_id_unique>_<lang>``: Avila & Ward normalised over each
conversation track, i.e. one participant in one language.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from speech.eval.errors import InputFormatError, MismatchError
from speech.eval.prosody_pairs import ProsodyPair, Utterance

FRAGMENTS_CSV = "fragments-short.csv"
FRAGMENTS_DIR = "fragments-short"
LANGUAGES = {"EN": "en-us", "ES": "es"}
_REQUIRED = ("id", "participant_id_unique", "lang_code", "conv_id", "original_or_reenacted", "trans_id")
_TIMEDELTA = re.compile(r"^\s*(?:(\d+) days? )?(\d+):(\d+):(\d+(?:\.\d*)?)\s*$")


def parse_duration(text: str) -> float:
    """Seconds from a pandas Timedelta string (``0 days 00:00:01.027000``) or a number."""
    m = _TIMEDELTA.match(text)
    if m:
        days, h, mnt, s = m.groups()
        return int(days or 0) * 86400 + int(h) * 3600 + int(mnt) * 60 + float(s)
    try:
        return float(text)
    except ValueError as e:
        raise ValueError(f"not a duration: {text!r}") from e


@dataclass(frozen=True)
class DralFragment:
    """One short fragment of DRAL."""

    id: str
    path: Path
    lang_code: str
    participant: str
    conv_id: str
    original_or_reenacted: str
    trans_id: str
    duration: float | None

    def utterance(self) -> Utterance:
        return Utterance(
            id=self.id,
            path=self.path,
            speaker=f"dral_{self.participant}_{self.lang_code.lower()}",
            language=LANGUAGES[self.lang_code],
        )


def read_dral(root: str | Path) -> dict[str, DralFragment]:
    """All short fragments of a DRAL release, keyed by fragment id.

    Raises:
        FileNotFoundError: no ``fragments-short.csv`` under ``root``.
        InputFormatError: missing columns or unknown language codes.
    """
    base = Path(root)
    csv_path = base / FRAGMENTS_CSV
    if not csv_path.is_file():
        raise FileNotFoundError(f"not a DRAL release: {csv_path} not found")
    with csv_path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in _REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise InputFormatError(f"{csv_path}: missing columns {', '.join(missing)}")
        out = {}
        for lineno, row in enumerate(reader, start=2):
            lang = row["lang_code"].strip().upper()
            if lang not in LANGUAGES:
                raise InputFormatError(f"{csv_path}:{lineno}: unknown lang_code {row['lang_code']!r}")
            dur = row.get("duration")
            try:
                duration = parse_duration(dur) if dur else None
            except ValueError as e:
                raise InputFormatError(f"{csv_path}:{lineno}: {e}") from e
            frag_id = row["id"].strip()
            out[frag_id] = DralFragment(
                id=frag_id,
                path=base / FRAGMENTS_DIR / f"{frag_id}.wav",
                lang_code=lang,
                participant=row["participant_id_unique"].strip(),
                conv_id=row["conv_id"].strip(),
                original_or_reenacted=row["original_or_reenacted"].strip().upper(),
                trans_id=row["trans_id"].strip(),
                duration=duration,
            )
    return out


def dral_pairs(
    fragments: dict[str, DralFragment],
    source_lang: str = "EN",
    min_duration: float = 0.5,
) -> list[ProsodyPair]:
    """Matched pairs with the ``source_lang`` fragment as source, its translation as target.

    Fragments whose metadata says they are shorter than ``min_duration`` (either side) are
    left out, as the prosody features need 500 ms. The group of a pair is its conversation
    number (``001`` for ``EN_001``/``ES_001``), so splits keep a conversation together.

    Raises:
        MismatchError: a fragment's ``trans_id`` is not in the corpus, or no pairs remain.
    """
    src = source_lang.upper()
    if src not in LANGUAGES:
        raise ValueError(f"source_lang must be one of {', '.join(LANGUAGES)}, got {source_lang!r}")
    pairs = []
    for frag in sorted(fragments.values(), key=lambda f: f.id):
        if frag.lang_code != src:
            continue
        other = fragments.get(frag.trans_id)
        if other is None:
            raise MismatchError(f"DRAL fragment {frag.id}: its translation {frag.trans_id} is missing")
        if any(d is not None and d < min_duration for d in (frag.duration, other.duration)):
            continue
        group = frag.conv_id.split("_")[-1]
        pairs.append(ProsodyPair(f"{frag.id}~{other.id}", frag.utterance(), other.utterance(), group))
    if not pairs:
        raise MismatchError("no DRAL pairs of at least 500 ms")
    return pairs


def dral_material(fragments: dict[str, DralFragment]) -> list[Utterance]:
    """Every fragment as an utterance: the speaker-normalisation material of a release."""
    return [f.utterance() for f in fragments.values() if f.duration is None or f.duration >= 0.5]
