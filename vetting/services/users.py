"""Administration of accounts, roles and sensitive-position designations."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetting import policy
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.clock import today, utcnow
from vetting.errors import Conflict, NotFound, ValidationFailed
from vetting.models import Role, SensitiveDesignation, User, UserRole
from vetting.security.passwords import password_problem
from vetting.services import fields
from vetting.services.accounts import normalise_email, revoke_all_sessions
from vetting.services.context import Security
from vetting.services.paging import Key, Page, PageRequest, paginate

#: An address as agencies issue them: ASCII, a dot-atom local part and a dotted host name
#: (RFC 5321 §4.1.2 without quoted strings or address literals). Control, invisible and
#: look-alike characters never pass (issue 14: one was accepted).
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
EMAIL_PATTERN = rf"^{_ATOM}(\.{_ATOM})*@{_LABEL}(\.{_LABEL})+$"
_EMAIL = re.compile(EMAIL_PATTERN)


def _check_email(email: str) -> str:
    email = normalise_email(email)
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        raise ValidationFailed("Enter a valid email address.", field="email")
    return email


def create_user(
    session: Session,
    actor: User | None,
    security: Security,
    *,
    email: str,
    name: str,
    password: str,
    roles: frozenset[Role],
) -> User:
    """Create an account (``actor`` ``None``: the command line).

    :raises Forbidden: if ``actor`` may not manage users
    :raises ValidationFailed: naming the field at fault
    :raises Conflict: if the email is taken
    """
    if actor is not None:
        policy.require(actor, policy.Action.USERS_MANAGE)
    email = _check_email(email)
    name = fields.text(name, "name", "Name")
    refused = policy.role_grant_refusal(actor, None, roles)
    if refused:
        raise ValidationFailed(refused, field="roles")
    problem = password_problem(password)
    if problem:
        raise ValidationFailed(problem, field="password")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"An account for {email} already exists.", code="email_taken", field="email")
    user = User(email=email, name=name, password_hash=security.passwords.hash(password), is_active=True)
    user.role_rows = [UserRole(role=r) for r in sorted(roles)]
    user.designation = None  # loaded (empty), so it reads fine after the transaction
    session.add(user)
    session.flush()
    record(session, actor, Event.USER_CREATED, subject=user, email=email, roles=sorted(r.value for r in roles))
    return user


def get_user(session: Session, actor: User, user_id: int) -> User:
    policy.require(actor, policy.Action.USERS_MANAGE)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def list_users(session: Session, actor: User, page: PageRequest | None = None) -> Page[User]:
    """One page of the accounts by name."""
    policy.require(actor, policy.Action.USERS_MANAGE)
    keys = [Key(User.name, kind=str), Key(User.id)]
    return paginate(session, select(User), keys, page or PageRequest(), name="users")


def names(session: Session) -> dict[int, str]:
    """Every account's display name by id, for reports that name who did what."""
    return {row.id: row.name for row in session.execute(select(User.id, User.name))}


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def update_user(
    session: Session,
    actor: User,
    user_id: int,
    *,
    name: str | None = None,
    roles: frozenset[Role] | None = None,
    is_active: bool | None = None,
) -> User:
    """Change name, roles or active flag; role changes are audited one by one.

    Which roles may be given, and what nobody does to their own account, is policy (CJIS 5.5)."""
    user = get_user(session, actor, user_id)
    if name is not None and fields.text(name, "name", "Name") != user.name:
        user.name = fields.text(name, "name", "Name")
        record(session, actor, Event.USER_RENAMED, subject=user)
    if roles is not None:
        refused = policy.role_grant_refusal(actor, user, roles)
        if refused:
            raise ValidationFailed(refused, field="roles")
        before = user.roles
        if before != roles:
            user.role_rows = [r for r in user.role_rows if r.role in roles] + [
                UserRole(role=r) for r in sorted(roles - before)
            ]
            record(
                session,
                actor,
                Event.USER_ROLES_CHANGED,
                subject=user,
                added=sorted(roles - before),
                removed=sorted(before - roles),
            )
    if is_active is not None and is_active != user.is_active:
        refused = policy.activation_refusal(actor, user, is_active)
        if refused:
            raise ValidationFailed(refused, field="is_active")
        user.is_active = is_active
        if not is_active:
            revoke_all_sessions(session, user)
        record(session, actor, Event.USER_ACTIVATED if is_active else Event.USER_DEACTIVATED, subject=user)
    session.flush()
    return user


@dataclass(frozen=True)
class DesignationInput:
    clearance_date: date
    training_date: date
    acknowledgement_date: date
    review_date: date


def record_designation(session: Session, actor: User, user_id: int, data: DesignationInput) -> SensitiveDesignation:
    """POL-03 / R4: record (or replace) a user's sensitive-position designation."""
    user = get_user(session, actor, user_id)
    for name in ("clearance_date", "training_date", "acknowledgement_date", "review_date"):
        value: date = getattr(data, name)
        if value < fields.FIRST_DAY:
            raise ValidationFailed(f"Dates before {fields.FIRST_DAY.isoformat()} are not accepted.", field=name)
    if data.review_date < data.clearance_date:
        raise ValidationFailed("The review date must not be before the clearance date.", field="review_date")
    designation = user.designation
    if designation is None:
        designation = SensitiveDesignation(user_id=user.id)
        session.add(designation)
        user.designation = designation
    designation.clearance_date = data.clearance_date
    designation.training_date = data.training_date
    designation.acknowledgement_date = data.acknowledgement_date
    designation.review_date = data.review_date
    designation.recorded_by_id = actor.id
    designation.recorded_at = utcnow()
    session.flush()
    record(
        session,
        actor,
        Event.DESIGNATION_RECORDED,
        subject=user,
        clearance_date=data.clearance_date.isoformat(),
        training_date=data.training_date.isoformat(),
        acknowledgement_date=data.acknowledgement_date.isoformat(),
        review_date=data.review_date.isoformat(),
    )
    return designation


def release_lockout(session: Session, actor: User, user_id: int) -> User:
    """An administrator releases a locked account before the lock runs out."""
    user = get_user(session, actor, user_id)
    user.locked_until = None
    user.failed_login_count = 0
    record(session, actor, Event.ACCOUNT_UNLOCKED, subject=user)
    return user


def reset_mfa(session: Session, actor: User, user_id: int) -> User:
    """Make the user enrol a new authenticator at next login (lost phone)."""
    user = get_user(session, actor, user_id)
    user.totp_secret_encrypted = None
    user.totp_enrolled_at = None
    user.totp_last_counter = None
    revoke_all_sessions(session, user)
    record(session, actor, Event.MFA_RESET, subject=user)
    return user


@dataclass(frozen=True)
class AdminOverview:
    users: int
    locked: list[User]
    designations_due: list[User]
    investigators_without_designation: list[User]


def admin_overview(session: Session, actor: User, *, horizon_days: int = 30) -> AdminOverview:
    """What needs an administrator's attention: locks, lapsing designations."""
    policy.require(actor, policy.Action.USERS_MANAGE)
    users = list(session.scalars(select(User).order_by(User.name)))
    now = utcnow()
    horizon = today() + timedelta(days=horizon_days)
    investigators = [u for u in users if u.has_role(Role.INVESTIGATOR) and u.is_active]
    return AdminOverview(
        users=len(users),
        locked=[u for u in users if u.is_locked(now)],
        designations_due=[u for u in investigators if u.designation and u.designation.review_date <= horizon],
        investigators_without_designation=[u for u in investigators if u.designation is None],
    )
