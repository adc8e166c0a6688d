"""Records rows to test against (issue 15): a retention schedule proposal, a proposed disposition
and a proposed minimisation."""

from __future__ import annotations

from flask import Flask

from tests.support import Person, runtime_of
from tests.web.world import user_in
from vetting.clock import today
from vetting.models import (
    Candidate,
    Disposition,
    DispositionStatus,
    Finding,
    Minimisation,
    MinimisationReason,
    MinimisationStatus,
    MinimisedFinding,
)
from vetting.services import retention

#: A retention schedule a records officer would propose: as the API's JSON and as the page's form.
SCHEDULE = {c.value: e.as_dict() for c, e in retention.DEFAULTS.items()}
SCHEDULE_FORM = {f"classes-{c}-{k}": str(v) for c, e in SCHEDULE.items() for k, v in e.items()}


def proposal_and_disposition(app: Flask, admin: Person, candidate_id: int) -> tuple[int, int]:
    """A schedule proposal awaiting approval, and a disposition of ``candidate_id`` awaiting approval
    (written as the row, since the candidate is not due: the walk needs only a real id)."""
    with runtime_of(app).db.transaction() as session:
        actor = user_in(session, admin)
        defaults = {c.value: e.as_dict() for c, e in retention.DEFAULTS.items()}
        proposal_id = retention.propose_schedule(session, actor, defaults).id
        candidate = session.get(Candidate, candidate_id)
        assert candidate is not None
        row = Disposition(
            candidate_id=candidate.id,
            cycle_id=candidate.cycle_id,
            candidate_code=candidate.code,
            status=DispositionStatus.PROPOSED,
            retention_class="candidate_file",
            trigger_date=today(),
            due_on=today(),
            citation=retention.EEO_CITATION,
            proposed_by_id=actor.id,
            files_deleted=0,
        )
        session.add(row)
        session.flush()
        return proposal_id, row.id


def proposed_minimisation(app: Flask, admin: Person, finding_id: int) -> int:
    """A minimisation of ``finding_id`` awaiting approval (written as the rows, since the finding
    is neither minimisable nor due: the walk needs only a real id)."""
    with runtime_of(app).db.transaction() as session:
        actor = user_in(session, admin)
        finding = session.get(Finding, finding_id)
        assert finding is not None
        row = Minimisation(
            status=MinimisationStatus.PROPOSED, citation=retention.MINIMISATION_CITATION, proposed_by_id=actor.id
        )
        row.findings.append(
            MinimisedFinding(
                finding_id=finding.id,
                candidate_id=finding.candidate_id,
                cycle_id=finding.candidate.cycle_id,
                candidate_code=finding.candidate.code,
                reason=MinimisationReason.REFUTED,
                trigger_date=today(),
                due_on=today(),
                files_deleted=0,
            )
        )
        session.add(row)
        session.flush()
        return row.id


def production_body(candidate_id: int) -> dict[str, object]:
    """A production bundle a records officer would start (issue 15 point 5), as the API's JSON."""
    return {
        "candidate_ids": [candidate_id],
        "purpose": "records_request",
        "reference": "PRA-2026-041",
        "version": "released",
        "prefix": "VET",
    }


def production_form(candidate_id: int) -> dict[str, str]:
    """The same production as the page's form."""
    return {k: str(candidate_id) if k == "candidate_ids" else str(v) for k, v in production_body(candidate_id).items()}
