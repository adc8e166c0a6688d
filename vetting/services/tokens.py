"""API bearer tokens: shown once, stored as SHA-256 hashes."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.clock import utcnow
from vetting.crypto import sha256_hex
from vetting.errors import NotFound
from vetting.models import ApiToken, User

TOKEN_PREFIX = "vt_"
_TOUCH_INTERVAL = timedelta(minutes=1)


def create_token(session: Session, actor: User | None, user: User) -> str:
    """Issue a token for ``user``; the plaintext exists only in the return value."""
    if not user.is_active:
        raise NotFound(f"No active account for {user.email}.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=sha256_hex(token), prefix=token[:10])
    session.add(row)
    session.flush()
    record(session, actor, Event.TOKEN_CREATED, subject=user, token_id=row.id, prefix=row.prefix)
    return token


def authenticate(session: Session, token: str) -> User | None:
    """The active user a bearer token belongs to, or ``None``."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == sha256_hex(token)))
    if row is None or row.revoked_at is not None or not row.user.is_active:
        return None
    now = utcnow()
    if row.user.is_locked(now):
        return None
    if row.last_used_at is None or now - row.last_used_at > _TOUCH_INTERVAL:
        row.last_used_at = now
    return row.user
