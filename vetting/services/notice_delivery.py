"""A notice's delivery, which starts the candidate's response window (issue 16 point 3).

What "the response window starts at delivery as the agency's rule says" means here:

- *The agency's rule* is the cycle's ``response_days`` (board rules, 5 to 60 business days, never
  fewer than 5: FCRA-07's "reasonable period", whose common floor is 5 business days), copied
  into the pre-decision notice when the board proposes, so a later change of the cycle's rules
  does not move a window already given. Weekends and the agency's holidays are not business days.
- *Delivery* is the first of: the e-mail carrying the notice's link left the outbox; the
  candidate opened the notice's link (a link staff handed over, or one opened before the e-mail
  was recorded as sent); staff of the cycle recorded that they handed the notice over (paper or
  in person), on the day they say. FCRA-06 asks that the candidate be *given* the copy before
  adverse action, so a notice issued but not delivered has no window and the final adverse
  decision is refused (``notice_not_delivered``, :meth:`Decision.require_finalisable`).
- The window is counted from the day of delivery on the agency's clock (that day never counts)
  and ends at the end of its last business day there (:func:`vetting.clock.end_of`): a notice
  e-mailed at 22:30 in Chicago on Thursday counts from Thursday, not from Friday in UTC.

A later delivery (a re-issued link, a second e-mail, a paper copy after the e-mail) never moves
the window. Each delivery that starts one is audited (``notice.delivered``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetting import policy
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.business_days import add_business_days
from vetting.clock import shown_date, start_of, today, utcnow
from vetting.errors import Conflict, Forbidden, NotFound, ValidationFailed
from vetting.models import (
    Candidate,
    CandidateLink,
    Decision,
    DecisionStatus,
    Notice,
    NoticeKind,
    User,
)
from vetting.models.board import NoticeDelivery
from vetting.services import holidays


def window_end(session: Session, notice: Notice, delivered_on: date) -> date | None:
    """The last day of ``notice``'s response window if delivered on ``delivered_on`` (agency's
    clock), or ``None`` for a notice without one (the final adverse-action notice)."""
    if notice.kind is not NoticeKind.PRE_DECISION or notice.response_days is None:
        return None
    return add_business_days(delivered_on, notice.response_days, holidays.days(session))


def deliver(
    session: Session, actor: User | None, notice: Notice, at: datetime, via: NoticeDelivery, *, on: date | None = None
) -> bool:
    """Record that ``notice`` reached the candidate at ``at`` (counted from ``on``, by default the
    day ``at`` falls on at the agency) and start its window; ``False`` when it had been delivered
    already. The proposal still waiting on it takes the same due date."""
    delivered_on = on or shown_date(at)
    due = window_end(session, notice, delivered_on)
    if not notice.deliver(at, via, actor.id if actor else None, due):
        return False
    decision = session.get(Decision, notice.decision_id)
    if due is not None and decision is not None and decision.status is DecisionStatus.PROPOSED:
        decision.response_due = due
    record(
        session,
        actor,
        Event.NOTICE_DELIVERED,
        subject=session.get(Candidate, notice.candidate_id),
        notice=notice.id,
        kind=notice.kind.value,
        via=via.value,
        delivered_on=delivered_on.isoformat(),
        response_due=due.isoformat() if due else None,
    )
    return True


def mailed(session: Session, outbox_id: int, at: datetime) -> None:
    """The outbox sent message ``outbox_id``: if it carried a notice's link, the notice is delivered."""
    notice = session.scalar(
        select(Notice)
        .join(CandidateLink, CandidateLink.notice_id == Notice.id)
        .where(CandidateLink.outbox_id == outbox_id)
    )
    if notice is not None:
        deliver(session, None, notice, at, NoticeDelivery.EMAIL)


def opened(session: Session, link: CandidateLink, at: datetime) -> None:
    """The candidate opened a link that carries a notice: they have it."""
    if link.notice_id is None:
        return
    notice = session.get(Notice, link.notice_id)
    if notice is not None and notice.candidate_id == link.candidate_id:
        deliver(session, None, notice, at, NoticeDelivery.LINK)


def record_by_hand(
    session: Session, actor: User, notice_id: int, delivered_on: date, *, candidate_id: int | None = None
) -> Notice:
    """Staff of the cycle record that they handed the notice over on ``delivered_on`` (the agency's
    date: from the day it was issued to today). The cycle's board, which issued it, and its
    searchers, who deal with the candidate (:func:`policy.can_read_notices`); others 404/403.
    ``candidate_id``: the page it was recorded from names the candidate; another's notice is 404."""
    notice = session.get(Notice, notice_id)
    candidate = session.get(Candidate, notice.candidate_id) if notice else None
    if (
        notice is None
        or candidate is None
        or (candidate_id is not None and candidate.id != candidate_id)
        or not policy.can_view_cycle(actor, candidate.cycle)
    ):
        raise NotFound("No such notice.")
    if not policy.can_read_notices(actor, candidate.cycle):
        raise Forbidden(policy.FORBIDDEN)
    if notice.delivered_at is not None:
        assert notice.delivered_via is not None
        raise Conflict(
            f"This notice was already {notice.delivered_via.label} on {shown_date(notice.delivered_at).isoformat()}; "
            "its response window runs from then.",
            code="notice_already_delivered",
        )
    issued_on = shown_date(notice.issued_at)
    if not issued_on <= delivered_on <= today():
        raise ValidationFailed(
            f"The day it was handed over is between the notice's date ({issued_on.isoformat()}) and today.",
            field="delivered_on",
        )
    now = utcnow()
    at = now if delivered_on == today() else max(start_of(delivered_on), notice.issued_at)
    deliver(session, actor, notice, at, NoticeDelivery.HAND, on=delivered_on)
    return notice
