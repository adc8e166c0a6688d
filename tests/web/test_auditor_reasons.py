"""An auditor opens raw content only with a reason that says something (issue 14, point 7).

Twelve zero-width spaces, "aaaaaaaaaa", or one word are refused 422 naming ``reason``, through
the API and the pages, and nothing is opened or recorded as viewed; a real reason still opens
the evidence file and the search log's queries, the reason recorded.
"""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.support import Clock, csrf_from, login, runtime_of
from tests.web.world import (
    API,
    World,
    add_evidence,
    add_finding,
    bearer,
    build_world,
    error_of,
    png,
    record_consent,
    resolve,
)
from vetting.models import AuditEvent

ZW = "\u200b"
BAD_REASONS = [
    ZW * 12,
    "aaaaaaaaaa",
    "aaaaa aaaaa",
    "x" * 40,
    "\u2060" * 5 + " " + "\ufeff" * 8,
    "Complaint" + ZW * 3 + "review",  # a zero-width space does not make two words
    "short one",
]
REASON = "Complaint 2026-17: checking the evidence behind finding 1"


@pytest.fixture
def opened(app: Flask) -> tuple[World, int]:
    world = build_world(app)
    record_consent(app, world.inv, world.candidate_id)
    resolve(app, world.inv, world.candidate_id, world.items[0])
    finding_id = add_finding(app, world.inv, world.candidate_id, world.items[0], summary="Threatening post")
    return world, add_evidence(app, world.inv, finding_id, png("the evidence"))


def _viewed(app: Flask, name: str) -> list[AuditEvent]:
    with runtime_of(app).db.transaction() as session:
        rows = list(session.scalars(select(AuditEvent).where(AuditEvent.event == name)))
        session.expunge_all()
        return rows


@pytest.mark.parametrize("reason", BAD_REASONS)
def test_an_empty_or_repeated_reason_opens_no_evidence(
    app: Flask, client: FlaskClient, opened: tuple[World, int], reason: str
) -> None:
    world, evidence_id = opened
    response = client.post(
        f"{API}/evidence/{evidence_id}/view", json={"reason": reason}, headers=bearer(app, world.auditor)
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    error = error_of(response)
    assert error["field"] == "reason"
    assert "reason" in error["message"].lower()
    assert _viewed(app, "evidence.viewed") == []


@pytest.mark.parametrize("reason", BAD_REASONS)
def test_an_empty_or_repeated_reason_opens_no_queries(
    app: Flask, client: FlaskClient, opened: tuple[World, int], reason: str
) -> None:
    world, _ = opened
    response = client.post(
        f"{API}/audit/candidates/{world.candidate_id}/search-log",
        json={"reason": reason},
        headers=bearer(app, world.auditor),
    )
    assert response.status_code == 422
    assert error_of(response)["field"] == "reason"
    assert _viewed(app, "search_log.raw_viewed") == []


def test_a_real_reason_still_opens_and_is_recorded(app: Flask, client: FlaskClient, opened: tuple[World, int]) -> None:
    world, evidence_id = opened
    headers = bearer(app, world.auditor)
    response = client.post(f"{API}/evidence/{evidence_id}/view", json={"reason": f" {REASON} "}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.data == png("the evidence")
    [viewed] = _viewed(app, "evidence.viewed")
    assert json.loads(viewed.data)["reason"] == REASON
    log = client.post(
        f"{API}/audit/candidates/{world.candidate_id}/search-log", json={"reason": REASON}, headers=headers
    )
    assert log.status_code == 200, log.get_data(as_text=True)
    assert len(_viewed(app, "search_log.raw_viewed")) == 1


def test_the_page_refuses_invisible_reasons_beside_the_field(
    app: Flask, opened: tuple[World, int], clock: Clock
) -> None:
    world, _ = opened
    web = app.test_client()
    login(web, world.auditor, clock)
    url = f"/audit/candidates/{world.candidate_id}/search-log"
    page = web.get(url).get_data(as_text=True)
    for reason in (ZW * 12, "aaaaaaaaaa"):
        refused = web.post(url, data={"reason": reason, "csrf_token": csrf_from(page)})
        assert refused.status_code == 422, reason
        assert 'name="reason"' in refused.get_data(as_text=True)
    assert _viewed(app, "search_log.raw_viewed") == []
    shown = web.post(url, data={"reason": REASON, "csrf_token": csrf_from(page)})
    assert shown.status_code == 200
    assert len(_viewed(app, "search_log.raw_viewed")) == 1
