"""Cycles: create, pin the checklist, open and close, assign investigators and board members."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue
from flask_login import current_user

from vetting.api.registry import moment, page_fields, parse, route
from vetting.api.schemas import AssignmentCreate, CycleCreate, CycleStatusChange, CycleUpdate
from vetting.http.access import SIGNED_IN
from vetting.http.args import page_args
from vetting.http.runtime import transaction
from vetting.models import Assignment, Cycle, CycleStatus
from vetting.policy import Action
from vetting.services import checklists, cycles


def assignment_json(a: Assignment) -> dict[str, Any]:
    return {"user_id": a.user_id, "name": a.user.name, "role": a.duty.value, "assigned_at": moment(a.created_at)}


def cycle_json(cycle: Cycle) -> dict[str, Any]:
    return {
        "id": cycle.id,
        "title": cycle.title,
        "position": cycle.position,
        "blind_review": cycle.blind_review,
        "status": cycle.status.value,
        "created_at": moment(cycle.created_at),
        "opened_at": moment(cycle.opened_at),
        "closed_at": moment(cycle.closed_at),
        "checklist_version_id": cycle.checklist_version_id,
        "checklist": cycle.checklist_version.label if cycle.checklist_version else None,
        "identity_match_minimum": cycle.identity_match_minimum,
        "assignments": [assignment_json(a) for a in cycle.current_assignments],
        "board_rules": {
            "decision_rule": cycle.decision_rule.value,
            "decision_quorum": cycle.decision_quorum,
            "chair_user_id": cycle.chair_id,
            "response_days": cycle.response_days,
            "fcra_mode": cycle.fcra_mode,
            "cra_name": cycle.cra_name,
            "cra_address": cycle.cra_address,
            "cra_phone": cycle.cra_phone,
        },
    }


@route("GET", "/cycles", "Cycles the caller may see, newest first", SIGNED_IN, paged=True)
def cycle_list() -> ResponseReturnValue:
    page = page_args()
    with transaction() as session:
        rows = cycles.cycles_page(session, current_user, page)
        return jsonify({"cycles": [cycle_json(c) for c in rows.items], **page_fields(rows)})


@route("POST", "/cycles", "Create a cycle (draft)", Action.CYCLES_MANAGE, body=CycleCreate, errors=(422,), success=201)
def cycle_create() -> ResponseReturnValue:
    data = parse(CycleCreate)
    with transaction() as session:
        cycle = cycles.create_cycle(
            session,
            current_user,
            title=data.title,
            position=data.position or data.title,
            blind_review=data.blind_review,
        )
        if data.checklist_version_id is not None or data.identity_match_minimum != cycle.identity_match_minimum:
            checklists.set_cycle_checklist(
                session, current_user, cycle.id, data.checklist_version_id, data.identity_match_minimum
            )
        return jsonify(cycle_json(cycle)), 201


@route(
    "PATCH",
    "/cycles/{cycle_id}",
    "Pin the checklist version and identity-match minimum (draft cycles only; 409 checklist_locked)",
    Action.CYCLES_MANAGE,
    body=CycleUpdate,
    errors=(404, 409, 422),
)
def cycle_update(cycle_id: int) -> ResponseReturnValue:
    data = parse(CycleUpdate)
    with transaction() as session:
        cycle = checklists.set_cycle_checklist(
            session, current_user, cycle_id, data.checklist_version_id, data.identity_match_minimum
        )
        return jsonify(cycle_json(cycle))


@route("GET", "/cycles/{cycle_id}", "One cycle", SIGNED_IN, errors=(404,))
def cycle_get(cycle_id: int) -> ResponseReturnValue:
    with transaction() as session:
        cycle = cycles.get_cycle(session, current_user, cycle_id)
        return jsonify(cycle_json(cycle))


@route(
    "POST",
    "/cycles/{cycle_id}/status",
    "Open or close a cycle",
    Action.CYCLES_MANAGE,
    body=CycleStatusChange,
    errors=(404, 409, 422),
)
def cycle_status(cycle_id: int) -> ResponseReturnValue:
    data = parse(CycleStatusChange)
    with transaction() as session:
        cycle = cycles.change_status(session, current_user, cycle_id, CycleStatus(data.status))
        return jsonify(cycle_json(cycle))


@route(
    "POST",
    "/cycles/{cycle_id}/assignments",
    "Assign a user as investigator or board member (409 separation_of_duties)",
    Action.CYCLES_MANAGE,
    body=AssignmentCreate,
    errors=(404, 409, 422),
    success=201,
)
def cycle_assign(cycle_id: int) -> ResponseReturnValue:
    data = parse(AssignmentCreate)
    with transaction() as session:
        assignment = cycles.assign(session, current_user, cycle_id, data.user_id, data.role)
        body = assignment_json(assignment)
        return jsonify(body), 201


@route(
    "DELETE",
    "/cycles/{cycle_id}/assignments/{user_id}",
    "Remove an assignment",
    Action.CYCLES_MANAGE,
    errors=(404, 409),
)
def cycle_unassign(cycle_id: int, user_id: int) -> ResponseReturnValue:
    with transaction() as session:
        cycles.unassign(session, current_user, cycle_id, user_id)
        return jsonify({"removed": True})
