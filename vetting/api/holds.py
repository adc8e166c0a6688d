"""Legal holds over the API (issue 15 point 2; RET-02, RET-03): list and read them (auditors,
administrators, records officers), place one, and release one as a second person."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from pydantic import Field

from vetting.api.registry import day, moment, page_fields, parse, route
from vetting.api.schemas import SENSIBLE_DATE, WRITTEN, Body, RowId
from vetting.http.args import page_args
from vetting.http.runtime import transaction
from vetting.policy import Action
from vetting.services import holds


class PositionBody(Body):
    position: str = Field(min_length=1, max_length=holds.MAX_MATTER, description="As a cycle states it.")
    from_date: date = Field(json_schema_extra=SENSIBLE_DATE, description="First day of the range (inclusive).")
    to_date: date | None = Field(
        default=None,
        json_schema_extra=SENSIBLE_DATE,
        description="Last day of the range (inclusive), not before from_date; omit for no end.",
    )


class HoldCreate(Body):
    matter: str = Field(min_length=1, max_length=holds.MAX_MATTER)
    reference: str = Field(min_length=1, max_length=holds.MAX_REFERENCE)
    reason: str = Field(min_length=holds.MIN_REASON, max_length=holds.MAX_TEXT)
    review_by: date | None = Field(default=None, json_schema_extra=SENSIBLE_DATE, description="Not in the past.")
    cycle_ids: list[RowId] = Field(default_factory=list, max_length=holds.MAX_SCOPE_PARTS)
    candidate_ids: list[RowId] = Field(default_factory=list, max_length=holds.MAX_SCOPE_PARTS)
    positions: list[PositionBody] = Field(default_factory=list, max_length=holds.MAX_SCOPE_PARTS)


class HoldRelease(Body):
    reason: str = Field(
        min_length=holds.MIN_REASON,
        max_length=holds.MAX_TEXT,
        json_schema_extra=WRITTEN,
        description="The matter's final disposition.",
    )


def hold_json(view: holds.HoldView) -> dict[str, Any]:
    return {
        "id": view.id,
        "matter": view.matter,
        "reference": view.reference,
        "reason": view.reason,
        "review_by": day(view.review_by),
        "status": "active" if view.active else "released",
        "placed_by": {"id": view.placed_by_id, "name": view.placed_by},
        "placed_at": moment(view.placed_at),
        "released_by": {"id": view.released_by_id, "name": view.released_by} if view.released_by_id else None,
        "released_at": moment(view.released_at),
        "release_reason": view.release_reason,
        "scope": [
            {
                "kind": s.kind.value,
                "label": s.label,
                "cycle_id": s.cycle_id,
                "candidate_id": s.candidate_id,
                "position": s.position,
                "from_date": day(s.from_date),
                "to_date": day(s.to_date),
            }
            for s in view.scopes
        ],
        "url": url_for("api.hold_detail", hold_id=view.id),
    }


def detail_json(detail: holds.HoldDetail) -> dict[str, Any]:
    return {
        **hold_json(detail.hold),
        "held_candidates": {
            "total": detail.held_total,
            "by_cycle": [{"cycle_id": i, "title": t, "count": n} for i, t, n in detail.held],
        },
    }


@route(
    "GET",
    "/holds",
    "Legal holds, newest first (RET-02); ?status=active or released narrows the list",
    Action.RECORDS_READ,
    paged=True,
    query=(("status", {"type": "string", "enum": list(holds.STATUSES), "default": "all"}, "Which holds"),),
)
def hold_list() -> ResponseReturnValue:
    page = page_args()
    status = request.args.get("status", "all")
    with transaction() as session:
        views = holds.list_holds(session, current_user, page, status)
        return jsonify({"holds": [hold_json(v) for v in views.items], **page_fields(views)})


@route(
    "POST",
    "/holds",
    "Place a legal hold on cycles, candidates and positions over a date range (RET-02, RET-03): their "
    "candidates' records are not edited away or disposed of until a second person releases it. 422 names the "
    "field (an empty scope is `scope`, unknown ids are named); 409 separation_of_duties for a cycle the caller "
    "searches or decides in",
    Action.HOLDS_MANAGE,
    body=HoldCreate,
    errors=(409, 422),
    success=201,
)
def hold_place() -> ResponseReturnValue:
    body = parse(HoldCreate)
    data = holds.HoldInput(
        matter=body.matter,
        reference=body.reference,
        reason=body.reason,
        review_by=body.review_by,
        cycle_ids=body.cycle_ids,
        candidate_ids=body.candidate_ids,
        positions=[holds.PositionScope(p.position, p.from_date, p.to_date) for p in body.positions],
    )
    with transaction() as session:
        hold = holds.place_hold(session, current_user, data)
        detail = holds.get_hold(session, current_user, hold.id)
    payload = detail_json(detail)
    return jsonify(payload), 201, {"Location": payload["url"]}


@route(
    "GET",
    "/holds/{hold_id}",
    "One legal hold: its matter, scope, placement and release, and how many candidates it reaches per cycle",
    Action.RECORDS_READ,
    errors=(404,),
)
def hold_detail(hold_id: int) -> ResponseReturnValue:
    with transaction() as session:
        detail = holds.get_hold(session, current_user, hold_id)
    return jsonify(detail_json(detail))


@route(
    "POST",
    "/holds/{hold_id}/release",
    "Release a legal hold (its matter reached final disposition): a second person only, 409 "
    "second_person_required for whoever placed it; 409 hold_released when it already was",
    Action.HOLDS_MANAGE,
    body=HoldRelease,
    errors=(404, 409, 422),
)
def hold_release(hold_id: int) -> ResponseReturnValue:
    body = parse(HoldRelease)
    with transaction() as session:
        holds.release_hold(session, current_user, hold_id, body.reason)
        detail = holds.get_hold(session, current_user, hold_id)
    return jsonify(detail_json(detail))
