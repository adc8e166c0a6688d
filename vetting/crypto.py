"""Authenticated encryption of small secrets under the master key (no Flask imports).

Used now for TOTP seeds; candidate content will use per-candidate data keys wrapped by
the same master key. AES-256-GCM with a fresh 96-bit nonce per message; the purpose
string is bound as associated data so a ciphertext cannot be moved to another field.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_FORMAT = "v1"


class DecryptionError(ValueError):
    """Ciphertext was altered, moved, or made under another key."""


def key_id(key: bytes) -> str:
    """A short, non-secret fingerprint of a key (names it in stored ciphertexts)."""
    return hashlib.sha256(b"vetting-key-id:" + key).hexdigest()[:16]


class SecretBox:
    """Encrypt and decrypt short values with one AES-256-GCM key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("AES-256 needs a 32-byte key")
        self._aead = AESGCM(key)
        self.key_id = key_id(key)

    def encrypt(self, plaintext: bytes, purpose: str) -> str:
        """Return ``v1:<key id>:<base64(nonce || ciphertext)>``."""
        nonce = secrets.token_bytes(12)
        sealed = self._aead.encrypt(nonce, plaintext, purpose.encode())
        return f"{_FORMAT}:{self.key_id}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, purpose: str) -> bytes:
        """Reverse :meth:`encrypt`.

        :raises DecryptionError: if the token is malformed, altered or for another key.
        """
        try:
            version, kid, payload = token.split(":", 2)
            raw = base64.b64decode(payload, validate=True)
        except ValueError as exc:
            raise DecryptionError("malformed ciphertext") from exc
        if version != _FORMAT or kid != self.key_id:
            raise DecryptionError("ciphertext was made under another key")
        if len(raw) < 12 + 16:  # nonce + GCM tag
            raise DecryptionError("malformed ciphertext")
        try:
            return self._aead.decrypt(raw[:12], raw[12:], purpose.encode())
        except InvalidTag as exc:
            raise DecryptionError("ciphertext failed authentication") from exc


def sha256_hex(data: bytes | str) -> str:
    """Hex SHA-256 of bytes or UTF-8 text."""
    if isinstance(data, str):
        data = data.encode()
    return hashlib.sha256(data).hexdigest()
