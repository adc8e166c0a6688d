"""The board's questions to investigators about released findings, through the JSON API.

R2/POL-01 (the board never reaches raw findings: it asks), R3/PC-01 (questions and answers
pass the protected-class detector; a hit refuses the text with the reason shown; in a blind
cycle the candidate's name is refused too), POL-02 (an answer reaches the board only after
a second investigator, not its author, approves it).
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.support import make_user, runtime_of
from tests.web.board_world import BoardWorld, build_board_world
from tests.web.world import API, add_finding, bearer, close_search, error_of, user_in
from vetting.models import Duty, Role
from vetting.services import cycles

QUESTION = "Was the threat repeated in later posts, or was it a single incident?"
ANSWER = "It was a single post; nothing similar appeared in the following months."


@pytest.fixture
def bw(app: Flask) -> BoardWorld:
    return build_board_world(app)


def _ask(
    client: FlaskClient,
    headers: dict[str, str],
    bw: BoardWorld,
    finding_id: int | None = None,
    question: str = QUESTION,
) -> TestResponse:
    body = {"finding_id": bw.findings[0] if finding_id is None else finding_id, "question": question}
    return client.post(f"{API}/board/candidates/{bw.world.candidate_id}/questions", json=body, headers=headers)


def _answer(client: FlaskClient, headers: dict[str, str], question_id: int, answer: str = ANSWER) -> TestResponse:
    return client.post(f"{API}/questions/{question_id}/answer", json={"answer": answer}, headers=headers)


def _approve(client: FlaskClient, headers: dict[str, str], question_id: int) -> TestResponse:
    return client.post(f"{API}/questions/{question_id}/approve", headers=headers)


def _board_questions(client: FlaskClient, headers: dict[str, str], bw: BoardWorld) -> list[dict[str, Any]]:
    response = client.get(f"{API}/board/candidates/{bw.world.candidate_id}/questions", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    found: list[dict[str, Any]] = response.get_json()["questions"]
    return found


def _open(client: FlaskClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get(f"{API}/questions", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    found: list[dict[str, Any]] = response.get_json()["questions"]
    return found


def test_a_board_member_asks_about_a_released_finding(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    response = _ask(client, bearer(app, bw.member), bw)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["candidate_id"] == bw.world.candidate_id
    assert body["finding_id"] == bw.findings[0]
    assert body["question"] == QUESTION
    assert body["asked_by"] == "Bea Board"
    assert body["answer"] is None
    assert body["approved_at"] is None
    assert [q["id"] for q in _board_questions(client, bearer(app, bw.chair), bw)] == [body["id"]]


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("Is she pregnant? That would explain the post.", "pregnant"),
        ("Does he attend a Catholic church near the referee's home?", "Catholic"),
    ],
)
def test_a_question_with_protected_class_words_is_refused_with_the_reason(
    app: Flask, client: FlaskClient, bw: BoardWorld, question: str, words: str
) -> None:
    """PC-01: the board may not ask about protected traits; the reason names the words."""
    headers = bearer(app, bw.member)
    response = _ask(client, headers, bw, question=question)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "protected_class_content"
    assert error["field"] == "question"
    assert words in error["message"]
    assert _board_questions(client, headers, bw) == []
    assert _open(client, bearer(app, bw.world.inv)) == []


def test_a_question_about_an_unreleased_or_unknown_finding_is_refused(app: Flask, client: FlaskClient) -> None:
    bw = build_board_world(app, complete_search=False)  # the search still open: a new finding can be added
    unreleased = add_finding(app, bw.world.inv, bw.world.candidate_id, bw.world.items[2], summary="Drove recklessly.")
    headers = bearer(app, bw.member)
    # R1: before the search is closed the board asks nothing at all.
    response = _ask(client, headers, bw, finding_id=bw.findings[0])
    assert response.status_code == 409
    assert error_of(response)["code"] == "search_not_complete"
    close_search(app, bw.world.inv, bw.world.candidate_id, withdraw_unsettled=True)  # withdraws ``unreleased``
    for finding_id in (unreleased, 999_999):
        response = _ask(client, headers, bw, finding_id=finding_id)
        assert response.status_code == 422, finding_id
        assert error_of(response)["field"] == "finding_id"
    assert _board_questions(client, headers, bw) == []


def test_a_too_short_question_is_refused(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    response = _ask(client, bearer(app, bw.member), bw, question="Why?")
    assert response.status_code == 422
    assert error_of(response)["field"] == "question"


def test_the_answer_reaches_the_board_after_a_second_investigator_approves_it(
    app: Flask, client: FlaskClient, bw: BoardWorld
) -> None:
    """POL-02: the author of an answer cannot release it; a colleague can."""
    board, inv, second = bearer(app, bw.member), bearer(app, bw.world.inv), bearer(app, bw.second)
    asked = _ask(client, board, bw).get_json()
    waiting = _open(client, inv)
    assert [(q["id"], q["question"], q["candidate_code"]) for q in waiting] == [
        (asked["id"], QUESTION, waiting[0]["candidate_code"])
    ]
    assert waiting[0]["candidate_code"]
    assert _open(client, second) == waiting

    not_yet = _approve(client, second, asked["id"])
    assert not_yet.status_code == 409
    assert error_of(not_yet)["code"] == "not_answered"

    answered = _answer(client, inv, asked["id"])
    assert answered.status_code == 200, answered.get_data(as_text=True)
    assert answered.get_json()["answered_by_id"] == bw.world.inv.id
    assert answered.get_json()["approved_at"] is None
    # The investigators read the answer at once; the board does not.
    assert _open(client, second)[0]["answer"] == ANSWER
    before = _board_questions(client, board, bw)
    assert before[0]["answer"] is None
    assert before[0]["answered_at"] is None
    assert ANSWER not in client.get(f"{API}/board/candidates/{bw.world.candidate_id}/questions", headers=board).text

    own = _approve(client, inv, asked["id"])
    assert own.status_code == 409
    assert error_of(own)["code"] == "author_cannot_release"
    assert _board_questions(client, board, bw)[0]["answer"] is None

    approved = _approve(client, second, asked["id"])
    assert approved.status_code == 200, approved.get_data(as_text=True)
    assert approved.get_json()["approved_by_id"] == bw.second.id
    after = _board_questions(client, board, bw)
    assert after[0]["answer"] == ANSWER
    assert after[0]["approved_at"] is not None
    assert _board_questions(client, bearer(app, bw.chair), bw)[0]["answer"] == ANSWER
    # Done: no longer waiting on anyone, and closed to changes.
    assert _open(client, inv) == []
    assert error_of(_approve(client, second, asked["id"]))["code"] == "answer_released"
    reworded = _answer(client, second, asked["id"], "A different answer after the fact, sent quietly.")
    assert reworded.status_code == 409
    assert error_of(reworded)["code"] == "answer_released"
    assert _board_questions(client, board, bw)[0]["answer"] == ANSWER


def test_a_colleague_who_rewords_the_answer_becomes_its_author(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    board, inv, second = bearer(app, bw.member), bearer(app, bw.world.inv), bearer(app, bw.second)
    asked = _ask(client, board, bw).get_json()
    assert _answer(client, inv, asked["id"]).status_code == 200
    assert _answer(client, second, asked["id"], "Reworded: one post only, never repeated.").status_code == 200
    assert error_of(_approve(client, second, asked["id"]))["code"] == "author_cannot_release"
    assert _approve(client, inv, asked["id"]).status_code == 200
    assert _board_questions(client, board, bw)[0]["answer"] == "Reworded: one post only, never repeated."


def test_an_answer_with_protected_class_words_is_refused(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    """PC-01: the investigators' answer passes the same firewall as the board's question."""
    inv = bearer(app, bw.world.inv)
    asked = _ask(client, bearer(app, bw.member), bw).get_json()
    response = _answer(client, inv, asked["id"], "She was pregnant at the time, which explains a lot.")
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "protected_class_content"
    assert error["field"] == "answer"
    assert "pregnant" in error["message"]
    assert _open(client, inv)[0]["answer"] is None
    assert error_of(_approve(client, bearer(app, bw.second), asked["id"]))["code"] == "not_answered"


def test_the_board_of_another_cycle_cannot_ask_or_read(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    stranger = make_user(app, "board9@x.test", Role.BOARD_MEMBER, name="Bert Elsewhere")
    with runtime_of(app).db.transaction() as session:
        cycles.assign(
            session, user_in(session, bw.world.admin), bw.world.other_cycle_id, stranger.id, Duty.BOARD_MEMBER
        )
    asked = _ask(client, bearer(app, bw.member), bw).get_json()
    headers = bearer(app, stranger)
    assert _ask(client, headers, bw).status_code == 404
    listed = client.get(f"{API}/board/candidates/{bw.world.candidate_id}/questions", headers=headers)
    assert listed.status_code == 404
    assert QUESTION not in listed.text
    # Board members are not investigators: the investigators' side is closed to them.
    assert client.get(f"{API}/questions", headers=headers).status_code == 403
    assert _answer(client, bearer(app, bw.member), asked["id"]).status_code == 403


def test_investigators_of_another_cycle_cannot_see_answer_or_approve(
    app: Flask, client: FlaskClient, bw: BoardWorld
) -> None:
    asked = _ask(client, bearer(app, bw.member), bw).get_json()
    outsider = bearer(app, bw.world.outsider)
    assert _open(client, outsider) == []
    refused = _answer(client, outsider, asked["id"])
    assert refused.status_code in {403, 404}
    assert _answer(client, bearer(app, bw.world.inv), asked["id"]).status_code == 200
    assert _approve(client, outsider, asked["id"]).status_code in {403, 404}
    # Nor do they reach the board's side of the API.
    assert client.get(f"{API}/board/candidates/{bw.world.candidate_id}/questions", headers=outsider).status_code in {
        403,
        404,
    }
    assert _ask(client, outsider, bw).status_code in {403, 404}
    assert _board_questions(client, bearer(app, bw.member), bw)[0]["answer"] is None


def test_the_cycles_investigators_cannot_ask_as_the_board(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    """POL-01: asking belongs to the board; the searchers only answer."""
    assert _ask(client, bearer(app, bw.world.inv), bw).status_code == 403
    listed = client.get(f"{API}/board/candidates/{bw.world.candidate_id}/questions", headers=bearer(app, bw.second))
    assert listed.status_code == 403


def test_unknown_questions_are_404(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    inv = bearer(app, bw.world.inv)
    assert _answer(client, inv, 999_999).status_code == 404
    assert _approve(client, inv, 999_999).status_code == 404


def test_in_a_blind_cycle_the_candidates_name_is_refused_in_answers_and_questions(
    app: Flask, client: FlaskClient
) -> None:
    """R3: in a blind-review cycle the board reads the candidate by code; an answer that names
    the candidate (in any case, or by handle) is refused before it can be approved."""
    bw = build_board_world(app, blind=True)
    board, inv = bearer(app, bw.member), bearer(app, bw.world.inv)
    named_question = _ask(client, board, bw, question="Is the account really Casey's own account?")
    assert named_question.status_code == 422
    assert error_of(named_question)["code"] == "protected_class_content"
    asked = _ask(client, board, bw)
    assert asked.status_code == 201, asked.get_data(as_text=True)
    question_id = asked.get_json()["id"]
    for text in (
        "Casey posted it from the listed account; it is hers.",
        "The account casey_c posted it and nobody else did.",
        "The post was by CASEY CANDIDATE under the listed handle.",
    ):
        response = _answer(client, inv, question_id, text)
        assert response.status_code == 422, text
        error = error_of(response)
        assert error["code"] == "protected_class_content"
        assert error["field"] == "answer"
    assert _answer(client, inv, question_id).status_code == 200
    assert _approve(client, bearer(app, bw.second), question_id).status_code == 200
    assert _board_questions(client, board, bw)[0]["answer"] == ANSWER


def test_in_a_named_cycle_the_candidates_name_may_appear_in_an_answer(
    app: Flask, client: FlaskClient, bw: BoardWorld
) -> None:
    """The identity rule is for blind cycles only; a named cycle's board knows who it reviews."""
    asked = _ask(client, bearer(app, bw.member), bw).get_json()
    response = _answer(client, bearer(app, bw.world.inv), asked["id"], "Casey posted it from the listed account.")
    assert response.status_code == 200, response.get_data(as_text=True)
