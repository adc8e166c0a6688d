"""Lists that do not grow with the cycle (issue 17 point 1): every list comes a page at a time
with a keyset cursor, the walk meets every item once, a bad cursor or limit is a 422 naming it,
and a request makes as many SQL statements at 200 candidates as at 10."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.support import Clock, login, runtime_of, statements
from tests.web.board_world import BoardWorld, build_board_world
from tests.web.world import API, bearer, png, user_in
from vetting.clock import today
from vetting.models import Authorship, BehaviourCategory, Candidate, IdentityBasis, ResolutionStatus, SignatureMethod
from vetting.services import candidates, findings, investigation

FINDING = findings.FindingInput(
    item_id=0,
    source_url="https://social.example/filled/1",
    platform="Social",
    content_date=None,
    captured_at=None,
    summary="Shouted at a referee.",
    excerpt="Get off the pitch.",
    category=BehaviourCategory.VIOLENCE,
    authorship=Authorship.AUTHORED,
    identity_basis=[IdentityBasis.NAME, IdentityBasis.PHOTO, IdentityBasis.LOCATION],
)


def fill(app: Flask, bw: BoardWorld, up_to: int) -> None:
    """Bring the cycle to ``up_to`` candidates through the services in one transaction: a CSV
    import, then of every four new ones, one consented, searched on every item and closed (R1),
    one consented with a finding waiting for a colleague's review, two awaiting consent."""
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        have = session.scalar(select(func.count()).where(Candidate.cycle_id == bw.world.cycle_id)) or 0
        inv = user_in(session, bw.world.inv)
        rows = "".join(f"Filled Candidate {n:04d}\n" for n in range(have, up_to))
        added = candidates.import_csv(session, inv, rt.security, bw.world.cycle_id, "name\n" + rows)
        for n, candidate in enumerate(added):
            if n % 4 > 1:
                continue
            investigation.record_consent(
                session,
                inv,
                rt.security,
                rt.store,
                candidate.id,
                signed_on=today() - timedelta(days=1),
                method=SignatureMethod.WET_INK,
                document=png(),
            )
            if n % 4 == 1:
                findings.add_finding(
                    session, inv, rt.security, candidate.id, replace(FINDING, item_id=bw.world.items[0])
                )
                continue
            for item in bw.world.items:
                investigation.resolve_item(
                    session,
                    inv,
                    rt.security,
                    candidate.id,
                    item,
                    investigation.ResolutionInput(
                        status=ResolutionStatus.NO_RESULTS,
                        technique_code="A1",
                        attestation=True,
                        searches=[investigation.SearchInput(f'"Candidate {candidate.code}"', "Search engine", 0)],
                    ),
                )
            investigation.complete_search(session, inv, candidate.id)


def measured(app: Flask, get: Callable[[], Any]) -> int:
    get()  # warm: the same session state for both measures
    with statements(app) as seen:
        assert get().status_code == 200
    return len(seen)


def walk(
    client: FlaskClient, url: str, headers: dict[str, str], key: str, id_key: str = "id", **args: str
) -> tuple[list[int], int]:
    """Every page of an API list, following next_cursor: the ids met in order, and the total."""
    ids: list[int] = []
    cursor: str | None = None
    total = -1
    while True:
        query = {**args, "limit": "7", **({"cursor": cursor} if cursor else {})}
        body = client.get(url, headers=headers, query_string=query).get_json()
        assert len(body[key]) <= 7
        ids += [row[id_key] for row in body[key]]
        total = body["total"]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids, total


@pytest.fixture
def filled(app: Flask) -> BoardWorld:
    bw = build_board_world(app)
    fill(app, bw, 40)
    return bw


@pytest.mark.parametrize("sort", ["candidate", "waiting", "stage", "checklist", "released", "decision"])
def test_the_board_list_walks_every_candidate_once_in_every_order(
    app: Flask, client: FlaskClient, filled: BoardWorld, sort: str
) -> None:
    headers = bearer(app, filled.chair)
    ids, total = walk(
        client, f"{API}/board/cycles/{filled.world.cycle_id}/candidates", headers, "candidates", sort=sort
    )
    assert total == 40
    assert sorted(ids) == sorted(set(ids))
    assert len(ids) == 40
    whole = client.get(
        f"{API}/board/cycles/{filled.world.cycle_id}/candidates",
        headers=headers,
        query_string={"sort": sort, "limit": "200"},
    ).get_json()
    assert [c["id"] for c in whole["candidates"]] == ids  # pages join into the one order
    assert whole["next_cursor"] is None


def test_the_board_filters_in_the_database_and_counts_what_it_filters(
    app: Flask, client: FlaskClient, filled: BoardWorld
) -> None:
    headers = bearer(app, filled.chair)
    url = f"{API}/board/cycles/{filled.world.cycle_id}/candidates"
    waiting = client.get(url, headers=headers, query_string={"waiting": "1", "limit": "3"}).get_json()
    # The world's candidate and one in four of the 39 filled have a closed search: 1 + 10.
    assert waiting["total"] == waiting["waiting_on_me"] == 11
    assert all(c["awaiting_my_recommendation"] for c in waiting["candidates"])
    consent = client.get(url, headers=headers, query_string={"stage": "awaiting consent"}).get_json()
    assert consent["total"] == 19
    assert {c["stage"] for c in consent["candidates"]} == {"awaiting consent"}
    first = client.get(url, headers=headers, query_string={"sort": "released", "limit": "1"}).get_json()
    assert first["candidates"][0]["id"] == filled.world.candidate_id  # the one with released findings
    assert sum(first["candidates"][0]["released_findings"].values()) == len(filled.findings)


def test_the_cycle_candidates_walk_every_candidate_once(app: Flask, client: FlaskClient, filled: BoardWorld) -> None:
    ids, total = walk(
        client, f"{API}/cycles/{filled.world.cycle_id}/candidates", bearer(app, filled.world.inv), "candidates"
    )
    assert total == 40
    assert ids == sorted(ids)
    assert len(set(ids)) == 40


def test_the_review_queue_walks_every_finding_once(app: Flask, client: FlaskClient, filled: BoardWorld) -> None:
    ids, total = walk(client, f"{API}/reviews", bearer(app, filled.second), "findings", id_key="finding_id")
    assert total == 10  # one in four of the 39 filled candidates has a finding waiting
    assert ids == sorted(set(ids))
    assert len(ids) == total
    mine = client.get(f"{API}/reviews", headers=bearer(app, filled.world.inv)).get_json()
    assert mine["findings"] == []  # the author never reviews their own (R3)
    assert mine["total"] == 0


def test_the_uniformity_rows_come_a_page_at_a_time_over_the_whole_cycles_medians(
    app: Flask, client: FlaskClient, filled: BoardWorld
) -> None:
    """R6: the medians and the deviation counts cover every candidate whichever page of rows is shown."""
    headers = bearer(app, filled.world.auditor)
    url = f"{API}/audit/cycles/{filled.world.cycle_id}/uniformity"
    ids, total = walk(client, url, headers, "candidates")
    assert total == 40
    assert ids == sorted(set(ids))
    assert len(ids) == total
    whole = client.get(url, headers=headers, query_string={"limit": "200"}).get_json()
    first = client.get(url, headers=headers, query_string={"limit": "3"}).get_json()
    assert first["median_searches"] == whole["median_searches"] is not None
    assert first["deviation_counts"] == whole["deviation_counts"]
    assert [c["id"] for c in whole["candidates"]] == ids


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "eyJ4IjoxfQ",
        "W10",
        "e30",
        "x" * 600,
        "eyJsIjoibXktY2FuZGlkYXRlcyIsImIiOmZhbHNlLCJrIjpbMV0sImF0IjowfQ",
    ],
)
def test_a_bad_cursor_is_refused_naming_it(app: Flask, client: FlaskClient, filled: BoardWorld, cursor: str) -> None:
    headers = bearer(app, filled.chair)
    url = f"{API}/board/cycles/{filled.world.cycle_id}/candidates"
    response = client.get(url, headers=headers, query_string={"cursor": cursor})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "cursor"


def test_a_cursor_of_another_order_or_list_is_refused(app: Flask, client: FlaskClient, filled: BoardWorld) -> None:
    headers = bearer(app, filled.chair)
    url = f"{API}/board/cycles/{filled.world.cycle_id}/candidates"
    cursor = client.get(url, headers=headers, query_string={"limit": "2"}).get_json()["next_cursor"]
    other = client.get(url, headers=headers, query_string={"cursor": cursor, "sort": "stage"})
    assert other.status_code == 422
    assert other.get_json()["error"]["field"] == "cursor"
    listed = f"{API}/cycles/{filled.world.cycle_id}/candidates"
    elsewhere = client.get(listed, headers=bearer(app, filled.world.inv), query_string={"cursor": cursor})
    assert elsewhere.status_code == 422
    assert elsewhere.get_json()["error"]["field"] == "cursor"


@pytest.mark.parametrize("limit", ["0", "201", "-1", "abc", "1.5", "٣"])
def test_a_bad_limit_is_refused_naming_it(app: Flask, client: FlaskClient, filled: BoardWorld, limit: str) -> None:
    response = client.get(
        f"{API}/board/cycles/{filled.world.cycle_id}/candidates",
        headers=bearer(app, filled.chair),
        query_string={"limit": limit},
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "limit"


def _links(html: str) -> dict[str, str]:
    nav = html[html.index('<nav aria-label="Pagination') :]
    nav = nav[: nav.index("</nav>")]
    return {rel: unescape(href) for rel, href in re.findall(r'<a rel="(\w+)" href="([^"]+)"', nav)}


def _codes(html: str) -> list[str]:
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return re.findall(r'<span class="candidate-code">\(?(C-\d+)\)?</span>', body)


def test_the_board_page_shows_where_it_is_and_keeps_its_filters(
    app: Flask, client: FlaskClient, clock: Clock, filled: BoardWorld
) -> None:
    login(client, filled.chair, clock)
    html = client.get(f"/board/cycles/{filled.world.cycle_id}?sort=stage&limit=15").get_data(as_text=True)
    assert "Showing 1–15 of 40 candidates" in html
    links = _links(html)
    assert set(links) == {"next"}
    assert "sort=stage" in links["next"]
    assert "limit=15" in links["next"]
    first = _codes(html)
    second = client.get(links["next"]).get_data(as_text=True)
    assert "Showing 16–30 of 40 candidates" in second
    assert not set(first) & set(_codes(second))
    # url_for's own options in the query string are not carried into the links (no 500).
    odd = client.get(f"/board/cycles/{filled.world.cycle_id}?limit=15&_scheme=gopher&_external=")
    assert odd.status_code == 200
    assert "gopher" not in _links(odd.get_data(as_text=True))["next"]
    back = client.get(_links(second)["prev"]).get_data(as_text=True)
    assert "Showing 1–15 of 40 candidates" in back
    assert _codes(back) == first


def test_statements_do_not_grow_with_the_cycle(app: Flask, client: FlaskClient, clock: Clock) -> None:
    """At 10 and at 200 candidates: the board's list (API and page), the cycle's candidates (API
    and page), the investigators' start pages, their review and question queues and the uniformity
    matrix (API and page) each make the same number of statements."""
    bw = build_board_world(app)
    cycle = bw.world.cycle_id
    board, inv, second = bearer(app, bw.chair), bearer(app, bw.world.inv), bearer(app, bw.second)
    board_client, second_client, auditor_client = app.test_client(), app.test_client(), app.test_client()
    login(board_client, bw.chair, clock)
    login(second_client, bw.second, clock)
    login(auditor_client, bw.world.auditor, clock)
    auditor = bearer(app, bw.world.auditor)
    login(client, bw.world.inv, clock)
    requests: dict[str, Callable[[], Any]] = {
        "board API": lambda: client.get(f"{API}/board/cycles/{cycle}/candidates", headers=board),
        "board API by decision": lambda: client.get(
            f"{API}/board/cycles/{cycle}/candidates?sort=decision", headers=board
        ),
        "board page": lambda: board_client.get(f"/board/cycles/{cycle}"),
        "board page waiting": lambda: board_client.get(f"/board/cycles/{cycle}?waiting=1&sort=released"),
        "cycle API": lambda: client.get(f"{API}/cycles/{cycle}/candidates", headers=inv),
        "cycle page": lambda: client.get(f"/cycles/{cycle}/candidates"),
        "start page": lambda: client.get("/investigations"),
        "reviewer's start page": lambda: second_client.get("/investigations"),
        "reviews API": lambda: client.get(f"{API}/reviews", headers=second),
        "questions API": lambda: client.get(f"{API}/questions", headers=second),
        "uniformity API": lambda: client.get(f"{API}/audit/cycles/{cycle}/uniformity", headers=auditor),
        "uniformity page": lambda: auditor_client.get(f"/audit/cycles/{cycle}/uniformity"),
    }
    counts: dict[str, list[int]] = {name: [] for name in requests}
    for size in (10, 200):
        fill(app, bw, size)
        for name, get in requests.items():
            counts[name].append(measured(app, get))
    assert {name: n for name, n in counts.items() if n[0] != n[1]} == {}


@pytest.mark.parametrize("name", ["stauts", "Limit", "waiting\u200b", "\u00ef"])
def test_a_query_parameter_a_list_does_not_take_is_refused_naming_it(
    app: Flask, client: FlaskClient, filled: BoardWorld, name: str
) -> None:
    """A misspelt filter would otherwise be ignored and answer with the whole list."""
    headers = bearer(app, filled.chair)
    for url in (f"{API}/board/cycles/{filled.world.cycle_id}/candidates", f"{API}/cycles", f"{API}/jobs"):
        response = client.get(url, headers=headers, query_string={name: "1", "limit": "2"})
        assert response.status_code == 422, url
        assert response.get_json()["error"]["field"] == name
        assert client.get(url, headers=headers, query_string={"limit": "2"}).status_code == 200
