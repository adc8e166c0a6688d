"""A records request's release produces its bundle (issue 15 points 4 and 5, RET-10): from the
request's page a records officer starts a production with the request's scope and reference filled
in; the production names the request it serves (its parameters, the job's page, the manifest, the
audit events); the findings the release withheld stay out of it, logged under their exemption code;
only once a second person approved the release, in the released version, within the request's scope."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.support import Clock, Person, csrf_from, login, make_user, runtime_of
from tests.web.board_world import BoardWorld, build_board_world
from tests.web.world import API, add_candidate, bearer, error_of
from vetting.audit.bundle import MANIFEST_JSON
from vetting.audit.events import Event
from vetting.clock import today
from vetting.config import Settings
from vetting.models import AuditEvent, Role

URL = f"{API}/records-requests"


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """A queue of this test's own (the instance folder's is shared by the whole run)."""
    return settings.with_overrides(queue_url=f"sqlite:///{tmp_path / 'queue.sqlite3'}")


@pytest.fixture
def officers(app: Flask) -> tuple[Person, Person]:
    return (
        make_user(app, "records@x.test", Role.RECORDS_OFFICER, name="Rita Records"),
        make_user(app, "records2@x.test", Role.RECORDS_OFFICER, name="Sam Second"),
    )


def _request(app: Flask, client: FlaskClient, bw: BoardWorld, officers: tuple[Person, Person]) -> tuple[int, int]:
    """A request over the candidate, one finding released and one withheld, prepared (not approved);
    returns the request's id and the withheld finding's id."""
    mine = bearer(app, officers[0])
    body = {
        "requester_name": "Pat Reporter",
        "requester_contact": "pat@news.test",
        "received_on": today().isoformat(),
        "description": "Every record of the patrol hiring background investigation.",
        "candidate_ids": [bw.world.candidate_id],
    }
    created = client.post(URL, json=body, headers=mine)
    assert created.status_code == 201, created.get_json()
    request_id = created.get_json()["id"]
    items = client.get(f"{URL}/{request_id}/working-copy", headers=mine).get_json()["items"]
    assert len(items) == 2
    decisions = (("withhold", "confidential_source"), ("release_text", "third_party_privacy"))
    for item, (decision, code) in zip(items, decisions, strict=True):
        payload = {"release_id": item["release_id"], "decision": decision, "exemption_code": code}
        assert client.post(f"{URL}/{request_id}/exemptions", json=payload, headers=mine).status_code == 200
    assert client.post(f"{URL}/{request_id}/prepare", headers=mine).status_code == 200
    return request_id, int(items[0]["finding_id"])


def _approve(app: Flask, client: FlaskClient, officers: tuple[Person, Person], request_id: int) -> None:
    approved = client.post(f"{URL}/{request_id}/approve", headers=bearer(app, officers[1]))
    assert approved.status_code == 200, approved.get_json()


def _signed_in(app: Flask, person: Person, clock: Clock) -> FlaskClient:
    client = app.test_client()
    login(client, person, clock)
    return client


def test_the_request_page_starts_the_bundle_of_its_release(
    app: Flask, client: FlaskClient, clock: Clock, officers: tuple[Person, Person]
) -> None:
    bw = build_board_world(app)
    request_id, withheld = _request(app, client, bw, officers)
    web = _signed_in(app, officers[0], clock)
    # Before a second person approves the release there is nothing to produce.
    assert "Prepare the bundle of this release" not in web.get(f"/records-requests/{request_id}").get_data(True)
    early = web.get(f"/productions?records_request={request_id}")
    assert early.status_code == 409
    assert "request_state" in early.get_data(as_text=True)

    _approve(app, client, officers, request_id)
    detail = web.get(f"/records-requests/{request_id}").get_data(as_text=True)
    assert f"/productions?records_request={request_id}" in detail
    page = web.get(f"/productions?records_request={request_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f"public-records request {request_id}</a>" in text
    assert f'value="{bw.world.candidate_id}"' in text  # the request's scope
    assert f'value="Public-records request {request_id}"' in text  # its reference
    assert f'name="records_request_id" type="hidden" value="{request_id}"' in text

    runtime_of(app).queue.immediate = True
    form = {
        "candidate_ids": str(bw.world.candidate_id),
        "purpose": "records_request",
        "reference": f"Public-records request {request_id}",
        "version": "released",
        "prefix": "PRA",
        "records_request_id": str(request_id),
        "csrf_token": csrf_from(text),
    }
    started = web.post("/productions", data=form)
    assert started.status_code == 303, started.get_data(as_text=True)
    job_page = web.get(started.headers["Location"]).get_data(as_text=True)
    assert f"Public-records request {request_id}</a>" in job_page  # the production shows what it serves
    listed = web.get("/productions").get_data(as_text=True)
    assert f"Request {request_id}</a>" in listed

    job_id = int(started.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    headers = bearer(app, officers[0])
    status = client.get(f"{API}/jobs/{job_id}", headers=headers).get_json()
    assert status["status"] == "done", status
    assert status["parameters"]["records_request_id"] == request_id
    bundle = client.get(status["result"]["url"], headers=headers).data
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        manifest = json.loads(archive.read(MANIFEST_JSON))
        log = list(csv.DictReader(io.StringIO(archive.read("redaction-log.csv").decode())))
    assert manifest["records_request_id"] == request_id
    assert manifest["version"] == "released"
    # The finding the release withheld is not in the bundle: the log says so, under its code.
    assert [(r["finding"], r["rule"], r["exemption"]) for r in log if r["field"] == "finding"] == [
        (f"F-{withheld}", "withheld from the release", "confidential_source")
    ]
    # The openings and the bundle name the request they served (issue 15 point 7).
    with runtime_of(app).db.transaction() as session:
        events = session.scalars(
            select(AuditEvent.data).where(
                AuditEvent.event.in_([Event.PRODUCTION_CONTENT_OPENED.value, Event.PRODUCTION_MADE.value])
            )
        ).all()
    assert [json.loads(d)["records_request"] for d in events] == [request_id, request_id]


def _start(client: FlaskClient, headers: dict[str, str], **body: Any) -> Any:
    payload = {"purpose": "records_request", "reference": "PRA", "version": "released", "prefix": "VET", **body}
    return client.post(f"{API}/productions", json=payload, headers=headers)


def test_a_bundle_for_a_request_is_its_released_version_within_its_scope(
    app: Flask, client: FlaskClient, officers: tuple[Person, Person]
) -> None:
    bw = build_board_world(app)
    request_id, _ = _request(app, client, bw, officers)
    headers = bearer(app, officers[0])
    ids = [bw.world.candidate_id]
    not_yet = _start(client, headers, candidate_ids=ids, records_request_id=request_id)
    assert (not_yet.status_code, error_of(not_yet)["code"]) == (409, "request_state")
    _approve(app, client, officers, request_id)
    refused = {
        "version": _start(client, headers, candidate_ids=ids, records_request_id=request_id, version="recorded"),
        "purpose": _start(client, headers, candidate_ids=ids, records_request_id=request_id, purpose="discovery"),
        "candidate_ids": _start(
            client,
            headers,
            candidate_ids=[*ids, add_candidate(app, bw.world.admin, bw.world.other_cycle_id, "Out Of Scope")],
            records_request_id=request_id,
        ),
    }
    for field, answer in refused.items():
        assert answer.status_code == 422, (field, answer.get_json())
        assert error_of(answer)["field"] == field
    missing = _start(client, headers, candidate_ids=ids, records_request_id=999)
    assert missing.status_code == 404


def test_who_may_not_produce_sees_no_link_and_gets_403(
    app: Flask, client: FlaskClient, clock: Clock, officers: tuple[Person, Person]
) -> None:
    bw = build_board_world(app)
    request_id, _ = _request(app, client, bw, officers)
    _approve(app, client, officers, request_id)
    auditor = _signed_in(app, bw.world.auditor, clock)
    detail = auditor.get(f"/records-requests/{request_id}")
    assert detail.status_code == 200
    assert "Prepare the bundle of this release" not in detail.get_data(as_text=True)
    assert auditor.get(f"/productions?records_request={request_id}").status_code == 403
    investigator = _signed_in(app, bw.world.inv, clock)
    assert investigator.get(f"/productions?records_request={request_id}").status_code == 403
