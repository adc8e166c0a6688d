"""Finished jobs' files: sealed under their own data key, in a folder of the instance.

Apart from the evidence store on purpose: ``vetting storage check`` treats a file there that no
evidence or consent row names as an orphan, and a job's file is named by its ``jobs`` row.
Each file is written under a temporary name, fsynced, then renamed, so a killed worker leaves at
most a temporary file and never a half-written result.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from vetting.crypto import DataKey

#: Inside the instance folder (outside the web root).
RESULTS_DIR = "job-results"
_HEX = frozenset("0123456789abcdef")


class ResultMissing(LookupError):
    """The file a finished job names is not in the folder."""


class ResultStore:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    @staticmethod
    def new_name() -> str:
        return secrets.token_hex(24)

    def _path(self, name: str) -> Path:
        if not name or not set(name) <= _HEX:
            raise ValueError("invalid result file name")
        return self.root / name

    def write(self, name: str, key: DataKey, content: bytes, purpose: str) -> None:
        """Seal and write durably; created 0600, never unencrypted."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self._path(name)
        tmp = path.with_name(name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(key.seal(content, purpose))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        folder = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)

    def read(self, name: str, key: DataKey, purpose: str) -> bytes:
        path = self._path(name)
        if not path.exists():
            raise ResultMissing(name)
        return key.open(path.read_bytes(), purpose)

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)
