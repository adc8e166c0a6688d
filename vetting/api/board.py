"""JSON API of the hiring board: released, redacted summaries only (R2, R3, PRODUCT.md §5)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from vetting.api.registry import day, moment, page_fields, route
from vetting.errors import ValidationFailed
from vetting.http.args import page_args
from vetting.http.documents import summary_pdf_response
from vetting.http.runtime import runtime, transaction
from vetting.policy import Action
from vetting.services import board
from vetting.services.candidates import STAGES
from vetting.services.released import BoardFinding


def candidate_json(c: board.BoardCandidate) -> dict[str, Any]:
    listed: dict[str, Any] = {"id": c.id, "code": c.code, "name": c.name, "stage": c.stage}
    if not c.search_completed:
        # R1: before the search is closed the board sees the stage and nothing else.
        return {**listed, "search_completed": False}
    return {
        **listed,
        "search_completed": True,
        "checklist": {"resolved": c.resolved, "total": c.total},
        "released_findings": {category.value: n for category, n in c.released.items()},
        "awaiting_my_recommendation": c.awaits_me,
    }


def finding_json(f: BoardFinding) -> dict[str, Any]:
    return {
        "finding_id": f.finding_id,
        "release_id": f.release_id,
        "revision": f.revision,
        "checklist_item": f.item_title,
        "behaviour_category": f.category.value,
        "platform": f.platform,
        "content_date": day(f.content_date),
        "summary": f.summary,
        "excerpt": f.excerpt,
        "authorship": f.authorship.value,
        "validation_status": f.validation_status.value,
        "disputed": f.disputed,
        "identity_match": {"identifiers": f.identity_matches, "minimum": f.identity_match_minimum},
        "released_at": moment(f.released_at),
    }


@route(
    "GET",
    "/board/cycles/{cycle_id}/candidates",
    "The cycle's candidates as its board sees them (by code in blind cycles); a candidate whose search is not "
    "closed shows its stage only (R1); awaiting_my_recommendation: the caller sits on the board and has not "
    "recommended on this candidate, who is open for recommendations",
    Action.BOARD_READ,
    errors=(404,),
    paged=True,
    query=(
        ("sort", {"type": "string", "enum": list(board.SORTS)}, "The order (by code when left out)"),
        ("stage", {"type": "string", "enum": list(STAGES)}, "Only candidates at this stage"),
        ("waiting", {"type": "string", "enum": ["1"]}, "1: only those waiting on the caller's recommendation"),
    ),
)
def board_candidates(cycle_id: int) -> ResponseReturnValue:
    sort = request.args.get("sort") or "candidate"
    if sort not in board.SORTS:
        raise ValidationFailed(f"sort: one of {', '.join(board.SORTS)}.", field="sort")
    stage = request.args.get("stage") or ""
    if stage and stage not in STAGES:
        raise ValidationFailed(f"stage: one of {', '.join(STAGES)}.", field="stage")
    page = page_args()
    with transaction() as session:
        view = board.cycle_overview(
            session,
            current_user,
            runtime().security,
            cycle_id,
            sort=sort,
            stage=stage,
            waiting_only=request.args.get("waiting") == "1",
            page=page,
        )
        body = {
            "cycle": {
                "id": view.id,
                "title": view.title,
                "position": view.position,
                "blind_review": view.blind_review,
                "checklist": view.checklist_label,
            },
            "candidates": [candidate_json(c) for c in view.candidates],
            "waiting_on_me": view.waiting,
            **page_fields(view.page),
        }
    return jsonify(body)


@route(
    "GET",
    "/board/candidates/{candidate_id}/summary",
    "A candidate's released summary: redacted findings grouped by behaviour category; each finding the "
    "candidate disputes is marked (disputed); 409 search_not_complete before the search is closed (R1)",
    Action.BOARD_READ,
    errors=(404, 409),
)
def board_summary(candidate_id: int) -> ResponseReturnValue:
    with transaction() as session:
        view = board.summary(session, current_user, runtime().security, candidate_id)
        search = view.search
        body = {
            "cycle": {"id": view.cycle_id, "title": view.cycle_title, "blind_review": view.blind_review},
            "candidate": candidate_json(view.candidate),
            "search": {
                "checklist": search.checklist_label,
                "items": search.total,
                "resolved": search.resolved,
                "by_status": {s.value: n for s, n in search.by_status.items()},
                "search_completed": search.search_completed,
            },
            "groups": [
                {"behaviour_category": c.value, "label": c.label, "findings": [finding_json(f) for f in group]}
                for c, group in view.groups
            ],
        }
    return jsonify(body)


@route(
    "GET",
    "/board/candidates/{candidate_id}/summary.pdf",
    "The released summary as a PDF; its SHA-256 is recorded in the audit log; 409 search_not_complete before "
    "the search is closed (R1)",
    Action.BOARD_READ,
    errors=(404, 409),
    produces="application/pdf",
)
def board_summary_pdf(candidate_id: int) -> ResponseReturnValue:
    return summary_pdf_response(candidate_id)
