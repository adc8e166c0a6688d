"""JSON API of the board's decisions and what surrounds them: recommendations, decisions,
questions to investigators, notices to the candidate and the candidate's responses."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import Session

from vetting.api.registry import day, moment, page_fields, parse, route
from vetting.api.schemas import (
    AnswerBody,
    DecisionBody,
    DisputeCloseBody,
    NoticeDeliveryBody,
    QuestionBody,
    RecommendationBody,
    ResponseBody,
)
from vetting.http.access import SIGNED_IN
from vetting.http.args import page_args
from vetting.http.candidate_links import link_mailer, offer
from vetting.http.documents import notice_pdf_response
from vetting.http.runtime import runtime, transaction
from vetting.models import BoardQuestion, CandidateResponse, Outcome, Recommendation
from vetting.policy import Action
from vetting.services import candidate_links, decisions, notice_delivery, notices, questions


def decision_json(d: decisions.DecisionView | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {
        "id": d.id,
        "outcome": d.outcome.value,
        "status": d.status.value,
        "rationale": d.rationale,
        "finding_ids": d.finding_ids,
        "recorded_by": d.recorded_by,
        "recorded_at": moment(d.recorded_at),
        "response_due": day(d.response_due),
    }


def question_json(q: questions.QuestionView) -> dict[str, Any]:
    return {
        "id": q.id,
        "candidate_id": q.candidate_id,
        "finding_id": q.finding_id,
        "asked_by": q.asked_by,
        "asked_at": moment(q.asked_at),
        "question": q.question,
        "answer": q.answer,
        "answered_at": moment(q.answered_at),
        "approved_at": moment(q.approved_at),
    }


def state_json(s: decisions.DecisionState) -> dict[str, Any]:
    return {
        "status": s.status,
        "rule": {"decision_rule": s.rule.value, "quorum": s.quorum, "chair_user_id": s.chair_id},
        "board_size": s.board_size,
        "recommendations": [
            {
                "member_id": r.member_id,
                "member": r.member,
                "outcome": r.outcome.value,
                "rationale": r.rationale,
                "finding_ids": r.finding_ids,
                "relied_on_findings": bool(r.finding_ids),
                "recorded_at": moment(r.recorded_at),
            }
            for r in s.recommendations
        ],
        "proposal": decision_json(s.proposal),
        "decision": decision_json(s.final),
        "notices": [
            {
                "id": n.id,
                "kind": n.kind.value,
                "decision_id": n.decision_id,
                "issued_at": moment(n.issued_at),
                "response_due": day(n.response_due),
                "fcra": n.fcra,
                "document": f"/api/v1/notices/{n.id}.pdf",
                "delivered_at": moment(n.delivered_at),
                "delivered_via": n.delivered_via.value if n.delivered_via else None,
                "delivery": {
                    "linked_at": moment(n.delivery.linked_at),
                    "mailed_at": moment(n.delivery.mailed_at),
                    "opened_at": moment(n.delivery.opened_at),
                    "downloaded_at": moment(n.delivery.downloaded_at),
                },
            }
            for n in s.notices
        ],
        "responses": [
            {
                "id": r.id,
                "kind": r.kind.value,
                "received_on": day(r.received_on),
                "text": r.text,
                "finding_ids": r.finding_ids,
                "closed_at": moment(r.closed_at),
                "online": r.online,
            }
            for r in s.responses
        ],
        "disputed_finding_ids": sorted(s.disputed_finding_ids),
    }


def _decision_body(session: Session, candidate_id: int) -> dict[str, Any]:
    return state_json(decisions.board_state(session, current_user, runtime().security, candidate_id))


@route(
    "GET",
    "/board/candidates/{candidate_id}/decisions",
    "Recommendations, the decision, notices and the candidate's (redacted) responses; 409 search_not_complete "
    "before the search is closed (R1)",
    Action.BOARD_READ,
    errors=(404, 409),
)
def board_decision_state(candidate_id: int) -> ResponseReturnValue:
    with transaction() as session:
        body = _decision_body(session, candidate_id)
    return jsonify(body)


@route(
    "POST",
    "/board/candidates/{candidate_id}/recommendations",
    "Record your recommendation (advance, do_not_advance, needs_more_information) with a screened rationale",
    Action.BOARD_READ,
    body=RecommendationBody,
    errors=(404, 409, 422),
    success=201,
)
def board_recommendation_create(candidate_id: int) -> ResponseReturnValue:
    data = parse(RecommendationBody)
    with transaction() as session:
        row: Recommendation = decisions.recommend(
            session,
            current_user,
            runtime().security,
            candidate_id,
            outcome=data.outcome,
            rationale=data.rationale,
            finding_ids=data.finding_ids,
        )
        body = {"id": row.id, "outcome": row.outcome.value, "board": _decision_body(session, candidate_id)}
    return jsonify(body), 201


@route(
    "POST",
    "/board/candidates/{candidate_id}/decisions",
    "Record the board's decision; an adverse one relying on findings is proposed with a notice first, "
    "and is final only after the response window, which starts when the notice is delivered "
    "(409 notice_not_delivered, response_window_open, dispute_pending)",
    Action.BOARD_READ,
    body=DecisionBody,
    errors=(404, 409, 422),
    success=201,
)
def board_decision_create(candidate_id: int) -> ResponseReturnValue:
    data = parse(DecisionBody)
    mailer = link_mailer()
    with transaction() as session:
        row, issued = candidate_links.decide(
            session,
            current_user,
            runtime().security,
            mailer,
            candidate_id,
            outcome=Outcome(data.outcome),
            rationale=data.rationale,
            finding_ids=data.finding_ids,
        )
        body = {
            "id": row.id,
            "outcome": row.outcome.value,
            "status": row.status.value,
            "response_due": day(row.response_due),
            "notice_mailed": issued is not None and issued.outbox_id is not None,
            "board": _decision_body(session, candidate_id),
        }
    offer(issued)
    return jsonify(body), 201


@route(
    "POST",
    "/board/candidates/{candidate_id}/questions",
    "Ask the investigators a question about a released finding (screened; answered through the firewall); "
    "409 search_not_complete before the search is closed (R1)",
    Action.BOARD_READ,
    body=QuestionBody,
    errors=(404, 409, 422),
    success=201,
)
def board_question_create(candidate_id: int) -> ResponseReturnValue:
    data = parse(QuestionBody)
    security = runtime().security
    with transaction() as session:
        body = question_json(
            questions.ask(session, current_user, security, candidate_id, data.finding_id, data.question)
        )
    return jsonify(body), 201


@route(
    "GET",
    "/board/candidates/{candidate_id}/questions",
    "The board's questions about a candidate; answers appear once a second investigator approves them; "
    "409 search_not_complete before the search is closed (R1)",
    Action.BOARD_READ,
    errors=(404, 409),
)
def board_questions(candidate_id: int) -> ResponseReturnValue:
    with transaction() as session:
        rows = questions.board_questions(session, current_user, runtime().security, candidate_id)
        body = {"questions": [question_json(q) for q in rows]}
    return jsonify(body)


@route(
    "GET",
    "/questions",
    "Board questions waiting on you and your colleagues, oldest first",
    Action.INVESTIGATE,
    paged=True,
)
def open_questions() -> ResponseReturnValue:
    page = page_args()
    with transaction() as session:
        rows = questions.open_for(session, current_user, runtime().security, page)
        body = {
            "questions": [question_json(q) | {"candidate_code": c.code} for c, q in rows.items],
            **page_fields(rows),
        }
    return jsonify(body)


def _question_answered(row: BoardQuestion) -> dict[str, Any]:
    return {
        "id": row.id,
        "answered_by_id": row.answered_by_id,
        "answered_at": moment(row.answered_at),
        "approved_by_id": row.approved_by_id,
        "approved_at": moment(row.approved_at),
    }


@route(
    "POST",
    "/questions/{question_id}/answer",
    "Answer a board question (screened by the detector; a second investigator approves it)",
    Action.INVESTIGATE,
    body=AnswerBody,
    errors=(404, 409, 422),
)
def question_answer(question_id: int) -> ResponseReturnValue:
    data = parse(AnswerBody)
    with transaction() as session:
        body = _question_answered(questions.answer(session, current_user, runtime().security, question_id, data.answer))
    return jsonify(body)


@route(
    "POST",
    "/questions/{question_id}/approve",
    "Send a colleague's answer to the board (409 author_cannot_release for your own)",
    Action.INVESTIGATE,
    errors=(404, 409),
)
def question_approve(question_id: int) -> ResponseReturnValue:
    with transaction() as session:
        body = _question_answered(questions.approve(session, current_user, question_id))
    return jsonify(body)


@route(
    "GET",
    "/notices/{notice_id}.pdf",
    "A notice to the candidate as a PDF (released text only); its SHA-256 is recorded in the audit log",
    SIGNED_IN,
    errors=(404, 409),
    produces="application/pdf",
)
def notice_document(notice_id: int) -> ResponseReturnValue:
    return notice_pdf_response(notice_id)


@route(
    "POST",
    "/notices/{notice_id}/delivery",
    "Record that the notice was handed to the candidate (paper or in person) on delivered_on: a pre-decision "
    "notice's response window starts then (409 notice_already_delivered once e-mailed, opened or recorded); "
    "the cycle's board and investigators",
    SIGNED_IN,
    body=NoticeDeliveryBody,
    errors=(403, 404, 409, 422),
)
def notice_delivery_record(notice_id: int) -> ResponseReturnValue:
    data = parse(NoticeDeliveryBody)
    with transaction() as session:
        row = notice_delivery.record_by_hand(session, current_user, notice_id, data.delivered_on)
        body = {
            "id": row.id,
            "kind": row.kind.value,
            "delivered_at": moment(row.delivered_at),
            "delivered_via": row.delivered_via.value if row.delivered_via else None,
            "response_due": day(row.response_due),
        }
    return jsonify(body)


@route(
    "GET",
    "/candidates/{candidate_id}/board",
    "What the board asked and decided about a candidate, and the candidate's responses as written",
    Action.INVESTIGATE,
    errors=(404,),
)
def investigator_board_state(candidate_id: int) -> ResponseReturnValue:
    with transaction() as session:
        view = notices.for_investigators(session, current_user, runtime().security, candidate_id)
        body = state_json(view.state) | {"questions": [question_json(q) for q in view.questions]}
    return jsonify(body)


def response_json(row: CandidateResponse) -> dict[str, Any]:
    return {
        "id": row.id,
        "candidate_id": row.candidate_id,
        "notice_id": row.notice_id,
        "kind": row.kind.value,
        "received_on": day(row.received_on),
        "finding_ids": row.finding_ids,
        "closed_at": moment(row.closed_at),
    }


@route(
    "POST",
    "/candidates/{candidate_id}/responses",
    "Record the candidate's response to the pre-decision notice; a dispute sends findings back for re-validation",
    Action.INVESTIGATE,
    body=ResponseBody,
    errors=(404, 409, 422),
    success=201,
)
def response_create(candidate_id: int) -> ResponseReturnValue:
    data = parse(ResponseBody)
    with transaction() as session:
        row = notices.record_response(
            session,
            current_user,
            runtime().security,
            candidate_id,
            kind=data.kind,
            text=data.text,
            received_on=data.received_on,
            finding_ids=data.finding_ids,
        )
        body = response_json(row)
    return jsonify(body), 201


@route(
    "POST",
    "/responses/{response_id}/close",
    "Close a dispute after re-validating each disputed finding (409 revalidation_required)",
    Action.INVESTIGATE,
    body=DisputeCloseBody,
    errors=(404, 409, 422),
)
def dispute_close(response_id: int) -> ResponseReturnValue:
    data = parse(DisputeCloseBody)
    with transaction() as session:
        body = response_json(notices.close_dispute(session, current_user, runtime().security, response_id, data.notes))
    return jsonify(body)
