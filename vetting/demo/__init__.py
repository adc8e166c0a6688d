"""Demo data (PRODUCT.md §5): idempotent, so ``make run`` can load it every time.

Loaded through the use cases like any other input (``vetting demo``): accounts and the
cycle here, the investigation in :mod:`.investigation`, the board's work in :mod:`.board`, the
records officers' hold, request and disposition in :mod:`.records`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetting.clock import today, utcnow
from vetting.demo import board, investigation, portal, records
from vetting.models import Candidate, Cycle, CycleStatus, Duty, Role, User
from vetting.security import totp
from vetting.services import checklists, cycles, self_identification, users
from vetting.services.accounts import open_totp_secret, seal_totp_secret
from vetting.services.context import Security
from vetting.storage import EncryptedStore

DEMO_PASSWORD = "demo-vetting-2026"
DEMO_CYCLE_TITLE = "Police Officer Recruit"

DEMO_ACCOUNTS: tuple[tuple[str, str, Role], ...] = (
    ("admin@demo.test", "Alex Admin", Role.ADMIN),
    ("inv1@demo.test", "Ira Investigator", Role.INVESTIGATOR),
    ("inv2@demo.test", "Ines Investigator", Role.INVESTIGATOR),
    ("board1@demo.test", "Bo Board", Role.BOARD_MEMBER),
    ("board2@demo.test", "Bea Board", Role.BOARD_MEMBER),
    ("board3@demo.test", "Ben Board", Role.BOARD_MEMBER),
    ("auditor@demo.test", "Aud Auditor", Role.AUDITOR),
    ("records@demo.test", "Rae Records", Role.RECORDS_OFFICER),
    # A second records officer: a release is approved by someone other than its preparer (RET-10).
    ("records2@demo.test", "Reese Records", Role.RECORDS_OFFICER),
)


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: Role
    totp_secret: str


def _account(session: Session, security: Security, email: str, name: str, role: Role) -> User:
    user = users.find_user_by_email(session, email)
    if user is None:
        user = users.create_user(
            session, None, security, email=email, name=name, password=DEMO_PASSWORD, roles=frozenset({role})
        )
    if user.totp_secret_encrypted is None:
        # Demo accounts come enrolled so the printed secret works at once.
        seal_totp_secret(security, user, totp.new_secret())
        user.totp_enrolled_at = utcnow()
    return user


#: Fictional voluntary answers, in candidate order; the last candidate was sent a link and
#: has not answered. Eleven answers: groups of 6 and 5 by sex; by race, most groups are
#: under the minimum of 5 and show as suppressed.
SELF_IDENTIFICATION = (
    ("female", "white"),
    ("male", "black"),
    ("female", "hispanic_latino"),
    ("male", "white"),
    ("female", "black"),
    ("male", "white"),
    ("female", "asian"),
    ("male", "hispanic_latino"),
    ("female", "declined"),
    ("male", "white"),
    ("female", "white"),
)


def _self_identification(session: Session, security: Security, cycle: Cycle, admin: User) -> None:
    """The candidates' answers to the voluntary form, given through their one-time links."""
    states = self_identification.overview(session, admin, cycle.id)
    for n, state in enumerate(states):
        if state.state != "not invited":
            continue
        invitation = self_identification.invite(session, admin, state.candidate_id)
        if n < len(SELF_IDENTIFICATION):
            answers = self_identification.parse_answers(*SELF_IDENTIFICATION[n])
            self_identification.submit(session, security, invitation.token, answers)


def _consent_through_a_link(session: Session, side: portal.Portal, cycle: Cycle, investigator: User) -> None:
    """The second candidate (awaiting consent) is e-mailed the consent link and signs online (issue 16)."""
    candidate = session.scalar(
        select(Candidate).where(Candidate.cycle_id == cycle.id).order_by(Candidate.id).offset(1).limit(1)
    )
    if candidate is None or candidate.consent is not None:
        return
    name = investigation.PEOPLE[1].name
    portal.sign_consent_online(side, session, investigator, candidate, name)


def load_demo(session: Session, security: Security, store: EncryptedStore) -> list[DemoAccount]:
    """Create what is missing of the demo accounts and cycle; return the accounts."""
    accounts = {email: _account(session, security, email, name, role) for email, name, role in DEMO_ACCOUNTS}
    admin = accounts["admin@demo.test"]
    for email in ("inv1@demo.test", "inv2@demo.test"):
        investigator = accounts[email]
        if investigator.designation is None or investigator.designation.problems(today()):
            users.record_designation(
                session,
                admin,
                investigator.id,
                users.DesignationInput(
                    clearance_date=today() - timedelta(days=400),
                    training_date=today() - timedelta(days=120),
                    acknowledgement_date=today() - timedelta(days=120),
                    review_date=today() + timedelta(days=245),
                ),
            )
    cycle = session.scalar(select(Cycle).where(Cycle.title == DEMO_CYCLE_TITLE))
    if cycle is None:
        cycle = cycles.create_cycle(
            session, admin, title=DEMO_CYCLE_TITLE, position="Police Officer", blind_review=False
        )
    if cycle.checklist_version_id is None:
        version = investigation.checklist(session, admin)
        checklists.set_cycle_checklist(session, admin, cycle.id, version.id, 3)
    for email, duty in (
        ("inv1@demo.test", Duty.INVESTIGATOR),
        ("inv2@demo.test", Duty.INVESTIGATOR),
        ("board1@demo.test", Duty.BOARD_MEMBER),
        ("board2@demo.test", Duty.BOARD_MEMBER),
        ("board3@demo.test", Duty.BOARD_MEMBER),
    ):
        if cycle.duty_of(accounts[email].id) is None:
            cycles.assign(session, admin, cycle.id, accounts[email].id, duty)
    if cycle.status is CycleStatus.DRAFT:
        cycles.change_status(session, admin, cycle.id, CycleStatus.OPEN)
    investigators = [accounts["inv1@demo.test"], accounts["inv2@demo.test"]]
    investigation.add_candidates(session, security, store, cycle, *investigators)
    candidate_side = portal.portal(security, store)
    if candidate_side is not None:
        _consent_through_a_link(session, candidate_side, cycle, investigators[1])
    members = [accounts[f"board{n}@demo.test"] for n in (1, 2, 3)]
    board.load(session, security, cycle, admin, members, investigators, candidate_side)
    _self_identification(session, security, cycle, admin)
    assert cycle.checklist_version_id is not None
    officers = (accounts["records@demo.test"], accounts["records2@demo.test"])
    records.load(session, security, store, cycle, admin, officers, cycle.checklist_version_id)
    return [
        DemoAccount(
            email=user.email,
            name=user.name,
            role=role,
            totp_secret=open_totp_secret(security, user),
        )
        for (email, _name, role), user in zip(DEMO_ACCOUNTS, accounts.values(), strict=True)
    ]
