"""Login, second factor, lockout, rate limit and server-side sessions on the real database.

CJIS 5.5.3: lock after 5 consecutive failed attempts, for 10 minutes or until an
administrator releases it. CJIS 5.5.5: session lock after 30 minutes idle, and an
absolute limit of 12 hours. ASVS 2.8.4: each TOTP code is accepted once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.support import PASSWORD, Clock, Person, current_code, make_user, runtime_of
from vetting.clock import utcnow
from vetting.errors import AccountLocked, AuthenticationFailed, RateLimited
from vetting.models import AuditEvent, Role, SessionStage, User
from vetting.security import totp
from vetting.services import accounts, audit_log, users
from vetting.services.accounts import BAD_CODE, BAD_CREDENTIALS, LoginOutcome, ResolvedSession

IP = "198.51.100.7"
WRONG = "not the password at all"


@pytest.fixture
def ann(app: Flask) -> Person:
    return make_user(app, "ann@x.test", Role.INVESTIGATOR)


@pytest.fixture
def admin(app: Flask) -> Person:
    return make_user(app, "admin@x.test", Role.ADMIN)


def password(app: Flask, email: str, secret: str = PASSWORD, ip: str = IP) -> LoginOutcome:
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        return accounts.login_with_password(session, rt.security, email, secret, ip)


def second(app: Flask, token: str | None, code: str, ip: str = IP) -> LoginOutcome:
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        return accounts.verify_second_factor(session, rt.security, token, code, ip)


def full_login(app: Flask, person: Person, clock: Clock) -> str:
    """Password, then a code of a fresh time step; returns the full session token."""
    first = password(app, person.email)
    assert first.ok, first.error
    assert first.stage is SessionStage.PASSWORD
    clock.advance(seconds=30)
    done = second(app, first.token, current_code(person))
    assert done.ok, done.error
    assert done.token is not None
    return done.token


def resolve(app: Flask, token: str | None) -> ResolvedSession:
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        return accounts.resolve_session(session, rt.security, token)


def state(app: Flask, person: Person) -> tuple[int, Any]:
    with runtime_of(app).db.transaction() as session:
        found = session.get(User, person.id)
        assert found is not None
        return found.failed_login_count, found.locked_until


def events(app: Flask, name: str) -> list[AuditEvent]:
    with runtime_of(app).db.transaction() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.event == name).order_by(AuditEvent.seq)))


def wrong_code(person: Person) -> str:
    """Six digits that match no step inside the drift window."""
    assert person.totp_secret is not None
    now = utcnow()
    valid = {totp.current_code(person.totp_secret, now + timedelta(seconds=30 * step)) for step in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in valid)


def fail(app: Flask, person: Person, times: int, ip: str = IP) -> list[LoginOutcome]:
    return [password(app, person.email, WRONG, ip) for _ in range(times)]


# --- CJIS 5.5.3: lockout -------------------------------------------------------------------------


def test_locks_after_exactly_five_consecutive_failures(app: Flask, ann: Person) -> None:
    """CJIS 5.5.3: failures 1-4 say "incorrect"; the 5th locks the account."""
    outcomes = fail(app, ann, 5)
    for outcome in outcomes[:4]:
        assert type(outcome.error) is AuthenticationFailed
        assert outcome.error.message == BAD_CREDENTIALS
    assert isinstance(outcomes[4].error, AccountLocked)
    assert "locked" in outcomes[4].error.message
    assert "10 minutes" in outcomes[4].error.message
    count, locked_until = state(app, ann)
    assert count == 0  # the counter restarts once the lock is set
    assert locked_until == utcnow() + runtime_of(app).settings.lockout_duration


def test_failed_logins_and_lockout_are_audited(app: Flask, ann: Person) -> None:
    """CJIS 5.4.1.1: each failed attempt and the lockout are recorded (and the chain still verifies)."""
    fail(app, ann, 5, ip="203.0.113.5")
    failed = events(app, "login.failed")
    assert len(failed) == 5
    assert all(e.actor_id == ann.id and e.subject_id == str(ann.id) for e in failed)
    assert audit_log.event_data(failed[0]) == {"step": "password", "ip": "203.0.113.5"}
    locked = events(app, "account.locked")
    assert len(locked) == 1
    assert locked[0].seq > failed[-1].seq
    assert audit_log.event_data(locked[0])["ip"] == "203.0.113.5"
    password(app, ann.email)
    assert len(events(app, "login.refused_locked")) == 1
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        assert audit_log.verify(session, rt.settings.audit_signing_key.public_key()).ok


def test_unknown_account_failures_are_audited_without_an_actor(app: Flask) -> None:
    outcome = password(app, "nobody@x.test")
    assert type(outcome.error) is AuthenticationFailed
    assert outcome.error.message == BAD_CREDENTIALS
    [failed] = events(app, "login.failed")
    assert failed.actor_id is None
    assert audit_log.event_data(failed)["reason"] == "unknown or inactive account"


def test_four_failures_then_success_resets_the_count(app: Flask, ann: Person, clock: Clock) -> None:
    """CJIS 5.5.3 counts consecutive failures: a completed login resets the counter."""
    fail(app, ann, 4)
    assert state(app, ann)[0] == 4
    full_login(app, ann, clock)
    assert state(app, ann) == (0, None)
    outcomes = fail(app, ann, 4)
    assert all(type(o.error) is AuthenticationFailed for o in outcomes)
    assert state(app, ann)[1] is None
    assert isinstance(fail(app, ann, 1)[0].error, AccountLocked)


def test_correct_password_alone_does_not_reset_the_count(app: Flask, ann: Person) -> None:
    """CJIS 5.5.3: someone who knows the password cannot keep guessing codes by re-entering it."""
    fail(app, ann, 3)
    assert password(app, ann.email).ok
    assert state(app, ann)[0] == 3


def test_wrong_codes_count_towards_lockout(app: Flask, ann: Person) -> None:
    """CJIS 5.5.3: five wrong second factors lock the account even with a correct password each time."""
    results = []
    for _ in range(5):
        first = password(app, ann.email)
        assert first.ok, first.error
        results.append(second(app, first.token, wrong_code(ann)))
    for outcome in results[:4]:
        assert type(outcome.error) is AuthenticationFailed
        assert outcome.error.message == BAD_CODE
    assert isinstance(results[4].error, AccountLocked)
    assert [audit_log.event_data(e)["step"] for e in events(app, "login.failed")] == ["second_factor"] * 5


def test_locked_account_refuses_the_correct_password(app: Flask, ann: Person, clock: Clock) -> None:
    """CJIS 5.5.3: while locked, even the right password is refused, and the lock is not extended."""
    fail(app, ann, 5)
    _, locked_until = state(app, ann)
    clock.advance(minutes=5)
    outcome = password(app, ann.email)
    assert isinstance(outcome.error, AccountLocked)
    assert outcome.token is None
    assert state(app, ann)[1] == locked_until


def test_lock_expires_after_ten_minutes(app: Flask, ann: Person, clock: Clock) -> None:
    """CJIS 5.5.3: the lock lasts 10 minutes, then the correct password works again."""
    fail(app, ann, 5)
    clock.advance(minutes=9, seconds=59)
    assert isinstance(password(app, ann.email).error, AccountLocked)
    clock.advance(seconds=2)
    full_login(app, ann, clock)


def test_admin_release_unlocks_at_once(app: Flask, ann: Person, admin: Person, clock: Clock) -> None:
    """CJIS 5.5.3: an administrator can release the lock before it runs out (audited)."""
    fail(app, ann, 5)
    assert isinstance(password(app, ann.email).error, AccountLocked)
    with runtime_of(app).db.transaction() as session:
        actor = session.get(User, admin.id)
        assert actor is not None
        users.release_lockout(session, actor, ann.id)
    assert state(app, ann) == (0, None)
    full_login(app, ann, clock)
    [unlocked] = events(app, "account.unlocked")
    assert unlocked.actor_id == admin.id
    assert unlocked.subject_id == str(ann.id)


def test_lockout_ends_existing_sessions(app: Flask, ann: Person, clock: Clock) -> None:
    """CJIS 5.5.3: a lock also ends the sessions already open for the account."""
    token = full_login(app, ann, clock)
    assert resolve(app, token).user is not None
    fail(app, ann, 5)
    assert resolve(app, token).user is None


def test_unknown_accounts_lock_like_real_ones(app: Flask) -> None:
    """Lockout answers do not reveal whether an email has an account."""
    outcomes = [password(app, "ghost@x.test", WRONG) for _ in range(5)]
    assert all(type(o.error) is AuthenticationFailed for o in outcomes[:4])
    assert isinstance(outcomes[4].error, AccountLocked)


# --- per-address rate limit ---------------------------------------------------------------------


def test_address_is_limited_after_twenty_failures(app: Flask, ann: Person, clock: Clock) -> None:
    """20 failures from one address within 15 minutes block that address, not others, for 15 minutes."""
    attacker = "203.0.113.66"
    for i in range(20):
        outcome = password(app, f"guess{i}@x.test", WRONG, ip=attacker)
        assert type(outcome.error) is AuthenticationFailed
    blocked = password(app, ann.email, ip=attacker)
    assert isinstance(blocked.error, RateLimited)
    assert blocked.error.http_status == 429
    assert blocked.token is None
    assert audit_log.event_data(events(app, "login.rate_limited")[0]) == {"ip": attacker}
    assert state(app, ann) == (0, None)  # the refused attempt did not count against the account

    assert password(app, ann.email, ip="198.51.100.200").ok
    clock.advance(minutes=14)
    assert isinstance(password(app, ann.email, ip=attacker).error, RateLimited)
    clock.advance(minutes=1, seconds=1)
    assert password(app, ann.email, ip=attacker).ok


def test_nineteen_failures_do_not_block_the_address(app: Flask, ann: Person) -> None:
    for i in range(19):
        password(app, f"guess{i}@x.test", WRONG, ip="203.0.113.67")
    assert password(app, ann.email, ip="203.0.113.67").ok


# --- ASVS 2.8.4: one-time codes, recovery codes -------------------------------------------------


def test_totp_code_is_accepted_once(app: Flask, ann: Person, clock: Clock) -> None:
    """ASVS 2.8.4: the same code is refused on a new pending session; the next step's code works."""
    first = password(app, ann.email)
    code = current_code(ann)
    assert second(app, first.token, code).ok

    again = password(app, ann.email)
    assert again.ok
    replay = second(app, again.token, code)
    assert type(replay.error) is AuthenticationFailed
    assert replay.error.message == BAD_CODE
    assert state(app, ann)[0] == 1  # a replay is a failed attempt

    clock.advance(seconds=30)
    assert second(app, again.token, current_code(ann)).ok


def test_code_of_an_earlier_step_is_refused_after_a_later_one(app: Flask, ann: Person, clock: Clock) -> None:
    """ASVS 2.8.4: within the drift window, a code older than the last used one is refused."""
    early = current_code(ann)
    clock.advance(seconds=30)
    assert second(app, password(app, ann.email).token, current_code(ann)).ok
    assert early != current_code(ann)
    assert not second(app, password(app, ann.email).token, early).ok


def test_recovery_code_works_once(app: Flask, ann: Person) -> None:
    """A recovery code completes the login once (any case, spaces or dashes) and is then spent."""
    with runtime_of(app).db.transaction() as session:
        user = session.get(User, ann.id)
        assert user is not None
        codes = accounts.replace_recovery_codes(session, user)
    assert len(codes) == 10

    used = second(app, password(app, ann.email).token, codes[0].upper().replace("-", " "))
    assert used.ok, used.error
    assert used.stage is SessionStage.FULL
    assert audit_log.event_data(events(app, "login.succeeded")[-1])["method"] == "recovery_code"

    replay = second(app, password(app, ann.email).token, codes[0])
    assert isinstance(replay.error, AuthenticationFailed)
    assert second(app, password(app, ann.email).token, codes[1]).ok


def test_new_recovery_codes_replace_the_old_ones(app: Flask, ann: Person) -> None:
    with runtime_of(app).db.transaction() as session:
        user = session.get(User, ann.id)
        assert user is not None
        old = accounts.replace_recovery_codes(session, user)
        new = accounts.replace_recovery_codes(session, user)
    assert not second(app, password(app, ann.email).token, old[0]).ok
    assert second(app, password(app, ann.email).token, new[0]).ok


def test_pending_login_cannot_be_used_twice_or_late(app: Flask, ann: Person, clock: Clock) -> None:
    """The password step's token is spent by a successful second step and expires after 10 minutes."""
    first = password(app, ann.email)
    assert second(app, first.token, current_code(ann)).ok
    clock.advance(seconds=30)
    reused = second(app, first.token, current_code(ann))
    assert isinstance(reused.error, AuthenticationFailed)
    assert reused.error.code == "login_expired"

    late = password(app, ann.email)
    clock.advance(minutes=10, seconds=1)
    expired = second(app, late.token, current_code(ann))
    assert expired.error is not None
    assert expired.error.code == "login_expired"


def test_pending_token_is_not_a_session(app: Flask, ann: Person) -> None:
    """A password-only token never resolves to a signed-in user."""
    first = password(app, ann.email)
    assert resolve(app, first.token).user is None


# --- CJIS 5.5.5: session lock -------------------------------------------------------------------


def test_idle_session_ends_after_thirty_minutes(app: Flask, ann: Person, clock: Clock) -> None:
    """CJIS 5.5.5: 30 minutes without activity ends the session; activity before that keeps it."""
    token = full_login(app, ann, clock)
    clock.advance(minutes=29)
    seen = resolve(app, token)
    assert seen.user is not None
    assert seen.user.id == ann.id
    clock.advance(minutes=29)
    assert resolve(app, token).user is not None  # the previous request counted as activity
    clock.advance(minutes=30, seconds=1)
    ended = resolve(app, token)
    assert ended.user is None
    assert ended.ended == "idle"
    assert resolve(app, token) == ResolvedSession(None)  # revoked for good
    events_after = events(app, "login.succeeded")
    assert len(events_after) == 1


def test_session_ends_after_twelve_hours_even_when_active(app: Flask, ann: Person, clock: Clock) -> None:
    """CJIS 5.5.5: an absolute limit of 12 hours, however regularly the session is used."""
    token = full_login(app, ann, clock)
    for _ in range(35):  # 35 x 20 minutes = 11 h 40 min of steady use
        clock.advance(minutes=20)
        assert resolve(app, token).user is not None
    clock.advance(minutes=21)  # 12 h 01 min
    ended = resolve(app, token)
    assert ended.user is None
    assert ended.ended == "expired"
    assert resolve(app, token).user is None


def test_logout_revokes_the_session(app: Flask, ann: Person, clock: Clock) -> None:
    """ASVS 3.3.1: after logout the token no longer resolves, and the logout is audited."""
    token = full_login(app, ann, clock)
    other = full_login(app, ann, clock)
    with runtime_of(app).db.transaction() as session:
        accounts.logout(session, token)
    assert resolve(app, token).user is None
    assert resolve(app, other).user is not None  # other sessions are separate
    [logout] = events(app, "logout")
    assert logout.actor_id == ann.id
    with runtime_of(app).db.transaction() as session:
        accounts.logout(session, token)  # a second logout is a no-op
        accounts.logout(session, None)
    assert len(events(app, "logout")) == 1


def test_deactivation_ends_sessions(app: Flask, ann: Person, admin: Person, clock: Clock) -> None:
    token = full_login(app, ann, clock)
    with runtime_of(app).db.transaction() as session:
        actor = session.get(User, admin.id)
        assert actor is not None
        users.update_user(session, actor, ann.id, is_active=False)
    assert resolve(app, token).user is None
    assert type(password(app, ann.email).error) is AuthenticationFailed


def test_unknown_and_missing_tokens(app: Flask) -> None:
    assert resolve(app, None) == ResolvedSession(None)
    assert resolve(app, "") == ResolvedSession(None)
    assert resolve(app, "no-such-token") == ResolvedSession(None)


def test_each_login_gets_a_new_token(app: Flask, ann: Person, clock: Clock) -> None:
    """ASVS 3.2.1: a new random session token at every login, distinct from the pending one."""
    first = password(app, ann.email)
    clock.advance(seconds=30)
    done = second(app, first.token, current_code(ann))
    assert done.token is not None
    assert done.token != first.token
    assert len(done.token) >= 40
    assert full_login(app, ann, clock) != done.token
