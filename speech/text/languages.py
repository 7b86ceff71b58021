"""The language registry: one canonical code per language, with what the front-end needs.

Canonical codes are lower-case BCP-47-like tags (``en-us``, ``es``, ``cmn``). Aliases such as
``en``, ``zh``, ``es-ES`` or ``English`` resolve to one canonical code through
:func:`get_language`; anything else raises :class:`~speech.errors.UnknownLanguageError` with the
closest matches.

Example:
    >>> get_language("es-ES").code
    'es'
    >>> get_language("zh").display_name
    'Mandarin Chinese'
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from speech.errors import UnknownLanguageError


@dataclass(frozen=True)
class Language:
    """One registered language.

    Attributes:
        code: canonical code, used everywhere in manifests, configs and models.
        display_name: English name shown to users.
        espeak_voice: espeak-ng voice id used by the espeak backend.
        scripts: ISO 15924 script codes the language is normally written in; the first is the
            main one. Text in another script triggers a warning.
        backend: name of the G2P backend used by default (see :mod:`speech.text.backends`).
        decimal_separator: how the language writes decimals; drives number normalisation.
        num2words_lang: language code for ``num2words``; ``None`` leaves numbers to espeak-ng,
            which reads digits in the voice's language.
        decimal_word: how the decimal mark is read ("point", "Komma", "点"); decimals are read
            as integer, this word, then each digit.
        aliases: other names that resolve to this language.
    """

    code: str
    display_name: str
    espeak_voice: str
    scripts: tuple[str, ...]
    backend: str = "espeak"
    decimal_separator: str = ","
    num2words_lang: str | None = None
    decimal_word: str = ""
    aliases: tuple[str, ...] = field(default_factory=tuple)

    @property
    def tag(self) -> str:
        """The language-tag symbol of this language in the symbol table."""
        return f"<{self.code}>"


def _lang(
    code: str,
    name: str,
    voice: str,
    scripts: tuple[str, ...],
    *,
    backend: str = "espeak",
    decimal: str = ",",
    num2words: str | None = None,
    aliases: tuple[str, ...] = (),
    decimal_word: str = "",
) -> Language:
    return Language(code, name, voice, scripts, backend, decimal, num2words, decimal_word, aliases)


LATN = ("Latn",)

# Voices are espeak-ng 1.52 ids (as shipped by espeakng-loader). `num2words` is only named where
# its output was checked to read naturally; other languages keep digits for espeak-ng.
LANGUAGES: tuple[Language, ...] = (
    _lang("en-us", "English (US)", "en-us", LATN, decimal=".", num2words="en",
          aliases=("en", "eng", "english", "en-us", "en_us", "american english"), decimal_word="point"),
    _lang("en-gb", "English (UK)", "en-gb", LATN, decimal=".", num2words="en",
          aliases=("en-uk", "british english", "en_gb"), decimal_word="point"),
    _lang("es", "Spanish", "es", LATN, num2words="es",
          aliases=("spa", "spanish", "es-es", "castilian"), decimal_word="coma"),
    _lang("es-419", "Spanish (Latin America)", "es-419", LATN, decimal=".", num2words="es",
          aliases=("es-mx", "es-la", "latin american spanish"), decimal_word="punto"),
    _lang("fr", "French", "fr-fr", LATN, num2words="fr", aliases=("fra", "fre", "french", "fr-fr"), decimal_word="virgule"),
    _lang("de", "German", "de", LATN, num2words="de", aliases=("deu", "ger", "german", "de-de"), decimal_word="Komma"),
    _lang("it", "Italian", "it", LATN, num2words="it", aliases=("ita", "italian", "it-it"), decimal_word="virgola"),
    _lang("pt", "Portuguese (Portugal)", "pt", LATN, num2words="pt",
          aliases=("por", "portuguese", "pt-pt"), decimal_word="vírgula"),
    _lang("pt-br", "Portuguese (Brazil)", "pt-br", LATN, num2words="pt_BR",
          aliases=("brazilian portuguese", "pt_br"), decimal_word="vírgula"),
    _lang("nl", "Dutch", "nl", LATN, num2words="nl", aliases=("nld", "dut", "dutch", "nl-nl"), decimal_word="komma"),
    _lang("pl", "Polish", "pl", LATN, num2words="pl", aliases=("pol", "polish", "pl-pl"), decimal_word="przecinek"),
    _lang("cs", "Czech", "cs", LATN, num2words="cs", aliases=("ces", "cze", "czech", "cs-cz"), decimal_word="celá"),
    _lang("sk", "Slovak", "sk", LATN, num2words="sk", aliases=("slk", "slo", "slovak"), decimal_word="celá"),
    _lang("ru", "Russian", "ru", ("Cyrl",), num2words="ru", aliases=("rus", "russian", "ru-ru"), decimal_word="запятая"),
    _lang("uk", "Ukrainian", "uk", ("Cyrl",), num2words="uk", aliases=("ukr", "ukrainian"), decimal_word="кома"),
    _lang("fi", "Finnish", "fi", LATN, num2words="fi", aliases=("fin", "finnish", "fi-fi"), decimal_word="pilkku"),
    _lang("sv", "Swedish", "sv", LATN, num2words="sv", aliases=("swe", "swedish", "sv-se"), decimal_word="komma"),
    _lang("da", "Danish", "da", LATN, num2words="da", aliases=("dan", "danish"), decimal_word="komma"),
    _lang("nb", "Norwegian Bokmål", "nb", LATN, num2words="no",
          aliases=("no", "nob", "norwegian", "bokmal"), decimal_word="komma"),
    _lang("ca", "Catalan", "ca", LATN, num2words="ca", aliases=("cat", "catalan", "ca-es"), decimal_word="coma"),
    _lang("ro", "Romanian", "ro", LATN, num2words="ro", aliases=("ron", "rum", "romanian"), decimal_word="virgulă"),
    _lang("hu", "Hungarian", "hu", LATN, num2words="hu", aliases=("hun", "hungarian"), decimal_word="egész"),
    _lang("tr", "Turkish", "tr", LATN, num2words="tr", aliases=("tur", "turkish", "tr-tr"), decimal_word="virgül"),
    _lang("el", "Greek", "el", ("Grek",), aliases=("ell", "gre", "greek", "el-gr"), decimal_word="κόμμα"),
    _lang("ar", "Arabic", "ar", ("Arab",), decimal=".", aliases=("ara", "arabic"), decimal_word="فاصلة"),
    _lang("fa", "Persian", "fa", ("Arab",), decimal=".", num2words="fa",
          aliases=("fas", "per", "persian", "farsi"), decimal_word="ممیز"),
    _lang("he", "Hebrew", "he", ("Hebr",), decimal=".", num2words="he",
          aliases=("heb", "hebrew", "iw"), decimal_word="נקודה"),
    _lang("hi", "Hindi", "hi", ("Deva",), decimal=".", aliases=("hin", "hindi", "hi-in"), decimal_word="दशमलव"),
    _lang("mr", "Marathi", "mr", ("Deva",), decimal=".", aliases=("mar", "marathi"), decimal_word="दशांश"),
    _lang("te", "Telugu", "te", ("Telu",), decimal=".", aliases=("tel", "telugu"), decimal_word="పాయింట్"),
    _lang("ta", "Tamil", "ta", ("Taml",), decimal=".", aliases=("tam", "tamil"), decimal_word="புள்ளி"),
    _lang("bn", "Bengali", "bn", ("Beng",), decimal=".", aliases=("ben", "bengali", "bangla"), decimal_word="দশমিক"),
    _lang("id", "Indonesian", "id", LATN, num2words="id", aliases=("ind", "indonesian", "in"), decimal_word="koma"),
    _lang("vi", "Vietnamese", "vi", LATN, num2words="vi", aliases=("vie", "vietnamese"), decimal_word="phẩy"),
    _lang("cmn", "Mandarin Chinese", "cmn", ("Hani",), backend="pinyin", decimal=".",
          aliases=("zh", "zho", "chi", "chinese", "mandarin", "zh-cn", "zh-hans", "cmn-hans"), decimal_word="点"),
    _lang("ja", "Japanese", "ja", ("Jpan",), backend="kana", decimal=".",
          aliases=("jpn", "japanese", "ja-jp"), decimal_word="点"),
    _lang("ko", "Korean", "ko", ("Hang",), decimal=".", num2words="ko", aliases=("kor", "korean", "ko-kr"), decimal_word="점"),
)

_BY_CODE: dict[str, Language] = {lang.code: lang for lang in LANGUAGES}
_BY_ALIAS: dict[str, Language] = {}
for _l in LANGUAGES:
    for _name in (_l.code, _l.display_name, *_l.aliases):
        _BY_ALIAS[_name.lower().replace("_", "-")] = _l


def _key(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def get_language(name: str | Language) -> Language:
    """Resolve a code, alias or display name to its registered :class:`Language`.

    Args:
        name: a canonical code (``"es"``), an alias (``"es-ES"``, ``"zh"``, ``"Spanish"``), or a
            :class:`Language`, returned as is.

    Returns:
        The registered language.

    Raises:
        UnknownLanguageError: the name is not registered; the message lists close matches.
    """
    if isinstance(name, Language):
        return name
    if isinstance(name, str) and name in _BY_ALIAS:  # the common case: a canonical code
        return _BY_ALIAS[name]
    if not isinstance(name, str) or not name.strip():
        raise UnknownLanguageError(f"language must be a non-empty string, got {name!r}")
    key = _key(name)
    if key in _BY_ALIAS:
        return _BY_ALIAS[key]
    # `de-AT` style tags fall back to their base language when it is registered.
    base = key.split("-")[0]
    if base in _BY_ALIAS and "-" in key:
        return _BY_ALIAS[base]
    close = difflib.get_close_matches(key, list(_BY_ALIAS), n=4, cutoff=0.6)
    hint = f" Did you mean: {', '.join(sorted({_BY_ALIAS[c].code for c in close}))}?" if close else ""
    raise UnknownLanguageError(
        f"unknown language {name!r}.{hint} Run `speech phonemize --list-languages` to see all "
        f"{len(LANGUAGES)} supported languages."
    )


def list_languages() -> list[Language]:
    """All registered languages, in registry order."""
    return list(LANGUAGES)


def language_codes() -> list[str]:
    """Canonical codes of all registered languages, in registry order."""
    return [lang.code for lang in LANGUAGES]
