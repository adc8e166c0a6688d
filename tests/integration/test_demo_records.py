"""The demo's records (issue 15 point 8): a legal hold in force, a public-records request answered to
the end (exemptions by code, a second person's approval, the release log), and one candidate of a
cycle closed years ago disposed of (proposed, approved by a second person, tombstone, certificate),
all made through the services; loading the demo again adds none of them twice; the chain verifies."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from tests.support import Clock, api_headers, runtime_of
from tests.web.test_audit_uniformity import demo_login, load_demo
from tests.web.world import API
from vetting.demo import DEMO_CYCLE_TITLE
from vetting.demo.records import HOLD_MATTER, PAST_CYCLE_TITLE
from vetting.models import (
    Candidate,
    CandidateResponse,
    Cycle,
    CycleStatus,
    Disposition,
    DispositionStatus,
    LegalHold,
    RecordsRequest,
    RequestStatus,
    ResponseKind,
)
from vetting.services import audit_log, holds

RECORDS = "records@demo.test"


def _counts(app: Flask) -> dict[str, int]:
    with runtime_of(app).db.transaction() as session:
        return {
            m.__name__: session.scalar(select(func.count()).select_from(m)) or 0
            for m in (Cycle, Candidate, LegalHold, RecordsRequest, Disposition)
        }


def test_the_demo_shows_a_hold_a_completed_request_and_a_disposed_candidate(app: Flask, clock: Clock) -> None:
    demo = load_demo(app)
    officer, second, admin = (demo.people[e] for e in (RECORDS, "records2@demo.test", "admin@demo.test"))
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        # A hold in force, placed by a records officer, on the candidate who disputes a finding.
        (hold,) = session.scalars(select(LegalHold)).all()
        assert hold.placed_by_id == officer.id
        assert hold.released_at is None
        disputed = session.scalar(
            select(CandidateResponse.candidate_id).where(CandidateResponse.kind == ResponseKind.DISPUTE)
        )
        assert disputed is not None
        assert holds.matters_holding(session, disputed) == [HOLD_MATTER]

        # A request logged, its items decided under exemption codes, prepared by one records officer,
        # approved by the other, and released: the release log says what went out and under which code.
        (request,) = session.scalars(select(RecordsRequest)).all()
        assert request.status is RequestStatus.RELEASED
        assert request.prepared_by_id == officer.id
        assert request.approved_by_id == second.id
        assert request.released_by_id == officer.id
        log = request.release_log
        assert log is not None
        assert log["counts"]["items"] >= 1
        assert log["counts"]["released"] == 1
        assert set(log["exemptions"]) <= {"third_party_privacy", "confidential_background_file"}
        assert "third_party_privacy" in log["citations"]
        assert log["released_by_id"] == officer.id

        # One candidate of the closed 2023 cycle disposed of: proposed by a records officer,
        # approved by the administrator; the key is gone, the open cycle's candidates are untouched.
        past = session.scalar(select(Cycle).where(Cycle.title == PAST_CYCLE_TITLE))
        assert past is not None
        assert past.status is CycleStatus.CLOSED
        (row,) = session.scalars(select(Disposition)).all()
        assert row.status is DispositionStatus.DISPOSED
        assert row.cycle_id == past.id
        assert (row.proposed_by_id, row.approved_by_id) == (officer.id, admin.id)
        assert row.destroyed is not None
        assert row.destroyed["sealed"]["candidates.profile"] == 1
        candidate = session.get(Candidate, row.candidate_id)
        assert candidate is not None
        assert candidate.wrapped_key is None
        open_cycle = session.scalar(select(Cycle.id).where(Cycle.title == DEMO_CYCLE_TITLE))
        keys = session.scalars(select(Candidate.wrapped_key).where(Candidate.cycle_id == open_cycle))
        assert all(key is not None for key in keys)
        assert audit_log.verify(session, rt.settings.audit_signing_key.public_key()).ok

    # The tombstone and the certificate of destruction, as the records officer reads them.
    headers = api_headers(app, officer)
    client = app.test_client()
    tombstone = client.get(f"{API}/candidates/{row.candidate_id}/tombstone", headers=headers)
    assert tombstone.status_code == 200, tombstone.get_data(as_text=True)
    assert tombstone.get_json()["approved_by_name"] == admin.name
    certificate = client.get(f"{API}/dispositions/{row.id}/certificate.pdf", headers=headers)
    assert certificate.status_code == 200
    assert certificate.data.startswith(b"%PDF-")
    # On the pages, signed in with the demo's password: the hold, the released request, the tombstone.
    demo_login(client, officer, clock)
    assert HOLD_MATTER in client.get("/holds").get_data(as_text=True)
    assert "Released" in client.get("/records-requests").get_data(as_text=True)
    page = client.get(f"/retention/candidates/{row.candidate_id}")
    assert page.status_code == 200
    assert "records disposed of" in page.get_data(as_text=True)


def test_loading_the_demo_again_adds_no_second_hold_request_or_disposition(app: Flask) -> None:
    load_demo(app)
    first = _counts(app)
    assert {k: first[k] for k in ("LegalHold", "RecordsRequest", "Disposition")} == {
        "LegalHold": 1,
        "RecordsRequest": 1,
        "Disposition": 1,
    }
    load_demo(app)
    assert _counts(app) == first
