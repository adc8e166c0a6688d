"""Envelope encryption with AES-256-GCM (no Flask imports).

A master key (in ``instance/`` or the environment) wraps one random data key per
candidate; the data key encrypts that candidate's content. Deleting the wrapped data key
erases the content (crypto-shredding); rotating the master key rewraps the data keys
without touching the content. Every ciphertext binds a purpose string as associated
data, so it cannot be moved to another field, record or candidate.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_FORMAT = "v1"
NONCE_BYTES = 12


class DecryptionError(ValueError):
    """Ciphertext was altered, moved, or made under a key we do not hold."""


def key_id(key: bytes) -> str:
    """A short, non-secret fingerprint of a key (names it in stored ciphertexts)."""
    return hashlib.sha256(b"vetting-key-id:" + key).hexdigest()[:16]


def _seal(aead: AESGCM, plaintext: bytes, purpose: str) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + aead.encrypt(nonce, plaintext, purpose.encode())


def _open(aead: AESGCM, sealed: bytes, purpose: str) -> bytes:
    if len(sealed) < NONCE_BYTES + 16:  # nonce + GCM tag
        raise DecryptionError("malformed ciphertext")
    try:
        return aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], purpose.encode())
    except InvalidTag as exc:
        raise DecryptionError("ciphertext failed authentication") from exc


class Keyring:
    """The active master key (encrypts) and any older ones still accepted (decrypt only)."""

    def __init__(self, active: bytes, older: Iterable[bytes] = ()) -> None:
        keys = [active, *older]
        if any(len(k) != 32 for k in keys):
            raise ValueError("AES-256 needs 32-byte keys")
        self.key_id = key_id(active)
        self._keys = keys
        self._active = AESGCM(active)
        self._by_id = {key_id(k): AESGCM(k) for k in keys}

    def all_keys(self) -> list[bytes]:
        """The raw keys held, active first (for building the next keyring in a rotation)."""
        return list(self._keys)

    def encrypt(self, plaintext: bytes, purpose: str) -> str:
        """Return ``v1:<key id>:<base64(nonce || ciphertext)>`` under the active key."""
        return f"{_FORMAT}:{self.key_id}:{base64.b64encode(_seal(self._active, plaintext, purpose)).decode()}"

    def decrypt(self, token: str, purpose: str) -> bytes:
        """Reverse :meth:`encrypt`, with whichever held key the token names.

        :raises DecryptionError: if the token is malformed, altered or for a key not held.
        """
        try:
            version, kid, payload = token.split(":", 2)
            raw = base64.b64decode(payload, validate=True)
        except ValueError as exc:
            raise DecryptionError("malformed ciphertext") from exc
        aead = self._by_id.get(kid)
        if version != _FORMAT or aead is None:
            raise DecryptionError("ciphertext was made under a key that is not held")
        return _open(aead, raw, purpose)

    def is_current(self, token: str) -> bool:
        """Whether ``token`` is already under the active key (rotation skips it)."""
        return token.startswith(f"{_FORMAT}:{self.key_id}:")

    def rewrap(self, token: str, purpose: str) -> str:
        """Decrypt with the key it names, encrypt again under the active key."""
        return token if self.is_current(token) else self.encrypt(self.decrypt(token, purpose), purpose)


class DataKey:
    """One candidate's AES-256-GCM data key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("AES-256 needs a 32-byte key")
        self._aead = AESGCM(key)

    @staticmethod
    def generate() -> bytes:
        return AESGCM.generate_key(bit_length=256)

    def seal(self, plaintext: bytes, purpose: str) -> bytes:
        """Binary ``nonce || ciphertext`` (evidence files)."""
        return _seal(self._aead, plaintext, purpose)

    def open(self, sealed: bytes, purpose: str) -> bytes:
        return _open(self._aead, sealed, purpose)

    def encrypt_text(self, text: str, purpose: str) -> str:
        return base64.b64encode(self.seal(text.encode(), purpose)).decode()

    def decrypt_text(self, token: str, purpose: str) -> str:
        try:
            raw = base64.b64decode(token, validate=True)
        except ValueError as exc:
            raise DecryptionError("malformed ciphertext") from exc
        return self.open(raw, purpose).decode()


def sha256_hex(data: bytes | str) -> str:
    """Hex SHA-256 of bytes or UTF-8 text."""
    if isinstance(data, str):
        data = data.encode()
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Sealed:
    """How one sealed value of a model is bound: ``candidate:<id>:<purpose>:<record id>``.

    The record id is the named attributes of the row joined with "." (a release of a finding
    binds "<finding id>.<number>"). A text value lives in the column ``<name>_enc``; a
    ``stored`` one is a file in the encrypted store, named by the row.
    """

    purpose: str
    record: tuple[str, ...] = ("id",)
    stored: bool = False

    def record_id(self, row: object) -> str:
        return ".".join(str(getattr(row, name)) for name in self.record)


#: A model's sealed values by name, declared once on the model class.
SealedFields = Mapping[str, Sealed]


class HasSealed(Protocol):
    """A model that declares its sealed values."""

    sealed: ClassVar[SealedFields]
