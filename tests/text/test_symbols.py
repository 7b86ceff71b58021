import json
import subprocess
import sys

import pytest

from speech.errors import SymbolTableError
from speech.text.languages import LANGUAGES
from speech.text.symbols import (
    BOS_ID,
    EOS_ID,
    PAD_ID,
    UNK_ID,
    SymbolTable,
    base_symbols,
    build_table,
)


def test_default_table_layout():
    table = SymbolTable.default()
    assert table.version >= 1
    assert [table.id(s) for s in ("<pad>", "<unk>", "<bos>", "<eos>")] == [PAD_ID, UNK_ID, BOS_ID, EOS_ID]
    # the first ids are fixed forever: word boundary and break marks, then language tags
    assert table.symbols[4:9] == (" ", ",", ".", "?", "!")
    for lang in LANGUAGES:
        assert lang.tag in table
    for s in ("ˈ", "ˌ", "ː", "˨˩˦", "t͡ʃ", "ɔ̃", "ɲ", "ʔ"):
        assert s in table or all(ch in table for ch in s)


def test_ids_symbols_ids_round_trip():
    table = SymbolTable.default()
    ids = list(range(len(table)))
    assert table.ids(table.to_symbols(ids)) == ids


def test_extend_appends_without_moving_ids(tmp_path):
    v1 = build_table(["ab", "ʈʂ"])
    v2 = v1.extend(["ʈʂ", "xyz", "q̃"])
    assert v2.version == v1.version + 1
    assert v2.symbols[: len(v1)] == v1.symbols
    assert v2.id("xyz") == len(v1) and v2.id("q̃") == len(v1) + 1
    assert v1.extend(["ab"]) is v1
    v2.save(tmp_path / "s.json")
    assert SymbolTable.load(tmp_path / "s.json") == v2


def test_table_file_loads_to_same_ids_in_a_new_process(tmp_path):
    table = SymbolTable.default()
    path = table.save(tmp_path / "symbols.json")
    code = (
        "import json,sys; from speech.text.symbols import SymbolTable; "
        f"t=SymbolTable.load({str(path)!r}); print(json.dumps([t.id(s) for s in t.symbols]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == list(range(len(table)))


def test_edited_history_is_rejected(tmp_path):
    table = build_table(["ab"]).extend(["cd"])
    data = json.loads(table.to_json())
    data["symbols"][10], data["symbols"][11] = data["symbols"][11], data["symbols"][10]
    (tmp_path / "bad.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SymbolTableError, match="must never change"):
        SymbolTable.load(tmp_path / "bad.json")


@pytest.mark.parametrize("content", ["not json", '{"format": "other"}', '{"format": "speech-symbol-table"}'])
def test_corrupt_files_are_rejected(tmp_path, content):
    (tmp_path / "t.json").write_text(content)
    with pytest.raises(SymbolTableError):
        SymbolTable.load(tmp_path / "t.json")


def test_missing_file_and_duplicates():
    with pytest.raises(FileNotFoundError):
        SymbolTable.load("/nonexistent/symbols.json")
    with pytest.raises(SymbolTableError, match="twice"):
        SymbolTable(tuple(base_symbols() + ["a"]), (len(base_symbols()) + 1,))
