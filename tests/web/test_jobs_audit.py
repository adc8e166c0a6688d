"""The auditor's long reads as jobs (issue 17 point 2): the full chain check, the uniformity CSV and
the audit export, each started by a POST (202) or a console button, run by the worker (Huey's
immediate mode here) and downloaded once done; each file is what the synchronous route gives.

These kinds are the requester's own: another auditor is told the job does not exist (404), and a
role without ``audit.read`` (the kinds' action in ``policy.JOB_ACTIONS``) cannot start one (403).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from tests.support import Clock, csrf_from, login, make_user, runtime_of
from tests.web.helpers import db
from tests.web.test_jobs import events, run_jobs_inline
from tests.web.world import API, World, bearer, build_world
from vetting.audit.chain import VerificationMarker
from vetting.config import Settings
from vetting.jobs.tasks import WORK
from vetting.models import AuditEvent, AuditVerification, Job, JobKind, JobStatus, Role, User
from vetting.services import audit_log, jobs

#: Each kind's start route (the cycle's id filled in), its result's name and content type.
STARTS = {
    JobKind.CHAIN_CHECK: ("/audit/chain-check-jobs", "application/json"),
    JobKind.UNIFORMITY_CSV: ("/audit/cycles/{cycle_id}/uniformity-csv-jobs", "text/csv"),
    JobKind.AUDIT_EXPORT: ("/audit/export-jobs", "application/x-ndjson"),
}


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """A queue of this test's own (the instance folder's is shared by the whole run)."""
    return settings.with_overrides(queue_url=f"sqlite:///{tmp_path / 'queue.sqlite3'}")


def start(client: FlaskClient, headers: dict[str, str], kind: JobKind, world: World) -> Any:
    return client.post(API + STARTS[kind][0].format(cycle_id=world.cycle_id), headers=headers)


def finished(client: FlaskClient, headers: dict[str, str], kind: JobKind, world: World) -> tuple[dict[str, Any], Any]:
    """Start a job of ``kind`` (run at once), check it is done, and download its file."""
    response = start(client, headers, kind, world)
    assert response.status_code == 202
    assert response.headers["Location"] == response.get_json()["status_url"]
    status = client.get(response.get_json()["status_url"], headers=headers).get_json()
    assert status["kind"] == kind.value
    assert status["status"] == "done", status["error"]
    assert status["progress"]["percent"] == 100
    download = client.get(status["result"]["url"], headers=headers)
    assert download.status_code == 200
    assert download.mimetype == STARTS[kind][1]
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert hashlib.sha256(download.data).hexdigest() == status["result"]["sha256"]
    return status, download


@pytest.mark.parametrize("kind", list(STARTS))
def test_each_kind_starts_runs_and_downloads_with_audit_events(app: Flask, client: FlaskClient, kind: JobKind) -> None:
    world = build_world(app)
    auditor = bearer(app, world.auditor)
    run_jobs_inline(app)
    status, _download = finished(client, auditor, kind, world)
    expected = {"cycle_id": world.cycle_id} if kind is JobKind.UNIFORMITY_CSV else {}
    assert status["parameters"] == expected
    [started] = events(app, "job.started")
    assert started == {"kind": kind.value, **expected, "subject_id": str(status["id"]), "actor_id": world.auditor.id}
    [downloaded] = events(app, "job.result_downloaded")
    assert (downloaded["sha256"], downloaded["actor_id"]) == (status["result"]["sha256"], world.auditor.id)


def test_the_uniformity_csv_is_the_synchronous_download(app: Flask, client: FlaskClient) -> None:
    world = build_world(app)
    auditor = bearer(app, world.auditor)
    run_jobs_inline(app)
    status, download = finished(client, auditor, JobKind.UNIFORMITY_CSV, world)
    assert status["result"]["name"] == f"uniformity-cycle-{world.cycle_id}.csv"
    direct = client.get(f"{API}/audit/cycles/{world.cycle_id}/uniformity.csv", headers=auditor)
    assert direct.status_code == 200
    assert download.data == direct.data
    # Viewed as the synchronous route is: by the requester, recorded when the job ran.
    assert [e["actor_id"] for e in events(app, "uniformity.viewed")] == [world.auditor.id] * 2


def _export(data: bytes) -> tuple[dict[str, Any], list[str]]:
    header, *lines = data.decode().splitlines()
    return json.loads(header), lines


def test_the_audit_export_is_the_synchronous_export_up_to_its_checkpoint(app: Flask, client: FlaskClient) -> None:
    world = build_world(app)
    auditor = bearer(app, world.auditor)
    run_jobs_inline(app)
    status, download = finished(client, auditor, JobKind.AUDIT_EXPORT, world)
    header, lines = _export(download.data)
    assert status["result"]["name"] == f"audit-export-{header['through_seq']}.jsonl"
    [exported] = events(app, "audit.exported")
    assert exported == {
        "through_seq": header["through_seq"],
        "sha256": status["result"]["sha256"],
        "subject_id": None,
        "actor_id": world.auditor.id,
    }
    # Exported later, the chain is longer (the job's own entries): the job's lines are all there, in order.
    direct = client.get(f"{API}/audit/export", headers=auditor)
    later_header, later_lines = _export(direct.data)
    assert later_header["through_seq"] > header["through_seq"]
    assert later_header["key_id"] == header["key_id"]
    entries = [line for line in lines if json.loads(line)["kind"] == "entry"]
    later_entries = [line for line in later_lines if json.loads(line)["kind"] == "entry"]
    assert entries == later_entries[: len(entries)]
    assert set(lines) <= set(later_lines)


def _marker_signed(marker: dict[str, Any], public_key: Ed25519PublicKey) -> bool:
    verified_at = datetime.fromisoformat(marker["verified_at"].replace("Z", "+00:00"))
    fields = (marker["seq"], marker["entry_hash"], marker["checkpoints"], verified_at)
    return VerificationMarker(*fields, marker["key_id"], marker["signature"]).signed_by(public_key)


def test_the_full_chain_check_reports_and_leaves_a_signed_audited_marker(app: Flask, client: FlaskClient) -> None:
    world = build_world(app)
    auditor = bearer(app, world.auditor)
    run_jobs_inline(app)
    public_key = runtime_of(app).settings.audit_signing_key.public_key()
    status, download = finished(client, auditor, JobKind.CHAIN_CHECK, world)
    report = json.loads(download.data)
    assert report["full"] is True
    assert report["ok"] is True
    assert report["summary"].startswith("Audit chain OK")
    # What `vetting audit verify --full` counts: every entry before the check's own.
    assert report["entries"] == report["recorded_as_seq"] - 1
    assert status["result"]["name"] == f"audit-chain-check-{report['recorded_as_seq']}.json"
    with db(app) as session:
        verified = session.get(AuditEvent, report["recorded_as_seq"])
        assert verified is not None
        assert (verified.event, verified.actor_id) == ("audit.verified", world.auditor.id)
        assert json.loads(verified.data) == {"ok": True, "entries": report["entries"], "broken_seq": None}
        [row] = session.query(AuditVerification).all()
        assert (row.seq, row.entry_hash, row.signature) == (
            report["marker"]["seq"],
            report["marker"]["entry_hash"],
            report["marker"]["signature"],
        )
    assert report["marker"]["seq"] == report["last_checkpoint"]["seq"]
    assert _marker_signed(report["marker"], public_key)
    # The routine check now resumes after the job's marker.
    with runtime_of(app).db.transaction() as session:
        routine = audit_log.verify(session, public_key, resume=True)
    assert routine.ok
    assert routine.resumed_from == report["marker"]["seq"]


def test_a_broken_chain_is_reported_without_a_marker(app: Flask, client: FlaskClient) -> None:
    world = build_world(app)
    auditor = bearer(app, world.auditor)
    with runtime_of(app).db.transaction() as session:
        session.execute(text("UPDATE audit_events SET event = 'forged' WHERE seq = 2"))
    run_jobs_inline(app)
    _status, download = finished(client, auditor, JobKind.CHAIN_CHECK, world)
    report = json.loads(download.data)
    assert (report["ok"], report["broken_seq"], report["marker"]) == (False, 2, None)
    with db(app) as session:
        assert session.query(AuditVerification).count() == 0


def test_the_chain_check_reports_its_progress_in_entries(app: Flask, client: FlaskClient) -> None:
    world = build_world(app)
    rt = runtime_of(app)
    job_id = start(client, bearer(app, world.auditor), JobKind.CHAIN_CHECK, world).get_json()["id"]
    with rt.db.transaction() as session:
        claim = jobs.claim(session, job_id, stale_before=datetime(2000, 1, 1, tzinfo=UTC))
    assert claim is not None
    reported: list[tuple[int, int]] = []
    with rt.db.transaction() as session:
        WORK[JobKind.CHAIN_CHECK](rt, session, claim, lambda done, total: reported.append((done, total)))
        entries = session.query(AuditEvent).count() - 1  # less the check's own entry
    assert reported
    assert {total for _done, total in reported} == {entries}
    assert sum(done for done, _total in reported) == entries


# --- who may start and read them -----------------------------------------------------------------


@pytest.mark.parametrize("kind", list(STARTS))
def test_roles_without_the_action_cannot_start_them(app: Flask, client: FlaskClient, kind: JobKind) -> None:
    world = build_world(app)
    for person in (world.admin, world.inv, world.board):
        assert start(client, bearer(app, person), kind, world).status_code == 403, person.email
    with db(app) as session:
        assert session.query(Job).count() == 0


@pytest.mark.parametrize("kind", list(STARTS))
def test_another_auditors_job_does_not_exist_for_them(app: Flask, client: FlaskClient, kind: JobKind) -> None:
    world = build_world(app)
    colleague = make_user(app, "audit2@x.test", Role.AUDITOR, name="Second Auditor")
    run_jobs_inline(app)
    job_id = start(client, bearer(app, world.auditor), kind, world).get_json()["id"]
    for person in (colleague, world.admin, world.inv, world.board):
        for path in (f"/jobs/{job_id}", f"/jobs/{job_id}/result"):
            hidden = client.get(f"{API}{path}", headers=bearer(app, person))
            assert hidden.status_code == 404, (person.email, path)
        assert client.get(f"{API}/jobs", headers=bearer(app, person)).get_json()["jobs"] == []
    assert events(app, "job.result_downloaded") == []


def test_the_uniformity_csv_of_a_missing_cycle_is_not_started(app: Flask, client: FlaskClient) -> None:
    world = build_world(app)
    missing = client.post(f"{API}/audit/cycles/999999/uniformity-csv-jobs", headers=bearer(app, world.auditor))
    assert missing.status_code == 404
    with db(app) as session:
        assert session.query(Job).count() == 0


def test_a_chain_check_whose_requester_lost_the_right_records_nothing(app: Flask, client: FlaskClient) -> None:
    world = build_world(app)
    job_id = start(client, bearer(app, world.auditor), JobKind.CHAIN_CHECK, world).get_json()["id"]
    with runtime_of(app).db.transaction() as session:
        user = session.get(User, world.auditor.id)
        assert user is not None
        user.is_active = False
    run_jobs_inline(app)
    runtime_of(app).queue.enqueue(job_id)
    with db(app) as session:
        job = session.get(Job, job_id)
        assert job is not None
        assert (job.status, job.error_code, job.result_file) == (JobStatus.FAILED, "forbidden", None)
        assert session.query(AuditVerification).count() == 0
    assert events(app, "audit.verified") == []


def test_openapi_lists_the_start_routes_and_points_large_work_to_them(client: FlaskClient) -> None:
    paths = client.get(f"{API}/openapi.json").get_json()["paths"]
    for path, _type in STARTS.values():
        started = paths[path]["post"]
        assert "202" in started["responses"]
        assert started["x-required-action"] == "audit.read"
    assert "uniformity-csv-jobs" in paths["/audit/cycles/{cycle_id}/uniformity.csv"]["get"]["summary"]
    assert "export-jobs" in paths["/audit/export"]["get"]["summary"]
    assert "chain-check-jobs" in paths["/audit/verify"]["get"]["summary"]
    produced = paths["/jobs/{job_id}/result"]["get"]["responses"]["200"]["content"]
    # A production bundle (issue 15 point 5) is a ZIP.
    assert set(produced) == {
        "application/pdf",
        "text/csv",
        "application/json",
        "application/x-ndjson",
        "application/zip",
    }


# --- the console's buttons -----------------------------------------------------------------------

#: Each kind's console page and its button's action.
BUTTONS = {
    JobKind.CHAIN_CHECK: ("/audit", "/jobs/chain-check"),
    JobKind.UNIFORMITY_CSV: ("/audit/cycles/{cycle_id}/uniformity", "/jobs/uniformity-csv/{cycle_id}"),
    JobKind.AUDIT_EXPORT: ("/audit", "/jobs/audit-export"),
}


@pytest.mark.parametrize("kind", list(BUTTONS))
def test_the_console_button_starts_the_job(app: Flask, client: FlaskClient, clock: Clock, kind: JobKind) -> None:
    world = build_world(app)
    login(client, world.auditor, clock)
    page_path, action = (p.format(cycle_id=world.cycle_id) for p in BUTTONS[kind])
    page = client.get(page_path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'action="{action}"' in html
    response = client.post(action, data={"csrf_token": csrf_from(html)})
    assert response.status_code == 303
    job_page = response.headers["Location"]
    assert "Waiting for the worker" in client.get(job_page).get_data(as_text=True)
    job_id = int(job_page.rsplit("/", 1)[1])
    with db(app) as session:
        job = session.get(Job, job_id)
        assert job is not None
        assert (job.kind, job.requested_by_id) == (kind, world.auditor.id)

    run_jobs_inline(app)
    runtime_of(app).queue.enqueue(job_id)
    assert "Ready to download" in client.get(job_page).get_data(as_text=True)
    download = client.get(f"/jobs/{job_id}/result")
    assert download.status_code == 200
    assert download.mimetype == STARTS[kind][1]


@pytest.mark.parametrize("kind", list(BUTTONS))
def test_a_board_member_cannot_press_them(app: Flask, client: FlaskClient, clock: Clock, kind: JobKind) -> None:
    world = build_world(app)
    login(client, world.board, clock)
    token = csrf_from(client.get("/board").get_data(as_text=True))
    refused = client.post(BUTTONS[kind][1].format(cycle_id=world.cycle_id), data={"csrf_token": token})
    assert refused.status_code == 403
    with db(app) as session:
        assert session.query(Job).count() == 0
