"""Create the instance folder and its secrets (``vetting init``), idempotently."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vetting.config import (
    AUDIT_KEY_FILE,
    AUDIT_PUBLIC_KEY_FILE,
    MASTER_KEY_FILE,
    SECRET_KEY_FILE,
)


def _write_private(path: Path, data: bytes) -> None:
    # O_EXCL: never overwrite an existing key; 0600 from the first byte.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def ensure_instance(instance_path: Path) -> list[str]:
    """Create missing secrets in ``instance_path``; return the names of the files created."""
    instance_path.mkdir(parents=True, exist_ok=True)
    created: list[str] = []
    if not (instance_path / SECRET_KEY_FILE).exists():
        _write_private(instance_path / SECRET_KEY_FILE, secrets.token_hex(32).encode())
        created.append(SECRET_KEY_FILE)
    if not (instance_path / MASTER_KEY_FILE).exists():
        _write_private(instance_path / MASTER_KEY_FILE, base64.b64encode(secrets.token_bytes(32)))
        created.append(MASTER_KEY_FILE)
    key_path = instance_path / AUDIT_KEY_FILE
    if not key_path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write_private(key_path, pem)
        created.append(AUDIT_KEY_FILE)
    public_path = instance_path / AUDIT_PUBLIC_KEY_FILE
    if not public_path.exists():
        private = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        public_path.write_bytes(
            private.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        created.append(AUDIT_PUBLIC_KEY_FILE)
    return created
