"""Public-records requests through the API and the pages (issue 15 point 4; RET-10).

Records officers log a request, decide each item of its working copy (released text only) under
an exemption code, prepare, and a second person approves (409 ``second_person_required`` for the
preparer) before anyone records the release; investigators, board members and auditors never
write (403), auditors read the log; bad input is refused naming the field; nothing is written.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.support import Clock, Person, csrf_from, login, make_user, runtime_of
from tests.web.board_world import PROTECTED_SUMMARY, BoardWorld, build_board_world
from tests.web.helpers import db
from tests.web.world import API, bearer, error_of
from vetting.clock import today
from vetting.models import RecordsRequest, Role

URL = f"{API}/records-requests"


@pytest.fixture
def bw(app: Flask) -> BoardWorld:
    return build_board_world(app)


@pytest.fixture
def officer(app: Flask) -> Person:
    return make_user(app, "records@x.test", Role.RECORDS_OFFICER, name="Rita Records")


@pytest.fixture
def second(app: Flask) -> Person:
    return make_user(app, "records2@x.test", Role.RECORDS_OFFICER, name="Sam Second")


def body(bw: BoardWorld, **overrides: Any) -> dict[str, Any]:
    return {
        "requester_name": "Pat Reporter",
        "requester_contact": "pat@news.test",
        "received_on": today().isoformat(),
        "description": "Every record of the patrol hiring background investigations.",
        "cycle_ids": [bw.world.cycle_id],
        **overrides,
    }


def rows(app: Flask) -> int:
    with db(app) as session:
        return session.scalar(select(func.count()).select_from(RecordsRequest)) or 0


def logged(app: Flask, client: FlaskClient, bw: BoardWorld, officer: Person) -> int:
    response = client.post(URL, json=body(bw), headers=bearer(app, officer))
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


# --- the API ---------------------------------------------------------------------------------------


def test_a_request_is_logged_worked_approved_by_a_second_person_and_released(
    app: Flask, client: FlaskClient, bw: BoardWorld, officer: Person, second: Person
) -> None:
    mine, theirs = bearer(app, officer), bearer(app, second)
    response = client.post(URL, json=body(bw), headers=mine)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert response.headers["Location"] == created["url"] == f"{URL}/{created['id']}"
    assert created["status"] == "intake"
    assert created["due_on"] > today().isoformat()
    assert created["statute"] == runtime_of(app).settings.records_statute
    request_id = created["id"]

    copy = client.get(f"{URL}/{request_id}/working-copy", headers=mine).get_json()
    assert len(copy["items"]) == 2
    assert copy["undecided"] == 2
    assert "St. Mary" not in str(copy["items"])  # released text only, never the raw summary
    assert PROTECTED_SUMMARY not in str(copy["items"])
    first, other = (i["release_id"] for i in copy["items"])

    def decide(release_id: int, decision: str, code: str, headers: dict[str, str] = mine) -> Any:
        payload = {"release_id": release_id, "decision": decision, "exemption_code": code}
        return client.post(f"{URL}/{request_id}/exemptions", json=payload, headers=headers)

    assert decide(first, "withhold", "confidential_source").status_code == 200
    early = client.post(f"{URL}/{request_id}/prepare", headers=mine)
    assert early.status_code == 422
    assert error_of(early)["field"] == "items"
    assert decide(other, "release_text", "third_party_privacy").status_code == 200
    assert client.post(f"{URL}/{request_id}/release", headers=mine).status_code == 409
    assert client.post(f"{URL}/{request_id}/prepare", headers=mine).get_json()["status"] == "prepared"

    own = client.post(f"{URL}/{request_id}/approve", headers=mine)
    assert own.status_code == 409
    assert error_of(own)["code"] == "second_person_required"
    approved = client.post(f"{URL}/{request_id}/approve", headers=theirs)
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["approved"]["by"] == "Sam Second"
    released = client.post(f"{URL}/{request_id}/release", headers=mine).get_json()
    assert released["status"] == "released"
    assert released["release_log"]["counts"] == {"items": 2, "released": 1, "withheld": 1, "candidates": 1}

    listed = client.get(f"{URL}?status=finished", headers=bearer(app, bw.world.auditor)).get_json()
    assert [r["id"] for r in listed["records_requests"]] == [request_id]
    assert listed["records_requests"][0]["requester"]["name"] == "Pat Reporter"


@pytest.mark.parametrize("who", ["inv", "board", "auditor", "admin"])
def test_only_records_officers_write_and_investigators_and_board_members_do_not_read(
    app: Flask, client: FlaskClient, bw: BoardWorld, officer: Person, who: str
) -> None:
    request_id = logged(app, client, bw, officer)
    headers = bearer(app, getattr(bw.world, who))
    writes = [
        client.post(URL, json=body(bw), headers=headers),
        client.get(f"{URL}/{request_id}/working-copy", headers=headers),
        client.post(
            f"{URL}/{request_id}/exemptions",
            json={"release_id": 1, "decision": "withhold", "exemption_code": "personnel_record"},
            headers=headers,
        ),
        client.post(f"{URL}/{request_id}/prepare", headers=headers),
        client.post(f"{URL}/{request_id}/approve", headers=headers),
        client.post(f"{URL}/{request_id}/release", headers=headers),
        client.post(f"{URL}/{request_id}/close", json={"reason": "Withdrawn by the requester"}, headers=headers),
    ]
    assert [r.status_code for r in writes] == [403] * len(writes)
    reads = [client.get(URL, headers=headers), client.get(f"{URL}/{request_id}", headers=headers)]
    expected = 200 if who in ("auditor", "admin") else 403
    assert [r.status_code for r in reads] == [expected, expected]
    assert rows(app) == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"received_on": "tomorrow"}, "received_on"),
        ({"due_on": "yesterday"}, "due_on"),
        ({"received_on": "long ago"}, "due_on"),
        ({"cycle_ids": []}, "scope"),
        ({"cycle_ids": [4242]}, "cycle_ids"),
        ({"requester_name": ""}, "requester_name"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_requests_are_refused_naming_the_field_and_nothing_is_written(
    app: Flask, client: FlaskClient, bw: BoardWorld, officer: Person, overrides: dict[str, Any], field: str
) -> None:
    days = {
        "tomorrow": today() + timedelta(days=1),
        "yesterday": today() - timedelta(days=1),
        "long ago": today() - timedelta(days=90),
    }
    values = {k: days[v].isoformat() if isinstance(v, str) and v in days else v for k, v in overrides.items()}
    response = client.post(URL, json=body(bw, **values), headers=bearer(app, officer))
    assert response.status_code == 422, response.get_json()
    assert error_of(response)["field"] == field
    assert rows(app) == 0


def test_an_exemption_code_outside_the_table_is_refused_naming_it(
    app: Flask, client: FlaskClient, bw: BoardWorld, officer: Person
) -> None:
    request_id = logged(app, client, bw, officer)
    headers = bearer(app, officer)
    item = client.get(f"{URL}/{request_id}/working-copy", headers=headers).get_json()["items"][0]
    response = client.post(
        f"{URL}/{request_id}/exemptions",
        json={"release_id": item["release_id"], "decision": "withhold", "exemption_code": "because"},
        headers=headers,
    )
    assert response.status_code == 422
    assert error_of(response)["field"] == "exemption_code"


# --- the pages -------------------------------------------------------------------------------------


def post(client: FlaskClient, page: str, url: str, data: dict[str, Any]) -> Any:
    html = client.get(page).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_from(html)})


def test_the_pages_log_decide_prepare_and_release_after_a_second_persons_approval(
    app: Flask, client: FlaskClient, bw: BoardWorld, officer: Person, second: Person, clock: Clock
) -> None:
    login(client, officer, clock)
    assert "Public-records requests" in client.get("/retention").get_data(as_text=True)
    future = post(
        client,
        "/records-requests/new",
        "/records-requests",
        {
            "requester_name": "Pat Reporter",
            "requester_contact": "pat@news.test",
            "received_on": (today() + timedelta(days=3)).isoformat(),
            "description": "Hiring files",
            "cycle_ids": str(bw.world.cycle_id),
        },
    )
    assert future.status_code == 422
    assert "after today" in future.get_data(as_text=True)
    assert rows(app) == 0
    created = post(
        client,
        "/records-requests/new",
        "/records-requests",
        {
            "requester_name": "Pat Reporter",
            "requester_contact": "pat@news.test",
            "received_on": today().isoformat(),
            "description": "Hiring files",
            "cycle_ids": str(bw.world.cycle_id),
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)
    detail = created.headers["Location"]
    request_id = int(detail.rsplit("/", 1)[1])
    page = f"/records-requests/{request_id}/working-copy"
    html = client.get(page).get_data(as_text=True)
    assert "St. Mary" not in html
    for release_id in (i["release_id"] for i in _items(app, bw, officer, client, request_id)):
        saved = post(
            client,
            page,
            f"/records-requests/{request_id}/exemptions",
            {
                f"i{release_id}-release_id": str(release_id),
                f"i{release_id}-decision": "release_text",
                f"i{release_id}-exemption_code": "personnel_record",
            },
        )
        assert saved.status_code == 302
    assert (
        client.post(
            f"/records-requests/{request_id}/prepare",
            data={"csrf_token": csrf_from(client.get(detail).get_data(as_text=True))},
        ).status_code
        == 302
    )
    assert "another records officer approves" in client.get(detail).get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_from(client.get(detail).get_data(as_text=True))})

    login(client, second, clock)
    approved = post(client, detail, f"/records-requests/{request_id}/approve", {})
    assert approved.status_code == 302
    confirm = client.get(f"/records-requests/{request_id}/release").get_data(as_text=True)
    assert "Pat Reporter" in confirm
    unconfirmed = post(client, detail, f"/records-requests/{request_id}/release", {})
    assert unconfirmed.status_code == 200  # the confirmation page again, nothing released
    done = post(client, detail, f"/records-requests/{request_id}/release", {"confirm": "yes"})
    assert done.status_code == 302
    assert "Release log" in client.get(detail).get_data(as_text=True)


def _items(app: Flask, bw: BoardWorld, officer: Person, client: FlaskClient, request_id: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get(
        f"{URL}/{request_id}/working-copy", headers=bearer(app, officer)
    ).get_json()["items"]
    return items


def test_auditors_read_the_log_pages_and_never_post(
    app: Flask, client: FlaskClient, bw: BoardWorld, officer: Person, clock: Clock
) -> None:
    request_id = logged(app, client, bw, officer)
    login(client, bw.world.auditor, clock)
    assert "Request " in client.get("/records-requests").get_data(as_text=True)
    detail = client.get(f"/records-requests/{request_id}")
    assert detail.status_code == 200
    assert "Close the request" not in detail.get_data(as_text=True)
    assert client.get(f"/records-requests/{request_id}/working-copy").status_code == 403
    refused = post(
        client, f"/records-requests/{request_id}", f"/records-requests/{request_id}/close", {"reason": "Withdrawn now"}
    )
    assert refused.status_code == 403


# --- the command line ------------------------------------------------------------------------------


def test_the_command_line_lists_requests_and_those_due_within_business_days(
    app: Flask, client: FlaskClient, bw: BoardWorld, officer: Person
) -> None:
    from vetting.cli import cli

    headers = bearer(app, officer)
    soon = client.post(URL, json=body(bw, due_on=today().isoformat()), headers=headers).get_json()["id"]
    later = client.post(
        URL, json=body(bw, due_on=(today() + timedelta(days=60)).isoformat()), headers=headers
    ).get_json()["id"]
    runner = app.test_cli_runner()
    listed = runner.invoke(cli, args=["requests", "list", "--status", "open"])
    assert listed.exit_code == 0, listed.output
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == [str(later), str(soon)]
    due = runner.invoke(cli, args=["requests", "due", "--within", "3"])
    assert due.exit_code == 0, due.output
    assert [line.split("\t")[0] for line in due.stdout.splitlines()] == [str(soon)]
    assert "Pat Reporter" in due.stdout
    assert runner.invoke(cli, args=["requests", "due", "--within", "-1"]).exit_code != 0
