"""JSON API of the firewall's investigator side: resolving mentions, redacting, releasing (R3)."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue
from flask_login import current_user

from vetting.api.investigation import finding_json
from vetting.api.registry import moment, page_fields, parse, route
from vetting.api.schemas import MentionResolutionBody, RedactionBody, ReleaseBody
from vetting.http.args import page_args
from vetting.http.runtime import runtime, transaction
from vetting.models import FindingRelease
from vetting.policy import Action
from vetting.services import findings, release


def release_json(row: FindingRelease) -> dict[str, Any]:
    return {
        "id": row.id,
        "finding_id": row.finding_id,
        "revision": row.revision,
        "released_by_id": row.released_by_id,
        "released_at": moment(row.released_at),
        "reviewed_sha256": row.reviewed_sha256,
    }


@route(
    "POST",
    "/findings/{finding_id}/mentions/{mention_id}",
    "Resolve a detector mention: redact, or not_protected with a reason (R3)",
    Action.INVESTIGATE,
    body=MentionResolutionBody,
    errors=(404, 409, 422),
)
def mention_resolve(finding_id: int, mention_id: int) -> ResponseReturnValue:
    data = parse(MentionResolutionBody)
    security = runtime().security
    with transaction() as session:
        findings.resolve_mention(session, current_user, security, finding_id, mention_id, data.resolution, data.reason)
        body = finding_json(findings.get_finding(session, current_user, security, finding_id))
    return jsonify(body)


@route(
    "POST",
    "/findings/{finding_id}/redactions",
    "Redact words the detector missed, wherever they occur in one field (R3)",
    Action.INVESTIGATE,
    body=RedactionBody,
    errors=(404, 409, 422),
    success=201,
)
def redaction_add(finding_id: int) -> ResponseReturnValue:
    data = parse(RedactionBody)
    security = runtime().security
    with transaction() as session:
        findings.redact_words(session, current_user, security, finding_id, data.field, data.text)
        body = finding_json(findings.get_finding(session, current_user, security, finding_id))
    return jsonify(body), 201


@route(
    "GET",
    "/findings/{finding_id}/review",
    "Raw and redacted text side by side, with every unmet release condition (R3)",
    Action.INVESTIGATE,
    errors=(404,),
)
def finding_review(finding_id: int) -> ResponseReturnValue:
    with transaction() as session:
        review = release.review(session, current_user, runtime().security, finding_id)
        body = {
            "finding": finding_json(review.finding),
            "reviewed_sha256": review.digest,
            "blockers": [{"code": b.code, "message": b.message} for b in review.blockers],
        }
    return jsonify(body)


@route(
    "POST",
    "/findings/{finding_id}/release",
    "Release the redacted text to the board: a second investigator only; 409 names the unmet condition",
    Action.INVESTIGATE,
    body=ReleaseBody,
    errors=(404, 409, 422),
)
def finding_release(finding_id: int) -> ResponseReturnValue:
    data = parse(ReleaseBody)
    with transaction() as session:
        row = release.release(
            session, current_user, runtime().security, finding_id, data.revision, data.reviewed_sha256
        )
        body = release_json(row)
    return jsonify(body)


@route(
    "GET",
    "/reviews",
    "Colleagues' findings in your open cycles that wait for a second investigator's release, oldest first",
    Action.INVESTIGATE,
    paged=True,
)
def review_queue() -> ResponseReturnValue:
    page = page_args()
    with transaction() as session:
        rows = release.awaiting_review(session, current_user, page)
        body = {
            "findings": [
                {
                    "finding_id": r.finding_id,
                    "candidate_id": r.candidate_id,
                    "candidate_code": r.candidate_code,
                    "cycle_title": r.cycle_title,
                    "behaviour_category": r.category.value,
                    "open_mentions": r.open_mentions,
                }
                for r in rows.items
            ],
            **page_fields(rows),
        }
    return jsonify(body)
