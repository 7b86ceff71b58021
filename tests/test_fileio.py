import pytest

from speech.fileio import atomic_path, atomic_write_text


def test_atomic_write_replaces_whole_file(tmp_path):
    p = tmp_path / "sub" / "a.json"
    atomic_write_text(p, "one")
    atomic_write_text(p, "two")
    assert p.read_text() == "two"
    assert p.stat().st_mode & 0o777 == 0o644
    assert [f.name for f in p.parent.iterdir()] == ["a.json"]  # no temp files left


def test_failed_write_leaves_old_file_and_no_temp(tmp_path):
    p = tmp_path / "a.jsonl.gz"
    p.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(p) as tmp:
            assert tmp.name.endswith(".jsonl.gz") and tmp.parent == p.parent
            tmp.write_text("half")
            raise RuntimeError("crash")
    assert p.read_text() == "old"
    assert [f.name for f in tmp_path.iterdir()] == ["a.jsonl.gz"]
