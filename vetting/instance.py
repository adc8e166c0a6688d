"""Create the instance folder and its secrets (``vetting init``), idempotently."""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import tomllib
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vetting.config import (
    AUDIT_KEY_FILE,
    AUDIT_PUBLIC_KEY_FILE,
    CONFIG_FILE,
    MASTER_KEY_FILE,
    SECRET_KEY_FILE,
    ConfigError,
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


def save_agency_name(instance_path: Path, name: str) -> None:
    """Write ``agency_name`` into ``instance/config.toml``, keeping every other line as it was."""
    _save_top_level(
        instance_path, "agency_name", name, "The agency named on every document (vetting init --agency-name)."
    )


def save_time_zone(instance_path: Path, name: str) -> None:
    """Write ``time_zone`` (a checked IANA name) into ``instance/config.toml`` (issue 16)."""
    _save_top_level(
        instance_path, "time_zone", name, "The agency's clock for dates and windows (vetting init --time-zone)."
    )


def _save_top_level(instance_path: Path, key: str, value: str, comment: str) -> None:
    """Write the top-level ``key = value`` line of config.toml, keeping every other line as it was.

    A TOML basic string is JSON's string syntax for printable text, so ``json.dumps`` quotes it.
    The line goes first (top-level keys must come before any table) or replaces the top-level
    one; the file is read back before it replaces the old one, and an edit that would not read
    back as ``value`` is refused with a message instead of being written.
    """
    path = instance_path / CONFIG_FILE
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    line = f"{key} = {json.dumps(value, ensure_ascii=False)}"
    top = text.split("\n[", 1)[0] if not text.startswith("[") else ""
    found = re.compile(rf"^[ \t]*{key}[ \t]*=.*$", re.MULTILINE).search(top)
    updated = text[: found.start()] + line + text[found.end() :] if found else f"# {comment}\n{line}\n{text}"
    try:
        if tomllib.loads(updated).get(key) != value:
            raise ConfigError(f"Could not write {key} into {path}: edit the file by hand.")
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Could not write {key} into {path} ({exc}): edit the file by hand.") from exc
    temporary = path.with_name(f".{CONFIG_FILE}.tmp")
    temporary.write_text(updated, encoding="utf-8")
    os.replace(temporary, path)
