"""Staff send a candidate a single-purpose link from the candidate's page, and open what the candidate
attached to an answer sent online (issue 16)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from vetting.http.access import requires
from vetting.http.candidate_links import link_mailer, offer
from vetting.http.documents import attachment as attachment_response
from vetting.http.runtime import runtime, transaction
from vetting.models import LinkPurpose
from vetting.policy import Action
from vetting.services import candidate_links
from vetting.web.formrun import FormFailed, submit
from vetting.web.forms import CandidateLinkForm

bp = Blueprint("links", __name__)


@bp.post("/candidates/<int:candidate_id>/links")
@requires(Action.CANDIDATE_LINKS)
def issue(candidate_id: int) -> ResponseReturnValue:
    form = CandidateLinkForm()
    mailer = link_mailer()
    try:
        issued = submit(
            form,
            lambda s: candidate_links.issue(
                s,
                current_user,
                runtime().security,
                mailer,
                candidate_id,
                LinkPurpose(form.purpose.data),
                email=(form.email.data or None),
            ),
        )
    except FormFailed as failed:
        if failed.status in (403, 404):
            # Not the caller's candidate: the same answer as any other page they may not reach.
            abort(failed.status)
        errors = [*form.form_errors, *(m for f in form for m in f.errors)]
        flash("The link was not sent: " + (" ".join(errors) or failed.message or "check the form."), "error")
        return redirect(url_for("work.candidate", candidate_id=candidate_id, _anchor="links-title"))
    offer(issued)
    if issued.url is None:
        flash("The link was e-mailed to the candidate. Any earlier link for this purpose no longer works.", "success")
    else:
        flash(
            f"No e-mail address is on file: give the candidate this link yourself (shown once): {issued.url}",
            "success",
        )
    return redirect(url_for("work.candidate", candidate_id=candidate_id, _anchor="links-title"))


@bp.get("/responses/attachments/<int:attachment_id>")
@requires(Action.INVESTIGATE)
def attachment(attachment_id: int) -> ResponseReturnValue:
    """A file the candidate attached to an answer, for the cycle's searchers (audited)."""
    rt = runtime()
    with transaction() as session:
        data, content_type = candidate_links.attachment_file(
            session, current_user, rt.security, rt.store, attachment_id
        )
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(content_type, "bin")
    return attachment_response(f"candidate-attachment-{attachment_id}.{extension}", data, content_type)
