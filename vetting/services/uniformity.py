"""The uniformity report (R6, POL-05) for auditors: load a cycle's work, compute the matrix
(:mod:`vetting.uniformity_matrix`), record the view; and the drill-down to one candidate's
search log.

Built from metadata only (statuses, dates, counts, who): no query, source or finding
text is opened, so an auditor reads it without stating a reason.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Float, Select, and_, case, cast, extract, func, or_, select, true, union
from sqlalchemy.orm import Session

from vetting import policy
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.clock import shown_date
from vetting.errors import NotFound, ValidationFailed
from vetting.models import (
    Candidate,
    CandidateWork,
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
from vetting.services.paging import Key, Page, PageRequest, paginate
from vetting.services.work import count_where
from vetting.uniformity_matrix import (
    DEVIATION_LABELS,
    FAR_BELOW,
    MIN_COMPARABLE,
    CycleWork,
    Item,
    Medians,
    Person,
    Resolution,
    Row,
    Search,
    Tallies,
    Uniformity,
    compute,
    compute_page,
)


def build(session: Session, actor: User, cycle_id: int) -> Uniformity:
    """The whole matrix of one cycle, for the files made off the request (CSV, audit report);
    the view is audited."""
    policy.require(actor, policy.Action.AUDIT_READ)
    cycle = get_cycle(session, actor, cycle_id)
    in_cycle = select(Candidate.id).where(Candidate.cycle_id == cycle.id)
    listed = select(Candidate.id, Candidate.code, stage_rank()).where(Candidate.cycle_id == cycle.id)
    people = [Person(i, code, STAGES[rank]) for i, code, rank in session.execute(listed.order_by(Candidate.id))]
    report = compute(_work(session, cycle, people, in_cycle))
    record(
        session,
        actor,
        Event.UNIFORMITY_VIEWED,
        subject=cycle,
        candidates=len(report.rows),
        deviations=len(report.deviations),
    )
    return report


@dataclass(frozen=True)
class UniformityView:
    """One page of a cycle's matrix, with what covers the whole cycle (issue 17): the page's
    rows flagged against the cycle's medians, the deviations of those rows and the cycle's
    investigator patterns, and the cycle's totals, all from SQL aggregates."""

    report: Uniformity
    rows: Page[Row]
    uniform_version: bool
    #: Every deviation of the cycle, counted by kind (the report lists the page's).
    deviation_counts: dict[str, int]

    @property
    def deviations_total(self) -> int:
        return sum(self.deviation_counts.values())


def view(session: Session, actor: User, cycle_id: int, page: PageRequest) -> UniformityView:
    """One page of the matrix (R6); the cost and the SQL statements do not grow with the cycle:
    the page's rows are read by id, everything else is aggregated in the database. Audited."""
    policy.require(actor, policy.Action.AUDIT_READ)
    cycle = get_cycle(session, actor, cycle_id)
    listed = select(Candidate.id, Candidate.code, stage_rank()).where(Candidate.cycle_id == cycle.id)
    rows = paginate(session, listed, [Key(Candidate.id)], page, name=f"uniformity/{cycle.id}")
    people = [Person(i, code, STAGES[rank]) for i, code, rank in rows.items]
    work = _work(session, cycle, people, [p.id for p in people])
    stats = _cycle_stats(session, cycle, [i.id for i in work.items])
    report = compute_page(work, stats.medians, stats.tallies)
    counts = {kind: 0 for kind in DEVIATION_LABELS} | stats.counts
    counts["investigator_pattern"] = sum(d.kind == "investigator_pattern" for d in report.deviations)
    record(
        session,
        actor,
        Event.UNIFORMITY_VIEWED,
        subject=cycle,
        candidates=rows.total,
        deviations=sum(counts.values()),
    )
    return UniformityView(report, rows.with_items(report.rows), stats.uniform, counts)


@dataclass(frozen=True)
class _Stats:
    medians: Medians
    tallies: Tallies
    #: Deviations counted in SQL (unable, other_version, few_searches, short_search).
    counts: dict[str, int]
    uniform: bool


def _cycle_stats(session: Session, cycle: Cycle, item_ids: list[int]) -> _Stats:
    """The cycle's medians, investigator tallies and deviation counts: aggregates over the
    cycle's read model (:mod:`vetting.services.work`, a row or two per candidate, never every
    search and resolution), and the stray check by item, in four statements of a few rows each."""
    in_cycle = select(Candidate.id).where(Candidate.cycle_id == cycle.id)
    span_of = _seconds(session, func.min(CandidateWork.first_search_at), func.max(CandidateWork.last_search_at))
    per_candidate = (
        select(
            CandidateWork.candidate_id.label("id"),
            func.sum(CandidateWork.resolved_on_checklist).label("resolved"),
            func.sum(CandidateWork.unable_on_checklist).label("unable"),
            func.sum(CandidateWork.searches).label("n"),
            span_of.label("span"),
        )
        .where(CandidateWork.candidate_id.in_(in_cycle))
        .group_by(CandidateWork.candidate_id)
        .cte("worked")
    )
    # One row per candidate; fully resolved: a resolution (one per item at most) for every item
    # of the cycle's version. Ranked by searches and by span among their peers, for the medians.
    complete = func.coalesce(per_candidate.c.resolved, 0) == len(item_ids)
    searches = func.coalesce(per_candidate.c.n, 0)
    span = func.coalesce(per_candidate.c.span, 0.0)
    ranked = (
        select(
            complete.label("complete"),
            searches.label("n"),
            span.label("span"),
            func.coalesce(per_candidate.c.unable, 0).label("unable"),
            func.row_number().over(partition_by=complete, order_by=searches).label("by_n"),
            func.row_number().over(partition_by=complete, order_by=span).label("by_span"),
            func.count().over(partition_by=complete).label("peers"),
        )
        .select_from(Candidate)
        .outerjoin(per_candidate, per_candidate.c.id == Candidate.id)
        .where(Candidate.cycle_id == cycle.id)
        .cte("ranked")
    )
    # The middle one or two of the peers (integer division: both the same one when odd).
    middle = ranked.c.peers // 2, (ranked.c.peers + 1) // 2
    medians_sql = (
        select(
            func.max(ranked.c.peers).label("peers"),
            func.avg(case((or_(ranked.c.by_n == middle[0] + 1, ranked.c.by_n == middle[1]), ranked.c.n))).label("n"),
            func.avg(
                case((or_(ranked.c.by_span == middle[0] + 1, ranked.c.by_span == middle[1]), ranked.c.span))
            ).label("span"),
        )
        .where(ranked.c.complete)
        .cte("medians")
    )
    peers, median_n, median_span, unable_total, few, short = session.execute(
        select(
            medians_sql.c.peers,
            medians_sql.c.n,
            medians_sql.c.span,
            func.sum(ranked.c.unable),
            count_where(and_(ranked.c.complete, ranked.c.n < FAR_BELOW * medians_sql.c.n)),
            count_where(
                and_(ranked.c.complete, medians_sql.c.span > 0, ranked.c.span < FAR_BELOW * medians_sql.c.span)
            ),
        )
        .select_from(ranked)
        .outerjoin(medians_sql, true())
        .group_by(medians_sql.c.peers, medians_sql.c.n, medians_sql.c.span)
    ).one_or_none() or (None, None, None, 0, 0, 0)
    medians = Medians(None, None)
    counts = {"unable": int(unable_total or 0)}
    if item_ids and peers is not None and peers >= MIN_COMPARABLE and median_n is not None:
        # Milliseconds: SQLite's Julian days are no finer, and a span reads in minutes.
        medians = Medians(float(median_n), timedelta(seconds=round(float(median_span or 0), 3)))
        counts |= {"few_searches": int(few or 0), "short_search": int(short or 0)}
    strays = _stray_candidates(session, cycle)
    if cycle.checklist_version is not None:
        counts["other_version"] = strays
    resolved: Counter[int] = Counter()
    unable: Counter[int] = Counter()
    tallies = (
        select(
            CandidateWork.user_id,
            func.sum(CandidateWork.resolutions),
            func.sum(CandidateWork.unable),
            func.sum(CandidateWork.searches),
        )
        .where(CandidateWork.candidate_id.in_(in_cycle))
        .group_by(CandidateWork.user_id)
    )
    searches_by: Counter[int | None] = Counter()
    for user_id, n, n_unable, n_searches in session.execute(tallies):
        if user_id is not None and n:
            resolved[user_id], unable[user_id] = n, n_unable or 0
        if n_searches:
            searches_by[user_id] = n_searches
    return _Stats(medians, Tallies(resolved, unable, searches_by), counts, not strays)


def _stray_candidates(session: Session, cycle: Cycle) -> int:
    """How many of the cycle's candidates have a resolution or search on an item of another
    checklist version (R6), read from the rows themselves, not the read model, so that work
    written behind the app's back shows too. The items of other versions are few; each is looked
    up in the item indexes, never a pass over the cycle's work."""
    others = select(ChecklistVersionItem.id)
    if cycle.checklist_version_id is not None:
        others = others.where(ChecklistVersionItem.version_id != cycle.checklist_version_id)
    in_cycle = Candidate.cycle_id == cycle.id
    worked = union(
        select(ItemResolution.candidate_id)
        .join(Candidate, Candidate.id == ItemResolution.candidate_id)
        .where(in_cycle, ItemResolution.item_id.in_(others)),
        select(SearchLogEntry.candidate_id)
        .join(Candidate, Candidate.id == SearchLogEntry.candidate_id)
        .where(in_cycle, SearchLogEntry.item_id.in_(others)),
    ).subquery()
    return session.scalar(select(func.count()).select_from(worked)) or 0


def _seconds(
    session: Session, first: ColumnElement[datetime | None], last: ColumnElement[datetime | None]
) -> ColumnElement[float]:
    """Seconds from ``first`` to ``last`` in SQL (SQLite keeps times as text: Julian days)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(extract("epoch", last - first), Float)
    return (func.julianday(last) - func.julianday(first)) * 86400.0


def _work(session: Session, cycle: Cycle, people: list[Person], whose: Select[int] | list[int]) -> CycleWork:
    """The resolutions and searches of ``whose`` candidates (a subquery, or the ids of a page)
    as plain rows, with the checklist versions of only the items worked."""
    version = cycle.checklist_version
    # Plain rows, never ORM objects, and never a bind parameter per candidate of the cycle:
    # PostgreSQL refuses more than 65,535 (issue 17).
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
            select(*columns).where(ItemResolution.candidate_id.in_(whose))
        )
    ]
    searched = (
        SearchLogEntry.candidate_id,
        SearchLogEntry.item_id,
        SearchLogEntry.searched_at,
        SearchLogEntry.recorded_by_id,
    )
    searches = [
        Search(*row) for row in session.execute(select(*searched).where(SearchLogEntry.candidate_id.in_(whose)))
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
