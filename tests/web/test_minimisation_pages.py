"""The minimisation pages (issue 15 point 3, RET-11): the queue with a labelled tick per due
finding, a proposal, the proposer's own approval refused on the page, a confirmation before the
irreversible approval, the tombstones; a held candidate's finding refused on the page (RET-02);
403 for investigators and board members."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.support import Clock, Person, csrf_from, login, make_user, runtime_of
from tests.web.test_minimisation import PAST_FLOOR_DAYS, REFUTED_TEXT, build_scene, close_cycle
from tests.web.world import user_in
from vetting.models import Evidence, Minimisation, MinimisationStatus, Role
from vetting.services import holds


@pytest.fixture
def officers(app: Flask) -> tuple[Person, Person]:
    return (
        make_user(app, "records@x.test", Role.RECORDS_OFFICER, name="Rita Records"),
        make_user(app, "records2@x.test", Role.RECORDS_OFFICER, name="Remy Records"),
    )


def _signed_in(app: Flask, person: Person, clock: Clock) -> FlaskClient:
    client = app.test_client()
    login(client, person, clock)
    return client


def _status(app: Flask) -> MinimisationStatus | None:
    with runtime_of(app).db.transaction() as session:
        return session.scalar(select(Minimisation.status))


def test_a_minimisation_through_the_pages_asks_a_second_person_to_confirm(
    app: Flask, clock: Clock, officers: tuple[Person, Person]
) -> None:
    scene = build_scene(app)
    close_cycle(app, scene.bw)
    clock.advance(days=PAST_FLOOR_DAYS)
    first = _signed_in(app, officers[0], clock)
    records = first.get("/retention").get_data(as_text=True)
    assert 'href="/retention/minimisation"' in records
    page = first.get("/retention/minimisation").get_data(as_text=True)
    # Each due finding has its own labelled tick; the relevant and released findings are not listed.
    for finding_id in (scene.refuted, scene.withdrawn, scene.never_reported):
        assert f'<label for="finding-{finding_id}" class="visually-hidden">Propose finding {finding_id}' in page
    assert f"finding-{scene.relevant}" not in page
    assert "<caption" in page
    proposed = first.post(
        "/retention/minimisation",
        data={"finding_ids": [str(scene.refuted), str(scene.withdrawn)], "csrf_token": csrf_from(page)},
    )
    assert proposed.status_code == 302, proposed.get_data(as_text=True)
    detail_url = proposed.headers["Location"]
    detail = first.get(detail_url).get_data(as_text=True)
    assert "A second person approves what one proposed" in detail  # the proposer is told, no button
    assert "Approve and minimise" not in detail
    own = first.get(f"{detail_url}/approve").get_data(as_text=True)
    refused = first.post(f"{detail_url}/approve", data={"csrf_token": csrf_from(own), "confirm": "yes"})
    assert refused.status_code == 409
    assert _status(app) is MinimisationStatus.PROPOSED

    second = _signed_in(app, officers[1], clock)
    assert "Approve and minimise" in second.get(detail_url).get_data(as_text=True)
    confirm = second.get(f"{detail_url}/approve")
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "This cannot be undone" in text
    unconfirmed = second.post(f"{detail_url}/approve", data={"csrf_token": csrf_from(text)})
    assert unconfirmed.status_code == 200
    assert _status(app) is MinimisationStatus.PROPOSED
    done = second.post(f"{detail_url}/approve", data={"csrf_token": csrf_from(text), "confirm": "yes"})
    assert done.status_code == 302
    assert _status(app) is MinimisationStatus.MINIMISED
    tombstone = second.get(detail_url).get_data(as_text=True)
    assert "Tombstones of the minimised findings" in tombstone
    assert "by Rita Records" in tombstone
    assert "by Remy Records" in tombstone
    assert REFUTED_TEXT not in tombstone
    every = second.get("/retention/minimisation?show=all").get_data(as_text=True)
    assert "Minimised" in every

    # The auditor opening the finding's raw text reads the notice where the content was.
    auditor = _signed_in(app, scene.bw.world.auditor, clock)
    form = auditor.get(f"/audit/findings/{scene.refuted}").get_data(as_text=True)
    opened = auditor.post(
        f"/audit/findings/{scene.refuted}",
        data={"reason": "Checking the minimisation of this finding", "csrf_token": csrf_from(form)},
    )
    assert opened.status_code == 200, opened.get_data(as_text=True)
    assert "[minimised: destroyed under the retention schedule (RET-11)]" in opened.get_data(as_text=True)
    assert REFUTED_TEXT not in opened.get_data(as_text=True)


def test_a_held_candidates_finding_is_refused_on_the_page_and_nothing_is_proposed(
    app: Flask, clock: Clock, officers: tuple[Person, Person]
) -> None:
    scene = build_scene(app)
    world = scene.bw.world
    close_cycle(app, scene.bw)
    clock.advance(days=PAST_FLOOR_DAYS)
    client = _signed_in(app, officers[0], clock)
    page = client.get("/retention/minimisation").get_data(as_text=True)
    with runtime_of(app).db.transaction() as session:
        holds.place_hold(
            session,
            user_in(session, world.admin),
            holds.HoldInput("Doe v. City", "2:26-cv-1", "A charge filed", candidate_ids=[world.candidate_id]),
        )
    refused = client.post(
        "/retention/minimisation",
        data={"finding_ids": [str(scene.refuted)], "csrf_token": csrf_from(page)},
        follow_redirects=True,
    )
    text = refused.get_data(as_text=True)
    assert "on legal hold" in text
    assert "No finding is past its minimisation date" in text  # the queue leaves them out
    assert _status(app) is None
    with runtime_of(app).db.transaction() as session:
        assert session.scalar(select(func.count()).where(Evidence.finding_id == scene.refuted)) == 1


def test_a_relevant_finding_is_refused_on_the_page(app: Flask, clock: Clock, officers: tuple[Person, Person]) -> None:
    scene = build_scene(app)
    close_cycle(app, scene.bw)
    clock.advance(days=PAST_FLOOR_DAYS)
    client = _signed_in(app, officers[0], clock)
    page = client.get("/retention/minimisation").get_data(as_text=True)
    refused = client.post(
        "/retention/minimisation",
        data={"finding_ids": [str(scene.relevant)], "csrf_token": csrf_from(page)},
        follow_redirects=True,
    )
    assert "it is relevant and stays with the candidate&#39;s file" in refused.get_data(as_text=True)
    assert _status(app) is None


ROUTES = [
    ("GET", "/retention/minimisation"),
    ("POST", "/retention/minimisation"),
    ("GET", "/retention/minimisation/1"),
    ("GET", "/retention/minimisation/1/approve"),
    ("POST", "/retention/minimisation/1/approve"),
]


def test_investigators_and_board_members_get_403_on_every_page(app: Flask, clock: Clock) -> None:
    inv = make_user(app, "inv@x.test", Role.INVESTIGATOR)
    member = make_user(app, "board@x.test", Role.BOARD_MEMBER)
    for person in (inv, member):
        client = _signed_in(app, person, clock)
        for method, url in ROUTES:
            answer = client.open(url, method=method, data={})
            assert answer.status_code == 403, (person.email, method, url, answer.status_code)
