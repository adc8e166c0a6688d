"""What the board and the investigators see of the candidate's side (issue 16): how a notice reached the
candidate (e-mailed, opened, downloaded) and which files came with an answer sent online."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vetting.models import CandidateLink, OutboxMessage, ResponseAttachment


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


def attachments_of(session: Session, response_ids: list[int]) -> dict[int, list[int]]:
    """The ids of the files attached to each response sent online, in one query."""
    found: dict[int, list[int]] = {}
    if not response_ids:
        return found
    query = (
        select(ResponseAttachment.response_id, ResponseAttachment.id)
        .where(ResponseAttachment.response_id.in_(response_ids))
        .order_by(ResponseAttachment.id)
    )
    for response_id, attachment_id in session.execute(query):
        found.setdefault(response_id, []).append(attachment_id)
    return found
