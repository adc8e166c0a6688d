"""Due dates and reminders (issue 16 point 6): what needs a person's action, and the daily digest.

Each reminder is counted in SQL for one person, per cycle, and only where :mod:`vetting.policy`
lets them act (:func:`~vetting.policy.acting_cycles`: a searcher's cycles with a current
designation, R4; a board member's boards; the administrators' designations, POL-03). Nothing is
decrypted: the counts read ids, dates and states. :func:`actions_for` runs two statements whatever
the number of candidates: the thresholds with the coming holidays, and one ``UNION ALL`` of every
count. "Days" are the agency's days (:mod:`vetting.clock`): a candidate added on the 2nd is seven
days old from the start of the 9th there, whatever the server's zone.

Legal holds due for review (issue 15) are counted for those who may release them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Integer, String, and_, cast, exists, false, func, literal, null, select, true, union_all
from sqlalchemy.orm import Session, aliased

from vetting import policy
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.business_days import add_business_days
from vetting.clock import end_of, local, today, utcnow
from vetting.errors import Forbidden, ValidationFailed
from vetting.models import (
    DEFAULT_THRESHOLDS,
    Candidate,
    ChecklistVersionItem,
    Consent,
    Cycle,
    Decision,
    DecisionStatus,
    DigestDay,
    Duty,
    Finding,
    Holiday,
    ItemResolution,
    LegalHold,
    ReminderKind,
    ReminderThresholds,
    Role,
    SensitiveDesignation,
    User,
    UserRole,
)
from vetting.models.reminder import MAX_DAYS, MIN_DAYS
from vetting.services import decisions, mail, release

#: Holidays this far ahead are read with the thresholds: more than the longest response window.
HOLIDAY_HORIZON = timedelta(days=3 * MAX_DAYS)


@dataclass(frozen=True)
class Thresholds:
    """Whole days before each reminder (business days for response windows), and the digest's
    agency-local hour. Defaults: :data:`vetting.models.DEFAULT_THRESHOLDS`."""

    consent_pending_days: int
    checklist_ageing_days: int
    review_waiting_days: int
    recommendation_missing_days: int
    response_window_days: int
    designation_review_days: int
    hold_review_days: int
    digest_hour: int

    @classmethod
    def defaults(cls) -> Thresholds:
        return cls(**DEFAULT_THRESHOLDS)

    @classmethod
    def of(cls, row: ReminderThresholds | None) -> Thresholds:
        if row is None:
            return cls.defaults()
        return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})

    def days(self, kind: ReminderKind) -> int:
        found: int = getattr(self, kind.threshold)
        return found

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def checked(values: dict[str, Any]) -> Thresholds:
    """Thresholds from ``values`` (every field, whole numbers), or a refusal naming the field."""
    names = [f.name for f in fields(Thresholds)]
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise ValidationFailed(f"{unknown[0]}: not a reminder threshold.", field=unknown[0])
    out: dict[str, int] = {}
    for name in names:
        value = values.get(name)
        if value is None:
            raise ValidationFailed(f"{name}: required.", field=name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationFailed(f"{name}: a whole number.", field=name)
        low, high = (0, 23) if name == "digest_hour" else (MIN_DAYS, MAX_DAYS)
        if not low <= value <= high:
            what = "an hour" if name == "digest_hour" else "whole days"
            raise ValidationFailed(f"{name}: {what} from {low} to {high}.", field=name)
        out[name] = value
    return Thresholds(**out)


def get_thresholds(session: Session, actor: User) -> Thresholds:
    """The agency's thresholds (administrators)."""
    policy.require(actor, policy.Action.REMINDERS_MANAGE)
    return Thresholds.of(session.get(ReminderThresholds, 1))


def set_thresholds(session: Session, actor: User, values: dict[str, Any]) -> Thresholds:
    """Save the agency's thresholds (administrators; audited with the values). One person decides:
    a threshold changes when a reminder comes, never what anyone may do."""
    policy.require(actor, policy.Action.REMINDERS_MANAGE)
    wanted = checked(values)
    row = session.get(ReminderThresholds, 1)
    if row is None:
        row = ReminderThresholds(id=1)
        session.add(row)
    for name, value in wanted.as_dict().items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    row.updated_by_id = actor.id
    session.flush()
    record(session, actor, Event.REMINDERS_THRESHOLDS_SET, thresholds=wanted.as_dict())
    return wanted


# --- what needs a person's action -------------------------------------------------------------------


@dataclass(frozen=True)
class ActionItem:
    """A count of one kind of reminder in one cycle (``None``: not about a cycle)."""

    kind: ReminderKind
    count: int
    days: int
    cycle_id: int | None
    cycle_title: str | None
    #: The duty the person acts in there (where the link goes); ``None`` outside a cycle.
    duty: Duty | None

    @property
    def text(self) -> str:
        return self.kind.phrase(self.count, self.days)


@dataclass(frozen=True)
class ActionList:
    day: date
    thresholds: Thresholds
    items: list[ActionItem]

    @property
    def total(self) -> int:
        return sum(item.count for item in self.items)


def _settings(session: Session, on: date) -> tuple[Thresholds, set[date]]:
    """The thresholds and the coming holidays, in one statement (a missing row: the defaults)."""
    one = select(literal(1).label("one")).subquery()
    rows = session.execute(
        select(ReminderThresholds, Holiday.day)
        .select_from(one)
        .outerjoin(ReminderThresholds, ReminderThresholds.id == 1)
        .outerjoin(Holiday, and_(Holiday.day > on, Holiday.day <= on + HOLIDAY_HORIZON))
    ).all()
    row = rows[0][0] if rows else None
    return Thresholds.of(row), {day for _, day in rows if day is not None}


def _counted(kind: ReminderKind, duty: Duty) -> Any:
    return select(
        literal(kind.value, String).label("kind"),
        literal(duty.value, String).label("duty"),
        Cycle.id.label("cycle_id"),
        Cycle.title.label("cycle_title"),
        func.count().label("n"),
    )


def _by_cycle(query: Any) -> Any:
    return query.group_by(Cycle.id, Cycle.title)


def _parts(actor: User, th: Thresholds, on: date, holidays: set[date]) -> list[Any]:
    """One aggregate per kind the actor may act on; cutoffs are the ends of agency days."""

    def since(kind: ReminderKind) -> Any:
        return end_of(on - timedelta(days=th.days(kind)))

    parts: list[Any] = []
    investigates = policy.acting_cycles(actor, Duty.INVESTIGATOR)
    decides = policy.acting_cycles(actor, Duty.BOARD_MEMBER)
    if actor.has_role(Role.INVESTIGATOR):
        consented = exists().where(Consent.candidate_id == Candidate.id)
        parts.append(
            _by_cycle(
                _counted(ReminderKind.CONSENT_PENDING, Duty.INVESTIGATOR)
                .select_from(Candidate)
                .join(Cycle, Cycle.id == Candidate.cycle_id)
                .where(
                    Cycle.id.in_(investigates),
                    ~consented,
                    Candidate.created_at <= since(ReminderKind.CONSENT_PENDING),
                )
            )
        )
        unresolved = (
            exists()
            .where(
                ChecklistVersionItem.version_id == Cycle.checklist_version_id,
                ~exists().where(
                    ItemResolution.candidate_id == Candidate.id, ItemResolution.item_id == ChecklistVersionItem.id
                ),
            )
            .correlate(Candidate, Cycle)
        )
        parts.append(
            _by_cycle(
                _counted(ReminderKind.CHECKLIST_AGEING, Duty.INVESTIGATOR)
                .select_from(Candidate)
                .join(Consent, Consent.candidate_id == Candidate.id)
                .join(Cycle, Cycle.id == Candidate.cycle_id)
                .where(
                    Cycle.id.in_(investigates),
                    Candidate.search_completed_at.is_(None),
                    Consent.recorded_at <= since(ReminderKind.CHECKLIST_AGEING),
                    unresolved,
                )
            )
        )
        parts.append(
            _by_cycle(
                release.awaiting_review_select(
                    actor, *_counted(ReminderKind.REVIEW_WAITING, Duty.INVESTIGATOR).selected_columns
                ).where(Finding.updated_at <= since(ReminderKind.REVIEW_WAITING))
            )
        )
    if actor.has_role(Role.BOARD_MEMBER):
        parts.append(
            _by_cycle(
                _counted(ReminderKind.RECOMMENDATION_MISSING, Duty.BOARD_MEMBER)
                .select_from(Candidate)
                .join(Cycle, Cycle.id == Candidate.cycle_id)
                .where(
                    Cycle.id.in_(decides),
                    decisions.lacks_recommendation_of(actor),
                    Candidate.search_completed_at <= since(ReminderKind.RECOMMENDATION_MISSING),
                )
            )
        )
    # Open proposals whose window closes from today to N business days on: the board records the
    # final decision after it, the investigators the candidate's answer before it.
    final = aliased(Decision)
    closes_by = add_business_days(on, th.response_window_days, holidays)
    for duty, cycles in ((Duty.INVESTIGATOR, investigates), (Duty.BOARD_MEMBER, decides)):
        if not actor.has_role(policy.DUTY_ROLE[duty]):
            continue
        parts.append(
            _by_cycle(
                _counted(ReminderKind.RESPONSE_WINDOW, duty)
                .select_from(Decision)
                .join(Candidate, Candidate.id == Decision.candidate_id)
                .join(Cycle, Cycle.id == Candidate.cycle_id)
                .where(
                    Cycle.id.in_(cycles),
                    Decision.status == DecisionStatus.PROPOSED,
                    Decision.response_due >= on,
                    Decision.response_due <= closes_by,
                    ~exists().where(final.candidate_id == Decision.candidate_id, final.status == DecisionStatus.FINAL),
                )
            )
        )
    if policy.reviews_designations(actor):
        searcher = exists().where(UserRole.user_id == User.id, UserRole.role == Role.INVESTIGATOR)
        parts.append(
            select(
                literal(ReminderKind.DESIGNATION_REVIEW.value, String).label("kind"),
                cast(null(), String).label("duty"),
                cast(null(), Integer).label("cycle_id"),
                cast(null(), String).label("cycle_title"),
                func.count().label("n"),
            )
            .select_from(SensitiveDesignation)
            .join(User, User.id == SensitiveDesignation.user_id)
            .where(
                User.is_active.is_(true()),
                searcher,
                SensitiveDesignation.review_date <= on + timedelta(days=th.designation_review_days),
            )
        )
    if policy.reviews_holds(actor):
        parts.append(
            select(
                literal(ReminderKind.HOLD_REVIEW.value, String).label("kind"),
                cast(null(), String).label("duty"),
                cast(null(), Integer).label("cycle_id"),
                cast(null(), String).label("cycle_title"),
                func.count().label("n"),
            ).where(
                LegalHold.released_at.is_(None),
                LegalHold.review_by <= on + timedelta(days=th.hold_review_days),
            )
        )
    return parts


#: The order the list shows: the kinds as declared, then the cycles by title.
_ORDER = {kind: n for n, kind in enumerate(ReminderKind)}


def path_of(item: ActionItem) -> str:
    """The page where ``item`` is acted on, as a path: the pages, the API and the digest (sent by
    the worker, with no request to build URLs from) link the same place."""
    if item.kind is ReminderKind.DESIGNATION_REVIEW:
        return "/admin#needs-attention"
    if item.kind is ReminderKind.HOLD_REVIEW:
        return "/holds?status=active"
    if item.kind is ReminderKind.REVIEW_WAITING:
        return "/investigations#reviews"
    if item.kind is ReminderKind.RECOMMENDATION_MISSING:
        return f"/board/cycles/{item.cycle_id}?waiting=1"
    if item.duty is Duty.BOARD_MEMBER:
        return f"/board/cycles/{item.cycle_id}"
    return f"/cycles/{item.cycle_id}/candidates"


def actions_for(session: Session, actor: User) -> ActionList:
    """What needs ``actor``'s action today: two statements, whatever the number of candidates."""
    on = today()
    th, holidays = _settings(session, on)
    parts = _parts(actor, th, on, holidays) if actor.is_active else []
    items: list[ActionItem] = []
    if parts:
        for row in session.execute(union_all(*parts)):
            if not row.n:
                continue
            kind = ReminderKind(row.kind)
            items.append(
                ActionItem(
                    kind, row.n, th.days(kind), row.cycle_id, row.cycle_title, Duty(row.duty) if row.duty else None
                )
            )
    items.sort(key=lambda i: (_ORDER[i.kind], i.cycle_title or "", i.cycle_id or 0))
    return ActionList(on, th, items)


def action_count(session: Session, actor: User) -> int:
    """How many items need ``actor``'s action (the navigation's badge): :func:`actions_for`'s total."""
    return actions_for(session, actor).total


# --- the daily digest -------------------------------------------------------------------------------


def set_digest(session: Session, actor: User, user_id: int, wanted: bool) -> None:
    """Turn one's own daily digest on or off (audited). Only one's own: nobody else decides what
    reaches a person's mailbox."""
    user = session.get(User, user_id)
    if user is None or actor.id != user_id:
        raise Forbidden(policy.FORBIDDEN)
    user.digest_opt_out = not wanted
    session.flush()
    record(session, actor, Event.REMINDERS_DIGEST_CHOSEN, subject=user, digest=wanted)


def digest_due(session: Session) -> date | None:
    """The agency day whose digests should be queued now: today once its digest hour has come
    and while no worker has claimed it; else ``None``. Read-only (the cheap check each tick)."""
    th, _ = _settings(session, today())
    now = local(utcnow())
    if now.hour < th.digest_hour:
        return None
    day = now.date()
    return None if session.get(DigestDay, day) is not None else day


def queue_digests(session: Session, day: date, agency: str, base_url: str | None) -> list[int]:
    """Claim ``day`` and queue each person's digest in this transaction: the outbox ids.

    The claim is an insert of the day's row: a second worker's insert of the same day fails on
    its primary key at flush, and its transaction (with any message it queued) rolls back, so
    each person gets the day's digest once. Skipped: inactive accounts, those who opted out, and
    people with nothing to act on.
    """
    claim = DigestDay(day=day, messages=0)
    session.add(claim)
    session.flush()
    people = session.scalars(
        select(User).where(User.is_active.is_(true()), User.digest_opt_out.is_(false())).order_by(User.id)
    ).all()
    queued: list[int] = []
    for person in people:
        found = actions_for(session, person)
        if not found.items:
            continue
        lines = tuple(mail.DigestLine(i.kind, i.count, i.days, path_of(i)) for i in found.items)
        queued.append(mail.queue(session, None, person.email, mail.ReminderDigest(day, lines, base_url), agency))
    claim.messages = len(queued)
    record(session, None, Event.REMINDERS_DIGESTS_QUEUED, day=day.isoformat(), messages=len(queued))
    return queued
