"""The auditor's console: audit log, chain check and export, and the per-cycle reports.

Auditors read; nothing here changes investigation data. The only posts are running the
chain check and stating a reason to open raw content, both of which are audit events.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from vetting import uniformity_matrix
from vetting.audit.chain import public_key_pem
from vetting.http.access import requires
from vetting.http.args import date_arg, page_args
from vetting.http.documents import agency_name, attachment, audited_pdf, csv_response
from vetting.http.runtime import runtime, transaction
from vetting.models.base import MAX_ID
from vetting.policy import Action
from vetting.services import (
    access_review,
    adverse_impact,
    audit_anchor,
    audit_log,
    audit_report,
    cycles,
    findings,
    notices,
    separation,
    uniformity,
)
from vetting.web.formrun import FormFailed, submit
from vetting.web.forms import ActionForm, FindingReasonForm, NoticeReasonForm, SearchLogReasonForm

bp = Blueprint("audit", __name__, url_prefix="/audit")

PAGE_SIZE = 100


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value <= MAX_ID else None


def _filters() -> audit_log.LogFilter:
    return audit_log.LogFilter(
        event=request.args.get("event") or None,
        actor_id=_int_arg("actor_id"),
        candidate_id=_int_arg("candidate_id"),
        since=date_arg("since"),
        until=date_arg("until"),
        before_seq=_int_arg("before"),
        candidate_code=_code_arg("candidate"),
    )


def _code_arg(name: str) -> str | None:
    """A candidate code as typed (``c-5``), written the way the rest of the product does (``C-005``)."""
    raw = (request.args.get(name) or "").strip()[:32]
    return audit_log.normalise_code(raw) if raw else None


def _render(page: audit_log.LogPage, status: int = 200, problems: tuple[str, ...] = ()) -> ResponseReturnValue:
    settings = runtime().settings
    with transaction() as session:
        anchor = audit_anchor.status(
            session, current_user, settings.audit_witnesses, settings.audit_anchor_interval, problems
        )
    return render_template("audit/index.html", page=page, form=ActionForm(), anchor=anchor), status


@bp.get("")
@requires(Action.AUDIT_READ)
def index() -> ResponseReturnValue:
    filters = _filters()
    with transaction() as session:
        page = audit_log.log_page(session, current_user, filters, PAGE_SIZE)
    return _render(page)


@bp.post("/verify")
@requires(Action.AUDIT_READ)
def verify() -> ResponseReturnValue:
    filters = _filters()
    settings = runtime().settings
    public_key = settings.audit_signing_key.public_key()
    # The chain is also checked against the heads the configured witnesses kept (issue 14).
    heads, problems = audit_anchor.configured_heads(settings.audit_witnesses)
    try:
        page = submit(
            ActionForm(), lambda s: audit_log.verify_page(s, current_user, public_key, filters, PAGE_SIZE, heads)
        )
    except FormFailed as failed:
        # Nothing ran (or it rolled back): show the log as it is.
        with transaction() as session:
            page = audit_log.log_page(session, current_user, filters, PAGE_SIZE)
        return _render(page, failed.status, tuple(problems))
    return _render(page, problems=tuple(problems))


@bp.get("/export.jsonl")
@requires(Action.AUDIT_READ)
def export() -> ResponseReturnValue:
    with transaction() as session:
        name, content = audit_log.export_as(session, current_user, runtime().settings.audit_signing_key.public_key())
    return attachment(name, content)


@bp.get("/public-key.pem")
@requires(Action.AUDIT_READ)
def public_key() -> ResponseReturnValue:
    pem = public_key_pem(runtime().settings.audit_signing_key.public_key())
    return attachment("audit_signing_key.pub.pem", pem.encode())


@bp.get("/cycles")
@requires(Action.AUDIT_READ)
def cycle_list() -> ResponseReturnValue:
    with transaction() as session:
        return render_template("audit/cycles.html", cycles=cycles.cycles_page(session, current_user, page_args()))


@bp.get("/cycles/<int:cycle_id>/uniformity")
@requires(Action.AUDIT_READ)
def cycle_uniformity(cycle_id: int) -> ResponseReturnValue:
    page = page_args()
    with transaction() as session:
        shown = uniformity.view(session, current_user, cycle_id, page)
    report = shown.report
    return render_template(
        "audit/uniformity.html",
        shown=shown,
        report=report,
        rows=shown.rows,
        # The heat map draws the rows the table below lists: it is the table's picture.
        heat=uniformity_matrix.heat_map(report),
        heat_title=report.cycle_title,
        duration=uniformity_matrix.duration,
        labels=uniformity_matrix.DEVIATION_LABELS,
    )


@bp.get("/cycles/<int:cycle_id>/uniformity.csv")
@requires(Action.AUDIT_READ)
def cycle_uniformity_csv(cycle_id: int) -> ResponseReturnValue:
    with transaction() as session:
        text = uniformity_matrix.to_csv(uniformity.build(session, current_user, cycle_id))
    return csv_response(f"uniformity-cycle-{cycle_id}.csv", text)


def _reason_gated(
    form: FlaskForm, read: Callable[[Session, str | None], object], template: str, name: str
) -> ResponseReturnValue:
    """A page whose raw content opens once a reason is posted (``read`` with the reason, audited);
    without one, or when the reason is refused, the page as it reads without it."""
    status = 200
    if request.method == "POST":
        try:
            view = submit(form, lambda s: read(s, form.reason.data))
            return render_template(template, form=form, **{name: view})
        except FormFailed as failed:
            status = failed.status
    with transaction() as session:
        view = read(session, None)
    return render_template(template, form=form, **{name: view}), status


@bp.route("/candidates/<int:candidate_id>/search-log", methods=["GET", "POST"])
@requires(Action.AUDIT_READ)
def search_log(candidate_id: int) -> ResponseReturnValue:
    security = runtime().security
    return _reason_gated(
        SearchLogReasonForm(),
        lambda s, reason: uniformity.search_log(s, current_user, security, candidate_id, reason=reason),
        "audit/search_log.html",
        "log",
    )


@bp.route("/findings/<int:finding_id>", methods=["GET", "POST"])
@requires(Action.AUDIT_READ)
def finding(finding_id: int) -> ResponseReturnValue:
    """A finding reached from the drill-down: its facts, and its raw text once a reason is stated."""
    security = runtime().security
    return _reason_gated(
        FindingReasonForm(),
        lambda s, reason: findings.for_auditor(s, current_user, security, finding_id, reason=reason),
        "audit/finding.html",
        "finding",
    )


@bp.route("/notices/<int:notice_id>", methods=["GET", "POST"])
@requires(Action.AUDIT_READ)
def notice(notice_id: int) -> ResponseReturnValue:
    """A notice to the candidate: the PDF once a reason is stated (the view and the PDF's hash audited)."""
    form = NoticeReasonForm()
    rt = runtime()
    status = 200
    if request.method == "POST":
        try:
            name, pdf = submit(
                form,
                lambda s: notices.notice_pdf_for_audit(
                    s, current_user, rt.security, rt.reports, agency_name(), notice_id, form.reason.data or ""
                ),
            )
        except FormFailed as failed:
            status = failed.status
        else:
            return attachment(name, pdf, "application/pdf")
    with transaction() as session:
        outline = notices.outline_for_audit(session, current_user, notice_id)
    return render_template("audit/notice.html", notice=outline, form=form), status


@bp.get("/cycles/<int:cycle_id>/adverse-impact")
@requires(Action.AUDIT_READ)
def cycle_adverse_impact(cycle_id: int) -> ResponseReturnValue:
    rt = runtime()
    with transaction() as session:
        report = adverse_impact.report(session, current_user, rt.security, cycle_id, rt.settings.eeo_minimum_group)
    return render_template("audit/adverse_impact.html", report=report)


@bp.get("/cycles/<int:cycle_id>/report.pdf")
@requires(Action.AUDIT_READ)
def cycle_report_pdf(cycle_id: int) -> ResponseReturnValue:
    return audited_pdf(audit_report.render, cycle_id)


@bp.get("/separation")
@requires(Action.AUDIT_READ)
def separation_report() -> ResponseReturnValue:
    with transaction() as session:
        return render_template("audit/separation.html", cycles=separation.report(session, current_user))


@bp.get("/access")
@requires(Action.AUDIT_READ)
def access() -> ResponseReturnValue:
    since, until = date_arg("since"), date_arg("until")
    with transaction() as session:
        review = access_review.review(session, current_user, since=since, until=until)
    return render_template("audit/access.html", review=review)
