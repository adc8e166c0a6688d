"""Chain of custody in the console (issue 15 point 6, RET-08, Tulsa Policy 324 C.13): a page per
evidence file and per signed consent form, a candidate's files each to its page, and the PDF
(whose SHA-256 is audited). Reached from the finding's and the candidate's pages and from the
records pages; the rules are the custody service's."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from vetting.http.access import requires
from vetting.http.documents import audited_pdf
from vetting.http.runtime import transaction
from vetting.policy import Action
from vetting.services import custody

bp = Blueprint("custody", __name__)


@bp.get("/evidence/<int:evidence_id>/custody")
@requires(Action.CUSTODY_READ)
def evidence(evidence_id: int) -> ResponseReturnValue:
    with transaction() as session:
        found = custody.evidence_custody(session, current_user, evidence_id)
    return render_template("custody/file.html", c=found)


@bp.get("/evidence/<int:evidence_id>/custody.pdf")
@requires(Action.CUSTODY_READ)
def evidence_pdf(evidence_id: int) -> ResponseReturnValue:
    return audited_pdf(custody.evidence_custody_pdf, evidence_id)


@bp.get("/candidates/<int:candidate_id>/consent/custody")
@requires(Action.CUSTODY_READ)
def consent(candidate_id: int) -> ResponseReturnValue:
    with transaction() as session:
        found = custody.consent_custody(session, current_user, candidate_id)
    return render_template("custody/file.html", c=found)


@bp.get("/candidates/<int:candidate_id>/consent/custody.pdf")
@requires(Action.CUSTODY_READ)
def consent_pdf(candidate_id: int) -> ResponseReturnValue:
    return audited_pdf(custody.consent_custody_pdf, candidate_id)


@bp.get("/candidates/<int:candidate_id>/custody")
@requires(Action.CUSTODY_READ)
def candidate(candidate_id: int) -> ResponseReturnValue:
    with transaction() as session:
        found = custody.candidate_files(session, current_user, candidate_id)
    return render_template("custody/candidate.html", found=found)
