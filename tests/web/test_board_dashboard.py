"""The board's dashboard (issue 18 item 7): which candidates wait on *my* recommendation, shown,
sortable and filterable on the page and in the API, computed for the whole list in SQL; cells that
do not wrap codes and counts, in a focusable scrolling region."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from tests.support import Clock, login, post_form, runtime_of, statements
from tests.web.board_world import BoardWorld, build_board_world, complete
from tests.web.world import API, add_candidate, bearer, record_consent, resolve, user_in
from vetting.models import Cycle
from vetting.services import decisions


def _ready_candidates(app: Flask, bw: BoardWorld, count: int) -> list[int]:
    """``count`` more candidates whose search is closed (no findings)."""
    made = []
    for n in range(count):
        cid = add_candidate(app, bw.world.inv, bw.world.cycle_id, f"Extra Candidate {n:02d}")
        record_consent(app, bw.world.inv, cid)
        for item in bw.world.items:
            resolve(app, bw.world.inv, cid, item, query=f'"Extra Candidate {n:02d}"')
        complete(app, bw.world.inv, cid)
        made.append(cid)
    return made


def _recommend(client: FlaskClient, candidate_id: int) -> None:
    url = f"/board/candidates/{candidate_id}"
    data = {"outcome": "advance", "no_finding": "y", "rationale": "Nothing of concern was released."}
    assert post_form(client, f"{url}/recommendations", data, page=url).status_code == 302


def _rows(html: str) -> list[str]:
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return re.findall(r"<tr[^>]*>.*?</tr>", body, flags=re.DOTALL)


def test_candidates_waiting_on_me_are_marked_first_and_filterable(
    app: Flask, client: FlaskClient, clock: Clock
) -> None:
    bw = build_board_world(app)
    extra = _ready_candidates(app, bw, 2)
    login(client, bw.chair, clock)
    _recommend(client, extra[0])
    url = f"/board/cycles/{bw.world.cycle_id}"
    html = client.get(url).get_data(as_text=True)
    assert "2 candidates need your recommendation." in html
    assert re.search(r'<div class="table-scroll" role="region" aria-label="[^"]+" tabindex="0">', html)
    rows = _rows(html)
    waiting = [r for r in rows if '<span class="needs-me-tag">Needed</span>' in r]
    assert len(waiting) == 2
    assert rows[:2] == waiting  # the default order puts them first
    assert 'class="needs-me"' in waiting[0]
    assert f"/board/candidates/{extra[0]}" in next(r for r in rows if "Not needed" in r)
    only = _rows(client.get(f"{url}?waiting=1").get_data(as_text=True))
    assert only == waiting
    # Another member has recommended on nothing: every closed candidate waits on them.
    listed = client.get(f"{API}/board/cycles/{bw.world.cycle_id}/candidates", headers=bearer(app, bw.member))
    assert [c["awaiting_my_recommendation"] for c in listed.get_json()["candidates"]] == [True, True, True]
    mine = client.get(f"{API}/board/cycles/{bw.world.cycle_id}/candidates", headers=bearer(app, bw.chair))
    flags = {c["id"]: c["awaiting_my_recommendation"] for c in mine.get_json()["candidates"]}
    assert flags == {bw.world.candidate_id: True, extra[0]: False, extra[1]: True}


def test_codes_and_counts_do_not_wrap(app: Flask, client: FlaskClient, clock: Clock) -> None:
    bw = build_board_world(app)
    login(client, bw.chair, clock)
    html = client.get(f"/board/cycles/{bw.world.cycle_id}").get_data(as_text=True)
    assert '<table class="board-table">' in html
    assert '<span class="candidate-code">(C-001)</span>' in html
    css = (Path(__file__).parents[2] / "static" / "css" / "app.css").read_text()
    assert ".board-table td { white-space: nowrap;" in css
    assert re.search(r"\.board-table \.candidate-code \{[^}]*white-space: nowrap;", css)


def test_who_waits_on_me_is_one_query_whatever_the_number_of_candidates(app: Flask, clock: Clock) -> None:
    bw = build_board_world(app)
    counts = []
    for more in (2, 9):  # 3, then 12 candidates
        _ready_candidates(app, bw, more)
        with runtime_of(app).db.transaction() as session, statements(app) as seen:
            cycle = session.get(Cycle, bw.world.cycle_id)
            assert cycle is not None
            waiting = decisions.awaiting_recommendation(session, user_in(session, bw.chair), cycle)
        counts.append(len(seen))
    assert len(waiting) == 12
    assert counts[0] == counts[1]


def test_the_dashboard_statements_do_not_grow_with_the_candidates(
    app: Flask, client: FlaskClient, clock: Clock
) -> None:
    bw = build_board_world(app)
    login(client, bw.chair, clock)
    url = f"/board/cycles/{bw.world.cycle_id}"
    counts = []
    for more in (2, 9):  # 3, then 12 candidates
        _ready_candidates(app, bw, more)
        client.get(url)  # warm: the same session state for both measures
        with statements(app) as seen:
            assert client.get(url).status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1], counts


def test_the_board_landing_page_counts_the_candidates_waiting_on_me(
    app: Flask, client: FlaskClient, clock: Clock
) -> None:
    bw = build_board_world(app)
    extra = _ready_candidates(app, bw, 1)
    login(client, bw.chair, clock)
    html = client.get("/board").get_data(as_text=True)
    link = f'href="/board/cycles/{bw.world.cycle_id}?waiting=1">2 need your recommendation</a>'
    assert link in html
    _recommend(client, extra[0])
    assert "1 needs your recommendation</a>" in client.get("/board").get_data(as_text=True)
    _recommend(client, bw.world.candidate_id)
    html = client.get("/board").get_data(as_text=True)
    assert "your recommendation</a>" not in html
    assert '<span class="muted">Nothing</span>' in html
