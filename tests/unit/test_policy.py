"""The authorization table and object rules of vetting/policy.py, on plain model objects.

Rules traced: POL-01 (searchers are not decision makers), POL-03 (searchers hold a
current sensitive-position designation), CJIS 5.5 (least privilege, default deny).
No database: users, designations and cycles are transient ORM objects.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from tests.support import START, Clock
from vetting import policy
from vetting.errors import DesignationRequired, Forbidden
from vetting.models import Assignment, Cycle, Duty, Role, SensitiveDesignation, User, UserRole
from vetting.policy import Action

pytestmark = pytest.mark.usefixtures("clock")

TODAY = START.date()
_ids = itertools.count(1)

#: Every (role, action) pair, decided explicitly. A new Role or Action fails
#: ``test_table_decides_every_pair`` until someone decides it here for every role.
ALLOWED: dict[tuple[Role, Action], bool] = {
    (Role.ADMIN, Action.USERS_MANAGE): True,
    (Role.ADMIN, Action.CYCLES_MANAGE): True,
    (Role.ADMIN, Action.CYCLES_VIEW_ALL): True,
    (Role.ADMIN, Action.AUDIT_READ): False,
    (Role.ADMIN, Action.INVESTIGATE): False,
    (Role.ADMIN, Action.BOARD_READ): False,
    (Role.ADMIN, Action.CANDIDATES_MANAGE): True,
    (Role.ADMIN, Action.CHECKLISTS_MANAGE): True,
    (Role.ADMIN, Action.OUTBOX_READ): True,
    (Role.ADMIN, Action.CANDIDATE_LINKS): True,
    (Role.ADMIN, Action.REMINDERS_MANAGE): True,
    (Role.INVESTIGATOR, Action.USERS_MANAGE): False,
    (Role.INVESTIGATOR, Action.CYCLES_MANAGE): False,
    (Role.INVESTIGATOR, Action.CYCLES_VIEW_ALL): False,
    (Role.INVESTIGATOR, Action.AUDIT_READ): False,
    (Role.INVESTIGATOR, Action.INVESTIGATE): True,
    (Role.INVESTIGATOR, Action.BOARD_READ): False,
    (Role.INVESTIGATOR, Action.CANDIDATES_MANAGE): True,
    (Role.INVESTIGATOR, Action.CHECKLISTS_MANAGE): False,
    (Role.INVESTIGATOR, Action.OUTBOX_READ): False,
    (Role.INVESTIGATOR, Action.CANDIDATE_LINKS): True,
    (Role.INVESTIGATOR, Action.REMINDERS_MANAGE): False,
    (Role.BOARD_MEMBER, Action.USERS_MANAGE): False,
    (Role.BOARD_MEMBER, Action.CYCLES_MANAGE): False,
    (Role.BOARD_MEMBER, Action.CYCLES_VIEW_ALL): False,
    (Role.BOARD_MEMBER, Action.AUDIT_READ): False,
    (Role.BOARD_MEMBER, Action.INVESTIGATE): False,
    (Role.BOARD_MEMBER, Action.BOARD_READ): True,
    (Role.BOARD_MEMBER, Action.CANDIDATES_MANAGE): False,
    (Role.BOARD_MEMBER, Action.CHECKLISTS_MANAGE): False,
    (Role.BOARD_MEMBER, Action.OUTBOX_READ): False,
    (Role.BOARD_MEMBER, Action.CANDIDATE_LINKS): False,
    (Role.BOARD_MEMBER, Action.REMINDERS_MANAGE): False,
    (Role.AUDITOR, Action.USERS_MANAGE): False,
    (Role.AUDITOR, Action.CYCLES_MANAGE): False,
    (Role.AUDITOR, Action.CYCLES_VIEW_ALL): True,
    (Role.AUDITOR, Action.AUDIT_READ): True,
    (Role.AUDITOR, Action.INVESTIGATE): False,
    (Role.AUDITOR, Action.BOARD_READ): False,
    (Role.AUDITOR, Action.CANDIDATES_MANAGE): False,
    (Role.AUDITOR, Action.CHECKLISTS_MANAGE): False,
    (Role.AUDITOR, Action.OUTBOX_READ): False,
    (Role.AUDITOR, Action.CANDIDATE_LINKS): False,
    (Role.AUDITOR, Action.REMINDERS_MANAGE): False,
    (Role.ADMIN, Action.RECORDS_READ): True,
    (Role.ADMIN, Action.RETENTION_MANAGE): True,
    (Role.ADMIN, Action.HOLDS_MANAGE): True,
    (Role.ADMIN, Action.RECORDS_DISPOSE): True,
    # Production bundles (RET-08): records officers only; an administrator runs the cycles whose
    # records are produced.
    (Role.ADMIN, Action.RECORDS_PRODUCE): False,
    # Public-records requests (RET-10): records officers only; administrators, auditors read the log.
    (Role.ADMIN, Action.RECORDS_REQUESTS): False,
    (Role.INVESTIGATOR, Action.RECORDS_READ): False,
    (Role.INVESTIGATOR, Action.RETENTION_MANAGE): False,
    (Role.INVESTIGATOR, Action.HOLDS_MANAGE): False,
    (Role.INVESTIGATOR, Action.RECORDS_DISPOSE): False,
    (Role.INVESTIGATOR, Action.RECORDS_PRODUCE): False,
    (Role.INVESTIGATOR, Action.RECORDS_REQUESTS): False,
    (Role.BOARD_MEMBER, Action.RECORDS_READ): False,
    (Role.BOARD_MEMBER, Action.RETENTION_MANAGE): False,
    (Role.BOARD_MEMBER, Action.HOLDS_MANAGE): False,
    (Role.BOARD_MEMBER, Action.RECORDS_DISPOSE): False,
    (Role.BOARD_MEMBER, Action.RECORDS_PRODUCE): False,
    (Role.BOARD_MEMBER, Action.RECORDS_REQUESTS): False,
    (Role.AUDITOR, Action.RECORDS_READ): True,
    (Role.AUDITOR, Action.RETENTION_MANAGE): False,
    (Role.AUDITOR, Action.HOLDS_MANAGE): False,
    (Role.AUDITOR, Action.RECORDS_DISPOSE): False,
    (Role.AUDITOR, Action.RECORDS_PRODUCE): False,
    (Role.AUDITOR, Action.RECORDS_REQUESTS): False,
    # The records officer keeps records and reads none of their content (issue 15).
    (Role.RECORDS_OFFICER, Action.USERS_MANAGE): False,
    (Role.RECORDS_OFFICER, Action.CYCLES_MANAGE): False,
    (Role.RECORDS_OFFICER, Action.CYCLES_VIEW_ALL): False,
    (Role.RECORDS_OFFICER, Action.AUDIT_READ): False,
    (Role.RECORDS_OFFICER, Action.INVESTIGATE): False,
    (Role.RECORDS_OFFICER, Action.BOARD_READ): False,
    (Role.RECORDS_OFFICER, Action.CANDIDATES_MANAGE): False,
    (Role.RECORDS_OFFICER, Action.CHECKLISTS_MANAGE): False,
    (Role.RECORDS_OFFICER, Action.OUTBOX_READ): False,
    (Role.RECORDS_OFFICER, Action.CANDIDATE_LINKS): False,
    (Role.RECORDS_OFFICER, Action.REMINDERS_MANAGE): False,
    (Role.RECORDS_OFFICER, Action.RECORDS_READ): True,
    (Role.RECORDS_OFFICER, Action.RETENTION_MANAGE): True,
    (Role.RECORDS_OFFICER, Action.HOLDS_MANAGE): True,
    (Role.RECORDS_OFFICER, Action.RECORDS_DISPOSE): True,
    (Role.RECORDS_OFFICER, Action.RECORDS_PRODUCE): True,
    (Role.RECORDS_OFFICER, Action.RECORDS_REQUESTS): True,
    # Chain of custody (issue 15 point 6, RET-08): the records readers and the cycle's own
    # investigators (``can_read_custody``); board members never.
    (Role.ADMIN, Action.CUSTODY_READ): True,
    (Role.INVESTIGATOR, Action.CUSTODY_READ): True,
    (Role.BOARD_MEMBER, Action.CUSTODY_READ): False,
    (Role.AUDITOR, Action.CUSTODY_READ): True,
    (Role.RECORDS_OFFICER, Action.CUSTODY_READ): True,
}


def designation(
    *,
    clearance: date | None = None,
    training: date | None = None,
    acknowledgement: date | None = None,
    review: date | None = None,
) -> SensitiveDesignation:
    """A designation current on TODAY unless a date is overridden."""
    return SensitiveDesignation(
        clearance_date=clearance or TODAY - timedelta(days=300),
        training_date=training or TODAY - timedelta(days=30),
        acknowledgement_date=acknowledgement or TODAY - timedelta(days=30),
        review_date=review or TODAY + timedelta(days=200),
    )


def person(*roles: Role, active: bool = True, designated: SensitiveDesignation | None = None) -> User:
    """A transient user with the given global roles (investigators get a current designation)."""
    uid = next(_ids)
    if designated is None and Role.INVESTIGATOR in roles:
        designated = designation()
    return User(
        id=uid,
        email=f"user{uid}@x.test",
        name=f"User {uid}",
        password_hash="x",
        is_active=active,
        role_rows=[UserRole(role=r) for r in roles],
        designation=designated,
    )


def undesignated(*roles: Role) -> User:
    user = person(*roles)
    user.designation = None
    return user


def cycle_with(**duties: User) -> Cycle:
    """A cycle where each keyword (``investigator=``, ``board_member=``) user holds that duty."""
    return Cycle(
        id=next(_ids),
        title="Cycle",
        position="Officer",
        assignments=[Assignment(user_id=u.id, duty=Duty(name)) for name, u in duties.items()],
    )


# --- the role table -------------------------------------------------------------------------


def test_table_decides_every_pair() -> None:
    """CJIS 5.5: every role x action pair is decided here; a new action or role must be added."""
    assert set(ALLOWED) == set(itertools.product(Role, Action))


def test_role_actions_is_exactly_the_table() -> None:
    """Least privilege: ROLE_ACTIONS grants exactly what the table allows, nothing more."""
    for role in Role:
        assert policy.ROLE_ACTIONS.get(role, frozenset()) == {a for a in Action if ALLOWED[role, a]}, role


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [pytest.param(r, a, ok, id=f"{r.value}-{a.value}") for (r, a), ok in ALLOWED.items()],
)
def test_single_role_can(role: Role, action: Action, allowed: bool) -> None:
    """Each role alone gets exactly its row of the table (investigators with a current designation)."""
    user = person(role)
    assert policy.role_allows(user, action) is allowed
    assert policy.can(user, action) is allowed
    if allowed:
        policy.require(user, action)
    else:
        with pytest.raises(Forbidden):
            policy.require(user, action)


@pytest.mark.parametrize(
    ("first", "second"), list(itertools.combinations([Role.ADMIN, Role.INVESTIGATOR, Role.BOARD_MEMBER], 2))
)
def test_combined_roles_get_the_union(first: Role, second: Role) -> None:
    user = person(first, second)
    for action in Action:
        assert policy.can(user, action) is (ALLOWED[first, action] or ALLOWED[second, action]), action


def test_user_without_roles_gets_nothing() -> None:
    """Default deny: no role, no action."""
    user = person()
    for action in Action:
        assert not policy.can(user, action)
        with pytest.raises(Forbidden):
            policy.require(user, action)


@pytest.mark.parametrize("role", list(Role))
def test_inactive_user_gets_nothing(role: Role) -> None:
    """A deactivated account keeps its roles on record but may do nothing, see no cycle."""
    user = person(role, active=False)
    cycle = cycle_with(investigator=user) if role is Role.INVESTIGATOR else cycle_with(board_member=user)
    for action in Action:
        assert not policy.role_allows(user, action)
        assert not policy.can(user, action)
        assert not policy.can(user, action, cycle)
        with pytest.raises(Forbidden) as raised:
            policy.require(user, action)
        assert not isinstance(raised.value, DesignationRequired)
    assert not policy.can_view_cycle(user, cycle)


# --- POL-03: searchers need a current designation ---------------------------------------------------


def test_investigator_with_current_designation_may_search() -> None:
    """POL-03: a current designation opens the search tools."""
    user = person(Role.INVESTIGATOR)
    assert policy.designation_problems(user) == []
    assert policy.can(user, Action.INVESTIGATE)


def test_investigator_without_designation_cannot_search() -> None:
    """POL-03: no designation on record -> INVESTIGATE denied, and require() says why."""
    user = undesignated(Role.INVESTIGATOR)
    assert policy.designation_problems(user) == ["no sensitive-position designation is on record"]
    assert not policy.can(user, Action.INVESTIGATE)
    with pytest.raises(DesignationRequired) as raised:
        policy.require(user, Action.INVESTIGATE)
    assert "no sensitive-position designation is on record" in raised.value.message
    assert "administrator must record a current designation" in raised.value.message
    assert raised.value.code == "designation_required"


def test_investigator_with_lapsed_designation_cannot_search() -> None:
    """POL-03: a review date in the past closes the search tools, naming the date."""
    due = TODAY - timedelta(days=1)
    user = person(Role.INVESTIGATOR, designated=designation(review=due))
    assert not policy.can(user, Action.INVESTIGATE)
    with pytest.raises(DesignationRequired, match=f"review was due on {due.isoformat()}"):
        policy.require(user, Action.INVESTIGATE)


def test_designation_lapses_when_the_clock_passes_the_review_date(clock: Clock) -> None:
    """POL-03: the review date is the last good day; the next day search closes."""
    user = person(Role.INVESTIGATOR, designated=designation(review=TODAY))
    assert policy.can(user, Action.INVESTIGATE)
    clock.advance(days=1)
    assert not policy.can(user, Action.INVESTIGATE)
    with pytest.raises(DesignationRequired, match="review was due"):
        policy.require(user, Action.INVESTIGATE)


@pytest.mark.parametrize(
    ("field", "label"),
    [
        ("clearance", "background clearance"),
        ("training", "training"),
        ("acknowledgement", "confidentiality acknowledgement"),
    ],
)
def test_designation_dated_in_the_future_is_not_current(field: str, label: str) -> None:
    """POL-03: clearance, training and acknowledgement must already have happened."""
    later = TODAY + timedelta(days=3)
    user = person(Role.INVESTIGATOR, designated=designation(**{field: later}))
    assert policy.designation_problems(user) == [f"{label} is dated in the future ({later.isoformat()})"]
    with pytest.raises(DesignationRequired, match=label):
        policy.require(user, Action.INVESTIGATE)


def test_every_designation_problem_is_listed() -> None:
    later = TODAY + timedelta(days=3)
    user = person(
        Role.INVESTIGATOR,
        designated=designation(
            clearance=later, training=later, acknowledgement=later, review=TODAY - timedelta(days=1)
        ),
    )
    assert len(policy.designation_problems(user)) == 4


def test_designation_does_not_matter_for_other_actions() -> None:
    """A board member needs no designation; an admin's designation grants no searching."""
    board = undesignated(Role.BOARD_MEMBER)
    assert policy.can(board, Action.BOARD_READ)
    admin = person(Role.ADMIN, designated=designation())
    assert not policy.can(admin, Action.INVESTIGATE)
    with pytest.raises(Forbidden) as raised:
        policy.require(admin, Action.INVESTIGATE)
    assert not isinstance(raised.value, DesignationRequired)


# --- POL-01: object rules per cycle ---------------------------------------------------------------


def test_investigate_needs_the_investigator_duty_in_that_cycle() -> None:
    """POL-01: an investigator searches only in cycles where they hold the investigator duty."""
    searcher = person(Role.INVESTIGATOR, Role.BOARD_MEMBER)
    mine = cycle_with(investigator=searcher)
    decided = cycle_with(board_member=searcher)
    elsewhere = cycle_with()
    assert policy.can(searcher, Action.INVESTIGATE, mine)
    assert not policy.can(searcher, Action.INVESTIGATE, decided)
    assert not policy.can(searcher, Action.INVESTIGATE, elsewhere)
    with pytest.raises(Forbidden):
        policy.require(searcher, Action.INVESTIGATE, decided)


def test_board_read_needs_the_board_duty_in_that_cycle() -> None:
    """POL-01: a board member reads summaries only in cycles where they decide, never where they search."""
    member = person(Role.INVESTIGATOR, Role.BOARD_MEMBER)
    deciding = cycle_with(board_member=member)
    searching = cycle_with(investigator=member)
    assert policy.can(member, Action.BOARD_READ, deciding)
    assert not policy.can(member, Action.BOARD_READ, searching)
    assert not policy.can(member, Action.BOARD_READ, cycle_with())


def test_custody_is_for_records_readers_and_the_cycles_own_searchers_never_its_board() -> None:
    """Issue 15 point 6 (RET-08, Tulsa Policy 324 C.13): the chain of custody of a cycle's files is
    read by records officers, auditors and administrators, and by the cycle's investigators with a
    current designation (R4); never by another cycle's investigator, nor by a member of the
    cycle's board, whatever other role they hold (POL-01)."""
    searcher = person(Role.INVESTIGATOR)
    mine, elsewhere = cycle_with(investigator=searcher), cycle_with()
    assert policy.can(searcher, Action.CUSTODY_READ, mine)
    assert not policy.can(searcher, Action.CUSTODY_READ, elsewhere)
    lapsed = undesignated(Role.INVESTIGATOR)
    assert not policy.can(lapsed, Action.CUSTODY_READ, cycle_with(investigator=lapsed))
    for role in (Role.RECORDS_OFFICER, Role.AUDITOR, Role.ADMIN):
        assert policy.can(person(role), Action.CUSTODY_READ, elsewhere), role
    member = person(Role.BOARD_MEMBER)
    assert not policy.can(member, Action.CUSTODY_READ, cycle_with(board_member=member))
    keeper = person(Role.RECORDS_OFFICER, Role.BOARD_MEMBER)
    assert policy.can(keeper, Action.CUSTODY_READ, elsewhere)
    assert not policy.can(keeper, Action.CUSTODY_READ, cycle_with(board_member=keeper))
    assert not policy.can(person(Role.RECORDS_OFFICER, active=False), Action.CUSTODY_READ, elsewhere)


@pytest.mark.parametrize(
    "action",
    [
        Action.RETENTION_MANAGE,
        Action.HOLDS_MANAGE,
        Action.RECORDS_DISPOSE,
        Action.RECORDS_PRODUCE,
        Action.RECORDS_REQUESTS,
    ],
)
def test_records_duties_never_touch_a_cycle_one_searched_or_decided(action: Action) -> None:
    """R2 extended to records (issue 15, POL-01): a records officer who also searched or sat on a
    cycle's board may not hold, keep or dispose of that cycle's records; any other cycle they may."""
    officer = person(Role.RECORDS_OFFICER, Role.INVESTIGATOR, Role.BOARD_MEMBER)
    assert policy.records_refusal(officer, action, cycle_with()) is None
    assert policy.records_refusal(officer, action) is None
    for duty in ("investigator", "board_member"):
        refusal = policy.records_refusal(officer, action, cycle_with(**{duty: officer}))
        assert "separation of duties" in (refusal or "")
    assert policy.records_refusal(person(Role.INVESTIGATOR), action, cycle_with()) == policy.FORBIDDEN
    assert policy.records_refusal(person(Role.RECORDS_OFFICER, active=False), action) == policy.FORBIDDEN


def test_assigned_investigator_without_designation_is_told_why() -> None:
    """POL-03 applies even inside one's own cycle."""
    searcher = undesignated(Role.INVESTIGATOR)
    cycle = cycle_with(investigator=searcher)
    assert not policy.can(searcher, Action.INVESTIGATE, cycle)
    with pytest.raises(DesignationRequired):
        policy.require(searcher, Action.INVESTIGATE, cycle)


def test_view_cycle() -> None:
    """Admins and auditors see every cycle; others only the cycles they are assigned to."""
    searcher = person(Role.INVESTIGATOR)
    member = person(Role.BOARD_MEMBER)
    cycle = cycle_with(investigator=searcher, board_member=member)
    other = cycle_with()
    assert policy.can_view_cycle(person(Role.ADMIN), other)
    assert policy.can_view_cycle(person(Role.AUDITOR), other)
    assert policy.can_view_cycle(searcher, cycle)
    assert policy.can_view_cycle(member, cycle)
    assert not policy.can_view_cycle(searcher, other)
    assert not policy.can_view_cycle(member, other)


def test_duty_role_mapping() -> None:
    """Each per-cycle duty requires the matching global role."""
    assert policy.DUTY_ROLE == {Duty.INVESTIGATOR: Role.INVESTIGATOR, Duty.BOARD_MEMBER: Role.BOARD_MEMBER}
    assert set(policy.DUTY_ROLE) == set(Duty)


# --- exclusive roles -------------------------------------------------------------------------------


@pytest.mark.parametrize("other", [r for r in Role if r is not Role.AUDITOR])
def test_auditor_cannot_be_combined_with_any_role(other: Role) -> None:
    """Independence of the audit function: the auditor role stands alone."""
    problem = policy.roles_conflict(frozenset({Role.AUDITOR, other}))
    assert problem == "The auditor role cannot be combined with any other role."


def test_auditor_with_every_other_role_conflicts() -> None:
    assert policy.roles_conflict(frozenset(Role)) is not None


@pytest.mark.parametrize(
    "roles",
    [
        frozenset({Role.AUDITOR}),
        frozenset({Role.ADMIN}),
        frozenset({Role.ADMIN, Role.BOARD_MEMBER}),
        frozenset({Role.INVESTIGATOR, Role.BOARD_MEMBER}),
        frozenset({Role.RECORDS_OFFICER, Role.BOARD_MEMBER}),
        frozenset(),
    ],
    ids=lambda roles: "+".join(sorted(r.value for r in roles)) or "none",
)
def test_allowed_role_sets(roles: frozenset[Role]) -> None:
    """Other global roles may be combined; per-cycle duties enforce POL-01."""
    assert policy.roles_conflict(roles) is None


# --- issue 3: candidates, names and raw content -----------------------------------------------------


def test_candidates_manage_is_any_cycle_for_admins_and_own_cycle_for_searchers() -> None:
    """Admins add candidates to any cycle; investigators only to cycles they search (POL-01, POL-03)."""
    admin = person(Role.ADMIN)
    searcher = person(Role.INVESTIGATOR)
    member = person(Role.BOARD_MEMBER)
    mine = cycle_with(investigator=searcher, board_member=member)
    elsewhere = cycle_with()
    assert policy.can(admin, Action.CANDIDATES_MANAGE, elsewhere)
    assert policy.can(searcher, Action.CANDIDATES_MANAGE, mine)
    assert not policy.can(searcher, Action.CANDIDATES_MANAGE, elsewhere)
    assert not policy.can(member, Action.CANDIDATES_MANAGE, mine)
    # Links to the candidate follow the same rule (issue 16).
    assert policy.can(admin, Action.CANDIDATE_LINKS, elsewhere)
    assert policy.can(searcher, Action.CANDIDATE_LINKS, mine)
    assert not policy.can(searcher, Action.CANDIDATE_LINKS, elsewhere)
    assert not policy.can(member, Action.CANDIDATE_LINKS, mine)
    with pytest.raises(Forbidden):
        policy.require(member, Action.CANDIDATES_MANAGE, mine)


def test_candidates_manage_needs_a_current_designation_for_searchers() -> None:
    """POL-03: without a designation an investigator is told why, even in their own cycle."""
    searcher = undesignated(Role.INVESTIGATOR)
    cycle = cycle_with(investigator=searcher)
    assert not policy.can(searcher, Action.CANDIDATES_MANAGE, cycle)
    with pytest.raises(DesignationRequired):
        policy.require(searcher, Action.CANDIDATES_MANAGE, cycle)


def test_checklists_are_managed_by_admins_only() -> None:
    """R6: only administrators author and publish checklists."""
    assert policy.can(person(Role.ADMIN), Action.CHECKLISTS_MANAGE)
    for role in (Role.INVESTIGATOR, Role.BOARD_MEMBER, Role.AUDITOR):
        assert not policy.can(person(role), Action.CHECKLISTS_MANAGE), role


def test_candidate_names_are_for_searchers_and_admins_of_named_cycles() -> None:
    """Blind review: admins and the cycle's board see names only in named cycles; auditors never."""
    searcher = person(Role.INVESTIGATOR)
    member = person(Role.BOARD_MEMBER)
    admin = person(Role.ADMIN)
    named = cycle_with(investigator=searcher, board_member=member)
    blind = cycle_with(investigator=searcher, board_member=member)
    blind.blind_review = True
    named.blind_review = False
    for cycle in (named, blind):
        assert policy.can_see_candidate_name(searcher, cycle)
        assert not policy.can_see_candidate_name(person(Role.AUDITOR), cycle)
        assert not policy.can_see_candidate_name(person(Role.BOARD_MEMBER), cycle)  # another cycle's board
    assert policy.can_see_candidate_name(member, named)
    assert not policy.can_see_candidate_name(member, blind)
    assert policy.can_see_candidate_name(admin, named)
    assert not policy.can_see_candidate_name(admin, blind)
    assert not policy.can_see_candidate_name(person(Role.INVESTIGATOR), named)  # another cycle's searcher


def test_raw_content_is_for_searchers_and_auditors_with_a_reason() -> None:
    """POL-01/POL-02: board members and admins never open raw content; auditors state a reason."""
    searcher = person(Role.INVESTIGATOR)
    member = person(Role.BOARD_MEMBER)
    cycle = cycle_with(investigator=searcher, board_member=member)
    auditor = person(Role.AUDITOR)
    assert policy.can_open_raw_content(searcher, cycle, None)
    assert not policy.can_open_raw_content(member, cycle, "a long enough reason")
    assert not policy.can_open_raw_content(person(Role.ADMIN), cycle, "a long enough reason")
    assert not policy.can_open_raw_content(person(Role.INVESTIGATOR), cycle, None)
    assert not policy.can_open_raw_content(auditor, cycle, None)
    assert not policy.can_open_raw_content(auditor, cycle, "  too short ")
    assert not policy.can_open_raw_content(auditor, cycle, "x" * policy.MIN_REASON_LENGTH)  # one repeated character
    assert policy.can_open_raw_content(auditor, cycle, "Complaint 2026-17 review")


ZW = "\u200b"


@pytest.mark.parametrize(
    "reason",
    [
        None,
        "",
        "          ",
        ZW * 12,  # twelve zero-width spaces: nothing visible
        "aaaaaaaaaa",
        "aaaaa aaaaa",
        "AaAaA aAaAa",  # one letter, whatever its case
        "a" + ZW * 20 + "bc de",  # short once the invisible characters are gone
        "reviewing" + ZW + "complaint",  # one word: the zero-width space does not separate words
        "\u2060\u2060 \ufeff\u200d\u200c \u00ad\u00ad\u00ad",  # word joiners, BOM, soft hyphens
        "Complaint12",  # one word
        "- - - - - - - - - - -",
    ],
)
def test_an_auditors_reason_must_say_something(reason: str | None) -> None:
    """Issue 14: ten visible characters in two words, not one character repeated."""
    refused = policy.reason_refusal(reason)
    assert refused is not None
    assert "reason" in refused.lower()
    assert not policy.can_open_raw_content(person(Role.AUDITOR), cycle_with(), reason)


@pytest.mark.parametrize(
    "reason",
    ["Complaint 2026-17 review", "Audit of cycle 4", "  Spot check of consent  ", "QA review" + ZW + " of log"],
)
def test_an_auditors_real_reason_is_accepted(reason: str) -> None:
    assert policy.reason_refusal(reason) is None
    assert policy.can_open_raw_content(person(Role.AUDITOR), cycle_with(), reason)


@pytest.mark.parametrize(
    "roles",
    [
        frozenset({Role.ADMIN, Role.INVESTIGATOR}),
        frozenset({Role.ADMIN, Role.INVESTIGATOR, Role.BOARD_MEMBER}),
    ],
    ids=lambda roles: "+".join(sorted(r.value for r in roles)),
)
def test_an_administrator_can_never_also_search(roles: frozenset[Role]) -> None:
    """PRODUCT.md §2: admins never read findings; an admin-searcher could designate and assign themselves."""
    problem = policy.roles_conflict(roles)
    assert problem is not None
    assert "administrators never read findings" in problem
