"""Production bundles over the API (issue 15 point 5, RET-08): ``POST /productions`` queues one
(202 with the job); the bundle is followed and downloaded through ``/jobs/{id}``."""

from __future__ import annotations

from typing import Literal

from flask import jsonify
from flask.typing import ResponseReturnValue
from flask_login import current_user
from pydantic import Field

from vetting.api.jobs import job_json
from vetting.api.registry import parse, route
from vetting.api.schemas import Body, RowId
from vetting.http.documents import agency_name
from vetting.http.runtime import runtime, transaction
from vetting.models import JobKind
from vetting.policy import Action
from vetting.services import jobs, production


class ProductionBody(Body):
    candidate_ids: list[RowId] = Field(min_length=1, max_length=production.MAX_CANDIDATES)
    purpose: Literal["records_request", "discovery", "inspection"]
    reference: str = Field(min_length=1, max_length=production.MAX_REFERENCE, description="The request or matter.")
    version: Literal["released", "recorded"] = Field(
        description="released: findings as the board read them (redacted); recorded: as recorded (internal, legal)."
    )
    prefix: str = Field(
        default=production.DEFAULT_PREFIX,
        pattern=production.PREFIX_PATTERN.pattern,
        description="The Bates prefix: pages are numbered PREFIX-000001 on across the bundle.",
    )
    records_request_id: RowId | None = Field(
        default=None,
        description="The public-records request whose approved release this bundle is: the purpose is then "
        "records_request, the version released, every candidate in the request's scope, and the findings the "
        "release withheld are left out and logged under their exemption code (409 request_state before approval).",
    )


@route(
    "POST",
    "/productions",
    "Start a production bundle (a job): per candidate a case-file PDF, the native files, a redaction log by "
    "exemption code, Bates numbers across the bundle and a manifest of SHA-256s signed with the audit key "
    "(`vetting production verify`). Records officers only, never of a cycle they worked in; a disposed "
    "candidate is 409 disposed. Download it through GET /jobs/{id}/result",
    Action.RECORDS_PRODUCE,
    body=ProductionBody,
    errors=(404, 409, 422),
    success=202,
)
def start_production() -> ResponseReturnValue:
    data = parse(ProductionBody)
    agency_name()  # no document without an agency to name (409 agency_name_missing), checked before queuing
    with transaction() as session:
        view = jobs.start_job(session, current_user, JobKind.PRODUCTION, **data.model_dump())
    runtime().queue.offer(view.id)
    body = job_json(view)
    return jsonify(body), 202, {"Location": body["status_url"]}
