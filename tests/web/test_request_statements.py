"""Statements a searcher's request makes do not grow with the cycle's staff (issue 17 point 6).

Every permission check reads the cycle's assignments; loading each member's account with them
(and its roles and designation) made every request build the whole staff. Tried from outside,
through the API, at two and at twelve members.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.support import make_user, runtime_of, statements
from tests.web.world import API, World, bearer, build_world, record_consent, user_in
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
