"""Jobs over the API (issue 17): a request starts the work (202) and the client polls the job.

``POST /audit/cycles/{id}/report-jobs`` queues the audit report (``uniformity-csv-jobs`` the
uniformity CSV, ``/audit/chain-check-jobs`` the full chain check, ``/audit/export-jobs`` the
audit export); ``GET /jobs/{id}`` tells its
state and progress; ``GET /jobs/{id}/result`` downloads the file once it is done (409
``job_not_done`` until then).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from vetting.api.registry import moment, page_fields, route
from vetting.http.access import SIGNED_IN
from vetting.http.args import page_args
from vetting.http.documents import agency_name, attachment
from vetting.http.runtime import runtime, transaction
from vetting.models import JobKind, JobStatus
from vetting.policy import Action
from vetting.services import jobs


def job_json(view: jobs.JobView) -> dict[str, Any]:
    done = view.status is JobStatus.DONE
    return {
        "id": view.id,
        "kind": view.kind.value,
        "status": view.status.value,
        "parameters": view.parameters,
        "progress": {"done": view.progress_done, "total": view.progress_total, "percent": view.percent},
        "created_at": moment(view.created_at),
        "started_at": moment(view.started_at),
        "finished_at": moment(view.finished_at),
        "status_url": url_for("api.job_status", job_id=view.id),
        "result": {
            "url": url_for("api.job_result", job_id=view.id),
            "name": view.result_name,
            "sha256": view.result_sha256,
            "bytes": view.result_bytes,
        }
        if done
        else None,
        "error": {"code": view.error_code, "message": view.error_message} if view.error_code else None,
    }


@route(
    "POST",
    "/audit/cycles/{cycle_id}/report-jobs",
    "Start preparing the cycle's audit report as a PDF (a job run by the worker); answers at once with the "
    "job and its status URL. The PDF's SHA-256 is recorded in the audit log when it is made",
    Action.AUDIT_READ,
    errors=(404, 409),
    success=202,
)
def start_audit_report_job(cycle_id: int) -> ResponseReturnValue:
    agency_name()  # no document without an agency to name (409 agency_name_missing), checked before queuing
    return _started(JobKind.AUDIT_REPORT, cycle_id=cycle_id)


@route(
    "POST",
    "/audit/chain-check-jobs",
    "Start the full audit chain check (`vetting audit verify --full`: every entry from the first, the signed "
    "checkpoints and the configured witnesses) as a job; its result is a JSON report with the entry that records "
    "the check and, when the chain is intact, the signed verification marker it left",
    Action.AUDIT_READ,
    success=202,
)
def start_chain_check_job() -> ResponseReturnValue:
    return _started(JobKind.CHAIN_CHECK)


@route(
    "POST",
    "/audit/cycles/{cycle_id}/uniformity-csv-jobs",
    "Start preparing the cycle's uniformity matrix as CSV (what GET /audit/cycles/{cycle_id}/uniformity.csv "
    "returns) as a job",
    Action.AUDIT_READ,
    errors=(404,),
    success=202,
)
def start_uniformity_csv_job(cycle_id: int) -> ResponseReturnValue:
    return _started(JobKind.UNIFORMITY_CSV, cycle_id=cycle_id)


@route(
    "POST",
    "/audit/export-jobs",
    "Start preparing the audit chain's export (what GET /audit/export returns, JSON Lines) as a job; the "
    "export's SHA-256 is recorded in the audit log when it is made",
    Action.AUDIT_READ,
    success=202,
)
def start_audit_export_job() -> ResponseReturnValue:
    return _started(JobKind.AUDIT_EXPORT)


def _started(kind: JobKind, **params: int) -> ResponseReturnValue:
    """Queue a job of ``kind``, hand it to the queue once committed, and answer 202 with it."""
    with transaction() as session:
        view = jobs.start_job(session, current_user, kind, **params)
    runtime().queue.offer(view.id)
    body = job_json(view)
    return jsonify(body), 202, {"Location": body["status_url"]}


@route(
    "GET",
    "/jobs",
    "The jobs the caller may read (their own, and the shared kinds their role holds), newest first",
    SIGNED_IN,
    paged=True,
)
def job_list() -> ResponseReturnValue:
    page = page_args()
    with transaction() as session:
        views = jobs.list_jobs(session, current_user, page)
    return jsonify({"jobs": [job_json(v) for v in views.items], **page_fields(views)})


@route(
    "GET",
    "/jobs/{job_id}",
    "A job's state (queued, running, done, failed), progress and, once done, its file's name, size and SHA-256",
    SIGNED_IN,
    errors=(404,),
)
def job_status(job_id: int) -> ResponseReturnValue:
    with transaction() as session:
        view = jobs.job_status(session, current_user, job_id)
    return jsonify(job_json(view))


@route(
    "GET",
    "/jobs/{job_id}/result",
    "The finished job's file (audited, with its SHA-256): a PDF (audit report), CSV (uniformity), JSON Lines "
    "(audit export) or JSON (chain check); 409 job_not_done while it is queued, running or failed",
    SIGNED_IN,
    errors=(404, 409),
    produces=tuple(sorted({kind.media_type for kind in JobKind})),
)
def job_result(job_id: int) -> ResponseReturnValue:
    rt = runtime()
    with transaction() as session:
        name, media_type, content = jobs.job_result(
            session, current_user, rt.security.keyring, rt.queue.results, job_id
        )
    return attachment(name, content, media_type)
