"""Every authorization rule in one place (default deny).

``can`` answers yes or no; ``require`` raises :class:`Forbidden`. Unknown roles or
actions never grant anything. Object rules (is this user assigned to this cycle, in
which duty), separation of duties and the second-person rules live here too, so an
auditor can read the whole access model in one file. Rule functions return why the
actor is refused (a code or a message) or ``None``; services raise the error.

Rules traced: POL-01 (searchers are not decision makers), POL-02 and R3 (a second
person releases what reaches the board), POL-03 (searchers hold a current
sensitive-position designation), CJIS 5.5 (least privilege).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from enum import StrEnum
from typing import Any, Final, Protocol

from sqlalchemy import ColumnElement, Select, and_, false, or_, select

from vetting.audit.events import Event
from vetting.clock import today as clock_today
from vetting.errors import DesignationRequired, Forbidden, Refusal
from vetting.models import (
    Assignment,
    BoardQuestion,
    Cycle,
    CycleStatus,
    DecisionRule,
    Duty,
    Finding,
    Job,
    JobKind,
    MentionResolution,
    Role,
    User,
)
from vetting.screening.text import is_ignorable, normalise


class Action(StrEnum):
    USERS_MANAGE = "users.manage"
    CYCLES_MANAGE = "cycles.manage"
    #: See every cycle without being assigned (admins run them, auditors check them).
    CYCLES_VIEW_ALL = "cycles.view_all"
    AUDIT_READ = "audit.read"
    #: Use the search tools of a cycle one is an investigator of (R4 gate applies).
    INVESTIGATE = "investigate"
    #: Read released summaries of a cycle one sits on the board of.
    BOARD_READ = "board.read"
    #: Add candidates to a cycle (admins; investigators of that cycle).
    CANDIDATES_MANAGE = "candidates.manage"
    #: Author and publish checklist templates.
    CHECKLISTS_MANAGE = "checklists.manage"
    #: Read the outbox: every message, its status and why it failed (issue 16 point 5).
    OUTBOX_READ = "outbox.read"
    #: Set the agency's reminder thresholds and the digest's hour (issue 16 point 6).
    REMINDERS_MANAGE = "reminders.manage"
    #: Issue and e-mail a candidate's single-purpose link (admins; investigators of the cycle; issue 16).
    CANDIDATE_LINKS = "candidates.links"
    #: Read what the records rules keep: retention classes and dates, legal holds, dispositions
    #: (admins, auditors and records officers; no candidate content; issue 15, RET-08).
    RECORDS_READ = "records.read"
    #: Propose or approve a change of the agency's retention schedule (RET-07: a second person approves).
    RETENTION_MANAGE = "retention.manage"
    #: Place a legal hold, or release another person's (RET-02, RET-03).
    HOLDS_MANAGE = "holds.manage"
    #: Propose or approve the disposition of candidates past their retention, or the minimisation of
    #: findings that never reach the board (RET-07, RET-11: a second person approves).
    RECORDS_DISPOSE = "records.dispose"
    #: Make a production bundle for a records request, discovery or an inspection (RET-08, RET-10):
    #: records officers only, and never of a cycle they searched or decided (``records_refusal``).
    RECORDS_PRODUCE = "records.produce"
    #: Log a public-records request, apply exemptions to its working copy, prepare, approve (a
    #: second person) and release it (RET-10): records officers only, never automatically.
    RECORDS_REQUESTS = "records.requests"
    #: Read the chain of custody of an evidence file or a signed consent form (issue 15 point 6,
    #: RET-08): records readers, and the cycle's own investigators (``can_read_custody``).
    CUSTODY_READ = "custody.read"


ROLE_ACTIONS: Final[Mapping[Role, frozenset[Action]]] = {
    Role.ADMIN: frozenset(
        {
            Action.USERS_MANAGE,
            Action.CYCLES_MANAGE,
            Action.CYCLES_VIEW_ALL,
            Action.CANDIDATES_MANAGE,
            Action.CHECKLISTS_MANAGE,
            Action.OUTBOX_READ,
            Action.CANDIDATE_LINKS,
            Action.REMINDERS_MANAGE,
            Action.RECORDS_READ,
            Action.RETENTION_MANAGE,
            Action.HOLDS_MANAGE,
            Action.RECORDS_DISPOSE,
            Action.CUSTODY_READ,
        }
    ),
    Role.INVESTIGATOR: frozenset(
        {Action.INVESTIGATE, Action.CANDIDATES_MANAGE, Action.CANDIDATE_LINKS, Action.CUSTODY_READ}
    ),
    Role.BOARD_MEMBER: frozenset({Action.BOARD_READ}),
    Role.AUDITOR: frozenset({Action.AUDIT_READ, Action.CYCLES_VIEW_ALL, Action.RECORDS_READ, Action.CUSTODY_READ}),
    Role.RECORDS_OFFICER: frozenset(
        {
            Action.RECORDS_READ,
            Action.RETENTION_MANAGE,
            Action.HOLDS_MANAGE,
            Action.RECORDS_DISPOSE,
            Action.RECORDS_PRODUCE,
            Action.RECORDS_REQUESTS,
            Action.CUSTODY_READ,
        }
    ),
}

#: What a refused actor is told when no rule has more to say.
FORBIDDEN: Final = "You do not have permission to do this."

#: Roles that hold no other role: the auditor checks everyone (PRODUCT.md §2).
EXCLUSIVE_ROLES: Final = frozenset({Role.AUDITOR})

#: Pairs never held together. An administrator who could also search would read raw
#: findings, and could designate and assign themselves with no second person (§2, POL-03).
INCOMPATIBLE_ROLES: Final = ((Role.ADMIN, Role.INVESTIGATOR),)

#: Which global role a per-cycle duty needs.
DUTY_ROLE: Final[Mapping[Duty, Role]] = {
    Duty.INVESTIGATOR: Role.INVESTIGATOR,
    Duty.BOARD_MEMBER: Role.BOARD_MEMBER,
}


def role_allows(actor: User, action: Action) -> bool:
    """Whether any of the actor's roles carries ``action`` (ignores objects and R4)."""
    if not actor.is_active:
        return False
    return any(action in ROLE_ACTIONS.get(role, frozenset()) for role in actor.roles)


def designation_problems(user: User, on: date | None = None) -> list[str]:
    """Why ``user`` may not search today (POL-03 / R4); empty when they may."""
    designation = user.designation
    if designation is None:
        return ["no sensitive-position designation is on record"]
    return designation.problems(on or clock_today())


def _searcher_of(actor: User, cycle: Cycle | None) -> bool:
    """An investigator of ``cycle`` (any cycle when ``None``) with a current designation (R4)."""
    if not actor.has_role(Role.INVESTIGATOR) or designation_problems(actor):
        return False
    return cycle is None or cycle.duty_of(actor.id) is Duty.INVESTIGATOR


def can(actor: User, action: Action, cycle: Cycle | None = None) -> bool:
    """Whether ``actor`` may do ``action`` (on ``cycle`` when given)."""
    if not role_allows(actor, action):
        return False
    if action is Action.INVESTIGATE:
        return _searcher_of(actor, cycle)
    if action in (Action.CANDIDATES_MANAGE, Action.CANDIDATE_LINKS):
        return actor.has_role(Role.ADMIN) or _searcher_of(actor, cycle)
    if action is Action.BOARD_READ:
        return cycle is None or cycle.duty_of(actor.id) is Duty.BOARD_MEMBER
    if action is Action.CUSTODY_READ:
        return can_read_custody(actor, cycle)
    return True


def require(actor: User, action: Action, cycle: Cycle | None = None) -> None:
    """Raise unless :func:`can`; a searcher without a designation is told why, and the refusal
    is audited (``designation.refused``: POL-03, CJIS 5.4.1.1 unsuccessful attempts)."""
    if can(actor, action, cycle):
        return
    if action in (Action.INVESTIGATE, Action.CANDIDATES_MANAGE, Action.CANDIDATE_LINKS) and actor.has_role(
        Role.INVESTIGATOR
    ):
        problems = designation_problems(actor)
        if problems:
            raise DesignationRequired(
                "Search tools are closed: "
                + "; ".join(problems)
                + ". An administrator must record a current designation.",
                refusal=Refusal.of(
                    Event.DESIGNATION_REFUSED,
                    actor,
                    subject=cycle,
                    action=action.value,
                    code=DesignationRequired.code,
                ),
            )
    raise Forbidden(FORBIDDEN)


def records_refusal(actor: User, action: Action, cycle: Cycle | None = None) -> str | None:
    """Why ``actor`` may not do the records ``action`` on ``cycle``'s records, or ``None``.

    The records duties (retention, holds, disposition) extend R2 (POL-01): whoever searches or
    sits on a cycle's board never acts on that cycle's records, so nobody holds, keeps or
    destroys the record of their own investigation or decision.
    """
    if not can(actor, action):
        return FORBIDDEN
    if cycle is not None and cycle.duty_of(actor.id) is not None:
        return (
            "You hold a duty in this cycle (investigator or board member): another person acts on its records "
            "(separation of duties)."
        )
    return None


#: Why a records proposal's own author may not approve it (RET-07: destruction needs an approver).
SECOND_PERSON_REQUIRED: Final = (
    "A second person approves what one proposed: another records officer or administrator approves it (RET-07)."
)


def records_approval_refusal(
    actor: User, action: Action, proposed_by_id: int, cycle: Cycle | None = None
) -> str | None:
    """Why ``actor`` may not approve a records proposal (a retention schedule, a disposition, a
    minimisation) that ``proposed_by_id`` made, or ``None``: the records rules of
    :func:`records_refusal`, and never the proposer (RET-07, like the two-person release R3). The caller raises 409
    ``second_person_required`` for the second reason (:data:`SECOND_PERSON_REQUIRED`)."""
    refusal = records_refusal(actor, action, cycle)
    if refusal is not None:
        return refusal
    return SECOND_PERSON_REQUIRED if actor.id == proposed_by_id else None


def can_view_cycle(actor: User, cycle: Cycle) -> bool:
    """Admins and auditors see every cycle; others only cycles they are assigned to."""
    if role_allows(actor, Action.CYCLES_VIEW_ALL):
        return True
    return actor.is_active and cycle.duty_of(actor.id) is not None


def can_read_tombstone(actor: User, cycle: Cycle) -> bool:
    """A disposed candidate's tombstone (issue 15, RET-07: codes, dates, counts and digests, no
    content): whoever sees the cycle, and the records readers, who see every disposition."""
    return can_view_cycle(actor, cycle) or can(actor, Action.RECORDS_READ)


def can_read_custody(actor: User, cycle: Cycle | None) -> bool:
    """The chain of custody of ``cycle``'s evidence files and signed consent forms (any cycle when
    ``None``; issue 15 point 6, RET-08, Tulsa Policy 324 C.13): the records readers (records
    officers, auditors, administrators), who keep and check the record, and the cycle's own
    investigators with a current designation (R4), who received the files. Never a member of the
    cycle's board, whatever other role they hold: who opened which capture, and why, is not for
    the decision makers (POL-01). The caller holds :data:`Action.CUSTODY_READ` by role."""
    if not role_allows(actor, Action.CUSTODY_READ):
        return False
    if cycle is not None and cycle.duty_of(actor.id) is Duty.BOARD_MEMBER:
        return False
    return role_allows(actor, Action.RECORDS_READ) or _searcher_of(actor, cycle)


def can_see_candidate_name(actor: User, cycle: Cycle) -> bool:
    """Names are for the cycle's searchers; admins and the cycle's board see them only in
    named cycles: in blind-review cycles the board reads candidates by code (R3)."""
    if _searcher_of(actor, cycle):
        return True
    if not actor.is_active or cycle.blind_review:
        return False
    return actor.has_role(Role.ADMIN) or can(actor, Action.BOARD_READ, cycle)


def can_record_decision(actor: User, cycle: Cycle) -> bool:
    """The board's decision: its chair under the chair rule, any member under the majority rule.
    Never a searcher (POL-01): only the cycle's board holds the duty."""
    if not can(actor, Action.BOARD_READ, cycle):
        return False
    return cycle.decision_rule is DecisionRule.MAJORITY or cycle.chair_id == actor.id


def decision_refusal(actor: User, cycle: Cycle) -> str | None:
    """Why ``actor`` may not record the board's decision in ``cycle`` (:func:`can_record_decision`), or ``None``."""
    if can_record_decision(actor, cycle):
        return None
    if not can(actor, Action.BOARD_READ, cycle):
        return FORBIDDEN
    if cycle.chair_id is not None:
        return "In this cycle the chair records the board's decision."
    return "This cycle has no chair to record the board's decision: an administrator must name one."


def can_read_notices(actor: User, cycle: Cycle) -> bool:
    """Notices to the candidate hold released text only: the cycle's board, which proposes
    the decision, and its searchers, who record the candidate's answer."""
    return can(actor, Action.BOARD_READ, cycle) or _searcher_of(actor, cycle)


def can_open_raw_content(actor: User, cycle: Cycle, reason: str | None) -> bool:
    """Raw findings and evidence: the cycle's searchers; auditors only with a stated reason.

    Board members never (POL-01, POL-02); admins never (PRODUCT.md §2).
    """
    if _searcher_of(actor, cycle):
        return True
    return role_allows(actor, Action.AUDIT_READ) and reason_refusal(reason) is None


#: An auditor's stated reason for opening raw content must say something: this many visible
#: characters, in at least :data:`MIN_REASON_WORDS` words.
MIN_REASON_LENGTH = 10
MIN_REASON_WORDS = 2


def reason_refusal(reason: str | None) -> str | None:
    """Why ``reason`` does not state why an auditor opens raw content, or ``None`` when it does.

    Invisible characters (zero-width spaces, joiners, bidi controls) are not counted; the rest
    must hold :data:`MIN_REASON_LENGTH` visible characters in :data:`MIN_REASON_WORDS` words, and
    not be one character repeated ("aaaaaaaaaa"). Issue 14.
    """
    visible = "".join(c for c in reason or "" if not is_ignorable(c))
    words = visible.split()
    letters = "".join(words)
    wanted = f"at least {MIN_REASON_LENGTH} visible characters in {MIN_REASON_WORDS} or more words"
    if not letters:
        return f"State the reason ({wanted}); it is recorded in the audit log."
    if len(letters) < MIN_REASON_LENGTH or len(words) < MIN_REASON_WORDS:
        return f"The reason is too short: write {wanted}; it is recorded in the audit log."
    if len(set(normalise(letters)[0])) < 2:
        return f"The reason repeats one character: say why you need to open it ({wanted})."
    return None


def roles_conflict(roles: frozenset[Role]) -> str | None:
    """Why a set of global roles is not allowed, or ``None``."""
    for role in EXCLUSIVE_ROLES:
        if role in roles and len(roles) > 1:
            return f"The {role.label.lower()} role cannot be combined with any other role."
    for first, second in INCOMPATIBLE_ROLES:
        if first in roles and second in roles:
            return (
                f"The {first.label.lower()} and {second.label.lower()} roles cannot be held together: "
                "administrators never read findings or evidence."
            )
    return None


def role_grant_refusal(actor: User | None, user: User | None, roles: frozenset[Role]) -> str | None:
    """Why ``roles`` may not be given to ``user`` (``None``: a new account) by ``actor``, or ``None``.

    Every account holds a role, the pairs above are never held together (CJIS 5.5), and an
    administrator never removes their own administrator role: nobody may be left unable to undo it.
    """
    if not roles:
        return "Choose at least one role."
    conflict = roles_conflict(roles)
    if conflict:
        return conflict
    if actor is not None and user is not None and user.id == actor.id and Role.ADMIN not in roles:
        return "You cannot remove your own administrator role."
    return None


def activation_refusal(actor: User, user: User, active: bool) -> str | None:
    """Why ``actor`` may not set ``user``'s account to ``active``: nobody deactivates their own."""
    return "You cannot deactivate your own account." if user.id == actor.id and not active else None


# --- one person, one duty per cycle (POL-01, R2) ---------------------------------------------------


def duty_conflict(cycle: Cycle, user_id: int, duty: Duty) -> Assignment | None:
    """The assignment that bars ``user_id`` from ``duty`` in ``cycle``, or ``None``.

    POL-01 / R2: whoever searched in a cycle never decides in it, nor the reverse. An ended
    assignment counts too, and no role overrides this (the database backs it with a unique key).
    """
    held = cycle.assignment_of(user_id)
    return held if held is not None and held.duty is not duty else None


#: The records acts that bar a person from any duty in a cycle whose records they handled, and
#: what the refusal says of each (:func:`records_duty_refusal`).
RECORDS_ACTS: Final[Mapping[str, str]] = {
    "hold": "placed or released a legal hold over it",
    "disposition": "proposed or approved the disposition of one of its candidates",
    "minimisation": "proposed or approved the minimisation of one of its findings",
    "records_request": "worked on a public-records request whose scope includes it",
    "production": "made a production bundle of its candidates",
}


def records_duty_refusal(name: str, handled: Iterable[str]) -> str | None:
    """Why the person called ``name`` may not take a duty (search or decide) in a cycle whose
    records they ``handled`` (keys of :data:`RECORDS_ACTS`), or ``None``.

    The other direction of :func:`records_refusal` (R2 extended to records; PRODUCT.md §2: a
    records officer never sits on a board or investigates in a cycle whose records they handle):
    whoever held, destroyed or released a cycle's records never decides on or searches its
    candidates. An act long finished counts too, as an ended assignment does (:func:`duty_conflict`).
    """
    acts = [RECORDS_ACTS[key] for key in RECORDS_ACTS if key in set(handled)]
    if not acts:
        return None
    return (
        f"{name} handled this cycle's records ({'; '.join(acts)}): whoever acts on a cycle's records never "
        "investigates in it nor sits on its board (separation of duties), and no role can override this."
    )


# --- the second person (R3, POL-02) ----------------------------------------------------------------

#: The author or last editor of a finding tried to release it.
AUTHOR_CANNOT_RELEASE: Final = "author_cannot_release"
#: The investigator who judged a mention "not protected" tried to release the finding.
OWN_RESOLUTION: Final = "own_resolution"
#: Release refusals that are separation-of-duties refusals (the separation report lists them).
SECOND_PERSON_CODES: Final = frozenset({AUTHOR_CANNOT_RELEASE, OWN_RESOLUTION})

#: Who wrote a finding: neither its author nor its last editor releases it. The Python rule and
#: the SQL filter below both read these columns, so they cannot drift apart.
_FINDING_WRITERS: Final = (Finding.created_by_id, Finding.updated_by_id)


class Judgement(Protocol):
    """A decision on a protected-class mention, as a model row or a view of it."""

    @property
    def resolution(self) -> MentionResolution | None: ...

    @property
    def resolved_by_id(self) -> int | None: ...


def release_author_refusal(actor: User, finding: Finding) -> str | None:
    """:data:`AUTHOR_CANNOT_RELEASE` if ``actor`` wrote or last edited ``finding`` (R3, POL-02)."""
    writers = {getattr(finding, column.key) for column in _FINDING_WRITERS}
    return AUTHOR_CANNOT_RELEASE if actor.id in writers else None


def releasable_by(actor: User) -> ColumnElement[bool]:
    """SQL of :func:`release_author_refusal` passing: findings ``actor`` neither wrote nor last edited."""
    return and_(*(or_(column.is_(None), column != actor.id) for column in _FINDING_WRITERS))


def own_resolution_refusal(actor: User, mentions: Iterable[Judgement]) -> str | None:
    """:data:`OWN_RESOLUTION` if ``actor`` marked one of the mentions not protected: a colleague
    reviews that judgement before the finding reaches the board (R3, PC-01)."""
    own = any(m.resolution is MentionResolution.NOT_PROTECTED and m.resolved_by_id == actor.id for m in mentions)
    return OWN_RESOLUTION if own else None


def answer_approval_refusal(actor: User, question: BoardQuestion) -> str | None:
    """:data:`AUTHOR_CANNOT_RELEASE` if ``actor`` wrote the answer: a second investigator sends it
    to the board, as with a finding's release (R3, POL-02)."""
    return AUTHOR_CANNOT_RELEASE if question.answered_by_id == actor.id else None


# --- API tokens (issue 14) -------------------------------------------------------------------------


def can_manage_tokens_of(actor: User | None, owner_id: int) -> bool:
    """Whose API tokens ``actor`` may issue, list and revoke: only their own, whatever their role.

    ``None`` is the operator at the command line, who already holds the instance's keys.
    """
    return actor is None or actor.id == owner_id


def token_issue_refusal(user: User) -> str | None:
    """Why no API token may be issued for ``user``, or ``None``.

    A token stands in for a full sign-in at every request, so only an account that has enrolled
    its second factor gets one (CJIS 5.6.2.2: multi-factor authentication).
    """
    if not user.mfa_enrolled:
        return (
            f"{user.email} has not enrolled a second factor (TOTP): API tokens are only issued to accounts "
            "that have. Sign in once to enrol, then create the token."
        )
    return None


# --- jobs run by the worker (issue 17) -------------------------------------------------------------

#: The action that starts each kind of job, and reads its status and result: the action of the
#: synchronous route each kind stands in for (the report, the uniformity CSV, the chain check and
#: the export are the auditors').
JOB_ACTIONS: Final[Mapping[JobKind, Action]] = {
    JobKind.AUDIT_REPORT: Action.AUDIT_READ,
    JobKind.CHAIN_CHECK: Action.AUDIT_READ,
    JobKind.UNIFORMITY_CSV: Action.AUDIT_READ,
    JobKind.AUDIT_EXPORT: Action.AUDIT_READ,
    JobKind.PRODUCTION: Action.RECORDS_PRODUCE,
}
#: Kinds whose status and result every holder of the kind's action reads: the audit report is the
#: auditors' shared document (as its synchronous route is). Other kinds: the requester only (each
#: auditor's own check, CSV or export, whose download is audited as theirs).
SHARED_JOB_KINDS: Final = frozenset({JobKind.AUDIT_REPORT})


def can_start_job(actor: User, kind: JobKind) -> bool:
    """Whether ``actor`` may start a job of ``kind`` (unknown kinds: nobody)."""
    action = JOB_ACTIONS.get(kind)
    return action is not None and can(actor, action)


def can_read_job(actor: User, kind: JobKind, requested_by_id: int) -> bool:
    """A job's status and result: whoever still holds the kind's action, and is its requester
    unless the kind is shared (:data:`SHARED_JOB_KINDS`)."""
    if not can_start_job(actor, kind):
        return False
    return actor.id == requested_by_id or kind in SHARED_JOB_KINDS


def readable_jobs(actor: User) -> ColumnElement[bool]:
    """SQL of :func:`can_read_job`: the jobs ``actor`` may follow and download."""
    kinds = [kind for kind in JOB_ACTIONS if can_start_job(actor, kind)]
    shared = [kind for kind in kinds if kind in SHARED_JOB_KINDS]
    return or_(Job.kind.in_(shared), and_(Job.kind.in_(kinds), Job.requested_by_id == actor.id))


# --- what a person is reminded of (issue 16 point 6) -----------------------------------------------

#: The action each duty acts by in a cycle: its searchers search (R4 applies), its board decides.
DUTY_ACTIONS: Final[Mapping[Duty, Action]] = {
    Duty.INVESTIGATOR: Action.INVESTIGATE,
    Duty.BOARD_MEMBER: Action.BOARD_READ,
}


def acting_cycles(actor: User, duty: Duty) -> Select[Any]:
    """SQL of :func:`can` over cycles: the open cycles where ``actor`` holds ``duty`` now and may act
    by it (a searcher only with a current designation, R4). Reminders count nothing elsewhere."""
    query = (
        select(Assignment.cycle_id)
        .join(Cycle, Cycle.id == Assignment.cycle_id)
        .where(
            Assignment.user_id == actor.id,
            Assignment.duty == duty,
            Assignment.ended_at.is_(None),
            Cycle.status == CycleStatus.OPEN,
        )
    )
    return query if can(actor, DUTY_ACTIONS[duty]) else query.where(false())


def reviews_designations(actor: User) -> bool:
    """Who is reminded of designations due for review: those who record them (POL-03)."""
    return can(actor, Action.USERS_MANAGE)


def reviews_holds(actor: User) -> bool:
    """Who is reminded of legal holds due for review: those who place and release them (RET-02)."""
    return can(actor, Action.HOLDS_MANAGE)


# --- legal holds (issue 15 point 2; RET-02, RET-03) ------------------------------------------------

#: The person who placed a legal hold tried to release it; the caller answers 409
#: ``second_person_required``.
PLACER_CANNOT_RELEASE: Final = (
    "You placed this hold: another records officer or administrator must release it (a second person, RET-02)."
)


def hold_refusal(actor: User, cycles: Iterable[Cycle]) -> str | None:
    """Why ``actor`` may not place or release a hold whose scope reaches ``cycles``, or ``None``:
    administrators and records officers, and never on a cycle they search or decide in
    (:func:`records_refusal`, R2 extended to records)."""
    for cycle in (None, *cycles):
        refusal = records_refusal(actor, Action.HOLDS_MANAGE, cycle)
        if refusal is not None:
            return refusal
    return None


def hold_release_refusal(actor: User, placed_by_id: int, cycles: Iterable[Cycle]) -> str | None:
    """Why ``actor`` may not release a hold that ``placed_by_id`` placed over ``cycles``, or ``None``:
    the rules of :func:`hold_refusal`, and never its placer (:data:`PLACER_CANNOT_RELEASE`): records
    kept for a matter stop being kept only when two people agree (RET-02, RET-03)."""
    refusal = hold_refusal(actor, cycles)
    if refusal is not None:
        return refusal
    return PLACER_CANNOT_RELEASE if actor.id == placed_by_id else None


# --- public-records requests (issue 15 point 4; RET-10) ------------------------------------------

#: The person who prepared a release tried to approve it; the caller answers 409 ``second_person_required``.
PREPARER_CANNOT_APPROVE: Final = (
    "You prepared this release: another records officer approves it (a second person, RET-10)."
)


def records_request_refusal(actor: User, cycles: Iterable[Cycle]) -> str | None:
    """Why ``actor`` may not work on a records request whose scope reaches ``cycles``, or ``None``:
    records officers, and never on a cycle they search or decide in (:func:`records_refusal`,
    R2 extended to records: nobody decides what of their own investigation the public reads)."""
    for cycle in (None, *cycles):
        refusal = records_refusal(actor, Action.RECORDS_REQUESTS, cycle)
        if refusal is not None:
            return refusal
    return None


def records_request_approval_refusal(actor: User, prepared_by_id: int, cycles: Iterable[Cycle]) -> str | None:
    """Why ``actor`` may not approve a release that ``prepared_by_id`` prepared, or ``None``: the
    rules of :func:`records_request_refusal`, and never its preparer (:data:`PREPARER_CANNOT_APPROVE`;
    RET-10: what leaves the agency is seen by two people)."""
    refusal = records_request_refusal(actor, cycles)
    if refusal is not None:
        return refusal
    return PREPARER_CANNOT_APPROVE if actor.id == prepared_by_id else None
