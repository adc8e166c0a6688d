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

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetting.models import (
    Authorship,
    BehaviourCategory,
    Candidate,
    CandidateResponse,
    Finding,
    FindingRelease,
    ResponseKind,
    ValidationStatus,
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


def released_findings(session: Session, security: Security, candidate: Candidate) -> list[BoardFinding]:
    """The candidate's findings as released: the current release of each, unless refuted or
    withdrawn since; each marked if the candidate disputes it."""
    return released_findings_of(session, security, [candidate])[candidate.id]


def released_findings_of(
    session: Session, security: Security, listed: Iterable[Candidate]
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
    )
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
