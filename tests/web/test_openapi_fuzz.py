"""The OpenAPI document is the server's whole truth (issue 14, point 9).

Schemathesis generates requests from ``/api/v1/openapi.json`` for every operation, valid ones and
ones the document calls invalid, and sends them to the app with a bearer token of a demo account
that holds the operation's action (so they reach validation instead of stopping at 403). It fails
on any 5xx, any status, content type or body the document does not state, any 405 without
``Allow``, and any request the document calls invalid that the server accepts.

Bounded: a fixed number of examples per operation, derandomised so a failure reproduces.
Requests the document calls valid may still be refused (422) for rules no schema can state (an
excerpt must contain the words to redact, a CSV's rows must parse), so positive acceptance is not
checked; everything a schema can state (lengths, enumerations, code lists, dates) is in it.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from tests.support import api_headers
from tests.web.test_audit_uniformity import load_demo
from vetting.api.registry import openapi_document
from vetting.models import Role
from vetting.policy import ROLE_ACTIONS, Action

#: Examples per operation and generation mode: about 100 operations, two modes (a few thousand requests
#: with the coverage cases; kept small so the suite stays within its time on two cores).
EXAMPLES = 6

#: The demo account that acts for each role (board1 chairs the demo board).
ACTOR_OF_ROLE = {
    Role.ADMIN: "admin@demo.test",
    Role.INVESTIGATOR: "inv1@demo.test",
    Role.BOARD_MEMBER: "board1@demo.test",
    Role.AUDITOR: "auditor@demo.test",
    # Productions and records requests are the records officer's alone (issue 15).
    Role.RECORDS_OFFICER: "records@demo.test",
}

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    unsupported_method,
]


@pytest.fixture
def tokens(app: Flask) -> dict[Role, str]:
    """A bearer token for each role's demo account, on the demo data."""
    world = load_demo(app)
    return {role: api_headers(app, world.people[email])["Authorization"] for role, email in ACTOR_OF_ROLE.items()}


def bearer_for(tokens: dict[Role, str], operation: dict[str, Any]) -> dict[str, str]:
    """The token of the demo account whose role holds the operation's action (none if public)."""
    if operation.get("security") == []:
        return {}
    required = operation.get("x-required-action")
    for role, token in tokens.items():
        if required == "any signed-in user" or Action(required) in ROLE_ACTIONS[role]:
            return {"Authorization": token}
    raise AssertionError(f"no demo role holds {required}")


# The document as the server serves it (the routes register when vetting.api is imported).
schema = schemathesis.openapi.from_dict(openapi_document())
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=EXAMPLES, deterministic=True
)


@schema.parametrize()
@settings(derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case: Any, app: Flask, tokens: dict[Role, str]) -> None:
    headers = bearer_for(tokens, case.operation.definition.raw)
    case.call_and_validate(app=app, base_url="http://localhost/api/v1", headers=headers, checks=CHECKS)


@pytest.mark.parametrize(
    "email",
    [
        "\u00de\u00a2@v\u0087.\b\u00b0o",  # what the fuzzer found accepted: control characters
        "dana@agency\u200b.gov",  # an invisible character
        "d\u0430na@agency.gov",  # a Cyrillic a
        "dana@agency",  # no dotted host
        "dana..k@agency.gov",
    ],
)
def test_an_account_email_is_an_ascii_address(app: Flask, tokens: dict[Role, str], email: str) -> None:
    body = {"email": email, "name": "Dana", "password": "long-enough-password", "roles": ["board_member"]}
    response = app.test_client().post("/api/v1/users", json=body, headers={"Authorization": tokens[Role.ADMIN]})
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["field"] == "email"
