"""API tokens (issue 14 point 3), tried from outside: the API, the account pages, the settings.

Tokens expire (90 days unless configured), are named, show when they were last used, and
their holder revokes them on a page reached only with a full (second-factor) session. Nobody
sees or revokes another user's token; no account without an enrolled second factor gets one;
every issue, revocation and refused use is in the audit log with ids and codes only.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from werkzeug.test import TestResponse

from tests.support import Clock, Person, api_headers, csrf_from, login, make_user, statements
from tests.web.helpers import (
    count,
    db,
    field_error,
    is_login_redirect,
    page_csrf,
    password_step,
    structure_of,
)
from vetting import create_app
from vetting.audit.events import Event
from vetting.config import ConfigError, Settings, load_settings
from vetting.errors import Conflict
from vetting.models import ApiToken, AuditEvent, Role, User

API = "/api/v1"
PAGE = "/account/tokens"
TOKEN_RE = re.compile(r'id="new-token" type="text" value="(vt_[A-Za-z0-9_-]+)"')


def error_of(response: TestResponse) -> dict[str, Any]:
    body: dict[str, Any] = response.get_json()
    assert set(body) == {"error"}, body
    return body["error"]  # type: ignore[no-any-return]


def events(app: Flask, event: Event) -> list[AuditEvent]:
    with db(app) as session:
        rows = list(session.scalars(select(AuditEvent).where(AuditEvent.event == event.value).order_by(AuditEvent.seq)))
        session.expunge_all()
        return rows


def data_of(row: AuditEvent) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(row.data)
    return found


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def create_on_page(client: FlaskClient, name: str = "nightly export", days: int | str = 30) -> TestResponse:
    return client.post(PAGE, data={"name": name, "days": str(days), "csrf_token": page_csrf(client, PAGE)})


def new_token(response: TestResponse) -> str:
    match = TOKEN_RE.search(response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)
    return match.group(1)


def token_id_of(app: Flask, token: str) -> int:
    with db(app) as session:
        found = session.scalar(select(ApiToken.id).where(ApiToken.prefix == token[:10]))
        assert found is not None
        return found


@pytest.fixture
def alice(app: Flask) -> Person:
    return make_user(app, "alice@x.test", Role.BOARD_MEMBER)


def signed_in(app: Flask, person: Person, clock: Clock) -> FlaskClient:
    client = app.test_client()
    login(client, person, clock)
    return client


# --- expiry and revocation at the API ----------------------------------------------------------


def test_a_token_expires_after_the_default_90_days_and_each_later_use_is_audited(
    app: Flask, client: FlaskClient, clock: Clock, alice: Person
) -> None:
    headers = api_headers(app, alice)
    token = headers["Authorization"].split()[1]
    clock.advance(days=90, seconds=-1)
    assert client.get(f"{API}/me", headers=headers).status_code == 200
    clock.advance(seconds=1)
    for _ in range(2):
        response = client.get(f"{API}/me", headers=headers)
        assert response.status_code == 401
        assert error_of(response)["code"] == "token_expired"
        assert "expired" in error_of(response)["message"]
    refused = events(app, Event.TOKEN_REFUSED)
    assert len(refused) == 2  # every use after expiry, not only the first
    token_id = token_id_of(app, token)
    for row in refused:
        assert data_of(row) == {"token_id": token_id, "code": "token_expired"}
        assert (row.subject_type, row.subject_id) == ("user", str(alice.id))
        assert token not in row.data
        assert token[3:] not in row.data


def test_unknown_tokens_keep_the_plain_401_and_are_not_attributed(
    app: Flask, client: FlaskClient, alice: Person
) -> None:
    headers = api_headers(app, alice)
    forged = headers["Authorization"][:-4] + "AAAA"
    response = client.get(f"{API}/me", headers={"Authorization": forged})
    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_required"
    assert events(app, Event.TOKEN_REFUSED) == []


def test_a_token_from_before_expiry_existed_expires_90_days_after_its_creation(
    app: Flask, client: FlaskClient, clock: Clock, alice: Person
) -> None:
    """Documented in the README: tokens with no ``expires_at`` get the default lifetime from creation."""
    headers = api_headers(app, alice)
    with db(app) as session:
        session.execute(update(ApiToken).values(expires_at=None))
    clock.advance(days=89)
    assert client.get(f"{API}/me", headers=headers).status_code == 200
    clock.advance(days=1)
    response = client.get(f"{API}/me", headers=headers)
    assert response.status_code == 401
    assert error_of(response)["code"] == "token_expired"


def test_the_default_lifetime_is_configurable(settings: Settings, clock: Clock) -> None:
    app = create_app(settings.with_overrides(token_days=7))
    try:
        person = make_user(app, "bob@x.test", Role.BOARD_MEMBER)
        client = signed_in(app, person, clock)
        page = client.get(PAGE).get_data(as_text=True)
        assert re.search(r'<input[^>]*name="days"[^>]*value="7"', page), page  # the form proposes the default
        api = app.test_client()
        headers = api_headers(app, person)  # the helper's own default: 90 days
        created = create_on_page(client, "seven days", 7)
        assert created.status_code == 201
        token = new_token(created)
        clock.advance(days=7)
        response = api.get(f"{API}/me", headers=bearer(token))
        assert error_of(response)["code"] == "token_expired"
        assert api.get(f"{API}/me", headers=headers).status_code == 200
        # A token with no recorded expiry follows the configured default too.
        with app.extensions["vetting"].db.transaction() as session:
            session.execute(update(ApiToken).values(expires_at=None))
        assert error_of(api.get(f"{API}/me", headers=headers))["code"] == "token_expired"
    finally:
        app.extensions["vetting"].db.dispose()


def test_token_days_comes_from_the_environment_or_config_toml_and_is_checked(keys_dir: Path, tmp_path: Path) -> None:
    base = {"VETTING_DATABASE_URL": "sqlite://"}
    assert load_settings(keys_dir, env=base).token_days == 90
    assert load_settings(keys_dir, env={**base, "VETTING_TOKEN_DAYS": "30"}).token_days == 30
    for bad in ("0", "366", "ninety", "-5"):
        with pytest.raises(ConfigError, match="token_days"):
            load_settings(keys_dir, env={**base, "VETTING_TOKEN_DAYS": bad})
    instance = tmp_path / "instance"
    instance.mkdir()
    for name in ("secret_key", "master_key", "audit_signing_key.pem"):
        (instance / name).write_bytes((keys_dir / name).read_bytes())
    (instance / "config.toml").write_text("token_days = 14\n", encoding="utf-8")
    assert load_settings(instance, env=base).token_days == 14
    assert load_settings(instance, env={**base, "VETTING_TOKEN_DAYS": "21"}).token_days == 21  # env wins


# --- the page: create, see, revoke one's own ---------------------------------------------------


def test_a_user_creates_a_named_token_sees_it_once_and_uses_it(app: Flask, clock: Clock, alice: Person) -> None:
    client = signed_in(app, alice, clock)
    account = client.get("/account").get_data(as_text=True)
    assert f'href="{PAGE}"' in account

    response = create_on_page(client, "  nightly   export ", 30)
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    token = new_token(response)
    assert 'role="status"' in html
    assert "only time it is shown" in html
    assert response.headers["Cache-Control"] == "no-store"

    api = app.test_client()
    me = api.get(f"{API}/me", headers=bearer(token))
    assert me.status_code == 200
    assert me.get_json()["email"] == alice.email

    listing = client.get(PAGE).get_data(as_text=True)
    assert token not in listing
    assert token[10:] not in listing
    assert "nightly export" in listing
    assert token[:10] in listing  # the prefix tells tokens apart
    assert "Never" not in listing  # it has been used: the last-use time shows
    with db(app) as session:
        row = session.scalar(select(ApiToken).where(ApiToken.user_id == alice.id))
        assert row is not None
        assert row.name == "nightly export"
        assert row.expires_at == row.created_at + timedelta(days=30)
        assert row.last_used_at is not None
    (created,) = events(app, Event.TOKEN_CREATED)
    assert created.actor_id == alice.id
    assert data_of(created) == {"token_id": row.id, "prefix": token[:10], "days": 30}


def test_the_token_page_is_labelled_and_has_no_inline_script(app: Flask, clock: Clock, alice: Person) -> None:
    client = signed_in(app, alice, clock)
    create_on_page(client)
    for response in (client.get(PAGE), create_on_page(client, "second", 10)):
        html = response.get_data(as_text=True)
        assert structure_of(html).unlabelled_controls() == []
        assert "<script" not in html
        assert " style=" not in html
        assert " on" + "click" not in html
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    token_id = token_id_of(app, new_token(create_on_page(client, "third", 5)))
    confirm = client.get(f"{PAGE}/{token_id}/revoke").get_data(as_text=True)
    assert "<script" not in confirm
    assert 'aria-describedby="revoke-warning"' in confirm


def test_revoking_asks_first_then_the_token_answers_token_revoked(app: Flask, clock: Clock, alice: Person) -> None:
    client = signed_in(app, alice, clock)
    token = new_token(create_on_page(client))
    token_id = token_id_of(app, token)
    api = app.test_client()

    confirm = client.get(f"{PAGE}/{token_id}/revoke")
    assert confirm.status_code == 200
    assert "Revoke this API token?" in confirm.get_data(as_text=True)
    assert api.get(f"{API}/me", headers=bearer(token)).status_code == 200  # asking changed nothing

    response = client.post(f"{PAGE}/{token_id}/revoke", data={"csrf_token": csrf_from(confirm.get_data(as_text=True))})
    assert response.status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert "revoked" in page
    assert 'role="status"' in page

    refused = api.get(f"{API}/me", headers=bearer(token))
    assert refused.status_code == 401
    assert error_of(refused) == {"code": "token_revoked", "message": error_of(refused)["message"]}
    (revoked,) = events(app, Event.TOKEN_REVOKED)
    assert revoked.actor_id == alice.id
    assert data_of(revoked) == {"token_id": token_id, "prefix": token[:10]}
    (refusal,) = events(app, Event.TOKEN_REFUSED)
    assert data_of(refusal) == {"token_id": token_id, "code": "token_revoked"}
    with db(app) as session:
        row = session.get(ApiToken, token_id)
        assert row is not None
        assert row.revoked_by_id == alice.id

    # Revoked tokens stay revoked; a second revocation is refused and the page says why.
    again = client.post(f"{PAGE}/{token_id}/revoke", data={"csrf_token": page_csrf(client, PAGE)})
    assert again.status_code == 302
    assert "already revoked" in client.get(PAGE).get_data(as_text=True)
    assert len(events(app, Event.TOKEN_REVOKED)) == 1
    # Once revoked, expiry does not bring a different answer.
    clock.advance(days=400)
    assert error_of(api.get(f"{API}/me", headers=bearer(token)))["code"] == "token_revoked"


def test_nobody_sees_or_revokes_another_users_token(app: Flask, clock: Clock, alice: Person) -> None:
    mallory = make_user(app, "mallory@x.test", Role.ADMIN)
    auditor = make_user(app, "auditor@x.test", Role.AUDITOR)
    owner = signed_in(app, alice, clock)
    token = new_token(create_on_page(owner, "alice's export"))
    token_id = token_id_of(app, token)
    api = app.test_client()

    for person in (mallory, auditor):
        client = signed_in(app, person, clock)
        listing = client.get(PAGE).get_data(as_text=True)
        assert token[:10] not in listing
        assert "alice's export" not in listing
        assert client.get(f"{PAGE}/{token_id}/revoke").status_code == 404
        response = client.post(f"{PAGE}/{token_id}/revoke", data={"csrf_token": page_csrf(client, PAGE)})
        assert response.status_code == 404
        assert token[:10] not in response.get_data(as_text=True)
        # A token id that does not exist answers the same.
        assert client.get(f"{PAGE}/{token_id + 100}/revoke").status_code == 404
    assert api.get(f"{API}/me", headers=bearer(token)).status_code == 200
    with db(app) as session:
        row = session.get(ApiToken, token_id)
        assert row is not None
        assert row.revoked_at is None
    assert events(app, Event.TOKEN_REVOKED) == []
    refused = events(app, Event.TOKEN_REFUSED)
    assert {(r.actor_id, data_of(r)["code"]) for r in refused} == {
        (mallory.id, "not_own_token"),
        (auditor.id, "not_own_token"),
    }
    assert all(data_of(r)["token_id"] == token_id for r in refused)


def test_the_pages_need_a_full_session(app: Flask, client: FlaskClient, alice: Person) -> None:
    assert is_login_redirect(client.get(PAGE))
    # Password accepted, second factor pending: still not signed in.
    assert password_step(client, alice).status_code == 302
    assert is_login_redirect(client.get(PAGE))
    csrf = csrf_from(client.get("/login/code").get_data(as_text=True))
    response = client.post(PAGE, data={"name": "half", "days": "30", "csrf_token": csrf})
    assert is_login_redirect(response)
    # An API token cannot reach the pages either (they are not under /api).
    headers = api_headers(app, alice)
    assert is_login_redirect(app.test_client().get(PAGE, headers=headers))
    assert count(app, ApiToken) == 1


def test_create_without_csrf_token_is_refused(app: Flask, clock: Clock, alice: Person) -> None:
    client = signed_in(app, alice, clock)
    response = client.post(PAGE, data={"name": "forged", "days": "30"})
    assert response.status_code == 400
    assert count(app, ApiToken) == 0


@pytest.mark.parametrize(
    ("name", "days", "field"),
    [
        ("", "30", "name"),
        ("x" * 101, "30", "name"),
        ("zero", "0", "days"),
        ("too long", "366", "days"),
        ("not a number", "ninety", "days"),
        ("invisible\u200b", "30", "name"),
    ],
)
def test_bad_names_and_lifetimes_are_refused_naming_the_field(
    app: Flask, clock: Clock, alice: Person, name: str, days: str, field: str
) -> None:
    client = signed_in(app, alice, clock)
    response = create_on_page(client, name, days)
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), field), response.get_data(as_text=True)
    assert count(app, ApiToken) == 0
    assert events(app, Event.TOKEN_CREATED) == []


# --- no token without a second factor ----------------------------------------------------------


def test_issuing_is_refused_for_an_account_without_a_second_factor(app: Flask, clock: Clock, alice: Person) -> None:
    """Even a live session cannot issue once the account's enrolment is gone (audited, named)."""
    client = signed_in(app, alice, clock)
    csrf = page_csrf(client, PAGE)
    with db(app) as session:
        session.execute(update(User).where(User.id == alice.id).values(totp_enrolled_at=None))
    response = client.post(PAGE, data={"name": "sneaky", "days": "30", "csrf_token": csrf})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "second factor" in html
    assert 'role="alert"' in html
    assert TOKEN_RE.search(html) is None
    assert count(app, ApiToken) == 0
    (refusal,) = events(app, Event.TOKEN_REFUSED)
    assert refusal.actor_id == alice.id
    assert data_of(refusal) == {"code": "second_factor_required"}


def test_the_test_helpers_only_issue_tokens_to_enrolled_accounts(app: Flask) -> None:
    newcomer = make_user(app, "new@x.test", Role.AUDITOR, enrolled=False)
    with pytest.raises(Conflict, match="second factor"):
        api_headers(app, newcomer)
    assert count(app, ApiToken) == 0
    assert data_of(events(app, Event.TOKEN_REFUSED)[0]) == {"code": "second_factor_required"}


def test_a_token_is_checked_in_one_statement_with_its_holders_roles_and_designation(
    app: Flask, client: FlaskClient
) -> None:
    """Every API request is authenticated first: the token, its holder's account, roles and
    designation are read in one statement, never one after another (issue 17 point 6)."""
    alice = make_user(app, "alice@example.test", Role.INVESTIGATOR)
    headers = api_headers(app, alice)
    assert client.get(f"{API}/reviews", headers=headers).status_code == 200  # records the first use
    with statements(app) as seen:
        assert client.get(f"{API}/reviews", headers=headers).status_code == 200
    token_reads = [s for s in seen if "api_tokens" in s]
    assert len(token_reads) == 1
    assert "user_roles" in token_reads[0]
    assert "sensitive_designations" in token_reads[0]
    assert not [s for s in seen if s.startswith(("SELECT user_roles", "SELECT sensitive_designations"))]
