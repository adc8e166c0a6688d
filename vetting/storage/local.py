"""Encrypted file store outside the web root (no Flask imports).

Files are sealed with the candidate's data key before they touch the disk and stored
under random names; users' file names are kept only as encrypted metadata. Paths are
resolved and checked to stay inside the store (SecureDrop ``Storage.verify``).

Writing is crash-consistent in two steps: :meth:`EncryptedStore.stage` writes the sealed bytes
under a temporary name beside the final one and fsyncs them; :meth:`EncryptedStore.publish`
renames the file to its final name and fsyncs the folder. The services publish only after the
row that names the file is flushed, so a crash leaves at most a temporary file, or a final file
whose row was never committed: ``vetting storage check`` finds both.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from vetting.crypto import DataKey

#: File types accepted as evidence or signed documents, recognised by their first bytes.
_SIGNATURES: tuple[tuple[str, tuple[bytes, ...]], ...] = (
    ("application/pdf", (b"%PDF-",)),
    ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ("image/jpeg", (b"\xff\xd8\xff",)),
    ("image/gif", (b"GIF87a", b"GIF89a")),
)
_HTML_MARKERS = (b"<!doctype html", b"<html")
_MHTML_MARKERS = (b"mime-version:", b"from:", b"content-type: multipart/related")


#: The suffix of a file being written: it gets its final name only once its row exists.
TEMP_SUFFIX = ".tmp"
#: Length of a storage name (hex digits of :meth:`EncryptedStore.new_name`).
NAME_LENGTH = 48
_HEX = frozenset("0123456789abcdef")


class StorageError(ValueError):
    """A path escaped the store, or a stored file is missing."""


def sniff_content_type(head: bytes) -> str | None:
    """The content type from the file's first bytes, or ``None`` if not an accepted type.

    The browser's claimed type is never trusted (ASVS 12.2.1).
    """
    for content_type, magics in _SIGNATURES:
        if head.startswith(magics):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(_HTML_MARKERS):
        return "text/html"
    if text.startswith(_MHTML_MARKERS) and b"multipart/related" in head.lower():
        return "multipart/related"
    return None


def _is_name(name: str) -> bool:
    return bool(name) and all(c in _HEX for c in name)


def _fsync_dir(path: Path) -> None:
    """Make a rename or a new entry in ``path`` durable (POSIX: fsync the directory)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class StoredFile:
    """One file found in the store: a final file, a temporary one, or anything else."""

    kind: Literal["final", "temp", "other"]
    #: The storage name (without the temporary suffix); the relative path for ``other``.
    name: str
    path: Path
    size: int
    #: Seconds since the file was last written (its rename keeps that time).
    age: float


class EncryptedStore:
    """Sealed blobs in a folder, one file each, under random hex names."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, name: str) -> Path:
        if not _is_name(name):
            raise StorageError("invalid storage name")
        path = (self.root / name[:2] / name).resolve()
        if self.root not in path.parents:
            raise StorageError("path outside the store")
        return path

    @staticmethod
    def _temp(path: Path) -> Path:
        return path.with_name(path.name + TEMP_SUFFIX)

    @staticmethod
    def new_name() -> str:
        return secrets.token_hex(NAME_LENGTH // 2)

    def stage(self, name: str, key: DataKey, plaintext: bytes, purpose: str) -> None:
        """Seal and write under the temporary name, fsynced; created 0600, never unencrypted."""
        path = self._path(name)
        if not path.parent.is_dir():
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            path.parent.mkdir(exist_ok=True, mode=0o700)
            _fsync_dir(self.root)
        sealed = key.seal(plaintext, purpose)
        tmp = self._temp(path)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(sealed)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def publish(self, name: str) -> None:
        """Rename a staged file to its final name, durably (after its row is flushed)."""
        path = self._path(name)
        os.replace(self._temp(path), path)
        _fsync_dir(path.parent)

    def put(self, name: str, key: DataKey, plaintext: bytes, purpose: str) -> None:
        """Stage and publish at once (for callers with no row to wait for)."""
        self.stage(name, key, plaintext, purpose)
        self.publish(name)

    def get(self, name: str, key: DataKey, purpose: str) -> bytes:
        path = self._path(name)
        if not path.exists():
            raise StorageError("stored file is missing")
        return key.open(path.read_bytes(), purpose)

    def delete(self, name: str) -> None:
        """Remove the file, published or only staged."""
        path = self._path(name)
        path.unlink(missing_ok=True)
        self._temp(path).unlink(missing_ok=True)

    def remove(self, found: StoredFile) -> bool:
        """Remove a file :meth:`scan` found; False if it had gone already."""
        if found.kind == "other":
            raise StorageError("only the store's own files are removed")
        path = self._path(found.name)
        target = self._temp(path) if found.kind == "temp" else path
        if target != found.path:
            raise StorageError("path outside the store")
        try:
            target.unlink()
        except FileNotFoundError:
            return False
        return True

    def scan(self) -> Iterator[StoredFile]:
        """Every file in the store, folder by folder (a missing store holds nothing)."""
        if not self.root.is_dir():
            return
        for folder in _entries(self.root):
            if not folder.is_dir(follow_symlinks=False):
                yield from _found("other", folder.name, folder)
                continue
            for entry in _entries(Path(folder.path)):
                name, temp = entry.name, entry.name.endswith(TEMP_SUFFIX)
                if temp:
                    name = name[: -len(TEMP_SUFFIX)]
                if entry.is_file(follow_symlinks=False) and _is_name(name) and name[:2] == folder.name:
                    yield from _found("temp" if temp else "final", name, entry)
                else:
                    yield from _found("other", f"{folder.name}/{entry.name}", entry)


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as listing:
            return sorted(listing, key=lambda e: e.name)
    except FileNotFoundError:
        return []


def _found(kind: Literal["final", "temp", "other"], name: str, entry: os.DirEntry[str]) -> Iterator[StoredFile]:
    try:
        stat = entry.stat(follow_symlinks=False)
    except FileNotFoundError:  # gone since the listing (an upload renamed it, or it was removed)
        return
    yield StoredFile(kind, name, Path(entry.path), stat.st_size, max(0.0, time.time() - stat.st_mtime))
