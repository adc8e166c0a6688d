"""Jobs in the console (issue 17): a button starts the work, a status page follows it.

``POST /jobs/audit-report/<cycle>`` queues the cycle's audit report (``/jobs/uniformity-csv/<cycle>``
its uniformity CSV, ``/jobs/chain-check`` the full chain check, ``/jobs/audit-export`` the audit
export) and sends the auditor to
``/jobs/<id>``, which says where the job is (in an ``aria-live`` region a small script refreshes
in place; without the script, a link reloads it) and offers the file once it is done.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from vetting.http.access import requires, signed_in
from vetting.http.args import page_args
from vetting.http.documents import agency_name, attachment
from vetting.http.runtime import runtime, transaction
from vetting.models import JobKind
from vetting.policy import Action
from vetting.services import jobs
from vetting.web.formrun import FormFailed, submit
from vetting.web.forms import ActionForm

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

#: Seconds between the status page's checks while the job is unfinished.
REFRESH_SECONDS = 3


@bp.post("/audit-report/<int:cycle_id>")
@requires(Action.AUDIT_READ)
def start_audit_report(cycle_id: int) -> ResponseReturnValue:
    agency_name()  # no document without an agency to name (409), checked before queuing
    return _start(JobKind.AUDIT_REPORT, "the cycles", cycle_id=cycle_id)


@bp.post("/uniformity-csv/<int:cycle_id>")
@requires(Action.AUDIT_READ)
def start_uniformity_csv(cycle_id: int) -> ResponseReturnValue:
    return _start(JobKind.UNIFORMITY_CSV, "the uniformity page", cycle_id=cycle_id)


@bp.post("/chain-check")
@requires(Action.AUDIT_READ)
def start_chain_check() -> ResponseReturnValue:
    return _start(JobKind.CHAIN_CHECK, "the audit log")


@bp.post("/audit-export")
@requires(Action.AUDIT_READ)
def start_audit_export() -> ResponseReturnValue:
    return _start(JobKind.AUDIT_EXPORT, "the audit log")


def _start(kind: JobKind, back: str, **params: int) -> ResponseReturnValue:
    """Queue a job of ``kind`` from a lone button, and send its requester to the job's page."""
    try:
        view = submit(ActionForm(), lambda s: jobs.start_job(s, current_user, kind, **params))
    except FormFailed as failed:
        message = failed.message or f"The form had expired: go back to {back} and press the button again."
        return render_template("errors/error.html", status=failed.status, message=message, code="job_not_started"), (
            failed.status
        )
    runtime().queue.offer(view.id)
    return redirect(url_for("jobs.status", job_id=view.id), 303)


@bp.get("")
@signed_in
def index() -> ResponseReturnValue:
    page = page_args()
    with transaction() as session:
        views = jobs.list_jobs(session, current_user, page)
    return render_template("jobs/index.html", jobs=views)


@bp.get("/<int:job_id>")
@signed_in
def status(job_id: int) -> ResponseReturnValue:
    with transaction() as session:
        view = jobs.job_status(session, current_user, job_id)
    return render_template("jobs/status.html", job=view, refresh=REFRESH_SECONDS)


@bp.get("/<int:job_id>/result")
@signed_in
def result(job_id: int) -> ResponseReturnValue:
    rt = runtime()
    with transaction() as session:
        name, media_type, content = jobs.job_result(
            session, current_user, rt.security.keyring, rt.queue.results, job_id
        )
    return attachment(name, content, media_type)
