"""The daily reminder digest as a scheduled task (issue 16 point 6).

Every worker's scheduler runs :func:`send_digests` every few minutes (a Huey periodic task). It
reads whether today's digest is due (the agency's day, from the configured hour on) and, if so,
claims the day by inserting its row and queues every person's digest in the same transaction.
With two workers both may try: the second insert of the day fails on its primary key and its
transaction rolls back whole, so each person gets one digest a day. The messages are handed to
the queue after the commit, as every other outbox message is (the mail sweep picks up any the
queue did not take).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from huey import crontab
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from vetting.services import reminders

if TYPE_CHECKING:
    from vetting.runtime import Runtime

log = logging.getLogger("vetting.reminders")

#: How often a worker's scheduler asks whether the day's digest is due (a cheap read each time).
SCHEDULE = crontab(minute="*/5")


def send_digests(rt: Runtime) -> list[int] | None:
    """Queue today's digests if they are due and unclaimed: the outbox ids, or ``None`` when
    there was nothing to do (not yet the hour, already claimed, or another worker won the day)."""
    agency = rt.settings.agency_name
    if not agency:
        log.warning("reminder digests: no agency name is configured; none sent")
        return None
    with rt.db.transaction() as session:
        day = reminders.digest_due(session)
    if day is None:
        return None
    try:
        with rt.db.transaction() as session:
            queued = reminders.queue_digests(session, day, agency, rt.settings.public_url)
    except IntegrityError:
        log.info("reminder digests for %s: another worker claimed the day", day)
        return None
    for message_id in queued:
        rt.queue.offer_mail(message_id)
    log.info("reminder digests for %s: %s queued", day, len(queued))
    return queued


def send_digests_quietly(rt: Runtime) -> None:
    """:func:`send_digests` for the scheduler: a database away is logged and tried at the next tick."""
    try:
        send_digests(rt)
    except SQLAlchemyError as error:
        log.warning("reminder digests failed (%s); the next tick tries again", type(error).__name__)
