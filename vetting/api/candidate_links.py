"""The candidate's links over the API (issue 16 point 8): issue and mail one, set the address."""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue
from flask_login import current_user

from vetting.api.registry import moment, parse, route
from vetting.api.schemas import CandidateEmailBody, CandidateLinkBody
from vetting.http.candidate_links import link_mailer, offer
from vetting.http.runtime import runtime, transaction
from vetting.models import LinkPurpose
from vetting.policy import Action
from vetting.services import candidate_links


@route(
    "POST",
    "/candidates/{candidate_id}/links",
    "Issue the candidate's single-purpose link (consent, notice, response, self_identification) and e-mail "
    "it to their address; any earlier link for that purpose stops working. The link itself is returned only "
    "when nothing was mailed (no address on file). 409 consent_recorded, no_notice, no_pending_notice, "
    "agency_name_missing",
    Action.CANDIDATE_LINKS,
    body=CandidateLinkBody,
    errors=(403, 404, 409, 422),
    success=201,
)
def candidate_link_create(candidate_id: int) -> ResponseReturnValue:
    data = parse(CandidateLinkBody)
    mailer = link_mailer()
    with transaction() as session:
        issued = candidate_links.issue(
            session,
            current_user,
            runtime().security,
            mailer,
            candidate_id,
            LinkPurpose(data.purpose),
            email=data.email,
        )
    offer(issued)
    body = {
        "candidate_id": issued.candidate_id,
        "purpose": issued.purpose.value,
        "expires_at": moment(issued.expires_at),
        "mailed": issued.outbox_id is not None,
        "outbox_id": issued.outbox_id,
        "url": issued.url,
    }
    return jsonify(body), 201


@route(
    "PUT",
    "/candidates/{candidate_id}/email",
    "Set (or with \"\" clear) the candidate's e-mail address, sealed under the candidate's key",
    Action.CANDIDATE_LINKS,
    body=CandidateEmailBody,
    errors=(403, 404, 409, 422),
)
def candidate_email_set(candidate_id: int) -> ResponseReturnValue:
    data = parse(CandidateEmailBody)
    with transaction() as session:
        candidate_links.set_email(session, current_user, runtime().security, candidate_id, data.email)
    return jsonify({"candidate_id": candidate_id, "has_email": bool(data.email)})
