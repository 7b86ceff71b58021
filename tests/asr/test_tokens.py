"""Character vocabularies, phoneme units and the transcript <-> ids mapping."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from speech.asr.tokens import (
    BLANK,
    UNK,
    CTCConfig,
    TextEncoder,
    VocabularyError,
    build_char_vocabulary,
    load_vocabulary,
    phoneme_tokens,
    save_vocabulary,
    vocabulary_from_cuts,
)


def test_char_vocabulary_from_normalised_texts() -> None:
    tokens = build_char_vocabulary(["Turn ON the lights!", "Héllo, world"])
    assert tokens[:3] == [BLANK, UNK, " "]
    assert tokens[3:] == sorted(set("turnonthelightshélloworld"))
    assert "!" not in tokens and "T" not in tokens


def test_min_count_drops_rare_characters() -> None:
    tokens = build_char_vocabulary(["aaa bb", "ab q"], min_count=2)
    assert "q" not in tokens and {"a", "b"} <= set(tokens)


def test_vocabulary_file_round_trip_and_errors(tmp_path: Path) -> None:
    tokens = build_char_vocabulary(["hello world"])
    path = save_vocabulary(tmp_path / "tokens.json", tokens)
    assert load_vocabulary(path) == ("char", tokens)
    (tmp_path / "bad.json").write_text(json.dumps({"tokens": tokens}))
    with pytest.raises(VocabularyError, match="not a speech-ctc-vocabulary file"):
        load_vocabulary(tmp_path / "bad.json")
    with pytest.raises(VocabularyError, match="token 0 must be the blank"):
        save_vocabulary(tmp_path / "x.json", ["a", "b"])
    with pytest.raises(VocabularyError, match="appears twice"):
        save_vocabulary(tmp_path / "x.json", [BLANK, "a", "a"])
    with pytest.raises(FileNotFoundError):
        load_vocabulary(tmp_path / "missing.json")


def test_vocabulary_from_cuts(speech_corpus: dict[str, Path]) -> None:
    tokens = vocabulary_from_cuts(speech_corpus["train"])
    assert set("turn on the lights in the kitchen") <= set(tokens)
    assert load_vocabulary(speech_corpus["tokens"])[1] == tokens


def test_text_encoder_round_trip_and_unknown_characters(caplog: pytest.LogCaptureFixture) -> None:
    enc = TextEncoder(CTCConfig(tokens=build_char_vocabulary(["turn on the lights"])))
    ids = enc.encode("Turn on the LIGHTS.")
    assert enc.decode(ids) == "turn on the lights"
    with caplog.at_level(logging.WARNING):
        ids = enc.encode("turn up")
    assert ids[-1] == enc.tokens.index(UNK) and "'p'" in caplog.text
    assert enc.decode(ids) == "turn u"  # <unk> is not spelled out


def test_phoneme_targets_use_the_shared_inventory() -> None:
    tokens = phoneme_tokens()
    enc = TextEncoder(CTCConfig(unit="phoneme", tokens=tokens))
    ids = enc.encode("turn on the lights", "en-us")
    symbols = [tokens[i] for i in ids]
    assert "<en-us>" not in symbols and " " in symbols and "ð" in symbols
    assert enc.decode(ids).replace("ˈ", "").replace("ː", "").startswith("t")
    with pytest.raises(VocabularyError, match="language"):
        enc.encode("turn on the lights")
