"""The audit log as an auditor reads it (issue 18, item 5; item 14's "verified 348 entries").

Times on one line (``2026-11-02 09:00:30 UTC``), actors by name and role, the total counting
what the filters match, the candidate filter taking the code staff use (``C-001``), and a page
whose number of SQL statements does not grow with the rows it shows. After "Verify chain" the
figures agree: the check counts the entries before its own, and the page says so.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from tests.support import Clock, csrf_from, login, runtime_of
from tests.web.helpers import db
from tests.web.world import API, World, add_candidate, bearer, build_world
from vetting.audit import writer
from vetting.audit.events import Event
from vetting.models import AuditEvent, Candidate, Role, User

ROW_RE = re.compile(r"<tr>\s*<td>(\d+)</td>(.*?)</tr>", re.S)
TOTAL_RE = re.compile(r"Events <span class=\"muted\">\((\d+) (in all|match this filter)\)</span>")


def rows(page: str) -> list[tuple[int, list[str]]]:
    """(seq, the other cells' text) of every row of the log table."""
    found = []
    for seq, rest in ROW_RE.findall(page):
        cells = [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", rest, re.S)
        ]
        found.append((int(seq), cells))
    return found


def total(page: str) -> tuple[int, str]:
    match = TOTAL_RE.search(page)
    assert match, "no total on the page"
    return int(match.group(1)), match.group(2)


def seqs_about(app: Flask, candidate_ids: set[int]) -> list[int]:
    with db(app) as session:
        found = session.scalars(
            select(AuditEvent.seq)
            .where(AuditEvent.subject_type == "candidate", AuditEvent.subject_id.in_([str(i) for i in candidate_ids]))
            .order_by(AuditEvent.seq.desc())
        )
        return list(found)


def signed_in(app: Flask, world: World, clock: Clock) -> FlaskClient:
    web = app.test_client()
    login(web, world.auditor, clock)
    return web


def test_times_are_one_line_and_actors_have_names_and_roles(app: Flask, clock: Clock) -> None:
    world = build_world(app)
    web = signed_in(app, world, clock)
    page = web.get("/audit").get_data(as_text=True)
    shown = rows(page)
    assert shown
    with db(app) as session:
        names = dict(session.execute(select(User.id, User.name)).all())
        actors = dict(session.execute(select(AuditEvent.seq, AuditEvent.actor_id)).all())
    for seq, (when, who, *_rest) in shown:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC", when), when
        actor = actors[seq]
        if actor is None:
            assert who == "system"
        else:
            assert who.startswith(names[actor]), (seq, who)
    # The administrator's rows carry the role, and no row shows a bare id.
    admin_rows = [who for seq, (_, who, *_r) in shown if actors[seq] == world.admin.id]
    assert admin_rows
    assert all(who == f"{world.admin.name} ({Role.ADMIN.label})" for who in admin_rows)
    assert all(not re.fullmatch(r"\d+", who) for _, (_, who, *_r) in shown)
    assert '<td class="when">' in page


def test_the_total_counts_what_the_filters_match(app: Flask, clock: Clock) -> None:
    world = build_world(app)
    with db(app) as session:
        for _ in range(3):
            writer.record(session, None, Event.HOLIDAY_ADDED)
    web = signed_in(app, world, clock)
    with db(app) as session:
        everything = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        by_admin = (
            session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.actor_id == world.admin.id))
            or 0
        )
    count, words = total(web.get("/audit").get_data(as_text=True))
    assert (count, words) == (everything, "in all")  # the page's own view is recorded after it is read
    assert total(web.get("/audit", query_string={"event": "holiday.added"}).get_data(as_text=True)) == (
        3,
        "match this filter",
    )
    page = web.get("/audit", query_string={"actor_id": world.admin.id}).get_data(as_text=True)
    assert total(page) == (by_admin, "match this filter")
    assert len(rows(page)) == by_admin
    body = app.test_client().get(
        f"{API}/audit/events", query_string={"event": "holiday.added", "limit": 2}, headers=bearer(app, world.auditor)
    )
    assert body.status_code == 200
    assert len(body.get_json()["events"]) == 2
    assert body.get_json()["total"] == 3


def test_the_candidate_filter_takes_the_candidate_code(app: Flask, clock: Clock) -> None:
    world = build_world(app)
    second = add_candidate(app, world.inv, world.cycle_id, "Dana Doe")
    with db(app) as session:
        codes = dict(session.execute(select(Candidate.id, Candidate.code)).all())
    first_code = codes[world.candidate_id]
    assert first_code == "C-001"
    expected = seqs_about(app, {world.candidate_id})
    assert expected
    web = signed_in(app, world, clock)
    for typed in ("C-001", "c-1", " C1 ", "1"):
        page = web.get("/audit", query_string={"candidate": typed}).get_data(as_text=True)
        assert [seq for seq, _ in rows(page)] == expected, typed
        assert total(page) == (len(expected), "match this filter")
        assert 'id="candidate-match"' in page
        assert "Events about C-001 (Patrol 2026)" in page
    assert 'value="C-001"' in web.get("/audit", query_string={"candidate": "C-001"}).get_data(as_text=True)
    # The old link by database id still works and gives the same rows.
    by_id = web.get("/audit", query_string={"candidate_id": world.candidate_id}).get_data(as_text=True)
    assert [seq for seq, _ in rows(by_id)] == expected
    # A code nobody has: no rows, and the page says why.
    nobody = web.get("/audit", query_string={"candidate": "C-404"}).get_data(as_text=True)
    assert rows(nobody) == []
    assert "No candidate has the code C-404." in nobody

    # The same code in another cycle: both match, and the page offers each on its own.
    other = add_candidate(app, world.outsider, world.other_cycle_id, "Eli Else")
    assert codes[second] == "C-002"
    with db(app) as session:
        assert session.scalar(select(Candidate.code).where(Candidate.id == other)) == "C-001"
    both = seqs_about(app, {world.candidate_id, other})
    page = web.get("/audit", query_string={"candidate": "C-001"}).get_data(as_text=True)
    assert [seq for seq, _ in rows(page)] == both
    assert "C-001 is a code in 2 cycles" in page
    assert "C-001 in Dispatch 2026" in page
    narrowed = web.get("/audit", query_string={"candidate": "C-001", "candidate_id": other}).get_data(as_text=True)
    assert [seq for seq, _ in rows(narrowed)] == seqs_about(app, {other})

    api = app.test_client()
    headers = bearer(app, world.auditor)
    by_code = api.get(f"{API}/audit/events", query_string={"candidate_code": "C-002"}, headers=headers).get_json()
    assert [e["seq"] for e in by_code["events"]] == seqs_about(app, {second})
    assert by_code["total"] == len(seqs_about(app, {second}))
    assert all(e["actor_name"] for e in by_code["events"] if e["actor_id"] is not None)
    too_long = api.get(f"{API}/audit/events", query_string={"candidate_code": "C" * 40}, headers=headers)
    assert too_long.status_code == 422


@contextmanager
def counted(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = runtime_of(app).db.engine

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_page_runs_as_many_statements_for_sixty_rows_as_for_three(app: Flask, clock: Clock) -> None:
    world = build_world(app)
    with db(app) as session:
        people = [session.get(User, p.id) for p in (world.admin, world.inv, world.board, world.outsider)]
        for n in range(60):
            writer.record(session, people[n % 4], Event.HOLIDAY_REMOVED)
        for n in range(3):
            writer.record(session, people[n % 4], Event.HOLIDAY_ADDED)
    web = signed_in(app, world, clock)
    web.get("/audit")  # warm up: the first request loads what every request reuses
    with counted(app) as few:
        page = web.get("/audit", query_string={"event": "holiday.added"}).get_data(as_text=True)
    assert len(rows(page)) == 3
    with counted(app) as many:
        page = web.get("/audit", query_string={"event": "holiday.removed"}).get_data(as_text=True)
    assert len(rows(page)) == 60
    assert len({r[1][1] for r in rows(page)}) == 4  # four different people, each named
    assert len(many) == len(few), (len(few), len(many))


def test_after_verify_the_figures_agree(app: Flask, clock: Clock) -> None:
    world = build_world(app)
    web = signed_in(app, world, clock)
    form = web.get("/audit").get_data(as_text=True)
    page = web.post("/audit/verify", data={"csrf_token": csrf_from(form)}).get_data(as_text=True)
    verified = re.search(r"Audit chain OK: (\d+) entries", page)
    assert verified
    checked = int(verified.group(1))
    newest = rows(page)[0][0]
    count, _ = total(page)
    assert count == newest  # the list's newest entry is the chain's length...
    assert newest == checked + 1  # ...one more than the check counted: the check itself
    assert (
        f"This check is recorded as entry {newest}, after the {checked} entries it checked, "
        "so the log below shows one entry more." in html.unescape(page)
    )
    body = app.test_client().get(f"{API}/audit/verify", headers=bearer(app, world.auditor)).get_json()
    assert body["recorded_as_seq"] == body["entries"] + 1
