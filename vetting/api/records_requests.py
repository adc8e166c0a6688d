"""Public-records requests over the API (issue 15 point 4; RET-10): the log (administrators,
auditors and records officers read it), intake, the working copy of released text, exemptions by
code, prepare, second-person approval, release and close (records officers)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from flask import jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from pydantic import Field

from vetting.api.registry import day, moment, page_fields, parse, route
from vetting.api.schemas import SENSIBLE_DATE, WRITTEN, Body, RowId
from vetting.http.args import page_args
from vetting.http.runtime import runtime, transaction
from vetting.models import EXEMPTIONS
from vetting.policy import Action
from vetting.services import records_requests as rr

#: Every exemption code, for the document.
CODES: dict[str, Any] = {"enum": list(EXEMPTIONS)}


class RequestCreate(Body):
    requester_name: str = Field(min_length=1, max_length=rr.MAX_NAME)
    requester_contact: str = Field(min_length=1, max_length=rr.MAX_CONTACT, description="Address or e-mail.")
    received_on: date = Field(json_schema_extra=SENSIBLE_DATE, description="Not after today.")
    description: str = Field(min_length=1, max_length=rr.MAX_TEXT, description="The records asked for.")
    statute: str = Field(default="", max_length=rr.MAX_STATUTE, description="Empty: the agency's default.")
    due_on: date | None = Field(
        default=None,
        json_schema_extra=SENSIBLE_DATE,
        description="Omit to compute it (business days after receipt); never before today or the receipt.",
    )
    cycle_ids: list[RowId] = Field(default_factory=list, max_length=rr.MAX_SCOPE_PARTS)
    candidate_ids: list[RowId] = Field(default_factory=list, max_length=rr.MAX_SCOPE_PARTS)


class ExemptionBody(Body):
    release_id: RowId = Field(description="An item of the working copy (its release id).")
    decision: Literal["release_text", "withhold"] = Field(
        description="release_text: the released (redacted) text goes out; withhold: nothing of the item."
    )
    exemption_code: str = Field(json_schema_extra=CODES, max_length=40)


class CloseBody(Body):
    reason: str = Field(
        min_length=rr.MIN_REASON,
        max_length=rr.MAX_TEXT,
        json_schema_extra=WRITTEN,
        description="Told to the requester.",
    )
    denied: bool = Field(
        default=False, description="true: the request is denied; false: closed (withdrawn, no records)."
    )


def request_json(view: rr.RequestView) -> dict[str, Any]:
    return {
        "id": view.id,
        "requester": {"name": view.requester_name, "contact": view.requester_contact},
        "received_on": day(view.received_on),
        "statute": view.statute,
        "due_on": day(view.due_on),
        "description": view.description,
        "scope": {"cycle_ids": view.cycle_ids, "candidate_ids": view.candidate_ids},
        "status": view.status.value,
        "logged": {"by": view.logged_by, "at": moment(view.logged_at)},
        "prepared": {"by": view.prepared_by, "at": moment(view.prepared_at)} if view.prepared_at else None,
        "approved": {"by": view.approved_by, "at": moment(view.approved_at)} if view.approved_at else None,
        "released": {"by": view.released_by, "at": moment(view.released_at)} if view.released_at else None,
        "closed": (
            {"by": view.closed_by, "at": moment(view.closed_at), "reason": view.close_reason}
            if view.closed_at
            else None
        ),
        "decided_items": view.decided,
        "release_log": view.release_log,
        "url": url_for("api.records_request_detail", request_id=view.id),
    }


@route(
    "GET",
    "/records-requests",
    "The public-records request log, newest first (RET-10); ?status=open or finished narrows it",
    Action.RECORDS_READ,
    paged=True,
    query=(("status", {"type": "string", "enum": list(rr.STATUSES), "default": "all"}, "Which requests"),),
)
def records_request_list() -> ResponseReturnValue:
    page = page_args()
    status = request.args.get("status", "all")
    with transaction() as session:
        views = rr.list_requests(session, current_user, page, status)
        return jsonify({"records_requests": [request_json(v) for v in views.items], **page_fields(views)})


@route(
    "POST",
    "/records-requests",
    "Log a public-records request (RET-10): the due date is computed in business days unless given. 422 names "
    "the field (received in the future: received_on; due in the past: due_on; an empty scope: scope); 409 "
    "separation_of_duties for a cycle the caller searches or decides in",
    Action.RECORDS_REQUESTS,
    body=RequestCreate,
    errors=(409, 422),
    success=201,
)
def records_request_log() -> ResponseReturnValue:
    body = parse(RequestCreate)
    settings = runtime().settings
    data = rr.RequestInput(
        requester_name=body.requester_name,
        requester_contact=body.requester_contact,
        received_on=body.received_on,
        description=body.description,
        statute=body.statute,
        due_on=body.due_on,
        cycle_ids=body.cycle_ids,
        candidate_ids=body.candidate_ids,
    )
    with transaction() as session:
        created = rr.log_request(
            session,
            current_user,
            data,
            response_days=settings.records_request_days,
            default_statute=settings.records_statute,
        )
        payload = request_json(rr.get_request(session, current_user, created.id))
    return jsonify(payload), 201, {"Location": payload["url"]}


@route(
    "GET",
    "/records-requests/{request_id}",
    "One public-records request: requester, dates, statute, scope, state and its release log (no content)",
    Action.RECORDS_READ,
    errors=(404,),
)
def records_request_detail(request_id: int) -> ResponseReturnValue:
    with transaction() as session:
        view = rr.get_request(session, current_user, request_id)
    return jsonify(request_json(view))


@route(
    "GET",
    "/records-requests/{request_id}/working-copy",
    "The working copy: each candidate's findings as released (redacted text only, never raw content) and the "
    "decision on each; 409 separation_of_duties for a cycle the caller searches or decides in",
    Action.RECORDS_REQUESTS,
    errors=(404, 409),
)
def records_request_working_copy(request_id: int) -> ResponseReturnValue:
    with transaction() as session:
        copy = rr.working_copy(session, current_user, runtime().security, request_id)
    return jsonify(
        {
            "request": request_json(copy.request),
            "undecided": copy.undecided,
            "items": [
                {
                    "release_id": i.finding.release_id,
                    "finding_id": i.finding.finding_id,
                    "candidate": {"id": i.candidate_id, "code": i.candidate_code},
                    "item": i.finding.item_title,
                    "category": i.finding.category.value,
                    "platform": i.finding.platform,
                    "content_date": day(i.finding.content_date),
                    "summary": i.finding.summary,
                    "excerpt": i.finding.excerpt,
                    "decision": i.decision.value if i.decision else None,
                    "exemption_code": i.exemption_code,
                }
                for i in copy.items
            ],
            "exemptions": [{"code": e.code, "label": e.label, "citation": e.citation} for e in EXEMPTIONS.values()],
        }
    )


@route(
    "POST",
    "/records-requests/{request_id}/exemptions",
    "Decide one item of the working copy under an exemption code: release its released text only, or withhold "
    "it. 422 names the field; 409 request_state once the release is prepared",
    Action.RECORDS_REQUESTS,
    body=ExemptionBody,
    errors=(404, 409, 422),
)
def records_request_exemption(request_id: int) -> ResponseReturnValue:
    body = parse(ExemptionBody)
    with transaction() as session:
        rr.set_exemption(session, current_user, request_id, body.release_id, body.decision, body.exemption_code)
        view = rr.get_request(session, current_user, request_id)
    return jsonify(request_json(view))


@route(
    "POST",
    "/records-requests/{request_id}/prepare",
    "Prepare the release: every item decided (else 422 naming items); the release log is fixed. Nothing leaves yet",
    Action.RECORDS_REQUESTS,
    errors=(404, 409, 422),
)
def records_request_prepare(request_id: int) -> ResponseReturnValue:
    with transaction() as session:
        rr.prepare_release(session, current_user, request_id)
        view = rr.get_request(session, current_user, request_id)
    return jsonify(request_json(view))


@route(
    "POST",
    "/records-requests/{request_id}/approve",
    "Approve a prepared release: a second person only, 409 second_person_required for whoever prepared it",
    Action.RECORDS_REQUESTS,
    errors=(404, 409),
)
def records_request_approve(request_id: int) -> ResponseReturnValue:
    with transaction() as session:
        rr.approve_release(session, current_user, request_id)
        view = rr.get_request(session, current_user, request_id)
    return jsonify(request_json(view))


@route(
    "POST",
    "/records-requests/{request_id}/release",
    "Record that the approved release went to the requester now (a person does it; nothing is released "
    "automatically); 409 request_state before approval",
    Action.RECORDS_REQUESTS,
    errors=(404, 409),
)
def records_request_release(request_id: int) -> ResponseReturnValue:
    with transaction() as session:
        rr.record_release(session, current_user, request_id)
        view = rr.get_request(session, current_user, request_id)
    return jsonify(request_json(view))


@route(
    "POST",
    "/records-requests/{request_id}/close",
    "Close an open request without a release (withdrawn, no records) or deny it, with the reason",
    Action.RECORDS_REQUESTS,
    body=CloseBody,
    errors=(404, 409, 422),
)
def records_request_close(request_id: int) -> ResponseReturnValue:
    body = parse(CloseBody)
    with transaction() as session:
        rr.close_request(session, current_user, request_id, body.reason, denied=body.denied)
        view = rr.get_request(session, current_user, request_id)
    return jsonify(request_json(view))
