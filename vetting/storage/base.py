"""What every store shares: the interface the services use, names, findings and content sniffing."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, Protocol

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

#: The store's folder (key prefix) of finished jobs' files (issue 17), a store of its own inside
#: this one: every server reads them where it reads evidence. Not hex and not ``tmp``, so no
#: stored file's folder is named so; a scan passes over it, so ``vetting storage check`` never
#: takes a job's file for orphaned evidence.
JOBS_FOLDER = "jobs"

#: Length of a storage name (hex digits of :func:`new_name`).
NAME_LENGTH = 48
_HEX = frozenset("0123456789abcdef")


class StorageError(ValueError):
    """A name or path escaped the store, a stored file is missing, or the store cannot be reached."""


class FileMissing(StorageError):
    """The store holds no file of that name."""


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


def new_name() -> str:
    """A fresh random storage name: the only names a store accepts are hex, like this one."""
    return secrets.token_hex(NAME_LENGTH // 2)


def is_name(name: str) -> bool:
    """Whether ``name`` is a storage name: hex digits only, so it can never form a path or key of its own."""
    return bool(name) and all(c in _HEX for c in name)


def checked_name(name: str) -> str:
    if not is_name(name):
        raise StorageError("invalid storage name")
    return name


@dataclass(frozen=True)
class StoredFile:
    """One file found in the store: a final file, a temporary one, or anything else."""

    kind: Literal["final", "temp", "other"]
    #: The storage name (without the temporary suffix or prefix); the location for ``other``.
    name: str
    #: Where it is, relative to the store's root folder or key prefix (what the check prints).
    location: str
    size: int
    #: Seconds since the file was last written (publishing keeps the staged file's content).
    age: float


class EncryptedStore(Protocol):
    """Sealed files under random names: what the services use, whatever the backend.

    Writing is crash-consistent in two steps: :meth:`stage` seals and writes the file under a
    temporary name, :meth:`publish` gives it its final name. The services publish only after the
    row that names the file is flushed and :meth:`delete` it on rollback, so a crash leaves at most
    a temporary file or a final one no committed row names: ``vetting storage check`` finds both.
    """

    #: Where the files are, for messages (a folder, or ``s3://bucket/prefix``).
    description: str

    def new_name(self) -> str: ...

    def stage(self, name: str, key: DataKey, plaintext: bytes, purpose: str) -> None:
        """Seal ``plaintext`` and write it, durably, under the temporary name of ``name``."""

    def publish(self, name: str) -> None:
        """Give a staged file its final name (after its row is flushed)."""

    def put(self, name: str, key: DataKey, plaintext: bytes, purpose: str) -> None:
        """Stage and publish at once (for callers with no row to wait for)."""

    def get(self, name: str, key: DataKey, purpose: str) -> bytes:
        """The opened file; :class:`StorageError` when it is missing."""
        ...

    def delete(self, name: str) -> None:
        """Remove the file, published or only staged (nothing there is not an error)."""

    def remove(self, found: StoredFile) -> bool:
        """Remove a file :meth:`scan` found; False if it had gone already. Never an ``other`` file."""
        ...

    def scan(self) -> Iterator[StoredFile]:
        """Every file in the store (an empty or missing store holds nothing)."""
        ...
