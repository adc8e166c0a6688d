"""The uniformity report's read model (R6, issue 17): each candidate's searches and resolutions
counted per person, in :class:`CandidateWork` rows rebuilt in the transaction that changes them.

The report's medians, deviation counts and investigator tallies then read one or two rows per
candidate instead of every search and resolution of the cycle, so a page of the matrix costs
about the same at 10,000 candidates as at 1,000. Only :func:`vetting.services.investigation.
resolve_item` writes searches and resolutions; it calls :func:`refresh` before it returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, case, delete, false, func, insert, select
from sqlalchemy.orm import Session

from vetting.models import Candidate, CandidateWork, ItemResolution, ResolutionStatus, SearchLogEntry

_ZERO = {
    "searches": 0,
    "first_search_at": None,
    "last_search_at": None,
    "resolutions": 0,
    "unable": 0,
    "resolved_on_checklist": 0,
    "unable_on_checklist": 0,
}


def count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """How many rows meet ``condition`` (``COUNT(*) FILTER`` in a form SQLite knows too)."""
    return func.sum(case((condition, 1), else_=0))


def rows_of(session: Session, candidate_id: int, item_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The candidate's work rows as they should be, from their searches and resolutions;
    ``item_ids``: the items of the cycle's checklist version."""
    resolution_on = ItemResolution.item_id.in_(item_ids) if item_ids else false()
    unable = ItemResolution.status == ResolutionStatus.UNABLE
    by_person: dict[int | None, dict[str, Any]] = {}
    searched = (
        select(
            SearchLogEntry.recorded_by_id,
            func.count(),
            func.min(SearchLogEntry.searched_at),
            func.max(SearchLogEntry.searched_at),
        )
        .where(SearchLogEntry.candidate_id == candidate_id)
        .group_by(SearchLogEntry.recorded_by_id)
    )
    for user_id, n, first, last in session.execute(searched):
        by_person.setdefault(user_id, dict(_ZERO)).update(searches=n, first_search_at=first, last_search_at=last)
    resolved = (
        select(
            ItemResolution.resolved_by_id,
            func.count(),
            count_where(unable),
            count_where(resolution_on),
            count_where(resolution_on & unable),
        )
        .where(ItemResolution.candidate_id == candidate_id)
        .group_by(ItemResolution.resolved_by_id)
    )
    for user_id, n, n_unable, on, on_unable in session.execute(resolved):
        by_person.setdefault(user_id, dict(_ZERO)).update(
            resolutions=n,
            unable=n_unable or 0,
            resolved_on_checklist=on or 0,
            unable_on_checklist=on_unable or 0,
        )
    return [{"candidate_id": candidate_id, "user_id": user_id, **counts} for user_id, counts in by_person.items()]


def refresh(session: Session, candidate: Candidate) -> None:
    """Rebuild ``candidate``'s work rows from their searches and resolutions, in the caller's
    transaction. The candidate's row is locked first, so two people resolving items of one
    candidate at once rebuild one after the other, each seeing the other's committed rows.
    ``FOR NO KEY UPDATE``: the rows just written hold a key-share lock on the candidate (their
    foreign key), which a plain ``FOR UPDATE`` would wait on in the other transaction, and that one
    on ours: a deadlock (PostgreSQL; SQLite runs one writer at a time)."""
    session.flush()
    session.execute(select(Candidate.id).where(Candidate.id == candidate.id).with_for_update(key_share=True))
    version = candidate.cycle.checklist_version
    rows = rows_of(session, candidate.id, [i.id for i in version.items] if version else [])
    session.execute(delete(CandidateWork).where(CandidateWork.candidate_id == candidate.id))
    if rows:
        session.execute(insert(CandidateWork), rows)
