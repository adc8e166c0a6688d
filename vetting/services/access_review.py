"""The access review (CJIS 5.4 audit review, POL-03): who opened raw content, who holds what.

Raw content is anything the board never sees: findings' text, evidence files, search
logs with their queries, consent documents, candidates' own details. Each opening is an
audit event; this report reads them back with who, when, which candidate and (for
auditors, who must give one) why. Beside it: every account's roles, its sensitive-position
designation, and the designations whose review falls due within :data:`EXPIRY_HORIZON`.

Every opening is written, reloads included: CJIS 5.4.1.1 asks for each access to be logged,
and skipping "the same view again" would need a window during which access leaves no trace.
The review instead groups identical openings (same person, content, candidate and reason)
into one line with a count and the first and last time (:func:`group_views`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetting import policy
from vetting.audit.events import RAW_CONTENT_VIEWS, Event
from vetting.audit.writer import record
from vetting.clock import start_of, today
from vetting.errors import ValidationFailed
from vetting.models import AuditEvent, Candidate, Evidence, Finding, Role, User
from vetting.services import audit_log

EXPIRY_HORIZON = timedelta(days=30)
DEFAULT_PERIOD = timedelta(days=90)


@dataclass(frozen=True)
class RawView:
    seq: int
    at: datetime
    actor: str
    roles: str
    what: str
    candidate_id: int | None
    candidate_code: str | None
    reason: str | None
    actor_id: int | None = None


@dataclass(frozen=True)
class ViewGroup:
    """Openings of the same content by the same person for the same reason: one line of the
    review however often the page was reloaded (each opening stays its own audit entry)."""

    actor: str
    roles: str
    what: str
    candidate_id: int | None
    candidate_code: str | None
    reason: str | None
    count: int
    first_at: datetime
    last_at: datetime
    first_seq: int
    last_seq: int


def group_views(views: list[RawView]) -> list[ViewGroup]:
    """``views`` grouped by (who, what, which candidate, reason), newest last opening first."""
    groups: dict[tuple[int | None, str, str, int | None, str | None], list[RawView]] = {}
    for view in views:
        key = (view.actor_id, view.actor, view.what, view.candidate_id, view.reason)
        groups.setdefault(key, []).append(view)
    out = []
    for members in groups.values():
        first = min(members, key=lambda v: v.seq)
        last = max(members, key=lambda v: v.seq)
        out.append(
            ViewGroup(
                last.actor,
                last.roles,
                last.what,
                last.candidate_id,
                last.candidate_code,
                last.reason,
                len(members),
                first.at,
                last.at,
                first.seq,
                last.seq,
            )
        )
    return sorted(out, key=lambda g: g.last_seq, reverse=True)


@dataclass(frozen=True)
class Holder:
    user_id: int
    name: str
    email: str
    active: bool
    roles: list[str]
    designation: str
    review_date: date | None
    expires_soon: bool


@dataclass(frozen=True)
class AccessReview:
    since: date
    until: date
    views: list[RawView]
    holders: list[Holder]

    @property
    def expiring(self) -> list[Holder]:
        return [h for h in self.holders if h.expires_soon]

    @property
    def groups(self) -> list[ViewGroup]:
        return group_views(self.views)


def _candidate_of(session: Session, events: list[AuditEvent]) -> dict[int, Candidate]:
    """Which candidate each event is about (by seq), resolved in three queries."""
    wanted: dict[str, set[int]] = {"candidate": set(), "finding": set(), "evidence": set()}
    for e in events:
        if e.subject_type in wanted and e.subject_id and e.subject_id.isdigit():
            wanted[e.subject_type].add(int(e.subject_id))
    evidence_finding = dict(
        session.execute(select(Evidence.id, Evidence.finding_id).where(Evidence.id.in_(wanted["evidence"]))).all()
    )
    for e in events:
        # A minimised finding's evidence rows are gone (RET-11); the opening's event names its finding.
        if e.subject_type == "evidence" and e.subject_id and e.subject_id.isdigit():
            recorded = json.loads(e.data).get("finding_id")
            if int(e.subject_id) not in evidence_finding and isinstance(recorded, int):
                evidence_finding[int(e.subject_id)] = recorded
    finding_candidate = dict(
        session.execute(
            select(Finding.id, Finding.candidate_id).where(
                Finding.id.in_(wanted["finding"] | set(evidence_finding.values()))
            )
        ).all()
    )
    ids = wanted["candidate"] | set(finding_candidate.values())
    people = {c.id: c for c in session.scalars(select(Candidate).where(Candidate.id.in_(ids)))}
    found = {}
    for e in events:
        if not (e.subject_id and e.subject_id.isdigit()):
            continue
        number = int(e.subject_id)
        if e.subject_type == "evidence":
            number = finding_candidate.get(evidence_finding.get(number, 0), 0)
        elif e.subject_type == "finding":
            number = finding_candidate.get(number, 0)
        elif e.subject_type != "candidate":
            continue
        if number in people:
            found[e.seq] = people[number]
    return found


def review(
    session: Session, actor: User, *, since: date | None = None, until: date | None = None, limit: int = 1000
) -> AccessReview:
    """Raw-content openings between two dates (inclusive; by default the :data:`DEFAULT_PERIOD`
    up to today), and every account's access."""
    policy.require(actor, policy.Action.AUDIT_READ)
    until = audit_log.check_day(until or today(), "until")
    since = audit_log.check_day(since or max(until - DEFAULT_PERIOD, audit_log.FIRST_DAY), "since")
    if since > until:
        raise ValidationFailed("The start date must not be after the end date.", field="since")
    users = list(session.scalars(select(User).order_by(User.name)))
    names = {u.id: u for u in users}
    start, end = start_of(since), start_of(until + timedelta(days=1))
    events = list(
        session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.event.in_(RAW_CONTENT_VIEWS),
                AuditEvent.occurred_at >= start,
                AuditEvent.occurred_at < end,
            )
            .order_by(AuditEvent.seq.desc())
            .limit(limit)
        )
    )
    about = _candidate_of(session, events)
    views = []
    for e in events:
        user = names.get(e.actor_id) if e.actor_id else None
        candidate = about.get(e.seq)
        views.append(
            RawView(
                e.seq,
                e.occurred_at,
                user.name if user else "system",
                ", ".join(r.label for r in sorted(user.roles)) if user else "",
                RAW_CONTENT_VIEWS[Event(e.event)],
                candidate.id if candidate else None,
                candidate.code if candidate else None,
                audit_log.event_data(e).get("reason"),
                e.actor_id,
            )
        )
    horizon = today() + EXPIRY_HORIZON
    holders = []
    for u in users:
        d = u.designation
        if d is None:
            state = "none" if Role.INVESTIGATOR in u.roles else "not needed"
        else:
            problems = d.problems(today())
            state = "; ".join(problems) if problems else "current"
        holders.append(
            Holder(
                u.id,
                u.name,
                u.email,
                u.is_active,
                [r.label for r in sorted(u.roles)],
                state,
                d.review_date if d else None,
                bool(d and u.is_active and today() <= d.review_date <= horizon),
            )
        )
    record(
        session, actor, Event.ACCESS_REVIEW_VIEWED, since=since.isoformat(), until=until.isoformat(), views=len(views)
    )
    return AccessReview(since, until, views, holders)
