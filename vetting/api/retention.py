"""Records retention (issue 15): the agency's schedule, the candidates due, their dispositions."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from pydantic import Field, StrictInt

from vetting.api.registry import day, moment, page_fields, parse, route
from vetting.api.schemas import Body, RowId
from vetting.errors import ValidationFailed
from vetting.http.access import SIGNED_IN
from vetting.http.args import page_args
from vetting.http.documents import destruction_certificate_response
from vetting.http.runtime import runtime, transaction
from vetting.models import Disposition, RetentionClass, RetentionSchedule, Trigger
from vetting.policy import Action
from vetting.services import disposition, retention


class ClassBody(Body):
    period_days: StrictInt = Field(description="Days kept after the trigger; never below the class's legal floor.")
    trigger: Trigger
    citation: str = Field(min_length=1, max_length=retention.MAX_CITATION)


class ScheduleBody(Body):
    """Every class at once (a proposal replaces the whole schedule; a second person approves it)."""

    classes: dict[RetentionClass, ClassBody]


class DispositionBody(Body):
    candidate_id: RowId


def _schedule_json(schedule: retention.Schedule) -> dict[str, Any]:
    return {
        "id": schedule.id,
        "classes": schedule.as_dict(),
        "approved_by": schedule.approved_by_id,
        "approved_at": moment(schedule.approved_at),
    }


def _proposal_json(row: RetentionSchedule) -> dict[str, Any]:
    return {
        "id": row.id,
        "status": row.status.value,
        "classes": row.entries,
        "proposed_by": row.proposed_by_id,
        "proposed_at": moment(row.proposed_at),
        "approved_by": row.approved_by_id,
        "approved_at": moment(row.approved_at),
    }


def _floors() -> dict[str, Any]:
    return {
        **{c.value: {"days": d, "citation": text} for c, (d, text) in retention.FLOORS.items()},
        "fcra_mode": {"days": retention.FCRA_DAYS, "citation": retention.FCRA_CITATION},
    }


def _candidate_json(row: retention.CandidateRetention) -> dict[str, Any]:
    return {
        "candidate_id": row.candidate_id,
        "code": row.code,
        "cycle_id": row.cycle_id,
        "retention_class": row.retention_class,
        "citation": row.citation,
        "trigger_date": day(row.trigger_date),
        "disposition_date": day(row.due_on),
        "waiting_for": row.waiting_for,
        "disposed": row.disposed,
        "disposition": row.disposition,
    }


def _disposition_json(row: Disposition) -> dict[str, Any]:
    return {
        "id": row.id,
        "candidate_id": row.candidate_id,
        "candidate_code": row.candidate_code,
        "cycle_id": row.cycle_id,
        "status": row.status.value,
        "retention_class": row.retention_class,
        "citation": row.citation,
        "trigger_date": day(row.trigger_date),
        "disposition_date": day(row.due_on),
        "schedule_id": row.schedule_id,
        "proposed_by": row.proposed_by_id,
        "proposed_at": moment(row.proposed_at),
        "approved_by": row.approved_by_id,
        "disposed_at": moment(row.disposed_at),
        "destroyed": row.destroyed,
    }


@route(
    "GET",
    "/retention/schedule",
    "The retention schedule in force, its floors and any pending proposal",
    Action.RECORDS_READ,
)
def schedule_get() -> ResponseReturnValue:
    with transaction() as session:
        state = retention.schedule_state(session, current_user)
        return jsonify(
            {
                "schedule": _schedule_json(state.current),
                "floors": _floors(),
                "pending": _proposal_json(state.pending) if state.pending else None,
            }
        )


@route(
    "POST",
    "/retention/schedule/proposals",
    "Propose a retention schedule (every class; never below a legal floor); a second person approves it",
    Action.RETENTION_MANAGE,
    body=ScheduleBody,
    errors=(422,),
    success=201,
)
def schedule_propose() -> ResponseReturnValue:
    data = parse(ScheduleBody)
    raw = {c.value: e.model_dump(mode="json") for c, e in data.classes.items()}
    with transaction() as session:
        return jsonify(_proposal_json(retention.propose_schedule(session, current_user, raw))), 201


@route(
    "POST",
    "/retention/schedule/proposals/{proposal_id}/approve",
    "Approve a proposed schedule (not its proposer: 409 second_person_required)",
    Action.RETENTION_MANAGE,
    errors=(404, 409),
)
def schedule_approve(proposal_id: int) -> ResponseReturnValue:
    with transaction() as session:
        return jsonify(_proposal_json(retention.approve_schedule(session, current_user, proposal_id)))


_CYCLE = ("cycle_id", {"type": "integer", "minimum": 1}, "Only this cycle's candidates")


def _cycle_arg() -> int | None:
    raw = (request.args.get("cycle_id") or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 2**31 - 1:
        raise ValidationFailed("cycle_id: a cycle's id.", field="cycle_id")
    return int(raw)


@route(
    "GET",
    "/retention/candidates",
    "Every candidate's retention class, trigger date and earliest disposition date",
    Action.RECORDS_READ,
    paged=True,
    query=(_CYCLE,),
)
def retention_candidates() -> ResponseReturnValue:
    page, cycle_id = page_args(), _cycle_arg()
    with transaction() as session:
        rows = retention.candidates_page(session, current_user, page, due_only=False, cycle_id=cycle_id)
        return jsonify({"candidates": [_candidate_json(r) for r in rows.items], **page_fields(rows)})


@route(
    "GET",
    "/retention/due",
    "Candidates past their disposition date and not disposed",
    Action.RECORDS_READ,
    paged=True,
    query=(_CYCLE,),
)
def retention_due() -> ResponseReturnValue:
    page, cycle_id = page_args(), _cycle_arg()
    with transaction() as session:
        rows = retention.candidates_page(session, current_user, page, due_only=True, cycle_id=cycle_id)
        return jsonify({"candidates": [_candidate_json(r) for r in rows.items], **page_fields(rows)})


@route(
    "POST",
    "/dispositions",
    "Propose a due candidate's disposition (crypto-shredding; a second person approves)",
    Action.RECORDS_DISPOSE,
    body=DispositionBody,
    errors=(404, 409, 422),
    success=201,
)
def disposition_propose() -> ResponseReturnValue:
    data = parse(DispositionBody)
    with transaction() as session:
        return jsonify(_disposition_json(disposition.propose(session, current_user, data.candidate_id))), 201


_STATUS = ("status", {"type": "string", "enum": ["proposed", "disposed"]}, "Only dispositions in this state")


@route(
    "GET",
    "/dispositions",
    "Dispositions, newest first (proposed ones await a second person)",
    Action.RECORDS_READ,
    paged=True,
    query=(_STATUS,),
)
def disposition_list() -> ResponseReturnValue:
    page = page_args()
    raw = (request.args.get("status") or "").strip()
    if raw and raw not in ("proposed", "disposed"):
        raise ValidationFailed("status: proposed or disposed.", field="status")
    with transaction() as session:
        rows = disposition.dispositions_page(session, current_user, page, raw or None)
        return jsonify({"dispositions": [_disposition_json(r) for r in rows.items], **page_fields(rows)})


@route("GET", "/dispositions/{disposition_id}", "A disposition and its tombstone", Action.RECORDS_READ, errors=(404,))
def disposition_get(disposition_id: int) -> ResponseReturnValue:
    with transaction() as session:
        return jsonify(_disposition_json(disposition.get(session, current_user, disposition_id)))


@route(
    "GET",
    "/candidates/{candidate_id}/tombstone",
    "A disposed candidate's tombstone, for whoever sees the cycle and records readers (the candidate's content "
    "routes answer 409 candidate_erased); 404 not_disposed while the records exist",
    SIGNED_IN,
    errors=(404,),
)
def candidate_tombstone(candidate_id: int) -> ResponseReturnValue:
    with transaction() as session:
        found = disposition.tombstone(session, current_user, candidate_id)
        return jsonify(
            {
                **_disposition_json(found.row),
                "cycle_title": found.cycle_title,
                "retention_class_label": found.class_label,
                "proposed_by_name": found.proposed_by,
                "approved_by_name": found.approved_by,
            }
        )


@route(
    "GET",
    "/dispositions/{disposition_id}/certificate.pdf",
    "The certificate of destruction as a PDF (its SHA-256 is audited); 409 not_disposed before approval",
    Action.RECORDS_READ,
    errors=(404, 409),
    produces="application/pdf",
)
def disposition_certificate(disposition_id: int) -> ResponseReturnValue:
    return destruction_certificate_response(disposition_id)


@route(
    "POST",
    "/dispositions/{disposition_id}/approve",
    "Approve and carry out a disposition: the data key destroyed, files deleted, a tombstone kept. Irreversible.",
    Action.RECORDS_DISPOSE,
    errors=(404, 409),
)
def disposition_approve(disposition_id: int) -> ResponseReturnValue:
    with transaction() as session:
        row = disposition.approve(
            session, current_user, runtime().security, runtime().store, disposition_id, results=runtime().queue.results
        )
        return jsonify(_disposition_json(row))
