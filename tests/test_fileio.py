from pathlib import Path

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


_WRITER = """
import sys, time
from speech.fileio import atomic_path
with atomic_path(sys.argv[1]) as tmp:
    tmp.write_bytes(b"x" * 100_000)
    print(tmp, flush=True)
    time.sleep(120)
"""


def _start_writer(target):
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(target)], stdout=subprocess.PIPE, text=True)
    return proc, Path(proc.stdout.readline().strip())


def test_a_killed_writers_temp_file_goes_at_the_next_write_a_live_ones_stays(tmp_path):
    import signal

    killed, killed_tmp = _start_writer(tmp_path / "k.wav")
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)
    assert killed_tmp.is_file() and killed_tmp.name.startswith(".k.wav.") and killed_tmp.suffix == ".wav"
    live, live_tmp = _start_writer(tmp_path / "live.wav")  # its own write clears what the killed one left
    try:
        assert not killed_tmp.exists(), "the abandoned temp file is removed"
        atomic_write_text(tmp_path / "other.json", "{}")
        assert live_tmp.is_file(), "a temp file that a live writer holds is kept"
    finally:
        live.kill()
        live.wait(timeout=30)
    assert not (tmp_path / "k.wav").exists() and not (tmp_path / "live.wav").exists()
