"""The uniformity matrix (R6, POL-05): candidates × checklist items, and what deviates (no I/O).

Plain data in (:class:`CycleWork`, loaded by :mod:`vetting.services.uniformity`), plain data
out (:class:`Uniformity`), shared by the console, the API, the CSV and the PDF. Built from
metadata only (statuses, dates, counts, who). Deviations flagged:

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
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from statistics import median

from vetting.heatmap import HeatMap, Mark, layout

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

#: One letter per resolution status, for tables too dense for the words (the PDF's matrix).
STATUS_LETTERS = {"completed": "C", "no_results": "N", "unable": "U", None: "–"}


# --- what the service loads ----------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """An item of the cycle's checklist version."""

    id: int
    position: int
    title: str


@dataclass(frozen=True)
class Person:
    """A candidate of the cycle."""

    id: int
    code: str
    stage: str


@dataclass(frozen=True)
class Resolution:
    candidate_id: int
    item_id: int
    #: The stored resolution status and how it reads.
    status: str
    label: str
    unable: bool
    resolved_by_id: int | None
    resolved_on: date


@dataclass(frozen=True)
class Search:
    candidate_id: int
    item_id: int
    searched_at: datetime
    recorded_by_id: int | None


@dataclass(frozen=True)
class CycleWork:
    """Everything recorded about how a cycle's candidates were worked."""

    cycle_id: int
    cycle_title: str
    #: The cycle's frozen checklist version (``None``: none pinned).
    version_label: str | None
    version_hash: str | None
    items: list[Item]
    people: list[Person]
    resolutions: list[Resolution]
    searches: list[Search]
    #: The label of the checklist version of every item worked (resolved or searched).
    version_of: dict[int, str]
    #: Display names of users, by id.
    names: dict[int, str]


# --- what the report shows -----------------------------------------------------------------------


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
    #: The stored resolution status (``None``: not resolved).
    status: str | None
    label: str
    investigator: str | None
    resolved_on: date | None
    searches: int
    first_search: datetime | None
    last_search: datetime | None
    flags: tuple[str, ...]


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

    @property
    def deviates(self) -> bool:
        return bool(self.flags) or any(c.flags for c in self.cells)


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


@dataclass(frozen=True)
class Uniformity:
    cycle_id: int
    cycle_title: str
    version_label: str | None
    version_hash: str | None
    items: list[Item]
    rows: list[Row]
    median_searches: float | None
    median_span: timedelta | None
    investigators: list[InvestigatorPattern]
    deviations: list[Deviation]

    @property
    def uniform_version(self) -> bool:
        """Every candidate's work refers to the cycle's version and nothing else."""
        return all(r.versions in ((), (self.version_label,)) for r in self.rows)


# --- computing ---------------------------------------------------------------------------------


def _span(times: list[datetime]) -> tuple[datetime | None, datetime | None]:
    return (min(times), max(times)) if times else (None, None)


@dataclass(frozen=True)
class Medians:
    """The cycle's medians over its fully resolved candidates, which every row is compared with
    (``None``: fewer than :data:`MIN_COMPARABLE` such candidates, nothing compared)."""

    searches: float | None
    span: timedelta | None


@dataclass(frozen=True)
class Tallies:
    """What each investigator did in the cycle: items resolved, of them unable, searches logged."""

    resolved: Counter[int]
    unable: Counter[int]
    searches: Counter[int | None]


def compute(work: CycleWork) -> Uniformity:
    """The matrix, its medians, the investigators' patterns and every deviation, in the
    order the report lists them."""
    rows, deviations = _rows(work)
    comparable = [r for r in rows if work.items and r.resolved == len(work.items)]
    medians = Medians(None, None)
    if len(comparable) >= MIN_COMPARABLE:
        medians = Medians(
            float(median(r.searches for r in comparable)),
            timedelta(seconds=median((r.span or timedelta()).total_seconds() for r in comparable)),
        )
    return _finish(work, rows, deviations, medians, tallies_of(work))


def compute_page(work: CycleWork, medians: Medians, tallies: Tallies) -> Uniformity:
    """The rows of ``work``'s people (one page of a cycle) compared with the whole cycle's
    ``medians``, and the investigators' patterns from the cycle's ``tallies``: the same rows
    and flags :func:`compute` gives them over the whole cycle, at the cost of the page."""
    rows, deviations = _rows(work)
    return _finish(work, rows, deviations, medians, tallies)


def tallies_of(work: CycleWork) -> Tallies:
    resolved: Counter[int] = Counter()
    unable: Counter[int] = Counter()
    for r in work.resolutions:
        if r.resolved_by_id is not None:
            resolved[r.resolved_by_id] += 1
            unable[r.resolved_by_id] += r.unable
    return Tallies(resolved, unable, Counter(s.recorded_by_id for s in work.searches))


def median_of_counts(counts: dict[int, int]) -> float | None:
    """The median of a multiset given as {value: how many times}, as :func:`statistics.median`
    gives it (the mean of the two middle values of an even count); ``None`` when empty."""
    total = sum(counts.values())
    if not total:
        return None
    middle = [(total - 1) // 2, total // 2]
    found: list[int] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        while middle and middle[0] < seen:
            found.append(value)
            middle.pop(0)
    return (found[0] + found[1]) / 2


def _rows(work: CycleWork) -> tuple[list[Row], list[Deviation]]:
    """A row per person with its cells, and the deviations found within a row (unable items,
    work on another version), in row order."""
    by_cell: dict[tuple[int, int], list[datetime]] = defaultdict(list)
    # Which items each candidate's work touched, and all their search times (one pass each).
    touched: dict[int, set[int]] = defaultdict(set)
    times_of: dict[int, list[datetime]] = defaultdict(list)
    for search in work.searches:
        by_cell[search.candidate_id, search.item_id].append(search.searched_at)
        touched[search.candidate_id].add(search.item_id)
        times_of[search.candidate_id].append(search.searched_at)
    resolution_of = {(r.candidate_id, r.item_id): r for r in work.resolutions}
    for resolution in work.resolutions:
        touched[resolution.candidate_id].add(resolution.item_id)
    deviations: list[Deviation] = []
    rows: list[Row] = []
    for person in work.people:
        versions = tuple(sorted({work.version_of[i] for i in touched[person.id]}))
        cells = []
        for item in work.items:
            r = resolution_of.get((person.id, item.id))
            times = by_cell.get((person.id, item.id), [])
            first, last = _span(times)
            flags = ("unable",) if r is not None and r.unable else ()
            if flags:
                message = f"{person.code}, item {item.position} ({item.title}): could not be completed."
                deviations.append(Deviation("unable", message, person.id, person.code, item.position))
            cells.append(
                Cell(
                    item.id,
                    item.position,
                    r.status if r else None,
                    r.label if r else "Not resolved",
                    work.names.get(r.resolved_by_id) if r and r.resolved_by_id else None,
                    r.resolved_on if r else None,
                    len(times),
                    first,
                    last,
                    flags,
                )
            )
        row_flags: list[str] = []
        if work.version_label is not None and any(v != work.version_label for v in versions):
            row_flags.append("other_version")
            message = (
                f"{person.code}: work recorded against {', '.join(versions)}; "
                f"the cycle's checklist is {work.version_label}."
            )
            deviations.append(Deviation("other_version", message, person.id, person.code))
        all_times = times_of[person.id]
        first, last = _span(all_times)
        rows.append(
            Row(person.id, person.code, person.stage, versions, cells, len(all_times), first, last, tuple(row_flags))
        )
    return rows, deviations


def _finish(
    work: CycleWork, rows: list[Row], deviations: list[Deviation], medians: Medians, tallies: Tallies
) -> Uniformity:
    if work.items and medians.searches is not None and medians.span is not None:
        searches, span = medians.searches, medians.span
        rows = [_compare(r, searches, span, deviations) if r.resolved == len(work.items) else r for r in rows]
    patterns = _patterns(tallies, work.names, deviations)
    return Uniformity(
        work.cycle_id,
        work.cycle_title,
        work.version_label,
        work.version_hash,
        work.items,
        rows,
        medians.searches,
        medians.span,
        patterns,
        deviations,
    )


def _compare(row: Row, median_searches: float, median_span: timedelta, deviations: list[Deviation]) -> Row:
    flags = list(row.flags)
    if row.searches < FAR_BELOW * median_searches:
        flags.append("few_searches")
        message = f"{row.code}: {row.searches} searches; the cycle's median is {median_searches:g}."
        deviations.append(Deviation("few_searches", message, row.candidate_id, row.code))
    span = row.span or timedelta()
    if median_span > timedelta() and span < FAR_BELOW * median_span:
        flags.append("short_search")
        message = f"{row.code}: searches spanned {_duration(span)}; the cycle's median is {_duration(median_span)}."
        deviations.append(Deviation("short_search", message, row.candidate_id, row.code))
    return replace(row, flags=tuple(flags))


def _patterns(tallies: Tallies, names: dict[int, str], deviations: list[Deviation]) -> list[InvestigatorPattern]:
    resolved, unable, searches_by = tallies.resolved, tallies.unable, tallies.searches
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


# --- showing -----------------------------------------------------------------------------------


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


def _scale(report: Uniformity) -> int:
    """The most searches of any resolved cell: the shading's top, for the whole matrix."""
    return max((c.searches for r in report.rows for c in r.cells if c.status and "unable" not in c.flags), default=1)


def heat_map(report: Uniformity, rows: slice = slice(None), *, most: int | None = None) -> HeatMap:
    """The picture of the matrix (same on screen and in the PDF), or of ``rows`` of it: shaded
    on the whole matrix's scale (``most``, computed once by a caller drawing many parts), so
    that parts drawn apart read alike."""
    most = _scale(report) if most is None else most
    chosen = report.rows[rows]
    marks = [
        [
            Mark(
                c.status is not None,
                "unable" in c.flags,
                c.searches,
                bool(c.flags or row.flags),
                f"{row.code}, item {c.position}: {c.label}, {c.searches} searches",
            )
            for c in row.cells
        ]
        for row in chosen
    ]
    return layout([r.code for r in chosen], [str(i.position) for i in report.items], marks, most)


def heat_maps(report: Uniformity, rows_per_map: int, *, deviating_only: bool = False) -> list[HeatMap]:
    """The picture in parts of at most ``rows_per_map`` candidates: a PDF page cannot split an
    image, so a long matrix is drawn as several that each fit a page. ``deviating_only``: the
    rows with a deviation, still shaded on the whole matrix's scale."""
    most = _scale(report)  # once, not per part: a 10,000-candidate matrix has hundreds of parts
    if deviating_only:
        report = replace(report, rows=[r for r in report.rows if r.deviates])
    return [heat_map(report, slice(k, k + rows_per_map), most=most) for k in range(0, len(report.rows), rows_per_map)]


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
    titles = {i.id: i.title for i in report.items}
    for row in report.rows:
        for cell in row.cells:
            writer.writerow(
                [
                    row.code,
                    row.stage,
                    "; ".join(row.versions),
                    cell.position,
                    _spreadsheet_safe(titles[cell.item_id]),
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
