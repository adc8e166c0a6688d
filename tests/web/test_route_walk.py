"""Default deny, proven by walking every route in ``app.url_map``.

Every endpoint declares who may call it (``vetting.http.access``); the guard refuses the
rest. Anonymous callers are sent to sign in (web) or get 401 (API); a role without the
endpoint's action gets 403 (CJIS 5.5 least privilege, POL-01 / R2 role separation); an
endpoint that declares nothing is refused to everyone, administrators included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.support import Clock, api_headers, csrf_from, login, make_user
from tests.web.helpers import is_login_redirect, location_path, next_param, page_csrf
from vetting import create_app
from vetting.config import Settings
from vetting.http.access import LOGIN_STEP, PUBLIC, SIGNED_IN, AccessRule, rule_of
from vetting.models import Role
from vetting.policy import ROLE_ACTIONS, Action

#: The candidate's voluntary self-identification form is public: the one-time link is the key.
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        "home.healthz",
        "auth.login",
        "api.openapi",
        "self_id.form",
        "self_id.answer",
        "api.self_id_answer",
        # The candidate's pages: the token in the path is the key (issue 16; tests/web/test_candidate_links.py).
        "portal.page",
        "portal.sign",
        "portal.answer",
        "portal.notice_pdf",
    }
)
LOGIN_STEP_ENDPOINTS = frozenset({"auth.code", "auth.enrol", "auth.cancel"})
PARAM_RE = re.compile(r"<(?:([^:<>]+):)?([^<>]+)>")
ANY_RE = re.compile(r"any\(([^,)]+)")


def _fill(match: re.Match[str]) -> str:
    """A URL parameter's value: 1, or the first choice of an ``any(...)`` converter."""
    choice = ANY_RE.match(match.group(1) or "")
    return choice.group(1).strip() if choice else "1"


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    url: str
    access: AccessRule | None

    @property
    def is_api(self) -> bool:
        return self.url.startswith("/api/")

    def __str__(self) -> str:
        return f"{self.method} {self.url} ({self.endpoint})"


def walk(app: Flask) -> list[Route]:
    """Every (endpoint, method) pair, URL parameters filled with 1."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        url = PARAM_RE.sub(_fill, rule.rule)
        access = rule_of(app.view_functions[rule.endpoint])
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append(Route(rule.endpoint, method, url, access))
    return routes


def call(client: FlaskClient, route: Route, *, csrf: str | None = None, headers: dict[str, str] | None = None) -> Any:
    """Send ``route`` the way its caller would: JSON to the API, a form (with a valid token) to the web."""
    if route.is_api:
        body = {} if route.method in {"POST", "PUT", "PATCH"} else None
        return client.open(route.url, method=route.method, json=body, headers=headers)
    data = {"csrf_token": csrf} if route.method == "POST" and csrf else None
    return client.open(route.url, method=route.method, data=data)


def assert_not_content(response: TestResponse, route: Route) -> None:
    assert not 200 <= response.status_code < 300, f"{route} answered {response.status_code}"


def test_every_endpoint_declares_who_may_call_it(app: Flask) -> None:
    """Default deny: no endpoint is left unmarked (the guard would refuse it to everyone)."""
    undeclared = [e for e, view in app.view_functions.items() if e != "static" and rule_of(view) is None]
    assert undeclared == []
    for endpoint, view in app.view_functions.items():
        rule = rule_of(view)
        if endpoint == "static":
            continue
        assert rule in (PUBLIC, LOGIN_STEP, SIGNED_IN) or isinstance(rule, Action), (endpoint, rule)


def test_public_and_login_step_endpoints_are_exactly_the_reviewed_ones(app: Flask) -> None:
    """A new public endpoint must be a deliberate change to this list."""
    public = {e for e, view in app.view_functions.items() if rule_of(view) == PUBLIC} | {"static"}
    steps = {e for e, view in app.view_functions.items() if rule_of(view) == LOGIN_STEP}
    assert public == PUBLIC_ENDPOINTS
    assert steps == LOGIN_STEP_ENDPOINTS


def test_public_endpoints_answer_anonymous_callers(client: FlaskClient) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/login").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200
    with client.get("/static/css/app.css") as response:
        assert response.status_code == 200
    # A self-identification link that was never issued shows why it cannot be used, and nothing else.
    response = client.get("/self-identification/not-a-real-token")
    assert response.status_code == 404
    assert "This link cannot be used" in response.get_data(as_text=True)


def test_anonymous_caller_is_refused_everywhere_else(app: Flask, client: FlaskClient) -> None:
    """Web: 302 to /login (with ``next`` for a GET); API: 401 ``authentication_required``.

    POSTs carry a valid CSRF token, so the refusal shown is the guard's, not CSRF's.
    """
    csrf = csrf_from(client.get("/login").get_data(as_text=True))
    checked = 0
    for route in walk(app):
        if route.endpoint in PUBLIC_ENDPOINTS:
            continue
        response = call(client, route, csrf=csrf)
        assert_not_content(response, route)
        if route.is_api:
            assert response.status_code == 401, str(route)
            assert response.get_json()["error"]["code"] == "authentication_required", str(route)
        else:
            assert is_login_redirect(response), f"{route}: {response.status_code} {response.headers.get('Location')}"
            if route.method == "GET" and route.endpoint not in LOGIN_STEP_ENDPOINTS:
                assert next_param(response) == route.url, str(route)
        checked += 1
    assert checked >= 40  # the walk really covered the app


def test_anonymous_post_without_csrf_token_is_refused_too(app: Flask, client: FlaskClient) -> None:
    """A token-less anonymous POST is refused too: the guard redirects it (or CSRF answers 400), never content."""
    for route in walk(app):
        if route.is_api or route.method != "POST":
            continue
        response = client.post(route.url, data={})
        assert_not_content(response, route)
        assert response.status_code in {302, 400}, str(route)


@pytest.fixture
def people(app: Flask) -> dict[Role, Any]:
    """One single-role account per role, created in a fixed order (ids 1..4)."""
    return {role: make_user(app, f"{role.value}@x.test", role) for role in Role}


def test_roles_without_the_action_get_403_on_web_and_api(app: Flask, clock: Clock, people: dict[Role, Any]) -> None:
    """Least privilege: each role is refused every endpoint whose action it does not carry."""
    clients: dict[Role, FlaskClient] = {}
    tokens: dict[Role, str] = {}
    headers: dict[Role, dict[str, str]] = {}
    for role, person in people.items():
        clients[role] = app.test_client()
        login(clients[role], person, clock)
        tokens[role] = page_csrf(clients[role])
        headers[role] = api_headers(app, person)

    refused = 0
    for route in walk(app):
        if not isinstance(route.access, Action):
            continue
        for role in Role:
            if route.access in ROLE_ACTIONS[role]:
                continue
            response = call(clients[role], route, csrf=tokens[role], headers=headers[role])
            assert response.status_code == 403, f"{role} on {route}: {response.status_code}"
            if route.is_api:
                assert response.get_json()["error"]["code"] == "forbidden"
            refused += 1
    assert refused >= 60

    # The right role passes the guard (the GETs answer, or say the object with id 1 is missing).
    for route in walk(app):
        if not isinstance(route.access, Action) or route.method != "GET":
            continue
        role = next(r for r in Role if route.access in ROLE_ACTIONS[r])
        response = call(clients[role], route, headers=headers[role])
        assert response.status_code in {200, 404}, f"{role} on {route}: {response.status_code}"

    # The clients are still signed in: the refusals were answers, not sign-outs.
    for role, client in clients.items():
        assert client.get("/account").status_code == 200, role


def test_signed_in_endpoints_are_open_to_every_role(app: Flask, clock: Clock, people: dict[Role, Any]) -> None:
    for role, person in people.items():
        client = app.test_client()
        login(client, person, clock)
        headers = api_headers(app, person)
        for route in walk(app):
            if route.access != SIGNED_IN or route.method != "GET":
                continue
            response = call(client, route, headers=headers)
            assert response.status_code in {200, 302, 404}, f"{role} on {route}: {response.status_code}"
            if response.status_code == 302:
                assert not is_login_redirect(response), f"{role} on {route}"


def test_unmarked_view_is_refused_to_everyone_even_an_admin(settings: Settings, clock: Clock) -> None:
    """Default deny: a view without an access marker is 403 for anonymous, admin, web and API."""
    fresh = create_app(settings)

    def unmarked_page() -> str:
        return "secret page"

    def unmarked_api() -> dict[str, str]:
        return {"secret": "api"}

    fresh.add_url_rule("/test-only/unmarked", "test_only_unmarked", unmarked_page, methods=["GET", "POST"])
    fresh.add_url_rule("/api/v1/test-only/unmarked", "test_only_unmarked_api", unmarked_api)
    try:
        admin = make_user(fresh, "root@x.test", Role.ADMIN)
        anonymous = fresh.test_client()
        response = anonymous.get("/test-only/unmarked")
        assert response.status_code == 403
        assert "secret" not in response.get_data(as_text=True)
        assert anonymous.get("/api/v1/test-only/unmarked").status_code == 403

        client = fresh.test_client()
        login(client, admin, clock)
        for response in (
            client.get("/test-only/unmarked"),
            client.post("/test-only/unmarked", data={"csrf_token": page_csrf(client)}),
        ):
            assert response.status_code == 403
            assert "secret" not in response.get_data(as_text=True)
        response = client.get("/api/v1/test-only/unmarked", headers=api_headers(fresh, admin))
        assert response.status_code == 403
        assert response.get_json() == {
            "error": {"code": "forbidden", "message": "This page is not open to anyone."},
        }
        assert location_path(client.get("/")) == "/admin"  # the admin is otherwise fine
    finally:
        fresh.extensions["vetting"].db.dispose()
