"""A response window on the agency's clock (issue 16 point 7, FCRA-07): in America/Chicago a window
due on a day ends at 23:59:59 local that day, across a daylight-saving change, and the pages and
the notice give dates and times there."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support import START, Clock
from tests.web.board_world import BoardWorld, build_board_world
from tests.web.world import API, bearer, error_of
from vetting import clock as agency_clock
from vetting import create_app
from vetting.config import Settings

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
    assert clock() == START
    bw = build_board_world(app)
    chair = bearer(app, bw.chair)
    recommended = client.post(
        f"{API}/board/candidates/{bw.world.candidate_id}/recommendations",
        json={"outcome": "do_not_advance", "rationale": CITED, "finding_ids": bw.findings[:1]},
        headers=chair,
    )
    assert recommended.status_code == 201, recommended.get_data(as_text=True)
    # Thursday 11 March 2027, 22:30 CST: already Friday the 12th in UTC.
    _to(clock, datetime(2027, 3, 12, 4, 30, tzinfo=UTC))
    chair = bearer(app, bw.chair)  # tokens live 90 days
    proposed = _decide(client, chair, bw)
    assert proposed.status_code == 201, proposed.get_data(as_text=True)
    # Five business days after Thursday the 11th (Chicago), not after Friday the 12th (UTC).
    assert proposed.get_json()["response_due"] == "2027-03-18"
    # Clocks went forward on Sunday the 14th: the 18th ends at 23:59:59 CDT = 04:59:59 UTC on the 19th.
    _to(clock, datetime(2027, 3, 19, 4, 59, 59, tzinfo=UTC))
    early = _decide(client, chair, bw)
    assert early.status_code == 409
    assert error_of(early)["code"] == "response_window_open"
    _to(clock, datetime(2027, 3, 19, 5, 0, 0, tzinfo=UTC))
    final = _decide(client, chair, bw)
    assert final.status_code == 201, final.get_data(as_text=True)
    assert final.get_json()["status"] == "final"
