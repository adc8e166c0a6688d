"""The uniformity matrix computed from plain rows (R6, POL-05): no database, no Flask."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from vetting.heatmap import UNABLE, UNRESOLVED, Mark, layout, text_width
from vetting.uniformity_matrix import (
    CSV_HEADER,
    CycleWork,
    Item,
    Person,
    Resolution,
    Search,
    compute,
    duration,
    heat_map,
    heat_maps,
    to_csv,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = date(2026, 3, 2)
ITEMS = [Item(11, 1, "Search engines"), Item(12, 2, "=Social media")]
ANN, BOB = 1, 2
NAMES = {ANN: "Ann Adams", BOB: "Bob Brown"}


def done(candidate: int, item: int, by: int = ANN, *, unable: bool = False) -> Resolution:
    status, label = ("unable", "Unable to complete") if unable else ("completed", "Completed")
    return Resolution(candidate, item, status, label, unable, by, DAY)


def searched(candidate: int, item: int, minutes: int, by: int = ANN) -> Search:
    return Search(candidate, item, T0 + timedelta(minutes=minutes), by)


def work(people: list[Person], resolutions: list[Resolution], searches: list[Search], **version_of: str) -> CycleWork:
    worked = {r.item_id for r in resolutions} | {s.item_id for s in searches}
    labels = {i: version_of.get(f"item{i}", "v1") for i in worked}
    return CycleWork(7, "Spring", "v1", "ab" * 32, ITEMS, people, resolutions, searches, labels, NAMES)


def test_empty_cycle_has_no_rows_medians_or_deviations() -> None:
    report = compute(work([], [], []))
    assert (report.rows, report.deviations, report.investigators) == ([], [], [])
    assert (report.median_searches, report.median_span) == (None, None)
    assert report.uniform_version
    assert to_csv(report) == ",".join(CSV_HEADER) + "\r\n"


def test_cells_carry_resolution_searches_and_who() -> None:
    people = [Person(100, "C-1", "Searching")]
    resolutions = [done(100, 11), done(100, 12, BOB, unable=True)]
    searches = [searched(100, 11, 0), searched(100, 11, 30), searched(100, 12, 90, BOB)]
    report = compute(work(people, resolutions, searches))

    (row,) = report.rows
    first, second = row.cells
    assert (first.status, first.label, first.investigator, first.resolved_on) == (
        "completed",
        "Completed",
        "Ann Adams",
        DAY,
    )
    assert (first.searches, first.first_search, first.last_search) == (2, T0, T0 + timedelta(minutes=30))
    assert first.flags == ()
    assert (second.status, second.label, second.flags) == ("unable", "Unable to complete", ("unable",))
    assert (row.searches, row.span, row.resolved, row.versions) == (3, timedelta(minutes=90), 2, ("v1",))
    assert [(d.kind, d.message) for d in report.deviations] == [
        ("unable", "C-1, item 2 (=Social media): could not be completed.")
    ]
    # Fewer than MIN_COMPARABLE fully resolved candidates: nothing to compare against.
    assert report.median_searches is None


def test_unresolved_cell_reads_not_resolved() -> None:
    report = compute(work([Person(100, "C-1", "Consent")], [], []))
    cell = report.rows[0].cells[0]
    assert (cell.status, cell.label, cell.searches, cell.investigator, cell.resolved_on) == (
        None,
        "Not resolved",
        0,
        None,
        None,
    )


def test_work_on_another_version_is_a_deviation() -> None:
    people = [Person(100, "C-1", "Searching"), Person(101, "C-2", "Searching")]
    report = compute(work(people, [done(100, 11), done(101, 99)], [], item99="v0"))
    assert [r.versions for r in report.rows] == [("v1",), ("v0",)]
    assert report.rows[1].flags == ("other_version",)
    assert not report.uniform_version
    assert [d.message for d in report.deviations] == ["C-2: work recorded against v0; the cycle's checklist is v1."]


def test_far_fewer_and_shorter_searches_than_the_median_are_flagged() -> None:
    people = [Person(100 + n, f"C-{n}", "Searched") for n in range(4)]
    resolutions = [done(100 + n, i.id) for n in range(4) for i in ITEMS]
    searches = [searched(100 + n, 11, m) for n in range(3) for m in (0, 60, 120, 180)]
    searches += [searched(103, 11, 0)]  # one search, no span
    report = compute(work(people, resolutions, searches))

    assert report.median_searches == 4.0
    assert report.median_span == timedelta(hours=3)
    assert [r.flags for r in report.rows] == [(), (), (), ("few_searches", "short_search")]
    assert [d.message for d in report.deviations] == [
        "C-3: 1 searches; the cycle's median is 4.",
        "C-3: searches spanned 0 min; the cycle's median is 3 h 00 min.",
    ]


def test_investigator_patterns_compare_against_the_cycle() -> None:
    people = [Person(100 + n, f"C-{n}", "Searching") for n in range(3)]
    resolutions = [done(c, i.id) for c in (100, 102) for i in ITEMS]
    resolutions += [done(101, 11, BOB, unable=True), done(101, 12, BOB, unable=True)]
    searches = [searched(100, 11, m) for m in range(10)] + [searched(101, 11, 0, BOB)]
    report = compute(work(people, resolutions, searches))

    ann, bob = report.investigators
    assert (ann.name, ann.items_resolved, ann.searches, ann.unable, ann.flagged) == ("Ann Adams", 4, 10, 0, False)
    assert ann.searches_per_item == 2.5
    assert (bob.name, bob.items_resolved, bob.searches, bob.unable, bob.flagged) == ("Bob Brown", 2, 1, 2, True)
    assert [d.message for d in report.deviations if d.kind == "investigator_pattern"] == [
        "Bob Brown: 0.5 searches per item against the cycle's 1.8.",
        "Bob Brown: 2 items unable to complete (100%; the cycle's 33%).",
    ]


def test_csv_and_heat_map_show_the_same_cells() -> None:
    people = [Person(100, "C-1", "Searching")]
    report = compute(work(people, [done(100, 12, unable=True)], [searched(100, 12, 5)]))
    lines = list(csv.reader(io.StringIO(to_csv(report))))
    assert lines[0] == list(CSV_HEADER)
    unresolved = dict(zip(CSV_HEADER, lines[1], strict=True))
    assert unresolved == {
        "candidate": "C-1",
        "stage": "Searching",
        "checklist_versions": "v1",
        "item_position": "1",
        "item_title": "Search engines",
        "resolution": "Not resolved",
        "investigator": "",
        "resolved_on": "",
        "searches": "0",
        "first_search": "",
        "last_search": "",
        "candidate_searches": "1",
        "candidate_span": "0 min",
        "deviations": "",
    }
    assert lines[2][4:8] == ["'=Social media", "Unable to complete", "Ann Adams", "2026-03-02"]
    assert lines[2][-1] == "Item could not be completed"

    picture = heat_map(report)
    assert [(b.fill, b.text, b.flagged) for b in picture.boxes] == [(UNRESOLVED, "–", False), (UNABLE, "U", True)]
    assert [label.text for label in picture.columns] == ["1", "2"]


def test_durations_read_in_minutes_hours_or_days() -> None:
    assert duration(None) == "—"
    assert duration(timedelta(minutes=59)) == "59 min"
    assert duration(timedelta(hours=2, minutes=5)) == "2 h 05 min"
    assert duration(timedelta(days=3)) == "3 days"


def test_the_legend_keys_never_overlap_and_stay_inside_the_picture() -> None:
    """Issue 18: the legend's words ran into each other. Each key is laid out as wide as its words
    (an upper estimate of the glyphs), wrapping onto a new line instead of overlapping."""
    for columns in (1, 3, 9, 15, 40):
        for most in (1, 7, 1234):
            marks = [[Mark(True, False, most, False, "")] * columns]
            picture = layout(["C-001"], [str(n) for n in range(1, columns + 1)], marks)
            spans = []
            for box, label in picture.legend:
                right = label.x + text_width(label.text, picture.legend_font)
                assert box.x >= 0
                assert right <= picture.width, (columns, most, label.text)
                assert box.y + picture.legend_box <= picture.height
                spans.append((box.x, right, box.y))
            for n, (left, right, top) in enumerate(spans):
                for other_left, other_right, other_top in spans[n + 1 :]:
                    assert top != other_top or right <= other_left or other_right <= left, (columns, most)


def test_the_heat_map_in_parts_shades_on_the_whole_matrix_scale() -> None:
    people = [Person(100 + n, f"C-{n:03d}", "Searching") for n in range(5)]
    searches = [searched(104, 11, k) for k in range(4)]  # the last candidate searched most
    resolutions = [done(100 + n, 11) for n in range(5)]
    report = compute(work(people, resolutions, [searched(100, 11, 0), *searches]))
    parts = heat_maps(report, 2)
    assert [[label.text for label in part.rows] for part in parts] == [
        ["C-000", "C-001"],
        ["C-002", "C-003"],
        ["C-004"],
    ]
    whole = heat_map(report)
    drawn = [box.fill for part in parts for box in part.boxes]
    assert drawn == [box.fill for box in whole.boxes]
    assert parts[0].boxes[0].fill != parts[2].boxes[0].fill  # one search against the most (four)


def test_the_heat_map_of_deviations_draws_those_rows_on_the_whole_matrix_scale() -> None:
    """A large cycle's PDF draws only the candidates with a deviation (issue 17)."""
    people = [Person(100 + n, f"C-{n:03d}", "Searching") for n in range(4)]
    resolutions = [done(100, 11, unable=True), done(101, 11), done(102, 11, unable=True), done(103, 11)]
    searches = [searched(101, 11, k) for k in range(5)] + [searched(100, 11, 0)]
    report = compute(work(people, resolutions, searches))
    assert [r.deviates for r in report.rows] == [True, False, True, False]
    parts = heat_maps(report, 1, deviating_only=True)
    assert [[label.text for label in part.rows] for part in parts] == [["C-000"], ["C-002"]]
    whole = heat_map(report)
    assert parts[0].boxes == whole.boxes[: len(parts[0].boxes)]  # shaded as in the whole matrix
