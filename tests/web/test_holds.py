"""Legal holds through the API and the pages (issue 15 point 2; RET-02, RET-03).

Who may read, place and release holds; 409 ``second_person_required`` for the placer's release;
422 naming the field for bad input; and a held candidate's records refused any edit (409
``legal_hold``) through the API and the web forms, shown on the candidate's page.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.support import Clock, Person, csrf_from, login, make_user, runtime_of, statements
from tests.web.board_world import BoardWorld, build_board_world, complete
from tests.web.helpers import db
from tests.web.world import (
    API,
    World,
    add_finding,
    bearer,
    build_world,
    error_of,
    finding_api,
    finding_body,
    record_consent,
    resolution_body,
    resolve,
    user_in,
)
from vetting.audit.events import Event
from vetting.cli import cli
from vetting.clock import today
from vetting.models import (
    AuditEvent,
    BoardQuestion,
    Candidate,
    CycleStatus,
    Finding,
    HoldScope,
    LegalHold,
    ReminderKind,
    Role,
)
from vetting.services import cycles, reminders

HOLD = {"matter": "Doe v. City", "reference": "2:26-cv-0001", "reason": "EEOC charge filed by a rejected candidate"}


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


@pytest.fixture
def officer(app: Flask) -> Person:
    return make_user(app, "records@x.test", Role.RECORDS_OFFICER, name="Rita Records")


@pytest.fixture
def second(app: Flask) -> Person:
    return make_user(app, "records2@x.test", Role.RECORDS_OFFICER, name="Sam Second")


def place(client: FlaskClient, headers: dict[str, str], **body: Any) -> Any:
    return client.post(f"{API}/holds", json={**HOLD, **body}, headers=headers)


def hold_rows(app: Flask) -> tuple[int, int]:
    with db(app) as session:
        return (
            session.scalar(select(func.count()).select_from(LegalHold)) or 0,
            session.scalar(select(func.count()).select_from(HoldScope)) or 0,
        )


# --- the API ---------------------------------------------------------------------------------------


def test_a_records_officer_places_a_hold_and_a_second_person_releases_it(
    app: Flask, client: FlaskClient, world: World, officer: Person, second: Person
) -> None:
    mine = bearer(app, officer)
    response = place(
        client,
        mine,
        cycle_ids=[world.other_cycle_id],
        positions=[{"position": "Patrol officer", "from_date": today().isoformat()}],
        review_by=(today() + timedelta(days=90)).isoformat(),
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == body["url"] == f"{API}/holds/{body['id']}"
    assert body["status"] == "active"
    assert [s["kind"] for s in body["scope"]] == ["cycle", "position"]
    assert body["held_candidates"]["total"] == 1  # the world's candidate, added today for the position

    refused = client.post(
        f"{API}/holds/{body['id']}/release", json={"reason": "Charge dismissed for good"}, headers=mine
    )
    assert refused.status_code == 409
    assert error_of(refused)["code"] == "second_person_required"

    released = client.post(
        f"{API}/holds/{body['id']}/release", json={"reason": "Charge dismissed for good"}, headers=bearer(app, second)
    )
    assert released.status_code == 200, released.get_json()
    assert released.get_json()["status"] == "released"
    assert released.get_json()["released_by"]["name"] == "Sam Second"
    again = client.post(f"{API}/holds/{body['id']}/release", json={"reason": "Charge dismissed for good"}, headers=mine)
    assert error_of(again)["code"] == "hold_released"

    listed = client.get(f"{API}/holds?status=released", headers=bearer(app, world.auditor)).get_json()
    assert [h["id"] for h in listed["holds"]] == [body["id"]]
    assert listed["total"] == 1
    assert listed["next_cursor"] is None


@pytest.mark.parametrize("who", ["inv", "board"])
def test_investigators_and_board_members_neither_read_nor_place_holds(
    app: Flask, client: FlaskClient, world: World, officer: Person, who: str
) -> None:
    hold_id = place(client, bearer(app, officer), cycle_ids=[world.cycle_id]).get_json()["id"]
    headers = bearer(app, getattr(world, who))
    for response in (
        client.get(f"{API}/holds", headers=headers),
        client.get(f"{API}/holds/{hold_id}", headers=headers),
        place(client, headers, cycle_ids=[world.cycle_id]),
        client.post(f"{API}/holds/{hold_id}/release", json={"reason": "Matter closed for good"}, headers=headers),
    ):
        assert response.status_code == 403
    assert hold_rows(app) == (1, 1)


def test_the_auditor_reads_holds_but_never_places_or_releases_one(
    app: Flask, client: FlaskClient, world: World, officer: Person
) -> None:
    hold_id = place(client, bearer(app, officer), cycle_ids=[world.cycle_id]).get_json()["id"]
    auditor = bearer(app, world.auditor)
    assert client.get(f"{API}/holds/{hold_id}", headers=auditor).get_json()["matter"] == "Doe v. City"
    assert place(client, auditor, cycle_ids=[world.cycle_id]).status_code == 403
    release = client.post(f"{API}/holds/{hold_id}/release", json={"reason": "Matter closed for good"}, headers=auditor)
    assert release.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "scope"),
        ({"cycle_ids": [4242]}, "cycle_ids"),
        ({"candidate_ids": [0]}, "candidate_ids[0]"),
        ({"positions": [{"position": "Patrol officer", "from_date": "2026-06-02", "to_date": "2026-06-01"}]}, None),
        ({"matter": ""}, "matter"),
        ({"cycle_ids": "1"}, "cycle_ids"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_holds_are_refused_naming_the_field_and_nothing_is_written(
    app: Flask, client: FlaskClient, world: World, officer: Person, body: dict[str, Any], field: str | None
) -> None:
    response = place(
        client, bearer(app, officer), **({"cycle_ids": [world.cycle_id]} if "matter" in body else {}), **body
    )
    assert response.status_code == 422
    error = error_of(response)
    assert error.get("field") == (field or "positions[0].to_date")
    assert hold_rows(app) == (0, 0)


def test_a_held_candidates_finding_is_not_edited_or_withdrawn_through_the_api(
    app: Flask, client: FlaskClient, world: World, officer: Person
) -> None:
    record_consent(app, world.inv, world.candidate_id)
    resolve(app, world.inv, world.candidate_id, world.items[0])
    finding_id = add_finding(app, world.inv, world.candidate_id, world.items[0])
    assert place(client, bearer(app, officer), candidate_ids=[world.candidate_id]).status_code == 201
    inv = bearer(app, world.inv)
    for response in (
        client.put(f"{API}/findings/{finding_id}", json=finding_body(world.items[0]), headers=inv),
        client.post(
            f"{API}/findings/{finding_id}/withdraw", json={"reason": "Wrong person entirely, refuted"}, headers=inv
        ),
        client.post(
            f"{API}/candidates/{world.candidate_id}/checklist/{world.items[0]}", json=resolution_body(), headers=inv
        ),
    ):
        assert response.status_code == 409, response.get_json()
        error = error_of(response)
        assert error["code"] == "legal_hold"
        assert "Doe v. City" in error["message"]
    # Adding to the record goes on: a first resolution of another item.
    added = client.post(
        f"{API}/candidates/{world.candidate_id}/checklist/{world.items[1]}", json=resolution_body(), headers=inv
    )
    assert added.status_code in (200, 201), added.get_json()


def test_the_list_makes_as_many_statements_for_many_holds_as_for_one(
    app: Flask, client: FlaskClient, world: World, officer: Person
) -> None:
    mine, auditor = bearer(app, officer), bearer(app, world.auditor)
    counts = []
    for n in (1, 6):
        while len(client.get(f"{API}/holds", headers=auditor).get_json()["holds"]) < n:
            place(client, mine, cycle_ids=[world.cycle_id], candidate_ids=[world.candidate_id])
        with statements(app) as seen:
            assert client.get(f"{API}/holds", headers=auditor).status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1]


# --- the pages ---------------------------------------------------------------------------------------


def test_the_pages_place_show_and_release_a_hold(
    app: Flask, client: FlaskClient, world: World, officer: Person, second: Person, clock: Clock
) -> None:
    login(client, officer, clock)
    home = client.get("/account").get_data(as_text=True)
    assert 'href="/holds"' in home  # "Legal holds" in the navigation
    page = client.get("/holds/new").get_data(as_text=True)
    empty = client.post("/holds", data={**HOLD, "csrf_token": csrf_from(page)})
    assert empty.status_code == 422
    assert "A hold needs a scope" in empty.get_data(as_text=True)
    placed = client.post(
        "/holds",
        data={**HOLD, "cycle_ids": [str(world.cycle_id)], "position": "", "csrf_token": csrf_from(page)},
    )
    assert placed.status_code == 302, placed.get_data(as_text=True)
    detail_url = placed.headers["Location"]
    detail = client.get(detail_url).get_data(as_text=True)
    assert "Doe v. City" in detail
    assert "Cycle Patrol 2026" in detail
    assert "another records officer or administrator must release it" in detail  # the placer's button is disabled
    confirm = client.get(f"{detail_url}/release").get_data(as_text=True)
    refused = client.post(
        f"{detail_url}/release",
        data={"reason": "Charge dismissed for good", "confirm": "yes", "csrf_token": csrf_from(confirm)},
    )
    assert refused.status_code == 409
    assert hold_rows(app) == (1, 1)

    client.post("/logout", data={"csrf_token": csrf_from(confirm)})
    login(client, second, clock)
    confirm = client.get(f"{detail_url}/release").get_data(as_text=True)
    assert "This cannot be undone" in confirm
    unconfirmed = client.post(
        f"{detail_url}/release", data={"reason": "Charge dismissed for good", "csrf_token": csrf_from(confirm)}
    )
    assert unconfirmed.status_code == 200  # without the confirmation: the page again, nothing released
    released = client.post(
        f"{detail_url}/release",
        data={"reason": "Charge dismissed for good", "confirm": "yes", "csrf_token": csrf_from(confirm)},
    )
    assert released.status_code == 302
    listing = client.get("/holds?status=released").get_data(as_text=True)
    assert "Doe v. City" in listing
    assert "Showing 1–1 of 1 holds" in listing


def test_investigators_see_no_holds_pages_nor_the_link(
    app: Flask, client: FlaskClient, world: World, clock: Clock
) -> None:
    login(client, world.inv, clock)
    assert 'href="/holds"' not in client.get("/account").get_data(as_text=True)
    for url in ("/holds", "/holds/new", "/holds/1", "/holds/1/release"):
        assert client.get(url).status_code == 403


def test_a_held_candidates_page_says_so_and_its_finding_is_not_withdrawn_through_the_web(
    app: Flask, client: FlaskClient, world: World, officer: Person, clock: Clock
) -> None:
    record_consent(app, world.inv, world.candidate_id)
    finding_id = add_finding(app, world.inv, world.candidate_id, world.items[0])
    assert place(client, bearer(app, officer), cycle_ids=[world.cycle_id]).status_code == 201
    login(client, world.inv, clock)
    page = client.get(f"/candidates/{world.candidate_id}").get_data(as_text=True)
    assert "On legal hold: Doe v. City" in page
    form = client.get(f"/findings/{finding_id}/withdraw").get_data(as_text=True)
    response = client.post(
        f"/findings/{finding_id}/withdraw",
        data={"reason": "Wrong person entirely, refuted", "confirm": "y", "csrf_token": csrf_from(form)},
    )
    assert response.status_code == 409
    assert "on legal hold for Doe v. City" in response.get_data(as_text=True)


# --- disposition (issue 15 point 3) skips and refuses held candidates ------------------------------


def test_a_held_candidate_is_never_due_nor_disposed(app: Flask, client: FlaskClient, clock: Clock) -> None:
    """RET-02: the disposition queue leaves held candidates out; proposing or approving the
    disposition of one is refused with 409 legal_hold, and goes ahead once the hold is released."""
    bw = build_board_world(app, complete_search=False)
    world = bw.world
    complete(app, world.inv, world.candidate_id)
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        cycles.change_status(session, user_in(session, world.admin), world.cycle_id, CycleStatus.CLOSED)
    officer = make_user(app, "records@x.test", Role.RECORDS_OFFICER)
    second = make_user(app, "records2@x.test", Role.RECORDS_OFFICER)
    clock.advance(days=2 * 365 + 10)  # past every default period and the RET-01 floor
    mine, theirs = bearer(app, officer), bearer(app, second)
    hold = place(client, mine, candidate_ids=[world.candidate_id]).get_json()["id"]

    assert client.get(f"{API}/retention/due", headers=mine).get_json()["total"] == 0
    proposed = client.post(f"{API}/dispositions", json={"candidate_id": world.candidate_id}, headers=mine)
    assert proposed.status_code == 409
    assert error_of(proposed)["code"] == "legal_hold"

    release = {"reason": "Charge dismissed for good"}
    assert client.post(f"{API}/holds/{hold}/release", json=release, headers=theirs).status_code == 200
    assert client.get(f"{API}/retention/due", headers=mine).get_json()["total"] == 1
    proposed = client.post(f"{API}/dispositions", json={"candidate_id": world.candidate_id}, headers=mine)
    assert proposed.status_code == 201, proposed.get_json()

    # A hold placed between the proposal and its approval stops the approval.
    place(client, theirs, cycle_ids=[world.cycle_id])
    approved = client.post(f"{API}/dispositions/{proposed.get_json()['id']}/approve", headers=theirs)
    assert approved.status_code == 409
    assert error_of(approved)["code"] == "legal_hold"
    with db(app) as session:
        candidate = session.get(Candidate, world.candidate_id)
        assert candidate is not None
        assert candidate.wrapped_key is not None  # nothing destroyed


# --- the command line ------------------------------------------------------------------------------


def test_the_command_line_places_lists_and_releases_holds_as_named_people(
    app: Flask, world: World, officer: Person, second: Person
) -> None:
    runner = app.test_cli_runner()
    matter = ["--matter", "Doe v. City", "--reference", "R-1", "--reason", "A charge was filed with the EEOC"]
    empty = runner.invoke(cli, args=["holds", "place", "--by", officer.email, *matter])
    assert empty.exit_code != 0
    assert "A hold needs a scope" in empty.output
    assert "(scope)" in empty.output
    unknown = runner.invoke(cli, args=["holds", "place", "--by", "nobody@x.test", *matter, "--cycle", "1"])
    assert unknown.exit_code != 0
    assert "No account for nobody@x.test" in unknown.output
    assert hold_rows(app) == (0, 0)

    placed = runner.invoke(
        cli,
        args=[
            "holds",
            "place",
            "--by",
            officer.email,
            *matter,
            "--position",
            "Patrol officer",
            "--from",
            today().isoformat(),
        ],
    )
    assert placed.exit_code == 0, placed.output
    assert "1 candidate(s) held" in placed.output
    listed = runner.invoke(cli, args=["holds", "list", "--status", "active"])
    assert listed.exit_code == 0, listed.output
    hold_id = listed.output.split("\t", 1)[0]
    assert "Doe v. City\tR-1\tactive\tPosition Patrol officer" in listed.output

    own = runner.invoke(cli, args=["holds", "release", hold_id, "--by", officer.email, "--reason", "Matter closed"])
    assert own.exit_code != 0
    assert "another records officer or administrator must release it" in own.output
    released = runner.invoke(
        cli, args=["holds", "release", hold_id, "--by", second.email, "--reason", "Matter closed for good"]
    )
    assert released.exit_code == 0, released.output
    assert runner.invoke(cli, args=["holds", "list", "--status", "active"]).output == "0 hold(s).\n"


def test_the_command_line_refuses_an_investigator(app: Flask, world: World) -> None:
    result = app.test_cli_runner().invoke(
        cli,
        args=["holds", "place", "--by", world.inv.email, "--matter", "M", "--reference", "R"]
        + ["--reason", "A charge was filed", "--cycle", str(world.cycle_id)],
    )
    assert result.exit_code != 0
    assert hold_rows(app) == (0, 0)


# --- reminders (issue 16 point 6): holds due for review --------------------------------------------


def test_holds_due_for_review_are_reminded_to_those_who_may_release_them(
    app: Flask, client: FlaskClient, world: World, officer: Person, second: Person, clock: Clock
) -> None:
    review = (today() + timedelta(days=40)).isoformat()
    hold_id = place(client, bearer(app, officer), cycle_ids=[world.cycle_id], review_by=review).get_json()["id"]

    def reminded(person: Person) -> dict[str, int]:
        with db(app) as session:
            found = reminders.actions_for(session, user_in(session, person))
        return {item.kind.value: item.count for item in found.items if item.kind is ReminderKind.HOLD_REVIEW}

    assert reminded(officer) == {}  # 40 days away: beyond the default 30
    clock.advance(days=11)
    assert reminded(officer) == {"hold_review": 1}
    assert reminded(world.admin) == {"hold_review": 1}
    for person in (world.inv, world.board, world.auditor):
        assert reminded(person) == {}
    item = reminders.ActionItem(ReminderKind.HOLD_REVIEW, 1, 30, None, None, None)
    assert reminders.path_of(item) == "/holds?status=active"
    assert item.text == "1 legal hold due for review within 30 days"
    released = client.post(
        f"{API}/holds/{hold_id}/release", json={"reason": "Matter closed for good"}, headers=bearer(app, second)
    )
    assert released.status_code == 200
    assert reminded(officer) == {}


def test_the_hold_review_threshold_is_the_agencys_to_set(app: Flask, client: FlaskClient, world: World) -> None:
    admin = bearer(app, world.admin)
    url = f"{API}/admin/reminder-thresholds"
    current = client.get(url, headers=admin).get_json()
    assert current["hold_review_days"] == 30
    refused = client.put(url, json={**current, "hold_review_days": 0}, headers=admin)
    assert error_of(refused)["field"] == "hold_review_days"
    saved = client.put(url, json={**current, "hold_review_days": 60}, headers=admin)
    assert saved.get_json()["hold_review_days"] == 60


def test_a_held_candidates_decided_mention_is_not_decided_again(
    app: Flask, client: FlaskClient, world: World, officer: Person
) -> None:
    """A mention's decision carries a sealed reason: changing it would overwrite it (RET-02). A
    mention nobody has decided yet is still decided under the hold (the work goes on)."""
    record_consent(app, world.inv, world.candidate_id)
    inv = bearer(app, world.inv)
    summary = "Mentioned his diabetes and his church, then threatened a neighbour."
    created = finding_api(client, inv, world.candidate_id, world.items[0], summary=summary)
    assert created.status_code == 201, created.get_json()
    finding = created.get_json()
    first, second = finding["mentions"][0]["id"], finding["mentions"][1]["id"]
    url = f"{API}/findings/{finding['id']}/mentions"
    assert client.post(f"{url}/{first}", json={"resolution": "redact"}, headers=inv).status_code == 200
    assert place(client, bearer(app, officer), candidate_ids=[world.candidate_id]).status_code == 201

    changed = client.post(
        f"{url}/{first}",
        json={"resolution": "not_protected", "reason": "Reported conduct toward a group, not his trait"},
        headers=inv,
    )
    assert changed.status_code == 409
    assert error_of(changed)["code"] == "legal_hold"
    assert client.post(f"{url}/{second}", json={"resolution": "redact"}, headers=inv).status_code == 200


def test_the_place_form_names_a_date_range_without_its_position(
    app: Flask, client: FlaskClient, world: World, officer: Person, clock: Clock
) -> None:
    login(client, officer, clock)
    page = client.get("/holds/new").get_data(as_text=True)
    refused = client.post(
        "/holds",
        data={**HOLD, "position": "", "from_date": today().isoformat(), "csrf_token": csrf_from(page)},
    )
    assert refused.status_code == 422
    assert "Choose the position these dates are for." in refused.get_data(as_text=True)
    missing = client.post("/holds", data={**HOLD, "position": "Patrol officer", "csrf_token": csrf_from(page)})
    assert missing.status_code == 422
    assert "Give the first day of the range for the position." in missing.get_data(as_text=True)
    placed = client.post(
        "/holds",
        data={**HOLD, "position": "Patrol officer", "from_date": today().isoformat(), "csrf_token": csrf_from(page)},
    )
    assert placed.status_code == 302
    assert "Position Patrol officer" in client.get(placed.headers["Location"]).get_data(as_text=True)
    assert hold_rows(app) == (1, 1)


def _held_write(client: FlaskClient, app: Flask, bw: BoardWorld, route: str) -> tuple[str, str, dict[str, Any], Person]:
    """The records a route would rewrite, made before the hold; the request that rewrites them."""
    world = bw.world
    inv, admin = bearer(app, world.inv), bearer(app, world.admin)
    email_url = f"{API}/candidates/{world.candidate_id}/email"
    assert client.put(email_url, json={"email": "casey@example.org"}, headers=admin).status_code == 200
    if route == "redaction":
        summary = client.get(f"{API}/findings/{bw.findings[0]}", headers=inv).get_json()["summary"]
        body = {"field": "summary", "text": summary.split()[0]}
        return "POST", f"{API}/findings/{bw.findings[0]}/redactions", body, world.inv
    if route in ("email_replaced", "email_cleared"):
        return "PUT", email_url, {"email": "other@example.org" if route == "email_replaced" else ""}, world.admin
    if route == "link_to_a_new_email":
        body = {"purpose": "self_identification", "email": "other@example.org"}
        return "POST", f"{API}/candidates/{world.candidate_id}/links", body, world.admin
    question = {"finding_id": bw.findings[0], "question": "Was the post public?"}
    asked = client.post(
        f"{API}/board/candidates/{world.candidate_id}/questions", json=question, headers=bearer(app, bw.member)
    )
    assert asked.status_code == 201, asked.get_data(as_text=True)
    url = f"{API}/questions/{asked.get_json()['id']}/answer"
    assert client.post(url, json={"answer": "Yes, on a public page."}, headers=inv).status_code == 200
    return "POST", url, {"answer": "No, it was private."}, world.inv


@pytest.mark.parametrize(
    "route", ["redaction", "email_replaced", "email_cleared", "link_to_a_new_email", "answer_reworded"]
)
def test_a_held_candidates_records_are_not_rewritten_by_any_route(
    app: Flask, client: FlaskClient, officer: Person, route: str
) -> None:
    """RET-02: a redaction (which withdraws the board's release), replacing or clearing the sealed
    address (also through a new link), and re-wording a drafted answer are each refused with 409
    ``legal_hold`` and audited; the record stays as it was. A link to the address on file still goes."""
    bw = build_board_world(app)
    method, url, body, who = _held_write(client, app, bw, route)
    candidate_id = bw.world.candidate_id
    assert place(client, bearer(app, officer), candidate_ids=[candidate_id]).status_code == 201
    before = _sealed_of(app, candidate_id)

    refused = client.open(url, method=method, json=body, headers=bearer(app, who))
    assert refused.status_code == 409, refused.get_data(as_text=True)
    assert error_of(refused)["code"] == "legal_hold"
    assert _sealed_of(app, candidate_id) == before
    with db(app) as session:
        audited = session.scalars(select(AuditEvent.data).where(AuditEvent.event == Event.HOLD_CHANGE_REFUSED.value))
        assert [json.loads(d)["candidate_ids"] for d in audited] == [[candidate_id]]
    if route == "link_to_a_new_email":
        same = {"purpose": "self_identification", "email": "casey@example.org"}
        assert client.post(url, json=same, headers=bearer(app, who)).status_code == 201


def _sealed_of(app: Flask, candidate_id: int) -> dict[str, str | None]:
    """The sealed address, every finding's summary and release, and every drafted answer, as stored."""
    with db(app) as session:
        candidate = session.get(Candidate, candidate_id)
        assert candidate is not None
        values: dict[str, str | None] = {"email": candidate.email_enc}
        for f in session.scalars(select(Finding).where(Finding.candidate_id == candidate_id)):
            values[f"finding {f.id}"] = f"{f.summary_enc} {f.current_release_id}"
        for q in session.scalars(select(BoardQuestion).where(BoardQuestion.candidate_id == candidate_id)):
            values[f"question {q.id}"] = q.answer_enc
        return values
