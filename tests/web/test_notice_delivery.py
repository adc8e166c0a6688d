"""The response window starts when the notice reaches the candidate (issue 16 point 3).

FCRA-06: the candidate is *given* the notice before adverse action, so an undelivered notice has no
window and the final decision is refused (``notice_not_delivered``). FCRA-07: the window is the
cycle's business days from the day of delivery, on the agency's clock. Delivery is the first of:
the e-mail with the notice's link sent, the notice's link opened, a hand delivery recorded by staff.
Every path from outside: the JSON API, the board's and the investigators' pages.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from tests.support import Clock, csrf_from, login, runtime_of
from tests.web.board_world import BoardWorld, build_board_world, deliver_by_hand
from tests.web.helpers import pdf_text
from tests.web.world import API, bearer, error_of
from vetting.jobs import mail as delivery
from vetting.models import AuditEvent, CandidateLink, OutboxStatus

EMAIL = "casey@example.org"
CITED = "Relied on the threat recorded in the released finding; conduct unbecoming an officer."


@pytest.fixture
def bw(app: Flask) -> BoardWorld:
    return build_board_world(app)


def _decide(client: FlaskClient, app: Flask, bw: BoardWorld) -> TestResponse:
    body = {"outcome": "do_not_advance", "rationale": CITED, "finding_ids": bw.findings[:1]}
    return client.post(
        f"{API}/board/candidates/{bw.world.candidate_id}/decisions", json=body, headers=bearer(app, bw.chair)
    )


def _propose(client: FlaskClient, app: Flask, bw: BoardWorld, *, email: bool = False) -> dict[str, Any]:
    """The chair proposes not to advance (Monday 2 November 2026); the proposal's JSON."""
    cid = bw.world.candidate_id
    if email:
        put = client.put(f"{API}/candidates/{cid}/email", json={"email": EMAIL}, headers=bearer(app, bw.world.inv))
        assert put.status_code == 200
    body = {"outcome": "do_not_advance", "rationale": CITED, "finding_ids": bw.findings[:1]}
    url = f"{API}/board/candidates/{cid}/recommendations"
    assert client.post(url, json=body, headers=bearer(app, bw.chair)).status_code == 201
    proposed = _decide(client, app, bw)
    assert proposed.status_code == 201, proposed.get_data(as_text=True)
    decision: dict[str, Any] = proposed.get_json()
    assert decision["status"] == "proposed"
    return decision


def _board(client: FlaskClient, app: Flask, bw: BoardWorld) -> dict[str, Any]:
    got = client.get(f"{API}/board/candidates/{bw.world.candidate_id}/decisions", headers=bearer(app, bw.chair))
    assert got.status_code == 200, got.get_data(as_text=True)
    state: dict[str, Any] = got.get_json()
    return state


def _notice_outbox(app: Flask) -> int:
    with runtime_of(app).db.transaction() as session:
        outbox_id = session.scalar(select(CandidateLink.outbox_id).where(CandidateLink.purpose == "notice"))
    assert outbox_id is not None
    return outbox_id


def _delivered_events(app: Flask) -> list[dict[str, Any]]:
    with runtime_of(app).db.transaction() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.event == "notice.delivered"))
        return [json.loads(r.data) | {"actor_id": r.actor_id} for r in rows]


def test_an_undelivered_notice_has_no_window_and_the_final_decision_is_refused(
    app: Flask, client: FlaskClient, clock: Clock, bw: BoardWorld
) -> None:
    decision = _propose(client, app, bw, email=True)
    assert decision["response_due"] is None
    assert decision["notice_mailed"] is True  # queued, not sent: the worker has not run
    state = _board(client, app, bw)
    assert state["status"] == "Notice issued: not delivered yet"
    assert state["proposal"]["response_due"] is None
    (notice,) = state["notices"]
    assert (notice["delivered_at"], notice["delivered_via"], notice["response_due"]) == (None, None, None)
    clock.advance(days=30)  # however long it waits
    refused = _decide(client, app, bw)
    assert refused.status_code == 409
    assert error_of(refused)["code"] == "notice_not_delivered"
    assert _delivered_events(app) == []


def test_the_e_mail_leaving_the_outbox_starts_the_window(
    app: Flask, client: FlaskClient, clock: Clock, bw: BoardWorld
) -> None:
    _propose(client, app, bw, email=True)
    clock.advance(days=2)  # Wednesday 4 November: the worker sends it
    rt = runtime_of(app)
    assert delivery.deliver(rt, _notice_outbox(app)) == delivery.Delivery(OutboxStatus.SENT)
    state = _board(client, app, bw)
    assert state["proposal"]["response_due"] == "2026-11-11"  # Wednesday 4 + 5 business days
    assert state["status"] == "Notice given: response due 2026-11-11"
    (notice,) = state["notices"]
    assert notice["delivered_via"] == "email"
    assert notice["delivered_at"] == notice["delivery"]["mailed_at"]
    (event,) = _delivered_events(app)
    assert event["actor_id"] is None
    assert (event["via"], event["delivered_on"], event["response_due"]) == ("email", "2026-11-04", "2026-11-11")
    # Recording a paper copy afterwards neither moves the window nor counts twice.
    again = client.post(
        f"{API}/notices/{notice['id']}/delivery",
        json={"delivered_on": "2026-11-04"},
        headers=bearer(app, bw.world.inv),
    )
    assert again.status_code == 409
    assert error_of(again)["code"] == "notice_already_delivered"
    clock.advance(days=7)  # Wednesday 11 November: the last day
    assert error_of(_decide(client, app, bw))["code"] == "response_window_open"
    clock.advance(days=1)
    final = _decide(client, app, bw)
    assert final.status_code == 201, final.get_data(as_text=True)
    assert final.get_json()["status"] == "final"


def test_the_candidate_opening_a_handed_over_link_delivers_the_notice(
    app: Flask, client: FlaskClient, clock: Clock, bw: BoardWorld
) -> None:
    """No address on file: staff hand the candidate the link; the candidate opening it is delivery."""
    decision = _propose(client, app, bw)
    assert decision["notice_mailed"] is False
    clock.advance(days=1)
    issued = client.post(
        f"{API}/candidates/{bw.world.candidate_id}/links",
        json={"purpose": "notice"},
        headers=bearer(app, bw.world.inv),
    )
    assert issued.status_code == 201, issued.get_data(as_text=True)
    assert _board(client, app, bw)["proposal"]["response_due"] is None  # issued is not delivered
    token = issued.get_json()["url"].rsplit("/", 1)[1]
    clock.advance(days=1)  # Wednesday 4 November
    page = client.get(f"/c/{token}")
    assert page.status_code == 200
    assert re.search(r"You may answer until the end of <time[^>]*>11 Nov 2026</time>", page.get_data(as_text=True))
    (notice,) = _board(client, app, bw)["notices"]
    assert (notice["delivered_via"], notice["response_due"]) == ("link", "2026-11-11")
    clock.advance(days=1)
    assert client.get(f"/c/{token}").status_code == 200  # opened again: the window does not move
    assert _board(client, app, bw)["proposal"]["response_due"] == "2026-11-11"
    assert len(_delivered_events(app)) == 1


def test_a_hand_delivery_is_dated_between_the_notice_and_today(
    app: Flask, client: FlaskClient, clock: Clock, bw: BoardWorld
) -> None:
    notice_id = _propose(client, app, bw)["board"]["notices"][0]["id"]
    clock.advance(days=3)  # Thursday 5 November
    inv = bearer(app, bw.world.inv)
    url = f"{API}/notices/{notice_id}/delivery"
    for day in ("2026-11-01", "2026-11-06"):  # before the notice; tomorrow
        refused = client.post(url, json={"delivered_on": day}, headers=inv)
        assert refused.status_code == 422, day
        assert error_of(refused)["field"] == "delivered_on"
    missing = client.post(url, json={}, headers=inv)
    assert missing.status_code == 422
    # Handed over on Tuesday the 3rd, recorded on Thursday: the window counts from Tuesday.
    recorded = deliver_by_hand(client, app, bw.world.inv, notice_id, date(2026, 11, 3))
    assert (recorded["delivered_via"], recorded["response_due"]) == ("hand", "2026-11-10")
    (event,) = _delivered_events(app)
    assert event["actor_id"] == bw.world.inv.id
    assert event["delivered_on"] == "2026-11-03"
    # The notice's PDF now names the last day.
    text = pdf_text(client.get(f"{API}/notices/{notice_id}.pdf", headers=inv).data)
    assert "Tuesday 10 November 2026" in text


def test_only_the_cycles_board_and_investigators_record_a_delivery(
    app: Flask, client: FlaskClient, bw: BoardWorld
) -> None:
    notice_id = _propose(client, app, bw)["board"]["notices"][0]["id"]
    url = f"{API}/notices/{notice_id}/delivery"
    body = {"delivered_on": "2026-11-02"}
    for who in (bw.world.outsider, bw.world.auditor, bw.world.admin):
        refused = client.post(url, json=body, headers=bearer(app, who))
        assert refused.status_code in {403, 404}, who.email
    assert _board(client, app, bw)["notices"][0]["delivered_at"] is None
    assert (
        client.post(f"{API}/notices/{notice_id + 99}/delivery", json=body, headers=bearer(app, bw.chair)).status_code
        == 404
    )
    member = client.post(url, json=body, headers=bearer(app, bw.member))
    assert member.status_code == 200, member.get_data(as_text=True)


def test_the_board_sees_the_window_only_once_delivered_and_records_it_on_its_page(
    app: Flask, client: FlaskClient, clock: Clock, bw: BoardWorld
) -> None:
    notice_id = _propose(client, app, bw)["board"]["notices"][0]["id"]
    cid = bw.world.candidate_id
    login(client, bw.chair, clock)
    page = client.get(f"/board/candidates/{cid}").get_data(as_text=True)
    assert "window runs until" not in page
    assert "has not reached the candidate yet" in page
    assert "not delivered yet" in page
    form_url = f"/board/candidates/{cid}/notices/{notice_id}/delivery"
    assert f'action="{form_url}"' in page
    # Another candidate's page cannot record this notice.
    wrong = client.post(
        f"/board/candidates/{cid + 99}/notices/{notice_id}/delivery",
        data={"csrf_token": csrf_from(page), "delivered_on": "2026-11-02"},
    )
    assert wrong.status_code == 404
    future = client.post(form_url, data={"csrf_token": csrf_from(page), "delivered_on": "2026-12-01"})
    assert future.status_code == 303
    shown = client.get(f"/board/candidates/{cid}").get_data(as_text=True)
    assert "Delivery not recorded" in shown
    assert "window runs until" not in shown
    done = client.post(form_url, data={"csrf_token": csrf_from(shown), "delivered_on": "2026-11-02"})
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/board/candidates/{cid}#decision")
    page = client.get(f"/board/candidates/{cid}").get_data(as_text=True)
    assert "The window runs until the end of" in page
    assert "09 Nov 2026" in page
    assert "delivered" in page
    assert f'action="{form_url}"' not in page  # delivered: no form any more


def test_the_investigators_record_a_delivery_from_the_candidates_page(
    app: Flask, client: FlaskClient, clock: Clock, bw: BoardWorld
) -> None:
    notice_id = _propose(client, app, bw)["board"]["notices"][0]["id"]
    cid = bw.world.candidate_id
    login(client, bw.world.inv, clock)
    page = client.get(f"/candidates/{cid}").get_data(as_text=True)
    assert "not delivered yet" in page
    done = client.post(
        f"/board/candidates/{cid}/notices/{notice_id}/delivery",
        data={"csrf_token": csrf_from(page), "delivered_on": "2026-11-02", "back": "work"},
    )
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/candidates/{cid}#board-title")
    assert "respond by" in client.get(f"/candidates/{cid}").get_data(as_text=True)
