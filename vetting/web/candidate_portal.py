"""The candidate's pages (issue 16 points 1-4): no account, reached only by a link's token.

``/c/<token>`` opens what the link is for: the disclosure and authorization to sign, or a notice
to read, download and answer. A refused link (unknown, spent, replaced, expired) gets one plain
page, whatever the reason. Every form carries a CSRF token like the staff pages.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from vetting.http.access import public
from vetting.http.documents import attachment
from vetting.http.runtime import client_ip, runtime, transaction
from vetting.http.uploads import accepts_upload
from vetting.models import ResponseKind
from vetting.services import candidate_links
from vetting.services.candidate_links import LinkPage
from vetting.services.link_guard import Refused
from vetting.web.formrun import FormFailed, submit
from vetting.web.forms import CandidateAnswerForm, CandidateSignForm

bp = Blueprint("portal", __name__, url_prefix="/c")


def _refused(refused: Refused) -> ResponseReturnValue:
    return render_template("portal/refused.html", message=refused.message), refused.status


def _render(
    token: str, page: LinkPage, sign: CandidateSignForm | None = None, answer: CandidateAnswerForm | None = None
) -> str:
    if page.consent is not None and sign is None:
        sign = CandidateSignForm(formdata=None, data={"form_sha256": page.consent.text_sha256})
    answer = answer or CandidateAnswerForm(formdata=None)
    answer.finding_ids.choices = [(f.finding_id, f"Finding {f.finding_id}: {f.category}") for f in page.disputable]
    return render_template("portal/page.html", token=token, page=page, sign=sign, answer=answer)


def _open(token: str) -> LinkPage | Refused:
    rt = runtime()
    with transaction() as session:
        return candidate_links.open_link(session, rt.security, rt.reports, rt.settings.agency_name, token, client_ip())


@bp.get("/<token>")
@public
def page(token: str) -> ResponseReturnValue:
    opened = _open(token)
    if isinstance(opened, Refused):
        return _refused(opened)
    return _render(token, opened)


def _again(
    token: str, status: int, sign: CandidateSignForm | None = None, answer: CandidateAnswerForm | None = None
) -> ResponseReturnValue:
    """The page again with the refused form's errors (read afresh: the refused act rolled back)."""
    opened = _open(token)
    if isinstance(opened, Refused):
        return _refused(opened)
    return _render(token, opened, sign, answer), status


@bp.post("/<token>/sign")
@public
def sign(token: str) -> ResponseReturnValue:
    form = CandidateSignForm()
    rt = runtime()
    agency = rt.settings.agency_name or ""
    try:
        outcome = submit(
            form,
            lambda s: candidate_links.sign_consent(
                s,
                rt.security,
                rt.store,
                rt.reports,
                agency,
                token,
                client_ip(),
                name=form.name.data or "",
                agreed=bool(form.agree.data),
                form_sha256=form.form_sha256.data or "",
            ),
        )
    except FormFailed as failed:
        return _again(token, failed.status, sign=form)
    if isinstance(outcome, Refused):
        return _refused(outcome)
    return render_template("portal/signed.html", signed=outcome)


@bp.post("/<token>/answer")
@public
@accepts_upload(candidate_links.MAX_ATTACHMENTS * candidate_links.MAX_ATTACHMENT_BYTES)
def answer(token: str) -> ResponseReturnValue:
    form = CandidateAnswerForm()
    rt = runtime()
    files = [upload.read() for upload in request.files.getlist("attachments")]
    # The form takes any finding id; the service accepts only those the notice lists.
    form.finding_ids.choices = [(f, str(f)) for f in form.finding_ids.data or []]
    try:
        outcome = submit(
            form,
            lambda s: candidate_links.respond(
                s,
                rt.security,
                rt.store,
                token,
                client_ip(),
                kind=ResponseKind(form.kind.data),
                text=form.text.data or "",
                finding_ids=list(form.finding_ids.data or []),
                attachments=files,
            ),
        )
    except FormFailed as failed:
        return _again(token, failed.status, answer=form)
    if isinstance(outcome, Refused):
        return _refused(outcome)
    return render_template("portal/receipt.html", receipt=outcome)


@bp.get("/<token>/notice.pdf")
@public
def notice_pdf(token: str) -> ResponseReturnValue:
    rt = runtime()
    agency = rt.settings.agency_name
    if not agency:
        return _refused(Refused("This page is not available yet. Contact the agency that sent you the link.", 409))
    with transaction() as session:
        outcome = candidate_links.notice_pdf(session, rt.security, rt.reports, agency, token, client_ip())
    if isinstance(outcome, Refused):
        return _refused(outcome)
    filename, pdf = outcome
    return attachment(filename, pdf, "application/pdf")
