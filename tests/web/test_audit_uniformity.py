"""The auditor's uniformity report (R6, PRODUCT.md §1): the matrix, its CSV, the heat map, the
deviations it flags, who may read it, and the drill-down to a candidate's search log.

The demo data (PRODUCT.md §5) gives a realistic cycle; small worlds built through the
services pin down the deviation rules.
"""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from tests.support import Clock, Person, csrf_from, current_code, login, published_checklist, runtime_of
from tests.web.helpers import code_step, count, db, location_path, new_cycle, password_step
from tests.web.world import (
    API,
    CANDIDATE_NAME,
    World,
    add_candidate,
    add_investigator,
    bearer,
    build_world,
    error_of,
    record_consent,
    resolve_api,
)
from vetting import demo
from vetting.clock import utcnow
from vetting.demo import DEMO_CYCLE_TITLE, DEMO_PASSWORD
from vetting.models import AuditEvent, Candidate, ChecklistVersion, ChecklistVersionItem, Cycle, ResolutionStatus
from vetting.services import users
from vetting.uniformity_matrix import CSV_HEADER, DEVIATION_LABELS

BOM = b"\xef\xbb\xbf"
FLAG_STROKE = "#7f0000"
REASON = "Review 2026-14: complaint about uneven searching"


# --- the demo ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Demo:
    cycle_id: int
    people: dict[str, Person]  # by email

    @property
    def auditor(self) -> Person:
        return self.people["auditor@demo.test"]


def load_demo(app: Flask) -> Demo:
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        accounts = demo.load_demo(session, rt.security, rt.store)
        people = {}
        for account in accounts:
            user = users.find_user_by_email(session, account.email)
            assert user is not None
            people[account.email] = Person(
                user.id, account.email, account.name, frozenset({account.role}), account.totp_secret
            )
        cycle_id = session.scalar(select(Cycle.id).where(Cycle.title == DEMO_CYCLE_TITLE))
        assert cycle_id is not None
    return Demo(cycle_id, people)


def demo_login(client: FlaskClient, person: Person, clock: Clock) -> None:
    """Sign a demo account in through the web forms (the demo password and its TOTP secret)."""
    response = password_step(client, person, DEMO_PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert location_path(response) == "/login/code"
    clock.advance(seconds=30)
    response = code_step(client, current_code(person))
    assert response.status_code == 302, response.get_data(as_text=True)


def uniformity_json(app: Flask, headers: dict[str, str], cycle_id: int) -> dict[str, Any]:
    response = app.test_client().get(f"{API}/audit/cycles/{cycle_id}/uniformity", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return body


def events_named(app: Flask, name: str) -> list[AuditEvent]:
    with db(app) as session:
        rows = list(session.scalars(select(AuditEvent).where(AuditEvent.event == name).order_by(AuditEvent.seq)))
        session.expunge_all()
        return rows


# --- reading the page ----------------------------------------------------------------------------


@dataclass
class ScreenCell:
    status: str = ""
    searches: str = ""
    who: str = ""
    date: str = ""


@dataclass
class ScreenRow:
    code: str
    stage: str = ""
    cells: dict[int, ScreenCell] | None = None
    searches: str = ""
    span: str = ""
    flagged_totals: tuple[str, ...] = ()


class MatrixParser(HTMLParser):
    """The rows of ``#uniformity-matrix``: per cell the status, searches, who and date spans."""

    SPANS = {"cell-status": "status", "cell-searches": "searches", "cell-who": "who", "cell-date": "date"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_table = False
        self.rows: list[ScreenRow] = []
        self.row: ScreenRow | None = None
        self.cell: ScreenCell | None = None
        self.capture: tuple[Any, str] | None = None  # (object, attribute) receiving text
        self.table_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            if a.get("id") == "uniformity-matrix":
                self.in_table, self.table_depth = True, 1
            elif self.in_table:
                self.table_depth += 1
        elif not self.in_table:
            return
        elif tag == "tr" and a.get("data-candidate") is not None:
            self.row = ScreenRow(code=a["data-candidate"] or "", cells={})
            self.rows.append(self.row)
        elif tag == "td" and self.row is not None:
            self._start_td(self.row, a)
        elif tag == "span" and self.cell is not None:
            classes = (a.get("class") or "").split()
            for cls, attribute in self.SPANS.items():
                if cls in classes:
                    self.capture = (self.cell, attribute)

    def _start_td(self, row: ScreenRow, a: dict[str, str | None]) -> None:
        if a.get("data-item") is not None:
            self.cell = ScreenCell()
            assert row.cells is not None
            row.cells[int(a["data-item"] or 0)] = self.cell
        elif a.get("data-total") in ("searches", "span"):
            total = a["data-total"] or ""
            self.capture = (row, total)
            if "cell--flag" in (a.get("class") or "").split():
                row.flagged_totals = (*row.flagged_totals, total)
        elif not a:
            self.capture = (row, "stage")

    def handle_endtag(self, tag: str) -> None:
        if not self.in_table:
            return
        if tag == "table":
            self.table_depth -= 1
            if self.table_depth == 0:
                self.in_table = False
        elif tag == "span":
            if self.capture is not None and self.capture[0] is self.cell:
                self.capture = None
        elif tag == "td":
            self.cell = None
            self.capture = None
        elif tag == "tr":
            self.row = None

    def handle_data(self, data: str) -> None:
        if self.capture is not None:
            target, attribute = self.capture
            setattr(target, attribute, getattr(target, attribute) + data)


def screen_rows(page: str) -> list[ScreenRow]:
    parser = MatrixParser()
    parser.feed(page)
    parser.close()
    assert parser.rows, "no #uniformity-matrix rows on the page"
    for row in parser.rows:
        row.stage, row.searches, row.span = row.stage.strip(), row.searches.strip(), row.span.strip()
        for cell in (row.cells or {}).values():
            cell.status, cell.searches = cell.status.strip(), cell.searches.strip()
            cell.who, cell.date = cell.who.strip(), cell.date.strip()
    return parser.rows


def csv_rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(BOM), content[:10]
    reader = csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""))
    header = next(reader)
    assert tuple(header) == CSV_HEADER
    return [dict(zip(header, line, strict=True)) for line in reader]


SVG_RE = re.compile(r"<svg\b[^>]*>.*?</svg>", re.S)
CELL_RE = re.compile(r"<g><title>(?P<title>[^<]*)</title>\s*<rect (?P<rect>[^>]*)/>", re.S)


def heat_cells(page: str) -> tuple[str, dict[str, str]]:
    """The heat map's opening tag and its cells: title -> the rect's attributes."""
    match = SVG_RE.search(page)
    assert match, "no inline <svg> on the page"
    svg = match.group(0)
    cells = {html.unescape(m.group("title")): m.group("rect") for m in CELL_RE.finditer(svg)}
    assert len(cells) == len(CELL_RE.findall(svg)), "cell titles are not unique"
    return svg, cells


def _minute(moment: str | None) -> str:
    """An API timestamp as the CSV writes it (UTC, to the minute)."""
    return datetime.fromisoformat(moment.replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M") if moment else ""


# --- 1. the demo matrix through the API ----------------------------------------------------------


def test_demo_matrix_is_uniform_and_flags_the_unable_item(app: Flask) -> None:
    world = load_demo(app)
    body = uniformity_json(app, bearer(app, world.auditor), world.cycle_id)

    with db(app) as session:
        cycle = session.get(Cycle, world.cycle_id)
        assert cycle is not None
        assert cycle.checklist_version is not None
        version_label = cycle.checklist_version.label
        item_ids = [i.id for i in cycle.checklist_version.items]
        candidate_ids = list(
            session.scalars(select(Candidate.id).where(Candidate.cycle_id == world.cycle_id).order_by(Candidate.id))
        )

    assert body["cycle_id"] == world.cycle_id
    assert body["checklist_version"] == version_label
    assert body["uniform_version"] is True
    assert [i["id"] for i in body["items"]] == item_ids
    assert len(item_ids) >= 8
    # One row per candidate, one cell per item, in checklist order.
    assert [c["id"] for c in body["candidates"]] == candidate_ids
    assert len(candidate_ids) >= 10
    for row in body["candidates"]:
        assert row["checklist_versions"] in ([], [version_label]), row
        assert [c["item_id"] for c in row["cells"]] == item_ids, row["code"]
    # Some candidates have no work yet (no version at all), others have all of it.
    assert any(r["checklist_versions"] == [] for r in body["candidates"])
    assert any(r["checklist_versions"] == [version_label] for r in body["candidates"])

    unable = [d for d in body["deviations"] if d["kind"] == "unable"]
    assert len(unable) == 1, body["deviations"]
    flagged = unable[0]
    row = next(r for r in body["candidates"] if r["id"] == flagged["candidate_id"])
    assert flagged["candidate_code"] == row["code"]
    cell = next(c for c in row["cells"] if c["position"] == flagged["item_position"])
    assert cell["resolution"] == ResolutionStatus.UNABLE.value
    assert cell["deviations"] == ["unable"]
    assert cell["searches"] == 0
    # No other cell of the cycle is marked unable.
    others = [
        (r["code"], c["position"])
        for r in body["candidates"]
        for c in r["cells"]
        if c["resolution"] == "unable" and c is not cell
    ]
    assert others == []
    # Both demo investigators appear with what they did.
    names = {p["name"] for p in body["investigators"]}
    assert names == {"Ira Investigator", "Ines Investigator"}
    assert sum(p["unable"] for p in body["investigators"]) == 1


# --- 2. the CSV holds what the screen shows ------------------------------------------------------


def test_csv_matches_the_screen_cell_by_cell(app: Flask, clock: Clock) -> None:
    world = load_demo(app)
    web = app.test_client()
    demo_login(web, world.auditor, clock)

    page = web.get(f"/audit/cycles/{world.cycle_id}/uniformity")
    assert page.status_code == 200
    rows = screen_rows(page.get_data(as_text=True))

    web_csv = web.get(f"/audit/cycles/{world.cycle_id}/uniformity.csv")
    assert web_csv.status_code == 200
    assert web_csv.mimetype == "text/csv"
    assert web_csv.headers["Content-Disposition"].startswith("attachment;")
    api_csv = app.test_client().get(
        f"{API}/audit/cycles/{world.cycle_id}/uniformity.csv", headers=bearer(app, world.auditor)
    )
    assert api_csv.status_code == 200
    assert api_csv.mimetype == "text/csv"
    assert api_csv.data == web_csv.data, "the API and the console export different CSVs"

    lines = csv_rows(web_csv.data)
    items = len(rows[0].cells or {})
    assert items >= 8
    assert all(len(r.cells or {}) == items for r in rows)
    assert len(lines) == len(rows) * items
    by_key = {(line["candidate"], int(line["item_position"])): line for line in lines}
    assert len(by_key) == len(lines), "a (candidate, item) pair appears twice in the CSV"

    for row in rows:
        for position, cell in (row.cells or {}).items():
            line = by_key[row.code, position]
            where = (row.code, position)
            assert line["stage"] == row.stage, where
            assert line["resolution"] == cell.status, where
            if cell.searches:  # resolved: "N search(es)"
                assert line["searches"] == cell.searches.split()[0], where
                assert line["investigator"] == ("" if cell.who == "—" else cell.who), where
                assert line["investigator"], where
                assert line["resolved_on"] == cell.date, where
                assert line["resolved_on"], where
            else:  # not resolved: nothing shown
                assert cell.status == "Not resolved", where
                assert (line["searches"], line["investigator"], line["resolved_on"]) == ("0", "", ""), where
            assert line["candidate_searches"] == row.searches, where
            assert line["candidate_span"] == row.span, where
    # The search times, not on the screen, are the API's to the minute.
    body = uniformity_json(app, bearer(app, world.auditor), world.cycle_id)
    for row_json in body["candidates"]:
        for c in row_json["cells"]:
            line = by_key[row_json["code"], c["position"]]
            for column in ("first_search", "last_search"):
                expected = _minute(c[column])
                assert line[column] == expected, (row_json["code"], c["position"], column)
    # The unable cell's deviation label is in the CSV.
    unable = [line for line in lines if line["deviations"]]
    assert [line["deviations"] for line in unable] == [DEVIATION_LABELS["unable"]]
    assert unable[0]["resolution"] == ResolutionStatus.UNABLE.label


# --- 3. the heat map -----------------------------------------------------------------------------


def test_page_draws_the_heat_map_with_the_unable_cell_framed(app: Flask, clock: Clock) -> None:
    world = load_demo(app)
    body = uniformity_json(app, bearer(app, world.auditor), world.cycle_id)
    web = app.test_client()
    demo_login(web, world.auditor, clock)
    page = web.get(f"/audit/cycles/{world.cycle_id}/uniformity").get_data(as_text=True)

    svg, cells = heat_cells(page)
    opening = svg[: svg.index(">") + 1]
    assert 'role="img"' in opening
    assert "<title" in svg
    assert "<script" not in svg
    assert "style=" not in svg
    rows, items = len(body["candidates"]), len(body["items"])
    assert len(cells) == rows * items

    flagged_expected = {
        f"{r['code']}, item {c['position']}"
        for r in body["candidates"]
        for c in r["cells"]
        if c["deviations"] or r["deviations"]
    }
    flagged_drawn = {title.split(":", 1)[0] for title, rect in cells.items() if f'stroke="{FLAG_STROKE}"' in rect}
    assert flagged_drawn == flagged_expected
    unable = next(d for d in body["deviations"] if d["kind"] == "unable")
    key = f"{unable['candidate_code']}, item {unable['item_position']}"
    assert key in flagged_drawn
    title = next(t for t in cells if t.startswith(key + ":"))
    assert ResolutionStatus.UNABLE.label in title


# --- 4. the deviation rules ----------------------------------------------------------------------


def _searches(query: str, start: datetime, n: int, step: timedelta) -> list[dict[str, Any]]:
    return [
        {
            "query": f"{query} {k}",
            "source": "Search engine",
            "result_count": 0,
            "searched_at": (start + k * step).isoformat(),
        }
        for k in range(n)
    ]


@dataclass(frozen=True)
class Spread:
    world: World
    second: Person
    thorough: list[int]  # three candidates searched alike, by world.inv
    hasty: int  # searched once per item in minutes, by ``second``


def build_spread(app: Flask) -> Spread:
    """Four fully resolved candidates of two items: three with 3 searches per item spread over
    hours, one with a single search per item minutes apart (by a second investigator)."""
    world = build_world(app, items=2)
    second = add_investigator(app, world)
    thorough = [world.candidate_id] + [
        add_candidate(app, world.inv, world.cycle_id, name) for name in ("Dana Doe", "Eli Roe")
    ]
    hasty = add_candidate(app, world.inv, world.cycle_id, "Fay Hasty")
    for cid in (*thorough, hasty):
        record_consent(app, world.inv, cid)
    client = app.test_client()
    inv, quick = bearer(app, world.inv), bearer(app, second)
    start = utcnow() - timedelta(hours=10)
    for cid in thorough:
        for n, item in enumerate(world.items):
            searches = _searches(f"thorough {cid}", start + n * timedelta(hours=3), 3, timedelta(hours=1))
            response = resolve_api(client, inv, cid, item, searches=searches)
            assert response.status_code == 200, response.get_data(as_text=True)
    for n, item in enumerate(world.items):
        searches = _searches("hasty", utcnow() - timedelta(minutes=10 - 5 * n), 1, timedelta())
        response = resolve_api(client, quick, hasty, item, searches=searches)
        assert response.status_code == 200, response.get_data(as_text=True)
    return Spread(world, second, thorough, hasty)


def test_far_fewer_and_shorter_searches_than_the_median_are_flagged(app: Flask, clock: Clock) -> None:
    spread = build_spread(app)
    world = spread.world
    body = uniformity_json(app, bearer(app, world.auditor), world.cycle_id)

    assert body["median_searches"] == 6
    assert body["median_span_seconds"] == timedelta(hours=5).total_seconds()
    rows = {r["id"]: r for r in body["candidates"]}
    assert rows[spread.hasty]["searches"] == 2
    assert set(rows[spread.hasty]["deviations"]) == {"few_searches", "short_search"}
    for cid in spread.thorough:
        assert rows[cid]["searches"] == 6
        assert rows[cid]["deviations"] == [], rows[cid]
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for d in body["deviations"]:
        by_kind.setdefault(d["kind"], []).append(d)
    assert [d["candidate_id"] for d in by_kind["few_searches"]] == [spread.hasty]
    assert [d["candidate_id"] for d in by_kind["short_search"]] == [spread.hasty]
    assert "median is 6" in by_kind["few_searches"][0]["message"]
    assert "unable" not in by_kind

    # The page frames the hasty candidate's totals and every one of its heat-map cells.
    web = app.test_client()
    login(web, world.auditor, clock)
    page = web.get(f"/audit/cycles/{world.cycle_id}/uniformity").get_data(as_text=True)
    screen = {r.code: r for r in screen_rows(page)}
    hasty_code = rows[spread.hasty]["code"]
    assert set(screen[hasty_code].flagged_totals) == {"searches", "span"}
    assert all(screen[rows[cid]["code"]].flagged_totals == () for cid in spread.thorough)
    _, cells = heat_cells(page)
    framed = {t.split(",", 1)[0] for t, rect in cells.items() if f'stroke="{FLAG_STROKE}"' in rect}
    assert framed == {hasty_code}
    assert DEVIATION_LABELS["few_searches"] in html.unescape(page)


def test_a_page_of_rows_lists_its_deviations_and_counts_the_cycles(app: Flask, clock: Clock) -> None:
    """Issue 17: a page lists the deviations of its own rows (and the investigators'), flagged
    against the whole cycle's medians, and counts every deviation of the cycle by kind."""
    spread = build_spread(app)
    world = spread.world
    headers = bearer(app, world.auditor)
    url = f"{API}/audit/cycles/{world.cycle_id}/uniformity"
    whole = uniformity_json(app, headers, world.cycle_id)
    client = app.test_client()
    first = client.get(url, headers=headers, query_string={"limit": "1"}).get_json()
    assert [r["id"] for r in first["candidates"]] == [spread.thorough[0]]
    assert first["deviation_counts"] == whole["deviation_counts"]
    assert first["deviation_counts"]["few_searches"] == first["deviation_counts"]["short_search"] == 1
    assert first["deviation_counts"]["unable"] == first["deviation_counts"]["other_version"] == 0
    assert {d["kind"] for d in first["deviations"]} <= {"investigator_pattern"}
    assert first["deviation_counts"]["investigator_pattern"] == len(first["deviations"])
    assert first["investigators"] == whole["investigators"]
    cursor = first["next_cursor"]
    while True:
        page = client.get(url, headers=headers, query_string={"limit": "1", "cursor": cursor}).get_json()
        if page["candidates"][0]["id"] == spread.hasty:
            break
        cursor = page["next_cursor"]
    # One candidate on the page, yet compared with the cycle's medians (6 searches, 5 hours).
    assert page["median_searches"] == 6
    assert set(page["candidates"][0]["deviations"]) == {"few_searches", "short_search"}
    assert {d["kind"] for d in page["deviations"] if d.get("candidate_id") == spread.hasty} == {
        "few_searches",
        "short_search",
    }
    web = app.test_client()
    login(web, world.auditor, clock)
    shown = html.unescape(web.get(f"/audit/cycles/{world.cycle_id}/uniformity?limit=1").get_data(as_text=True))
    total = sum(whole["deviation_counts"].values())
    assert f"Deviations ({total})" in shown
    assert "Deviations of the whole cycle by kind" in shown
    assert DEVIATION_LABELS["few_searches"] in shown  # counted, though not among the page's rows


def test_investigator_patterns_are_listed_and_the_outlier_flagged(app: Flask) -> None:
    spread = build_spread(app)
    world = spread.world
    body = uniformity_json(app, bearer(app, world.auditor), world.cycle_id)

    patterns = {p["user_id"]: p for p in body["investigators"]}
    assert set(patterns) == {world.inv.id, spread.second.id}
    assert patterns[world.inv.id] == {
        "user_id": world.inv.id,
        "name": world.inv.name,
        "items_resolved": 6,
        "searches": 18,
        "unable": 0,
        "differs": False,
    }
    assert patterns[spread.second.id] == {
        "user_id": spread.second.id,
        "name": spread.second.name,
        "items_resolved": 2,
        "searches": 2,
        "unable": 0,
        "differs": True,
    }
    pattern_notes = [d for d in body["deviations"] if d["kind"] == "investigator_pattern"]
    assert len(pattern_notes) == 1
    assert pattern_notes[0]["message"].startswith(spread.second.name)
    assert pattern_notes[0]["candidate_id"] is None


def test_fewer_than_three_fully_resolved_candidates_are_not_compared(app: Flask) -> None:
    """With two fully resolved candidates the medians are not computed and nothing is flagged."""
    world = build_world(app, items=2)
    other = add_candidate(app, world.inv, world.cycle_id, "Dana Doe")
    client, inv = app.test_client(), bearer(app, world.inv)
    for cid, per_item in ((world.candidate_id, 5), (other, 1)):
        record_consent(app, world.inv, cid)
        for item in world.items:
            searches = _searches("q", utcnow() - timedelta(hours=6), per_item, timedelta(hours=1))
            assert resolve_api(client, inv, cid, item, searches=searches).status_code == 200
    body = uniformity_json(app, bearer(app, world.auditor), world.cycle_id)
    assert body["median_searches"] is None
    assert body["median_span_seconds"] is None
    assert body["deviations"] == []
    assert all(r["deviations"] == [] for r in body["candidates"])


def test_work_on_another_checklist_version_breaks_uniformity(app: Flask, clock: Clock) -> None:
    """Work recorded against another version's item (by a direct database write: the services
    refuse it) is reported: the cycle is no longer uniform and the candidate is flagged."""
    world = build_world(app, items=2)
    other = add_candidate(app, world.inv, world.cycle_id, "Dana Doe")
    client, inv = app.test_client(), bearer(app, world.inv)
    for cid in (world.candidate_id, other):
        record_consent(app, world.inv, cid)
        for item in world.items:
            assert resolve_api(client, inv, cid, item).status_code == 200
    stray_version = published_checklist(app, world.admin.id, items=2, name="Stray checklist")
    with db(app) as session:
        stray_item = session.scalar(
            select(ChecklistVersionItem.id).where(ChecklistVersionItem.version_id == stray_version).limit(1)
        )
        params = {"stray": stray_item, "cid": other, "item": world.items[1]}
        session.execute(
            text("UPDATE item_resolutions SET item_id = :stray WHERE candidate_id = :cid AND item_id = :item"), params
        )
        session.execute(
            text("UPDATE search_log SET item_id = :stray WHERE candidate_id = :cid AND item_id = :item"), params
        )
        labels = {v.id: v.label for v in session.scalars(select(ChecklistVersion))}

    body = uniformity_json(app, bearer(app, world.auditor), world.cycle_id)
    assert body["uniform_version"] is False
    rows = {r["id"]: r for r in body["candidates"]}
    assert rows[world.candidate_id]["checklist_versions"] == [labels[world.version_id]]
    assert rows[other]["checklist_versions"] == sorted([labels[world.version_id], labels[stray_version]])
    assert rows[other]["deviations"] == ["other_version"]
    assert [c["resolution"] for c in rows[other]["cells"]] == ["no_results", None]
    strays = [d for d in body["deviations"] if d["kind"] == "other_version"]
    assert [d["candidate_id"] for d in strays] == [other]
    assert labels[stray_version] in strays[0]["message"]

    web = app.test_client()
    login(web, world.auditor, clock)
    page = web.get(f"/audit/cycles/{world.cycle_id}/uniformity").get_data(as_text=True)
    verdict = re.search(r'<dd id="uniform-version">(.*?)</dd>', page, re.S)
    assert verdict
    assert "No" in verdict.group(1)
    assert "other version" in page


def test_a_cycle_without_checklist_or_candidates_reports_nothing(app: Flask, clock: Clock) -> None:
    world = build_world(app)
    draft = new_cycle(app, world.admin.id, "Dispatcher 2027")
    body = uniformity_json(app, bearer(app, world.auditor), draft)
    assert body["checklist_version"] is None
    assert body["checklist_hash"] is None
    assert body["items"] == []
    assert body["candidates"] == []
    assert body["deviations"] == []
    assert body["uniform_version"] is True
    web = app.test_client()
    login(web, world.auditor, clock)
    page = web.get(f"/audit/cycles/{draft}/uniformity")
    assert page.status_code == 200
    page_text = page.get_data(as_text=True)
    assert "<svg" not in page_text
    assert "None pinned" in page_text
    csv_ = web.get(f"/audit/cycles/{draft}/uniformity.csv")
    assert csv_.status_code == 200
    assert csv_rows(csv_.data) == []


# --- 5. who may read it --------------------------------------------------------------------------


def test_only_auditors_read_the_report_and_reading_it_is_audited(app: Flask, clock: Clock) -> None:
    world = build_world(app)
    client = app.test_client()
    paths = (
        f"{API}/audit/cycles/{world.cycle_id}/uniformity",
        f"{API}/audit/cycles/{world.cycle_id}/uniformity.csv",
        f"{API}/audit/candidates/{world.candidate_id}/search-log",
    )
    for person in (world.admin, world.inv, world.board, world.outsider):
        headers = bearer(app, person)
        for path in paths:
            response = client.get(path, headers=headers)
            assert response.status_code == 403, (person.email, path, response.status_code)
            assert error_of(response)["code"]
        response = client.post(paths[2], json={"reason": REASON}, headers=headers)
        assert response.status_code == 403, (person.email, response.status_code)
    assert events_named(app, "uniformity.viewed") == []
    assert events_named(app, "search_log.viewed") == []
    assert events_named(app, "search_log.raw_viewed") == []

    # Nor through the web console.
    web = app.test_client()
    login(web, world.board, clock)
    for path in (f"/audit/cycles/{world.cycle_id}/uniformity", f"/audit/cycles/{world.cycle_id}/uniformity.csv"):
        assert web.get(path).status_code == 403, path

    auditor = bearer(app, world.auditor)
    missing = client.get(f"{API}/audit/cycles/999999/uniformity", headers=auditor)
    assert missing.status_code == 404
    assert error_of(missing)["code"]
    assert client.get(f"{API}/audit/cycles/999999/uniformity.csv", headers=auditor).status_code == 404
    assert client.get(f"{API}/audit/candidates/999999/search-log", headers=auditor).status_code == 404

    before = count(app, AuditEvent)
    assert client.get(f"{API}/audit/cycles/{world.cycle_id}/uniformity", headers=auditor).status_code == 200
    viewed = events_named(app, "uniformity.viewed")
    assert len(viewed) == 1
    assert (viewed[0].actor_id, viewed[0].subject_type, viewed[0].subject_id) == (
        world.auditor.id,
        "cycle",
        str(world.cycle_id),
    )
    assert '"candidates":1' in viewed[0].data
    assert count(app, AuditEvent) == before + 1
    # The CSV download is a view too.
    assert client.get(f"{API}/audit/cycles/{world.cycle_id}/uniformity.csv", headers=auditor).status_code == 200
    assert len(events_named(app, "uniformity.viewed")) == 2


# --- 6. the drill-down to a search log -----------------------------------------------------------

QUERY = f'"{CANDIDATE_NAME}" Hattiesburg arrest'
SOURCE = "Forrest County court index"


def searched_world(app: Flask) -> World:
    world = build_world(app, items=2)
    record_consent(app, world.inv, world.candidate_id)
    client, inv = app.test_client(), bearer(app, world.inv)
    for item in world.items:
        body = {
            "searches": [
                {"query": QUERY, "source": SOURCE, "result_count": 2},
                {"query": f"@casey_c item {item}", "source": SOURCE, "result_count": 0},
            ]
        }
        response = resolve_api(client, inv, world.candidate_id, item, **body)
        assert response.status_code == 200, response.get_data(as_text=True)
    return world


def test_search_log_without_a_reason_shows_no_queries_or_sources(app: Flask) -> None:
    world = searched_world(app)
    response = app.test_client().get(
        f"{API}/audit/candidates/{world.candidate_id}/search-log", headers=bearer(app, world.auditor)
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    for secret in (CANDIDATE_NAME, "Casey", "Hattiesburg", "casey_c", SOURCE, "court index"):
        assert secret not in text, secret
    body = response.get_json()
    assert "items" not in body
    assert len(body["searches"]) == 4
    assert {s["item_position"] for s in body["searches"]} == {1, 2}
    assert sorted(s["result_count"] for s in body["searches"]) == [0, 0, 2, 2]
    assert {s["investigator"] for s in body["searches"]} == {world.inv.name}
    for s in body["searches"]:
        assert set(s) == {"item_position", "searched_at", "result_count", "investigator"}
    viewed = events_named(app, "search_log.viewed")
    assert [(e.actor_id, e.subject_id) for e in viewed] == [(world.auditor.id, str(world.candidate_id))]
    assert events_named(app, "search_log.raw_viewed") == []


@pytest.mark.parametrize("reason", ["short", "  too short  ", ""])
def test_opening_queries_needs_a_real_reason(app: Flask, reason: str) -> None:
    world = searched_world(app)
    headers = bearer(app, world.auditor)
    before = count(app, AuditEvent)
    response = app.test_client().post(
        f"{API}/audit/candidates/{world.candidate_id}/search-log", json={"reason": reason}, headers=headers
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert error_of(response)["field"] == "reason"
    assert QUERY not in response.get_data(as_text=True)
    assert count(app, AuditEvent) == before
    assert events_named(app, "search_log.raw_viewed") == []


def test_opening_queries_with_a_reason_shows_them_and_records_the_reason(app: Flask) -> None:
    world = searched_world(app)
    response = app.test_client().post(
        f"{API}/audit/candidates/{world.candidate_id}/search-log",
        json={"reason": f"  {REASON}  "},
        headers=bearer(app, world.auditor),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert [i["position"] for i in body["items"]] == [1, 2]
    queries = {s["query"] for i in body["items"] for s in i["searches"]}
    assert queries == {QUERY, "@casey_c item " + str(world.items[0]), "@casey_c item " + str(world.items[1])}
    assert {s["source"] for i in body["items"] for s in i["searches"]} == {SOURCE}
    assert all(i["resolution"] == "no_results" for i in body["items"])
    raw = events_named(app, "search_log.raw_viewed")
    assert len(raw) == 1
    assert (raw[0].actor_id, raw[0].subject_type, raw[0].subject_id) == (
        world.auditor.id,
        "candidate",
        str(world.candidate_id),
    )
    from vetting.services.audit_log import event_data

    assert event_data(raw[0]) == {"reason": REASON}
    # The access review lists the opening with its reason.
    review = app.test_client().get(f"{API}/audit/access-review", headers=bearer(app, world.auditor))
    assert review.status_code == 200
    assert any(v["reason"] == REASON for v in review.get_json()["raw_views"])


def test_web_search_log_asks_for_a_reason_then_shows_the_queries(app: Flask, clock: Clock) -> None:
    world = searched_world(app)
    web = app.test_client()
    login(web, world.auditor, clock)
    url = f"/audit/candidates/{world.candidate_id}/search-log"

    page = web.get(url)
    assert page.status_code == 200
    page_text = page.get_data(as_text=True)
    assert 'name="reason"' in page_text
    assert QUERY not in html.unescape(page_text)
    assert SOURCE not in page_text
    assert page_text.count("<tr") == 1 + 4  # header and four searches

    for reason in ("short", " " * 12 + "ab"):  # too short, also once the padding is stripped
        refused = web.post(url, data={"reason": reason, "csrf_token": csrf_from(page_text)})
        assert refused.status_code == 422, reason
        refused_text = refused.get_data(as_text=True)
        assert 'name="reason"' in refused_text
        assert SOURCE not in refused_text
    assert events_named(app, "search_log.raw_viewed") == []

    shown = web.post(url, data={"reason": REASON, "csrf_token": csrf_from(page_text)})
    assert shown.status_code == 200
    shown_text = shown.get_data(as_text=True)
    assert QUERY in html.unescape(shown_text)
    assert SOURCE in shown_text
    assert "Your reason was recorded" in shown_text
    assert 'name="reason"' not in shown_text
    raw = events_named(app, "search_log.raw_viewed")
    assert len(raw) == 1
    assert REASON in raw[0].data


def test_demo_search_log_hides_queries_until_a_reason_is_given(app: Flask) -> None:
    world = load_demo(app)
    headers = bearer(app, world.auditor)
    body = uniformity_json(app, headers, world.cycle_id)
    row = next(r for r in body["candidates"] if r["searches"])
    client = app.test_client()
    plain = client.get(f"{API}/audit/candidates/{row['id']}/search-log", headers=headers)
    assert plain.status_code == 200
    assert len(plain.get_json()["searches"]) == row["searches"]
    opened = client.post(f"{API}/audit/candidates/{row['id']}/search-log", json={"reason": REASON}, headers=headers)
    assert opened.status_code == 200
    queries = [s["query"] for i in opened.get_json()["items"] for s in i["searches"]]
    assert len(queries) == row["searches"]
    plain_text = plain.get_data(as_text=True)
    for query in queries:
        words = query.replace('"', " ").split()
        assert words
        assert not any(w in plain_text for w in words if len(w) > 3), query
