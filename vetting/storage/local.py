"""The local folder store: sealed files in a folder outside the web root (the default).

Files are stored under random names in folders named for their first two hex digits; paths
are resolved and checked to stay inside the store (SecureDrop ``Storage.verify``).
:meth:`LocalStore.stage` writes the sealed bytes under a temporary name beside the final one
and fsyncs them; :meth:`LocalStore.publish` renames the file to its final name and fsyncs the
folder.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from vetting.crypto import DataKey
from vetting.storage.base import JOBS_FOLDER, FileMissing, StorageError, StoredFile, checked_name, is_name, new_name

#: The suffix of a file being written: it gets its final name only once its row exists.
TEMP_SUFFIX = ".tmp"


def _fsync_dir(path: Path) -> None:
    """Make a rename or a new entry in ``path`` durable (POSIX: fsync the directory)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalStore:
    """Sealed blobs in a folder, one file each, under random hex names."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.description = str(self.root)

    def _path(self, name: str) -> Path:
        checked_name(name)
        path = (self.root / name[:2] / name).resolve()
        if self.root not in path.parents:
            raise StorageError("path outside the store")
        return path

    @staticmethod
    def _temp(path: Path) -> Path:
        return path.with_name(path.name + TEMP_SUFFIX)

    @staticmethod
    def new_name() -> str:
        return new_name()

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
        self.stage(name, key, plaintext, purpose)
        self.publish(name)

    def get(self, name: str, key: DataKey, purpose: str) -> bytes:
        path = self._path(name)
        if not path.exists():
            raise FileMissing("stored file is missing")
        return key.open(path.read_bytes(), purpose)

    def delete(self, name: str) -> None:
        path = self._path(name)
        path.unlink(missing_ok=True)
        self._temp(path).unlink(missing_ok=True)

    def remove(self, found: StoredFile) -> bool:
        if found.kind == "other":
            raise StorageError("only the store's own files are removed")
        path = self._path(found.name)
        target = self._temp(path) if found.kind == "temp" else path
        if target.relative_to(self.root).as_posix() != found.location:
            raise StorageError("path outside the store")
        try:
            target.unlink()
        except FileNotFoundError:
            return False
        return True

    def scan(self) -> Iterator[StoredFile]:
        """Every file in the store, folder by folder (not the jobs' folder: a store of its own)."""
        if not self.root.is_dir():
            return
        for folder in _entries(self.root):
            if folder.name == JOBS_FOLDER and folder.is_dir(follow_symlinks=False):
                continue
            if not folder.is_dir(follow_symlinks=False):
                yield from _found("other", folder.name, folder.name, folder)
                continue
            for entry in _entries(Path(folder.path)):
                name, temp = entry.name, entry.name.endswith(TEMP_SUFFIX)
                if temp:
                    name = name[: -len(TEMP_SUFFIX)]
                location = f"{folder.name}/{entry.name}"
                if entry.is_file(follow_symlinks=False) and is_name(name) and name[:2] == folder.name:
                    yield from _found("temp" if temp else "final", name, location, entry)
                else:
                    yield from _found("other", location, location, entry)


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as listing:
            return sorted(listing, key=lambda e: e.name)
    except FileNotFoundError:
        return []


def _found(
    kind: Literal["final", "temp", "other"], name: str, location: str, entry: os.DirEntry[str]
) -> Iterator[StoredFile]:
    try:
        stat = entry.stat(follow_symlinks=False)
    except FileNotFoundError:  # gone since the listing (an upload renamed it, or it was removed)
        return
    yield StoredFile(kind, name, location, stat.st_size, max(0.0, time.time() - stat.st_mtime))
