import unicodedata

from speech.text.phonemes import split_phonemes


def test_diacritics_modifiers_and_ties_stay_with_their_phone():
    assert split_phonemes("t͡ʃa") == ["t͡ʃ", "a"]
    assert split_phonemes("bɔ̃ tʰa mʲu") == ["b", "ɔ̃", " ", "tʰ", "a", " ", "mʲ", "u"]
    assert split_phonemes("sɯᵝ") == ["s", "ɯᵝ"]


def test_prosodic_marks_are_separate_symbols():
    assert split_phonemes("ˈaːˌb") == ["ˈ", "a", "ː", "ˌ", "b"]
    assert split_phonemes("ma˨˩˦ ni˧˥") == ["m", "a", "˨˩˦", " ", "n", "i", "˧˥"]
    assert split_phonemes("taː2w") == ["t", "a", "ː", "2", "w"]


def test_word_boundaries_and_breaks():
    assert split_phonemes("  a ,  b  ") == ["a", ",", " ", "b"]
    assert split_phonemes("a? b!") == ["a", "?", " ", "b", "!"]


def test_symbols_join_back_to_the_input():
    ipa = unicodedata.normalize("NFD", "ðə kwˈɪk bɹˈaʊn, fˈɑːks dʒˈʌmps? ni˧˥xau̯˨˩˦")
    assert "".join(split_phonemes(ipa)) == ipa
