"""Crash-safe file writing: everything is written to a temp file, then renamed into place.

Temp files are named ``.<name>.<8 random characters><suffix>`` next to their target and are held
under an exclusive ``flock`` while they are written. A writer killed with SIGKILL leaves its temp
file behind but loses the lock, so the next write into the same directory can tell an abandoned
temp file (unlocked) from one that another process is still writing (locked) and removes only the
abandoned ones.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from speech.errors import OutputError, TextFileError

try:  # POSIX; elsewhere stale temp files are recognised by age alone
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]  # the module does not exist there

logger = logging.getLogger(__name__)

#: ``tempfile.mkstemp``'s random part: 8 characters of this alphabet.
_TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}(?P<suffix>(?:\.[^.]+){0,2})$")
#: Without ``flock``, a temp file untouched for this long is taken as abandoned.
STALE_AGE_S = 3600.0


def check_writable_file(path: str | os.PathLike[str], what: str = "output") -> Path:
    """Refuse, before any work, an output path that cannot become a regular file.

    Args:
        path: the file that will be written.
        what: how the message names it (``"output"``, ``"--output"``).

    Returns:
        ``path`` as a :class:`Path`.

    Raises:
        OutputError: ``path`` is a directory, a device or another non-regular file, or its folder
            exists but is not a directory.
    """
    p = Path(path)
    if p.is_dir():
        raise OutputError(f"{what} {p} is a directory; give a file name inside it, e.g. {p / 'out.wav'}")
    if p.exists() and not p.is_file():
        raise OutputError(f"{what} {p} is not a regular file (a device, pipe or socket); give a file path")
    for parent in p.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"cannot write {what} {p}: {parent} is a file, not a directory")
            break
    return p


def _is_abandoned(path: Path) -> bool:
    """Whether no live process holds the temp file ``path`` (see the module docstring)."""
    if fcntl is None:
        import time

        return time.time() - path.stat().st_mtime > STALE_AGE_S
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # a live writer holds it
    else:
        return True
    finally:
        os.close(fd)  # also releases the probe's own lock


def remove_abandoned_temp_files(directory: str | os.PathLike[str]) -> list[Path]:
    """Delete temp files that killed :func:`atomic_path` writers left in ``directory``; return them.

    Only files of our own pattern (``.NAME.XXXXXXXX.ext``, where ``ext`` is NAME's own suffix)
    that no process holds locked are removed.
    """
    d = Path(directory)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(d))
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP_NAME.match(entry.name)
        if m is None or not m.group("name").endswith(m.group("suffix")):
            continue
        p = Path(entry.path)
        try:
            if not entry.is_file(follow_symlinks=False) or not _is_abandoned(p):
                continue
            p.unlink()
        except OSError:
            continue
        removed.append(p)
        logger.info("removed %s, left by an interrupted write", p)
    return removed


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` if the block succeeds.

    A crash or exception inside the block leaves ``path`` untouched (the old file, or nothing), so
    readers never see a half-written file. The temp file keeps the final suffix so that libraries
    which pick a format from the extension (soundfile, safetensors) still work. Temp files that
    killed writers left in the same folder are removed first.

    Example:
        >>> with atomic_path("out.json") as tmp:  # doctest: +SKIP
        ...     tmp.write_text("{}")

    Raises:
        OutputError: ``path`` is a directory or a device (renaming onto ``/dev/full`` would
            replace the device).
        OSError: the folder cannot be created or written (permissions, read-only or full disk).
    """
    final = check_writable_file(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned_temp_files(final.parent)
    # Keep up to two suffixes (".jsonl.gz") so format sniffing by extension still works.
    suffix = "".join(final.suffixes[-2:])
    fd, tmp_name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=suffix, dir=final.parent)
    tmp = Path(tmp_name)
    try:
        if fcntl is not None:
            # Held until the rename is done: marks the temp file as in use (see remove_abandoned_temp_files).
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield tmp
        if tmp.is_file() and stat.S_IMODE(tmp.stat().st_mode) == 0o600:
            # mkstemp creates 0600 files; give the result the usual permissions of a new file
            os.chmod(tmp, 0o644)
        os.replace(tmp, final)
    finally:
        os.close(fd)
        if tmp.exists():
            tmp.unlink()


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding=encoding)


def read_text_lines(path: str | os.PathLike[str], what: str = "--file") -> list[tuple[int, str]]:
    """The non-empty lines of a UTF-8 text file, with their 1-based line numbers, stripped.

    A UTF-8 byte-order mark is accepted. Lines holding a NUL byte are refused rather than spoken
    with their words merged.

    Raises:
        FileNotFoundError: no such file.
        TextFileError: a directory, not UTF-8 (the message gives the line and byte), or a NUL byte.
    """
    p = Path(path)
    if p.is_dir():
        raise TextFileError(f"{what} {p} is a directory; give a UTF-8 text file")
    if not p.exists():
        raise FileNotFoundError(errno.ENOENT, f"{what}: no such file", str(p))
    data = p.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TextFileError(f"{what} {p} is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise TextFileError(
            f"{what} {p} is not UTF-8 text (byte 0x{data[e.start]:02x} on line {line}); "
            "save it as UTF-8 (e.g. iconv -f LATIN1 -t UTF-8)"
        ) from None
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        if "\x00" in line:
            raise TextFileError(
                f"{what} {p} line {number} holds a NUL byte: is it UTF-16 or binary? save it as UTF-8 text"
            )
        if line.strip():
            out.append((number, line.strip()))
    return out
