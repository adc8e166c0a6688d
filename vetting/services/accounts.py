"""Login with password and TOTP, enrolment, server-side sessions, logout.

Failed attempts change state (counters, lockout, audit events) and must be committed,
so the login steps return an outcome instead of raising: the caller commits, then
shows the error. CJIS 5.5.3 (lockout after 5 consecutive failures, 10 minutes or until
an administrator releases it), 5.5.5 (session lock), ASVS 2.8.4 (one-time TOTP),
3.2.1 (new session token at login), 3.3.1 (logout invalidates server-side).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.clock import utcnow
from vetting.crypto import sha256_hex
from vetting.errors import AccountLocked, AuthenticationFailed, DomainError, RateLimited
from vetting.models import AuthSession, LoginAttempt, RecoveryCode, SessionStage, User
from vetting.security import totp
from vetting.services.context import Security

BAD_CREDENTIALS = "The email address or password is incorrect."
BAD_CODE = "That code is not valid. Enter the current 6-digit code from your authenticator app, or a recovery code."
#: A half-finished login (password accepted, code not yet) expires quickly.
PENDING_LIFETIME = timedelta(minutes=10)
#: Write last-seen at most this often: idle timeout precision vs a write per request.
TOUCH_INTERVAL = timedelta(seconds=30)
LOGIN_EXPIRED = "Your sign-in has expired. Start again with your email address and password."


def totp_purpose(user_id: int) -> str:
    """Associated data of a TOTP seed ciphertext: it cannot be moved to another account."""
    return f"totp:{user_id}"


def seal_totp_secret(security: Security, user: User, secret: str) -> None:
    """Store a TOTP seed encrypted under the master key, bound to this user's id."""
    user.totp_secret_encrypted = security.keyring.encrypt(secret.encode(), totp_purpose(user.id))


def open_totp_secret(security: Security, user: User) -> str:
    """The user's TOTP seed (the user must have one)."""
    assert user.totp_secret_encrypted is not None
    return security.keyring.decrypt(user.totp_secret_encrypted, totp_purpose(user.id)).decode()


def normalise_email(email: str) -> str:
    return email.strip().lower()


@dataclass
class LoginOutcome:
    """Result of a login step; ``error`` is set when the step failed."""

    user: User | None = None
    token: str | None = None
    stage: SessionStage | None = None
    error: DomainError | None = None
    recovery_codes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None


def _locked_message(security: Security) -> str:
    minutes = int(security.settings.lockout_duration.total_seconds() // 60)
    return (
        "This account is locked after too many failed attempts. "
        f"Try again in {minutes} minutes, or ask an administrator to release it."
    )


def _new_session(session: Session, user: User, stage: SessionStage, ip: str | None) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        AuthSession(
            token_hash=sha256_hex(token),
            user_id=user.id,
            stage=stage,
            created_at=now,
            last_seen_at=now,
            ip=ip,
        )
    )
    session.flush()
    return token


def _address_blocked(session: Session, security: Security, ip: str, now: datetime) -> bool:
    since = now - security.settings.address_failure_window
    failures = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.ip == ip, LoginAttempt.occurred_at >= since, LoginAttempt.succeeded.is_(False))
    )
    return (failures or 0) >= security.settings.address_failure_limit


def _note_attempt(session: Session, email: str, ip: str, succeeded: bool) -> None:
    session.add(LoginAttempt(email=email, ip=ip, occurred_at=utcnow(), succeeded=succeeded))


def _register_failure(session: Session, security: Security, user: User, ip: str, step: str) -> DomainError:
    now = utcnow()
    _note_attempt(session, user.email, ip, False)
    user.failed_login_count += 1
    record(session, user, Event.LOGIN_FAILED, subject=user, step=step, ip=ip)
    if user.failed_login_count >= security.settings.lockout_threshold:
        user.locked_until = now + security.settings.lockout_duration
        user.failed_login_count = 0
        revoke_all_sessions(session, user)
        record(session, user, Event.ACCOUNT_LOCKED, subject=user, until=user.locked_until.isoformat(), ip=ip)
        return AccountLocked(_locked_message(security))
    return AuthenticationFailed(BAD_CREDENTIALS if step == "password" else BAD_CODE)


def login_with_password(session: Session, security: Security, email: str, password: str, ip: str) -> LoginOutcome:
    """First step: check the password; open a pending session for the second factor."""
    email = normalise_email(email)
    now = utcnow()
    if _address_blocked(session, security, ip, now):
        record(session, None, Event.LOGIN_RATE_LIMITED, ip=ip)
        return LoginOutcome(
            error=RateLimited("Too many failed sign-in attempts from this address. Wait 15 minutes and try again.")
        )
    user = session.scalar(select(User).where(User.email == email))
    if user is None or not user.is_active:
        security.passwords.verify(None, password)  # same cost as a real check
        _note_attempt(session, email, ip, False)
        record(session, None, Event.LOGIN_FAILED, step="password", reason="unknown or inactive account", ip=ip)
        recent = session.scalar(
            select(func.count())
            .select_from(LoginAttempt)
            .where(
                LoginAttempt.email == email,
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.occurred_at >= now - security.settings.lockout_duration,
            )
        )
        # Same answers as for a real account, so lockouts do not reveal which emails exist.
        if (recent or 0) >= security.settings.lockout_threshold:
            return LoginOutcome(error=AccountLocked(_locked_message(security)))
        return LoginOutcome(error=AuthenticationFailed(BAD_CREDENTIALS))
    if user.is_locked(now):
        record(session, user, Event.LOGIN_REFUSED_LOCKED, subject=user, ip=ip)
        return LoginOutcome(error=AccountLocked(_locked_message(security)))
    if not security.passwords.verify(user.password_hash, password):
        return LoginOutcome(error=_register_failure(session, security, user, ip, "password"))
    if security.passwords.needs_rehash(user.password_hash):
        user.password_hash = security.passwords.hash(password)
    stage = SessionStage.PASSWORD if user.mfa_enrolled else SessionStage.ENROLL
    return LoginOutcome(user=user, token=_new_session(session, user, stage, ip), stage=stage)


def pending_session(session: Session, token: str | None, stage: SessionStage) -> AuthSession | None:
    """The half-finished login behind ``token``, if it is still valid."""
    if not token:
        return None
    found = session.scalar(select(AuthSession).where(AuthSession.token_hash == sha256_hex(token)))
    now = utcnow()
    if (
        found is None
        or found.stage is not stage
        or found.revoked_at is not None
        or now - found.created_at > PENDING_LIFETIME
        or not found.user.is_active
        or found.user.is_locked(now)
    ):
        return None
    return found


def _complete_login(session: Session, pending: AuthSession, ip: str, method: str) -> str:
    user = pending.user
    pending.revoked_at = utcnow()
    user.failed_login_count = 0
    _note_attempt(session, user.email, ip, True)
    record(session, user, Event.LOGIN_SUCCEEDED, subject=user, method=method, ip=ip)
    return _new_session(session, user, SessionStage.FULL, ip)


def verify_second_factor(session: Session, security: Security, token: str | None, code: str, ip: str) -> LoginOutcome:
    """Second step: a TOTP code (accepted once) or an unused recovery code."""
    pending = pending_session(session, token, SessionStage.PASSWORD)
    if pending is None:
        return LoginOutcome(error=AuthenticationFailed(LOGIN_EXPIRED, code="login_expired"))
    user = pending.user
    now = utcnow()
    counter = totp.matching_counter(open_totp_secret(security, user), code, now, user.totp_last_counter)
    if counter is not None:
        user.totp_last_counter = counter
        return LoginOutcome(user=user, token=_complete_login(session, pending, ip, "totp"), stage=SessionStage.FULL)
    wanted = sha256_hex(totp.normalise_recovery_code(code))
    recovery = session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == wanted, RecoveryCode.used_at.is_(None)
        )
    )
    if recovery is not None:
        recovery.used_at = now
        return LoginOutcome(
            user=user, token=_complete_login(session, pending, ip, "recovery_code"), stage=SessionStage.FULL
        )
    error = _register_failure(session, security, user, ip, "second_factor")
    if isinstance(error, AccountLocked):
        pending.revoked_at = now
    return LoginOutcome(error=error)


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str
    qr_data_uri: str


def begin_enrolment(session: Session, security: Security, token: str | None) -> Enrolment | None:
    """The TOTP secret to enrol (created once, kept across page reloads)."""
    pending = pending_session(session, token, SessionStage.ENROLL)
    if pending is None:
        return None
    user = pending.user
    if user.totp_secret_encrypted is None:
        seal_totp_secret(security, user, totp.new_secret())
    secret = open_totp_secret(security, user)
    uri = totp.provisioning_uri(secret, user.email)
    return Enrolment(secret=secret, uri=uri, qr_data_uri=totp.qr_svg_data_uri(uri))


def confirm_enrolment(session: Session, security: Security, token: str | None, code: str, ip: str) -> LoginOutcome:
    """Check the first code, mark TOTP enrolled, issue recovery codes, finish login."""
    pending = pending_session(session, token, SessionStage.ENROLL)
    if pending is None or pending.user.totp_secret_encrypted is None:
        return LoginOutcome(error=AuthenticationFailed(LOGIN_EXPIRED, code="login_expired"))
    user = pending.user
    counter = totp.matching_counter(open_totp_secret(security, user), code, utcnow(), user.totp_last_counter)
    if counter is None:
        return LoginOutcome(error=_register_failure(session, security, user, ip, "enrolment"))
    user.totp_last_counter = counter
    user.totp_enrolled_at = utcnow()
    codes = replace_recovery_codes(session, user)
    record(session, user, Event.MFA_ENROLLED, subject=user)
    new_token = _complete_login(session, pending, ip, "totp")
    return LoginOutcome(user=user, token=new_token, stage=SessionStage.FULL, recovery_codes=codes)


def replace_recovery_codes(session: Session, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = totp.new_recovery_codes()
    for code in codes:
        session.add(RecoveryCode(user_id=user.id, code_hash=sha256_hex(totp.normalise_recovery_code(code))))
    return codes


@dataclass(frozen=True)
class ResolvedSession:
    user: User | None
    #: Why the session ended, to tell the user: "idle" or "expired".
    ended: str | None = None


def resolve_session(session: Session, security: Security, token: str | None) -> ResolvedSession:
    """The signed-in user behind a browser session token, enforcing both timeouts."""
    if not token:
        return ResolvedSession(None)
    found = session.scalar(select(AuthSession).where(AuthSession.token_hash == sha256_hex(token)))
    if found is None or found.revoked_at is not None or found.stage is not SessionStage.FULL:
        return ResolvedSession(None)
    now = utcnow()
    ended = None
    if now - found.created_at > security.settings.absolute_timeout:
        ended = "expired"
    elif now - found.last_seen_at > security.settings.idle_timeout:
        ended = "idle"
    elif not found.user.is_active or found.user.is_locked(now):
        ended = "expired"
    if ended:
        found.revoked_at = now
        return ResolvedSession(None, ended)
    if now - found.last_seen_at > TOUCH_INTERVAL:
        found.last_seen_at = now
    return ResolvedSession(found.user)


def _session_of(session: Session, token: str | None) -> AuthSession | None:
    if not token:
        return None
    found = session.scalar(select(AuthSession).where(AuthSession.token_hash == sha256_hex(token)))
    return found if found is not None and found.revoked_at is None else None


def logout(session: Session, token: str | None) -> None:
    """Revoke the session server-side; the old cookie is worthless afterwards."""
    found = _session_of(session, token)
    if found is not None and found.stage is SessionStage.FULL:
        found.revoked_at = utcnow()
        record(session, found.user, Event.LOGOUT, subject=found.user)


def cancel_pending(session: Session, token: str | None) -> None:
    """End a half-finished login server-side."""
    found = _session_of(session, token)
    if found is not None and found.stage is not SessionStage.FULL:
        found.revoked_at = utcnow()


def revoke_all_sessions(session: Session, user: User) -> None:
    now = utcnow()
    for row in session.scalars(
        select(AuthSession).where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
    ):
        row.revoked_at = now
