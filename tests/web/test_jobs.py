"""The audit report as a job (issue 17): started by a request, run by the worker, downloaded once done.

The queue runs in Huey's immediate mode only where a test checks what the job does; elsewhere the
job stays queued (no worker runs here), which is what a client sees before the worker takes it.
Real consumers run in ``tests/integration/test_jobs_worker.py``.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support import Clock, csrf_from, login, runtime_of
from tests.web.helpers import db, pdf_text
from tests.web.world import API, bearer, build_world, error_of
from vetting import create_app
from vetting.config import Settings
from vetting.models import AuditEvent, Job, JobStatus, User


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """A queue of this test's own (the instance folder's is shared by the whole run)."""
    return settings.with_overrides(queue_url=f"sqlite:///{tmp_path / 'queue.sqlite3'}")


def run_jobs_inline(app: Flask) -> None:
    runtime_of(app).queue.immediate = True


def events(app: Flask, name: str) -> list[dict[str, Any]]:
    with db(app) as session:
        rows = session.query(AuditEvent).filter(AuditEvent.event == name).order_by(AuditEvent.seq).all()
        return [json.loads(row.data) | {"subject_id": row.subject_id, "actor_id": row.actor_id} for row in rows]


def start(client: FlaskClient, headers: dict[str, str], cycle_id: int) -> Any:
    return client.post(f"{API}/audit/cycles/{cycle_id}/report-jobs", headers=headers)


def test_the_api_starts_the_report_and_downloads_it_once_done(app: Flask, client: FlaskClient) -> None:
    world = build_world(app)
    auditor = bearer(app, world.auditor)
    run_jobs_inline(app)
    response = start(client, auditor, world.cycle_id)
    assert response.status_code == 202
    body = response.get_json()
    assert body["kind"] == "audit_report"
    assert body["parameters"] == {"cycle_id": world.cycle_id}
    assert response.headers["Location"] == body["status_url"] == f"{API}/jobs/{body['id']}"

    status = client.get(body["status_url"], headers=auditor).get_json()
    assert status["status"] == "done"
    assert status["progress"] == {"done": 1, "total": 1, "percent": 100}
    assert status["error"] is None
    result = status["result"]
    assert result["name"] == f"audit-report-cycle-{world.cycle_id}.pdf"

    download = client.get(result["url"], headers=auditor)
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert download.data.startswith(b"%PDF-")
    assert hashlib.sha256(download.data).hexdigest() == result["sha256"]
    assert len(download.data) == result["bytes"]
    # The report's own event carries the file's hash; the start and the download are audited too.
    [made] = events(app, "audit.report_pdf")
    assert made["sha256"] == result["sha256"]
    assert made["actor_id"] == world.auditor.id
    [started] = events(app, "job.started")
    assert started == {"kind": "audit_report", "cycle_id": world.cycle_id, "subject_id": str(body["id"])} | {
        "actor_id": world.auditor.id
    }
    [downloaded] = events(app, "job.result_downloaded")
    assert downloaded["sha256"] == result["sha256"]


def test_the_report_cites_a_chain_check_committed_before_its_layout(app: Flask, client: FlaskClient) -> None:
    """Issue 17: the job records the chain check it cites in a transaction of its own, so the
    chain's lock (taken to number that entry) is not held while the report is laid out; the
    report names that entry, recorded before the report's own."""
    world = build_world(app)
    auditor = bearer(app, world.auditor)
    run_jobs_inline(app)
    body = start(client, auditor, world.cycle_id).get_json()
    status = client.get(body["status_url"], headers=auditor).get_json()
    text = pdf_text(client.get(status["result"]["url"], headers=auditor).data)
    cited = re.search(r"The check is recorded as entry (\d+)", text)
    assert cited
    with db(app) as session:
        check = session.query(AuditEvent).filter(AuditEvent.seq == int(cited.group(1))).one()
        made = session.query(AuditEvent).filter(AuditEvent.event == "audit.report_pdf").one()
        assert (check.event, check.actor_id) == ("audit.verified", world.auditor.id)
        assert check.seq < made.seq


def test_the_result_is_refused_until_the_job_is_done(app: Flask, client: FlaskClient) -> None:
    world = build_world(app)
    auditor = bearer(app, world.auditor)
    body = start(client, auditor, world.cycle_id).get_json()
    assert body["status"] == "queued"
    assert body["progress"] == {"done": 0, "total": 0, "percent": None}
    assert body["result"] is None
    waiting = client.get(f"{API}/jobs/{body['id']}/result", headers=auditor)
    assert waiting.status_code == 409
    assert error_of(waiting)["code"] == "job_not_done"
    assert events(app, "job.result_downloaded") == []
    assert events(app, "audit.report_pdf") == []


def test_only_auditors_start_it_and_others_never_learn_of_it(app: Flask, client: FlaskClient) -> None:
    world = build_world(app)
    for person in (world.admin, world.inv, world.board):
        refused = start(client, bearer(app, person), world.cycle_id)
        assert refused.status_code == 403, person.email
    with db(app) as session:
        assert session.query(Job).count() == 0
    missing = start(client, bearer(app, world.auditor), 999_999)
    assert missing.status_code == 404
    with db(app) as session:
        assert session.query(Job).count() == 0

    run_jobs_inline(app)
    job_id = start(client, bearer(app, world.auditor), world.cycle_id).get_json()["id"]
    for person in (world.admin, world.inv, world.board):
        for path in (f"/jobs/{job_id}", f"/jobs/{job_id}/result"):
            hidden = client.get(f"{API}{path}", headers=bearer(app, person))
            assert hidden.status_code == 404, (person.email, path)
    assert events(app, "job.result_downloaded") == []


def test_another_auditor_reads_the_shared_report(app: Flask, client: FlaskClient) -> None:
    from tests.support import make_user
    from vetting.models import Role

    world = build_world(app)
    colleague = make_user(app, "audit2@x.test", Role.AUDITOR, name="Second Auditor")
    run_jobs_inline(app)
    job_id = start(client, bearer(app, world.auditor), world.cycle_id).get_json()["id"]
    download = client.get(f"{API}/jobs/{job_id}/result", headers=bearer(app, colleague))
    assert download.status_code == 200
    [downloaded] = events(app, "job.result_downloaded")
    assert downloaded["actor_id"] == colleague.id


def test_a_job_whose_requester_lost_the_right_fails_with_a_code(app: Flask, client: FlaskClient) -> None:
    world = build_world(app)
    auditor = bearer(app, world.auditor)
    job_id = start(client, auditor, world.cycle_id).get_json()["id"]
    with runtime_of(app).db.transaction() as session:
        user = session.get(User, world.auditor.id)
        assert user is not None
        user.is_active = False
    run_jobs_inline(app)
    runtime_of(app).queue.enqueue(job_id)
    with db(app) as session:
        job = session.get(Job, job_id)
        assert job is not None
        assert job.status is JobStatus.FAILED
        assert job.error_code == "forbidden"
        assert job.result_file is None
    assert events(app, "audit.report_pdf") == []


def test_no_job_starts_while_no_agency_is_named(app: Flask, settings: Settings) -> None:
    world = build_world(app)
    unnamed = create_app(settings.with_overrides(agency_name=None))
    try:
        refused = start(unnamed.test_client(), bearer(unnamed, world.auditor), world.cycle_id)
        assert refused.status_code == 409
        assert error_of(refused)["code"] == "agency_name_missing"
        with db(unnamed) as session:
            assert session.query(Job).count() == 0
    finally:
        runtime_of(unnamed).db.dispose()


def test_openapi_describes_the_job_routes_exactly(client: FlaskClient) -> None:
    paths = client.get(f"{API}/openapi.json").get_json()["paths"]
    started = paths["/audit/cycles/{cycle_id}/report-jobs"]["post"]
    assert set(started["responses"]) == {"202", "401", "403", "404", "409"}
    assert started["x-required-action"] == "audit.read"
    status = paths["/jobs/{job_id}"]["get"]
    assert set(status["responses"]) == {"200", "401", "403", "404"}
    result = paths["/jobs/{job_id}/result"]["get"]
    assert set(result["responses"]) == {"200", "401", "403", "404", "409"}
    assert "application/pdf" in result["responses"]["200"]["content"]


# --- the console -------------------------------------------------------------------------------


def test_the_console_button_starts_the_job_and_the_status_page_follows_it(
    app: Flask, client: FlaskClient, clock: Clock
) -> None:
    world = build_world(app)
    login(client, world.auditor, clock)
    cycles = client.get("/audit/cycles").get_data(as_text=True)
    assert f'action="/jobs/audit-report/{world.cycle_id}"' in cycles  # the "Prepare the report" button
    token = csrf_from(cycles)
    response = client.post(f"/jobs/audit-report/{world.cycle_id}", data={"csrf_token": token})
    assert response.status_code == 303
    page_url = response.headers["Location"]
    assert page_url.startswith("/jobs/")
    page = client.get(page_url).get_data(as_text=True)
    assert 'aria-live="polite"' in page
    assert "Waiting for the worker" in page
    assert "js/job-status.js" in page  # the page checks again by itself while unfinished
    assert "Check now" in page  # ...and says so, with a link that works without the script
    assert "Download" not in page

    run_jobs_inline(app)
    job_id = int(page_url.rsplit("/", 1)[1])
    runtime_of(app).queue.enqueue(job_id)
    page = client.get(page_url).get_data(as_text=True)
    assert "Ready to download" in page
    assert "js/job-status.js" not in page
    assert f'href="/jobs/{job_id}/result"' in page
    download = client.get(f"/jobs/{job_id}/result")
    assert download.status_code == 200
    assert download.data.startswith(b"%PDF-")


def test_the_console_button_needs_its_csrf_token(app: Flask, client: FlaskClient, clock: Clock) -> None:
    world = build_world(app)
    login(client, world.auditor, clock)
    refused = client.post(f"/jobs/audit-report/{world.cycle_id}", data={})
    assert refused.status_code in (400, 422)
    with db(app) as session:
        assert session.query(Job).count() == 0


def test_a_board_member_cannot_press_it(app: Flask, client: FlaskClient, clock: Clock) -> None:
    world = build_world(app)
    login(client, world.board, clock)
    token = csrf_from(client.get("/board").get_data(as_text=True))
    refused = client.post(f"/jobs/audit-report/{world.cycle_id}", data={"csrf_token": token})
    assert refused.status_code == 403
    with db(app) as session:
        assert session.query(Job).count() == 0


def test_the_jobs_list_shows_what_each_person_may_read(app: Flask, client: FlaskClient, clock: Clock) -> None:
    from tests.support import make_user
    from vetting.models import Role

    world = build_world(app)
    colleague = make_user(app, "audit2@x.test", Role.AUDITOR, name="Second Auditor")
    job_id = start(client, bearer(app, world.auditor), world.cycle_id).get_json()["id"]
    for person in (world.auditor, colleague):
        listed = client.get(f"{API}/jobs", headers=bearer(app, person)).get_json()["jobs"]
        assert [j["id"] for j in listed] == [job_id]
    for person in (world.admin, world.inv, world.board):
        assert client.get(f"{API}/jobs", headers=bearer(app, person)).get_json() == {
            "jobs": [],
            "next_cursor": None,
            "total": 0,
        }

    login(client, colleague, clock)
    page = client.get("/jobs").get_data(as_text=True)
    assert f'href="/jobs/{job_id}"' in page
    assert "Waiting for the worker" in page
