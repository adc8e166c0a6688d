"""``vetting worker``: a Huey consumer, and a sweep that gives the queue back the jobs it lost.

Huey takes a message off the broker before running it, so a worker killed mid-job loses the
message. At start the worker hands the queue every unfinished job; while it runs, a sweep thread
hands it again each job whose heartbeat stopped for a lease (its worker died). The claim on the
``jobs`` row (:func:`vetting.services.jobs.claim`) makes a job handed twice run once.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from vetting.jobs.mail import sweep_quietly as sweep_mail
from vetting.jobs.tasks import sweep

if TYPE_CHECKING:
    from vetting.runtime import Runtime

log = logging.getLogger("vetting.jobs")


def _sweeping(rt: Runtime, stop: threading.Event) -> None:
    while not stop.wait(rt.queue.lease / 2):
        # The outbox too: new messages never handed over, and retries whose wait is over.
        sweep_mail(rt)
        try:
            found = sweep(rt, starting=False)
        except (SQLAlchemyError, OSError) as error:  # the database or the broker is away: try later
            log.warning("job sweep failed (%s)", type(error).__name__)
            continue
        if found:
            log.info("job sweep: %s job(s) handed to the queue again", len(found))


def run_worker(rt: Runtime, workers: int, lease: float) -> None:
    """Run jobs until SIGINT or SIGTERM (Huey finishes the running ones on SIGINT)."""
    rt.queue.lease = lease
    found = sweep(rt, starting=True)
    if found:
        log.info("worker start: %s unfinished job(s) handed to the queue", len(found))
    sweep_mail(rt)
    stop = threading.Event()
    sweeper = threading.Thread(target=_sweeping, args=(rt, stop), name="job-sweep", daemon=True)
    sweeper.start()
    # An idle consumer polls the SQLite queue at most a second apart (Huey's default backs off to
    # ten): a job someone waits for starts within a second. Redis answers at once either way.
    # ``periodic``: the scheduler runs the reminder digests' check (vetting.jobs.reminders).
    consumer = rt.queue.huey.create_consumer(workers=workers, worker_type="thread", periodic=True, max_delay=1.0)
    try:
        consumer.run()
    finally:
        stop.set()
        sweeper.join()
