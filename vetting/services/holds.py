"""Legal holds (issue 15 point 2; RET-02, RET-03): place, release, list, and the query the rest
of the product asks before it changes or destroys a candidate's records.

A hold is placed by an administrator or records officer and released only by a second person
(:func:`vetting.policy.hold_release_refusal`). While it stands, every candidate its scope reaches
(:func:`held_candidate_ids`: a cycle, a candidate, or a position over a date range) is refused any
edit that would overwrite or withdraw what was recorded, and any disposition
(:func:`require_not_held`, 409 ``legal_hold``). Holds read no candidate content: they count and
name candidates by code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from vetting import policy
from vetting.audit.events import Event, Subject
from vetting.audit.writer import record
from vetting.clock import start_of, today, utcnow
from vetting.errors import Conflict, Forbidden, NotFound, Refusal, SeparationOfDuties, ValidationFailed
from vetting.models import Candidate, Cycle, HoldScope, HoldScopeKind, LegalHold, User
from vetting.models.base import MAX_ID
from vetting.services.fields import ids, require_found, stated
from vetting.services.paging import Key, Page, PageRequest, paginate

MAX_MATTER = 200
MAX_REFERENCE = 100
MAX_TEXT = 2000
#: A reason (for placing or releasing) says why in a few words: it is what an inspector reads.
MIN_REASON = 10
#: Enough parts for any real matter; more is a mistake or an attack on the request's size.
MAX_SCOPE_PARTS = 200

#: The error code of a change refused because the candidate is held.
LEGAL_HOLD = "legal_hold"


@dataclass(frozen=True)
class PositionScope:
    """Every candidate added to a cycle for ``position`` from ``from_date`` to ``to_date``
    (inclusive, the agency's days; ``None``: no end, later candidates are held too)."""

    position: str
    from_date: date
    to_date: date | None = None


@dataclass(frozen=True)
class HoldInput:
    matter: str
    reference: str
    reason: str
    review_by: date | None = None
    cycle_ids: Sequence[int] = ()
    candidate_ids: Sequence[int] = ()
    positions: Sequence[PositionScope] = ()


# --- which candidates are held -------------------------------------------------------------------


def _covers() -> ColumnElement[bool]:
    """A scope row reaches the candidate of the enclosing query (``Candidate`` joined to its ``Cycle``)."""
    return or_(
        and_(HoldScope.kind == HoldScopeKind.CYCLE, HoldScope.cycle_id == Candidate.cycle_id),
        and_(HoldScope.kind == HoldScopeKind.CANDIDATE, HoldScope.candidate_id == Candidate.id),
        and_(
            HoldScope.kind == HoldScopeKind.POSITION,
            func.lower(HoldScope.position) == func.lower(Cycle.position),
            Candidate.created_at >= HoldScope.from_at,
            or_(HoldScope.until_at.is_(None), Candidate.created_at < HoldScope.until_at),
        ),
    )


def held_candidate_ids(hold_id: int | None = None) -> Select[int]:
    """SQL of the ids of every candidate a hold in force reaches (``hold_id``: that hold only,
    released or not): one query with an ``EXISTS``, for ``Candidate.id.in_(...)`` or
    ``.not_in(...)`` in any list (a disposition queue skips these; RET-02)."""
    in_force = LegalHold.released_at.is_(None) if hold_id is None else LegalHold.id == hold_id
    return (
        select(Candidate.id)
        .join(Cycle, Cycle.id == Candidate.cycle_id)
        .where(exists().where(HoldScope.hold_id == LegalHold.id, in_force, _covers()))
    )


@dataclass(frozen=True)
class Holding:
    candidate_id: int
    candidate_code: str
    hold_id: int
    matter: str


def holdings(session: Session, candidate_ids: Iterable[int]) -> list[Holding]:
    """The holds in force on each of ``candidate_ids`` (one statement, whatever their number)."""
    ids = sorted(set(candidate_ids))
    if not ids:
        return []
    rows = session.execute(
        select(Candidate.id, Candidate.code, LegalHold.id, LegalHold.matter)
        .select_from(Candidate)
        .join(Cycle, Cycle.id == Candidate.cycle_id)
        .join(HoldScope, _covers())
        .join(LegalHold, and_(LegalHold.id == HoldScope.hold_id, LegalHold.released_at.is_(None)))
        .where(Candidate.id.in_(ids))
        .distinct()
        .order_by(Candidate.id, LegalHold.id)
    )
    return [Holding(*row) for row in rows]


def matters_holding(session: Session, candidate_id: int) -> list[str]:
    """The matters of the holds in force on one candidate (what its page shows)."""
    return [h.matter for h in holdings(session, [candidate_id])]


def require_not_held(session: Session, candidate_ids: Iterable[int], actor: User | None = None) -> None:
    """Refuse (409 ``legal_hold``) when a hold in force reaches any of ``candidate_ids``: their
    records are kept as they are until every hold on them is released (RET-02, RET-03). With
    ``actor``, the refusal is audited (``hold.change_refused``): an attempt on held records is
    what a court asks about (FRCP 37(e))."""
    found = holdings(session, candidate_ids)
    if not found:
        return
    first = found[0]
    matters = sorted({h.matter for h in found if h.candidate_id == first.candidate_id})
    others = len({h.candidate_id for h in found}) - 1
    more = f" (and {others} other held candidate{'s' if others != 1 else ''})" if others else ""
    refusal = None
    if actor is not None:
        refusal = Refusal(
            Event.HOLD_CHANGE_REFUSED,
            actor.id,
            Subject("candidate", str(first.candidate_id)),
            {
                "code": LEGAL_HOLD,
                "candidate_ids": sorted({h.candidate_id for h in found}),
                "hold_ids": sorted({h.hold_id for h in found}),
            },
        )
    raise Conflict(
        f"Candidate {first.candidate_code}{more} is on legal hold for {'; '.join(matters)}: "
        "their records are kept as they are until the hold is released (RET-02).",
        code=LEGAL_HOLD,
        refusal=refusal,
    )


# --- placing and releasing -----------------------------------------------------------------------


def _positions(session: Session, positions: Sequence[PositionScope]) -> tuple[list[HoldScope], list[int]]:
    """The position parts, checked, and the ids of the cycles they reach."""
    scopes: list[HoldScope] = []
    names: list[str] = []
    for n, part in enumerate(positions):
        position = stated(part.position, f"positions[{n}].position", "position", MAX_MATTER)
        if part.to_date is not None and part.to_date < part.from_date:
            raise ValidationFailed(
                f"The date range ends ({part.to_date.isoformat()}) before it starts ({part.from_date.isoformat()}).",
                field=f"positions[{n}].to_date",
            )
        # The range's last day is whole: it ends where the next day starts.
        until = start_of(part.to_date + timedelta(days=1)) if part.to_date else None
        scopes.append(HoldScope.of_position(position, part.from_date, part.to_date, start_of(part.from_date), until))
        names.append(position.lower())
    if not names:
        return scopes, []
    rows = session.execute(select(Cycle.id, func.lower(Cycle.position)).where(func.lower(Cycle.position).in_(names)))
    matched: dict[str, list[int]] = {}
    for cycle_id, name in rows:
        matched.setdefault(name, []).append(cycle_id)
    for n, name in enumerate(names):
        if name not in matched:
            raise ValidationFailed(
                f"No cycle is for the position “{positions[n].position.strip()}”: give it as a cycle states it.",
                field=f"positions[{n}].position",
            )
    return scopes, sorted({i for ids in matched.values() for i in ids})


def place_hold(session: Session, actor: User, data: HoldInput) -> LegalHold:
    """Place a hold on the matter's scope (administrators and records officers; RET-02, RET-03).

    Every field is checked, and every id found, before anything is written: a refused hold leaves
    nothing behind. Audited with the scope's ids and dates (the matter's text stays off the chain)."""
    if not policy.can(actor, policy.Action.HOLDS_MANAGE):
        raise Forbidden(policy.FORBIDDEN)
    matter = stated(data.matter, "matter", "matter's name", MAX_MATTER)
    reference = stated(
        data.reference, "reference", "matter's reference (docket, charge or claim number)", MAX_REFERENCE
    )
    reason = stated(data.reason, "reason", "reason for the hold", MAX_TEXT, MIN_REASON)
    if data.review_by is not None and data.review_by < today():
        raise ValidationFailed("The review date is in the past: give a later one, or none.", field="review_by")
    cycle_ids = ids(data.cycle_ids, "cycle_ids")
    candidate_ids = ids(data.candidate_ids, "candidate_ids")
    if not (cycle_ids or candidate_ids or data.positions):
        raise ValidationFailed(
            "A hold needs a scope: at least one cycle, candidate or position with its dates.", field="scope"
        )
    if len(cycle_ids) + len(candidate_ids) + len(data.positions) > MAX_SCOPE_PARTS:
        raise ValidationFailed(f"A hold's scope has at most {MAX_SCOPE_PARTS} parts.", field="scope")
    require_found("cycle_ids", "cycle", cycle_ids, session.scalars(select(Cycle.id).where(Cycle.id.in_(cycle_ids))))
    candidate_cycles: dict[int, int] = {
        row[0]: row[1]
        for row in session.execute(select(Candidate.id, Candidate.cycle_id).where(Candidate.id.in_(candidate_ids)))
    }
    require_found("candidate_ids", "candidate", candidate_ids, candidate_cycles)
    position_scopes, position_cycles = _positions(session, data.positions)
    reached = sorted({*cycle_ids, *candidate_cycles.values(), *position_cycles})
    cycles = list(session.scalars(select(Cycle).where(Cycle.id.in_(reached)))) if reached else []
    refusal = policy.hold_refusal(actor, cycles)
    if refusal is not None:
        raise Forbidden(refusal) if refusal == policy.FORBIDDEN else SeparationOfDuties(refusal)
    scopes = [
        *(HoldScope.of_cycle(i) for i in cycle_ids),
        *(HoldScope.of_candidate(i) for i in candidate_ids),
        *position_scopes,
    ]
    hold = LegalHold.place(
        matter=matter,
        reference=reference,
        reason=reason,
        review_by=data.review_by,
        scopes=scopes,
        by_id=actor.id,
        at=utcnow(),
    )
    session.add(hold)
    session.flush()
    record(
        session,
        actor,
        Event.HOLD_PLACED,
        subject=hold,
        cycle_ids=cycle_ids,
        candidate_ids=candidate_ids,
        positions=[{"position": s.position, "from": _iso(s.from_date), "to": _iso(s.to_date)} for s in position_scopes],
        review_by=_iso(data.review_by),
    )
    return hold


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _cycles_of(session: Session, hold: LegalHold) -> list[Cycle]:
    """The cycles a hold's scope reaches today (a position's cycles by their position text)."""
    ids = {s.cycle_id for s in hold.scopes if s.cycle_id is not None}
    candidates = [s.candidate_id for s in hold.scopes if s.candidate_id is not None]
    positions = [s.position.lower() for s in hold.scopes if s.position is not None]
    terms: list[ColumnElement[bool]] = []
    if ids:
        terms.append(Cycle.id.in_(ids))
    if candidates:
        terms.append(Cycle.id.in_(select(Candidate.cycle_id).where(Candidate.id.in_(candidates))))
    if positions:
        terms.append(func.lower(Cycle.position).in_(positions))
    return list(session.scalars(select(Cycle).where(or_(*terms)))) if terms else []


def _hold(session: Session, hold_id: int, *, lock: bool = False) -> LegalHold:
    hold = session.get(LegalHold, hold_id, with_for_update=lock or None) if 1 <= hold_id <= MAX_ID else None
    if hold is None:
        raise NotFound("No such legal hold.")
    return hold


def release_hold(session: Session, actor: User, hold_id: int, reason: str) -> LegalHold:
    """Release a hold (its matter reached final disposition): a second person, never its placer
    (409 ``second_person_required``, audited), and never someone with a duty in a held cycle."""
    if not policy.can(actor, policy.Action.HOLDS_MANAGE):
        raise Forbidden(policy.FORBIDDEN)
    hold = _hold(session, hold_id, lock=True)
    if not hold.active:
        raise Conflict("This hold was already released.", code="hold_released")
    refusal = policy.hold_release_refusal(actor, hold.placed_by_id, _cycles_of(session, hold))
    if refusal == policy.FORBIDDEN:
        raise Forbidden(refusal)
    if refusal is not None:
        code = "second_person_required" if refusal == policy.PLACER_CANNOT_RELEASE else SeparationOfDuties.code
        raise Conflict(
            refusal, code=code, refusal=Refusal.of(Event.HOLD_RELEASE_REFUSED, actor, subject=hold, code=code)
        )
    text = stated(reason, "reason", "reason for the release (the matter's final disposition)", MAX_TEXT, MIN_REASON)
    hold.release(by_id=actor.id, at=utcnow(), reason=text)
    session.flush()
    record(session, actor, Event.HOLD_RELEASED, subject=hold, placed_by_id=hold.placed_by_id)
    return hold


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScopeView:
    kind: HoldScopeKind
    #: What the part names, in words: "Cycle Patrol 2026", "Candidate C-003 (Patrol 2026)",
    #: "Position Patrol officer, 2026-01-01 to 2026-06-30".
    label: str
    cycle_id: int | None
    candidate_id: int | None
    position: str | None
    from_date: date | None
    to_date: date | None


@dataclass(frozen=True)
class HoldView:
    id: int
    matter: str
    reference: str
    reason: str
    review_by: date | None
    placed_by_id: int
    placed_by: str
    placed_at: datetime
    released_by_id: int | None
    released_by: str | None
    released_at: datetime | None
    release_reason: str | None
    scopes: list[ScopeView]

    @property
    def active(self) -> bool:
        return self.released_at is None


@dataclass(frozen=True)
class HoldDetail:
    hold: HoldView
    #: Candidates the hold reaches, by cycle: (cycle id, title, count), one grouped query.
    held: list[tuple[int, str, int]] = field(default_factory=list)
    #: Why the reader may not release it (``None``: they may), said before they try.
    release_refusal: str | None = None

    @property
    def held_total(self) -> int:
        return sum(count for _, _, count in self.held)


def _scope_label(scope: HoldScope, cycles: dict[int, str], codes: dict[int, tuple[str, str]]) -> str:
    if scope.kind is HoldScopeKind.CYCLE and scope.cycle_id is not None:
        return f"Cycle {cycles.get(scope.cycle_id, f'#{scope.cycle_id}')}"
    if scope.kind is HoldScopeKind.CANDIDATE and scope.candidate_id is not None:
        code, title = codes.get(scope.candidate_id, (f"#{scope.candidate_id}", "?"))
        return f"Candidate {code} ({title})"
    until = scope.to_date.isoformat() if scope.to_date else "no end date"
    start = scope.from_date.isoformat() if scope.from_date else "?"
    return f"Position {scope.position}, candidates added {start} to {until}"


def _views(session: Session, holds: list[LegalHold]) -> list[HoldView]:
    """Views of ``holds`` with names, cycle titles and candidate codes: three statements for a page."""
    people = {p for h in holds for p in (h.placed_by_id, h.released_by_id) if p is not None}
    cycle_ids = {s.cycle_id for h in holds for s in h.scopes if s.cycle_id is not None}
    candidate_ids = {s.candidate_id for h in holds for s in h.scopes if s.candidate_id is not None}
    names: dict[int, str] = (
        {row[0]: row[1] for row in session.execute(select(User.id, User.name).where(User.id.in_(people)))}
        if people
        else {}
    )
    titles: dict[int, str] = (
        {row[0]: row[1] for row in session.execute(select(Cycle.id, Cycle.title).where(Cycle.id.in_(cycle_ids)))}
        if cycle_ids
        else {}
    )
    codes: dict[int, tuple[str, str]] = (
        {
            row[0]: (row[1], row[2])
            for row in session.execute(
                select(Candidate.id, Candidate.code, Cycle.title)
                .join(Cycle, Cycle.id == Candidate.cycle_id)
                .where(Candidate.id.in_(candidate_ids))
            )
        }
        if candidate_ids
        else {}
    )
    return [
        HoldView(
            id=h.id,
            matter=h.matter,
            reference=h.reference,
            reason=h.reason,
            review_by=h.review_by,
            placed_by_id=h.placed_by_id,
            placed_by=names.get(h.placed_by_id, "?"),
            placed_at=h.placed_at,
            released_by_id=h.released_by_id,
            released_by=names.get(h.released_by_id) if h.released_by_id is not None else None,
            released_at=h.released_at,
            release_reason=h.release_reason,
            scopes=[
                ScopeView(
                    s.kind,
                    _scope_label(s, titles, codes),
                    s.cycle_id,
                    s.candidate_id,
                    s.position,
                    s.from_date,
                    s.to_date,
                )
                for s in h.scopes
            ],
        )
        for h in holds
    ]


#: The list's filter: holds in force, released ones, or all.
STATUSES = ("active", "released", "all")


def _require_reader(actor: User | None) -> None:
    """Administrators, auditors and records officers read holds; ``None`` is the operator at the
    command line, who holds the server already."""
    if actor is not None:
        policy.require(actor, policy.Action.RECORDS_READ)


def list_holds(session: Session, actor: User | None, page: PageRequest, status: str = "all") -> Page[HoldView]:
    """One page of holds, newest first (administrators, auditors and records officers; RET-02:
    holds are listed for auditors)."""
    _require_reader(actor)
    if status not in STATUSES:
        raise ValidationFailed(f"status: one of {', '.join(STATUSES)}.", field="status")
    query: Select[Any] = select(LegalHold)
    if status == "active":
        query = query.where(LegalHold.released_at.is_(None))
    elif status == "released":
        query = query.where(LegalHold.released_at.is_not(None))
    found: Page[LegalHold] = paginate(
        session, query, [Key(LegalHold.id, descending=True)], page, name=f"holds-{status}"
    )
    return found.with_items(_views(session, found.items))


def get_hold(session: Session, actor: User | None, hold_id: int) -> HoldDetail:
    """One hold with how many candidates it reaches in each cycle (codes only, no content)."""
    _require_reader(actor)
    hold = _hold(session, hold_id)
    held = session.execute(
        select(Cycle.id, Cycle.title, func.count(Candidate.id))
        .join(Candidate, Candidate.cycle_id == Cycle.id)
        .where(Candidate.id.in_(held_candidate_ids(hold.id)))
        .group_by(Cycle.id, Cycle.title)
        .order_by(Cycle.id)
    )
    refusal: str | None = None
    if hold.active and actor is not None:
        refusal = policy.hold_release_refusal(actor, hold.placed_by_id, _cycles_of(session, hold))
    return HoldDetail(_views(session, [hold])[0], [(row[0], row[1], row[2]) for row in held], refusal)


@dataclass(frozen=True)
class ScopeChoices:
    """What a hold's scope may name, for the placing form: every cycle, and the positions they state."""

    cycles: list[tuple[int, str]]
    positions: list[str]


def scope_choices(session: Session, actor: User) -> ScopeChoices:
    """Cycles (id, "title (position)") newest first and their distinct positions: two statements."""
    if not policy.can(actor, policy.Action.HOLDS_MANAGE):
        raise Forbidden(policy.FORBIDDEN)
    rows = session.execute(select(Cycle.id, Cycle.title, Cycle.position).order_by(Cycle.id.desc()))
    cycles = [(row[0], f"{row[1]} ({row[2]})") for row in rows]
    positions = list(session.scalars(select(Cycle.position).distinct().order_by(Cycle.position)))
    return ScopeChoices(cycles, positions)
