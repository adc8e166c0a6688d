"""The chain-of-custody service on the real database (issue 15 point 6; RET-08, SM-06, Tulsa
Policy 324 C.13): each file's history is its own (a second capture of the same finding stays out
of the first's), an opening recorded before openings named their mode reads "opened", any other
event about the file keeps its name, a production of the released version withholds the capture
but not the signed form, a receipt whose row no longer matches the chain's hash is flagged, and a
custody read queues no audit event."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tests.support import Person, make_user, runtime_of
from tests.web.world import World, add_candidate, add_evidence, add_finding, build_world, png, record_consent, user_in
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.clock import today, utcnow
from vetting.errors import Forbidden, NotFound
from vetting.models import (
    Candidate,
    Evidence,
    Minimisation,
    MinimisationReason,
    MinimisationStatus,
    MinimisedFinding,
    Role,
)
from vetting.services import custody


@dataclass(frozen=True)
class Files:
    world: World
    officer: Person
    first: int
    second: int


@pytest.fixture
def files(app: Flask) -> Files:
    """A signed form and two captures of one finding."""
    world = build_world(app)
    record_consent(app, world.inv, world.candidate_id)
    finding_id = add_finding(app, world.inv, world.candidate_id, world.items[0])
    first = add_evidence(app, world.inv, finding_id, png("first"))
    second = add_evidence(app, world.inv, finding_id, png("second"))
    officer = make_user(app, "records@x.test", Role.RECORDS_OFFICER, name="Rita Records")
    return Files(world, officer, first, second)


def _queued(session: Session) -> list[object]:
    return list(session.info.get("audit_queue", []))


def test_each_file_has_its_own_history_and_a_read_queues_nothing(app: Flask, files: Files) -> None:
    with runtime_of(app).db.transaction() as session:
        actor = user_in(session, files.officer)
        first = custody.evidence_custody(session, actor, files.first)
        second = custody.evidence_custody(session, actor, files.second)
        consent = custody.consent_custody(session, actor, files.world.candidate_id)
        listed = custody.candidate_files(session, actor, files.world.candidate_id)
        assert _queued(session) == []  # a read is a read
    assert [(line.step, line.sha256) for line in first.lines] == [("received", first.received.sha256)]
    assert [(line.step, line.sha256) for line in second.lines] == [("received", second.received.sha256)]
    assert first.received.sha256 != second.received.sha256
    assert first.received.matches_chain
    assert [line.step for line in consent.lines] == ["received"]
    assert consent.received.by == "Ivy Investigator"
    assert [(f.kind, f.evidence_id) for f in listed.files] == [
        ("consent", None),
        ("evidence", files.first),
        ("evidence", files.second),
    ]


def test_older_openings_read_opened_and_other_events_keep_their_names(app: Flask, files: Files) -> None:
    with runtime_of(app).db.transaction() as session:
        evidence = session.get(Evidence, files.first)
        assert evidence is not None
        # An opening recorded before openings named their mode, and a storage repair of the file.
        record(session, user_in(session, files.world.inv), Event.EVIDENCE_VIEWED, subject=evidence, reason=None)
        record(session, None, Event.STORAGE_REPAIRED, subject=evidence)
    with runtime_of(app).db.transaction() as session:
        found = custody.evidence_custody(session, user_in(session, files.officer), files.first)
    assert [(line.step, line.who, line.note) for line in found.lines[1:]] == [
        ("opened", "Ivy Investigator", ""),
        ("storage.repaired", "system", ""),
    ]


def test_a_released_production_withholds_the_capture_but_not_the_signed_form(app: Flask, files: Files) -> None:
    with runtime_of(app).db.transaction() as session:
        candidate = session.get(Candidate, files.world.candidate_id)
        # A production whose job row is gone: its reference's text cannot be shown, only its digest.
        record(
            session,
            user_in(session, files.officer),
            Event.PRODUCTION_CONTENT_OPENED,
            subject=candidate,
            production="job-999",
            purpose="records_request",
            version="released",
            reference_sha256="0" * 64,
        )
    with runtime_of(app).db.transaction() as session:
        actor = user_in(session, files.officer)
        evidence = custody.evidence_custody(session, actor, files.first)
        consent = custody.consent_custody(session, actor, files.world.candidate_id)
    [withheld] = evidence.productions
    [included] = consent.productions
    assert (withheld.production, withheld.in_bundle, withheld.reference) == ("job-999", False, None)
    assert included.in_bundle is True
    assert "the file itself withheld" in evidence.lines[-1].note


def test_a_receipt_whose_row_no_longer_matches_the_chain_is_flagged(app: Flask, files: Files) -> None:
    with runtime_of(app).db.transaction() as session:
        evidence = session.get(Evidence, files.first)
        assert evidence is not None
        evidence.sha256 = "f" * 64
    with runtime_of(app).db.transaction() as session:
        found = custody.evidence_custody(session, user_in(session, files.officer), files.first)
    assert found.received.matches_chain is False


def test_who_may_read_and_what_is_missing(app: Flask, files: Files) -> None:
    """Board members never (403), another cycle's investigator sees nothing (404), unknown ids and a
    candidate without a signed form are 404."""
    world = files.world
    with runtime_of(app).db.transaction() as session:
        with pytest.raises(Forbidden):
            custody.evidence_custody(session, user_in(session, world.board), files.first)
        with pytest.raises(NotFound):
            custody.evidence_custody(session, user_in(session, world.outsider), files.first)
        with pytest.raises(NotFound):
            custody.evidence_custody(session, user_in(session, files.officer), 999_999)
        assert custody.evidence_custody(session, user_in(session, world.inv), files.first).kind == "evidence"
        assert custody.evidence_custody(session, user_in(session, world.auditor), files.first).kind == "evidence"
        assert custody.evidence_custody(session, user_in(session, world.admin), files.first).kind == "evidence"
    unsigned = add_candidate(app, world.outsider, world.other_cycle_id, "Sam Unsigned")
    with runtime_of(app).db.transaction() as session, pytest.raises(NotFound, match="No consent"):
        custody.consent_custody(session, user_in(session, files.officer), unsigned)


def test_a_minimised_captures_history_is_read_from_the_chain_after_its_row_is_gone(app: Flask, files: Files) -> None:
    """RET-11: a minimisation deletes the finding's evidence rows and files; the history stays
    readable from the chain's record of the receipt and the finding's tombstone, and the
    candidate's list of files still names the capture. The
    minimisation's rows and events are written here as its service leaves them."""
    world = files.world
    approver = make_user(app, "records2@x.test", Role.RECORDS_OFFICER, name="Remy Records")
    with runtime_of(app).db.transaction() as session:
        evidence = session.get(Evidence, files.first)
        assert evidence is not None
        finding_id, digest = evidence.finding_id, evidence.sha256
        officer = user_in(session, files.officer)
        row = Minimisation(
            status=MinimisationStatus.PROPOSED, citation="RET-11", proposed_by_id=officer.id, approved_by_id=None
        )
        session.add(row)
        session.flush()
        session.add(
            MinimisedFinding(
                minimisation_id=row.id,
                finding_id=finding_id,
                candidate_id=world.candidate_id,
                cycle_id=world.cycle_id,
                candidate_code=evidence.finding.candidate.code,
                reason=MinimisationReason.REFUTED,
                trigger_date=today(),
                due_on=today(),
                files_deleted=0,
            )
        )
        record(session, officer, Event.RECORDS_MINIMISATION_PROPOSED, subject=row, findings=[finding_id])
        minimisation_id = row.id
    with runtime_of(app).db.transaction() as session:
        proposed = custody.evidence_custody(session, user_in(session, files.officer), files.first)
    assert proposed.disposition is not None
    assert (proposed.disposition.kind, proposed.disposition.status) == ("minimisation", "proposed")
    with runtime_of(app).db.transaction() as session:
        row = session.get(Minimisation, minimisation_id)
        assert row is not None
        row.status, row.approved_by_id, row.minimised_at = MinimisationStatus.MINIMISED, approver.id, utcnow()
        member = session.scalar(select(MinimisedFinding).where(MinimisedFinding.finding_id == finding_id))
        assert member is not None
        member.destroyed = {"sealed": {}, "files": [{"kind": "evidence", "sha256": digest, "size": 1}]}
        session.execute(delete(Evidence).where(Evidence.finding_id == finding_id))
        record(session, user_in(session, approver), Event.RECORDS_MINIMISED, subject=row, findings=[finding_id])
    with runtime_of(app).db.transaction() as session:
        found = custody.evidence_custody(session, user_in(session, world.auditor), files.first)
        listed = custody.candidate_files(session, user_in(session, world.auditor), world.candidate_id)
        assert _queued(session) == []
    # Both captures of the finding went; the list still names them, each to its history.
    assert [(f.kind, f.evidence_id, f.removed) for f in listed.files] == [
        ("consent", None, False),
        ("evidence", files.first, True),
        ("evidence", files.second, True),
    ]
    assert listed.files[1].sha256 == digest
    assert [line.step for line in found.lines] == ["received", "minimisation proposed", "minimised"]
    assert found.lines[-1].note == f"minimisation {minimisation_id}"
    assert (found.received.sha256, found.received.by, found.received.content_type) == (
        digest,
        "Ivy Investigator",
        "image/png",
    )
    assert found.disposition is not None
    assert (found.disposition.kind, found.disposition.status, found.disposition.approved_by) == (
        "minimisation",
        "minimised",
        "Remy Records",
    )
    assert found.disposition.file_deleted
    assert "minimisation" in found.sealed_note
    with runtime_of(app).db.transaction() as session, pytest.raises(NotFound):
        custody.evidence_custody(session, user_in(session, world.auditor), files.second + 1000)
