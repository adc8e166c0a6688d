"""Issue 16's acceptance for every purpose of ``POST /api/v1/candidates/{id}/links`` (consent, notice,
response, self_identification), from outside through the Flask client: reusing, guessing (a fuzzed
token) or using an expired link gets one plain refusal page, the failed attempt is audited with its
reason (never the token), and refusals are rate-limited per address across every kind of link.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from tests.support import Clock, csrf_from, runtime_of
from tests.web.board_world import BoardWorld, build_board_world
from tests.web.world import API, add_candidate, bearer, error_of
from vetting.models import AuditEvent, Candidate, CandidateLink, OutboxMessage

EMAIL = "casey@example.org"
LINK_RE = re.compile(r"https?://\S+?(/c/[A-Za-z0-9_-]+|/self-identification/[A-Za-z0-9_-]+)")
CITED = "Relied on the threat recorded in the released finding; conduct unbecoming an officer."
PURPOSES = ("consent", "notice", "response", "self_identification")


@dataclass(frozen=True)
class Link:
    """A live link as the candidate holds it: its page, and how its one act spends it."""

    path: str
    spend: Callable[[FlaskClient], TestResponse]


@pytest.fixture
def bw(app: Flask) -> BoardWorld:
    return build_board_world(app)


def _mailed_path(app: Flask, outbox_id: int) -> str:
    with runtime_of(app).db.transaction() as session:
        message = session.get(OutboxMessage, outbox_id)
        assert message is not None
        found = LINK_RE.search(message.body)
        assert found, message.body
        return found.group(1)


def _issue(client: FlaskClient, app: Flask, bw: BoardWorld, purpose: str, candidate_id: int | None = None) -> str:
    """Issue and mail the candidate's link (an administrator for the EEO form, else an investigator)."""
    who = bw.world.admin if purpose == "self_identification" else bw.world.inv
    issued = client.post(
        f"{API}/candidates/{candidate_id or bw.world.candidate_id}/links",
        json={"purpose": purpose, "email": EMAIL},
        headers=bearer(app, who),
    )
    assert issued.status_code == 201, issued.get_data(as_text=True)
    assert issued.get_json()["url"] is None  # mailed: staff never see it
    return _mailed_path(app, issued.get_json()["outbox_id"])


def _propose(client: FlaskClient, app: Flask, bw: BoardWorld) -> None:
    chair = bearer(app, bw.chair)
    body = {"outcome": "do_not_advance", "rationale": CITED, "finding_ids": bw.findings[:1]}
    base = f"{API}/board/candidates/{bw.world.candidate_id}"
    assert client.post(f"{base}/recommendations", json=body, headers=chair).status_code == 201
    assert client.post(f"{base}/decisions", json=body, headers=chair).status_code == 201


def _fresh(app: Flask, bw: BoardWorld) -> int:
    """A new candidate of the cycle, with no consent yet (the board world's has signed)."""
    return add_candidate(app, bw.world.inv, bw.world.cycle_id, "Casey Fresh")


def _post_from_page(path: str, action: str, data: dict[str, Any]) -> Callable[[FlaskClient], TestResponse]:
    def spend(client: FlaskClient) -> TestResponse:
        html = client.get(path).get_data(as_text=True)
        return client.post(action, data={"csrf_token": csrf_from(html), **data})

    return spend


def _link(client: FlaskClient, app: Flask, bw: BoardWorld, purpose: str) -> Link:
    if purpose == "consent":
        path = _issue(client, app, bw, purpose, _fresh(app, bw))

        def sign(c: FlaskClient) -> TestResponse:
            html = c.get(path).get_data(as_text=True)
            found = re.search(r'name="form_sha256" type="hidden" value="([0-9a-f]{64})"', html)
            assert found, html
            data = {"csrf_token": csrf_from(html), "form_sha256": found.group(1), "name": "Casey Fresh", "agree": "y"}
            return c.post(f"{path}/sign", data=data)

        return Link(path, sign)
    if purpose in ("notice", "response"):
        _propose(client, app, bw)
        path = _issue(client, app, bw, purpose)
        return Link(path, _post_from_page(path, f"{path}/answer", {"kind": "response", "text": "I can explain."}))
    path = _issue(client, app, bw, purpose)
    return Link(path, _post_from_page(path, path, {"sex": "female", "race_ethnicity": "asian"}))


def _refusals(app: Flask) -> list[dict[str, Any]]:
    with runtime_of(app).db.transaction() as session:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.event == "candidate_link.refused").order_by(AuditEvent.seq)
        )
        return [json.loads(r.data) for r in rows]


def _fuzzed(path: str) -> str:
    head, token = path.rsplit("/", 1)
    return f"{head}/{token[:-4]}{'AAAA' if not token.endswith('AAAA') else 'BBBB'}"


@pytest.mark.parametrize("purpose", PURPOSES)
def test_reused_guessed_and_expired_links_get_one_plain_refusal_each_audited(
    app: Flask, client: FlaskClient, clock: Clock, bw: BoardWorld, purpose: str
) -> None:
    link = _link(client, app, bw, purpose)
    candidate = app.test_client()  # the candidate's own browser
    assert candidate.get(link.path).status_code == 200
    done = link.spend(candidate)
    assert done.status_code == 200, done.get_data(as_text=True)
    if purpose == "notice":
        # A notice link opens again until it expires (the candidate keeps the notice); a new one replaces it.
        assert candidate.get(link.path).status_code == 200
        _issue(client, app, bw, purpose)
    reused = candidate.get(link.path)
    fuzzed = candidate.get(_fuzzed(link.path))
    # A second live link (of a new candidate where the first one's act is done), left to expire.
    fresh = purpose in ("consent", "self_identification")
    late = _issue(client, app, bw, purpose, _fresh(app, bw) if fresh else None)
    clock.advance(days=15)  # links live 14 days
    expired = candidate.get(late)
    assert reused.status_code == fuzzed.status_code == expired.status_code == 404
    # One page whatever the reason or the kind of link: nobody learns which tokens ever existed.
    assert reused.get_data() == fuzzed.get_data() == expired.get_data()
    assert reused.get_data() == candidate.get("/c/never-issued").get_data()
    assert "This link cannot be used" in reused.get_data(as_text=True)
    refused = _refusals(app)
    assert [r["reason"] for r in refused] == [
        "replaced" if purpose == "notice" else ("unknown" if purpose == "self_identification" else "spent"),
        "unknown",
        "expired",
        "unknown",
    ]
    if purpose != "self_identification":  # the EEO form's spent token is gone, so it is unknown
        assert refused[0]["purpose"] == purpose
    assert refused[2]["purpose"] == purpose
    tokens = [link.path.rsplit("/", 1)[1], late.rsplit("/", 1)[1]]
    assert all(token not in json.dumps(r) for r in refused for token in tokens)


def test_the_self_identification_answer_over_the_api_is_refused_alike_and_audited(
    app: Flask, client: FlaskClient, bw: BoardWorld
) -> None:
    path = _issue(client, app, bw, "self_identification")
    token = path.rsplit("/", 1)[1]
    body = {"token": token, "sex": "female", "race_ethnicity": "asian"}
    anonymous = app.test_client()
    assert anonymous.post(f"{API}/self-identification", json=body).status_code == 201
    for attempt in (body, body | {"token": _fuzzed(path).rsplit("/", 1)[1]}):
        refused = anonymous.post(f"{API}/self-identification", json=attempt)
        assert refused.status_code == 404
        assert error_of(refused)["code"] == "link_refused"
    assert [r["reason"] for r in _refusals(app)] == ["unknown", "unknown"]
    with runtime_of(app).db.transaction() as session:
        opened = session.scalars(select(AuditEvent).where(AuditEvent.event == "candidate_link.opened")).all()
    assert [json.loads(e.data)["purpose"] for e in opened] == ["self_identification"]


def test_refusals_of_any_kind_of_link_are_rate_limited_per_address(
    app: Flask, client: FlaskClient, bw: BoardWorld
) -> None:
    eeo = _issue(client, app, bw, "self_identification")
    consent = _issue(client, app, bw, "consent", _fresh(app, bw))
    limit = runtime_of(app).settings.address_failure_limit
    prober = app.test_client()
    for n in range(limit):
        # Guesses at both kinds of link count together.
        guess = f"/self-identification/guess-{n:04d}-{'x' * 40}" if n % 2 else f"/c/guess-{n:04d}-{'x' * 40}"
        assert prober.get(guess).status_code == 404
    for path in (eeo, consent):
        blocked = prober.get(path)
        assert blocked.status_code == 429, path
        assert "Too many links" in blocked.get_data(as_text=True)
    api = prober.post(f"{API}/self-identification", json={"token": eeo.rsplit("/", 1)[1], "sex": "male",
                                                         "race_ethnicity": "white"})  # fmt: skip
    assert api.status_code == 429
    assert error_of(api)["code"] == "rate_limited"
    # Another address is not blocked, and the links still work there.
    elsewhere = app.test_client()
    for path in (eeo, consent):
        assert elsewhere.get(path, environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200


def test_a_notice_link_never_shows_another_candidates_notice(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    other = _fresh(app, bw)
    _propose(client, app, bw)
    path = _issue(client, app, bw, "notice")
    with runtime_of(app).db.transaction() as session:
        links = session.scalars(select(CandidateLink).where(CandidateLink.purpose == "notice")).all()
        assert {link.candidate_id for link in links} == {bw.world.candidate_id}
        other_code = session.scalars(select(Candidate.code).where(Candidate.id == other)).one()
    page = app.test_client().get(path).get_data(as_text=True)
    assert "C-001" in page
    assert other_code not in page
