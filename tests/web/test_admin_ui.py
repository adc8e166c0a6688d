"""The administrator's and the landing pages, driven through the real forms.

POL-01 / R2 (separation of duties: searchers never decide in the same cycle; the web form
answers 409 and writes nothing), POL-03 / R4 (investigators need a current
sensitive-position designation; the pages say why the search tools are closed), and
WCAG 2.1 basics (one <main>, one <h1>, a label for every input).
"""

from __future__ import annotations

import html
import warnings
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.support import PASSWORD, Clock, Person, csrf_from, login, make_user, post_form, published_checklist
from tests.web.helpers import (
    SECRET_RE,
    count,
    db,
    field_error,
    location_path,
    new_cycle,
    page_csrf,
    password_step,
    snapshot,
    structure_of,
)
from vetting.clock import utcnow
from vetting.models import Assignment, AuditEvent, Cycle, CycleStatus, Duty, Role, SensitiveDesignation, User


@pytest.fixture
def admin_client(app: Flask, clock: Clock) -> tuple[Person, FlaskClient]:
    admin = make_user(app, "admin@x.test", Role.ADMIN, name="Ada Admin")
    client = app.test_client()
    login(client, admin, clock)
    return admin, client


def duties_in(app: Flask, cycle_id: int) -> list[tuple[int, Duty]]:
    with db(app) as session:
        rows = session.execute(
            select(Assignment.user_id, Assignment.duty).where(Assignment.cycle_id == cycle_id).order_by(Assignment.id)
        )
        return [(r.user_id, r.duty) for r in rows]


# --- the bug that touches every admin page ---------------------------------------------------


def test_admin_forms_render_without_deprecation_warnings(admin_client: tuple[Person, FlaskClient]) -> None:
    _, client = admin_client
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # as the project's pytest settings say
        assert client.get("/admin/users").status_code == 200


# --- accounts ---------------------------------------------------------------------------------


def test_admin_creates_a_user_through_the_form(app: Flask, admin_client: tuple[Person, FlaskClient]) -> None:
    _, client = admin_client
    response = post_form(
        client,
        "/admin/users",
        {"name": "Ivy Investigator", "email": " Ivy@X.test ", "password": PASSWORD, "roles": ["investigator"]},
    )
    assert response.status_code == 302
    with db(app) as session:
        user = session.scalar(select(User).where(User.email == "ivy@x.test"))
        assert user is not None
        assert user.roles == {Role.INVESTIGATOR}
        assert not user.mfa_enrolled
        user_id = user.id
    assert location_path(response) == f"/admin/users/{user_id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Account created for ivy@x.test" in page
    assert "no sensitive-position designation is on record" in page  # an investigator without one yet


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"password": "too short"}, "password", "12"),
        ({"name": ""}, "name", "required"),
        ({"roles": []}, "roles", "Choose at least one role."),
        ({"roles": ["auditor", "admin"]}, "roles", "cannot be combined"),
    ],
)
def test_user_form_names_the_bad_field_and_writes_nothing(
    app: Flask, admin_client: tuple[Person, FlaskClient], change: dict[str, Any], field: str, message: str
) -> None:
    _, client = admin_client
    data = {"name": "Ivy Investigator", "email": "ivy@x.test", "password": PASSWORD, "roles": ["investigator"]}
    before = snapshot(app)
    response = post_form(client, "/admin/users", {**data, **change})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = field_error(page, field)
    assert error is not None, f"no error beside {field}"
    assert message.lower() in error.lower()
    assert "Please correct the fields marked below." in page or 'role="alert"' in page
    if field != "roles":
        assert f'aria-describedby="{field}-error"' in page or f'aria-describedby="{field}-hint {field}-error"' in page
        assert 'aria-invalid="true"' in page
    assert html.escape("ivy@x.test") in page or field == "email"  # what was typed is kept
    assert snapshot(app) == before


def test_duplicate_email_is_refused_beside_the_email_field(
    app: Flask, admin_client: tuple[Person, FlaskClient]
) -> None:
    _, client = admin_client
    make_user(app, "taken@x.test", Role.BOARD_MEMBER)
    before = snapshot(app)
    response = post_form(
        client, "/admin/users", {"name": "Again", "email": "TAKEN@x.test", "password": PASSWORD, "roles": ["admin"]}
    )
    assert response.status_code == 409
    assert "already exists" in (field_error(response.get_data(as_text=True), "email") or "")
    assert snapshot(app) == before


def test_admin_edits_roles_and_auditor_stays_alone(app: Flask, admin_client: tuple[Person, FlaskClient]) -> None:
    admin, client = admin_client
    person = make_user(app, "pat@x.test", Role.BOARD_MEMBER, name="Pat")
    url = f"/admin/users/{person.id}"

    response = post_form(client, url, {"name": "Pat Jones", "roles": ["board_member", "investigator"]})
    assert response.status_code == 302
    assert "Account updated." in client.get(url).get_data(as_text=True)
    with db(app) as session:
        user = session.get(User, person.id)
        assert user is not None
        assert user.roles == {Role.BOARD_MEMBER, Role.INVESTIGATOR}
        assert user.name == "Pat Jones"

    before = snapshot(app)
    response = post_form(client, url, {"name": "Pat Jones", "roles": ["auditor", "board_member"]})
    assert response.status_code == 422
    error = field_error(response.get_data(as_text=True), "roles")
    assert error == "The auditor role cannot be combined with any other role."
    assert snapshot(app) == before

    response = post_form(client, f"/admin/users/{admin.id}", {"name": "Ada", "roles": ["investigator"]})
    assert response.status_code == 422
    assert "cannot remove your own administrator role" in (field_error(response.get_data(as_text=True), "roles") or "")
    assert snapshot(app) == before


def test_admin_records_a_designation(app: Flask, admin_client: tuple[Person, FlaskClient]) -> None:
    """POL-03 / R4: the designation an investigator needs is recorded from the user page."""
    _, client = admin_client
    person = make_user(app, "ivy@x.test", Role.INVESTIGATOR, designation=False)
    url = f"/admin/users/{person.id}"
    assert "Not current: no sensitive-position designation is on record" in client.get(url).get_data(as_text=True)

    today = utcnow().date()
    dates = {
        "clearance_date": (today - timedelta(days=90)).isoformat(),
        "training_date": (today - timedelta(days=10)).isoformat(),
        "acknowledgement_date": (today - timedelta(days=10)).isoformat(),
        "review_date": (today - timedelta(days=100)).isoformat(),  # before the clearance: refused
    }
    before = snapshot(app)
    response = post_form(client, f"{url}/designation", dates, page=url)
    assert response.status_code == 422
    assert "must not be before the clearance date" in (
        field_error(response.get_data(as_text=True), "review_date") or ""
    )
    assert snapshot(app) == before

    dates["review_date"] = (today + timedelta(days=365)).isoformat()
    response = post_form(client, f"{url}/designation", dates, page=url)
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Sensitive-position designation recorded." in page
    assert "Current until review on" in page
    with db(app) as session:
        designation = session.get(SensitiveDesignation, person.id)
        assert designation is not None
        assert designation.review_date.isoformat() == dates["review_date"]
        assert designation.recorded_by_id is not None


# --- cycles -------------------------------------------------------------------------------


def test_admin_creates_and_opens_a_cycle(app: Flask, admin_client: tuple[Person, FlaskClient]) -> None:
    admin, client = admin_client
    before = snapshot(app)
    response = post_form(client, "/admin/cycles", {"title": "  ", "position": "Officer"})
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "title")
    assert snapshot(app) == before

    response = post_form(client, "/admin/cycles", {"title": "Patrol 2026", "position": "Officer", "blind_review": "y"})
    assert response.status_code == 302
    with db(app) as session:
        cycle = session.scalar(select(Cycle))
        assert cycle is not None
        assert (cycle.title, cycle.position, cycle.blind_review, cycle.status) == (
            "Patrol 2026",
            "Officer",
            True,
            CycleStatus.DRAFT,
        )
        cycle_id = cycle.id
    url = f"/admin/cycles/{cycle_id}"
    assert location_path(response) == url
    page = client.get(url).get_data(as_text=True)
    assert "created as a draft" in page
    assert "Open the cycle" in page
    assert "Not chosen: required before opening" in page

    # R6: a cycle opens only with a published checklist version pinned.
    response = post_form(client, f"{url}/status", {"status": "open", "confirm": "yes"}, page=url)
    assert response.status_code == 409
    assert "published checklist version before opening" in html.unescape(response.get_data(as_text=True))
    assert count(app, Cycle, Cycle.status == CycleStatus.OPEN) == 0
    version_id = published_checklist(app, admin.id, items=2, name="Sworn positions")
    response = post_form(
        client, f"{url}/checklist", {"checklist_version_id": version_id, "identity_match_minimum": 2}, page=url
    )
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Sworn positions v1" in page
    with db(app) as session:
        pinned = session.get(Cycle, cycle_id)
        assert pinned is not None
        assert (pinned.checklist_version_id, pinned.identity_match_minimum) == (version_id, 2)

    response = post_form(client, f"{url}/status", {"status": "open", "confirm": "yes"}, page=url)
    assert response.status_code == 302
    assert "Cycle is now open." in client.get(url).get_data(as_text=True)
    assert count(app, Cycle, Cycle.status == CycleStatus.OPEN) == 1
    assert "Patrol 2026" in client.get("/admin/cycles").get_data(as_text=True)


def test_admin_assigns_an_investigator_and_a_board_member(app: Flask, admin_client: tuple[Person, FlaskClient]) -> None:
    admin, client = admin_client
    inv = make_user(app, "inv@x.test", Role.INVESTIGATOR, name="Ivy Investigator")
    board = make_user(app, "board@x.test", Role.BOARD_MEMBER, name="Bo Board")
    cycle_id = new_cycle(app, admin.id)
    url = f"/admin/cycles/{cycle_id}"
    page = client.get(url).get_data(as_text=True)
    assert "Ivy Investigator" in page
    assert "Bo Board" in page

    response = post_form(client, f"{url}/assignments", {"user_id": inv.id, "duty": "investigator"}, page=url)
    assert response.status_code == 302
    response = post_form(client, f"{url}/assignments", {"user_id": board.id, "duty": "board_member"}, page=url)
    assert response.status_code == 302
    assert "Bo Board assigned as board member." in client.get(url).get_data(as_text=True)
    assert duties_in(app, cycle_id) == [(inv.id, Duty.INVESTIGATOR), (board.id, Duty.BOARD_MEMBER)]


@pytest.mark.parametrize(
    ("held", "requested", "says"),
    [
        (Duty.BOARD_MEMBER, Duty.INVESTIGATOR, "already a board member"),
        (Duty.INVESTIGATOR, Duty.BOARD_MEMBER, "already an investigator"),
    ],
)
def test_separation_of_duties_through_the_web_form(
    app: Flask, admin_client: tuple[Person, FlaskClient], held: Duty, requested: Duty, says: str
) -> None:
    """POL-01 / R2: the second duty in one cycle is refused with 409, the reason, and an audit record."""
    admin, client = admin_client
    dual = make_user(app, "dual@x.test", Role.INVESTIGATOR, Role.BOARD_MEMBER, name="Dana Dual")
    cycle_id = new_cycle(app, admin.id, dual=held)
    url = f"/admin/cycles/{cycle_id}"
    refused_before = count(app, AuditEvent, AuditEvent.event == "assignment.refused")

    response = post_form(client, f"{url}/assignments", {"user_id": dual.id, "duty": requested.value}, page=url)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert f"Dana Dual is {says} in this cycle" in page
    assert "POL-01" in page
    assert "no role can override this" in page
    assert '<div class="alert alert--error" role="alert">' in page
    assert duties_in(app, cycle_id) == [(dual.id, held)]
    assert count(app, AuditEvent, AuditEvent.event == "assignment.refused") == refused_before + 1


def test_assigning_an_investigator_without_designation_says_why(
    app: Flask, admin_client: tuple[Person, FlaskClient], clock: Clock
) -> None:
    """POL-03 / R4: the assignment form explains that the designation is missing or lapsed."""
    admin, client = admin_client
    bare = make_user(app, "bare@x.test", Role.INVESTIGATOR, designation=False, name="Bea Bare")
    cycle_id = new_cycle(app, admin.id)
    url = f"/admin/cycles/{cycle_id}"
    assert "Bea Bare" in client.get("/admin").get_data(as_text=True)  # flagged on the overview

    response = post_form(client, f"{url}/assignments", {"user_id": bare.id, "duty": "investigator"}, page=url)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Bea Bare cannot be assigned as investigator: no sensitive-position designation is on record" in page
    assert "POL-03" in page
    assert duties_in(app, cycle_id) == []

    lapsed = make_user(app, "lapsed@x.test", Role.INVESTIGATOR, name="Lee Lapsed")
    with db(app) as session:
        designation = session.get(SensitiveDesignation, lapsed.id)
        assert designation is not None
        designation.review_date = utcnow().date() - timedelta(days=1)
        due = designation.review_date.isoformat()
    response = post_form(client, f"{url}/assignments", {"user_id": lapsed.id, "duty": "investigator"}, page=url)
    assert response.status_code == 409
    assert f"review was due on {due}" in response.get_data(as_text=True)
    assert duties_in(app, cycle_id) == []


@pytest.mark.parametrize(
    ("setup", "action", "message"),
    [
        ("self", "deactivate", "You cannot deactivate your own account."),
        ("open", "reopen", "Only a draft cycle can be opened"),
    ],
)
def test_refused_button_actions_tell_the_admin_why(
    app: Flask, admin_client: tuple[Person, FlaskClient], setup: str, action: str, message: str
) -> None:
    admin, client = admin_client
    if setup == "self":
        url = f"/admin/users/{admin.id}"
        response = post_form(client, f"{url}/deactivate", {"confirm": "yes"}, page=url)
        assert response.status_code == 422
    else:
        cycle_id = new_cycle(app, admin.id)
        url = f"/admin/cycles/{cycle_id}"
        version_id = published_checklist(app, admin.id)
        response = post_form(
            client, f"{url}/checklist", {"checklist_version_id": version_id, "identity_match_minimum": 3}, page=url
        )
        assert response.status_code == 302
        assert post_form(client, f"{url}/status", {"status": "open", "confirm": "yes"}, page=url).status_code == 302
        response = client.post(
            f"{url}/status", data={"status": "open", "confirm": "yes", "csrf_token": page_csrf(client, url)}
        )
        assert response.status_code == 409
    assert message in response.get_data(as_text=True)


# --- landing pages ----------------------------------------------------------------------------


def test_investigator_without_designation_is_told_search_tools_are_closed(app: Flask, clock: Clock) -> None:
    person = make_user(app, "bare@x.test", Role.INVESTIGATOR, designation=False)
    client = app.test_client()
    login(client, person, clock)
    assert location_path(client.get("/")) == "/investigations"
    page = client.get("/investigations").get_data(as_text=True)
    assert "Search tools are closed to you" in page
    assert "no sensitive-position designation is on record" in page
    assert "Ask an administrator" in page


def test_investigator_with_lapsed_designation_is_told_why(app: Flask, clock: Clock) -> None:
    person = make_user(app, "inv@x.test", Role.INVESTIGATOR)  # review due in 200 days
    with db(app) as session:
        designation = session.get(SensitiveDesignation, person.id)
        assert designation is not None
        due = designation.review_date
        designation.training_date = due + timedelta(days=5)
    clock.advance(days=201)
    client = app.test_client()
    login(client, person, clock)
    page = client.get("/investigations").get_data(as_text=True)
    assert "Search tools are closed to you" in page
    assert f"review was due on {due.isoformat()}" in page
    assert "training is dated in the future" in page


def test_investigator_with_current_designation_and_no_cycle(app: Flask, clock: Clock) -> None:
    person = make_user(app, "inv@x.test", Role.INVESTIGATOR)
    client = app.test_client()
    login(client, person, clock)
    page = client.get("/investigations").get_data(as_text=True)
    assert "Search tools are closed" not in page
    assert "designation is current until its review" in page
    assert "No cycle has you as an investigator yet" in page


def test_investigations_page_lists_the_investigators_cycles(app: Flask, clock: Clock) -> None:
    admin = make_user(app, "admin@x.test", Role.ADMIN)
    person = make_user(app, "inv@x.test", Role.INVESTIGATOR)
    new_cycle(app, admin.id, "Patrol officer 2026", inv=Duty.INVESTIGATOR)
    new_cycle(app, admin.id, "Dispatcher 2026")
    client = app.test_client()
    login(client, person, clock)
    page = client.get("/investigations").get_data(as_text=True)
    assert "Patrol officer 2026" in page
    assert "Dispatcher 2026" not in page


def test_board_member_without_a_cycle_is_told_so(app: Flask, clock: Clock) -> None:
    person = make_user(app, "board@x.test", Role.BOARD_MEMBER)
    client = app.test_client()
    login(client, person, clock)
    assert location_path(client.get("/")) == "/board"
    assert "You do not sit on any hiring board yet" in client.get("/board").get_data(as_text=True)


def test_board_landing_lists_only_the_boards_cycles(app: Flask, clock: Clock) -> None:
    admin = make_user(app, "admin@x.test", Role.ADMIN)
    person = make_user(app, "board@x.test", Role.BOARD_MEMBER)
    new_cycle(app, admin.id, "Patrol officer 2026", board=Duty.BOARD_MEMBER)
    new_cycle(app, admin.id, "Dispatcher 2026")
    client = app.test_client()
    login(client, person, clock)
    page = client.get("/board").get_data(as_text=True)
    assert "Patrol officer 2026" in page
    assert "Dispatcher 2026" not in page


def test_admin_user_page_lists_the_users_duties(app: Flask, admin_client: tuple[Person, FlaskClient]) -> None:
    admin, client = admin_client
    person = make_user(app, "board@x.test", Role.BOARD_MEMBER)
    new_cycle(app, admin.id, "Patrol officer 2026", board=Duty.BOARD_MEMBER)
    page = client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert "Board member in “Patrol officer 2026”" in page


def test_account_page_lists_my_duties(app: Flask, clock: Clock) -> None:
    admin = make_user(app, "admin@x.test", Role.ADMIN)
    person = make_user(app, "inv@x.test", Role.INVESTIGATOR)
    new_cycle(app, admin.id, "Patrol officer 2026", inv=Duty.INVESTIGATOR)
    client = app.test_client()
    login(client, person, clock)
    page = client.get("/account").get_data(as_text=True)
    assert "Patrol officer 2026" in page
    assert "Investigator" in page


# --- page structure -------------------------------------------------------------------------


def assert_accessible(page: str, where: str) -> None:
    structure = structure_of(page)
    assert structure.tags["main"] == 1, f"{where}: {structure.tags['main']} <main>"
    assert structure.tags["h1"] == 1, f"{where}: {structure.tags['h1']} <h1>"
    assert structure.tags["html"] == 1, where
    assert structure.unlabelled_controls() == [], where
    assert 'lang="en"' in page, where


def test_pages_have_one_main_one_h1_and_labelled_inputs(app: Flask, clock: Clock) -> None:
    admin = make_user(app, "admin@x.test", Role.ADMIN)
    inv = make_user(app, "inv@x.test", Role.INVESTIGATOR)
    board = make_user(app, "board@x.test", Role.BOARD_MEMBER)
    auditor = make_user(app, "audit@x.test", Role.AUDITOR)
    newcomer = make_user(app, "new@x.test", Role.BOARD_MEMBER, enrolled=False)
    make_user(app, "inv2@x.test", Role.INVESTIGATOR)  # someone left to offer in the assign form
    cycle_id = new_cycle(app, admin.id, board=Duty.BOARD_MEMBER)
    pages: dict[str, str] = {}

    anonymous = app.test_client()
    pages["/login"] = anonymous.get("/login").get_data(as_text=True)
    pages["/no-such-page"] = anonymous.get("/no-such-page").get_data(as_text=True)
    password_step(anonymous, inv)
    pages["/login/code"] = anonymous.get("/login/code").get_data(as_text=True)
    password_step(anonymous, newcomer)
    enrol = anonymous.get("/login/enrol").get_data(as_text=True)
    pages["/login/enrol"] = enrol
    assert SECRET_RE.search(enrol)

    for person, urls in (
        (admin, ["/admin", "/admin/users", f"/admin/users/{inv.id}", "/admin/cycles", f"/admin/cycles/{cycle_id}"]),
        (inv, ["/investigations", "/account", "/board"]),
        (board, ["/board", "/account"]),
        (auditor, ["/audit", "/account"]),
    ):
        client = app.test_client()
        login(client, person, clock)
        for url in urls:
            pages[f"{person.email} {url}"] = client.get(url).get_data(as_text=True)
        if person is admin:
            response = client.post(
                "/admin/users", data={"email": "x", "csrf_token": csrf_from(pages[f"{person.email} /admin/users"])}
            )
            pages["user form with errors"] = response.get_data(as_text=True)
            page = pages[f"{person.email} /admin/cycles/{cycle_id}"]
            assert 'id="user_id"' in page  # the assign form is on the page being checked

    for where, page in pages.items():
        assert_accessible(page, where)
    img = structure_of(pages["/login/enrol"])
    assert img.tags["img"] == 1
    assert 'alt="QR code' in pages["/login/enrol"]


# --- irreversible actions ask first; a cycle says what keeps it from working (issue 18) ------------


def test_closing_a_cycle_has_a_confirmation_step(app: Flask, admin_client: tuple[Person, FlaskClient]) -> None:
    admin, client = admin_client
    cycle_id = new_cycle(app, admin.id)
    url = f"/admin/cycles/{cycle_id}"
    version_id = published_checklist(app, admin.id)
    data = {"checklist_version_id": version_id, "identity_match_minimum": 3}
    assert post_form(client, f"{url}/checklist", data, page=url).status_code == 302
    assert post_form(client, f"{url}/status", {"status": "open", "confirm": "yes"}, page=url).status_code == 302

    page = client.get(url).get_data(as_text=True)
    assert f'href="{url}/status/closed">Close the cycle…</a>' in page
    assert f'action="{url}/status"' not in page  # no button on the cycle page acts at once
    confirm = client.get(f"{url}/status/closed")
    assert confirm.status_code == 200
    text = html.unescape(confirm.get_data(as_text=True))
    assert "Close “Patrol officer 2026”?" in text
    assert "This cannot be undone: a closed cycle cannot be opened again." in text
    assert f'<a class="button button--secondary" href="{url}">Cancel</a>' in text
    assert '<input type="hidden" name="confirm" value="yes">' in text
    assert '<input type="hidden" name="status" value="closed">' in text
    assert_accessible(confirm.get_data(as_text=True), "close confirmation")

    # One click without the confirmation acts on nothing: it answers with the confirmation page.
    csrf = page_csrf(client, url)
    before = snapshot(app)
    response = client.post(f"{url}/status", data={"status": "closed", "csrf_token": csrf})
    assert response.status_code == 200
    assert "Yes, close the cycle" in response.get_data(as_text=True)
    assert snapshot(app) == before

    response = client.post(f"{url}/status", data={"status": "closed", "confirm": "yes", "csrf_token": csrf})
    assert response.status_code == 302
    assert count(app, Cycle, Cycle.status == CycleStatus.CLOSED) == 1


def test_a_new_cycle_defaults_to_a_rule_that_works_and_warns_until_it_can(
    app: Flask, admin_client: tuple[Person, FlaskClient]
) -> None:
    admin, client = admin_client
    form = client.get("/admin/cycles").get_data(as_text=True)
    assert 'checked id="decision_rule-1" name="decision_rule" required type="radio" value="majority"' in form
    response = post_form(client, "/admin/cycles", {"title": "Patrol 2027", "position": "Officer"}, page="/admin/cycles")
    assert response.status_code == 302
    with db(app) as session:
        cycle = session.scalar(select(Cycle).where(Cycle.title == "Patrol 2027"))
        assert cycle is not None
        assert cycle.decision_rule.value == "majority"
        cycle_id = cycle.id
    url = f"/admin/cycles/{cycle_id}"
    page = html.unescape(client.get(url).get_data(as_text=True))
    assert "This cycle is not ready" in page
    assert "No investigator is assigned" in page
    assert "The board has no members" in page
    assert "no chair is named" not in page
    # Opening asks first, repeats the warnings and says the button opens it anyway.
    confirm = html.unescape(client.get(f"{url}/status/open").get_data(as_text=True))
    assert "The board has no members" in confirm
    assert "Open the cycle anyway" in confirm
    assert "Choose the cycle's published checklist version first" in confirm  # and why it cannot yet

    # The chair rule without a chair cannot record a decision: the page says so.
    response = post_form(
        client,
        "/admin/cycles",
        {"title": "Dispatch 2027", "position": "Dispatcher", "decision_rule": "chair"},
        page="/admin/cycles",
    )
    assert response.status_code == 302
    page = html.unescape(client.get(location_path(response)).get_data(as_text=True))
    assert "The decision rule is “The chair decides” but no chair is named" in page


def test_the_setup_warnings_go_once_the_cycle_can_work(app: Flask, admin_client: tuple[Person, FlaskClient]) -> None:
    admin, client = admin_client
    make_user(app, "inv@x.test", Role.INVESTIGATOR)
    make_user(app, "board@x.test", Role.BOARD_MEMBER)
    cycle_id = new_cycle(app, admin.id, inv=Duty.INVESTIGATOR, board=Duty.BOARD_MEMBER)
    url = f"/admin/cycles/{cycle_id}"
    page = html.unescape(client.get(url).get_data(as_text=True))
    assert "no chair is named" in page  # the service's default rule (the API's) is the chair's
    rules = {"decision_rule": "majority", "decision_quorum": "2", "chair_user_id": "0", "response_days": "5"}
    assert post_form(client, f"{url}/board-rules", rules, page=url).status_code == 302
    page = html.unescape(client.get(url).get_data(as_text=True))
    assert "A decision needs 2 recommendations but the board has 1 member: the quorum can never be met." in page
    assert post_form(client, f"{url}/board-rules", {**rules, "decision_quorum": "1"}, page=url).status_code == 302
    assert "This cycle is not ready" not in client.get(url).get_data(as_text=True)


@pytest.mark.parametrize(
    ("action", "undo", "changed"),
    [
        ("deactivate", "This can be undone", lambda u: not u.is_active),
        ("reset-mfa", "This cannot be undone", lambda u: u.totp_enrolled_at is None),
    ],
)
def test_deactivating_and_resetting_a_second_factor_ask_first(
    app: Flask, admin_client: tuple[Person, FlaskClient], action: str, undo: str, changed: Any
) -> None:
    _, client = admin_client
    target = make_user(app, "target@x.test", Role.INVESTIGATOR, name="Tia Target")
    url = f"/admin/users/{target.id}"
    assert f'href="{url}/{action}"' in client.get(url).get_data(as_text=True)
    confirm = client.get(f"{url}/{action}")
    assert confirm.status_code == 200
    assert undo in confirm.get_data(as_text=True)
    assert "Tia Target" in html.unescape(confirm.get_data(as_text=True))
    csrf = page_csrf(client, url)
    response = client.post(f"{url}/{action}", data={"csrf_token": csrf})
    assert response.status_code == 200  # the confirmation again
    with db(app) as session:
        user = session.get(User, target.id)
        assert user is not None
        assert not changed(user)
    assert client.post(f"{url}/{action}", data={"csrf_token": csrf, "confirm": "yes"}).status_code == 302
    with db(app) as session:
        user = session.get(User, target.id)
        assert user is not None
        assert changed(user)


def test_publishing_a_checklist_version_asks_first(app: Flask, admin_client: tuple[Person, FlaskClient]) -> None:
    _, client = admin_client
    response = post_form(client, "/admin/checklists", {"name": "Civilian staff"}, page="/admin/checklists")
    url = location_path(response)
    item = {"title": "News archives", "source": "Local papers", "technique": "A4", "required": "y"}
    assert post_form(client, f"{url}/items", item, page=url).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert f'href="{url}/publish">Publish as version 1…</a>' in page
    confirm = html.unescape(client.get(f"{url}/publish").get_data(as_text=True))
    assert "Publish “Civilian staff” as version 1?" in confirm
    assert "The draft (1 item) is frozen as version 1" in confirm
    assert "This cannot be undone" in confirm
    csrf = page_csrf(client, url)
    assert "Yes, publish version 1" in client.post(f"{url}/publish", data={"csrf_token": csrf}).get_data(as_text=True)
    assert "Published versions" in page
    assert "Nothing published yet." in client.get(url).get_data(as_text=True)
    response = client.post(f"{url}/publish", data={"csrf_token": csrf, "confirm": "yes"})
    assert response.status_code == 302
    assert "Published as version 1." in client.get(url).get_data(as_text=True)
