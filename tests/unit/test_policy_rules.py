"""The refusal rules of vetting/policy.py, as tables: second person, one duty per cycle, roles.

Rules traced: R3 and POL-02 (a second investigator releases what reaches the board: neither
the finding's author nor its last editor, nor whoever judged a mention not protected, and an
answer to the board is approved by someone other than its writer), POL-01 / R2 (one duty per
person per cycle, ended duties included), CJIS 5.5 (the role rules). The refusal codes are the
ones recorded in the audit log, so their values are pinned. No database, except an in-memory
SQLite holding the findings table alone, to check the SQL form of the author rule.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, create_engine, insert, select

from vetting import policy
from vetting.models import (
    Assignment,
    Authorship,
    Base,
    BehaviourCategory,
    BoardQuestion,
    Cycle,
    DecisionRule,
    Duty,
    Finding,
    MentionResolution,
    Role,
    User,
    UserRole,
)

ACTOR = 1
OTHER = 2
THIRD = 3
_ids = itertools.count(100)


def person(*roles: Role, uid: int | None = None) -> User:
    """A transient user; the rules here read ids and roles only."""
    return User(id=uid or next(_ids), name="Someone", role_rows=[UserRole(role=r) for r in roles], is_active=True)


def cycle_with(**duties: User) -> Cycle:
    """A cycle where each keyword (``investigator=``, ``board_member=``) user holds that duty."""
    return Cycle(id=next(_ids), assignments=[Assignment(user_id=u.id, duty=Duty(name)) for name, u in duties.items()])


def actor() -> User:
    return person(Role.INVESTIGATOR, uid=ACTOR)


def test_refusal_codes_are_the_ones_the_audit_log_holds() -> None:
    """Recorded refusals carry these codes; the separation report counts exactly these two."""
    assert policy.AUTHOR_CANNOT_RELEASE == "author_cannot_release"
    assert policy.OWN_RESOLUTION == "own_resolution"
    assert {"author_cannot_release", "own_resolution"} == policy.SECOND_PERSON_CODES


# --- R3: the author and the last editor never release -------------------------------------------

#: (author, last editor) -> whether ACTOR is refused. ``None`` is "not recorded".
WRITERS: list[tuple[int | None, int | None, bool]] = [
    (ACTOR, None, True),
    (ACTOR, ACTOR, True),
    (ACTOR, OTHER, True),  # a colleague's edit does not make the author a second person
    (OTHER, ACTOR, True),  # the last editor wrote the text under review
    (OTHER, None, False),
    (OTHER, OTHER, False),
    (OTHER, THIRD, False),
    (None, None, False),
    (None, OTHER, False),
    (None, ACTOR, True),
]


def finding(author: int | None, editor: int | None) -> Finding:
    return Finding(created_by_id=author, updated_by_id=editor)


@pytest.mark.parametrize(("author", "editor", "refused"), WRITERS)
def test_the_author_or_last_editor_cannot_release(author: int | None, editor: int | None, refused: bool) -> None:
    expected = policy.AUTHOR_CANNOT_RELEASE if refused else None
    assert policy.release_author_refusal(actor(), finding(author, editor)) == expected


FINDINGS = Base.metadata.tables["findings"]


@pytest.fixture
def findings_table() -> Iterator[Engine]:
    """The findings table alone: SQLite does not check its foreign keys unless told to."""
    engine = create_engine("sqlite://")
    FINDINGS.create(engine)
    yield engine
    engine.dispose()


def test_the_awaiting_review_filter_is_the_same_rule_in_sql(findings_table: Engine) -> None:
    """releasable_by selects exactly the findings the table above lets the actor release (the list
    of findings awaiting review must not offer one that release then refuses, nor hide one)."""
    rows: list[dict[str, object]] = [
        {
            "id": i,
            "candidate_id": 1,
            "item_id": 1,
            "source_url_enc": "",
            "platform": "",
            "captured_at": datetime(2024, 1, 1, tzinfo=UTC),
            "summary_enc": "",
            "excerpt_enc": "",
            "category": BehaviourCategory.VIOLENCE.value,
            "authorship": Authorship.AUTHORED.value,
            "identity_basis": [],
            "created_by_id": author,
            "updated_by_id": editor,
        }
        for i, (author, editor, _) in enumerate(WRITERS, start=1)
    ]
    with findings_table.begin() as connection:
        connection.execute(insert(FINDINGS), rows)
        selected = set(connection.scalars(select(Finding.id).where(policy.releasable_by(actor()))))
    assert selected == {i for i, (_, _, refused) in enumerate(WRITERS, start=1) if not refused}


# --- R3, PC-01: whoever judged a mention not protected does not release it -----------------------


@dataclass(frozen=True)
class Judged:
    resolution: MentionResolution | None
    resolved_by_id: int | None


NOT_PROTECTED = MentionResolution.NOT_PROTECTED
REDACT = MentionResolution.REDACT


@pytest.mark.parametrize(
    ("mentions", "refused"),
    [
        ([], False),
        ([Judged(None, None)], False),  # open mentions are another blocker, not this rule
        ([Judged(NOT_PROTECTED, ACTOR)], True),
        ([Judged(REDACT, ACTOR)], False),  # redacting is never the risky judgement
        ([Judged(NOT_PROTECTED, OTHER)], False),
        ([Judged(REDACT, ACTOR), Judged(NOT_PROTECTED, OTHER)], False),
        ([Judged(NOT_PROTECTED, OTHER), Judged(NOT_PROTECTED, ACTOR)], True),  # one of many is enough
        ([Judged(NOT_PROTECTED, None)], False),
    ],
)
def test_own_not_protected_judgement_blocks_release(mentions: list[Judged], refused: bool) -> None:
    expected = policy.OWN_RESOLUTION if refused else None
    assert policy.own_resolution_refusal(actor(), mentions) == expected
    assert policy.own_resolution_refusal(actor(), iter(mentions)) == expected  # any iterable, read once


# --- R3, POL-02: an answer to the board is approved by a second investigator ----------------------


@pytest.mark.parametrize(("writer", "refused"), [(ACTOR, True), (OTHER, False), (None, False)])
def test_the_answers_writer_cannot_approve_it(writer: int | None, refused: bool) -> None:
    question = BoardQuestion(answered_by_id=writer, asked_by_id=THIRD)
    expected = policy.AUTHOR_CANNOT_RELEASE if refused else None
    assert policy.answer_approval_refusal(actor(), question) == expected


# --- POL-01 / R2: one duty per person per cycle -------------------------------------------------

OTHER_DUTY = {Duty.INVESTIGATOR: Duty.BOARD_MEMBER, Duty.BOARD_MEMBER: Duty.INVESTIGATOR}


def held(duty: Duty, *, ended: bool) -> tuple[Cycle, User]:
    user = person(Role.INVESTIGATOR, Role.BOARD_MEMBER)
    cycle = cycle_with(**{duty.value: user})
    if ended:
        cycle.assignments[0].ended_at = datetime(2024, 1, 1, tzinfo=UTC)
    return cycle, user


@pytest.mark.parametrize("duty", list(Duty))
@pytest.mark.parametrize("ended", [False, True], ids=["current", "ended"])
def test_the_other_duty_is_refused_even_after_it_ended(duty: Duty, ended: bool) -> None:
    """Someone who searched here never decides here, nor the reverse; ending the duty changes nothing."""
    cycle, user = held(duty, ended=ended)
    conflict = policy.duty_conflict(cycle, user.id, OTHER_DUTY[duty])
    assert isinstance(conflict, Assignment)
    assert conflict.duty is duty
    assert (conflict.ended_at is not None) is ended


@pytest.mark.parametrize("duty", list(Duty))
@pytest.mark.parametrize("ended", [False, True], ids=["current", "ended"])
def test_the_same_duty_again_is_no_conflict(duty: Duty, ended: bool) -> None:
    cycle, user = held(duty, ended=ended)
    assert policy.duty_conflict(cycle, user.id, duty) is None


@pytest.mark.parametrize("duty", list(Duty))
def test_a_duty_elsewhere_or_of_someone_else_is_no_conflict(duty: Duty) -> None:
    cycle, user = held(OTHER_DUTY[duty], ended=False)
    assert policy.duty_conflict(cycle_with(), user.id, duty) is None
    assert policy.duty_conflict(cycle, person(Role.INVESTIGATOR, Role.BOARD_MEMBER).id, duty) is None


@pytest.mark.parametrize("roles", [frozenset(Role), frozenset({Role.ADMIN})], ids=["every-role", "admin"])
def test_no_role_overrides_a_duty_conflict(roles: frozenset[Role]) -> None:
    """The rule reads the assignment alone: the person's global roles do not enter into it."""
    user = person(*roles)
    cycle = cycle_with(investigator=user)
    assert policy.duty_conflict(cycle, user.id, Duty.BOARD_MEMBER) is not None


# --- CJIS 5.5: which roles may be given, and what nobody does to their own account ----------------


def admin() -> User:
    return person(Role.ADMIN, uid=ACTOR)


def someone() -> User:
    return person(Role.BOARD_MEMBER, uid=OTHER)


ACCOUNTS = {"new": lambda: None, "self": admin, "other": someone}
NO_ROLE = "Choose at least one role."
OWN_ADMIN = "You cannot remove your own administrator role."
ALONE = "The auditor role cannot be combined with any other role."
APART = "The admin and investigator roles cannot be held together: administrators never read findings or evidence."


@pytest.mark.parametrize(
    ("grantor", "account", "roles", "refusal"),
    [
        ("admin", "new", set(), NO_ROLE),
        ("command line", "new", set(), NO_ROLE),
        ("admin", "other", set(), NO_ROLE),
        ("admin", "self", set(), NO_ROLE),
        ("admin", "new", {Role.INVESTIGATOR}, None),
        ("command line", "new", {Role.ADMIN}, None),
        ("command line", "new", {Role.AUDITOR, Role.ADMIN}, ALONE),
        ("admin", "new", {Role.ADMIN, Role.INVESTIGATOR}, APART),
        ("admin", "other", {Role.INVESTIGATOR, Role.BOARD_MEMBER}, None),
        ("admin", "other", {Role.BOARD_MEMBER}, None),  # others may lose or never hold admin
        ("admin", "other", {Role.AUDITOR, Role.BOARD_MEMBER}, ALONE),
        ("admin", "self", {Role.ADMIN}, None),
        ("admin", "self", {Role.ADMIN, Role.BOARD_MEMBER}, None),
        ("admin", "self", {Role.BOARD_MEMBER}, OWN_ADMIN),
        ("admin", "self", {Role.AUDITOR}, OWN_ADMIN),  # becoming the auditor drops admin too
        ("admin", "self", {Role.AUDITOR, Role.ADMIN}, ALONE),  # the role rules are reported first
        ("admin", "self", {Role.ADMIN, Role.INVESTIGATOR}, APART),
    ],
)
def test_role_grants(grantor: str, account: str, roles: set[Role], refusal: str | None) -> None:
    """Every account holds a role, the role rules hold, and no administrator removes their own."""
    by = admin() if grantor == "admin" else None
    assert policy.role_grant_refusal(by, ACCOUNTS[account](), frozenset(roles)) == refusal


def test_oneself_is_the_account_not_the_object() -> None:
    """Compared by account id: another copy of one's own account is still oneself."""
    me, copy = admin(), admin()
    assert me is not copy
    assert policy.role_grant_refusal(me, copy, frozenset({Role.INVESTIGATOR})) == OWN_ADMIN


@pytest.mark.parametrize(
    ("own", "active", "refused"),
    [(True, False, True), (True, True, False), (False, False, False), (False, True, False)],
    ids=["deactivate-self", "activate-self", "deactivate-other", "activate-other"],
)
def test_nobody_deactivates_their_own_account(own: bool, active: bool, refused: bool) -> None:
    user = admin() if own else someone()
    expected = "You cannot deactivate your own account." if refused else None
    assert policy.activation_refusal(admin(), user, active) == expected


# --- POL-01 and the cycle's rule: who records the board's decision --------------------------------

CHAIR_DECIDES = "In this cycle the chair records the board's decision."
NO_CHAIR = "This cycle has no chair to record the board's decision: an administrator must name one."


@pytest.mark.parametrize(
    ("rule", "who", "refusal"),
    [
        (DecisionRule.MAJORITY, "member", None),
        (DecisionRule.MAJORITY, "chair", None),
        (DecisionRule.CHAIR, "chair", None),
        (DecisionRule.CHAIR, "member", CHAIR_DECIDES),
        (DecisionRule.CHAIR, "member without a chair", NO_CHAIR),
        (DecisionRule.MAJORITY, "searcher", policy.FORBIDDEN),  # never a searcher (POL-01)
        (DecisionRule.MAJORITY, "other board", policy.FORBIDDEN),
        (DecisionRule.MAJORITY, "inactive member", policy.FORBIDDEN),
        (DecisionRule.CHAIR, "inactive chair", policy.FORBIDDEN),
    ],
)
def test_who_records_the_decision(rule: DecisionRule, who: str, refusal: str | None) -> None:
    chair, member = person(Role.BOARD_MEMBER), person(Role.BOARD_MEMBER)
    searcher = person(Role.INVESTIGATOR, Role.BOARD_MEMBER)
    cycle = cycle_with(board_member=chair, investigator=searcher)
    cycle.assignments.append(Assignment(user_id=member.id, duty=Duty.BOARD_MEMBER))
    cycle.decision_rule = rule
    cycle.chair_id = None if who == "member without a chair" else chair.id
    actor = {
        "chair": chair,
        "member": member,
        "member without a chair": member,
        "searcher": searcher,
        "other board": person(Role.BOARD_MEMBER),
        "inactive member": member,
        "inactive chair": chair,
    }[who]
    actor.is_active = not who.startswith("inactive")
    assert policy.decision_refusal(actor, cycle) == refusal
    assert policy.can_record_decision(actor, cycle) is (refusal is None)
