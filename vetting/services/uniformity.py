"""The uniformity report (R6, POL-05) for auditors: load a cycle's work, compute the matrix
(:mod:`vetting.uniformity_matrix`), record the view; and the drill-down to one candidate's
search log.

Built from metadata only (statuses, dates, counts, who): no query, source or finding
text is opened, so an auditor reads it without stating a reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetting import policy
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.clock import shown_date
from vetting.errors import NotFound, ValidationFailed
from vetting.models import (
    Candidate,
    ChecklistVersion,
    ChecklistVersionItem,
    Cycle,
    Finding,
    ItemResolution,
    Notice,
    ResolutionStatus,
    SearchLogEntry,
    User,
)
from vetting.services import users
from vetting.services.candidates import STAGES, stage_of, stage_rank
from vetting.services.context import Security
from vetting.services.cycles import get_cycle
from vetting.services.investigation import ItemView, checklist_items
from vetting.services.paging import Page, PageRequest, page_of
from vetting.uniformity_matrix import CycleWork, Item, Person, Resolution, Row, Search, Uniformity, compute


def build(session: Session, actor: User, cycle_id: int) -> Uniformity:
    """The matrix for one cycle; the view is audited."""
    policy.require(actor, policy.Action.AUDIT_READ)
    cycle = get_cycle(session, actor, cycle_id)
    report = compute(_load(session, cycle))
    record(
        session,
        actor,
        Event.UNIFORMITY_VIEWED,
        subject=cycle,
        candidates=len(report.rows),
        deviations=len(report.deviations),
    )
    return report


def rows_page(report: Uniformity, page: PageRequest) -> Page[Row]:
    """One page of the matrix's rows, by candidate id; the medians above them cover every row."""
    return page_of(report.rows, lambda r: r.candidate_id, page, name=f"uniformity/{report.cycle_id}")


def _load(session: Session, cycle: Cycle) -> CycleWork:
    """The cycle's candidates, resolutions and searches as plain rows, with the checklist
    versions of only the items worked."""
    version = cycle.checklist_version
    # Plain rows, never ORM objects, and the cycle's candidates as a subquery: a bind parameter
    # per candidate fails past 65,535 on PostgreSQL (issue 17).
    in_cycle = select(Candidate.id).where(Candidate.cycle_id == cycle.id)
    listed = select(Candidate.id, Candidate.code, stage_rank()).where(Candidate.cycle_id == cycle.id)
    people = [Person(i, code, STAGES[rank]) for i, code, rank in session.execute(listed.order_by(Candidate.id))]
    columns = (
        ItemResolution.candidate_id,
        ItemResolution.item_id,
        ItemResolution.status,
        ItemResolution.resolved_by_id,
        ItemResolution.resolved_at,
    )
    resolutions = [
        Resolution(
            candidate_id,
            item_id,
            status.value,
            status.label,
            status is ResolutionStatus.UNABLE,
            resolved_by_id,
            shown_date(resolved_at),
        )
        for candidate_id, item_id, status, resolved_by_id, resolved_at in session.execute(
            select(*columns).where(ItemResolution.candidate_id.in_(in_cycle))
        )
    ]
    searched = (
        SearchLogEntry.candidate_id,
        SearchLogEntry.item_id,
        SearchLogEntry.searched_at,
        SearchLogEntry.recorded_by_id,
    )
    searches = [
        Search(*row) for row in session.execute(select(*searched).where(SearchLogEntry.candidate_id.in_(in_cycle)))
    ]
    worked = {r.item_id for r in resolutions} | {s.item_id for s in searches}
    item_version = dict(
        session.execute(
            select(ChecklistVersionItem.id, ChecklistVersionItem.version_id).where(ChecklistVersionItem.id.in_(worked))
        ).all()
    )
    version_label = {
        v.id: v.label
        for v in session.scalars(select(ChecklistVersion).where(ChecklistVersion.id.in_(set(item_version.values()))))
    }
    return CycleWork(
        cycle.id,
        cycle.title,
        version.label if version else None,
        version.content_hash if version else None,
        [Item(i.id, i.position, i.title) for i in version.items] if version else [],
        people,
        resolutions,
        searches,
        {item: version_label[v] for item, v in item_version.items()},
        users.names(session),
    )


@dataclass(frozen=True)
class SearchLogLine:
    item_position: int
    item_title: str
    searched_at: datetime
    result_count: int
    investigator: str


@dataclass(frozen=True)
class OutlineLine:
    """A finding or notice the auditor can open with a reason: its id, a label and its state."""

    id: int
    label: str
    state: str


@dataclass(frozen=True)
class SearchLog:
    """A candidate's search log as an auditor sees it without a reason: no queries or sources."""

    candidate_id: int
    code: str
    cycle_id: int
    stage: str
    lines: list[SearchLogLine]
    #: Filled only when a reason was stated: the decrypted checklist with queries and sources.
    raw: list[ItemView] | None = None
    #: The candidate's findings and notices (no content), each opened with a reason of its own.
    findings: list[OutlineLine] = field(default_factory=list)
    notices: list[OutlineLine] = field(default_factory=list)


def search_log(
    session: Session, actor: User, security: Security, candidate_id: int, reason: str | None = None
) -> SearchLog:
    """The drill-down from a uniformity cell. With a reason, queries and sources too (audited)."""
    policy.require(actor, policy.Action.AUDIT_READ)
    candidate = session.get(Candidate, candidate_id)
    if candidate is None or not policy.can_view_cycle(actor, candidate.cycle):
        raise NotFound("No such candidate.")
    names = users.names(session)
    entries = list(
        session.scalars(
            select(SearchLogEntry)
            .where(SearchLogEntry.candidate_id == candidate.id)
            .order_by(SearchLogEntry.searched_at)
        )
    )
    # Only the items searched (usually the cycle's version; another version is a deviation).
    searched = {e.item_id for e in entries}
    items = {
        i.id: i for i in session.scalars(select(ChecklistVersionItem).where(ChecklistVersionItem.id.in_(searched)))
    }
    lines = [
        SearchLogLine(
            items[e.item_id].position,
            items[e.item_id].title,
            e.searched_at,
            e.result_count,
            names.get(e.recorded_by_id, "unknown") if e.recorded_by_id else "unknown",
        )
        for e in entries
    ]
    raw = None
    if reason is not None:
        if not policy.can_open_raw_content(actor, candidate.cycle, reason):
            raise ValidationFailed(
                policy.reason_refusal(reason) or "State why you need the queries and sources; the reason is recorded.",
                field="reason",
            )
        raw = checklist_items(session, security, candidate)
        record(session, actor, Event.SEARCH_LOG_RAW_VIEWED, subject=candidate, reason=reason.strip())
    else:
        record(session, actor, Event.SEARCH_LOG_VIEWED, subject=candidate)
    return SearchLog(
        candidate.id,
        candidate.code,
        candidate.cycle_id,
        stage_of(candidate),
        lines,
        raw,
        _finding_lines(session, candidate),
        _notice_lines(session, candidate),
    )


def _finding_lines(session: Session, candidate: Candidate) -> list[OutlineLine]:
    rows = session.scalars(select(Finding).where(Finding.candidate_id == candidate.id).order_by(Finding.id))
    return [
        OutlineLine(
            f.id,
            f.category.label,
            "withdrawn"
            if f.withdrawn_at is not None
            else ("released" if f.current_release_id is not None else f.validation_status.value),
        )
        for f in rows
    ]


def _notice_lines(session: Session, candidate: Candidate) -> list[OutlineLine]:
    rows = session.scalars(select(Notice).where(Notice.candidate_id == candidate.id).order_by(Notice.id))
    return [OutlineLine(n.id, n.kind.label, shown_date(n.issued_at).isoformat()) for n in rows]
