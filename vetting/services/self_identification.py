"""The candidate's voluntary self-identification form (sex, race/ethnicity; UGESP, §6).

An administrator issues a one-time link; the candidate, who has no account, answers on a
page of its own, apart from the consent form and everything the investigation touches.
The answers are sealed under the candidate's data key in their own table. Nobody reads
them back one by one: only :mod:`vetting.services.adverse_impact` opens them, to count.
The administrator learns whether the form was answered, never what it says.

The link behaves like every candidate link (issue 16 point 1, :mod:`vetting.services.link_guard`):
opening it is audited, and an unknown (guessed), spent, replaced or expired token gets the same
plain refusal, audited with its reason, counted against the caller's address and rate-limited
(:func:`open_form`, :func:`answer`, which the web page and the API use).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, ScalarSelect, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from vetting import policy
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.clock import utcnow
from vetting.crypto import sha256_hex
from vetting.errors import Conflict, NotFound, ValidationFailed
from vetting.models import Candidate, CycleStatus, RaceEthnicity, SelfIdentification, Sex, User
from vetting.services import link_guard
from vetting.services.context import Security
from vetting.services.cycles import get_cycle
from vetting.services.vault import CandidateVault

#: How long a link stays usable.
LINK_LIFETIME = timedelta(days=30)


@dataclass(frozen=True)
class Invitation:
    """A new one-time link's token (shown once) and when it stops working."""

    candidate_id: int
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class Answers:
    sex: Sex
    race_ethnicity: RaceEthnicity


def _candidate_for_invitation(session: Session, actor: User, candidate_id: int) -> Candidate:
    policy.require(actor, policy.Action.CYCLES_MANAGE)
    candidate = session.get(Candidate, candidate_id)
    if candidate is None or not policy.can_view_cycle(actor, candidate.cycle):
        raise NotFound("No such candidate.")
    return candidate


def invite(session: Session, actor: User, candidate_id: int, lifetime: timedelta = LINK_LIFETIME) -> Invitation:
    """Issue (or re-issue: the older link stops working) the candidate's one-time link, usable for
    ``lifetime`` (a link e-mailed with the candidate's other links lives as long as they do)."""
    candidate = _candidate_for_invitation(session, actor, candidate_id)
    if candidate.cycle.status is CycleStatus.CLOSED:
        raise Conflict("This cycle is closed.", code="cycle_closed")
    if candidate.wrapped_key is None:
        raise Conflict("This candidate's data has been erased.", code="candidate_erased")
    row = session.scalar(select(SelfIdentification).where(SelfIdentification.candidate_id == candidate.id))
    if row is not None and row.submitted_at is not None:
        raise Conflict("The candidate has already answered the self-identification form.", code="already_submitted")
    token = secrets.token_urlsafe(32)
    now = utcnow()
    if row is None:
        row = SelfIdentification(candidate_id=candidate.id)
        session.add(row)
    row.token_sha256 = sha256_hex(token)
    row.invited_at = now
    row.invited_by_id = actor.id
    row.expires_at = now + lifetime
    session.flush()
    record(
        session,
        actor,
        Event.SELF_IDENTIFICATION_INVITED,
        subject=candidate,
        expires_at=row.expires_at.date().isoformat(),
    )
    return Invitation(candidate.id, token, row.expires_at)


@dataclass(frozen=True)
class InvitationState:
    """What an administrator may know of a candidate's form: never the answers."""

    candidate_id: int
    code: str
    state: str  # "not invited", "invited", "link expired", "answered"
    expires_at: datetime | None


def overview(session: Session, actor: User, cycle_id: int) -> list[InvitationState]:
    """Each candidate of the cycle and where their self-identification form stands."""
    policy.require(actor, policy.Action.CYCLES_MANAGE)
    cycle = get_cycle(session, actor, cycle_id)
    people = session.scalars(select(Candidate).where(Candidate.cycle_id == cycle.id).order_by(Candidate.id))
    rows = {
        r.candidate_id: r
        for r in session.scalars(select(SelfIdentification).join(Candidate).where(Candidate.cycle_id == cycle.id))
    }
    now = utcnow()
    states = []
    for candidate in people:
        row = rows.get(candidate.id)
        if row is None:
            states.append(InvitationState(candidate.id, candidate.code, "not invited", None))
        elif row.submitted_at is not None:
            states.append(InvitationState(candidate.id, candidate.code, "answered", None))
        else:
            state = "invited" if row.expires_at > now else "link expired"
            states.append(InvitationState(candidate.id, candidate.code, state, row.expires_at))
    return states


def _open_row(session: Session, token: str) -> SelfIdentification:
    row = None
    if token and len(token) <= 100:
        # Locked: of two submissions racing with one link, the second finds it spent.
        row = session.scalar(
            select(SelfIdentification).where(SelfIdentification.token_sha256 == sha256_hex(token)).with_for_update()
        )
    if row is None:
        raise NotFound("This link is not valid, or the form was already answered.")
    if row.expires_at <= utcnow():
        raise Conflict("This link has expired. Ask the agency for a new one.", code="link_expired")
    return row


PURPOSE = "self_identification"


def _admit(
    session: Session, security: Security, token: str, ip: str, act: str
) -> SelfIdentification | link_guard.Refused:
    """The form behind a live ``token`` (its opening audited), or the refusal (audited, counted)."""
    now = utcnow()
    limited = link_guard.blocked(session, security, ip, now)
    if limited is not None:
        return limited
    row = None
    if link_guard.usable_token(token):
        query = select(SelfIdentification).where(SelfIdentification.token_sha256 == sha256_hex(token))
        # Locked for the answer: of two submissions racing with one link, the second finds it spent.
        row = session.scalar(query.with_for_update() if act == "answer" else query)
    # A spent or replaced token's hash is gone: it is refused as unknown, like a guessed one.
    reason = "unknown" if row is None else ("expired" if row.expires_at <= now else None)
    candidate = session.get(Candidate, row.candidate_id) if row is not None else None
    if row is None or reason is not None:
        return link_guard.refuse(
            session, now, ip, reason=reason or "unknown", act=act, purpose=PURPOSE, candidate=candidate
        )
    record(session, None, Event.CANDIDATE_LINK_OPENED, subject=candidate, purpose=PURPOSE, act=act, ip=ip)
    return row


def open_form(session: Session, security: Security, token: str, ip: str) -> link_guard.Refused | None:
    """Whether the form may be shown for ``token`` (audited either way); the refusal if not."""
    admitted = _admit(session, security, token, ip, "open")
    return admitted if isinstance(admitted, link_guard.Refused) else None


def answer(
    session: Session, security: Security, token: str, ip: str, sex: str, race_ethnicity: str
) -> link_guard.Refused | None:
    """Seal the candidate's answers through their link and spend it; the refusal if the link is not live."""
    admitted = _admit(session, security, token, ip, "answer")
    if isinstance(admitted, link_guard.Refused):
        return admitted
    _seal(session, security, admitted, parse_answers(sex, race_ethnicity))
    return None


def parse_answers(sex: str, race_ethnicity: str) -> Answers:
    try:
        parsed_sex = Sex(sex)
    except ValueError as exc:
        raise ValidationFailed("Choose an answer, or “I do not wish to answer”.", field="sex") from exc
    try:
        parsed_race = RaceEthnicity(race_ethnicity)
    except ValueError as exc:
        raise ValidationFailed("Choose an answer, or “I do not wish to answer”.", field="race_ethnicity") from exc
    return Answers(parsed_sex, parsed_race)


def submit(session: Session, security: Security, token: str, answers: Answers) -> None:
    """Seal the candidate's answers and spend the link (no account: the token is the key); for
    callers inside the application (the demo). Pages and the API go through :func:`answer`."""
    _seal(session, security, _open_row(session, token), answers)


def _seal(session: Session, security: Security, row: SelfIdentification, answers: Answers) -> None:
    candidate = session.get(Candidate, row.candidate_id)
    assert candidate is not None
    vault = CandidateVault(security.keyring, candidate)
    vault.seal_field(
        row, "answers", json.dumps({"sex": answers.sex.value, "race_ethnicity": answers.race_ethnicity.value})
    )
    row.submitted_at = utcnow()
    row.token_sha256 = None
    session.flush()
    # The event says that the form was answered, never what it says.
    record(session, None, Event.SELF_IDENTIFICATION_SUBMITTED, subject=candidate)


def submitted_at_of(candidate_id: ColumnElement[int] | InstrumentedAttribute[int]) -> ScalarSelect[datetime | None]:
    """SQL: when the candidate of ``candidate_id`` (a column of the enclosing query) submitted the
    form, NULL if never: a record date for retention (RET-01, issue 15), never the answers."""
    return (
        select(SelfIdentification.submitted_at).where(SelfIdentification.candidate_id == candidate_id).scalar_subquery()
    )


def open_answers(vault: CandidateVault, row: SelfIdentification) -> Answers | None:
    """The sealed answers (for the aggregate report only)."""
    text = vault.open_optional_field(row, "answers")
    if text is None:
        return None
    data = json.loads(text)
    return Answers(Sex(data["sex"]), RaceEthnicity(data["race_ethnicity"]))
