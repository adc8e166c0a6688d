"""Hiring cycles and the per-cycle duties of investigators and board members.

R2 / POL-01: a person either searches or decides in a cycle, never both. The rule is
:func:`vetting.policy.duty_conflict`, checked here for every way in (web, API, CLI, direct
call), and again as a unique constraint in the database. A refusal is a
:class:`SeparationOfDuties` error that is audit-logged; no role can override it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, cast, exists, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from vetting import policy
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.clock import utcnow
from vetting.errors import (
    Conflict,
    DesignationRequired,
    NotFound,
    Refusal,
    SeparationOfDuties,
    ValidationFailed,
)
from vetting.models import (
    Assignment,
    Candidate,
    Cycle,
    CycleStatus,
    DecisionRule,
    Disposition,
    Duty,
    HoldScope,
    Job,
    JobKind,
    LegalHold,
    Minimisation,
    MinimisedFinding,
    RecordsRequest,
    RecordsRequestItem,
    User,
)
from vetting.models.cycle import WITH_MEMBERS
from vetting.services import fields
from vetting.services.paging import Key, Page, PageRequest, paginate


def create_cycle(
    session: Session,
    actor: User,
    *,
    title: str,
    position: str,
    blind_review: bool,
    decision_rule: DecisionRule = DecisionRule.CHAIR,
) -> Cycle:
    """A draft cycle. The chair rule (the API's default) needs a chair named once the board is
    assigned; until then :func:`setup_warnings` says so."""
    policy.require(actor, policy.Action.CYCLES_MANAGE)
    cycle = Cycle(
        identity_match_minimum=3,
        title=fields.text(title, "title", "Title"),
        position=fields.text(position, "position", "Position"),
        blind_review=blind_review,
        decision_rule=decision_rule,
        status=CycleStatus.DRAFT,
        created_by_id=actor.id,
    )
    session.add(cycle)
    session.flush()
    record(
        session,
        actor,
        Event.CYCLE_CREATED,
        subject=cycle,
        title=cycle.title,
        position=cycle.position,
        blind_review=blind_review,
        decision_rule=decision_rule.value,
    )
    return cycle


def setup_warnings(cycle: Cycle) -> list[str]:
    """What keeps a cycle from working as set up: each is a sentence for the administrator.

    Warnings, not refusals: a cycle may open before its board is assigned (the board reads
    nothing until a search is closed, R1), but nobody should open it without being told."""
    if cycle.status is CycleStatus.CLOSED:
        return []
    warnings = []
    investigators = cycle.member_ids(Duty.INVESTIGATOR)
    board = cycle.member_ids(Duty.BOARD_MEMBER)
    if not investigators:
        warnings.append("No investigator is assigned: nobody can search for this cycle's candidates.")
    if not board:
        warnings.append("The board has no members: nobody can read released findings or record a decision.")
    if cycle.decision_rule is DecisionRule.CHAIR and cycle.chair_id is None:
        warnings.append(
            "The decision rule is “The chair decides” but no chair is named: no decision can be recorded. "
            "Name the chair under “How the board decides”, or choose the majority rule."
        )
    if board and cycle.decision_quorum > len(board):
        warnings.append(
            f"A decision needs {cycle.decision_quorum} recommendations but the board has {len(board)} "
            f"member{'s' if len(board) != 1 else ''}: the quorum can never be met."
        )
    return warnings


def get_cycle(session: Session, actor: User, cycle_id: int) -> Cycle:
    """A cycle the actor may see; others are reported as missing, not forbidden."""
    cycle = session.get(Cycle, cycle_id, options=[WITH_MEMBERS])
    if cycle is None or not policy.can_view_cycle(actor, cycle):
        raise NotFound("No such cycle.")
    return cycle


def _visible(actor: User) -> Select[Cycle]:
    query = select(Cycle).options(WITH_MEMBERS)
    if not policy.role_allows(actor, policy.Action.CYCLES_VIEW_ALL):
        query = query.join(Assignment).where(Assignment.user_id == actor.id, Assignment.ended_at.is_(None))
    return query


def list_cycles(session: Session, actor: User) -> list[Cycle]:
    return list(session.scalars(_visible(actor).order_by(Cycle.created_at.desc(), Cycle.id.desc())).unique())


def cycles_page(session: Session, actor: User, page: PageRequest) -> Page[Cycle]:
    """One page of the cycles the actor may see, newest first (ids grow with creation)."""
    return paginate(session, _visible(actor), [Key(Cycle.id, descending=True)], page, name="cycles")


def change_status(session: Session, actor: User, cycle_id: int, status: CycleStatus) -> Cycle:
    policy.require(actor, policy.Action.CYCLES_MANAGE)
    cycle = get_cycle(session, actor, cycle_id)
    if status is CycleStatus.OPEN:
        cycle.open(utcnow())
    elif status is CycleStatus.CLOSED:
        cycle.close(utcnow())
    else:
        raise ValidationFailed("A cycle can only be opened or closed.", field="status")
    record(session, actor, Event.CYCLE_OPENED if status is CycleStatus.OPEN else Event.CYCLE_CLOSED, subject=cycle)
    return cycle


def _listed(
    session: Session, document: InstrumentedAttribute[Any], wanted: Select[Any], key: str = ""
) -> ColumnElement[bool]:
    """Whether the JSON array ``document`` (its ``key`` when given) holds one of the ids ``wanted``
    selects: a records request's scope and a production's candidates are stored as JSON lists."""
    if session.get_bind().dialect.name == "postgresql":
        array = document[key] if key else document
        elements = func.json_array_elements_text(array).table_valued("value")
    else:
        elements = (func.json_each(document, f"$.{key}") if key else func.json_each(document)).table_valued("value")
    return exists().select_from(elements).where(cast(elements.c.value, Integer).in_(wanted))


def records_handled(session: Session, cycle: Cycle, user_id: int) -> list[str]:
    """Which records acts (keys of :data:`vetting.policy.RECORDS_ACTS`) ``user_id`` did on ``cycle``'s
    records, released, finished or not: one statement, whatever the number of candidates or acts."""
    candidates = select(Candidate.id).where(Candidate.cycle_id == cycle.id)
    facts: dict[str, ColumnElement[bool]] = {
        "hold": exists().where(
            HoldScope.hold_id == LegalHold.id,
            or_(LegalHold.placed_by_id == user_id, LegalHold.released_by_id == user_id),
            # The cycles a hold's scope reaches, as its release's check reads them (holds._cycles_of).
            or_(
                HoldScope.cycle_id == cycle.id,
                HoldScope.candidate_id.in_(candidates),
                func.lower(HoldScope.position) == cycle.position.lower(),
            ),
        ),
        "disposition": exists().where(
            Disposition.cycle_id == cycle.id,
            or_(Disposition.proposed_by_id == user_id, Disposition.approved_by_id == user_id),
        ),
        "minimisation": exists().where(
            MinimisedFinding.minimisation_id == Minimisation.id,
            MinimisedFinding.cycle_id == cycle.id,
            or_(Minimisation.proposed_by_id == user_id, Minimisation.approved_by_id == user_id),
        ),
        "records_request": or_(
            exists().where(
                or_(
                    *(
                        column == user_id
                        for column in (
                            RecordsRequest.logged_by_id,
                            RecordsRequest.prepared_by_id,
                            RecordsRequest.approved_by_id,
                            RecordsRequest.released_by_id,
                            RecordsRequest.closed_by_id,
                        )
                    )
                ),
                or_(
                    _listed(session, RecordsRequest.cycle_ids, select(Cycle.id).where(Cycle.id == cycle.id)),
                    _listed(session, RecordsRequest.candidate_ids, candidates),
                ),
            ),
            exists().where(
                RecordsRequestItem.decided_by_id == user_id, RecordsRequestItem.candidate_id.in_(candidates)
            ),
        ),
        "production": exists().where(
            Job.kind == JobKind.PRODUCTION,
            Job.requested_by_id == user_id,
            _listed(session, Job.parameters, candidates, "candidate_ids"),
        ),
    }
    row = session.execute(select(*(fact.label(key) for key, fact in facts.items()))).one()
    return [key for key in facts if row._mapping[key]]


def assign(session: Session, actor: User, cycle_id: int, user_id: int, duty: Duty) -> Assignment:
    """Give ``user_id`` a duty in the cycle.

    :raises SeparationOfDuties: if the user already has the other duty here, or handled the
        cycle's records (:func:`vetting.policy.records_duty_refusal`; audited)
    :raises DesignationRequired: if an investigator lacks a current designation (R4)
    :raises Conflict: if the cycle is closed or the user already has this duty
    :raises ValidationFailed: if the user lacks the global role for the duty
    """
    policy.require(actor, policy.Action.CYCLES_MANAGE)
    cycle = get_cycle(session, actor, cycle_id)
    user = session.get(User, user_id)
    if user is None:
        raise ValidationFailed("No such user.", field="user_id")
    conflict = policy.duty_conflict(cycle, user.id, duty)
    if conflict is not None:
        held = "an investigator" if conflict.duty is Duty.INVESTIGATOR else "a board member"
        tense = "is already" if conflict.ended_at is None else "was"
        raise SeparationOfDuties(
            f"{user.name} {tense} {held} in this cycle. Searchers and decision makers must be different "
            "people (policy POL-01), and no role can override this.",
            refusal=Refusal.of(
                Event.ASSIGNMENT_REFUSED,
                actor,
                subject=cycle,
                user_id=user.id,
                requested=duty.value,
                held=conflict.duty.value,
                ended=conflict.ended_at is not None,
                code=SeparationOfDuties.code,
            ),
        )
    handled = records_handled(session, cycle, user.id)
    refusal = policy.records_duty_refusal(user.name, handled)
    if refusal is not None:
        raise SeparationOfDuties(
            refusal,
            refusal=Refusal.of(
                Event.ASSIGNMENT_REFUSED,
                actor,
                subject=cycle,
                user_id=user.id,
                requested=duty.value,
                records=handled,
                code=SeparationOfDuties.code,
            ),
        )
    existing = cycle.assignment_of(user.id)
    if existing is not None and existing.ended_at is None:
        raise Conflict(f"{user.name} already has this duty in this cycle.", code="already_assigned")
    if cycle.status is CycleStatus.CLOSED:
        raise Conflict("This cycle is closed; its assignments cannot change.", code="cycle_closed")
    if not user.is_active:
        raise ValidationFailed(f"{user.name}'s account is deactivated.", field="user_id")
    needed = policy.DUTY_ROLE[duty]
    if not user.has_role(needed):
        raise ValidationFailed(f"{user.name} does not hold the {needed.label.lower()} role.", field="role")
    if duty is Duty.INVESTIGATOR:
        problems = policy.designation_problems(user)
        if problems:
            raise DesignationRequired(
                f"{user.name} cannot be assigned as investigator: " + "; ".join(problems) + " (policy POL-03).",
                refusal=Refusal.of(
                    Event.DESIGNATION_REFUSED,
                    actor,
                    subject=cycle,
                    user_id=user.id,
                    requested=duty.value,
                    code=DesignationRequired.code,
                ),
            )
    if existing is not None:
        existing.ended_at = None  # the same duty again
        assignment = existing
    else:
        assignment = Assignment(cycle=cycle, user=user, duty=duty, created_by_id=actor.id)
        session.add(assignment)
    session.flush()
    record(session, actor, Event.ASSIGNMENT_CREATED, subject=cycle, user_id=user.id, duty=duty.value)
    return assignment


def unassign(session: Session, actor: User, cycle_id: int, user_id: int) -> None:
    policy.require(actor, policy.Action.CYCLES_MANAGE)
    cycle = get_cycle(session, actor, cycle_id)
    if cycle.status is CycleStatus.CLOSED:
        raise Conflict("This cycle is closed; its assignments cannot change.", code="cycle_closed")
    assignment = cycle.assignment_of(user_id)
    if assignment is None or assignment.ended_at is not None:
        raise NotFound("That user has no duty in this cycle.")
    duty = assignment.duty
    if cycle.chair_id == user_id:
        cycle.chair_id = None
    # Ended, not deleted: the record that this person searched (or decided) here stays (R2).
    assignment.ended_at = utcnow()
    session.flush()
    record(session, actor, Event.ASSIGNMENT_REMOVED, subject=cycle, user_id=user_id, duty=duty.value)


def my_duties(session: Session, actor: User, duty: Duty | None = None) -> list[Assignment]:
    """The actor's assignments (optionally of one duty), newest cycle first."""
    query = (
        select(Assignment)
        .join(Cycle)
        .options(selectinload(Assignment.cycle).options(WITH_MEMBERS))
        .where(Assignment.user_id == actor.id, Assignment.ended_at.is_(None))
        .order_by(Cycle.created_at.desc(), Cycle.id.desc())
    )
    if duty is not None:
        query = query.where(Assignment.duty == duty)
    return list(session.scalars(query))


def assignable_users(session: Session, actor: User, cycle: Cycle) -> list[User]:
    """Active users holding a role that some duty needs, not yet in the cycle."""
    policy.require(actor, policy.Action.CYCLES_MANAGE)
    taken = {a.user_id for a in cycle.current_assignments}
    users = session.scalars(select(User).where(User.is_active.is_(True)).order_by(User.name))
    wanted = set(policy.DUTY_ROLE.values())
    return [u for u in users if u.id not in taken and u.roles & wanted]


@dataclass(frozen=True)
class BoardRules:
    """How a cycle's board decides and how long a candidate has to answer a notice."""

    decision_rule: DecisionRule
    decision_quorum: int
    chair_id: int | None
    response_days: int
    fcra_mode: bool
    cra_name: str = ""
    cra_address: str = ""
    cra_phone: str = ""


#: The response window is never shorter than 5 business days (FCRA-07's practice floor).
MIN_RESPONSE_DAYS = 5
MAX_RESPONSE_DAYS = 60
MAX_QUORUM = 50


def set_board_rules(session: Session, actor: User, cycle_id: int, rules: BoardRules) -> Cycle:
    """Set the decision rule, quorum, chair, response window and FCRA mode of a cycle."""
    policy.require(actor, policy.Action.CYCLES_MANAGE)
    cycle = get_cycle(session, actor, cycle_id)
    if cycle.status is CycleStatus.CLOSED:
        raise Conflict("This cycle is closed; its rules cannot change.", code="cycle_closed")
    if rules.chair_id is not None and cycle.duty_of(rules.chair_id) is not Duty.BOARD_MEMBER:
        raise ValidationFailed("The chair must be a current board member of this cycle.", field="chair_user_id")
    if rules.decision_rule is DecisionRule.CHAIR and rules.chair_id is None:
        raise ValidationFailed(
            "Name the chair who records decisions, or choose the majority rule.", field="chair_user_id"
        )
    if not 1 <= rules.decision_quorum <= MAX_QUORUM:
        raise ValidationFailed(f"The quorum is between 1 and {MAX_QUORUM} recommendations.", field="decision_quorum")
    if not MIN_RESPONSE_DAYS <= rules.response_days <= MAX_RESPONSE_DAYS:
        raise ValidationFailed(
            f"The response window is {MIN_RESPONSE_DAYS} to {MAX_RESPONSE_DAYS} business days; never shorter "
            f"than {MIN_RESPONSE_DAYS}.",
            field="response_days",
        )
    agency: dict[str, str | None] = {"cra_name": None, "cra_address": None, "cra_phone": None}
    if rules.fcra_mode:
        # The final adverse-action notice must name the agency and how to reach it (FCRA-08).
        agency = {
            "cra_name": fields.text(rules.cra_name, "cra_name", "The consumer reporting agency's name"),
            "cra_address": fields.text(
                rules.cra_address, "cra_address", "The consumer reporting agency's address", limit=500
            ),
            "cra_phone": fields.text(
                rules.cra_phone, "cra_phone", "The consumer reporting agency's telephone", limit=40
            ),
        }
    cycle.decision_rule = rules.decision_rule
    cycle.decision_quorum = rules.decision_quorum
    cycle.chair_id = rules.chair_id
    cycle.response_days = rules.response_days
    cycle.fcra_mode = rules.fcra_mode
    for name, value in agency.items():
        setattr(cycle, name, value)
    session.flush()
    record(
        session,
        actor,
        Event.CYCLE_BOARD_RULES_CHANGED,
        subject=cycle,
        decision_rule=rules.decision_rule.value,
        decision_quorum=rules.decision_quorum,
        chair_id=rules.chair_id,
        response_days=rules.response_days,
        fcra_mode=rules.fcra_mode,
    )
    return cycle
