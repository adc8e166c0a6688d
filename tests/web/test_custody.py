"""Chain of custody through the API and the pages (issue 15 point 6; RET-08, SM-06, Tulsa Policy
324 C.13): each evidence file's and each signed consent form's history (received with its SHA-256
and capture metadata, every download with how it left and the stated reason, every production it
went into, its disposition) as JSON, as a page and as an audited PDF; records readers and the
cycle's own investigators only; a read writes nothing; still readable after disposition, and
after a minimisation deleted the capture's row (RET-11)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.support import Clock, Person, login, make_user, runtime_of, statements
from tests.web.board_world import build_board_world, complete
from tests.web.helpers import pdf_text
from tests.web.test_minimisation import PAST_FLOOR_DAYS, build_scene, close_cycle
from tests.web.world import API, CANDIDATE_NAME, World, add_evidence, add_finding, bearer, build_world, png, user_in
from tests.web.world import record_consent as sign
from vetting.audit.events import Event
from vetting.config import Settings
from vetting.crypto import sha256_hex
from vetting.models import AuditEvent, CycleStatus, Duty, Evidence, Role
from vetting.services import cycles

REASON = "Complaint 2026-14: checking the capture against the log"
REFERENCE = "Doe v. City, No. 26-cv-0141"
#: Past every default period and the RET-01 floor (two years) from the close of the cycle.
PAST_RETENTION_DAYS = 2 * 365 + 10


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """A queue of this test's own (the production runs as a job)."""
    return settings.with_overrides(queue_url=f"sqlite:///{tmp_path / 'queue.sqlite3'}")


@pytest.fixture
def officer(app: Flask) -> Person:
    return make_user(app, "records@x.test", Role.RECORDS_OFFICER, name="Rita Records")


def _events(app: Flask) -> int:
    """The audit events so far, signing in aside."""
    with runtime_of(app).db.transaction() as session:
        query = select(func.count()).where(AuditEvent.event != Event.LOGIN_SUCCEEDED.value)
        return int(session.scalar(query) or 0)


def _world_with_evidence(app: Flask) -> tuple[World, int]:
    world = build_world(app)
    sign(app, world.inv, world.candidate_id)
    finding_id = add_finding(app, world.inv, world.candidate_id, world.items[0])
    return world, add_evidence(app, world.inv, finding_id, png("capture"), "post.png")


def _produce(app: Flask, client: FlaskClient, person: Person, candidate_id: int) -> tuple[str, bytes]:
    """A recorded-version production as a job (its id names it on the chain), and its ZIP."""
    runtime_of(app).queue.immediate = True
    headers = bearer(app, person)
    body = {"candidate_ids": [candidate_id], "purpose": "discovery", "reference": REFERENCE, "version": "recorded"}
    started = client.post(f"{API}/productions", json=body, headers=headers)
    assert started.status_code == 202, started.get_json()
    status = client.get(started.get_json()["status_url"], headers=headers).get_json()
    assert status["status"] == "done", status
    return f"job-{started.get_json()['id']}", client.get(status["result"]["url"], headers=headers).data


def test_an_evidence_files_history_names_each_download_its_reason_and_the_production(
    app: Flask, client: FlaskClient, clock: Clock, officer: Person
) -> None:
    world, evidence_id = _world_with_evidence(app)
    inv, auditor = bearer(app, world.inv), bearer(app, world.auditor)
    assert client.get(f"{API}/evidence/{evidence_id}", headers=inv).status_code == 200
    opened = client.post(f"{API}/evidence/{evidence_id}/view", json={"reason": REASON}, headers=auditor)
    assert opened.status_code == 200
    production, bundle = _produce(app, client, officer, world.candidate_id)
    # The bundle's case file holds the same history (one assembly: services/custody).
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        [case_file] = [n for n in archive.namelist() if n.startswith("case-files/")]
        case_text = pdf_text(archive.read(case_file))
    assert "received" in case_text
    assert "downloaded" in case_text
    assert "Complaint 2026-14" in case_text

    keeper = bearer(app, officer)
    before = _events(app)
    answer = client.get(f"{API}/evidence/{evidence_id}/custody", headers=keeper)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert _events(app) == before  # a custody read is a read: nothing is written
    body = answer.get_json()
    received = body["received"]
    assert received["sha256"] == sha256_hex(png("capture"))
    assert received["matches_chain"] is True
    assert (received["by_name"], received["content_type"], received["platform"]) == (
        "Ivy Investigator",
        "image/png",
        "Social",
    )
    assert received["captured_at"] is not None
    assert body["file"] == {
        "kind": "evidence",
        "evidence_id": evidence_id,
        "finding_id": body["file"]["finding_id"],
        "candidate_id": world.candidate_id,
        "candidate_code": body["file"]["candidate_code"],
        "cycle_id": world.cycle_id,
    }
    steps = [(e["step"], e["by_name"], e["mode"], e["reason"]) for e in body["events"]]
    assert steps == [
        ("received", "Ivy Investigator", None, None),
        ("downloaded", "Ivy Investigator", "attachment", None),
        ("downloaded", "Aud Auditor", "attachment", REASON),
        ("produced", "Rita Records", None, None),
    ]
    assert body["productions"] == [
        {
            "production": production,
            "purpose": "discovery",
            "version": "recorded",
            "reference": REFERENCE,  # a records reader reads the matter's name from the job
            "reference_sha256": sha256_hex(REFERENCE.encode()),
            "in_bundle": True,
        }
    ]
    assert body["disposition"] is None
    assert "post.png" not in answer.get_data(as_text=True)  # nothing sealed is opened

    # The cycle's investigator reads it too, without the matter's name (it may name a person).
    mine = client.get(f"{API}/evidence/{evidence_id}/custody", headers=inv).get_json()
    assert [p["reference"] for p in mine["productions"]] == [None]
    assert [e["step"] for e in mine["events"]] == [e["step"] for e in body["events"]]

    # The page: a captioned table with headings, the reason, the PDF link; reached from the finding's page.
    login(client, world.inv, clock)
    finding_page = client.get(f"/findings/{body['file']['finding_id']}").get_data(as_text=True)
    assert f"/evidence/{evidence_id}/custody" in finding_page
    page = client.get(f"/evidence/{evidence_id}/custody")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<caption>Every step of the file's custody" in html
    assert '<th scope="col">Who</th>' in html
    assert REASON in html
    assert f"/evidence/{evidence_id}/custody.pdf" in html


def test_the_custody_pdf_holds_the_history_and_its_hash_is_audited(
    app: Flask, client: FlaskClient, clock: Clock, officer: Person
) -> None:
    world, evidence_id = _world_with_evidence(app)
    client.post(f"{API}/evidence/{evidence_id}/view", json={"reason": REASON}, headers=bearer(app, world.auditor))
    pdf = client.get(f"{API}/evidence/{evidence_id}/custody.pdf", headers=bearer(app, officer))
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("attachment;")
    text = pdf_text(pdf.data)
    assert "Chain of custody" in text
    assert sha256_hex(png("capture")) in text
    assert "received" in text
    assert "downloaded" in text
    assert "Complaint 2026-14" in text  # the stated reason (its cell wraps)
    assert "Aud Auditor" in text
    with runtime_of(app).db.transaction() as session:
        logged = session.scalars(select(AuditEvent).where(AuditEvent.event == Event.CUSTODY_PDF.value)).all()
    assert [(e.subject_type, e.subject_id, json.loads(e.data)["sha256"]) for e in logged] == [
        ("evidence", str(evidence_id), sha256_hex(pdf.data))
    ]
    # The page's link gives the same document (audited again).
    login(client, officer, clock)
    again = client.get(f"/evidence/{evidence_id}/custody.pdf")
    assert again.status_code == 200
    assert again.data.startswith(b"%PDF-")


def test_the_consent_forms_history_from_the_candidate_page(
    app: Flask, client: FlaskClient, clock: Clock, officer: Person
) -> None:
    world, evidence_id = _world_with_evidence(app)
    login(client, world.inv, clock)
    candidate_page = client.get(f"/candidates/{world.candidate_id}").get_data(as_text=True)
    assert f"/candidates/{world.candidate_id}/consent/custody" in candidate_page
    assert client.get(f"/candidates/{world.candidate_id}/consent/document").status_code == 200
    page = client.get(f"/candidates/{world.candidate_id}/consent/custody")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Signed consent form of candidate" in html
    assert "as an attachment" in html

    body = client.get(f"{API}/candidates/{world.candidate_id}/consent/custody", headers=bearer(app, officer))
    assert body.status_code == 200
    found = body.get_json()
    assert found["file"]["kind"] == "consent"
    assert found["received"]["sha256"] == sha256_hex(png())
    assert found["received"]["method"] == "wet_ink"
    assert [(e["step"], e["mode"]) for e in found["events"]] == [("received", None), ("downloaded", "attachment")]
    pdf = client.get(f"{API}/candidates/{world.candidate_id}/consent/custody.pdf", headers=bearer(app, officer))
    assert pdf.status_code == 200
    assert "Signed consent form" in pdf_text(pdf.data)

    # The candidate's files, each to its history (the records pages link here).
    files = client.get(f"{API}/candidates/{world.candidate_id}/custody", headers=bearer(app, officer)).get_json()
    assert [(f["kind"], f["evidence_id"]) for f in files["files"]] == [("consent", None), ("evidence", evidence_id)]
    assert files["files"][1]["custody"] == f"/api/v1/evidence/{evidence_id}/custody"
    keeper = app.test_client()
    login(keeper, officer, clock)
    records = keeper.get("/retention?show=all").get_data(as_text=True)
    assert f"/candidates/{world.candidate_id}/custody" in records
    listing = keeper.get(f"/candidates/{world.candidate_id}/custody")
    assert listing.status_code == 200
    assert f"/evidence/{evidence_id}/custody" in listing.get_data(as_text=True)


def test_the_board_and_another_cycles_investigator_are_refused(app: Flask, client: FlaskClient, clock: Clock) -> None:
    """Board members never read custody (POL-01), not even a records officer on the cycle's board;
    another cycle's investigator is told the file does not exist; every refusal writes nothing."""
    world, evidence_id = _world_with_evidence(app)
    keeper = make_user(app, "keeper@x.test", Role.RECORDS_OFFICER, Role.BOARD_MEMBER, name="Kim Keeper")
    with runtime_of(app).db.transaction() as session:
        cycles.assign(session, user_in(session, world.admin), world.cycle_id, keeper.id, Duty.BOARD_MEMBER)
    urls = [
        f"{API}/evidence/{evidence_id}/custody",
        f"{API}/evidence/{evidence_id}/custody.pdf",
        f"{API}/candidates/{world.candidate_id}/consent/custody",
        f"{API}/candidates/{world.candidate_id}/consent/custody.pdf",
        f"{API}/candidates/{world.candidate_id}/custody",
    ]
    refused = ((world.board, 403), (keeper, 403), (world.outsider, 404))
    tokens = {person.email: bearer(app, person) for person, _ in refused}
    before = _events(app)
    for person, status in refused:
        for url in urls:
            answer = client.get(url, headers=tokens[person.email])
            assert answer.status_code == status, (person.email, url, answer.status_code)
            assert CANDIDATE_NAME not in answer.get_data(as_text=True)
        browser = app.test_client()
        login(browser, person, clock)
        for url in urls:
            page = browser.get(url.removeprefix(API))
            assert page.status_code == status, (person.email, url, page.status_code)
    assert _events(app) == before
    assert client.get(f"{API}/evidence/999999/custody", headers=bearer(app, world.admin)).status_code == 404


def test_statements_per_custody_request_do_not_grow_with_its_events(
    app: Flask, client: FlaskClient, clock: Clock, officer: Person
) -> None:
    """The history is one query on the chain, however many downloads it holds: 2 and 20 views."""
    world, evidence_id = _world_with_evidence(app)
    inv, headers = bearer(app, world.inv), bearer(app, officer)
    searcher = app.test_client()  # the signed form is downloaded from the candidate's page
    login(searcher, world.inv, clock)
    urls = (f"{API}/evidence/{evidence_id}/custody", f"{API}/candidates/{world.candidate_id}/consent/custody")

    def view(times: int) -> None:
        for _ in range(times):
            assert client.get(f"{API}/evidence/{evidence_id}", headers=inv).status_code == 200
            assert searcher.get(f"/candidates/{world.candidate_id}/consent/document").status_code == 200

    def counted(views: int) -> list[int]:
        counts = []
        for url in urls:
            with statements(app) as seen:
                answer = client.get(url, headers=headers)
            assert answer.status_code == 200
            assert len(answer.get_json()["events"]) == views + 1  # and the receipt
            counts.append(len(seen))
        return counts

    view(2)
    at_two = counted(2)
    view(18)
    assert counted(20) == at_two


def test_after_disposition_the_history_still_shows_received_downloaded_and_disposed(
    app: Flask, client: FlaskClient, clock: Clock, officer: Person
) -> None:
    """RET-07: the data key is destroyed and the files deleted; the history is read from the chain,
    the rows and the tombstone, without decrypting anything."""
    bw = build_board_world(app, complete_search=False)
    world = bw.world
    evidence_id = add_evidence(app, world.inv, bw.findings[0], png("capture"))
    inv = bearer(app, world.inv)
    assert client.get(f"{API}/evidence/{evidence_id}", headers=inv).status_code == 200
    searcher = app.test_client()
    login(searcher, world.inv, clock)
    assert searcher.get(f"/candidates/{world.candidate_id}/consent/document").status_code == 200
    complete(app, world.inv, world.candidate_id)
    with runtime_of(app).db.transaction() as session:
        cycles.change_status(session, user_in(session, world.admin), world.cycle_id, CycleStatus.CLOSED)
    clock.advance(days=PAST_RETENTION_DAYS)
    second = make_user(app, "records2@x.test", Role.RECORDS_OFFICER, name="Remy Records")
    proposed = client.post(
        f"{API}/dispositions", json={"candidate_id": world.candidate_id}, headers=bearer(app, officer)
    )
    assert proposed.status_code == 201, proposed.get_data(as_text=True)
    disposition_id = proposed.get_json()["id"]
    approved = client.post(f"{API}/dispositions/{disposition_id}/approve", headers=bearer(app, second))
    assert approved.status_code == 200, approved.get_data(as_text=True)

    for url in (f"{API}/evidence/{evidence_id}/custody", f"{API}/candidates/{world.candidate_id}/consent/custody"):
        answer = client.get(url, headers=bearer(app, world.auditor))
        assert answer.status_code == 200, answer.get_data(as_text=True)
        body = answer.get_json()
        assert [e["step"] for e in body["events"]] == ["received", "downloaded", "disposal proposed", "disposed"]
        assert body["events"][-1]["disposition"] == disposition_id
        assert body["disposition"]["status"] == "disposed"
        assert body["disposition"]["file_deleted"] is True
        assert body["disposition"]["approved_by_name"] == "Remy Records"
        assert "destroyed at disposition" in body["sealed"]
    pdf = client.get(f"{API}/evidence/{evidence_id}/custody.pdf", headers=bearer(app, officer))
    assert pdf.status_code == 200
    assert "disposed" in pdf_text(pdf.data)
    login(client, officer, clock)
    page = client.get(f"/evidence/{evidence_id}/custody")
    assert page.status_code == 200
    assert "this file deleted from storage" in page.get_data(as_text=True)
    listing = client.get(f"/candidates/{world.candidate_id}/custody")
    assert listing.status_code == 200
    assert "their history remains" in listing.get_data(as_text=True)


def test_a_minimised_captures_history_outlives_its_row(
    app: Flask, client: FlaskClient, clock: Clock, officer: Person
) -> None:
    """RET-11 through the API: the minimisation deletes the capture's row and file; its history
    (received, downloaded, the minimisation proposed and carried out) is still read from the chain,
    and the candidate's list of files still names it."""
    scene = build_scene(app)
    world = scene.bw.world
    with runtime_of(app).db.transaction() as session:
        evidence_id = session.scalar(select(Evidence.id).where(Evidence.finding_id == scene.refuted))
    assert evidence_id is not None
    assert client.get(f"{API}/evidence/{evidence_id}", headers=bearer(app, world.inv)).status_code == 200
    close_cycle(app, scene.bw)
    clock.advance(days=PAST_FLOOR_DAYS)
    second = make_user(app, "records2@x.test", Role.RECORDS_OFFICER, name="Remy Records")
    body = {"finding_ids": [scene.refuted, scene.withdrawn, scene.never_reported]}
    proposed = client.post(f"{API}/minimisations", json=body, headers=bearer(app, officer))
    assert proposed.status_code == 201, proposed.get_data(as_text=True)
    minimisation_id = proposed.get_json()["id"]
    approved = client.post(f"{API}/minimisations/{minimisation_id}/approve", headers=bearer(app, second))
    assert approved.status_code == 200, approved.get_data(as_text=True)
    with runtime_of(app).db.transaction() as session:
        assert session.get(Evidence, evidence_id) is None

    auditor = bearer(app, world.auditor)
    answer = client.get(f"{API}/evidence/{evidence_id}/custody", headers=auditor)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    found = answer.get_json()
    assert [(e["step"], e["minimisation"]) for e in found["events"]] == [
        ("received", None),
        ("downloaded", None),
        ("minimisation proposed", minimisation_id),
        ("minimised", minimisation_id),
    ]
    assert found["received"]["sha256"] == sha256_hex(scene.evidence[scene.refuted])
    assert found["disposition"]["kind"] == "minimisation"
    assert found["disposition"]["status"] == "minimised"
    assert found["disposition"]["file_deleted"] is True
    listed = client.get(f"{API}/candidates/{world.candidate_id}/custody", headers=auditor).get_json()
    assert (evidence_id, True) in [(f["evidence_id"], f["removed"]) for f in listed["files"]]
    pdf = client.get(f"{API}/evidence/{evidence_id}/custody.pdf", headers=auditor)
    assert pdf.status_code == 200
    assert "Minimised" in pdf_text(pdf.data)


def test_the_cli_prints_a_history_and_writes_its_audited_pdf(app: Flask, tmp_path: Path) -> None:
    """`vetting custody evidence|consent` (issue 15 point 8): the same history as the page, for the
    same readers; a board member is refused naming why, and the PDF is audited like the page's."""
    from vetting.cli import cli

    world, evidence_id = _world_with_evidence(app)
    runner = app.test_cli_runner()
    shown = runner.invoke(cli, args=["custody", "evidence", str(evidence_id), "--by", world.auditor.email])
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines()[0].startswith(f"Evidence file {evidence_id} ")
    assert "received\t" in shown.output
    assert "SHA-256 " in shown.output
    refused = runner.invoke(cli, args=["custody", "evidence", str(evidence_id), "--by", world.board.email])
    assert refused.exit_code != 0
    assert "received" not in refused.output
    unknown = runner.invoke(cli, args=["custody", "consent", str(world.candidate_id), "--by", "nobody@x.test"])
    assert unknown.exit_code != 0
    assert "--by" in unknown.output
    before = _events(app)
    target = tmp_path / "consent.pdf"
    written = runner.invoke(
        cli, args=["custody", "consent", str(world.candidate_id), "--by", world.inv.email, "--pdf", str(target)]
    )
    assert written.exit_code == 0, written.output
    assert "Signed consent form" in pdf_text(target.read_bytes())
    assert _events(app) == before + 1
