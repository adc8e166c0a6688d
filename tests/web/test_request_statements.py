"""Statements a searcher's request makes do not grow with the cycle's staff (issue 17 point 6).

Every permission check reads the cycle's assignments; loading each member's account with them
(and its roles and designation) made every request build the whole staff. Tried from outside,
through the API, at two and at twelve members.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.support import make_user, runtime_of, statements
from tests.web.board_world import build_board_world
from tests.web.world import (
    API,
    World,
    bearer,
    build_world,
    finding_api,
    record_consent,
    resolution_body,
    user_in,
)
from vetting.models import Duty, Role
from vetting.services import cycles


def _findings_list(app: Flask, client: FlaskClient, world: World, headers: dict[str, str]) -> list[str]:
    with statements(app) as seen:
        assert client.get(f"{API}/candidates/{world.candidate_id}/findings", headers=headers).status_code == 200
    return seen


def test_a_searchers_request_reads_no_members_account_whatever_the_staff(app: Flask, client: FlaskClient) -> None:
    world = build_world(app)
    record_consent(app, world.inv, world.candidate_id)
    headers = bearer(app, world.inv)
    _findings_list(app, client, world, headers)  # the token's first use is recorded once
    small = _findings_list(app, client, world, headers)

    rt = runtime_of(app)
    board = [make_user(app, f"board{n}@x.test", Role.BOARD_MEMBER) for n in range(10)]
    with rt.db.transaction() as session:
        admin = user_in(session, world.admin)
        for person in board:
            cycles.assign(session, admin, world.cycle_id, person.id, Duty.BOARD_MEMBER)
    large = _findings_list(app, client, world, headers)

    assert len(large) == len(small)
    # The caller's own account comes with the token; no other account is loaded.
    assert [s for s in large if "FROM users" in s or "JOIN users" in s] == [s for s in large if "api_tokens" in s]


# Statement budgets of the requests people make most (issue 17: each statement costs about half a
# millisecond of the server's CPU), as measured on PostgreSQL when each request was last made
# leaner; a change that loads a row twice, or a collection nobody reads, goes over. On SQLite the
# audit writer's statements are seen too (on PostgreSQL they go in one psycopg pipeline).
BUDGETS = {"dashboard": 13, "summary": 16, "resolve": 16, "mention": 12, "findings list": 12}
AUDIT_WRITER_ON_SQLITE = 5


def _budget(app: Flask, request: str) -> int:
    sqlite = runtime_of(app).db.engine.dialect.name == "sqlite"
    return BUDGETS[request] + (AUDIT_WRITER_ON_SQLITE if sqlite else 0)


def _count(app: Flask, client: FlaskClient, method: str, url: str, headers: dict[str, str], **body: object) -> int:
    with statements(app) as seen:
        response = client.open(url, method=method, json=body or None, headers=headers)
        assert response.status_code in (200, 201), response.get_data(as_text=True)
    return len(seen)


def test_the_board_reads_its_page_and_a_summary_within_their_budgets(app: Flask, client: FlaskClient) -> None:
    bw = build_board_world(app)
    chair = bearer(app, bw.chair)
    page = f"{API}/board/cycles/{bw.world.cycle_id}/candidates"
    summary = f"{API}/board/candidates/{bw.world.candidate_id}/summary"
    _count(app, client, "GET", page, chair)  # the token's first use is recorded once
    assert _count(app, client, "GET", page, chair) <= _budget(app, "dashboard")
    assert _count(app, client, "GET", summary, chair) <= _budget(app, "summary")


def test_a_searchers_writes_and_list_stay_within_their_budgets(app: Flask, client: FlaskClient) -> None:
    world = build_world(app)
    record_consent(app, world.inv, world.candidate_id)
    headers = bearer(app, world.inv)
    item = world.items[0]
    resolved = _count(
        app, client, "POST", f"{API}/candidates/{world.candidate_id}/checklist/{item}", headers, **resolution_body()
    )
    assert resolved <= _budget(app, "resolve")
    created = finding_api(client, headers, world.candidate_id, item, summary="He is a black man.")
    assert created.status_code == 201, created.get_data(as_text=True)
    finding = created.get_json()
    mention = next(m for m in finding["mentions"] if m["resolution"] is None)
    url = f"{API}/findings/{finding['id']}/mentions/{mention['id']}"
    assert _count(app, client, "POST", url, headers, resolution="redact") <= _budget(app, "mention")
    assert len(_findings_list(app, client, world, headers)) <= _budget(app, "findings list")
