"""Public-records requests (issue 15 point 4; RET-10): intake, working copy, release.

**Intake.** A records officer logs the request: requester (name, contact), the day it was
received (never in the future), the statute (the agency's default unless named), the day it is
due (``response_days`` business days after receipt, weekends and the agency's holidays skipped,
on the agency's clock; a due date already past is refused naming ``due_on``), and its scope
(cycles, candidates, a description). Every field and id is checked before anything is written.

**Working copy.** The items of the scope are its candidates' findings as released to the board
(:func:`vetting.services.released.released_findings_of`): only released, redacted text is ever
shown, never raw content. The records officer decides each item: its released text goes out, or
the whole item is withheld, under an exemption code (:data:`vetting.models.EXEMPTIONS`).

**Release.** Once every item is decided the officer prepares the release (the release log is
fixed: items, decisions, codes, counts); a second person approves it
(:func:`vetting.policy.records_request_approval_refusal`, 409 ``second_person_required``,
audited); a person then records that it went to the requester. Nothing is released by a timer
or a job. Nobody who searched or decided in a cycle of the scope works on the request (R2).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from vetting import policy
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.business_days import add_business_days
from vetting.clock import today, utcnow
from vetting.errors import Conflict, Forbidden, NotFound, Refusal, SeparationOfDuties, ValidationFailed
from vetting.models import (
    EXEMPTIONS,
    Candidate,
    Cycle,
    Finding,
    FindingRelease,
    ItemDecision,
    RecordsRequest,
    RecordsRequestItem,
    RequestStatus,
    User,
)
from vetting.models.base import MAX_ID
from vetting.services import holidays
from vetting.services.context import Security
from vetting.services.fields import ids, require_found, stated
from vetting.services.paging import Key, Page, PageRequest, paginate
from vetting.services.released import BoardFinding, released_findings_of, shown_release

MAX_NAME = 200
MAX_CONTACT = 200
MAX_STATUTE = 200
MAX_TEXT = 4000
#: A closing reason says why in a few words: it is what the requester is told.
MIN_REASON = 10
MAX_SCOPE_PARTS = 200
#: The earliest day a request may say it was received (older is a typing mistake).
EARLIEST = date(2000, 1, 1)
SECOND_PERSON = "second_person_required"


@dataclass(frozen=True)
class RequestInput:
    requester_name: str
    requester_contact: str
    received_on: date
    description: str
    statute: str = ""
    #: ``None``: computed from ``received_on`` and the agency's window in business days.
    due_on: date | None = None
    cycle_ids: Sequence[int] = ()
    candidate_ids: Sequence[int] = ()


def due_date(received_on: date, response_days: int, days_off: Collection[date]) -> date:
    """The day an answer is due: the ``response_days``-th business day after receipt (the day of
    receipt never counts; weekends and ``days_off``, the agency's holidays, are skipped)."""
    return add_business_days(received_on, response_days, days_off)


def _cycles(session: Session, request: RecordsRequest) -> list[Cycle]:
    """The cycles the request's scope reaches: its cycles and its candidates' cycles."""
    terms = []
    if request.cycle_ids:
        terms.append(Cycle.id.in_(request.cycle_ids))
    if request.candidate_ids:
        terms.append(Cycle.id.in_(select(Candidate.cycle_id).where(Candidate.id.in_(request.candidate_ids))))
    return list(session.scalars(select(Cycle).where(or_(*terms)).order_by(Cycle.id))) if terms else []


def _refuse(refusal: str | None, actor: User, request: RecordsRequest | None = None) -> None:
    if refusal is None:
        return
    if refusal == policy.FORBIDDEN:
        raise Forbidden(refusal)
    code = SECOND_PERSON if refusal == policy.PREPARER_CANNOT_APPROVE else SeparationOfDuties.code
    event = (
        Refusal.of(Event.RECORDS_REQUEST_REFUSED, actor, subject=request, code=code) if request is not None else None
    )
    if code == SECOND_PERSON:
        raise Conflict(refusal, code=code, refusal=event)
    raise SeparationOfDuties(refusal, refusal=event)


def log_request(
    session: Session, actor: User, data: RequestInput, *, response_days: int, default_statute: str
) -> RecordsRequest:
    """Log a request in intake (records officers; RET-10). A request received in the future, or
    due before today, is refused naming the field; nothing is written until all is checked."""
    if not policy.can(actor, policy.Action.RECORDS_REQUESTS):
        raise Forbidden(policy.FORBIDDEN)
    name = stated(data.requester_name, "requester_name", "requester's name", MAX_NAME)
    contact = stated(
        data.requester_contact, "requester_contact", "requester's contact (address or e-mail)", MAX_CONTACT
    )
    now = today()
    if data.received_on > now:
        raise ValidationFailed("The request cannot have been received after today.", field="received_on")
    if data.received_on < EARLIEST:
        raise ValidationFailed(f"The request was received on or after {EARLIEST.isoformat()}.", field="received_on")
    statute = stated(data.statute or default_statute, "statute", "statute", MAX_STATUTE)
    description = stated(data.description, "description", "description of the records asked for", MAX_TEXT)
    if data.due_on is not None:
        due = data.due_on
        if due < data.received_on:
            raise ValidationFailed("The due date is before the day the request was received.", field="due_on")
    else:
        due = due_date(data.received_on, response_days, holidays.days(session))
    if due < now:
        raise ValidationFailed(
            f"The due date ({due.isoformat()}) is in the past: {response_days} business days after "
            "receipt have gone by. Give the due date the statute or an extension sets.",
            field="due_on",
        )
    cycle_ids = ids(data.cycle_ids, "cycle_ids")
    candidate_ids = ids(data.candidate_ids, "candidate_ids")
    if not (cycle_ids or candidate_ids):
        raise ValidationFailed("A request needs a scope: at least one cycle or candidate.", field="scope")
    if len(cycle_ids) + len(candidate_ids) > MAX_SCOPE_PARTS:
        raise ValidationFailed(f"A request's scope has at most {MAX_SCOPE_PARTS} parts.", field="scope")
    require_found(
        "cycle_ids", "cycle", cycle_ids, set(session.scalars(select(Cycle.id).where(Cycle.id.in_(cycle_ids))))
    )
    require_found(
        "candidate_ids",
        "candidate",
        candidate_ids,
        set(session.scalars(select(Candidate.id).where(Candidate.id.in_(candidate_ids)))),
    )
    request = RecordsRequest.log(
        requester_name=name,
        requester_contact=contact,
        received_on=data.received_on,
        statute=statute,
        due_on=due,
        description=description,
        cycle_ids=cycle_ids,
        candidate_ids=candidate_ids,
        by_id=actor.id,
        at=utcnow(),
    )
    _refuse(policy.records_request_refusal(actor, _cycles(session, request)), actor)
    session.add(request)
    session.flush()
    # The requester stays off the chain (personal data of a member of the public): ids and dates only.
    record(
        session,
        actor,
        Event.RECORDS_REQUEST_LOGGED,
        subject=request,
        received_on=request.received_on.isoformat(),
        due_on=request.due_on.isoformat(),
        cycle_ids=cycle_ids,
        candidate_ids=candidate_ids,
    )
    return request


def _request(session: Session, request_id: int, *, lock: bool = False) -> RecordsRequest:
    found = session.get(RecordsRequest, request_id, with_for_update=lock or None) if 1 <= request_id <= MAX_ID else None
    if found is None:
        raise NotFound("No such records request.")
    return found


def _scope_candidates(request: RecordsRequest) -> Select[Any]:
    """The candidates of the scope whose records still exist (a disposed candidate has no key)."""
    return select(Candidate).where(
        or_(Candidate.cycle_id.in_(request.cycle_ids), Candidate.id.in_(request.candidate_ids)),
        Candidate.wrapped_key.is_not(None),
    )


def _scope_items(session: Session, request: RecordsRequest) -> dict[int, tuple[int, int, str]]:
    """The working copy's items without opening any text: release id → (finding id, candidate id,
    candidate code), the same findings the board reads (:func:`shown_release`)."""
    scope = _scope_candidates(request).subquery()
    rows = session.execute(
        select(FindingRelease.id, Finding.id, scope.c.id, scope.c.code)
        .select_from(Finding)
        .join(scope, scope.c.id == Finding.candidate_id)
        .join(FindingRelease, FindingRelease.id == Finding.current_release_id)
        .where(shown_release())
    )
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def _editor(session: Session, actor: User, request: RecordsRequest) -> None:
    _refuse(policy.records_request_refusal(actor, _cycles(session, request)), actor, request)


def set_exemption(
    session: Session, actor: User, request_id: int, release_id: int, decision: str, code: str
) -> RecordsRequestItem:
    """Decide one item of the working copy: its released text goes out, or it is withheld, under
    the exemption ``code`` (RET-10). Only while the request is in intake or review."""
    if not policy.can(actor, policy.Action.RECORDS_REQUESTS):
        raise Forbidden(policy.FORBIDDEN)
    request = _request(session, request_id, lock=True)
    _editor(session, actor, request)
    request.require_editable()
    try:
        chosen = ItemDecision(decision)
    except ValueError:
        raise ValidationFailed("decision: release_text or withhold.", field="decision") from None
    if code not in EXEMPTIONS:
        raise ValidationFailed(f"exemption_code: one of {', '.join(EXEMPTIONS)}.", field="exemption_code")
    items = _scope_items(session, request)
    if release_id not in items:
        raise ValidationFailed("No item of this request's working copy has that release id.", field="release_id")
    finding_id, candidate_id, _ = items[release_id]
    item = RecordsRequestItem(
        candidate_id=candidate_id,
        finding_id=finding_id,
        release_id=release_id,
        decision=chosen,
        exemption_code=code,
        decided_by_id=actor.id,
        decided_at=utcnow(),
    )
    request.decide(item)
    session.flush()
    record(
        session,
        actor,
        Event.RECORDS_REQUEST_EXEMPTION_SET,
        subject=request,
        release_id=release_id,
        candidate_id=candidate_id,
        decision=chosen.value,
        exemption_code=code,
    )
    return next(i for i in request.items if i.release_id == release_id)


def prepare_release(session: Session, actor: User, request_id: int) -> RecordsRequest:
    """Fix the release: every item of the working copy decided (else 422 naming ``items``), the
    release log written (items, decisions, codes, counts). Nothing leaves yet."""
    if not policy.can(actor, policy.Action.RECORDS_REQUESTS):
        raise Forbidden(policy.FORBIDDEN)
    request = _request(session, request_id, lock=True)
    _editor(session, actor, request)
    request.require_editable()
    items = _scope_items(session, request)
    decided = {i.release_id: i for i in request.items if i.release_id in items}
    undecided = len(items) - len(decided)
    if undecided:
        raise ValidationFailed(
            f"{undecided} item(s) of the working copy have no decision: release or withhold each.", field="items"
        )
    listed = [
        {
            "candidate_code": items[rid][2],
            "finding_id": items[rid][0],
            "release_id": rid,
            "decision": item.decision.value,
            "exemption_code": item.exemption_code,
        }
        for rid, item in sorted(decided.items())
    ]
    counts = Counter(i.decision.value for i in decided.values())
    codes = Counter(i.exemption_code for i in decided.values())
    log: dict[str, Any] = {
        "items": listed,
        "exemptions": dict(sorted(codes.items())),
        "counts": {
            "items": len(listed),
            "released": counts[ItemDecision.RELEASE_TEXT.value],
            "withheld": counts[ItemDecision.WITHHOLD.value],
            "candidates": len({items[rid][1] for rid in decided}),
        },
        "citations": {c: EXEMPTIONS[c].citation for c in sorted(codes)},
    }
    request.prepare(by_id=actor.id, at=utcnow(), log=log)
    session.flush()
    record(session, actor, Event.RECORDS_REQUEST_PREPARED, subject=request, counts=log["counts"])
    return request


def approve_release(session: Session, actor: User, request_id: int) -> RecordsRequest:
    """Approve a prepared release: a second person, never its preparer (409
    ``second_person_required``, audited), nor anyone with a duty in a cycle of the scope."""
    if not policy.can(actor, policy.Action.RECORDS_REQUESTS):
        raise Forbidden(policy.FORBIDDEN)
    request = _request(session, request_id, lock=True)
    if request.status is not RequestStatus.PREPARED:
        raise Conflict("Only a prepared release is approved.", code="request_state")
    assert request.prepared_by_id is not None  # prepared: the CHECK constraint holds it
    _refuse(
        policy.records_request_approval_refusal(actor, request.prepared_by_id, _cycles(session, request)),
        actor,
        request,
    )
    request.approve(by_id=actor.id, at=utcnow())
    session.flush()
    record(session, actor, Event.RECORDS_REQUEST_APPROVED, subject=request, prepared_by_id=request.prepared_by_id)
    return request


def record_release(session: Session, actor: User, request_id: int) -> RecordsRequest:
    """Record that the approved release went to the requester, now, by ``actor``: the release
    log gains when and by whom. A person does this; nothing releases by itself (RET-10)."""
    if not policy.can(actor, policy.Action.RECORDS_REQUESTS):
        raise Forbidden(policy.FORBIDDEN)
    request = _request(session, request_id, lock=True)
    _editor(session, actor, request)
    now = utcnow()
    request.release(by_id=actor.id, at=now)
    request.release_log = {**(request.release_log or {}), "released_at": now.isoformat(), "released_by_id": actor.id}
    session.flush()
    counts = (request.release_log or {}).get("counts", {})
    record(session, actor, Event.RECORDS_REQUEST_RELEASED, subject=request, counts=counts)
    return request


def close_request(session: Session, actor: User, request_id: int, reason: str, *, denied: bool) -> RecordsRequest:
    """Close an open request without a release (withdrawn, no such records) or deny it."""
    if not policy.can(actor, policy.Action.RECORDS_REQUESTS):
        raise Forbidden(policy.FORBIDDEN)
    request = _request(session, request_id, lock=True)
    _editor(session, actor, request)
    text = stated(reason, "reason", "reason (what the requester is told)", MAX_TEXT, MIN_REASON)
    request.close(by_id=actor.id, at=utcnow(), reason=text, denied=denied)
    session.flush()
    record(session, actor, Event.RECORDS_REQUEST_CLOSED, subject=request, status=request.status.value)
    return request


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestView:
    id: int
    requester_name: str
    requester_contact: str
    received_on: date
    statute: str
    due_on: date
    description: str
    cycle_ids: list[int]
    candidate_ids: list[int]
    status: RequestStatus
    logged_by: str
    logged_at: datetime
    prepared_by_id: int | None
    prepared_by: str | None
    prepared_at: datetime | None
    approved_by: str | None
    approved_at: datetime | None
    released_by: str | None
    released_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None
    close_reason: str | None
    release_log: dict[str, Any] | None
    decided: int


def _views(session: Session, requests: list[RecordsRequest]) -> list[RequestView]:
    people = {
        p
        for r in requests
        for p in (r.logged_by_id, r.prepared_by_id, r.approved_by_id, r.released_by_id, r.closed_by_id)
        if p is not None
    }
    names: dict[int, str] = (
        {row[0]: row[1] for row in session.execute(select(User.id, User.name).where(User.id.in_(people)))}
        if people
        else {}
    )

    def who(user_id: int | None) -> str | None:
        return names.get(user_id, "?") if user_id is not None else None

    return [
        RequestView(
            id=r.id,
            requester_name=r.requester_name,
            requester_contact=r.requester_contact,
            received_on=r.received_on,
            statute=r.statute,
            due_on=r.due_on,
            description=r.description,
            cycle_ids=list(r.cycle_ids),
            candidate_ids=list(r.candidate_ids),
            status=r.status,
            logged_by=names.get(r.logged_by_id, "?"),
            logged_at=r.logged_at,
            prepared_by_id=r.prepared_by_id,
            prepared_by=who(r.prepared_by_id),
            prepared_at=r.prepared_at,
            approved_by=who(r.approved_by_id),
            approved_at=r.approved_at,
            released_by=who(r.released_by_id),
            released_at=r.released_at,
            closed_by=who(r.closed_by_id),
            closed_at=r.closed_at,
            close_reason=r.close_reason,
            release_log=r.release_log,
            decided=len(r.items),
        )
        for r in requests
    ]


#: The list's filters: open requests, finished ones, or all.
STATUSES = ("open", "finished", "all")
_OPEN = [s for s in RequestStatus if s.open]


def _require_reader(actor: User | None) -> None:
    """Administrators, auditors and records officers read the log; ``None`` is the operator."""
    if actor is not None:
        policy.require(actor, policy.Action.RECORDS_READ)


def list_requests(session: Session, actor: User | None, page: PageRequest, status: str = "all") -> Page[RequestView]:
    """One page of the request log, newest first."""
    _require_reader(actor)
    if status not in STATUSES:
        raise ValidationFailed(f"status: one of {', '.join(STATUSES)}.", field="status")
    query: Select[Any] = select(RecordsRequest)
    if status == "open":
        query = query.where(RecordsRequest.status.in_(_OPEN))
    elif status == "finished":
        query = query.where(RecordsRequest.status.not_in(_OPEN))
    found: Page[RecordsRequest] = paginate(
        session, query, [Key(RecordsRequest.id, descending=True)], page, name=f"requests-{status}"
    )
    return found.with_items(_views(session, found.items))


def get_request(session: Session, actor: User | None, request_id: int) -> RequestView:
    """One request as the log shows it: no candidate content (codes and counts)."""
    _require_reader(actor)
    return _views(session, [_request(session, request_id)])[0]


def due_requests(session: Session, actor: User | None, within: int) -> list[RequestView]:
    """Open requests due within ``within`` business days from today (overdue ones included),
    soonest first: what the records officer answers next."""
    _require_reader(actor)
    if not 0 <= within <= 250:
        raise ValidationFailed("within: 0 to 250 business days.", field="within")
    horizon = add_business_days(today(), within, holidays.days(session)) if within else today()
    rows = session.scalars(
        select(RecordsRequest)
        .where(RecordsRequest.status.in_(_OPEN), RecordsRequest.due_on <= horizon)
        .order_by(RecordsRequest.due_on, RecordsRequest.id)
    )
    return _views(session, list(rows))


@dataclass(frozen=True)
class WorkingItem:
    candidate_id: int
    candidate_code: str
    finding: BoardFinding
    decision: ItemDecision | None
    exemption_code: str | None


@dataclass(frozen=True)
class WorkingCopy:
    request: RequestView
    items: list[WorkingItem]
    #: Why the reader may not approve (``None``: they may, or there is nothing to approve).
    approval_refusal: str | None

    @property
    def undecided(self) -> int:
        return sum(1 for i in self.items if i.decision is None)


def working_copy(session: Session, actor: User, security: Security, request_id: int) -> WorkingCopy:
    """The request's working copy: each candidate's findings as released (redacted text only,
    never raw content) with the decision taken on each (records officers without a duty in the
    scope's cycles)."""
    if not policy.can(actor, policy.Action.RECORDS_REQUESTS):
        raise Forbidden(policy.FORBIDDEN)
    request = _request(session, request_id)
    cycles = _cycles(session, request)
    refusal = policy.records_request_refusal(actor, cycles)
    if refusal is not None:
        raise Forbidden(refusal) if refusal == policy.FORBIDDEN else SeparationOfDuties(refusal)
    candidates = list(session.scalars(_scope_candidates(request).order_by(Candidate.id)))
    released = released_findings_of(session, security, candidates)
    decisions = {i.release_id: i for i in request.items}
    items = [
        WorkingItem(
            c.id,
            c.code,
            f,
            decisions[f.release_id].decision if f.release_id in decisions else None,
            decisions[f.release_id].exemption_code if f.release_id in decisions else None,
        )
        for c in candidates
        for f in released[c.id]
    ]
    approval = None
    if request.status is RequestStatus.PREPARED and request.prepared_by_id is not None:
        approval = policy.records_request_approval_refusal(actor, request.prepared_by_id, cycles)
    return WorkingCopy(_views(session, [request])[0], items, approval)


def scope_choices(session: Session, actor: User) -> list[tuple[int, str]]:
    """Cycles (id, "title (position)") newest first, for the intake form."""
    if not policy.can(actor, policy.Action.RECORDS_REQUESTS):
        raise Forbidden(policy.FORBIDDEN)
    rows = session.execute(select(Cycle.id, Cycle.title, Cycle.position).order_by(Cycle.id.desc()))
    return [(row[0], f"{row[1]} ({row[2]})") for row in rows]


# --- the bundle of a release (issue 15 point 5) --------------------------------------------------

#: Where a request's bundle is made from: a release a second person approved (RET-10).
PRODUCIBLE: Final = (RequestStatus.APPROVED, RequestStatus.RELEASED)


def reference_of(request_id: int) -> str:
    """What a production bundle made for request ``request_id`` names as its reference."""
    return f"Public-records request {request_id}"


@dataclass(frozen=True)
class ProductionScope:
    """What a request's production bundle starts from: the candidates of its scope whose records
    still exist, its reference, and each decided item (release id → decision and exemption code)."""

    request_id: int
    candidate_ids: list[int]
    reference: str
    decisions: dict[int, tuple[ItemDecision, str]]


def production_scope(session: Session, actor: User, request_id: int) -> ProductionScope:
    """A request's scope for its production bundle (records officers who may produce, without a
    duty in the scope's cycles, R2): only once a second person approved the release (409
    ``request_state`` before), so the bundle holds what the release log says, never more."""
    if not policy.can(actor, policy.Action.RECORDS_PRODUCE):
        raise Forbidden(policy.FORBIDDEN)
    request = _request(session, request_id)
    refusal = policy.records_request_refusal(actor, _cycles(session, request))
    if refusal is not None:
        raise Forbidden(refusal) if refusal == policy.FORBIDDEN else SeparationOfDuties(refusal)
    if request.status not in PRODUCIBLE:
        raise Conflict(
            f"Request {request.id} is {request.status.label.lower()}: its bundle is made once a second person "
            "approved the release.",
            code="request_state",
            field="records_request_id",
        )
    ids = list(session.scalars(_scope_candidates(request).with_only_columns(Candidate.id).order_by(Candidate.id)))
    decisions = {i.release_id: (i.decision, i.exemption_code) for i in request.items}
    return ProductionScope(request.id, ids, reference_of(request.id), decisions)
