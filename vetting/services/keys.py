"""Master-key rotation: rewrap data keys and TOTP seeds, never re-encrypt content (§4).

Safe to resume at any point: the new key is written to ``master_key.next`` first (loaded
as a decryption key from then on); everything not under it is rewrapped in one
transaction; then the old key becomes ``master_key.previous`` (decrypt-only) and the new
one ``master_key``, each by an atomic rename. Stop the server first: a worker started
before the rotation keeps the old key, and what it writes stays readable only because
the previous key is kept; the next rotation rewraps it.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.config import MASTER_KEY_FILE, MASTER_KEY_NEXT_FILE, MASTER_KEY_PREVIOUS_FILE, decode_master_key
from vetting.crypto import Keyring
from vetting.models import Candidate, User
from vetting.services.accounts import totp_purpose
from vetting.services.vault import wrapped_key_purpose


@dataclass(frozen=True)
class RotationResult:
    old_key_id: str
    new_key_id: str
    data_keys: int
    totp_seeds: int


def prepare_next_key(instance_path: Path) -> bytes:
    """The key to rotate to: an unfinished rotation's, or a new random one (written 0600)."""
    path = instance_path / MASTER_KEY_NEXT_FILE
    if path.exists():
        return decode_master_key(path.read_bytes().strip())
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(base64.b64encode(key))
        handle.flush()
        os.fsync(handle.fileno())
    return key


def rewrap_all(session: Session, old: Keyring, new_key: bytes) -> RotationResult:
    """Rewrap every candidate data key and TOTP seed under ``new_key`` (one transaction)."""
    keyring = Keyring(new_key, [k for k in old.all_keys() if k != new_key])
    data_keys = totp_seeds = 0
    for candidate in session.scalars(select(Candidate).where(Candidate.wrapped_key.is_not(None))):
        assert candidate.wrapped_key is not None
        if not keyring.is_current(candidate.wrapped_key):
            candidate.wrapped_key = keyring.rewrap(candidate.wrapped_key, wrapped_key_purpose(candidate.id))
            data_keys += 1
    for user in session.scalars(select(User).where(User.totp_secret_encrypted.is_not(None))):
        assert user.totp_secret_encrypted is not None
        if not keyring.is_current(user.totp_secret_encrypted):
            user.totp_secret_encrypted = keyring.rewrap(user.totp_secret_encrypted, totp_purpose(user.id))
            totp_seeds += 1
    record(
        session,
        None,
        Event.KEYS_ROTATED,
        old_key_id=old.key_id,
        new_key_id=keyring.key_id,
        data_keys=data_keys,
        totp_seeds=totp_seeds,
    )
    return RotationResult(old.key_id, keyring.key_id, data_keys, totp_seeds)


def finish(instance_path: Path) -> None:
    """Keep the old key as the previous (decrypt-only) key; make the next key the master key."""
    current = instance_path / MASTER_KEY_FILE
    staged = instance_path / (MASTER_KEY_PREVIOUS_FILE + ".tmp")
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(current.read_bytes())
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(staged, instance_path / MASTER_KEY_PREVIOUS_FILE)
    os.replace(instance_path / MASTER_KEY_NEXT_FILE, current)
