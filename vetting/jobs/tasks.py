"""What the worker does with a job id: claim the row, do the work as the requester, record once.

The work and the result are one transaction: the report's own audit event (with the file's
SHA-256), the sealed file and the ``done`` state commit together, and only while this attempt
still holds the claim. A worker killed before that commit leaves the job ``running`` with a
heartbeat that stops; the sweep (:func:`sweep`) hands it to the queue again once the lease has
passed, and the new attempt does the work from the start.
"""

from __future__ import annotations

import json
import logging
import threading
import traceback
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from vetting import uniformity_matrix
from vetting.audit.chain import VerifyResult, format_timestamp, public_key_pem
from vetting.clock import utcnow
from vetting.config import AGENCY_NAME_MISSING
from vetting.errors import DomainError
from vetting.models import AuditVerification, JobKind
from vetting.services import audit_anchor, audit_log, audit_report, jobs, production, uniformity

if TYPE_CHECKING:
    from vetting.runtime import Runtime

log = logging.getLogger("vetting.jobs")

#: Told how many steps of a job's work are done, and how many there are in all.
Progress = Callable[[int, int], None]
#: Does a job's work for its requester (:func:`vetting.services.jobs.requester`) in ``session``,
#: whose transaction begins at its first statement: (file name, bytes).
Work = Callable[["Runtime", Session, jobs.Claim, Progress], tuple[str, bytes]]


class ClaimLost(Exception):
    """Another attempt took the job over while this one worked: its work is rolled back."""


def _audit_report(rt: Runtime, session: Session, claim: jobs.Claim, progress: Progress) -> tuple[str, bytes]:
    agency = rt.settings.agency_name
    if not agency:
        raise DomainError(AGENCY_NAME_MISSING, code="agency_name_missing")
    # The chain check the report cites, committed first: numbering its entry takes the chain's
    # lock until the commit, and every audited request would wait for the report's layout.
    with rt.db.transaction() as first:
        public_key = rt.settings.audit_signing_key.public_key()
        checked = audit_log.verify_recorded(first, jobs.requester(first, claim), public_key, ())
    actor = jobs.requester(session, claim)
    cycle_id = claim.parameters["cycle_id"]
    return audit_report.render(session, actor, rt.security, rt.reports, agency, cycle_id, _steps(progress), checked)


def _uniformity_csv(rt: Runtime, session: Session, claim: jobs.Claim, _progress: Progress) -> tuple[str, bytes]:
    cycle_id = claim.parameters["cycle_id"]
    report = uniformity.build(session, jobs.requester(session, claim), cycle_id)
    # Encoded as the synchronous download is (vetting.http.documents.csv_response): with a
    # byte-order mark, so spreadsheets read it as UTF-8.
    return f"uniformity-cycle-{cycle_id}.csv", uniformity_matrix.to_csv(report).encode("utf-8-sig")


def _audit_export(rt: Runtime, session: Session, claim: jobs.Claim, _progress: Progress) -> tuple[str, bytes]:
    public_key = rt.settings.audit_signing_key.public_key()
    return audit_log.export_as(session, jobs.requester(session, claim), public_key)


def _chain_check(rt: Runtime, session: Session, claim: jobs.Claim, progress: Progress) -> tuple[str, bytes]:
    """``vetting audit verify --full`` as a job: the same check, entry and marker; a JSON report.

    The configured witnesses are read as the command reads them (one that cannot be read fails
    the job, as it stops the command). The chain is read before ``session`` runs a statement: on
    a snapshot connection of its own, with no lock held (on SQLite a transaction holds the write
    lock from its start), so others write, and this job's progress commits, while it reads.
    """
    public_key = rt.settings.audit_signing_key.public_key()
    heads, problems = audit_anchor.configured_heads(rt.settings.audit_witnesses)
    if problems:
        raise DomainError("Cannot verify: " + "; ".join(problems), code="witness_unreadable")
    result = audit_log.verify(session, public_key, heads, progress=progress)
    recorded_as, marker = audit_log.record_full_check(session, jobs.requester(session, claim), result)
    report = _check_report(result, recorded_as, marker) | {"public_key_pem": public_key_pem(public_key)}
    return f"audit-chain-check-{recorded_as}.json", (json.dumps(report, indent=2) + "\n").encode()


def _check_report(result: VerifyResult, recorded_as: int, marker: AuditVerification | None) -> dict[str, Any]:
    cp = result.last_checkpoint
    return {
        "full": True,
        "ok": result.ok,
        "summary": result.summary(),
        "entries": result.entries,
        "checkpoints": result.checkpoints,
        "broken_seq": result.broken_seq,
        "reason": result.reason,
        "witnessed_heads": result.witnessed,
        "witnessed_seq": result.witnessed_seq,
        "last_checkpoint": {
            "seq": cp.seq,
            "entry_hash": cp.entry_hash,
            "signed_at": format_timestamp(cp.signed_at),
            "key_id": cp.key_id,
        }
        if cp
        else None,
        # The check's own entry follows the entries it checked.
        "recorded_as_seq": recorded_as,
        # What the next routine check starts after: signed with the chain's key (none when broken).
        "marker": {
            "seq": marker.seq,
            "entry_hash": marker.entry_hash,
            "checkpoints": marker.checkpoints,
            "verified_at": format_timestamp(marker.verified_at),
            "key_id": marker.key_id,
            "signature": marker.signature,
        }
        if marker
        else None,
    }


def _production(rt: Runtime, session: Session, claim: jobs.Claim, progress: Progress) -> tuple[str, bytes]:
    """A production bundle (issue 15 point 5): the policy and every candidate checked again now."""
    agency = rt.settings.agency_name
    if not agency:
        raise DomainError(AGENCY_NAME_MISSING, code="agency_name_missing")
    return production.make(
        session,
        jobs.requester(session, claim),
        rt.security,
        rt.store,
        rt.reports,
        rt.settings.audit_signing_key,
        agency,
        f"job-{claim.job_id}",
        claim.parameters,
        progress=_steps(progress),
    )


def _steps(progress: Progress) -> Progress:
    """Candidates done so far, told to a progress that adds steps (:func:`_counting`)."""
    told = 0

    def tell(done: int, total: int) -> None:
        nonlocal told
        progress(done - told, total)
        told = done

    return tell


WORK: dict[JobKind, Work] = {
    JobKind.AUDIT_REPORT: _audit_report,
    JobKind.CHAIN_CHECK: _chain_check,
    JobKind.UNIFORMITY_CSV: _uniformity_csv,
    JobKind.AUDIT_EXPORT: _audit_export,
    JobKind.PRODUCTION: _production,
}


class Heartbeat:
    """Beats for a claim from a thread of its own until stopped (each beat its own transaction),
    carrying the progress the work reports (:meth:`report`), which wakes it for a prompt beat."""

    def __init__(self, rt: Runtime, claim: jobs.Claim, interval: float) -> None:
        self._rt, self._claim, self._interval = rt, claim, interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._progress: tuple[int, int] | None = None
        self._thread = threading.Thread(target=self._loop, name=f"job-{claim.job_id}-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join()

    def report(self, done: int, total: int) -> None:
        """Progress: ``done`` steps of ``total`` (written by the next beat, not by the work's thread)."""
        self._progress = (min(done, total), total)
        self._wake.set()

    def _loop(self) -> None:
        while True:
            self._wake.wait(self._interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            done, total = self._progress or (None, None)
            try:
                with self._rt.db.transaction() as session:
                    if not jobs.beat(session, self._claim, done=done, total=total):
                        return
            except SQLAlchemyError as error:  # a busy database: the next beat tries again
                log.warning("job %s: heartbeat failed (%s)", self._claim.job_id, type(error).__name__)


def _counting(heartbeat: Heartbeat, observe: Progress | None = None) -> Progress:
    """The work's progress as steps added (``vetting.audit.verification.Progress``) summed; each
    step is also told to ``observe`` (a command's progress bar)."""
    done = 0

    def advance(steps: int, total: int) -> None:
        nonlocal done
        done += steps
        heartbeat.report(done, total)
        if observe is not None:
            observe(steps, total)

    return advance


def run_job(rt: Runtime, job_id: int, observe: Progress | None = None) -> None:
    """Claim and do job ``job_id``; a job already held or finished is left alone. ``observe`` is
    told the steps done as they are (a command that runs the job in-process shows a bar)."""
    lease = rt.queue.lease
    with rt.db.transaction() as session:
        claim = jobs.claim(session, job_id, stale_before=utcnow() - timedelta(seconds=lease))
        if claim is not None:
            jobs.beat(session, claim, done=0, total=1)
    if claim is None:
        return
    log.info("job %s (%s): attempt %s started", job_id, claim.kind.value, claim.attempt)
    try:
        with Heartbeat(rt, claim, lease / 4) as heartbeat, rt.db.transaction() as session:
            name, content = WORK[claim.kind](rt, session, claim, _counting(heartbeat, observe))
            if not jobs.finish(session, rt.security.keyring, rt.queue.results, claim, name, content):
                raise ClaimLost
    except ClaimLost:
        log.warning("job %s: attempt %s lost its claim; its work was rolled back", job_id, claim.attempt)
        return
    except DomainError as error:
        _fail(rt, claim, error.code, error.message)
        return
    except Exception as error:
        # Where it failed, not the exception's message: that may quote what was being rendered.
        where = "".join(traceback.format_tb(error.__traceback__))
        log.error("job %s: attempt %s failed (%s) at\n%s", job_id, claim.attempt, type(error).__name__, where)
        _fail(rt, claim, "job_failed", "The job failed unexpectedly; the server's log has the details.")
        return
    log.info("job %s (%s): attempt %s done", job_id, claim.kind.value, claim.attempt)


def _fail(rt: Runtime, claim: jobs.Claim, code: str, message: str) -> None:
    with rt.db.transaction() as session:
        jobs.fail(session, claim, code, message)
    log.info("job %s: attempt %s failed (%s)", claim.job_id, claim.attempt, code)


def sweep(rt: Runtime, *, starting: bool) -> list[int]:
    """Hand the queue again the jobs whose message was lost: running jobs whose worker stopped
    beating for a lease, and queued jobs older than a lease (every queued job when the worker is
    ``starting``: the broker may have been emptied). A job handed twice runs once (the claim)."""
    now = utcnow()
    stale_before = now - timedelta(seconds=rt.queue.lease)
    with rt.db.transaction() as session:
        found = jobs.unfinished(session, stale_before, now if starting else stale_before)
    for job_id in found:
        rt.queue.enqueue(job_id)
    return found
