"""Sign-in, enrolment, lockout and session lifetime through the web forms.

Rules: CJIS 5.5.3 (lockout after 5 consecutive failures, 10 minutes or until an
administrator releases it), CJIS 5.5.5 (session lock after 30 minutes idle, 12 hours at
most), ASVS 2.8.4 (a TOTP code is accepted once), ASVS 3.2.1 (new session token at
login), ASVS 3.3.1 (logout invalidates the session server-side), ASVS 2.2 / CJIS 5.5.4
(system-use notification), no open redirect after login.
"""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.support import PASSWORD, Clock, Person, csrf_from, current_code, login, make_user, runtime_of
from tests.web.helpers import (
    RECOVERY_RE,
    client_with_cookie,
    code_step,
    db,
    field_error,
    full_login,
    is_login_redirect,
    is_signed_in,
    location_path,
    logout,
    next_param,
    password_step,
    session_cookie,
    setup_key,
    wrong_code,
)
from vetting.clock import utcnow
from vetting.models import AuthSession, RecoveryCode, Role, User
from vetting.security import totp
from vetting.services.accounts import BAD_CODE, BAD_CREDENTIALS

LOCKED = "This account is locked after too many failed attempts"
WRONG_PASSWORD = "not the right password at all"


def enrol(client: FlaskClient, person: Person) -> tuple[str, list[str]]:
    """Walk the first sign-in of a non-enrolled account; return (TOTP secret, recovery codes)."""
    response = password_step(client, person)
    assert response.status_code == 302
    assert location_path(response) == "/login/enrol"
    page = client.get("/login/enrol").get_data(as_text=True)
    secret = setup_key(page)
    assert secret, page
    response = client.post(
        "/login/enrol", data={"code": totp.current_code(secret, utcnow()), "csrf_token": csrf_from(page)}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return secret, RECOVERY_RE.findall(response.get_data(as_text=True))


# --- enrolment ------------------------------------------------------------------------------


def test_first_login_enrols_totp_and_shows_ten_recovery_codes(app: Flask, client: FlaskClient, clock: Clock) -> None:
    """A new account must set up TOTP before anything else; the codes are shown once."""
    person = make_user(app, "new@x.test", Role.BOARD_MEMBER, enrolled=False)
    response = password_step(client, person)
    assert response.status_code == 302
    assert location_path(response) == "/login/enrol"
    assert not is_signed_in(client)  # half-way through: nothing is open yet

    page = client.get("/login/enrol").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page  # the QR code, inline as a data URI (CSP img-src data:)
    secret = setup_key(page)
    assert secret, "the setup key is shown for typing in by hand"
    assert len(secret) >= 16
    assert setup_key(client.get("/login/enrol").get_data(as_text=True)) == secret  # a reload keeps the same secret

    response = client.post(
        "/login/enrol", data={"code": totp.current_code(secret, utcnow()), "csrf_token": csrf_from(page)}
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Save your recovery codes" in body
    codes = RECOVERY_RE.findall(body)
    assert len(codes) == 10
    assert len(set(codes)) == 10

    response = client.get("/login/continue")
    assert response.status_code == 302
    assert location_path(response) == "/"
    response = client.get("/")
    assert location_path(response) == "/board"
    assert client.get("/board").status_code == 200
    with db(app) as session:
        user = session.get(User, person.id)
        assert user is not None
        assert user.mfa_enrolled
        stored = list(session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == person.id)))
    assert len(stored) == 10
    assert not any(code.replace("-", "") in stored for code in codes)  # only hashes are kept


def test_wrong_code_at_enrolment_is_refused(app: Flask, client: FlaskClient, clock: Clock) -> None:
    person = make_user(app, "new@x.test", Role.AUDITOR, enrolled=False)
    password_step(client, person)
    page = client.get("/login/enrol").get_data(as_text=True)
    secret = setup_key(page)
    assert secret

    response = client.post("/login/enrol", data={"code": wrong_code(secret), "csrf_token": csrf_from(page)})
    assert response.status_code == 401
    body = response.get_data(as_text=True)
    assert field_error(body, "code") == html.escape(BAD_CODE)
    assert setup_key(body) == secret  # shown again, with the same secret
    assert "Save your recovery codes" not in body
    assert not is_signed_in(client)
    with db(app) as session:
        user = session.get(User, person.id)
        assert user is not None
        assert not user.mfa_enrolled
        assert session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == person.id)).first() is None

    # The right code still finishes the enrolment.
    response = client.post(
        "/login/enrol", data={"code": totp.current_code(secret, utcnow()), "csrf_token": csrf_from(page)}
    )
    assert response.status_code == 200
    assert len(RECOVERY_RE.findall(response.get_data(as_text=True))) == 10


def test_enrolment_page_needs_a_password_first(client: FlaskClient) -> None:
    response = client.get("/login/enrol")
    assert is_login_redirect(response)
    response = client.get("/login/code")
    assert is_login_redirect(response)


# --- second factor --------------------------------------------------------------------------


def test_recovery_code_signs_in_once(app: Flask, client: FlaskClient, clock: Clock) -> None:
    """A recovery code replaces the authenticator for one sign-in only."""
    person = make_user(app, "lost@x.test", Role.BOARD_MEMBER, enrolled=False)
    _, codes = enrol(client, person)
    logout(client)

    password_step(client, person)
    response = code_step(client, codes[3].upper().replace("-", " "))  # typed loosely: still accepted
    assert response.status_code == 302
    assert is_signed_in(client)
    logout(client)

    password_step(client, person)
    response = code_step(client, codes[3])
    assert response.status_code == 401
    assert field_error(response.get_data(as_text=True), "code") == html.escape(BAD_CODE)
    assert not is_signed_in(client)

    response = code_step(client, codes[4])  # another unused code works
    assert response.status_code == 302
    assert is_signed_in(client)
    with db(app) as session:
        used = session.scalars(
            select(RecoveryCode).where(RecoveryCode.user_id == person.id, RecoveryCode.used_at.is_not(None))
        ).all()
    assert len(used) == 2


def test_totp_code_is_accepted_only_once(app: Flask, clock: Clock) -> None:
    """ASVS 2.8.4: the same code, replayed within its 30-second step, is refused."""
    person = make_user(app, "inv@x.test", Role.INVESTIGATOR)
    first, second = app.test_client(), app.test_client()
    clock.advance(seconds=30)
    code = current_code(person)

    password_step(first, person)
    assert code_step(first, code).status_code == 302
    assert is_signed_in(first)

    password_step(second, person)
    response = code_step(second, code)  # same code, same time step
    assert response.status_code == 401
    assert field_error(response.get_data(as_text=True), "code") == html.escape(BAD_CODE)
    assert not is_signed_in(second)

    clock.advance(seconds=30)
    assert code_step(second, current_code(person)).status_code == 302  # the next step's code is fine
    assert is_signed_in(second)


# --- lockout --------------------------------------------------------------------------------


def test_five_bad_passwords_lock_the_account_for_ten_minutes(app: Flask, client: FlaskClient, clock: Clock) -> None:
    """CJIS 5.5.3: the 5th failure locks; the right password is refused until the lock ends."""
    person = make_user(app, "inv@x.test", Role.INVESTIGATOR)
    for _ in range(4):
        response = password_step(client, person, WRONG_PASSWORD)
        assert response.status_code == 401
        body = response.get_data(as_text=True)
        assert field_error(body, "password") == html.escape(BAD_CREDENTIALS)
        assert LOCKED not in body
    response = password_step(client, person, WRONG_PASSWORD)
    assert response.status_code == 401
    assert LOCKED in response.get_data(as_text=True)

    clock.advance(minutes=9)
    for password in (PASSWORD, WRONG_PASSWORD, PASSWORD):
        response = password_step(client, person, password)
        assert response.status_code == 401
        assert LOCKED in response.get_data(as_text=True)
        assert not is_signed_in(client)
    with db(app) as session:
        user = session.get(User, person.id)
        assert user is not None
        assert user.locked_until is not None

    clock.advance(minutes=1)  # ten minutes after the 5th failure
    login(client, person, clock)
    assert is_signed_in(client)


def test_unknown_email_locks_the_same_way(app: Flask, client: FlaskClient) -> None:
    """The lockout answer does not reveal whether an account exists."""
    nobody = Person(0, "nobody@x.test", "Nobody", frozenset(), None)
    for _ in range(4):
        response = password_step(client, nobody, WRONG_PASSWORD)
        assert response.status_code == 401
        assert field_error(response.get_data(as_text=True), "password") == html.escape(BAD_CREDENTIALS)
    response = password_step(client, nobody, WRONG_PASSWORD)
    assert response.status_code == 401
    assert LOCKED in response.get_data(as_text=True)


def test_admin_releases_a_locked_account(app: Flask, clock: Clock) -> None:
    admin = make_user(app, "admin@x.test", Role.ADMIN)
    person = make_user(app, "inv@x.test", Role.INVESTIGATOR)
    user_client, admin_client = app.test_client(), app.test_client()
    for _ in range(5):
        password_step(user_client, person, WRONG_PASSWORD)
    assert LOCKED in password_step(user_client, person).get_data(as_text=True)

    login(admin_client, admin, clock)
    page = admin_client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert "Release lock" in page
    response = admin_client.post(f"/admin/users/{person.id}/unlock", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert "Account released" in admin_client.get(response.headers["Location"]).get_data(as_text=True)

    login(user_client, person, clock)  # well within the ten minutes
    assert is_signed_in(user_client)
    with db(app) as session:
        assert session.scalar(select(User.locked_until).where(User.id == person.id)) is None


# --- sessions -------------------------------------------------------------------------------


def test_session_token_rotates_at_login(app: Flask, client: FlaskClient, clock: Clock) -> None:
    """ASVS 3.2.1: no cookie from before sign-in (or from the half-way step) is signed in afterwards."""
    person = make_user(app, "board@x.test", Role.BOARD_MEMBER)
    client.get("/login")
    before = session_cookie(client, app)
    assert before is not None

    password_step(client, person)
    halfway = session_cookie(client, app)
    clock.advance(seconds=30)
    assert code_step(client, current_code(person)).status_code == 302
    after = session_cookie(client, app)
    assert after is not None
    assert len({before, halfway, after}) == 3
    assert is_signed_in(client)

    for replayed in (before, halfway):
        assert replayed is not None
        assert not is_signed_in(client_with_cookie(app, replayed))
    assert is_signed_in(client_with_cookie(app, after))  # the new cookie is the session

    logout(client)
    login(client, person, clock)
    assert session_cookie(client, app) != after  # a second login gets yet another token


def test_logout_ends_the_session_on_the_server(app: Flask, client: FlaskClient, clock: Clock) -> None:
    """ASVS 3.3.1: a copy of the cookie taken before sign-out is worthless afterwards."""
    person = make_user(app, "audit@x.test", Role.AUDITOR)
    login(client, person, clock)
    saved = session_cookie(client, app)
    assert saved is not None
    assert is_signed_in(client_with_cookie(app, saved))

    logout(client)
    assert not is_signed_in(client)
    replay = client_with_cookie(app, saved)
    response = replay.get("/audit")
    assert is_login_redirect(response)
    with db(app) as session:
        rows = session.scalars(select(AuthSession).where(AuthSession.user_id == person.id)).all()
    assert rows
    assert all(row.revoked_at is not None for row in rows)


def test_idle_session_locks_after_thirty_minutes(app: Flask, client: FlaskClient, clock: Clock) -> None:
    """CJIS 5.5.5: 30 minutes without a request ends the session, and the user is told why."""
    person = make_user(app, "admin@x.test", Role.AUDITOR)
    login(client, person, clock)
    clock.advance(minutes=29)
    assert client.get("/audit").status_code == 200  # activity restarts the idle timer
    clock.advance(minutes=29)
    assert client.get("/audit").status_code == 200

    clock.advance(minutes=30, seconds=1)
    response = client.get("/audit")
    assert is_login_redirect(response)
    assert next_param(response) == "/audit"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "30 minutes without activity" in page
    assert not is_signed_in(client)


def test_session_ends_after_twelve_hours_even_with_activity(app: Flask, client: FlaskClient, clock: Clock) -> None:
    """CJIS 5.5.5: an absolute lifetime of 12 hours, however busy the user is."""
    person = make_user(app, "board@x.test", Role.BOARD_MEMBER)
    login(client, person, clock)
    for _ in range(35):  # 11 h 40 min of steady work
        clock.advance(minutes=20)
        assert client.get("/board").status_code == 200
    clock.advance(minutes=20, seconds=1)
    response = client.get("/board")
    assert is_login_redirect(response)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your session has ended" in page
    assert not is_signed_in(client)


# --- after login ----------------------------------------------------------------------------


def test_next_relative_path_is_followed_after_login(app: Flask, client: FlaskClient, clock: Clock) -> None:
    admin = make_user(app, "admin@x.test", Role.ADMIN)
    response = client.get("/admin/users?sort=name")
    assert is_login_redirect(response)
    assert next_param(response) == "/admin/users?sort=name"
    client.get(response.headers["Location"])
    response = full_login(client, admin, clock)
    assert response.headers["Location"] == "/admin/users?sort=name"
    assert client.get(response.headers["Location"]).status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "///evil.example/phish",
        "/\\evil.example/phish",
        "\\\\evil.example/phish",
        "/\t/evil.example/phish",
        "javascript:alert(1)",
        "http:evil.example",
    ],
)
def test_next_absolute_or_protocol_relative_url_is_ignored(
    app: Flask, client: FlaskClient, clock: Clock, target: str
) -> None:
    """No open redirect: anything but a same-site path sends the user to their start page."""
    person = make_user(app, "board@x.test", Role.BOARD_MEMBER)
    client.get("/login", query_string={"next": target})
    response = full_login(client, person, clock)
    assert response.headers["Location"] == "/"
    assert "evil" not in response.headers["Location"]


def test_login_page_shows_the_system_use_banner(app: Flask, client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    banner = runtime_of(app).settings.login_banner
    assert banner
    assert html.escape(banner) in page
    assert "restricted information system" in page


def test_unknown_email_and_wrong_password_get_the_same_answer(app: Flask, clock: Clock) -> None:
    """No account enumeration: same status, same message."""
    person = make_user(app, "real@x.test", Role.ADMIN)
    wrong = password_step(app.test_client(), person, WRONG_PASSWORD)
    unknown = password_step(app.test_client(), Person(0, "ghost@x.test", "Ghost", frozenset(), None), PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    wrong_page, unknown_page = wrong.get_data(as_text=True), unknown.get_data(as_text=True)
    assert field_error(wrong_page, "password") == field_error(unknown_page, "password") == html.escape(BAD_CREDENTIALS)

    def scrub(page: str) -> str:
        page = re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", page)
        return page.replace("real@x.test", "EMAIL").replace("ghost@x.test", "EMAIL")

    assert scrub(wrong_page) == scrub(unknown_page)


def test_cancelling_a_half_finished_sign_in_revokes_it_server_side(app: Flask, clock: Clock) -> None:
    """A pending login (password accepted, code not yet) can be abandoned; the old cookie is then worthless."""
    person = make_user(app, "cancel@x.test", Role.ADMIN)
    client = app.test_client()
    password_step(client, person)
    page = client.get("/login/code").get_data(as_text=True)
    assert "Cancel and sign out" in page
    stale = client.get_cookie("__Host-vetting")
    assert stale is not None
    response = client.post("/login/cancel", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    with runtime_of(app).db.transaction() as session:
        pending = session.scalars(select(AuthSession).where(AuthSession.user_id == person.id)).all()
        assert pending
        assert all(s.revoked_at is not None for s in pending)
    replay = app.test_client()
    replay.set_cookie("__Host-vetting", stale.value)
    clock.advance(seconds=30)
    response = replay.post("/login/code", data={"code": current_code(person), "csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")  # sent back to the start, not signed in
