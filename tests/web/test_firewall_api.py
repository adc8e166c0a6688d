"""The protected-class firewall attacked from outside, through the JSON API (R2, R3, R7, PC-01, POL-02).

Every release condition is broken on its own and must answer its own 409 code; people who
are not a second investigator of the cycle (board members, auditors, admins, searchers of
another cycle) are refused and change nothing; mentions must be resolved by a person, and
re-screened when the text changes; a release is withdrawn by anything that changes the
board-facing text; the board reads only released, redacted text. tests/web/test_release_api.py
holds the issue-4 acceptance path; this file tries to break it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from tests.support import Person, make_user, runtime_of
from tests.web.world import (
    API,
    CANDIDATE_NAME,
    World,
    add_investigator,
    bearer,
    build_world,
    close_search,
    error_of,
    evidence_api,
    finding_api,
    finding_body,
    png,
    record_consent,
    user_in,
)
from vetting.models import Candidate, CycleStatus, Duty, Finding, FindingRelease, Role
from vetting.services import cycles

#: Two detector hits: "baby shower" (pregnancy) and "St. Mary's parish" (religion); the conduct is reportable.
RAW_SUMMARY = "Posted photos from her baby shower at St. Mary's parish, then threatened a neighbour."
LANE_B_REASON = "Reported conduct toward a group (lane B), not the candidate's own trait."

Headers = dict[str, str]
Json = dict[str, Any]


@dataclass(frozen=True)
class Team:
    """The world plus two more investigators of the cycle and everyone's API headers."""

    world: World
    second: Person
    third: Person
    author: Headers  # world.inv: writes the findings
    reviewer: Headers  # second: releases them
    other: Headers  # third: a further colleague
    board: Headers
    outsider: Headers
    auditor: Headers
    admin: Headers


def _team(app: Flask, world: World) -> Team:
    record_consent(app, world.inv, world.candidate_id)
    second = add_investigator(app, world, "inv2@x.test", "Ines Second")
    third = add_investigator(app, world, "inv3@x.test", "Theo Third")
    return Team(
        world,
        second,
        third,
        author=bearer(app, world.inv),
        reviewer=bearer(app, second),
        other=bearer(app, third),
        board=bearer(app, world.board),
        outsider=bearer(app, world.outsider),
        auditor=bearer(app, world.auditor),
        admin=bearer(app, world.admin),
    )


@pytest.fixture
def team(app: Flask) -> Team:
    return _team(app, build_world(app))


# --- API steps ----------------------------------------------------------------------------------


def _json(response: TestResponse, status: int = 200) -> Json:
    assert response.status_code == status, response.get_data(as_text=True)
    body: Json = response.get_json()
    return body


def _new(client: FlaskClient, t: Team, headers: Headers | None = None, **overrides: Any) -> Json:
    overrides.setdefault("summary", RAW_SUMMARY)
    response = finding_api(client, headers or t.author, t.world.candidate_id, t.world.items[0], **overrides)
    return _json(response, 201)


def _get(client: FlaskClient, headers: Headers, fid: int) -> Json:
    return _json(client.get(f"{API}/findings/{fid}", headers=headers))


def _put(client: FlaskClient, headers: Headers, finding: Json, **overrides: Any) -> TestResponse:
    fields = {
        "source_url": finding["source_url"],
        "platform": finding["platform"],
        "content_date": finding["content_date"],
        "summary": finding["summary"],
        "excerpt": finding["excerpt"],
        "behaviour_category": finding["behaviour_category"],
        "authorship": finding["authorship"],
        "identity_basis": finding["identity_basis"],
    }
    body = finding_body(finding["item_id"], **{**fields, **overrides})
    return client.put(f"{API}/findings/{finding['id']}", json=body, headers=headers)


def _validate(client: FlaskClient, headers: Headers, fid: int, result: str = "corroborates") -> Json:
    response = client.post(
        f"{API}/findings/{fid}/validations",
        json={"method": "second_source", "result": result, "notes": "Archived copy matches."},
        headers=headers,
    )
    return _json(response, 201)


def _resolve(
    client: FlaskClient, headers: Headers, fid: int, mention_id: int, resolution: str, reason: str | None = None
) -> TestResponse:
    body: Json = {"resolution": resolution}
    if reason is not None:
        body["reason"] = reason
    return client.post(f"{API}/findings/{fid}/mentions/{mention_id}", json=body, headers=headers)


def _redact_open(client: FlaskClient, headers: Headers, finding: Json) -> Json:
    body = finding
    for mention in finding["mentions"]:
        if mention["resolution"] is None:
            body = _json(_resolve(client, headers, finding["id"], mention["id"], "redact"))
    assert body["open_mentions"] == 0
    return body


def _redact_words(client: FlaskClient, headers: Headers, fid: int, field: str, text: str) -> TestResponse:
    return client.post(f"{API}/findings/{fid}/redactions", json={"field": field, "text": text}, headers=headers)


def _ready(client: FlaskClient, t: Team, **overrides: Any) -> Json:
    """A finding the reviewer can release: every mention redacted and one corroboration, by the author."""
    finding = _redact_open(client, t.author, _new(client, t, **overrides))
    _validate(client, t.author, finding["id"])
    return _get(client, t.author, finding["id"])


def _release(client: FlaskClient, headers: Headers, fid: int, revision: int | None = None) -> TestResponse:
    return client.post(f"{API}/findings/{fid}/release", json={"revision": revision}, headers=headers)


def _blockers(client: FlaskClient, headers: Headers, fid: int) -> list[str]:
    body = _json(client.get(f"{API}/findings/{fid}/review", headers=headers))
    return [b["code"] for b in body["blockers"]]


def _refused(response: TestResponse, code: str) -> None:
    assert response.status_code == 409, response.get_data(as_text=True)
    assert error_of(response)["code"] == code


def _mention(finding: Json, text: str, field: str = "summary") -> Json:
    found = [m for m in finding["mentions"] if m["field"] == field and m["text"] == text]
    assert len(found) == 1, finding["mentions"]
    mention: Json = found[0]
    return mention


def _close(app: Flask, t: Team) -> None:
    """R1: the board reads a candidate only once the search is closed (every finding released or withdrawn)."""
    with runtime_of(app).db.transaction() as session:
        candidate = session.get(Candidate, t.world.candidate_id)
        assert candidate is not None
        closed = candidate.search_completed_at is not None
    if not closed:
        close_search(app, t.world.inv, t.world.candidate_id)


def _board_summary(client: FlaskClient, t: Team) -> Json:
    return _json(client.get(f"{API}/board/candidates/{t.world.candidate_id}/summary", headers=t.board))


def _board_findings(summary: Json) -> dict[int, Json]:
    return {f["finding_id"]: f for group in summary["groups"] for f in group["findings"]}


def _state(app: Flask, fid: int) -> tuple[Any, ...]:
    """Everything a refused request must leave as it was."""
    with runtime_of(app).db.transaction() as session:
        finding = session.get(Finding, fid)
        assert finding is not None
        mentions = [
            (m.id, m.field, m.start_offset, m.end_offset, m.source, m.resolution, m.reason_enc, m.resolved_by_id)
            for m in finding.mentions
        ]
        releases = session.scalar(select(func.count()).select_from(FindingRelease))
        return (
            finding.revision,
            finding.current_release_id,
            finding.updated_by_id,
            finding.summary_enc,
            mentions,
            len(finding.validations),
            releases,
        )


# --- every 409 release code, alone -----------------------------------------------------------------


def test_a_ready_finding_has_no_blocker_and_the_reviewer_releases_it(client: FlaskClient, team: Team) -> None:
    """The baseline every 409 test below breaks in exactly one way (R3, POL-02)."""
    finding = _ready(client, team)
    assert _blockers(client, team.reviewer, finding["id"]) == []
    released = _json(_release(client, team.reviewer, finding["id"], finding["revision"]))
    assert released["revision"] == 1
    assert released["released_by_id"] == team.second.id
    assert _get(client, team.author, finding["id"])["released_revision"] == 1


def test_the_creator_cannot_release(app: Flask, client: FlaskClient, team: Team) -> None:
    """R3 two persons: the author's release is refused with author_cannot_release and nothing else."""
    finding = _ready(client, team)
    before = _state(app, finding["id"])
    assert _blockers(client, team.author, finding["id"]) == ["author_cannot_release"]
    _refused(_release(client, team.author, finding["id"]), "author_cannot_release")
    assert _state(app, finding["id"]) == before


def test_a_colleague_who_edited_the_finding_can_no_longer_release_it(client: FlaskClient, team: Team) -> None:
    """R3: whoever last edited the text is an author too; a third investigator releases it."""
    finding = _ready(client, team)
    assert _blockers(client, team.reviewer, finding["id"]) == []
    edited = _json(_put(client, team.reviewer, finding, excerpt="Next time I will really hurt him."))
    assert edited["revision"] == 2
    _validate(client, team.author, finding["id"])

    assert _blockers(client, team.reviewer, finding["id"]) == ["author_cannot_release"]
    _refused(_release(client, team.reviewer, finding["id"]), "author_cannot_release")
    _refused(_release(client, team.author, finding["id"]), "author_cannot_release")
    assert _json(_release(client, team.other, finding["id"], 2))["released_by_id"] == team.third.id


def test_an_open_mention_blocks_release(client: FlaskClient, team: Team) -> None:
    """R3: one unresolved detector mention is enough to refuse (unresolved_mentions)."""
    finding = _new(client, team)
    _json(_resolve(client, team.author, finding["id"], _mention(finding, "baby shower")["id"], "redact"))
    _validate(client, team.author, finding["id"])
    assert _get(client, team.author, finding["id"])["open_mentions"] == 1
    assert _blockers(client, team.reviewer, finding["id"]) == ["unresolved_mentions"]
    _refused(_release(client, team.reviewer, finding["id"]), "unresolved_mentions")


def test_the_reviewer_cannot_release_their_own_not_protected_judgement(client: FlaskClient, team: Team) -> None:
    """R3: a not_protected call is reviewed by a second person; its maker gets own_resolution."""
    finding = _ready(client, team)
    parish = _mention(finding, "St. Mary's parish")
    _json(_resolve(client, team.reviewer, finding["id"], parish["id"], "not_protected", LANE_B_REASON))
    assert _blockers(client, team.reviewer, finding["id"]) == ["own_resolution"]
    _refused(_release(client, team.reviewer, finding["id"]), "own_resolution")
    # A redaction by the same reviewer is the safe direction and does not block.
    _json(_resolve(client, team.reviewer, finding["id"], parish["id"], "redact"))
    assert _blockers(client, team.reviewer, finding["id"]) == []


def test_a_refuted_finding_is_never_released(client: FlaskClient, team: Team) -> None:
    """R7: a contradicting validation step refutes the finding (finding_refuted), even beside a corroboration."""
    finding = _ready(client, team)
    _validate(client, team.author, finding["id"], "contradicts")
    assert _blockers(client, team.reviewer, finding["id"]) == ["finding_refuted"]
    _refused(_release(client, team.reviewer, finding["id"]), "finding_refuted")


def test_a_finding_without_validation_is_not_released(client: FlaskClient, team: Team) -> None:
    """R7: at least one validation step for this version (validation_required)."""
    finding = _redact_open(client, team.author, _new(client, team))
    assert _blockers(client, team.reviewer, finding["id"]) == ["validation_required"]
    _refused(_release(client, team.reviewer, finding["id"]), "validation_required")


def test_a_validation_step_recorded_before_an_edit_no_longer_counts(client: FlaskClient, team: Team) -> None:
    """R7: an edit starts a new revision; the earlier step checked other text."""
    finding = _ready(client, team)
    edited = _json(_put(client, team.author, finding, excerpt="Next time I will hurt him badly."))
    assert edited["revision"] == 2
    assert [v["current"] for v in edited["validations"]] == [False]
    assert edited["validation_status"] == "unverified"
    assert _blockers(client, team.reviewer, finding["id"]) == ["validation_required"]
    _refused(_release(client, team.reviewer, finding["id"]), "validation_required")
    _validate(client, team.author, finding["id"])
    assert _blockers(client, team.reviewer, finding["id"]) == []


def test_too_few_identifiers_block_release(client: FlaskClient, team: Team) -> None:
    """R7, POL-06: the cycle's identity_match_minimum (3) against the finding's identity_basis (2)."""
    finding = _ready(client, team, identity_basis=["name", "photo"])
    assert finding["identity_match_minimum"] == 3
    assert finding["identity_match_met"] is False
    assert _blockers(client, team.reviewer, finding["id"]) == ["identity_match_insufficient"]
    response = _release(client, team.reviewer, finding["id"])
    _refused(response, "identity_match_insufficient")
    assert "3" in error_of(response)["message"]
    assert "2" in error_of(response)["message"]


def test_a_protected_trait_finding_is_never_reported(client: FlaskClient, team: Team) -> None:
    """PRODUCT.md §3: the candidate's protected traits are never reported (category_not_reportable)."""
    finding = _ready(client, team, behaviour_category="protected_trait")
    assert finding["reportable"] is False
    assert _blockers(client, team.reviewer, finding["id"]) == ["category_not_reportable"]
    _refused(_release(client, team.reviewer, finding["id"]), "category_not_reportable")


def test_a_stale_revision_is_refused(client: FlaskClient, team: Team) -> None:
    """R3: the reviewer approves the text they read; if it moved on, revision_changed."""
    finding = _ready(client, team)
    _json(_put(client, team.author, finding, excerpt="Next time I will hurt him, I swear."))
    _validate(client, team.author, finding["id"])
    assert _blockers(client, team.reviewer, finding["id"]) == []
    _refused(_release(client, team.reviewer, finding["id"], revision=1), "revision_changed")
    assert _json(_release(client, team.reviewer, finding["id"], revision=2))["revision"] == 2


def test_a_released_version_is_not_released_twice(app: Flask, client: FlaskClient, team: Team) -> None:
    """R3: one release per version (already_released), by anyone eligible."""
    finding = _ready(client, team)
    _json(_release(client, team.reviewer, finding["id"]))
    before = _state(app, finding["id"])
    _refused(_release(client, team.reviewer, finding["id"]), "already_released")
    assert _blockers(client, team.other, finding["id"]) == ["already_released"]
    _refused(_release(client, team.other, finding["id"]), "already_released")
    assert _state(app, finding["id"]) == before


def test_nothing_is_released_from_a_closed_cycle(app: Flask, client: FlaskClient, team: Team) -> None:
    """R3: a closed cycle's board gets nothing more (cycle_not_open); its mentions are frozen too."""
    finding = _ready(client, team)
    closed = client.post(f"{API}/cycles/{team.world.cycle_id}/status", json={"status": "closed"}, headers=team.admin)
    assert _json(closed)["status"] == CycleStatus.CLOSED.value
    before = _state(app, finding["id"])
    assert _blockers(client, team.reviewer, finding["id"]) == ["cycle_not_open"]
    _refused(_release(client, team.reviewer, finding["id"]), "cycle_not_open")
    mention = finding["mentions"][0]
    _refused(
        _resolve(client, team.author, finding["id"], mention["id"], "not_protected", LANE_B_REASON), "cycle_not_open"
    )
    _refused(_redact_words(client, team.author, finding["id"], "summary", "neighbour"), "cycle_not_open")
    assert _state(app, finding["id"]) == before


# --- R2: nobody but the cycle's investigators reaches the firewall's tools ------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("board", 403), ("auditor", 403), ("admin", 403), ("outsider", 404)],
)
def test_people_outside_the_cycles_searchers_are_refused_and_change_nothing(
    app: Flask, client: FlaskClient, team: Team, who: str, status: int
) -> None:
    """R2, POL-01: board members, auditors and admins get 403; a searcher of another cycle 404."""
    finding = _new(client, team)
    _validate(client, team.author, finding["id"])
    fid, mention = finding["id"], finding["mentions"][0]["id"]
    headers: Headers = getattr(team, who)
    before = _state(app, fid)
    attempts = [
        client.post(f"{API}/findings/{fid}/release", json={}, headers=headers),
        client.post(f"{API}/findings/{fid}/mentions/{mention}", json={"resolution": "redact"}, headers=headers),
        client.post(
            f"{API}/findings/{fid}/mentions/{mention}",
            json={"resolution": "not_protected", "reason": LANE_B_REASON},
            headers=headers,
        ),
        _redact_words(client, headers, fid, "summary", "neighbour"),
        client.get(f"{API}/findings/{fid}/review", headers=headers),
    ]
    for response in attempts:
        assert response.status_code == status, (response.request.path, response.get_data(as_text=True))
        error = error_of(response)
        assert "baby shower" not in response.get_data(as_text=True)
        assert error["code"] in {"forbidden", "not_found"}
    assert _state(app, fid) == before


# --- resolution rules -------------------------------------------------------------------------------


def test_not_protected_needs_a_reason(app: Flask, client: FlaskClient, team: Team) -> None:
    """R3, PC-03: a not_protected call without a (real) reason is 422 naming field reason."""
    finding = _new(client, team)
    fid, mention = finding["id"], finding["mentions"][0]["id"]
    before = _state(app, fid)
    for reason in (None, "", "   ", "ok"):
        response = _resolve(client, team.author, fid, mention, "not_protected", reason)
        assert response.status_code == 422, response.get_data(as_text=True)
        assert error_of(response)["field"] == "reason"
    too_long = _resolve(client, team.author, fid, mention, "not_protected", "x" * 501)
    assert too_long.status_code == 422
    assert error_of(too_long)["field"] == "reason"
    unknown = _resolve(client, team.author, fid, mention, "ignore")
    assert unknown.status_code == 422
    assert error_of(unknown)["field"] == "resolution"
    assert _state(app, fid) == before


def test_manual_redactions_stay_redacted(app: Flask, client: FlaskClient, team: Team) -> None:
    """R3: words an investigator redacted by hand cannot be marked not_protected (422 field resolution)."""
    finding = _new(client, team)
    added = _json(_redact_words(client, team.author, finding["id"], "summary", "neighbour"), 201)
    manual = [m for m in added["mentions"] if m["source"] == "manual"]
    assert len(manual) == 1
    assert manual[0]["resolution"] == "redact"
    before = _state(app, finding["id"])
    response = _resolve(client, team.reviewer, finding["id"], manual[0]["id"], "not_protected", LANE_B_REASON)
    assert response.status_code == 422
    assert error_of(response)["field"] == "resolution"
    assert _state(app, finding["id"]) == before


def test_unknown_mentions_are_not_found(app: Flask, client: FlaskClient, team: Team) -> None:
    """R3: a mention id that does not exist, or belongs to another finding, is 404 and changes nothing."""
    first = _new(client, team)
    second = _new(client, team, summary="Mentioned his diabetes, then threatened a neighbour.")
    before = _state(app, first["id"])
    for mention_id in (999_999, second["mentions"][0]["id"]):
        response = _resolve(client, team.author, first["id"], mention_id, "redact")
        assert response.status_code == 404, response.get_data(as_text=True)
    assert _state(app, first["id"]) == before
    assert _get(client, team.author, second["id"])["open_mentions"] == 1


def test_a_group_term_in_a_bias_statement_is_flagged_then_reported_as_conduct(
    app: Flask, client: FlaskClient, team: Team
) -> None:
    """Lane B (rules-legal.md §2.1): "women" is flagged, resolved not_protected with a reason, and reaches the board."""
    finding = _new(
        client,
        team,
        summary="Posted that women can't do this job and should stay home.",
        excerpt="Women can't do this job.",
        behaviour_category="bias_hate",
    )
    flagged = {(m["field"], m["text"]) for m in finding["mentions"]}
    assert ("summary", "women") in flagged
    assert ("excerpt", "Women") in flagged
    assert finding["open_mentions"] == len(finding["mentions"])
    for mention in finding["mentions"]:
        body = _json(_resolve(client, team.author, finding["id"], mention["id"], "not_protected", LANE_B_REASON))
    assert body["open_mentions"] == 0
    assert {m["reason"] for m in body["mentions"]} == {LANE_B_REASON}
    assert body["redacted"]["summary"] == "Posted that women can't do this job and should stay home."
    _validate(client, team.author, finding["id"])
    _json(_release(client, team.reviewer, finding["id"]))

    _close(app, team)
    summary = _board_summary(client, team)
    shown = _board_findings(summary)[finding["id"]]
    assert "women can't do this job" in shown["summary"]
    assert shown["excerpt"] == "Women can't do this job."
    assert shown["behaviour_category"] == "bias_hate"
    assert "[redacted]" not in shown["summary"]
    assert LANE_B_REASON not in str(summary)


# --- re-screening on edit -------------------------------------------------------------------------------


def test_editing_the_text_screens_it_again(app: Flask, client: FlaskClient, team: Team) -> None:
    """R3 (issue 4 §4): new words are flagged, redactions carry over, not_protected calls do not; platform too."""
    finding = _new(client, team)
    fid = finding["id"]
    _json(_resolve(client, team.author, fid, _mention(finding, "baby shower")["id"], "redact"))
    parish = _mention(finding, "St. Mary's parish")
    _json(_resolve(client, team.author, fid, parish["id"], "not_protected", LANE_B_REASON))

    edited = _json(
        _put(
            client,
            team.reviewer,
            finding,
            platform="Grindr",
            summary=RAW_SUMMARY + " Also mentioned his diabetes.",
        )
    )
    shower, parish_again = _mention(edited, "baby shower"), _mention(edited, "St. Mary's parish")
    assert shower["resolution"] == "redact"  # carried over: the safe direction
    assert parish_again["resolution"] is None  # a judgement in context is made again
    assert parish_again["reason"] is None
    assert _mention(edited, "diabetes")["resolution"] is None
    assert _mention(edited, "Grindr", field="platform")["resolution"] is None
    assert edited["open_mentions"] == 3
    assert "baby shower" not in edited["redacted"]["summary"]
    assert "St. Mary's parish" in edited["redacted"]["summary"]  # open, not yet redacted

    # The old mention ids are gone with the old text.
    gone = _resolve(client, team.author, fid, parish["id"], "redact")
    assert gone.status_code == 404

    resolved = _redact_open(client, team.author, edited)
    assert resolved["redacted"]["platform"] == "[redacted]"
    assert "diabetes" not in resolved["redacted"]["summary"]
    _validate(client, team.author, fid)
    _refused(_release(client, team.reviewer, fid), "author_cannot_release")
    _json(_release(client, team.other, fid))
    _close(app, team)
    shown = _board_findings(_board_summary(client, team))[fid]
    assert shown["platform"] == "[redacted]"
    for raw in ("Grindr", "diabetes", "baby shower", "Mary"):
        assert raw not in str(shown)


def test_unchanged_text_keeps_its_judgements(client: FlaskClient, team: Team) -> None:
    """R3: an edit of other fields (the category) does not reopen resolved mentions."""
    finding = _ready(client, team)
    edited = _json(_put(client, team.author, finding, behaviour_category="reckless_conduct"))
    assert edited["revision"] == 2
    assert edited["open_mentions"] == 0
    assert [m["id"] for m in edited["mentions"]] == [m["id"] for m in finding["mentions"]]


# --- release lifecycle -----------------------------------------------------------------------------------


def _withdraw_by_edit(client: FlaskClient, t: Team, finding: Json) -> str:
    new = "Posted photos from her baby shower at St. Mary's parish, then threatened two neighbours."
    edited = _redact_open(client, t.author, _json(_put(client, t.author, finding, summary=new)))
    _validate(client, t.author, finding["id"])
    return str(edited["redacted"]["summary"])


def _withdraw_by_resolution(client: FlaskClient, t: Team, finding: Json) -> str:
    parish = _mention(finding, "St. Mary's parish")
    body = _json(_resolve(client, t.author, finding["id"], parish["id"], "not_protected", LANE_B_REASON))
    return str(body["redacted"]["summary"])


def _withdraw_by_manual_redaction(client: FlaskClient, t: Team, finding: Json) -> str:
    body = _json(_redact_words(client, t.author, finding["id"], "summary", "neighbour"), 201)
    return str(body["redacted"]["summary"])


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(_withdraw_by_edit, id="edit"),
        pytest.param(_withdraw_by_resolution, id="resolution"),
        pytest.param(_withdraw_by_manual_redaction, id="manual-redaction"),
    ],
)
def test_a_change_of_board_facing_text_withdraws_the_release_until_released_again(
    app: Flask, client: FlaskClient, team: Team, change: Any
) -> None:
    """R3: the board never reads text nobody approved; a second investigator releases the new text."""
    finding = _ready(client, team)
    fid = finding["id"]
    old_release = _json(_release(client, team.reviewer, fid))
    # An edit needs the search open, when the board reads nothing yet (R1); the other changes are made
    # after it is closed, with the board reading.
    editing = change is _withdraw_by_edit
    if editing:
        old_text = _get(client, team.author, fid)["redacted"]["summary"]
    else:
        _close(app, team)
        old_text = _board_findings(_board_summary(client, team))[fid]["summary"]

    new_text = change(client, team, finding)
    assert new_text != old_text
    assert _get(client, team.author, fid)["released_revision"] is None
    if editing:
        summary_url = f"{API}/board/candidates/{team.world.candidate_id}/summary"
        _refused(client.get(summary_url, headers=team.board), "search_not_complete")
    else:
        assert fid not in _board_findings(_board_summary(client, team))
        candidates = _json(client.get(f"{API}/board/cycles/{team.world.cycle_id}/candidates", headers=team.board))
        assert candidates["candidates"][0]["released_findings"] == {}

    again = _release(client, team.reviewer, fid)
    assert again.status_code == 200, again.get_data(as_text=True)
    new_release = again.get_json()
    assert new_release["id"] != old_release["id"]
    _close(app, team)
    assert _board_findings(_board_summary(client, team))[fid]["summary"] == new_text
    assert old_text not in str(_board_summary(client, team))
    assert _get(client, team.author, fid)["released_revision"] == new_release["revision"]
    with runtime_of(app).db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(FindingRelease)) == 2


def test_a_contradicting_validation_withdraws_the_release(app: Flask, client: FlaskClient, team: Team) -> None:
    """R7: refuted findings are never released, and one already released leaves the board."""
    finding = _ready(client, team)
    _json(_release(client, team.reviewer, finding["id"]))
    _close(app, team)
    assert finding["id"] in _board_findings(_board_summary(client, team))
    refuted = _validate(client, team.other, finding["id"], "contradicts")
    assert refuted["validation_status"] == "refuted"
    assert refuted["released_revision"] is None  # the answer to the withdrawing request says so
    assert _get(client, team.author, finding["id"])["released_revision"] is None
    assert _board_findings(_board_summary(client, team)) == {}
    candidates = _json(client.get(f"{API}/board/cycles/{team.world.cycle_id}/candidates", headers=team.board))
    assert candidates["candidates"][0]["released_findings"] == {}
    _refused(_release(client, team.reviewer, finding["id"]), "finding_refuted")


def test_restating_the_same_resolution_keeps_the_release(app: Flask, client: FlaskClient, team: Team) -> None:
    """R3: only a change withdraws; redacting an already redacted mention again is a no-op."""
    finding = _ready(client, team)
    _json(_release(client, team.reviewer, finding["id"]))
    _close(app, team)
    body = _json(_resolve(client, team.author, finding["id"], finding["mentions"][0]["id"], "redact"))
    assert body["released_revision"] == 1
    assert finding["id"] in _board_findings(_board_summary(client, team))


# --- manual redaction ---------------------------------------------------------------------------------


def test_words_the_detector_missed_are_redacted_everywhere_in_the_field(
    app: Flask, client: FlaskClient, team: Team
) -> None:
    """R3, PC-01: every occurrence in that field, any case; other fields untouched; absent words 422 text."""
    finding = _new(
        client,
        team,
        summary="Told Dana Whitfield he would hurt her; dana whitfield reported it.",
        excerpt="Dana Whitfield, you are next.",
    )
    assert finding["mentions"] == []
    body = _json(_redact_words(client, team.author, finding["id"], "summary", "Dana Whitfield"), 201)
    assert body["redacted"]["summary"] == "Told [redacted] he would hurt her; [redacted] reported it."
    assert body["redacted"]["excerpt"] == "Dana Whitfield, you are next."
    assert [(m["source"], m["resolution"]) for m in body["mentions"]] == [("manual", "redact")] * 2
    assert body["open_mentions"] == 0

    before = _state(app, finding["id"])
    for words, field in (("Robin Hale", "summary"), ("Dana Whitfield", "platform"), ("dana whitfield", "summary")):
        response = _redact_words(client, team.author, finding["id"], field, words)
        assert response.status_code == 422, response.get_data(as_text=True)
        assert error_of(response)["field"] == "text"
    bad_field = _redact_words(client, team.author, finding["id"], "source_url", "social")
    assert bad_field.status_code == 422
    assert error_of(bad_field)["field"] == "field"
    assert _state(app, finding["id"]) == before


def test_manual_redactions_survive_an_edit_of_their_field(client: FlaskClient, team: Team) -> None:
    """R3: words redacted by hand stay redacted wherever they occur in the edited text."""
    finding = _new(client, team, summary="Told Dana Whitfield he would hurt her.")
    _json(_redact_words(client, team.author, finding["id"], "summary", "Dana Whitfield"), 201)
    edited = _json(_put(client, team.author, finding, summary="Dana Whitfield says he threatened Dana Whitfield."))
    assert edited["redacted"]["summary"] == "[redacted] says he threatened [redacted]."
    assert edited["open_mentions"] == 0


def test_manual_redaction_offsets_hold_beside_dotted_capitals(client: FlaskClient, team: Team) -> None:
    """PC-01: a Turkish name earlier in the text must not shift what is redacted."""
    finding = _new(client, team, summary="İlknur İnce said he would hurt Dana Whitfield.")
    body = _json(_redact_words(client, team.author, finding["id"], "summary", "Dana Whitfield"), 201)
    assert body["redacted"]["summary"] == "İlknur İnce said he would hurt [redacted]."


# --- the board read model -------------------------------------------------------------------------------


def test_the_board_reads_only_released_redacted_findings(app: Flask, client: FlaskClient, team: Team) -> None:
    """R3, PC-01: no unreleased, refuted or raw finding, no source URL, evidence or mention axis reaches the board."""
    released = _ready(client, team)
    evidence = _json(evidence_api(client, team.author, released["id"], png("capture"), "baby-shower.png"), 201)
    _json(_release(client, team.reviewer, released["id"]))
    unreleased = _ready(client, team, summary="Threatened a neighbour at the baby shower.")
    refuted = _ready(client, team, summary="Threatened a neighbour after the Pride parade.")
    _json(_release(client, team.reviewer, refuted["id"]))
    _new(client, team, summary="Mentioned his diabetes and threatened a neighbour.")
    # R1: the search closes once the unreleased findings are withdrawn; a second source then
    # contradicts the released one.
    close_search(app, team.world.inv, team.world.candidate_id, withdraw_unsettled=True)
    _validate(client, team.author, refuted["id"], "contradicts")

    candidates = _json(client.get(f"{API}/board/cycles/{team.world.cycle_id}/candidates", headers=team.board))
    assert [c["released_findings"] for c in candidates["candidates"]] == [{"violence_threats": 1}]
    response = client.get(f"{API}/board/candidates/{team.world.candidate_id}/summary", headers=team.board)
    summary = _json(response)
    shown = _board_findings(summary)
    assert list(shown) == [released["id"]]
    assert unreleased["id"] not in shown
    assert refuted["id"] not in shown
    board_finding = shown[released["id"]]
    assert board_finding["summary"] == released["redacted"]["summary"]
    assert "[redacted]" in board_finding["summary"]
    assert not {"source_url", "evidence", "mentions", "validations", "redacted", "identity_basis"} & set(board_finding)

    text = response.get_data(as_text=True) + str(candidates)
    for leak in (
        "social.example",
        "baby shower",
        "baby-shower",
        "Mary",
        "Pride",
        "diabetes",
        evidence["sha256"],
        "pregnancy",
        "religion",
        "PREG-",
        "REL-",
        "axis",
        "Archived copy",
    ):
        assert leak not in text, leak


def test_board_surfaces_are_for_the_cycles_board_only(app: Flask, client: FlaskClient, team: Team) -> None:
    """R2: investigators get 403 on board routes; a board member of another cycle gets 404."""
    w = team.world
    _close(app, team)
    other_board = make_user(app, "board2@x.test", Role.BOARD_MEMBER, name="Bea Elsewhere")
    with runtime_of(app).db.transaction() as session:
        cycles.assign(session, user_in(session, w.admin), w.other_cycle_id, other_board.id, Duty.BOARD_MEMBER)
    elsewhere = bearer(app, other_board)
    urls = [f"{API}/board/cycles/{w.cycle_id}/candidates", f"{API}/board/candidates/{w.candidate_id}/summary"]
    for url in urls:
        assert client.get(url, headers=elsewhere).status_code == 404
        for headers in (team.author, team.reviewer, team.outsider):
            assert client.get(url, headers=headers).status_code == 403
        assert client.get(url, headers=team.board).status_code == 200
    assert client.get(f"{API}/board/cycles/{w.other_cycle_id}/candidates", headers=elsewhere).status_code == 200


def test_a_blind_cycle_shows_candidates_by_code(app: Flask, client: FlaskClient) -> None:
    """R3: in blind-review cycles the board reads the code, never the name."""
    team = _team(app, build_world(app, blind=True))
    finding = _ready(client, team)
    _json(_release(client, team.reviewer, finding["id"]))
    _close(app, team)
    with runtime_of(app).db.transaction() as session:
        candidate = session.get(Candidate, team.world.candidate_id)
        assert candidate is not None
        code = candidate.code
    listing = client.get(f"{API}/board/cycles/{team.world.cycle_id}/candidates", headers=team.board)
    summary = client.get(f"{API}/board/candidates/{team.world.candidate_id}/summary", headers=team.board)
    for response in (listing, summary):
        text = response.get_data(as_text=True)
        assert response.status_code == 200, text
        assert CANDIDATE_NAME not in text
        assert "Casey" not in text
        assert code in text
    assert _json(summary)["candidate"]["name"] is None
    assert _json(summary)["cycle"]["blind_review"] is True


def test_a_named_cycle_shows_the_board_the_name(app: Flask, client: FlaskClient, team: Team) -> None:
    """R3: outside blind review the board sees who the candidate is."""
    _close(app, team)
    listing = _json(client.get(f"{API}/board/cycles/{team.world.cycle_id}/candidates", headers=team.board))
    assert listing["candidates"][0]["name"] == CANDIDATE_NAME
    assert _board_summary(client, team)["candidate"]["name"] == CANDIDATE_NAME
