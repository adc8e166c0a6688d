"""Odd input is refused with a 4xx that says why, never a 500 from the database driver."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support import Clock, api_headers, login, make_user, runtime_of
from vetting.crypto import DecryptionError
from vetting.models import Role, User
from vetting.services.accounts import open_totp_secret

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    "path",
    [f"/api/v1/cycles/{HUGE}", f"/api/v1/users/{HUGE}", "/api/v1/users/0", f"/api/v1/cycles/{2**31}"],
)
def test_ids_beyond_32_bits_are_not_found(app: Flask, client: FlaskClient, path: str) -> None:
    admin = make_user(app, "admin@x.test", Role.ADMIN)
    response = client.get(path, headers=api_headers(app, admin))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_huge_ids_in_bodies_and_queries_are_refused(app: Flask, client: FlaskClient) -> None:
    admin = make_user(app, "admin@x.test", Role.ADMIN)
    auditor = make_user(app, "audit@x.test", Role.AUDITOR)
    headers = api_headers(app, admin)
    cycle = client.post("/api/v1/cycles", json={"title": "Patrol"}, headers=headers).get_json()
    response = client.post(
        f"/api/v1/cycles/{cycle['id']}/assignments",
        json={"user_id": int(HUGE), "role": "investigator"},
        headers=headers,
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "user_id"
    response = client.get(f"/api/v1/audit/events?before={HUGE}", headers=api_headers(app, auditor))
    assert response.status_code == 422


def test_web_audit_page_ignores_an_out_of_range_cursor(app: Flask, client: FlaskClient, clock: Clock) -> None:
    auditor = make_user(app, "audit@x.test", Role.AUDITOR)
    login(client, auditor, clock)
    assert client.get(f"/audit?before={HUGE}").status_code == 200


def test_nul_characters_are_refused_at_the_edge(app: Flask, client: FlaskClient, clock: Clock) -> None:
    """PostgreSQL cannot store NUL in text: it is refused before any service runs."""
    admin = make_user(app, "admin@x.test", Role.ADMIN)
    auditor = make_user(app, "audit@x.test", Role.AUDITOR)
    response = client.post("/api/v1/cycles", json={"title": "Pat\u0000rol"}, headers=api_headers(app, admin))
    assert response.status_code == 422
    login(client, auditor, clock)
    assert client.get("/audit?event=a%00b").status_code == 400


def test_a_totp_seed_is_bound_to_its_account(app: Flask) -> None:
    """A seed ciphertext copied onto another account does not decrypt (purpose totp:<user id>)."""
    first = make_user(app, "one@x.test", Role.BOARD_MEMBER)
    second = make_user(app, "two@x.test", Role.BOARD_MEMBER)
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        one = session.get(User, first.id)
        two = session.get(User, second.id)
        assert one is not None
        assert two is not None
        own = two.totp_secret_encrypted
        two.totp_secret_encrypted = one.totp_secret_encrypted
        with pytest.raises(DecryptionError):
            open_totp_secret(rt.security, two)
        two.totp_secret_encrypted = own
        assert open_totp_secret(rt.security, one) == first.totp_secret
