"""Self-identification over the API: links for administrators, the candidate's answers."""

from __future__ import annotations

from flask import jsonify, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from vetting.api.registry import moment, parse, route
from vetting.api.schemas import SelfIdentificationBody
from vetting.http.access import PUBLIC
from vetting.http.errors import error_response
from vetting.http.runtime import client_ip, runtime, transaction
from vetting.policy import Action
from vetting.services import self_identification


@route(
    "GET",
    "/cycles/{cycle_id}/self-identification",
    "Where each candidate's voluntary self-identification form stands (never the answers)",
    Action.CYCLES_MANAGE,
    errors=(404,),
)
def self_id_overview(cycle_id: int) -> ResponseReturnValue:
    with transaction() as session:
        states = self_identification.overview(session, current_user, cycle_id)
    return jsonify(
        {
            "candidates": [
                {"candidate_id": s.candidate_id, "code": s.code, "state": s.state, "expires_at": moment(s.expires_at)}
                for s in states
            ]
        }
    )


@route(
    "POST",
    "/candidates/{candidate_id}/self-identification",
    "Issue the candidate's one-time self-identification link (any earlier link stops working)",
    Action.CYCLES_MANAGE,
    errors=(404, 409),
    success=201,
)
def self_id_invite(candidate_id: int) -> ResponseReturnValue:
    with transaction() as session:
        issued = self_identification.invite(session, current_user, candidate_id)
    url = url_for("self_id.form", token=issued.token, _external=True)
    body = {
        "candidate_id": issued.candidate_id,
        "url": url,
        "token": issued.token,
        "expires_at": moment(issued.expires_at),
    }
    return jsonify(body), 201


@route(
    "POST",
    "/self-identification",
    "The candidate's voluntary answers, with the token from their link (no account); an unknown, spent or "
    "expired token is refused alike (404 link_refused, audited; 429 rate_limited after repeated refusals)",
    PUBLIC,
    body=SelfIdentificationBody,
    errors=(404, 422, 429),
    success=201,
)
def self_id_answer() -> ResponseReturnValue:
    data = parse(SelfIdentificationBody)
    self_identification.parse_answers(data.sex, data.race_ethnicity)  # bad answers: 422 before the link is tried
    with transaction() as session:
        refused = self_identification.answer(
            session, runtime().security, data.token, client_ip(), data.sex, data.race_ethnicity
        )
    if refused is not None:
        # Committed: the refusal's audit record and count stand.
        return error_response(
            refused.status, "link_refused" if refused.status == 404 else "rate_limited", refused.message
        )
    return jsonify({"status": "received"}), 201
