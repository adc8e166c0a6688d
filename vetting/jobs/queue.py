"""The task queue (Huey): Redis when ``queue_url`` says so, else a SQLite file in the instance.

A message carries only a job's id; the ``jobs`` row says what to do and who asked. The queue is
opened on first use, so building a runtime (every test app, every command) creates no file and
connects to nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from huey import Huey, RedisHuey, SqliteHuey

from vetting.storage import EncryptedStore

log = logging.getLogger("vetting.jobs")

#: The embedded queue's file, inside the instance folder.
QUEUE_FILE = "queue.sqlite3"
#: The queue's name (the Redis key prefix; the SQLite table's queue column).
QUEUE_NAME = "vetting"
#: Seconds without a heartbeat after which a running job's worker is taken for dead.
DEFAULT_LEASE = 60.0


def queue_name(queue_url: str) -> tuple[str, str]:
    """(the URL without its ``queue`` parameter, the queue's name): instances sharing one Redis
    keep apart by naming their queues (``redis://host/0?queue=agency-a``)."""
    base, _, raw = queue_url.partition("?")
    query = parse_qsl(raw, keep_blank_values=True)
    names = [value for key, value in query if key == "queue" and value]
    rest = urlencode([(key, value) for key, value in query if key != "queue"])
    return base + (f"?{rest}" if rest else ""), names[-1] if names else QUEUE_NAME


def open_huey(queue_url: str | None, instance_path: Path) -> Huey:
    """The Huey instance for ``queue_url``; ``None`` is the embedded SQLite queue."""
    if queue_url is None:
        return SqliteHuey(QUEUE_NAME, filename=str(instance_path / QUEUE_FILE), results=False)
    url, name = queue_name(queue_url)
    if url.startswith("sqlite:///"):
        return SqliteHuey(name, filename=url.removeprefix("sqlite:///"), results=False)
    return RedisHuey(name, url=url, results=False)


class JobQueue:
    """Hands job ids to the worker; :meth:`bind` names the function that runs one."""

    def __init__(self, queue_url: str | None, instance_path: Path, results: EncryptedStore) -> None:
        self.queue_url = queue_url
        self.instance_path = instance_path
        #: The worker sets it (``vetting worker --lease``); the heartbeat beats four times per lease.
        self.lease = DEFAULT_LEASE
        #: Finished jobs' files, sealed under their own data keys (the shared store's jobs folder).
        self.results = results
        self._huey: Huey | None = None
        self._task: Any = None
        self._run: Callable[[int], None] | None = None
        self._deliver: Callable[[int], object] | None = None
        self._mail_task: Any = None
        self._scheduled: list[tuple[str, Any, Callable[[], object]]] = []
        self._lock = threading.Lock()

    def bind(self, run: Callable[[int], None]) -> None:
        """``run(job_id)`` does a job (:func:`vetting.jobs.tasks.run_job` over the runtime)."""
        self._run = run

    def bind_mail(self, deliver: Callable[[int], object]) -> None:
        """``deliver(message_id)`` sends one outbox message (:func:`vetting.jobs.mail.deliver`)."""
        self._deliver = deliver

    def schedule(self, name: str, when: Any, run: Callable[[], object]) -> None:
        """Run ``run()`` on every worker's scheduler at ``when`` (a Huey ``crontab``); the task
        itself makes sure its work is done once however many workers run it."""
        self._scheduled.append((name, when, run))

    @property
    def huey(self) -> Huey:
        with self._lock:
            if self._huey is None:
                huey = open_huey(self.queue_url, self.instance_path)
                run = self._run
                assert run is not None, "JobQueue.bind was not called"
                # One task for every kind: the row, not the message, says what to do.
                self._task = huey.task(name="vetting.run_job")(run)
                if self._deliver is not None:
                    # Mail is not a job (no requester, no file): its outbox row says what to send.
                    self._mail_task = huey.task(name="vetting.deliver_mail")(self._deliver)
                for name, when, scheduled in self._scheduled:
                    huey.periodic_task(when, name=name)(scheduled)
                self._huey = huey
            return self._huey

    @property
    def immediate(self) -> bool:
        return bool(self.huey.immediate)

    @immediate.setter
    def immediate(self, value: bool) -> None:
        """Run each job inside :meth:`enqueue` (tests of the job logic only)."""
        self.huey.immediate = value

    def enqueue(self, job_id: int) -> None:
        self.huey  # noqa: B018 (opens the queue and registers the task)
        self._task(job_id)

    def offer(self, job_id: int) -> bool:
        """:meth:`enqueue` after the job's row is committed; a broker that does not answer is logged,
        not raised: the row stays queued and the worker's sweep hands it over later."""
        try:
            self.enqueue(job_id)
        except Exception as error:
            log.warning("job %s: the queue did not take it (%s); the worker's sweep will", job_id, type(error).__name__)
            return False
        return True

    def enqueue_mail(self, message_id: int) -> None:
        self.huey  # noqa: B018 (opens the queue and registers the task)
        assert self._mail_task is not None, "JobQueue.bind_mail was not called"
        self._mail_task(message_id)

    def offer_mail(self, message_id: int) -> bool:
        """:meth:`enqueue_mail` after the outbox row is committed; a broker that does not answer is
        logged, not raised: the message stays queued and the worker's sweep hands it over later."""
        try:
            self.enqueue_mail(message_id)
        except Exception as error:
            log.warning(
                "mail %s: the queue did not take it (%s); the worker's sweep will", message_id, type(error).__name__
            )
            return False
        return True
