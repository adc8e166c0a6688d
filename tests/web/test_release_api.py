"""Two-person release through the API (R3, POL-01, POL-02, R7): issue 4 acceptance.

The author cannot release; open mentions block with 409 unresolved_mentions; a refuted
finding is refused; a second investigator of the cycle releases, and the board summary
then shows the redacted text and none of the raw protected words.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, update

from tests.support import Person, runtime_of
from tests.web.world import (
    API,
    World,
    add_investigator,
    bearer,
    build_world,
    close_search,
    error_of,
    finding_api,
    finding_body,
    record_consent,
)
from vetting.models import Finding, FindingMention

RAW_SUMMARY = "Posted photos from her baby shower at St. Mary's parish, then threatened a neighbour."


@pytest.fixture
def world(app: Flask) -> World:
    w = build_world(app)
    record_consent(app, w.inv, w.candidate_id)
    return w


@pytest.fixture
def second(app: Flask, world: World) -> Person:
    """Another investigator of the same cycle: the reviewer."""
    return add_investigator(app, world)


def _finding(client: FlaskClient, world: World, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    fields = {"summary": RAW_SUMMARY, **overrides}
    response = finding_api(client, headers, world.candidate_id, world.items[0], **fields)
    assert response.status_code == 201, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return body


def _validate(client: FlaskClient, headers: dict[str, str], finding_id: int, result: str = "corroborates") -> None:
    response = client.post(
        f"{API}/findings/{finding_id}/validations",
        json={"method": "second_source", "result": result, "notes": "Archived copy matches."},
        headers=headers,
    )
    assert response.status_code == 201, response.get_data(as_text=True)


def _resolve_all(client: FlaskClient, headers: dict[str, str], finding: dict[str, Any]) -> dict[str, Any]:
    body = finding
    for mention in finding["mentions"]:
        response = client.post(
            f"{API}/findings/{finding['id']}/mentions/{mention['id']}", json={"resolution": "redact"}, headers=headers
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
    return body


def test_saving_a_finding_screens_its_text_and_returns_the_mentions(
    app: Flask, client: FlaskClient, world: World
) -> None:
    finding = _finding(client, world, bearer(app, world.inv))
    axes = {(m["field"], m["axis"], m["text"]) for m in finding["mentions"]}
    assert ("summary", "pregnancy", "baby shower") in axes
    assert any(field == "summary" and axis == "religion" for field, axis, _ in axes)
    assert finding["open_mentions"] == len(finding["mentions"])
    assert all(m["resolution"] is None for m in finding["mentions"])


def test_release_acceptance(app: Flask, client: FlaskClient, world: World, second: Person) -> None:
    author, reviewer, board = bearer(app, world.inv), bearer(app, second), bearer(app, world.board)
    finding = _finding(client, world, author)
    fid = finding["id"]
    _validate(client, author, fid)

    by_author = client.post(f"{API}/findings/{fid}/release", json={}, headers=author)
    assert by_author.status_code == 409
    assert error_of(by_author)["code"] == "author_cannot_release"

    unresolved = client.post(f"{API}/findings/{fid}/release", json={}, headers=reviewer)
    assert unresolved.status_code == 409
    assert error_of(unresolved)["code"] == "unresolved_mentions"

    resolved = _resolve_all(client, author, finding)
    assert resolved["open_mentions"] == 0
    assert "baby shower" not in resolved["redacted"]["summary"]

    by_board = client.post(f"{API}/findings/{fid}/release", json={}, headers=board)
    assert by_board.status_code == 403

    released = client.post(f"{API}/findings/{fid}/release", json={"revision": 1}, headers=reviewer)
    assert released.status_code == 200, released.get_data(as_text=True)
    assert released.get_json()["revision"] == 1

    again = client.post(f"{API}/findings/{fid}/release", json={}, headers=reviewer)
    assert error_of(again)["code"] == "already_released"

    close_search(app, world.inv, world.candidate_id)  # R1: the board reads nothing before
    summary = client.get(f"{API}/board/candidates/{world.candidate_id}/summary", headers=board)
    assert summary.status_code == 200, summary.get_data(as_text=True)
    text = summary.get_data(as_text=True)
    shown = summary.get_json()["groups"][0]["findings"][0]
    assert "[redacted]" in shown["summary"]
    assert "threatened a neighbour" in shown["summary"]
    for raw in ("baby shower", "Mary", "parish", "pregnancy", "religion", "social.example"):
        assert raw not in text


def test_release_of_a_refuted_finding_is_refused(app: Flask, client: FlaskClient, world: World, second: Person) -> None:
    author, reviewer = bearer(app, world.inv), bearer(app, second)
    finding = _finding(client, world, author)
    _resolve_all(client, author, finding)
    _validate(client, author, finding["id"], "contradicts")
    refused = client.post(f"{API}/findings/{finding['id']}/release", json={}, headers=reviewer)
    assert refused.status_code == 409
    assert error_of(refused)["code"] == "finding_refuted"


def test_the_review_queue_lists_colleagues_findings_until_released(
    app: Flask, client: FlaskClient, world: World, second: Person
) -> None:
    """POL-02: the second investigator finds what waits for them; the author never sees their own."""
    author, reviewer = bearer(app, world.inv), bearer(app, second)
    finding = _finding(client, world, author)
    _validate(client, author, finding["id"])
    _resolve_all(client, author, finding)

    def queued(headers: dict[str, str]) -> list[int]:
        response = client.get(f"{API}/reviews", headers=headers)
        assert response.status_code == 200
        return [row["finding_id"] for row in response.get_json()["findings"]]

    assert queued(author) == []
    assert queued(reviewer) == [finding["id"]]
    assert client.post(f"{API}/findings/{finding['id']}/release", json={}, headers=reviewer).status_code == 200
    assert queued(reviewer) == []
    assert client.get(f"{API}/reviews", headers=bearer(app, world.board)).status_code == 403


def test_a_blind_cycle_redacts_the_candidates_own_name_and_keeps_it_redacted(app: Flask, client: FlaskClient) -> None:
    """PRODUCT.md §2, R3: in blind review the name written into a finding is redacted from the start,
    in any case and inside addresses; a surname that is a common word is over-redacted, the safe side."""
    w = build_world(app, blind=True)
    record_consent(app, w.inv, w.candidate_id)
    headers = bearer(app, w.inv)
    response = finding_api(
        client,
        headers,
        w.candidate_id,
        w.items[0],
        summary="Casey Candidate (@casey_c) threatened a neighbour; lol casey, see fb.example/casey.candidate",
    )
    finding = response.get_json()
    identity = [m for m in finding["mentions"] if m["axis"] == "identity"]
    # The address's name is one mention, written together (issue 13): nothing of it is left to read.
    assert [m["text"] for m in identity] == ["Casey Candidate", "@casey_c", "casey", "casey.candidate"]
    assert all(m["resolution"] == "redact" for m in identity)
    assert finding["redacted"]["summary"] == (
        "[redacted] ([redacted]) threatened a neighbour; lol [redacted], see fb.example/[redacted]"
    )
    refused = client.post(
        f"{API}/findings/{finding['id']}/mentions/{identity[0]['id']}",
        json={"resolution": "not_protected", "reason": "It is only a name"},
        headers=headers,
    )
    assert refused.status_code == 422
    assert error_of(refused)["field"] == "resolution"


def test_a_review_goes_stale_when_a_decision_changes_after_it_was_read(
    app: Flask, client: FlaskClient, world: World, second: Person
) -> None:
    """R3, two persons: the reviewer approves what they read. If the author then keeps a word the
    reviewer saw redacted, the release is refused as review_stale, never published unseen."""
    author, reviewer = bearer(app, world.inv), bearer(app, second)
    finding = _finding(client, world, author)
    _validate(client, author, finding["id"])
    resolved = _resolve_all(client, author, finding)
    review = client.get(f"{API}/findings/{finding['id']}/review", headers=reviewer).get_json()
    assert review["blockers"] == []
    mention = next(m for m in resolved["mentions"] if m["axis"] == "religion")
    kept = client.post(
        f"{API}/findings/{finding['id']}/mentions/{mention['id']}",
        json={"resolution": "not_protected", "reason": "The parish hall is only the venue"},
        headers=author,
    )
    assert kept.status_code == 200
    stale = client.post(
        f"{API}/findings/{finding['id']}/release", json={"reviewed_sha256": review["reviewed_sha256"]}, headers=reviewer
    )
    assert stale.status_code == 409
    assert error_of(stale)["code"] == "review_stale"
    fresh = client.get(f"{API}/findings/{finding['id']}/review", headers=reviewer).get_json()
    again = client.post(
        f"{API}/findings/{finding['id']}/release", json={"reviewed_sha256": fresh["reviewed_sha256"]}, headers=reviewer
    )
    assert again.status_code == 200


def test_words_redacted_by_hand_survive_an_edit_whatever_their_case_folding(
    app: Flask, client: FlaskClient, world: World
) -> None:
    """R3: a manual redaction of "Weißdornstraße" (casefolds to a longer string) is kept after an edit."""
    author = bearer(app, world.inv)
    finding = _finding(client, world, author, summary="Threatened a neighbour on Weißdornstraße.")
    added = client.post(
        f"{API}/findings/{finding['id']}/redactions",
        json={"field": "summary", "text": "Weißdornstraße"},
        headers=author,
    )
    assert added.status_code == 201
    body = finding_body(world.items[0], summary="Threatened a neighbour twice on Weißdornstraße.")
    edited = client.put(f"{API}/findings/{finding['id']}", json=body, headers=author).get_json()
    assert "Weißdornstraße" not in edited["redacted"]["summary"]
    assert edited["redacted"]["summary"] == "Threatened a neighbour twice on [redacted]."


def test_a_finding_recorded_before_screening_existed_is_screened_when_opened(
    app: Flask, client: FlaskClient, world: World, second: Person
) -> None:
    """R3: no finding reaches the board unscreened, including one saved before the detector ran on saves."""
    author = bearer(app, world.inv)
    finding = _finding(client, world, author)
    with runtime_of(app).db.transaction() as session:
        session.execute(delete(FindingMention).where(FindingMention.finding_id == finding["id"]))
        session.execute(update(Finding).where(Finding.id == finding["id"]).values(screened_at=None))
    opened = client.get(f"{API}/findings/{finding['id']}", headers=author).get_json()
    assert opened["open_mentions"] >= 2
    _validate(client, author, finding["id"])
    refused = client.post(f"{API}/findings/{finding['id']}/release", json={}, headers=bearer(app, second))
    assert error_of(refused)["code"] == "unresolved_mentions"
