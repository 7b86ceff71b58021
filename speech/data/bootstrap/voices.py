"""The synthetic voices of the bootstrap corpora, and checks that they are installed.

Three engines provide them:

- **espeak-ng**, through the library and data shipped by the pip package ``espeakng-loader``
  (always there). One espeak-ng language becomes several speakers through its *voice variants*
  (``+m1`` ... ``+m8``, ``+f1`` ... ``+f5`` and named variants such as ``+Andy``), which change
  pitch, formants, breathiness and roughness. Each language gets its own variants, so that as far
  as possible no two languages share a timbre.
- **flite** (Debian package ``flite``): US/Scottish English voices ``awb``, ``rms``, ``slt``,
  ``kal16``.
- **festival** with ``festvox-*`` voices: English, Hindi, Marathi, Telugu, Italian, Catalan,
  Czech, Finnish, Russian. Their text front-ends read bytes in one legacy charset each (Latin-1
  for Italian, Finnish and Catalan; Latin-2 for Czech; UTF-8 for the rest), recorded here as
  :attr:`Voice.encoding`.

Every voice speaks exactly one language: the speaker/language correlation that the adversarial
speaker classifier in :mod:`speech.tts` exists to break. Two pairs of voices come from the same
human recordings (flite ``kal16`` / festival ``kal_diphone``, flite ``slt`` / festival
``cmu_us_slt_arctic_hts``), so the TTS corpus uses only one of each pair, and the SLU corpus puts
such pairs into the same split (:attr:`Voice.person`).
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from speech.data.bootstrap.errors import VoiceUnavailableError
from speech.errors import UnknownLanguageError
from speech.text.languages import get_language

logger = logging.getLogger(__name__)

Engine = Literal["espeak", "flite", "festival", "kokoro", "pico"]
ENGINES: tuple[str, ...] = ("espeak", "flite", "festival", "kokoro", "pico")


@dataclass(frozen=True)
class Voice:
    """One synthetic speaker.

    Attributes:
        id: unique id, ``<engine>-<language>-<name>`` (``espeak-es-m1``, ``festival-it-lp``).
        engine: which program synthesises it.
        name: the engine's own voice name (``es+m1``, ``slt``, ``lp_diphone``).
        language: canonical :mod:`speech.text.languages` code.
        gender: ``"m"``, ``"f"`` or ``None`` when unknown.
        encoding: charset the engine reads text in (festival only; others take UTF-8).
        package: what to install when it is missing (a Debian package, or a pip package).
        person: voices made from the same human recordings share this; defaults to ``id``.
        mix: Kokoro only: the style tables that make the voice and their weights (one entry
            weighted 1.0 for a voice of the package, two or more for a blend).
    """

    id: str
    engine: Engine
    name: str
    language: str
    gender: str | None
    encoding: str = "utf-8"
    package: str = "espeakng-loader"
    person: str = ""
    mix: tuple[tuple[str, float], ...] = ()

    @property
    def speaker(self) -> str:
        """Speaker id in manifests: the voice id prefixed with the corpus family (``bootstrap_``)."""
        return f"bootstrap_{self.id}"

    @property
    def identity(self) -> str:
        """The human behind the voice (for speaker-disjoint splits)."""
        return self.person or self.id


# espeak_SetVoiceByName takes voice *file* names; where the file name differs from the language's
# espeak id (French France is the file ``fr`` declaring language ``fr-fr``), name the file here.
_ESPEAK_VOICE_FILES: dict[str, str] = {"fr": "fr"}


def _espeak(lang: str, variant: str, gender: str | None) -> Voice:
    base = _ESPEAK_VOICE_FILES.get(lang, get_language(lang).espeak_voice)
    return Voice(
        id=f"espeak-{lang}-{variant.lower()}",
        engine="espeak",
        name=f"{base}+{variant}",
        language=lang,
        gender=gender,
        package="espeakng-loader (pip)",
        # The same variant in two languages has the same timbre: same "person".
        person=f"espeak-variant-{variant.lower()}",
    )


def _flite(name: str, gender: str, person: str = "") -> Voice:
    short = name.removesuffix("16")
    return Voice(f"flite-en-us-{short}", "flite", name, "en-us", gender, package="flite",
                 person=person or f"cmu-{short}")


def _festival(lang: str, short: str, name: str, gender: str, encoding: str, package: str,
              person: str = "") -> Voice:
    return Voice(f"festival-{lang}-{short}", "festival", name, lang, gender, encoding,
                 package=package, person=person or f"festival-{short}")


# The TTS corpus voices, per language, with the held-out (zero-shot) voice of each language.
# Variant names follow espeak-ng's files in espeak-ng-data/voices/!v (case matters).
TTS_VOICES: dict[str, tuple[Voice, ...]] = {
    "en-us": (
        _flite("awb", "m"),
        _flite("rms", "m"),
        _flite("kal16", "m", person="cmu-kal"),
        _festival("en-us", "ked", "ked_diphone", "m", "utf-8", "festvox-kdlpc16k"),
        _festival("en-us", "slt", "cmu_us_slt_arctic_hts", "f", "utf-8", "festvox-us-slt-hts",
                  person="cmu-slt"),
        _espeak("en-us", "m3", "m"),
        _espeak("en-us", "f2", "f"),
        _espeak("en-us", "Andrea", "f"),
    ),
    "es": tuple(_espeak("es", v, g) for v, g in
                (("m1", "m"), ("miguel", "m"), ("antonio", "m"), ("Diogo", "m"), ("f1", "f"), ("anika", "f"))),
    "fr": tuple(_espeak("fr", v, g) for v, g in
                (("m2", "m"), ("michel", "m"), ("gustave", "m"), ("sandro", "m"), ("f3", "f"), ("linda", "f"))),
    "de": tuple(_espeak("de", v, g) for v, g in
                (("m4", "m"), ("Andy", "m"), ("robert", "m"), ("max", "m"), ("f4", "f"), ("aunty", "f"))),
    "it": (
        _festival("it", "lp", "lp_diphone", "f", "iso-8859-1", "festvox-italp16k"),
        _festival("it", "pc", "pc_diphone", "m", "iso-8859-1", "festvox-itapc16k"),
        _espeak("it", "m5", "m"),
        _espeak("it", "Mario", "m"),
        _espeak("it", "f5", "f"),
    ),
    "hi": (
        _festival("hi", "nsk", "hindi_NSK_diphone", "m", "utf-8", "festvox-hi-nsk"),
        _espeak("hi", "m6", "m"),
        _espeak("hi", "Denis", "m"),
        _espeak("hi", "Annie", "f"),
    ),
    "mr": (
        _festival("mr", "nsk", "marathi_NSK_diphone", "m", "utf-8", "festvox-mr-nsk"),
        _espeak("mr", "m7", "m"),
        _espeak("mr", "Hugo", "m"),
        _espeak("mr", "steph2", "f"),
    ),
    "te": (
        _festival("te", "nsk", "telugu_NSK_diphone", "m", "utf-8", "festvox-te-nsk"),
        _espeak("te", "m8", "m"),
        _espeak("te", "Henrique", "m"),
        _espeak("te", "steph3", "f"),
    ),
    "ca": (
        _festival("ca", "ona", "upc_ca_ona_hts", "f", "iso-8859-1", "festvox-ca-ona-hts"),
        _espeak("ca", "paul", "m"),
        _espeak("ca", "travis", "m"),
        _espeak("ca", "belinda", "f"),
    ),
    "cs": (
        _festival("cs", "dita", "czech_dita", "f", "iso-8859-2", "festvox-czech-dita"),
        _festival("cs", "ph", "czech_ph", "m", "iso-8859-2", "festvox-czech-ph"),
        _espeak("cs", "victor", "m"),
        _espeak("cs", "quincy", "m"),
        _espeak("cs", "Alicia", "f"),
    ),
    "fi": (
        _festival("fi", "lj", "suo_fi_lj_diphone", "f", "iso-8859-1", "festvox-suopuhe-lj"),
        _festival("fi", "mv", "hy_fi_mv_diphone", "m", "iso-8859-1", "festvox-suopuhe-mv"),
        _espeak("fi", "iven", "m"),
        _espeak("fi", "boris", "m"),
        _espeak("fi", "steph", "f"),
    ),
    "ru": (
        _festival("ru", "nsh", "msu_ru_nsh_clunits", "m", "utf-8", "festvox-ru"),
        _espeak("ru", "Gene", "m"),
        _espeak("ru", "Michael", "m"),
        _espeak("ru", "grandma", "f"),
    ),
}

# One voice per language never trains: reference speakers for zero-shot cloning tests.
HELDOUT_VOICES: frozenset[str] = frozenset({
    "flite-en-us-rms", "espeak-es-antonio", "espeak-fr-gustave", "espeak-de-robert",
    "espeak-it-mario", "espeak-hi-denis", "espeak-mr-hugo", "espeak-te-henrique",
    "espeak-ca-travis", "espeak-cs-quincy", "espeak-fi-boris", "espeak-ru-michael",
})

# espeak-ng variants that sound like plausible people (robotic, whispering and echo-heavy ones
# are left out), with their gender; the SLU corpus draws its many speakers from these.
SLU_ESPEAK_VARIANTS: tuple[tuple[str, str], ...] = (
    ("m1", "m"), ("m2", "m"), ("m3", "m"), ("m4", "m"), ("m5", "m"), ("m6", "m"), ("m7", "m"),
    ("m8", "m"), ("Andy", "m"), ("Denis", "m"), ("Gene", "m"), ("Mario", "m"), ("michel", "m"),
    ("paul", "m"), ("robert", "m"), ("travis", "m"),
    ("f1", "f"), ("f2", "f"), ("f3", "f"), ("f4", "f"), ("f5", "f"), ("Andrea", "f"),
    ("Annie", "f"), ("anika", "f"), ("belinda", "f"), ("linda", "f"), ("steph", "f"),
)

# English-only voices of the SLU corpus besides the espeak variants (one voice per person).
SLU_EXTRA_VOICES: dict[str, tuple[Voice, ...]] = {
    "en-us": (
        _flite("awb", "m"),
        _flite("rms", "m"),
        _flite("kal16", "m", person="cmu-kal"),
        _flite("slt", "f", person="cmu-slt"),
        _festival("en-us", "ked", "ked_diphone", "m", "utf-8", "festvox-kdlpc16k"),
    ),
}


def resolve_languages(names: Iterable[str] | None, available: Sequence[str]) -> list[str]:
    """Canonical codes for user-given language names, each checked against ``available``.

    Args:
        names: codes or aliases (``en``, ``es-ES``, ``Hindi``); ``None`` means all of
            ``available``.
        available: the canonical codes the caller supports.

    Raises:
        UnknownLanguageError: a name is not a language, or not one the caller supports.
    """
    if names is None:
        return list(available)
    out: list[str] = []
    for name in names:
        code = get_language(name).code
        if code not in available:
            raise UnknownLanguageError(
                f"no bootstrap voices or sentences for language {name!r} ({code}); "
                f"available: {', '.join(available)}"
            )
        if code not in out:
            out.append(code)
    if not out:
        raise UnknownLanguageError("no language given")
    return out


@functools.cache
def installed_flite_voices() -> frozenset[str]:
    """Voice names that ``flite -lv`` lists (empty when flite is not installed)."""
    exe = shutil.which("flite")
    if exe is None:
        return frozenset()
    proc = subprocess.run([exe, "-lv"], capture_output=True, text=True, check=False, timeout=30)
    listed = proc.stdout.split(":", 1)[-1]
    return frozenset(listed.split())


@functools.cache
def installed_festival_voices() -> frozenset[str]:
    """Voice names that festival's ``(voice.list)`` prints (empty when festival is missing)."""
    exe = shutil.which("festival")
    if exe is None:
        return frozenset()
    proc = subprocess.run([exe, "-b", "(print (voice.list))"], capture_output=True, text=True,
                          check=False, timeout=60)
    return frozenset(proc.stdout.replace("(", " ").replace(")", " ").split())


def espeak_available() -> bool:
    """Whether the espeak-ng library and data from ``espeakng-loader`` can be found."""
    try:
        import espeakng_loader
    except ImportError:
        return False
    from pathlib import Path

    return Path(espeakng_loader.get_library_path()).is_file() and Path(
        espeakng_loader.get_data_path()).is_dir()


def missing_reason(voice: Voice) -> str | None:
    """Why ``voice`` cannot be used here (with what to install), or ``None`` when it can."""
    if voice.engine == "kokoro":
        from speech.data.bootstrap.natural import kokoro_missing_reason

        return kokoro_missing_reason(voice)
    if voice.engine == "pico":
        from speech.data.bootstrap.natural import pico_missing_reason

        return pico_missing_reason(voice)
    if voice.engine == "espeak":
        if not espeak_available():
            return "the espeak-ng library is missing: `pip install espeakng-loader`"
        return None
    if voice.engine == "flite":
        if shutil.which("flite") is None:
            return "flite is not installed: `sudo apt-get install flite`"
        if voice.name not in installed_flite_voices():
            return f"flite lacks voice {voice.name!r}: `sudo apt-get install flite`"
        return None
    if shutil.which("festival") is None:
        return f"festival is not installed: `sudo apt-get install festival {voice.package}`"
    if voice.name not in installed_festival_voices():
        return f"festival voice {voice.name} is not installed: `sudo apt-get install {voice.package}`"
    return None


def check_voices(voices: Sequence[Voice], allow_missing: bool = False) -> list[Voice]:
    """Return the usable voices; raise (or warn and drop, with ``allow_missing``) for the others.

    Raises:
        VoiceUnavailableError: some voices are missing and ``allow_missing`` is false; the
            message lists each one and the packages to install.
    """
    missing = [(v, reason) for v in voices if (reason := missing_reason(v)) is not None]
    if missing and not allow_missing:
        packages = sorted({v.package for v, _ in missing if not v.package.endswith("(pip)")})
        lines = "\n".join(f"  - {v.id}: {reason}" for v, reason in missing)
        hint = f"\nInstall them with: sudo apt-get install {' '.join(packages)}" if packages else ""
        raise VoiceUnavailableError(
            f"{len(missing)} bootstrap voice(s) are not available:\n{lines}{hint}\n"
            "(or pass --allow-missing-voices to build without them)"
        )
    for v, reason in missing:
        logger.warning("skipping voice %s: %s", v.id, reason)
    bad = {v.id for v, _ in missing}
    return [v for v in voices if v.id not in bad]


def slu_voices(language: str) -> list[Voice]:
    """All SLU speakers of one language: espeak variants plus the language's extra voices."""
    voices = [_espeak(language, v, g) for v, g in SLU_ESPEAK_VARIANTS]
    return voices + list(SLU_EXTRA_VOICES.get(language, ()))
