"""A response window on the agency's clock (issue 16 points 3 and 7, FCRA-07): the window starts
when the notice is delivered; in America/Chicago a window due on a day ends at 23:59:59 local that
day, across a daylight-saving change, and the pages and the notice give dates and times there."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.support import START, Clock, runtime_of
from tests.web.board_world import BoardWorld, build_board_world
from tests.web.world import API, bearer, error_of
from vetting import clock as agency_clock
from vetting import create_app
from vetting.config import Settings
from vetting.jobs import mail as delivery
from vetting.models import CandidateLink, OutboxStatus

EMAIL = "casey@example.org"
CITED = "Relied on the threat recorded in the released finding; conduct unbecoming an officer."


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    application = create_app(settings.with_overrides(time_zone="America/Chicago"))
    yield application
    application.extensions["vetting"].db.dispose()
    agency_clock.set_zone("UTC")


def _decide(client: FlaskClient, headers: dict[str, str], bw: BoardWorld):  # type: ignore[no-untyped-def]
    body = {"outcome": "do_not_advance", "rationale": CITED, "finding_ids": bw.findings[:1]}
    return client.post(f"{API}/board/candidates/{bw.world.candidate_id}/decisions", json=body, headers=headers)


def _to(clock: Clock, moment: datetime) -> None:
    clock.advance(seconds=(moment - clock()).total_seconds())


def test_a_window_ends_at_the_end_of_its_due_day_in_chicago_across_the_spring_change(
    app: Flask, client: FlaskClient, clock: Clock
) -> None:
    """Issue 16 points 3 and 7: the window starts on the day the e-mailed notice leaves, on the
    agency's clock, and ends at the end of its due day there."""
    assert clock() == START
    bw = build_board_world(app)
    cid = bw.world.candidate_id
    chair = bearer(app, bw.chair)
    put = client.put(f"{API}/candidates/{cid}/email", json={"email": EMAIL}, headers=bearer(app, bw.world.inv))
    assert put.status_code == 200
    recommended = client.post(
        f"{API}/board/candidates/{cid}/recommendations",
        json={"outcome": "do_not_advance", "rationale": CITED, "finding_ids": bw.findings[:1]},
        headers=chair,
    )
    assert recommended.status_code == 201, recommended.get_data(as_text=True)
    # Proposed on Tuesday 9 March 2027; the notice's e-mail waits in the outbox (the worker is away).
    _to(clock, datetime(2027, 3, 9, 16, 0, tzinfo=UTC))
    chair = bearer(app, bw.chair)  # tokens live 90 days
    proposed = _decide(client, chair, bw)
    assert proposed.status_code == 201, proposed.get_data(as_text=True)
    assert proposed.get_json()["response_due"] is None
    assert proposed.get_json()["notice_mailed"] is True
    # Thursday 11 March, 22:30 CST: already Friday the 12th in UTC. The e-mail leaves.
    _to(clock, datetime(2027, 3, 12, 4, 30, tzinfo=UTC))
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        outbox_id = session.scalar(select(CandidateLink.outbox_id).where(CandidateLink.purpose == "notice"))
    assert outbox_id is not None
    assert delivery.deliver(rt, outbox_id) == delivery.Delivery(OutboxStatus.SENT)
    state = client.get(f"{API}/board/candidates/{cid}/decisions", headers=chair).get_json()
    # Five business days after Thursday the 11th (Chicago), not after Friday the 12th (UTC),
    # and not after the Tuesday of the proposal.
    assert state["proposal"]["response_due"] == "2027-03-18"
    (notice,) = state["notices"]
    assert notice["delivered_via"] == "email"
    assert notice["response_due"] == "2027-03-18"
    # Clocks went forward on Sunday the 14th: the 18th ends at 23:59:59 CDT = 04:59:59 UTC on the 19th.
    _to(clock, datetime(2027, 3, 19, 4, 59, 59, tzinfo=UTC))
    early = _decide(client, chair, bw)
    assert early.status_code == 409
    assert error_of(early)["code"] == "response_window_open"
    _to(clock, datetime(2027, 3, 19, 5, 0, 0, tzinfo=UTC))
    final = _decide(client, chair, bw)
    assert final.status_code == 201, final.get_data(as_text=True)
    assert final.get_json()["status"] == "final"
