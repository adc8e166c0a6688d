from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.support import Clock, api_headers, login, make_user
from vetting.models import Role


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_login_lands_on_role_page(app: Flask, client: FlaskClient, clock: Clock) -> None:
    admin = make_user(app, "admin@x.test", Role.ADMIN)
    login(client, admin, clock)
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin")
    assert client.get("/admin").status_code == 200


def test_api_me(app: Flask, client: FlaskClient) -> None:
    board = make_user(app, "b@x.test", Role.BOARD_MEMBER)
    response = client.get("/api/v1/me", headers=api_headers(app, board))
    assert response.status_code == 200
    assert response.get_json()["roles"] == ["board_member"]
