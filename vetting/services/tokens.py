"""API bearer tokens: shown once, stored as SHA-256 hashes; named, expiring, revocable (issue 14).

A token stands in for a full sign-in at every API request, so one is issued only to an
account that has enrolled its second factor (``policy.token_issue_refusal``), lives at most
``MAX_TOKEN_DAYS`` (by default ``Settings.token_days``), and its holder or the operator at
the command line can revoke it. Tokens issued before expiry existed have no ``expires_at``:
they expire ``token_days`` after their creation, like a token issued today with the default.

Issuing, revoking and every use of a revoked or expired token are audited with the token's
id and prefix, never the token.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from vetting import policy
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.clock import utcnow
from vetting.config import MAX_TOKEN_DAYS
from vetting.crypto import sha256_hex
from vetting.errors import AuthenticationFailed, Conflict, NotFound, Refusal, ValidationFailed
from vetting.models import ApiToken, User

TOKEN_PREFIX = "vt_"
MAX_NAME_LENGTH = 100
_TOUCH_INTERVAL = timedelta(minutes=1)

#: The codes a refused token answers with (401), as PRODUCT.md §5 names them.
TOKEN_REVOKED = "token_revoked"
TOKEN_EXPIRED = "token_expired"
#: Issuing refused: the account has no enrolled second factor.
SECOND_FACTOR_REQUIRED = "second_factor_required"


class TokenStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"

    @property
    def label(self) -> str:
        return self.value.capitalize()


@dataclass(frozen=True)
class TokenView:
    """What anyone is ever shown of a token: never the token itself."""

    id: int
    user_id: int
    name: str | None
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime
    revoked_at: datetime | None
    status: TokenStatus

    @classmethod
    def of(cls, row: ApiToken, default_days: int, now: datetime | None = None) -> TokenView:
        now = now or utcnow()
        expires = expiry_of(row, default_days)
        if row.revoked_at is not None:
            status = TokenStatus.REVOKED
        elif now >= expires:
            status = TokenStatus.EXPIRED
        else:
            status = TokenStatus.ACTIVE
        return cls(
            row.id, row.user_id, row.name, row.prefix, row.created_at, row.last_used_at, expires, row.revoked_at, status
        )


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``secret`` exists only here, to be shown once."""

    secret: str
    view: TokenView


def expiry_of(row: ApiToken, default_days: int) -> datetime:
    """When ``row`` expires; a token from before expiry existed counts ``default_days`` from its creation."""
    return row.expires_at if row.expires_at is not None else row.created_at + timedelta(days=default_days)


def _clean_name(name: str | None) -> str | None:
    if name is None:
        return None
    cleaned = " ".join(name.split())
    if not cleaned:
        return None
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ValidationFailed(f"A token's name has at most {MAX_NAME_LENGTH} characters.", field="name")
    if any(unicodedata.category(ch).startswith("C") for ch in cleaned):
        raise ValidationFailed("A token's name cannot contain control or invisible characters.", field="name")
    return cleaned


def issue_token(
    session: Session,
    actor: User | None,
    user: User,
    *,
    default_days: int,
    name: str | None = None,
    days: int | None = None,
) -> IssuedToken:
    """Issue a token for ``user`` that expires after ``days`` (default ``default_days``).

    ``actor`` is ``None`` for the operator at the command line, who may issue for anyone;
    a signed-in user issues only for themselves.

    :raises NotFound: ``actor`` may not manage ``user``'s tokens, or the account is inactive
    :raises Conflict: ``second_factor_required`` when ``user`` never enrolled TOTP (audited)
    :raises ValidationFailed: a bad ``name`` or ``days``, naming the field
    """
    if not policy.can_manage_tokens_of(actor, user.id) or not user.is_active:
        raise NotFound(f"No active account for {user.email}.")
    refusal = policy.token_issue_refusal(user)
    if refusal is not None:
        raise Conflict(
            refusal,
            code=SECOND_FACTOR_REQUIRED,
            refusal=Refusal.of(Event.TOKEN_REFUSED, actor, subject=user, code=SECOND_FACTOR_REQUIRED),
        )
    lifetime = default_days if days is None else days
    if not 1 <= lifetime <= MAX_TOKEN_DAYS:
        raise ValidationFailed(f"A token lives between 1 and {MAX_TOKEN_DAYS} days.", field="days")
    clean = _clean_name(name)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(
        user_id=user.id,
        token_hash=sha256_hex(token),
        prefix=token[:10],
        created_at=now,
        name=clean,
        expires_at=now + timedelta(days=lifetime),
    )
    session.add(row)
    session.flush()
    record(session, actor, Event.TOKEN_CREATED, subject=user, token_id=row.id, prefix=row.prefix, days=lifetime)
    return IssuedToken(token, TokenView.of(row, default_days, now))


def create_token(session: Session, actor: User | None, user: User, *, default_days: int = 90) -> str:
    """Issue a token with the default lifetime and no name; the plaintext exists only in the return value."""
    return issue_token(session, actor, user, default_days=default_days).secret


def list_tokens(session: Session, actor: User | None, user: User, *, default_days: int) -> list[TokenView]:
    """``user``'s tokens, newest first (``actor`` ``None``: the operator at the command line)."""
    if not policy.can_manage_tokens_of(actor, user.id):
        raise NotFound("No such account.")
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc()))
    now = utcnow()
    return [TokenView.of(row, default_days, now) for row in rows]


def _managed_token(session: Session, actor: User | None, token_id: int) -> ApiToken:
    """The token ``actor`` may manage; another user's token is not found, and the attempt audited."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound("No such token.")
    if not policy.can_manage_tokens_of(actor, row.user_id):
        raise NotFound(
            "No such token.",
            refusal=Refusal.of(Event.TOKEN_REFUSED, actor, subject=row.user, token_id=row.id, code="not_own_token"),
        )
    return row


def get_token(session: Session, actor: User | None, token_id: int, *, default_days: int) -> TokenView:
    return TokenView.of(_managed_token(session, actor, token_id), default_days)


def revoke_token(session: Session, actor: User | None, token_id: int, *, default_days: int) -> TokenView:
    """Revoke a token: its holder's own, or any at the command line (``actor`` ``None``).

    :raises NotFound: no such token, or another user's (audited)
    :raises Conflict: ``token_already_revoked``
    """
    row = _managed_token(session, actor, token_id)
    if row.revoked_at is not None:
        raise Conflict(f"Token {row.id} was already revoked.", code="token_already_revoked")
    row.revoked_at = utcnow()
    row.revoked_by_id = actor.id if actor else None
    record(session, actor, Event.TOKEN_REVOKED, subject=row.user, token_id=row.id, prefix=row.prefix)
    return TokenView.of(row, default_days)


def authenticate(session: Session, token: str, *, default_days: int = 90) -> User | None:
    """The active user a bearer token belongs to, or ``None`` for a token nobody issued.

    :raises AuthenticationFailed: ``token_revoked`` or ``token_expired``; the refusal is audited
        (token id and code) after the rollback.
    """
    if not token.startswith(TOKEN_PREFIX):
        return None
    # One statement: every API request comes through here, so the holder's roles and
    # designation (which the permission checks read) are joined rather than selected after.
    row = (
        session.scalars(
            select(ApiToken)
            .where(ApiToken.token_hash == sha256_hex(token))
            .options(joinedload(ApiToken.user).options(joinedload(User.role_rows), joinedload(User.designation)))
        )
        .unique()
        .one_or_none()
    )
    if row is None:
        return None
    now = utcnow()
    code = message = None
    if row.revoked_at is not None:
        code, message = TOKEN_REVOKED, "This API token was revoked. Ask for a new one."
    elif now >= expiry_of(row, default_days):
        code, message = TOKEN_EXPIRED, "This API token has expired. Create a new one."
    if code is not None and message is not None:
        raise AuthenticationFailed(
            message,
            code=code,
            refusal=Refusal.of(Event.TOKEN_REFUSED, None, subject=row.user, token_id=row.id, code=code),
        )
    if not row.user.is_active or row.user.is_locked(now):
        return None
    if row.last_used_at is None or now - row.last_used_at > _TOUCH_INTERVAL:
        row.last_used_at = now
    return row.user
