"""Hostile input gets a 4xx that names what is wrong, never a 500 (issue 14, points 5 and 9).

Deeply nested JSON is 400 ``bad_json`` with nothing logged; a body over the limit is 413
whether its length is declared or it is sent in chunks; ids in URLs are ASCII digits only;
dates are checked for sense with the field named; every error names a field the same way
(``searches[0].searched_at``).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support import make_user
from tests.web.world import (
    API,
    World,
    bearer,
    build_world,
    consent_api,
    error_of,
    record_consent,
    resolution_body,
    resolve_api,
)
from vetting import MAX_REQUEST_BYTES
from vetting.api.registry import MAX_JSON_DEPTH, openapi_document
from vetting.clock import today
from vetting.models import Role


def nested_object(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def nested_array(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(
    "raw",
    [
        nested_object(320),
        nested_array(320),
        nested_object(MAX_JSON_DEPTH + 1),
        b"[" * 200_000,  # never closed: refused before the parser recurses
        b'{"token": "x", "answers": ' + nested_array(1000) + b"}",
    ],
)
def test_deep_json_is_a_400_with_nothing_logged(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, raw: bytes
) -> None:
    """Anonymous, on the public self-identification endpoint: depth ~320 was a 500 and 129 KB of traceback."""
    with caplog.at_level(logging.DEBUG):
        response = client.post(f"{API}/self-identification", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_json"
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert "Traceback" not in caplog.text


def test_nesting_up_to_the_limit_is_parsed(client: FlaskClient) -> None:
    response = client.post(
        f"{API}/self-identification", data=nested_array(MAX_JSON_DEPTH), content_type="application/json"
    )
    assert response.status_code == 422  # read, then refused as the wrong shape
    assert error_of(response)["code"] == "invalid"
    quoted = b'{"token": "' + b"[" * 500 + b'"}'  # brackets inside a string do not nest
    assert client.post(f"{API}/self-identification", data=quoted, content_type="application/json").status_code != 400


def test_deep_json_is_refused_on_signed_in_endpoints_too(app: Flask, client: FlaskClient) -> None:
    admin = make_user(app, "admin@x.test", Role.ADMIN)
    raw = b'{"title": "Patrol", "position": ' + nested_object(100) + b"}"
    response = client.post(f"{API}/cycles", data=raw, headers=bearer(app, admin), content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_json"


def _chunked(client: FlaskClient, url: str, body: bytes, headers: dict[str, str]) -> Any:
    """A body of undeclared length, as a WSGI server hands on a chunked one (dechunked, no length)."""
    return client.post(
        url,
        data=body,
        headers={**headers, "Transfer-Encoding": "chunked", "Content-Type": "application/json"},
        environ_overrides={"CONTENT_LENGTH": ""},
    )


def test_a_chunked_body_over_the_limit_is_413(app: Flask, client: FlaskClient) -> None:
    """The body's length is not declared: it is counted as it arrives (it was cut short and answered 422)."""
    admin = make_user(app, "admin@x.test", Role.ADMIN)
    headers = bearer(app, admin)
    big = b'{"title": "' + b"x" * MAX_REQUEST_BYTES + b'"}'
    response = _chunked(client, f"{API}/cycles", big, headers)
    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"
    declared = client.post(f"{API}/cycles", data=big, headers=headers, content_type="application/json")
    assert declared.status_code == 413
    small = _chunked(client, f"{API}/cycles", b'{"title": "Patrol 2027"}', headers)
    assert small.status_code == 201, small.get_data(as_text=True)
    assert small.get_json()["title"] == "Patrol 2027"


@pytest.mark.parametrize("digits", ["\uff11", "\u0661", "\u0967", "1\uff10", "\U0001d7cf"])
def test_ids_are_ascii_digits_only(app: Flask, client: FlaskClient, digits: str) -> None:
    """Full-width one, Arabic-Indic one, Devanagari one, ...: int() reads them, the rule must not."""
    admin = make_user(app, "admin@x.test", Role.ADMIN)
    headers = bearer(app, admin)
    created = client.post(f"{API}/cycles", json={"title": "Patrol"}, headers=headers).get_json()
    assert created["id"] == 1
    assert client.get(f"{API}/cycles/1", headers=headers).status_code == 200
    response = client.get(f"{API}/cycles/{digits}", headers=headers)
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert client.patch(f"{API}/cycles/{digits}", json={"title": "x"}, headers=headers).status_code == 404


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


@pytest.mark.parametrize(
    "signed_on",
    [date(323, 5, 1), date(1999, 12, 31), date(1, 1, 1)],
)
def test_a_consent_dated_before_2000_is_refused_naming_the_field(
    app: Flask, client: FlaskClient, world: World, signed_on: date
) -> None:
    response = consent_api(client, bearer(app, world.inv), world.candidate_id, signed_on=signed_on)
    assert response.status_code == 422, response.get_data(as_text=True)
    error = error_of(response)
    assert error["field"] == "signed_on"
    assert "2000-01-01" in error["message"]


def test_a_consent_dated_in_range_is_accepted(app: Flask, client: FlaskClient, world: World) -> None:
    headers = bearer(app, world.inv)
    future = consent_api(client, headers, world.candidate_id, signed_on=today() + timedelta(days=1))
    assert future.status_code == 422
    assert error_of(future)["field"] == "signed_on"
    assert consent_api(client, headers, world.candidate_id, signed_on=date(2000, 1, 1)).status_code == 201


def test_designation_dates_before_2000_are_refused(app: Flask, client: FlaskClient, world: World) -> None:
    ivy = make_user(app, "ivy@x.test", Role.INVESTIGATOR, designation=False)
    body = {
        "clearance_date": "0323-01-01",
        "training_date": (today() - timedelta(days=5)).isoformat(),
        "acknowledgement_date": (today() - timedelta(days=5)).isoformat(),
        "review_date": (today() + timedelta(days=300)).isoformat(),
    }
    url = f"{API}/users/{ivy.id}/designation"
    response = client.put(url, json=body, headers=bearer(app, world.admin))
    assert response.status_code == 422
    assert error_of(response)["field"] == "clearance_date"


@pytest.mark.parametrize("years", [-6, 6, -300])
def test_a_holiday_beyond_five_years_is_refused(app: Flask, client: FlaskClient, world: World, years: int) -> None:
    admin = bearer(app, world.admin)
    day = today() + timedelta(days=366 * years)
    response = client.post(f"{API}/holidays", json={"day": day.isoformat(), "name": "Far away"}, headers=admin)
    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == "day"
    assert client.get(f"{API}/holidays", headers=admin).get_json() == {"holidays": []}


def test_a_holiday_within_five_years_is_accepted(app: Flask, client: FlaskClient, world: World) -> None:
    admin = bearer(app, world.admin)
    for day in (today() + timedelta(days=365 * 4), today() - timedelta(days=365 * 4)):
        response = client.post(f"{API}/holidays", json={"day": day.isoformat(), "name": "Near"}, headers=admin)
        assert response.status_code == 201, response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("search", "field"),
    [
        ({"searched_at": "yesterday"}, "searches[0].searched_at"),
        ({"result_count": -1}, "searches[0].result_count"),
        ({"query": ""}, "searches[0].query"),
    ],
)
def test_error_fields_are_written_one_way(
    app: Flask, client: FlaskClient, world: World, search: dict[str, Any], field: str
) -> None:
    """``searches[0].result_count``, never ``searches.0.result_count``."""
    record_consent(app, world.inv, world.candidate_id)
    searches = [{"query": '"Casey Candidate"', "source": "Search engine", "result_count": 0, **search}]
    response = resolve_api(client, bearer(app, world.inv), world.candidate_id, world.items[0], searches=searches)
    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == field
    assert error["message"].startswith(f"{field}: ")
    assert resolution_body()["searches"]  # the body the helper sends is otherwise valid


def test_the_document_states_the_400_and_413_the_server_answers() -> None:
    document = openapi_document()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {})
            if "application/json" in body:
                assert {"400", "413"} <= set(operation["responses"]), (method, path)
            if "multipart/form-data" in body:
                assert "413" in operation["responses"], (method, path)
