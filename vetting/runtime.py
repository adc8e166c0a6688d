"""What the app, the command line and workers build once from the settings (no Flask)."""

from __future__ import annotations

from dataclasses import dataclass

from vetting.clock import set_zone
from vetting.config import PROJECT_ROOT, Settings
from vetting.db import Database
from vetting.jobs.mail import deliver
from vetting.jobs.queue import JobQueue
from vetting.jobs.reminders import SCHEDULE as DIGEST_SCHEDULE
from vetting.jobs.reminders import send_digests_quietly
from vetting.jobs.tasks import run_job
from vetting.pdf import Reports
from vetting.services.context import Security
from vetting.storage import JOBS_FOLDER, EncryptedStore, LocalStore

#: Encrypted evidence and signed forms, inside the instance folder (outside the web root).
EVIDENCE_DIR = "evidence"


def open_store(settings: Settings, folder: str | None = None) -> EncryptedStore:
    """The configured store: S3-compatible object storage, or the instance folder's ``evidence/``;
    with ``folder``, the store inside it there (:data:`~vetting.storage.JOBS_FOLDER`)."""
    if settings.object_storage is None:
        root = settings.instance_path / EVIDENCE_DIR
        return LocalStore(root / folder if folder else root)
    from vetting.storage.s3 import S3Store  # boto3 is imported only when it is used

    where = settings.object_storage
    prefix = "/".join(part for part in (where.prefix.strip("/"), folder) if part)
    return S3Store(where.bucket, prefix, endpoint_url=where.endpoint_url)


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    db: Database
    security: Security
    store: EncryptedStore
    reports: Reports
    #: Long work off the request (issue 17); opened on first use.
    queue: JobQueue

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        set_zone(settings.time_zone)  # the agency's clock, for the server, the worker and the CLI alike
        # Finished jobs' files go where evidence goes, so any server reads what any worker wrote.
        queue = JobQueue(settings.queue_url, settings.instance_path, open_store(settings, JOBS_FOLDER))
        runtime = cls(
            settings=settings,
            db=Database(settings.database_url, settings.audit_signing_key),
            security=Security.from_settings(settings),
            store=open_store(settings),
            reports=Reports(PROJECT_ROOT / "templates"),
            queue=queue,
        )
        queue.bind(lambda job_id: run_job(runtime, job_id))
        queue.bind_mail(lambda message_id: deliver(runtime, message_id))
        queue.schedule("vetting.reminder_digests", DIGEST_SCHEDULE, lambda: send_digests_quietly(runtime))
        return runtime
