"""Encrypted file store outside the web root (no Flask imports).

Files are sealed with the candidate's data key before they touch the disk and stored
under random names; users' file names are kept only as encrypted metadata. Paths are
resolved and checked to stay inside the store (SecureDrop ``Storage.verify``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

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


class EncryptedStore:
    """Sealed blobs in a folder, one file each, under random hex names."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, name: str) -> Path:
        if not name or not all(c in "0123456789abcdef" for c in name):
            raise StorageError("invalid storage name")
        path = (self.root / name[:2] / name).resolve()
        if self.root not in path.parents:
            raise StorageError("path outside the store")
        return path

    @staticmethod
    def new_name() -> str:
        return secrets.token_hex(24)

    def put(self, name: str, key: DataKey, plaintext: bytes, purpose: str) -> None:
        """Seal and write; the file never exists unencrypted, and is created 0600."""
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        sealed = key.seal(plaintext, purpose)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(sealed)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)

    def get(self, name: str, key: DataKey, purpose: str) -> bytes:
        path = self._path(name)
        if not path.exists():
            raise StorageError("stored file is missing")
        return key.open(path.read_bytes(), purpose)

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)
