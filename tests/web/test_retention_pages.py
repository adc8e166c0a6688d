"""The records pages (issue 15): schedule proposal and approval, the due list, disposition through
a confirmation page; refusals on the page; 403 for investigators and board members; statements
per page constant in the number of candidates."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.support import Clock, Person, csrf_from, login, make_user, runtime_of, statements
from tests.web.board_world import build_board_world
from tests.web.world import CANDIDATE_NAME, add_candidate, user_in
from vetting.models import (
    Candidate,
    CycleStatus,
    Disposition,
    DispositionStatus,
    RetentionClass,
    RetentionSchedule,
    Role,
)
from vetting.services import cycles, retention

PAST_RETENTION_DAYS = 2 * 365 + 10


@pytest.fixture
def officers(app: Flask) -> tuple[Person, Person]:
    return (
        make_user(app, "records@x.test", Role.RECORDS_OFFICER, name="Rita Records"),
        make_user(app, "records2@x.test", Role.RECORDS_OFFICER, name="Remy Records"),
    )


def _signed_in(app: Flask, person: Person, clock: Clock) -> FlaskClient:
    client = app.test_client()
    login(client, person, clock)
    return client


def _schedule_form(**periods: int) -> dict[str, str]:
    data: dict[str, str] = {}
    for cls, entry in retention.DEFAULTS.items():
        data[f"classes-{cls.value}-period_days"] = str(periods.get(cls.value, entry.period_days))
        data[f"classes-{cls.value}-trigger"] = entry.trigger.value
        data[f"classes-{cls.value}-citation"] = entry.citation
    return data


def test_a_records_officer_lands_on_the_records_page_with_its_link(
    app: Flask, clock: Clock, officers: tuple[Person, Person]
) -> None:
    client = _signed_in(app, officers[0], clock)
    landing = client.get("/")
    assert landing.status_code == 302
    assert landing.headers["Location"].endswith("/retention")
    page = client.get("/retention").get_data(as_text=True)
    assert ">Records</a>" in page
    assert "Schedule in force" in page
    assert "29 CFR 1602.31" in page


def test_a_schedule_below_its_floor_is_refused_on_the_form_and_nothing_is_saved(
    app: Flask, clock: Clock, officers: tuple[Person, Person]
) -> None:
    client = _signed_in(app, officers[0], clock)
    form = client.get("/retention/schedule/propose").get_data(as_text=True)
    answer = client.post(
        "/retention/schedule/propose", data={**_schedule_form(search_log=30), "csrf_token": csrf_from(form)}
    )
    assert answer.status_code == 422
    assert "below the legal floor of 730 days" in answer.get_data(as_text=True)
    with runtime_of(app).db.transaction() as session:
        assert session.scalar(select(RetentionSchedule.id)) is None


def test_a_schedule_proposed_on_the_page_is_approved_by_a_second_person(
    app: Flask, clock: Clock, officers: tuple[Person, Person]
) -> None:
    first = _signed_in(app, officers[0], clock)
    form = first.get("/retention/schedule/propose").get_data(as_text=True)
    answer = first.post(
        "/retention/schedule/propose", data={**_schedule_form(evidence=1000), "csrf_token": csrf_from(form)}
    )
    assert answer.status_code == 302
    page = first.get("/retention").get_data(as_text=True)
    assert "You proposed it" in page
    with runtime_of(app).db.transaction() as session:
        proposal_id = session.scalar(select(RetentionSchedule.id))
    own = first.post(f"/retention/schedule/{proposal_id}/approve", data={"csrf_token": csrf_from(page)})
    assert own.status_code == 303
    assert "A second person approves" in first.get("/retention").get_data(as_text=True)
    second = _signed_in(app, officers[1], clock)
    page = second.get("/retention").get_data(as_text=True)
    assert (
        second.post(f"/retention/schedule/{proposal_id}/approve", data={"csrf_token": csrf_from(page)}).status_code
        == 302
    )
    with runtime_of(app).db.transaction() as session:
        assert retention.current_schedule(session).entries[RetentionClass.EVIDENCE].period_days == 1000


def test_a_disposition_through_the_pages_asks_for_confirmation_and_shows_the_tombstone(
    app: Flask, clock: Clock, officers: tuple[Person, Person]
) -> None:
    bw = build_board_world(app)
    with runtime_of(app).db.transaction() as session:
        cycles.change_status(session, user_in(session, bw.world.admin), bw.world.cycle_id, CycleStatus.CLOSED)
    clock.advance(days=PAST_RETENTION_DAYS)
    first = _signed_in(app, officers[0], clock)
    page = first.get("/retention").get_data(as_text=True)
    assert "Propose disposition" in page
    proposed = first.post(
        "/retention/dispositions", data={"candidate_id": str(bw.world.candidate_id), "csrf_token": csrf_from(page)}
    )
    assert proposed.status_code == 302
    detail_url = proposed.headers["Location"]
    assert "A second person approves what one proposed" in first.get(detail_url).get_data(as_text=True)

    second = _signed_in(app, officers[1], clock)
    confirm = second.get(f"{detail_url}/approve")
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "This cannot be undone" in text
    # Without the explicit confirmation nothing happens.
    unconfirmed = second.post(f"{detail_url}/approve", data={"csrf_token": csrf_from(text)})
    assert unconfirmed.status_code == 200
    with runtime_of(app).db.transaction() as session:
        assert session.scalar(select(Disposition.status)) is DispositionStatus.PROPOSED
    done = second.post(f"{detail_url}/approve", data={"csrf_token": csrf_from(text), "confirm": "yes"})
    assert done.status_code == 302
    tombstone = second.get(detail_url).get_data(as_text=True)
    assert "What was destroyed" in tombstone
    assert "by Rita Records" in tombstone
    assert "by Remy Records" in tombstone
    assert CANDIDATE_NAME not in tombstone
    with runtime_of(app).db.transaction() as session:
        candidate = session.get(Candidate, bw.world.candidate_id)
        assert candidate is not None
        assert candidate.wrapped_key is None
    assert "certificate of destruction" in tombstone
    certificate = second.get(f"{detail_url}/certificate.pdf")
    assert certificate.status_code == 200
    assert certificate.data.startswith(b"%PDF-")
    assert certificate.headers["Content-Disposition"].startswith("attachment")
    every = second.get("/retention?show=all").get_data(as_text=True)
    assert "Disposed" in every

    # The board's pages: "disposed" where the name was, and the candidate's old link leads to the tombstone.
    board = _signed_in(app, bw.chair, clock)
    listing = board.get(f"/board/cycles/{bw.world.cycle_id}")
    assert listing.status_code == 200
    assert "disposed" in listing.get_data(as_text=True)
    assert CANDIDATE_NAME not in listing.get_data(as_text=True)
    opened = board.get(f"/board/candidates/{bw.world.candidate_id}", follow_redirects=True)
    assert opened.status_code == 200
    assert "records disposed of" in opened.get_data(as_text=True)

    # The auditor's reports still count the candidate, from metadata, and show no name.
    auditor = _signed_in(app, bw.world.auditor, clock)
    for report in ("uniformity", "adverse-impact", "report.pdf"):
        answer = auditor.get(f"/audit/cycles/{bw.world.cycle_id}/{report}")
        assert answer.status_code == 200, (report, answer.status_code)
        assert CANDIDATE_NAME.encode() not in answer.data


ROUTES = [
    ("GET", "/retention"),
    ("GET", "/retention/schedule/propose"),
    ("POST", "/retention/schedule/propose"),
    ("POST", "/retention/schedule/1/approve"),
    ("POST", "/retention/dispositions"),
    ("GET", "/retention/dispositions/1"),
    ("GET", "/retention/dispositions/1/approve"),
    ("GET", "/retention/dispositions/1/certificate.pdf"),
    ("POST", "/retention/dispositions/1/approve"),
]


def test_investigators_and_board_members_get_403_on_every_page(app: Flask, clock: Clock) -> None:
    bw = build_board_world(app, complete_search=False)
    for person in (bw.world.inv, bw.world.board):
        client = _signed_in(app, person, clock)
        token = csrf_from(client.get("/account").get_data(as_text=True))
        for method, path in ROUTES:
            answer = client.open(path, method=method, data={"csrf_token": token} if method == "POST" else None)
            assert answer.status_code == 403, (person.email, method, path, answer.status_code)


def test_the_records_page_reads_the_same_statements_for_1_or_12_candidates(
    app: Flask, clock: Clock, officers: tuple[Person, Person]
) -> None:
    bw = build_board_world(app, complete_search=False)
    client = _signed_in(app, officers[0], clock)
    counts = []
    for extra in (0, 11):
        for n in range(extra):
            add_candidate(app, bw.world.inv, bw.world.cycle_id, f"Extra Person {n}")
        with statements(app) as seen:
            assert client.get("/retention?show=all").status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1]
