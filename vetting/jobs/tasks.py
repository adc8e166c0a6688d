"""What the worker does with a job id: claim the row, do the work as the requester, record once.

The work and the result are one transaction: the report's own audit event (with the file's
SHA-256), the sealed file and the ``done`` state commit together, and only while this attempt
still holds the claim. A worker killed before that commit leaves the job ``running`` with a
heartbeat that stops; the sweep (:func:`sweep`) hands it to the queue again once the lease has
passed, and the new attempt does the work from the start.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from vetting.clock import utcnow
from vetting.config import AGENCY_NAME_MISSING
from vetting.errors import DomainError
from vetting.models import JobKind, User
from vetting.services import audit_report, jobs

if TYPE_CHECKING:
    from vetting.runtime import Runtime

log = logging.getLogger("vetting.jobs")

#: Does a job's work as ``actor`` in ``session``: (file name, bytes).
Work = Callable[["Runtime", Session, User, dict[str, int]], tuple[str, bytes]]


class ClaimLost(Exception):
    """Another attempt took the job over while this one worked: its work is rolled back."""


def _audit_report(rt: Runtime, session: Session, actor: User, params: dict[str, int]) -> tuple[str, bytes]:
    agency = rt.settings.agency_name
    if not agency:
        raise DomainError(AGENCY_NAME_MISSING, code="agency_name_missing")
    return audit_report.render(session, actor, rt.security, rt.reports, agency, params["cycle_id"])


WORK: dict[JobKind, Work] = {JobKind.AUDIT_REPORT: _audit_report}


class Heartbeat:
    """Beats for a claim from a thread of its own until stopped (each beat its own transaction)."""

    def __init__(self, rt: Runtime, claim: jobs.Claim, interval: float) -> None:
        self._rt, self._claim, self._interval = rt, claim, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"job-{claim.job_id}-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                with self._rt.db.transaction() as session:
                    if not jobs.beat(session, self._claim):
                        return
            except SQLAlchemyError as error:  # a busy database: the next beat tries again
                log.warning("job %s: heartbeat failed (%s)", self._claim.job_id, type(error).__name__)


def run_job(rt: Runtime, job_id: int) -> None:
    """Claim and do job ``job_id``; a job already held or finished is left alone."""
    lease = rt.queue.lease
    with rt.db.transaction() as session:
        claim = jobs.claim(session, job_id, stale_before=utcnow() - timedelta(seconds=lease))
        if claim is not None:
            jobs.beat(session, claim, done=0, total=1)
    if claim is None:
        return
    log.info("job %s (%s): attempt %s started", job_id, claim.kind.value, claim.attempt)
    try:
        with Heartbeat(rt, claim, lease / 4), rt.db.transaction() as session:
            name, content = WORK[claim.kind](rt, session, jobs.requester(session, claim), claim.parameters)
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
