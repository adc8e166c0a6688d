"""Two-person release of a finding to the board (R3, POL-01, POL-02, R7).

A finding reaches the board only when a second investigator of the cycle, who neither
wrote nor last edited it, has seen its raw and redacted text side by side and approves.
Release writes an immutable version holding only the redacted text and the facts the
board reads. Every unmet condition is refused with its own 409 code, so a caller (and an
auditor reading the log) knows exactly which rule held.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from vetting import policy
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.crypto import sha256_hex
from vetting.errors import Conflict, Refusal
from vetting.models import (
    NEVER_REPORTED,
    SCREENED_FIELDS,
    Assignment,
    BehaviourCategory,
    Candidate,
    Cycle,
    CycleStatus,
    Duty,
    Finding,
    FindingMention,
    FindingRelease,
    User,
    ValidationStatus,
)
from vetting.services import redaction
from vetting.services.context import Security
from vetting.services.findings import FindingView, finding_for_work, view_of
from vetting.services.paging import Key, Page, PageRequest, paginate
from vetting.services.released import refuted
from vetting.services.vault import CandidateVault


@dataclass(frozen=True)
class Blocker:
    """One unmet release condition: the 409 code and what to do about it."""

    code: str
    message: str


def reviewed_digest(view: FindingView) -> str:
    """SHA-256 of what the reviewer compares: raw and redacted text, every decision on a
    mention, and the facts the board reads. Any change in between makes a review stale."""
    return sha256_hex(
        json.dumps(
            {
                "revision": view.revision,
                "raw": view.screened_texts(),
                "redacted": {f: view.redacted(f) for f in SCREENED_FIELDS},
                "mentions": [[m.id, m.resolution, m.reason] for m in view.mentions],
                "facts": [view.category, view.authorship, view.content_date, [b.value for b in view.identity_basis]],
            },
            sort_keys=True,
            default=str,
        )
    )


def blockers(
    finding: Finding, view: FindingView, actor: User, revision: int | None = None, reviewed: str | None = None
) -> list[Blocker]:
    """Every reason ``actor`` may not release this revision now, in the order they are reported.

    The second-person rules (R3, POL-02) are :mod:`vetting.policy`'s; the rest are the finding's state."""
    found: list[Blocker] = []
    if finding.withdrawn_at is not None:
        found.append(Blocker("finding_withdrawn", "This finding was withdrawn: it never reaches the board."))
    if code := policy.release_author_refusal(actor, finding):
        found.append(
            Blocker(code, "You wrote or last edited this finding; a second investigator of the cycle must release it.")
        )
    if finding.candidate.cycle.status is not CycleStatus.OPEN:
        found.append(Blocker("cycle_not_open", "The cycle is not open: nothing more is released to its board."))
    if revision is not None and revision != finding.revision:
        found.append(
            Blocker("revision_changed", "The finding changed after you opened it: review the current text again.")
        )
    if reviewed is not None and reviewed != reviewed_digest(view):
        found.append(
            Blocker(
                "review_stale",
                "The finding, its redactions or a decision on a mention changed after you opened the review: "
                "compare the current text again.",
            )
        )
    if finding.current_release is not None and finding.current_release.revision == finding.revision:
        found.append(Blocker("already_released", "This version of the finding is already released."))
    if view.open_mentions:
        found.append(
            Blocker(
                "unresolved_mentions",
                f"{view.open_mentions} protected-class mention(s) are not resolved: each must be redacted "
                "or marked not protected with a reason.",
            )
        )
    if code := policy.own_resolution_refusal(actor, view.mentions):
        found.append(
            Blocker(
                code,
                "You marked a mention as not protected yourself; a colleague must review that judgement, or redact it.",
            )
        )
    status = finding.validation_status
    if status is ValidationStatus.REFUTED:
        found.append(Blocker("finding_refuted", "A validation step contradicts this finding: it is never released."))
    elif not finding.current_validations:
        found.append(
            Blocker("validation_required", "Record at least one validation step for this version of the finding.")
        )
    if not view.identity_match_met:
        found.append(
            Blocker(
                "identity_match_insufficient",
                f"The cycle asks for {view.identity_match_minimum} identifiers tying the content to the candidate; "
                f"this finding has {len(view.identity_basis)}.",
            )
        )
    if not finding.category.reportable:
        found.append(
            Blocker(
                "category_not_reportable",
                f"{finding.category.label}: this category is never reported to the board.",
            )
        )
    return found


@dataclass(frozen=True)
class Review:
    """What the reviewer sees: the raw finding, its redacted text, and what stands in the way."""

    finding: FindingView
    blockers: list[Blocker]
    digest: str


def review(session: Session, actor: User, security: Security, finding_id: int) -> Review:
    """The side-by-side review of raw and redacted text; opening raw text is audited (§4)."""
    finding = finding_for_work(session, actor, finding_id)
    view = view_of(finding, CandidateVault(security.keyring, finding.candidate))
    record(session, actor, Event.FINDING_REVIEW_VIEWED, subject=finding)
    return Review(view, blockers(finding, view, actor), reviewed_digest(view))


def release(
    session: Session,
    actor: User,
    security: Security,
    finding_id: int,
    revision: int | None = None,
    reviewed: str | None = None,
) -> FindingRelease:
    """Release the current revision's redacted text to the board, or refuse with a 409 code.

    ``reviewed`` is the digest of the review the releaser read (the web form always sends
    it); without it, the call itself approves the finding as it stands now.
    """
    finding = finding_for_work(session, actor, finding_id, lock=True)
    vault = CandidateVault(security.keyring, finding.candidate)
    view = view_of(finding, vault)
    found = blockers(finding, view, actor, revision, reviewed)
    if found:
        # Audited after the rollback, in its own transaction (as separation-of-duties refusals are).
        raise Conflict(
            " ".join(b.message for b in found),
            code=found[0].code,
            refusal=Refusal.of(Event.FINDING_RELEASE_REFUSED, actor, subject=finding, codes=[b.code for b in found]),
        )
    number = 1 + (
        session.scalar(select(func.max(FindingRelease.number)).where(FindingRelease.finding_id == finding.id)) or 0
    )
    row = FindingRelease(
        finding_id=finding.id,
        number=number,
        candidate_id=finding.candidate_id,
        revision=finding.revision,
        category=finding.category,
        authorship=finding.authorship,
        content_date=finding.content_date,
        identity_matches=len(view.identity_basis),
        identity_match_minimum=view.identity_match_minimum,
        identity_basis=list(finding.identity_basis),
        reviewed_sha256=reviewed_digest(view),
        released_by_id=actor.id,
    )
    # The record id ("<finding id>.<number>") is known before the row is written.
    for name in SCREENED_FIELDS:
        vault.seal_field(row, name, view.redacted(name))
    session.add(row)
    finding.current_release = row
    session.flush()
    record(
        session,
        actor,
        Event.FINDING_RELEASED,
        subject=finding,
        release_id=row.id,
        number=row.number,
        revision=row.revision,
        reviewed_sha256=row.reviewed_sha256,
        redactions=sum(len(redaction.redacted_spans(view.mentions, f)) for f in SCREENED_FIELDS),
    )
    return row


@dataclass(frozen=True)
class AwaitingReview:
    finding_id: int
    candidate_id: int
    candidate_code: str
    cycle_title: str
    category: BehaviourCategory
    open_mentions: int


def awaiting_review_select(actor: User, *columns: Any) -> Select[Any]:
    """``columns`` of the findings that wait for ``actor``'s review (:func:`awaiting_review`): a
    colleague's reportable finding in one of the actor's open cycles whose current revision the
    board cannot read yet. The reminders count these too (issue 16 point 6)."""
    current = aliased(FindingRelease)
    query = (
        select(*columns)
        .select_from(Finding)
        .join(Candidate, Candidate.id == Finding.candidate_id)
        .join(Cycle, Cycle.id == Candidate.cycle_id)
        .join(Assignment, Assignment.cycle_id == Cycle.id)
        .outerjoin(current, current.id == Finding.current_release_id)
        .where(
            Assignment.user_id == actor.id,
            Assignment.duty == Duty.INVESTIGATOR,
            Assignment.ended_at.is_(None),
            Cycle.status == CycleStatus.OPEN,
            Finding.withdrawn_at.is_(None),
            policy.releasable_by(actor),
            Finding.category.not_in(NEVER_REPORTED),
            ~refuted(),
            or_(current.id.is_(None), current.revision != Finding.revision),
        )
    )
    if not policy.can(actor, policy.Action.INVESTIGATE):
        query = query.where(false())
    return query


def awaiting_review(session: Session, actor: User, page: PageRequest | None = None) -> Page[AwaitingReview]:
    """One page of colleagues' reportable findings in the actor's open cycles that the board
    cannot read yet, oldest first, chosen and counted by the database.

    Only ids, codes and categories: no candidate content is opened, so nothing to audit.
    """
    open_mentions = (
        select(func.count())
        .select_from(FindingMention)
        .where(FindingMention.finding_id == Finding.id, FindingMention.resolution.is_(None))
        .correlate(Finding)
        .scalar_subquery()
    )
    query = awaiting_review_select(
        actor, Finding.id, Finding.candidate_id, Candidate.code, Cycle.title, Finding.category, open_mentions
    )
    rows = paginate(session, query, [Key(Finding.id)], page or PageRequest(), name="reviews")
    return rows.map(lambda r: AwaitingReview(*r))
