import pytest

from speech.errors import UnknownLanguageError
from speech.text.languages import get_language, language_codes, list_languages

REQUIRED = "en-us en-gb es fr de it pt nl pl cs ru fi sv ca tr el hu ar hi mr te cmn ja ko vi".split()


def test_registry_covers_required_languages():
    codes = language_codes()
    assert len(codes) >= 25
    assert set(REQUIRED) <= set(codes)
    assert len(codes) == len(set(codes))


def test_every_language_has_voice_script_and_name():
    for lang in list_languages():
        assert lang.espeak_voice and lang.display_name and lang.scripts
        assert lang.tag == f"<{lang.code}>"


@pytest.mark.parametrize(
    "alias, code",
    [("en", "en-us"), ("EN_US", "en-us"), ("zh", "cmn"), ("es-ES", "es"), ("Spanish", "es"),
     ("de-AT", "de"), ("pt_BR", "pt-br"), ("no", "nb"), ("ja-JP", "ja")],
)
def test_aliases_resolve_to_one_code(alias, code):
    assert get_language(alias).code == code


def test_unknown_language_lists_close_matches():
    with pytest.raises(UnknownLanguageError) as e:
        get_language("englsh")
    msg = str(e.value)
    assert "en-us" in msg and "--list-languages" in msg


def test_unknown_language_is_a_value_error():
    with pytest.raises(ValueError):
        get_language("xx-klingon")
    with pytest.raises(UnknownLanguageError):
        get_language("")
