"""Text front-end: normalisation, G2P backends, the shared phoneme inventory and the tokenizer.

Example:
    >>> from speech.text import Tokenizer  # doctest: +SKIP
    >>> Tokenizer().encode("Hola mundo", "es").phonemes  # doctest: +SKIP
    'ˈola mˈundo'
"""

from speech.text.frontend import Frontend, FrontendConfig, PhonemeSpan, ScriptMismatchWarning
from speech.text.languages import Language, get_language, language_codes, list_languages
from speech.text.symbols import SymbolTable
from speech.text.tokenizer import TokenizedText, Tokenizer

__all__ = [
    "Frontend",
    "FrontendConfig",
    "Language",
    "PhonemeSpan",
    "ScriptMismatchWarning",
    "SymbolTable",
    "TokenizedText",
    "Tokenizer",
    "get_language",
    "language_codes",
    "list_languages",
]
