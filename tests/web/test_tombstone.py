"""A disposed candidate's tombstone (issue 15 point 3, RET-07): whoever follows an old link to the
candidate (the cycle's list, the board's list, the audit log, a records request) is sent to a page
that says plainly the records were disposed of and shows the tombstone, instead of an error; the
API keeps 409 ``candidate_erased`` on the content routes and offers the tombstone at a read route.
Someone who may not see the cycle learns nothing (404). Nothing is decrypted for it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.support import Clock, Person, login, make_user, runtime_of
from tests.web.board_world import BoardWorld, build_board_world, complete
from tests.web.world import API, CANDIDATE_NAME, add_candidate, add_evidence, bearer, error_of, user_in
from vetting.clock import today
from vetting.crypto import DataKey, Keyring
from vetting.models import Candidate, CycleStatus, Role, SensitiveDesignation
from vetting.services import cycles, disposition

PAST_RETENTION_DAYS = 2 * 365 + 10


@pytest.fixture
def disposed(app: Flask, clock: Clock) -> tuple[BoardWorld, int, Person]:
    """A candidate with evidence, disposed by one records officer's proposal and another's approval;
    the investigator's designation renewed after the two years (so the old link still opens)."""
    bw = build_board_world(app, complete_search=False)
    add_evidence(app, bw.world.inv, bw.findings[0])
    complete(app, bw.world.inv, bw.world.candidate_id)
    proposer = make_user(app, "records@x.test", Role.RECORDS_OFFICER, name="Rita Records")
    approver = make_user(app, "records2@x.test", Role.RECORDS_OFFICER, name="Remy Records")
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        cycles.change_status(session, user_in(session, bw.world.admin), bw.world.cycle_id, CycleStatus.CLOSED)
    clock.advance(days=PAST_RETENTION_DAYS)
    with rt.db.transaction() as session:
        proposed = disposition.propose(session, user_in(session, proposer), bw.world.candidate_id)
    with rt.db.transaction() as session:
        disposition.approve(
            session, user_in(session, approver), rt.security, rt.store, proposed.id, results=rt.queue.results
        )
        designation = session.scalar(
            select(SensitiveDesignation).where(SensitiveDesignation.user_id == bw.world.inv.id)
        )
        assert designation is not None
        designation.training_date = designation.acknowledgement_date = today() - timedelta(days=10)
        designation.review_date = today() + timedelta(days=200)
    return bw, proposed.id, proposer


def _client(app: Flask, person: Person, clock: Clock) -> FlaskClient:
    client = app.test_client()
    login(client, person, clock)
    return client


def _tombstone_page(client: FlaskClient, old_link: str, candidate_id: int) -> str:
    """Follow ``old_link``: one redirect to the tombstone, which answers 200."""
    followed = client.get(old_link)
    assert followed.status_code == 303, (old_link, followed.status_code)
    assert followed.headers["Location"] == f"/retention/candidates/{candidate_id}"
    page = client.get(followed.headers["Location"])
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_old_links_of_each_role_that_sees_the_cycle_lead_to_the_tombstone(
    app: Flask, clock: Clock, disposed: tuple[BoardWorld, int, Person]
) -> None:
    bw, disposition_id, proposer = disposed
    candidate_id = bw.world.candidate_id
    tombstone = f"/retention/candidates/{candidate_id}"
    pages = {
        "investigator": _tombstone_page(_client(app, bw.world.inv, clock), f"/candidates/{candidate_id}", candidate_id),
        "board": _tombstone_page(_client(app, bw.chair, clock), f"/board/candidates/{candidate_id}", candidate_id),
    }
    finding = _client(app, bw.world.inv, clock).get(f"/findings/{bw.findings[0]}")  # a finding's old link too
    assert (finding.status_code, finding.headers["Location"]) == (303, tombstone)
    for person in (bw.world.admin, bw.world.auditor, proposer):  # records readers, from the records pages
        answer = _client(app, person, clock).get(tombstone)
        assert answer.status_code == 200
        pages[person.email] = answer.get_data(as_text=True)

    certificate = f"/retention/dispositions/{disposition_id}/certificate.pdf"
    for who, page in pages.items():
        assert "records disposed of" in page, who
        assert "cannot be opened by anyone" in page, who
        assert "by Rita Records" in page, who
        assert "by Remy Records" in page, who
        assert "29 CFR 1602.31" in page, who  # the citation of the class
        assert "What was destroyed" in page, who
        assert "Files deleted from storage" in page, who
        assert CANDIDATE_NAME not in page, who
        # The certificate is the records readers' (its download is audited there).
        assert (certificate in page) is (who not in ("investigator", "board")), who
    downloaded = _client(app, proposer, clock).get(certificate)
    assert downloaded.status_code == 200
    assert downloaded.data.startswith(b"%PDF-")


def test_someone_who_may_not_see_the_cycle_learns_nothing(
    app: Flask, clock: Clock, disposed: tuple[BoardWorld, int, Person]
) -> None:
    bw, _, _ = disposed
    stranger = make_user(app, "stranger@x.test", Role.BOARD_MEMBER, name="Sam Stranger")
    for person in (bw.world.outsider, stranger):
        client = _client(app, person, clock)
        answer = client.get(f"/retention/candidates/{bw.world.candidate_id}")
        assert answer.status_code == 404, person.email
        assert "disposed" not in answer.get_data(as_text=True)
        api = client.get(f"{API}/candidates/{bw.world.candidate_id}/tombstone", headers=bearer(app, person))
        assert api.status_code == 404
        assert error_of(api)["code"] == "not_found"


def test_the_api_keeps_its_409_and_offers_the_tombstone_at_a_read_route(
    app: Flask, client: FlaskClient, disposed: tuple[BoardWorld, int, Person]
) -> None:
    bw, disposition_id, proposer = disposed
    candidate_id = bw.world.candidate_id
    board = bearer(app, bw.chair)
    content = client.get(f"{API}/board/candidates/{candidate_id}/summary", headers=board)
    assert content.status_code == 409
    assert error_of(content)["code"] == "candidate_erased"
    answer = client.get(f"{API}/candidates/{candidate_id}/tombstone", headers=board)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["id"] == disposition_id
    with runtime_of(app).db.transaction() as session:
        assert body["candidate_code"] == session.get(Candidate, candidate_id).code  # type: ignore[union-attr]
    assert body["status"] == "disposed"
    assert body["proposed_by_name"] == "Rita Records"
    assert body["approved_by_name"] == "Remy Records"
    assert body["destroyed"]["file_counts"]["evidence"] == 1
    assert len(body["destroyed"]["key_sha256"]) == 64
    assert CANDIDATE_NAME not in answer.get_data(as_text=True)


def test_a_candidate_whose_records_exist_has_no_tombstone(
    app: Flask, client: FlaskClient, clock: Clock, disposed: tuple[BoardWorld, int, Person]
) -> None:
    bw, _, _ = disposed
    other = add_candidate(app, bw.world.admin, bw.world.other_cycle_id, "Another Person")
    answer = client.get(f"{API}/candidates/{other}/tombstone", headers=bearer(app, bw.world.admin))
    assert answer.status_code == 404
    assert error_of(answer)["code"] == "not_disposed"
    page = _client(app, bw.world.admin, clock).get(f"/retention/candidates/{other}")
    assert page.status_code == 404
    assert "have not been disposed of" in page.get_data(as_text=True)


def test_the_tombstone_opens_nothing(
    app: Flask, clock: Clock, disposed: tuple[BoardWorld, int, Person], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No key is unwrapped and no value decrypted to show it: there is nothing left to open."""
    bw, _, proposer = disposed
    client = _client(app, proposer, clock)
    token = bearer(app, proposer)

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the tombstone decrypted something")

    monkeypatch.setattr(Keyring, "decrypt", refuse)
    monkeypatch.setattr(DataKey, "decrypt_text", refuse)
    assert client.get(f"/retention/candidates/{bw.world.candidate_id}").status_code == 200
    answer = client.get(f"{API}/candidates/{bw.world.candidate_id}/tombstone", headers=token)
    assert answer.status_code == 200
