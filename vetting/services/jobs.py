"""Jobs: long work a request only starts and a worker runs (issue 17).

The requester's side (:func:`start_job`, :func:`job_status`, :func:`job_result`) checks the
policy like every service. The worker's side (:func:`claim`, :func:`beat`, :func:`finish`,
:func:`fail`, :func:`unfinished`) moves a job through its states with conditional updates: a job
is claimed by turning it ``running`` under a new attempt number, and only that attempt may beat,
finish or fail it. A worker killed mid-job leaves a ``running`` row whose heartbeat stops; a
later claim takes it over once the heartbeat is older than the lease, and the old attempt, if it
ever comes back, can no longer record anything. So the result is recorded exactly once.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Update, or_, select, update
from sqlalchemy.orm import Session

from vetting import policy
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.clock import utcnow
from vetting.crypto import DataKey, DecryptionError, Keyring, sha256_hex
from vetting.errors import Conflict, Forbidden, NotFound, ValidationFailed
from vetting.models import Job, JobKind, JobStatus, User
from vetting.models.base import MAX_ID
from vetting.services import production
from vetting.services.cycles import get_cycle
from vetting.services.paging import Key, Page, PageRequest, paginate
from vetting.services.stored_files import delete_after_commit, write_file
from vetting.storage import EncryptedStore, FileMissing

#: The parameters each kind takes: ids only, never candidate content.
PARAMETERS: dict[JobKind, frozenset[str]] = {
    JobKind.AUDIT_REPORT: frozenset({"cycle_id"}),
    JobKind.CHAIN_CHECK: frozenset(),
    JobKind.UNIFORMITY_CSV: frozenset({"cycle_id"}),
    JobKind.AUDIT_EXPORT: frozenset(),
    # Checked by the production service (ids, codes and the request's reference).
    JobKind.PRODUCTION: frozenset({"candidate_ids", "purpose", "reference", "version", "prefix", "records_request_id"}),
}
#: Kinds whose parameters name a cycle the requester must be able to see.
CYCLE_KINDS = frozenset({JobKind.AUDIT_REPORT, JobKind.UNIFORMITY_CSV})

#: Longest error message kept on a job (the column's size).
MAX_ERROR = 300


def result_purpose(job_id: int) -> str:
    return f"job-result:{job_id}"


def _key_purpose(job_id: int) -> str:
    return f"job-result-key:{job_id}"


@dataclass(frozen=True)
class JobView:
    id: int
    kind: JobKind
    requested_by_id: int
    parameters: dict[str, Any]
    status: JobStatus
    progress_done: int
    progress_total: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    result_name: str | None
    result_sha256: str | None
    result_bytes: int | None
    error_code: str | None
    error_message: str | None

    @property
    def percent(self) -> int | None:
        """How far along, in whole percent, or ``None`` before the worker has counted the steps."""
        if self.status is JobStatus.DONE:
            return 100
        return self.progress_done * 100 // self.progress_total if self.progress_total else None

    @classmethod
    def of(cls, job: Job) -> JobView:
        return cls(
            id=job.id,
            kind=job.kind,
            requested_by_id=job.requested_by_id,
            parameters=dict(job.parameters),
            status=job.status,
            progress_done=job.progress_done,
            progress_total=job.progress_total,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            result_name=job.result_name,
            result_sha256=job.result_sha256,
            result_bytes=job.result_bytes,
            error_code=job.error_code,
            error_message=job.error_message,
        )


def _parameters(session: Session, actor: User, kind: JobKind, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters checked for ``kind``: the names it takes, whole ids, and objects the actor may see."""
    if kind is JobKind.PRODUCTION:
        return production.check_request(session, actor, params)
    wanted = PARAMETERS[kind]
    if set(params) != wanted:
        takes = ", ".join(sorted(wanted)) or "no parameters"
        raise ValidationFailed(f"A {kind.label.lower()} job takes {takes}.", field="parameters")
    for name, value in params.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_ID:
            raise ValidationFailed(f"{name} must be a whole number between 1 and {MAX_ID}.", field=name)
    if kind in CYCLE_KINDS:
        get_cycle(session, actor, params["cycle_id"])
    return dict(params)


def start_job(session: Session, actor: User, kind: JobKind, **params: Any) -> JobView:
    """Queue a job of ``kind`` for ``actor`` (audited). The caller hands its id to the queue after
    the commit, so a worker never looks for a row that is not there yet."""
    if not policy.can_start_job(actor, kind):
        raise Forbidden(policy.FORBIDDEN)
    checked = _parameters(session, actor, kind, params)
    job = Job(
        kind=kind,
        requested_by_id=actor.id,
        parameters=checked,
        status=JobStatus.QUEUED,
        progress_done=0,
        progress_total=0,
        attempt=0,
    )
    session.add(job)
    session.flush()
    record(session, actor, Event.JOB_STARTED, subject=job, kind=kind.value, **checked)
    return JobView.of(job)


def _readable(session: Session, actor: User, job_id: int) -> Job:
    job = session.get(Job, job_id)
    # Someone else's job is reported as missing: its existence is not theirs to know.
    if job is None or not policy.can_read_job(actor, job.kind, job.requested_by_id):
        raise NotFound("No such job.")
    return job


def job_status(session: Session, actor: User, job_id: int) -> JobView:
    """The job's state and progress, for whoever may read it (:func:`vetting.policy.can_read_job`)."""
    return JobView.of(_readable(session, actor, job_id))


def list_jobs(session: Session, actor: User, page: PageRequest) -> Page[JobView]:
    """One page of the jobs ``actor`` may read (their own, and shared kinds they hold), newest first."""
    query = select(Job).where(policy.readable_jobs(actor))
    return paginate(session, query, [Key(Job.id, descending=True)], page, name="jobs").map(JobView.of)


def job_result(
    session: Session, actor: User, keyring: Keyring, store: EncryptedStore, job_id: int
) -> tuple[str, str, bytes]:
    """(file name, content type, bytes) of a finished job; 409 ``job_not_done`` until then. The download is audited
    with the file's SHA-256, checked against the one recorded when the job finished."""
    job = _readable(session, actor, job_id)
    if job.status is not JobStatus.DONE:
        state = "failed" if job.status is JobStatus.FAILED else "is not finished yet"
        raise Conflict(f"This job {state}: there is no file to download.", code="job_not_done")
    if job.result_key is None:  # see destroy_results
        raise Conflict(job.error_message or DESTROYED, code="disposed")
    assert job.result_file is not None
    assert job.result_name is not None
    try:
        key = DataKey(keyring.decrypt(job.result_key, _key_purpose(job.id)))
        content = store.get(job.result_file, key, result_purpose(job.id))
    except (FileMissing, DecryptionError) as error:
        raise Conflict(
            "The job's file is missing or cannot be opened: start the job again.", code="job_result_missing"
        ) from error
    if sha256_hex(content) != job.result_sha256:
        raise Conflict("The job's file does not match its recorded hash.", code="job_result_missing")
    record(session, actor, Event.JOB_RESULT_DOWNLOADED, subject=job, kind=job.kind.value, sha256=job.result_sha256)
    return job.result_name, job.kind.media_type, content


#: Why a destroyed result cannot be downloaded, when no disposition is named.
DESTROYED = "This job's file was destroyed with the records it held."


@dataclass(frozen=True)
class DestroyedResult:
    """A job's result destroyed with a candidate's records: what the tombstone keeps of it."""

    job_id: int
    candidate_ids: frozenset[int]
    sha256: str
    size: int

    def tombstone(self) -> dict[str, Any]:
        return {"kind": "job_result", "job": self.job_id, "sha256": self.sha256, "size": self.size}


def destroy_results(
    session: Session,
    results: EncryptedStore | None,
    candidate_ids: Collection[int],
    by: str,
    *,
    recorded_only: bool = False,
) -> list[DestroyedResult]:
    """Destroy the result of every finished job that holds content of ``candidate_ids`` (RET-07,
    RET-11): production bundles listing one of them (``recorded_only``: only those with the findings
    as recorded, the one version a minimised finding is in). The other kinds hold codes, counts and
    audit events, never content. The job's data key is destroyed now, its file deleted from
    ``results`` once the transaction commits (as the candidate's files; ``None``: the caller has
    no job store, as the demo's loader, which runs no job, and the file is left unreadable); its
    download then answers 409 ``disposed`` saying ``by`` (e.g. "disposition 4"). Two statements,
    whatever the number of jobs."""
    wanted = set(candidate_ids)
    rows = session.execute(
        select(Job.id, Job.parameters, Job.result_file, Job.result_sha256, Job.result_bytes).where(
            Job.kind == JobKind.PRODUCTION, Job.status == JobStatus.DONE, Job.result_key.is_not(None)
        )
    ).all()
    doomed = [
        row
        for row in rows
        if wanted & set(row.parameters["candidate_ids"])
        and (not recorded_only or row.parameters["version"] == "recorded")
    ]
    if not doomed:
        return []
    session.execute(
        update(Job)
        .where(Job.id.in_([row.id for row in doomed]))
        .values(result_key=None, error_message=f"This job's file was destroyed by {by}: it held records disposed of.")
        .execution_options(synchronize_session="fetch")
    )
    if results is not None:
        delete_after_commit(session, results, [row.result_file for row in doomed])
    destroyed = []
    for row in doomed:
        assert row.result_sha256 is not None  # a done job has both
        assert row.result_bytes is not None
        held = frozenset(wanted & set(row.parameters["candidate_ids"]))
        destroyed.append(DestroyedResult(row.id, held, row.result_sha256, row.result_bytes))
    return destroyed


# --- the worker's side -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A worker's hold on one attempt at a job."""

    job_id: int
    attempt: int
    kind: JobKind
    requested_by_id: int
    parameters: dict[str, Any]


def _changed(session: Session, statement: Update) -> bool:
    """Run a conditional update of one job; whether it changed the row."""
    result = cast(CursorResult[Any], session.execute(statement.execution_options(synchronize_session=False)))
    return result.rowcount == 1


def _held(claim: Claim) -> Any:
    return (Job.id == claim.job_id) & (Job.attempt == claim.attempt) & (Job.status == JobStatus.RUNNING)


def claim(session: Session, job_id: int, stale_before: datetime) -> Claim | None:
    """Take ``job_id`` if it is queued, or running under a heartbeat older than ``stale_before``
    (its worker died); ``None`` when another worker holds it or it is finished."""
    now = utcnow()
    claimable = or_(
        Job.status == JobStatus.QUEUED,
        (Job.status == JobStatus.RUNNING) & (Job.heartbeat_at < stale_before),
    )
    taken = update(Job).where(Job.id == job_id, claimable)
    values = {"status": JobStatus.RUNNING, "started_at": now, "heartbeat_at": now, "progress_done": 0}
    if not _changed(session, taken.values(attempt=Job.attempt + 1, **values)):
        return None
    job = session.execute(
        select(Job.attempt, Job.kind, Job.requested_by_id, Job.parameters).where(Job.id == job_id)
    ).one()
    return Claim(job_id, job.attempt, job.kind, job.requested_by_id, dict(job.parameters))


def beat(session: Session, claim: Claim, done: int | None = None, total: int | None = None) -> bool:
    """Keep the claim alive and record progress; ``False`` when the claim was lost."""
    values: dict[str, Any] = {"heartbeat_at": utcnow()}
    if total is not None:
        values["progress_total"] = total
    if done is not None:
        values["progress_done"] = done
    return _changed(session, update(Job).where(_held(claim)).values(**values))


def finish(session: Session, keyring: Keyring, store: EncryptedStore, claim: Claim, name: str, content: bytes) -> bool:
    """Seal and store the file, and mark the job done, if ``claim`` still holds it; ``False`` (and no
    file) otherwise. In the caller's transaction: the job is done only if that commits."""
    data_key = DataKey.generate()
    file_name = store.new_name()
    done = update(Job).where(_held(claim))
    if not _changed(
        session,
        done.values(
            status=JobStatus.DONE,
            finished_at=utcnow(),
            heartbeat_at=None,
            progress_done=Job.progress_total,
            result_name=name,
            result_file=file_name,
            result_key=keyring.encrypt(data_key, _key_purpose(claim.job_id)),
            result_sha256=sha256_hex(content),
            result_bytes=len(content),
        ),
    ):
        return False
    # Published before the commit and removed if it rolls back: a crash in between leaves a file
    # no row names, never a row without its file.
    write_file(session, store, file_name, DataKey(data_key), content, result_purpose(claim.job_id))
    return True


def fail(session: Session, claim: Claim, code: str, message: str) -> bool:
    """Mark the job failed with a code and a message fit for the requester (no candidate content)."""
    failed = update(Job).where(_held(claim))
    return _changed(
        session,
        failed.values(
            status=JobStatus.FAILED,
            finished_at=utcnow(),
            heartbeat_at=None,
            error_code=code[:64],
            error_message=message[:MAX_ERROR],
        ),
    )


def unfinished(session: Session, stale_before: datetime, queued_before: datetime) -> list[int]:
    """Jobs a worker should (re)run: running ones whose worker stopped beating before
    ``stale_before``, and queued ones created before ``queued_before`` (their message may be lost)."""
    stale = (Job.status == JobStatus.RUNNING) & (Job.heartbeat_at < stale_before)
    waiting = (Job.status == JobStatus.QUEUED) & (Job.created_at < queued_before)
    return list(session.scalars(select(Job.id).where(or_(stale, waiting)).order_by(Job.id)))


def requester(session: Session, claim: Claim) -> User:
    """The account the job runs as: the policy is checked again, as of now, by the work itself."""
    user = session.get(User, claim.requested_by_id)
    assert user is not None  # a foreign key
    return user
