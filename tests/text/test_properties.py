"""Arbitrary Unicode never crashes the front-end: it gives ids or a clear SpeechError."""

import warnings

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from speech.errors import SpeechError
from speech.text.symbols import UNK_ID
from speech.text.tokenizer import Tokenizer

LANGS = ["en-us", "es", "de", "ru", "cmn", "ja", "hi", "ar", "vi", "ko"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=60), lang=st.sampled_from(LANGS))
def test_any_unicode_gives_ids_or_a_clear_error(tokenizer: Tokenizer, text: str, lang: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            tok = tokenizer.encode(text, lang)
        except SpeechError as e:
            assert str(e)
            return
    assert tok.ids and all(0 <= i < len(tokenizer.symbols) for i in tok.ids)
    assert len(tok.ids) == len(tok.symbols) == len(tok.languages)
    assert tok.ids.count(UNK_ID) == len(tok.unknown)
