import json
import subprocess
import sys

from speech.cli import main


def test_phonemize_prints_phonemes_and_ids(capsys):
    assert main(["phonemize", "--lang", "es", "Hola mundo"]) == 0
    phonemes, ids = capsys.readouterr().out.strip().splitlines()
    assert phonemes == "ˈola mˈundo"
    assert all(i.isdigit() for i in ids.split())


def test_phonemize_file_json(tmp_path, capsys):
    f = tmp_path / "in.txt"
    f.write_text("Hello there.\n\nGood night!\n", encoding="utf-8")
    assert main(["phonemize", "--lang", "en", "--file", str(f), "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["text"] for r in records] == ["Hello there.", "Good night!"]
    assert all(r["language"] == "en-us" and r["unknown"] == [] for r in records)


def test_list_languages(capsys):
    assert main(["phonemize", "--list-languages"]) == 0
    out = capsys.readouterr().out
    assert "cmn" in out and "Mandarin" in out and "pinyin" in out
    assert len(out.splitlines()) >= 26


def test_errors_are_messages_not_tracebacks():
    r = subprocess.run(
        [sys.executable, "-m", "speech.cli", "phonemize", "--lang", "englsh", "hi"],
        capture_output=True, text=True,
    )
    assert r.returncode == 2
    assert "unknown language 'englsh'" in r.stderr and "Traceback" not in r.stderr
    r = subprocess.run([sys.executable, "-m", "speech.cli", "phonemize", "--lang", "en", "  "],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "empty" in r.stderr
