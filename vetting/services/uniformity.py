"""The uniformity report (R6, POL-05): candidates × checklist items, and what deviates.

Built from metadata only (statuses, dates, counts, who): no query, source or finding
text is opened, so an auditor reads it without stating a reason. Deviations flagged:

- ``unable``: an item resolved as "unable to complete" (its written reason is raw content);
- ``other_version``: work recorded against an item of another checklist version than the
  cycle's frozen one (impossible by construction; the report proves it);
- ``few_searches`` / ``short_search``: a candidate whose every item is resolved, with
  fewer than half the searches, or a first-to-last search span under half that, of the
  median of such candidates (needs at least :data:`MIN_COMPARABLE` of them);
- ``investigator_pattern``: an investigator whose searches per item are under half or
  over twice the cycle's, or whose share of ``unable`` items is over twice the cycle's.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetting import policy
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.errors import NotFound, ValidationFailed
from vetting.heatmap import HeatMap, Mark, layout
from vetting.models import (
    Candidate,
    ChecklistVersion,
    ChecklistVersionItem,
    ItemResolution,
    ResolutionStatus,
    SearchLogEntry,
    User,
)
from vetting.services import users
from vetting.services.candidates import stage_of
from vetting.services.context import Security
from vetting.services.cycles import get_cycle
from vetting.services.investigation import ItemView, checklist_items

#: "Far fewer or shorter": under this share of the cycle's median.
FAR_BELOW = 0.5
#: An investigator's searches per item outside [1/2, 2] × the cycle's differ in pattern.
PATTERN_FACTOR = 2.0
#: Medians over fewer fully resolved candidates than this are not compared against.
MIN_COMPARABLE = 3

DEVIATION_LABELS = {
    "unable": "Item could not be completed",
    "other_version": "Not on the cycle's checklist version",
    "few_searches": "Far fewer searches than the cycle's median",
    "short_search": "Search span far shorter than the cycle's median",
    "investigator_pattern": "Investigator's pattern differs from the cycle's",
}


@dataclass(frozen=True)
class Deviation:
    kind: str
    message: str
    candidate_id: int | None = None
    candidate_code: str | None = None
    item_position: int | None = None

    @property
    def label(self) -> str:
        return DEVIATION_LABELS[self.kind]


@dataclass(frozen=True)
class Cell:
    item_id: int
    position: int
    status: ResolutionStatus | None
    investigator: str | None
    resolved_on: date | None
    searches: int
    first_search: datetime | None
    last_search: datetime | None
    flags: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.status.label if self.status else "Not resolved"


@dataclass(frozen=True)
class Row:
    candidate_id: int
    code: str
    stage: str
    #: Labels of every checklist version the candidate's work refers to (one when uniform).
    versions: tuple[str, ...]
    cells: list[Cell]
    searches: int
    first_search: datetime | None
    last_search: datetime | None
    flags: tuple[str, ...]

    @property
    def span(self) -> timedelta | None:
        if self.first_search is None or self.last_search is None:
            return None
        return self.last_search - self.first_search

    @property
    def resolved(self) -> int:
        return sum(1 for c in self.cells if c.status is not None)


@dataclass(frozen=True)
class InvestigatorPattern:
    user_id: int
    name: str
    items_resolved: int
    searches: int
    unable: int
    flagged: bool

    @property
    def searches_per_item(self) -> float | None:
        return self.searches / self.items_resolved if self.items_resolved else None

    @property
    def unable_share(self) -> float | None:
        return self.unable / self.items_resolved if self.items_resolved else None


@dataclass(frozen=True)
class Uniformity:
    cycle_id: int
    cycle_title: str
    version_label: str | None
    version_hash: str | None
    items: list[ChecklistVersionItem]
    rows: list[Row]
    median_searches: float | None
    median_span: timedelta | None
    investigators: list[InvestigatorPattern]
    deviations: list[Deviation]

    @property
    def uniform_version(self) -> bool:
        """Every candidate's work refers to the cycle's version and nothing else."""
        return all(r.versions in ((), (self.version_label,)) for r in self.rows)

    def counts(self) -> Counter[str]:
        return Counter(d.kind for d in self.deviations)


def _span(times: list[datetime]) -> tuple[datetime | None, datetime | None]:
    return (min(times), max(times)) if times else (None, None)


def build(session: Session, actor: User, cycle_id: int) -> Uniformity:
    """The matrix for one cycle; the view is audited."""
    policy.require(actor, policy.Action.AUDIT_READ)
    cycle = get_cycle(session, actor, cycle_id)
    version = cycle.checklist_version
    items = list(version.items) if version else []
    people = list(session.scalars(select(Candidate).where(Candidate.cycle_id == cycle.id).order_by(Candidate.id)))
    ids = [c.id for c in people]
    names = users.names(session)
    resolutions = list(session.scalars(select(ItemResolution).where(ItemResolution.candidate_id.in_(ids))))
    searches = list(session.execute(
        select(SearchLogEntry.candidate_id, SearchLogEntry.item_id, SearchLogEntry.searched_at,
               SearchLogEntry.recorded_by_id).where(SearchLogEntry.candidate_id.in_(ids))
    ))  # fmt: skip
    worked = {r.item_id for r in resolutions} | {row.item_id for row in searches}
    item_version = dict(
        session.execute(
            select(ChecklistVersionItem.id, ChecklistVersionItem.version_id).where(ChecklistVersionItem.id.in_(worked))
        ).all()
    )
    version_label = {
        v.id: v.label
        for v in session.scalars(select(ChecklistVersion).where(ChecklistVersion.id.in_(set(item_version.values()))))
    }

    by_cell: dict[tuple[int, int], list[datetime]] = defaultdict(list)
    # Which items each candidate's work touched, and all their search times (one pass each).
    touched: dict[int, set[int]] = defaultdict(set)
    times_of: dict[int, list[datetime]] = defaultdict(list)
    searches_by: Counter[int | None] = Counter()
    for candidate_id, item_id, searched_at, recorded_by in searches:
        by_cell[candidate_id, item_id].append(searched_at)
        touched[candidate_id].add(item_id)
        times_of[candidate_id].append(searched_at)
        searches_by[recorded_by] += 1
    resolution_of = {(r.candidate_id, r.item_id): r for r in resolutions}
    for resolution in resolutions:
        touched[resolution.candidate_id].add(resolution.item_id)
    deviations: list[Deviation] = []
    rows: list[Row] = []
    for candidate in people:
        versions = tuple(sorted({version_label[item_version[i]] for i in touched[candidate.id]}))
        cells = []
        for item in items:
            r = resolution_of.get((candidate.id, item.id))
            times = by_cell.get((candidate.id, item.id), [])
            first, last = _span(times)
            flags = ("unable",) if r is not None and r.status is ResolutionStatus.UNABLE else ()
            if flags:
                message = f"{candidate.code}, item {item.position} ({item.title}): could not be completed."
                deviations.append(Deviation("unable", message, candidate.id, candidate.code, item.position))
            cells.append(
                Cell(
                    item.id,
                    item.position,
                    r.status if r else None,
                    names.get(r.resolved_by_id) if r and r.resolved_by_id else None,
                    r.resolved_at.date() if r else None,
                    len(times),
                    first,
                    last,
                    flags,
                )
            )
        row_flags: list[str] = []
        if version is not None and any(v != version.label for v in versions):
            row_flags.append("other_version")
            deviations.append(
                Deviation("other_version", f"{candidate.code}: work recorded against {', '.join(versions)}; the "
                          f"cycle's checklist is {version.label}.", candidate.id, candidate.code)
            )  # fmt: skip
        all_times = times_of[candidate.id]
        first, last = _span(all_times)
        rows.append(Row(candidate.id, candidate.code, stage_of(candidate), versions, cells, len(all_times), first, last,
                        tuple(row_flags)))  # fmt: skip

    comparable = [r for r in rows if items and r.resolved == len(items)]
    median_searches = median_span = None
    if len(comparable) >= MIN_COMPARABLE:
        median_searches = float(median(r.searches for r in comparable))
        median_span = timedelta(seconds=median((r.span or timedelta()).total_seconds() for r in comparable))
        rows = [_compare(r, median_searches, median_span, deviations) if r in comparable else r for r in rows]
    patterns = _patterns(resolutions, searches_by, names, deviations)
    record(session, actor, Event.UNIFORMITY_VIEWED, subject=cycle, candidates=len(rows), deviations=len(deviations))
    return Uniformity(
        cycle.id,
        cycle.title,
        version.label if version else None,
        version.content_hash if version else None,
        items,
        rows,
        median_searches,
        median_span,
        patterns,
        deviations,
    )


def _compare(row: Row, median_searches: float, median_span: timedelta, deviations: list[Deviation]) -> Row:
    flags = list(row.flags)
    if row.searches < FAR_BELOW * median_searches:
        flags.append("few_searches")
        deviations.append(
            Deviation("few_searches", f"{row.code}: {row.searches} searches; the cycle's median is "
                      f"{median_searches:g}.", row.candidate_id, row.code)
        )  # fmt: skip
    span = row.span or timedelta()
    if median_span > timedelta() and span < FAR_BELOW * median_span:
        flags.append("short_search")
        deviations.append(
            Deviation("short_search", f"{row.code}: searches spanned {_duration(span)}; the cycle's median is "
                      f"{_duration(median_span)}.", row.candidate_id, row.code)
        )  # fmt: skip
    return Row(row.candidate_id, row.code, row.stage, row.versions, row.cells, row.searches, row.first_search,
               row.last_search, tuple(flags))  # fmt: skip


def _patterns(
    resolutions: list[ItemResolution],
    searches_by: Counter[int | None],
    names: dict[int, str],
    deviations: list[Deviation],
) -> list[InvestigatorPattern]:
    resolved: Counter[int] = Counter()
    unable: Counter[int] = Counter()
    for r in resolutions:
        if r.resolved_by_id is None:
            continue
        resolved[r.resolved_by_id] += 1
        unable[r.resolved_by_id] += r.status is ResolutionStatus.UNABLE
    total_items = sum(resolved.values())
    cycle_rate = sum(searches_by[u] for u in resolved) / total_items if total_items else 0.0
    cycle_unable = sum(unable.values()) / total_items if total_items else 0.0
    patterns = []
    for user_id in sorted(resolved, key=lambda u: names.get(u, "")):
        rate = searches_by[user_id] / resolved[user_id]
        share = unable[user_id] / resolved[user_id]
        reasons = []
        if len(resolved) > 1 and cycle_rate and not 1 / PATTERN_FACTOR <= rate / cycle_rate <= PATTERN_FACTOR:
            reasons.append(f"{rate:.1f} searches per item against the cycle's {cycle_rate:.1f}")
        if len(resolved) > 1 and unable[user_id] >= 2 and share > PATTERN_FACTOR * cycle_unable:
            reasons.append(f"{unable[user_id]} items unable to complete ({share:.0%}; the cycle's {cycle_unable:.0%})")
        name = names.get(user_id, f"user {user_id}")
        for reason in reasons:
            deviations.append(Deviation("investigator_pattern", f"{name}: {reason}."))
        patterns.append(
            InvestigatorPattern(user_id, name, resolved[user_id], searches_by[user_id], unable[user_id], bool(reasons))
        )
    return patterns


def _duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    return f"{hours // 24} days"


def duration(span: timedelta | None) -> str:
    """How the report writes a first-to-last search span."""
    return "—" if span is None else _duration(span)


CSV_HEADER = (
    "candidate",
    "stage",
    "checklist_versions",
    "item_position",
    "item_title",
    "resolution",
    "investigator",
    "resolved_on",
    "searches",
    "first_search",
    "last_search",
    "candidate_searches",
    "candidate_span",
    "deviations",
)


def _moment(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def to_csv(report: Uniformity) -> str:
    """One line per cell, with the same values the screen shows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in report.rows:
        for cell in row.cells:
            writer.writerow(
                [
                    row.code,
                    row.stage,
                    "; ".join(row.versions),
                    cell.position,
                    _spreadsheet_safe(next(i.title for i in report.items if i.id == cell.item_id)),
                    cell.label,
                    _spreadsheet_safe(cell.investigator or ""),
                    cell.resolved_on.isoformat() if cell.resolved_on else "",
                    cell.searches,
                    _moment(cell.first_search),
                    _moment(cell.last_search),
                    row.searches,
                    duration(row.span),
                    "; ".join(DEVIATION_LABELS[f] for f in (*cell.flags, *row.flags)),
                ]
            )
    return out.getvalue()


def _spreadsheet_safe(value: str) -> str:
    """Keep a spreadsheet from reading a cell as a formula (OWASP CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@dataclass(frozen=True)
class SearchLogLine:
    item_position: int
    item_title: str
    searched_at: datetime
    result_count: int
    investigator: str


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


def search_log(
    session: Session, actor: User, security: Security, candidate_id: int, reason: str | None = None
) -> SearchLog:
    """The drill-down from a uniformity cell. With a reason, queries and sources too (audited)."""
    policy.require(actor, policy.Action.AUDIT_READ)
    candidate = session.get(Candidate, candidate_id)
    if candidate is None or not policy.can_view_cycle(actor, candidate.cycle):
        raise NotFound("No such candidate.")
    names = users.names(session)
    entries = list(session.scalars(
        select(SearchLogEntry).where(SearchLogEntry.candidate_id == candidate.id).order_by(SearchLogEntry.searched_at)
    ))  # fmt: skip
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
                f"State why you need the queries and sources (at least {policy.MIN_REASON_LENGTH} characters); "
                "the reason is recorded.",
                field="reason",
            )
        raw = checklist_items(session, security, candidate)
        record(session, actor, Event.SEARCH_LOG_RAW_VIEWED, subject=candidate, reason=reason.strip())
    else:
        record(session, actor, Event.SEARCH_LOG_VIEWED, subject=candidate)
    return SearchLog(candidate.id, candidate.code, candidate.cycle_id, stage_of(candidate), lines, raw)


def heat_map(report: Uniformity) -> HeatMap:
    """The picture of the matrix (same on screen and in the PDF)."""
    marks = [
        [
            Mark(
                c.status is not None,
                c.status is ResolutionStatus.UNABLE,
                c.searches,
                bool(c.flags or row.flags),
                f"{row.code}, item {c.position}: {c.label}, {c.searches} searches",
            )
            for c in row.cells
        ]
        for row in report.rows
    ]
    return layout([r.code for r in report.rows], [str(i.position) for i in report.items], marks)
