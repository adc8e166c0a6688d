"""How a notice reached the candidate (issue 16 point 3): e-mailed, opened, downloaded, as the board sees it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vetting.models import CandidateLink, OutboxMessage


@dataclass(frozen=True)
class Delivery:
    """How a notice reached the candidate: e-mailed (sent), opened, downloaded (earliest of each)."""

    linked_at: datetime | None = None
    mailed_at: datetime | None = None
    opened_at: datetime | None = None
    downloaded_at: datetime | None = None


def deliveries(session: Session, notice_ids: list[int]) -> dict[int, Delivery]:
    """Each notice's delivery over all its links, in one query."""
    if not notice_ids:
        return {}
    query = (
        select(
            CandidateLink.notice_id,
            func.min(CandidateLink.issued_at),
            func.min(OutboxMessage.sent_at),
            func.min(CandidateLink.first_opened_at),
            func.min(CandidateLink.downloaded_at),
        )
        .outerjoin(OutboxMessage, OutboxMessage.id == CandidateLink.outbox_id)
        .where(CandidateLink.notice_id.in_(notice_ids))
        .group_by(CandidateLink.notice_id)
    )
    return {
        notice_id: Delivery(linked, mailed, opened, downloaded)
        for notice_id, linked, mailed, opened, downloaded in session.execute(query)
        if notice_id is not None
    }
