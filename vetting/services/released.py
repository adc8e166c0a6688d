"""Released findings as the board reads them (R3, R7): the one place they are opened.

Built from :class:`FindingRelease` rows, never from a finding's raw fields: the redacted
platform, summary and excerpt, the content date, category, the candidate's part,
identity-match strength and the live validation status. A finding refuted since its
release, edited after it, or withdrawn is not shown. One the candidate disputes (an open
dispute names it) is marked as disputed until the dispute is closed after re-validation (R7).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session, lazyload

from vetting.models import (
    NEVER_REPORTED,
    Authorship,
    BehaviourCategory,
    Candidate,
    CandidateResponse,
    Finding,
    FindingRelease,
    ResponseKind,
    ValidationResult,
    ValidationStatus,
    ValidationStep,
)
from vetting.services.context import Security
from vetting.services.vault import CandidateVault


@dataclass(frozen=True)
class ReleasedText:
    """The redacted text of one release, opened."""

    platform: str
    summary: str
    excerpt: str


def open_release(vault: CandidateVault, release: FindingRelease) -> ReleasedText:
    """The one way a release's text is opened (the board's view, notices)."""
    return ReleasedText(
        platform=vault.open_field(release, "platform"),
        summary=vault.open_field(release, "summary"),
        excerpt=vault.open_field(release, "excerpt"),
    )


@dataclass(frozen=True)
class BoardFinding:
    finding_id: int
    release_id: int
    revision: int
    item_title: str
    category: BehaviourCategory
    platform: str
    content_date: date | None
    summary: str
    excerpt: str
    authorship: Authorship
    validation_status: ValidationStatus
    identity_matches: int
    identity_match_minimum: int
    released_at: datetime
    #: Named in the candidate's open dispute: "disputed by the candidate" until it is closed (R7).
    disputed: bool = False


def disputed_findings(session: Session, candidate_ids: Iterable[int]) -> set[int]:
    """The findings named in an open dispute of any of these candidates, in one query (R7, FCRA-09)."""
    rows = session.scalars(
        select(CandidateResponse.finding_ids).where(
            CandidateResponse.candidate_id.in_(list(candidate_ids)),
            CandidateResponse.kind == ResponseKind.DISPUTE,
            CandidateResponse.closed_at.is_(None),
        )
    )
    return {int(f) for ids in rows for f in ids}


def released_findings(
    session: Session, security: Security, candidate: Candidate, *, disputed: set[int] | None = None
) -> list[BoardFinding]:
    """The candidate's findings as released: the current release of each, unless refuted or
    withdrawn since; each marked if the candidate disputes it (``disputed``: the findings named
    in their open disputes, when the caller has read them already)."""
    return released_findings_of(session, security, [candidate], disputed=disputed)[candidate.id]


def released_findings_of(
    session: Session, security: Security, listed: Iterable[Candidate], *, disputed: set[int] | None = None
) -> dict[int, list[BoardFinding]]:
    """:func:`released_findings` of each candidate, in the same queries however many are listed
    (the board's dashboard)."""
    listed = list(listed)
    out: dict[int, list[BoardFinding]] = {c.id: [] for c in listed}
    vaults = {c.id: CandidateVault(security.keyring, c) for c in listed if c.wrapped_key is not None}
    if not vaults:
        return out
    rows = session.scalars(
        select(Finding)
        .where(
            Finding.candidate_id.in_(list(vaults)),
            Finding.current_release_id.is_not(None),
            Finding.withdrawn_at.is_(None),
        )
        .order_by(Finding.content_date.desc(), Finding.id)
        # Only the current release and the item's title are read: the rest loads on access, if ever.
        .options(lazyload(Finding.candidate), lazyload(Finding.evidence), lazyload(Finding.mentions))
    )
    if disputed is None:
        disputed = disputed_findings(session, vaults)
    for finding in rows:
        release = finding.current_release
        if (
            release is None
            or finding.withdrawn_at is not None
            or release.revision != finding.revision
            or finding.validation_status is ValidationStatus.REFUTED
            or not release.category.reportable
        ):
            continue
        text = open_release(vaults[finding.candidate_id], release)
        out[finding.candidate_id].append(
            BoardFinding(
                finding_id=finding.id,
                release_id=release.id,
                revision=release.revision,
                item_title=finding.item.title,
                category=release.category,
                platform=text.platform,
                content_date=release.content_date,
                summary=text.summary,
                excerpt=text.excerpt,
                authorship=release.authorship,
                validation_status=finding.validation_status,
                identity_matches=release.identity_matches,
                identity_match_minimum=release.identity_match_minimum,
                released_at=release.released_at,
                disputed=finding.id in disputed,
            )
        )
    return out


def refuted() -> ColumnElement[bool]:
    """``Finding.validation_status is REFUTED`` in SQL: a contradiction recorded against the
    finding's current revision."""
    return (
        select(ValidationStep.id)
        .where(
            ValidationStep.finding_id == Finding.id,
            ValidationStep.revision == Finding.revision,
            ValidationStep.result == ValidationResult.CONTRADICTS,
        )
        .exists()
    )


def shown_release() -> ColumnElement[bool]:
    """The condition :func:`released_findings_of` applies, on a ``Finding`` joined to its current
    ``FindingRelease``, for counting in SQL what the board would read without opening any text."""
    return and_(
        Finding.withdrawn_at.is_(None),
        FindingRelease.revision == Finding.revision,
        ~refuted(),
        FindingRelease.category.not_in(NEVER_REPORTED),
    )


def released_counts(session: Session, candidate_ids: list[int]) -> dict[int, dict[BehaviourCategory, int]]:
    """How many findings of each behaviour category the board reads for each candidate, counted
    by the database in one query (the dashboard; issue 17: no released text is opened to count)."""
    out: dict[int, dict[BehaviourCategory, int]] = {i: {} for i in candidate_ids}
    if not candidate_ids:
        return out
    rows = session.execute(
        select(Finding.candidate_id, FindingRelease.category, func.count())
        .join(FindingRelease, FindingRelease.id == Finding.current_release_id)
        .where(Finding.candidate_id.in_(candidate_ids), shown_release())
        .group_by(Finding.candidate_id, FindingRelease.category)
    )
    for candidate_id, category, n in rows:
        out[candidate_id][category] = n
    return out


def released_count() -> ColumnElement[int]:
    """How many findings the board reads for the candidate row of the enclosing query."""
    return (
        select(func.count())
        .select_from(Finding)
        .join(FindingRelease, FindingRelease.id == Finding.current_release_id)
        .where(Finding.candidate_id == Candidate.id, shown_release())
        .correlate(Candidate)
        .scalar_subquery()
    )
