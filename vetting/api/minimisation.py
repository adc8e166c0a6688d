"""Minimisation (issue 15 point 3, RET-11): findings that never reach the board, purged early."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from pydantic import Field

from vetting.api.registry import day, moment, page_fields, parse, route
from vetting.api.schemas import Body, RowId
from vetting.errors import ValidationFailed
from vetting.http.args import page_args
from vetting.http.runtime import runtime, transaction
from vetting.models import Minimisation, MinimisedFinding
from vetting.policy import Action
from vetting.services import minimisation


class MinimisationBody(Body):
    finding_ids: list[RowId] = Field(
        min_length=1,
        max_length=minimisation.MAX_BATCH,
        description="Findings past their minimisation date: refuted, withdrawn or of a never-reported category.",
    )


def _finding_json(row: minimisation.FindingRetention) -> dict[str, Any]:
    return {
        "finding_id": row.finding_id,
        "candidate_id": row.candidate_id,
        "code": row.code,
        "cycle_id": row.cycle_id,
        "reason": row.reason.value if row.reason else None,
        "retention_class": row.retention_class,
        "citation": row.citation,
        "trigger_date": day(row.trigger_date),
        "minimisation_date": day(row.due_on),
        "waiting_for": row.waiting_for,
        "minimisation_id": row.minimisation_id,
        "status": row.status.value if row.status else None,
    }


def _member_json(row: MinimisedFinding) -> dict[str, Any]:
    return {
        "finding_id": row.finding_id,
        "candidate_id": row.candidate_id,
        "candidate_code": row.candidate_code,
        "cycle_id": row.cycle_id,
        "reason": row.reason.value,
        "trigger_date": day(row.trigger_date),
        "minimisation_date": day(row.due_on),
        "files_deleted": row.files_deleted,
        "destroyed": row.destroyed,
    }


def _minimisation_json(row: Minimisation, *, members: bool = True) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": row.id,
        "status": row.status.value,
        "schedule_id": row.schedule_id,
        "citation": row.citation,
        "proposed_by": row.proposed_by_id,
        "proposed_at": moment(row.proposed_at),
        "approved_by": row.approved_by_id,
        "minimised_at": moment(row.minimised_at),
    }
    if members:
        found["findings"] = [_member_json(m) for m in row.findings]
    return found


_CYCLE = ("cycle_id", {"type": "integer", "minimum": 1}, "Only this cycle's findings")


def _cycle_arg() -> int | None:
    raw = (request.args.get("cycle_id") or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 2**31 - 1:
        raise ValidationFailed("cycle_id: a cycle's id.", field="cycle_id")
    return int(raw)


def _findings(due_only: bool) -> ResponseReturnValue:
    page, cycle_id = page_args(), _cycle_arg()
    with transaction() as session:
        rows = minimisation.findings_page(session, current_user, page, due_only=due_only, cycle_id=cycle_id)
        return jsonify({"findings": [_finding_json(r) for r in rows.items], **page_fields(rows)})


@route(
    "GET",
    "/retention/findings",
    "Findings that never reach the board (refuted, withdrawn, never reported) with their minimisation date",
    Action.RECORDS_READ,
    paged=True,
    query=(_CYCLE,),
)
def retention_findings() -> ResponseReturnValue:
    return _findings(due_only=False)


@route(
    "GET",
    "/retention/findings/due",
    "Findings past their minimisation date, in no proposal and on no legal hold (RET-11, RET-02)",
    Action.RECORDS_READ,
    paged=True,
    query=(_CYCLE,),
)
def retention_findings_due() -> ResponseReturnValue:
    return _findings(due_only=True)


@route(
    "POST",
    "/minimisations",
    "Propose minimising due findings (content overwritten, evidence deleted); a second person approves",
    Action.RECORDS_DISPOSE,
    body=MinimisationBody,
    errors=(404, 409, 422),
    success=201,
)
def minimisation_propose() -> ResponseReturnValue:
    data = parse(MinimisationBody)
    with transaction() as session:
        row = minimisation.propose(session, current_user, data.finding_ids)
        return jsonify(_minimisation_json(row)), 201


_STATUS = ("status", {"type": "string", "enum": ["proposed", "minimised"]}, "Only minimisations in this state")


@route(
    "GET",
    "/minimisations",
    "Minimisations, newest first (proposed ones await a second person)",
    Action.RECORDS_READ,
    paged=True,
    query=(_STATUS,),
)
def minimisation_list() -> ResponseReturnValue:
    page = page_args()
    raw = (request.args.get("status") or "").strip()
    if raw and raw not in ("proposed", "minimised"):
        raise ValidationFailed("status: proposed or minimised.", field="status")
    with transaction() as session:
        rows = minimisation.minimisations_page(session, current_user, page, raw or None)
        listed = [_minimisation_json(r, members=False) for r in rows.items]
        return jsonify({"minimisations": listed, **page_fields(rows)})


@route(
    "GET",
    "/minimisations/{minimisation_id}",
    "A minimisation and its findings' tombstones",
    Action.RECORDS_READ,
    errors=(404,),
)
def minimisation_get(minimisation_id: int) -> ResponseReturnValue:
    with transaction() as session:
        return jsonify(_minimisation_json(minimisation.get(session, current_user, minimisation_id)))


@route(
    "POST",
    "/minimisations/{minimisation_id}/approve",
    "Approve and carry out a minimisation: the findings' content overwritten, evidence deleted, "
    "a tombstone each. Irreversible; not by its proposer (409 second_person_required)",
    Action.RECORDS_DISPOSE,
    errors=(404, 409),
)
def minimisation_approve(minimisation_id: int) -> ResponseReturnValue:
    with transaction() as session:
        row = minimisation.approve(
            session, current_user, runtime().security, runtime().store, minimisation_id, results=runtime().queue.results
        )
        return jsonify(_minimisation_json(row))
