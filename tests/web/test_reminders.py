"""Due dates and reminders (issue 16 point 6): thresholds crossed on the agency's clock, each
person's list scoped by vetting.policy (R4: searchers with a current designation; POL-01: the
board only its boards; POL-03: administrators the designations), counted in a fixed number of SQL
statements, the navigation's count, the thresholds' API and page, and the daily digest: once per
person and day with two runs, none for those who opted out, counts and links only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests.support import Clock, Person, login, post_form, runtime_of, statements
from tests.web.board_world import build_board_world, deliver_by_hand
from tests.web.world import (
    API,
    CANDIDATE_NAME,
    World,
    add_candidate,
    add_finding,
    add_investigator,
    bearer,
    build_world,
    error_of,
    record_consent,
    resolve,
    user_in,
)
from vetting import clock as agency_clock
from vetting import create_app
from vetting.config import ConfigError, Settings, load_settings
from vetting.jobs.reminders import send_digests
from vetting.models import DigestDay, Duty, MessageTemplate, OutboxMessage, ReminderKind, SensitiveDesignation
from vetting.runtime import Runtime
from vetting.services import reminders

ZONE = "America/Chicago"
THRESHOLDS = {
    "consent_pending_days": 7,
    "checklist_ageing_days": 14,
    "review_waiting_days": 2,
    "recommendation_missing_days": 5,
    "response_window_days": 2,
    "designation_review_days": 30,
    "hold_review_days": 30,
    "digest_hour": 7,
}


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    """The agency is in Chicago: its days, not UTC's, decide what is due."""
    application = create_app(settings.with_overrides(time_zone=ZONE))
    yield application
    application.extensions["vetting"].db.dispose()
    agency_clock.set_zone("UTC")


def _actions(app: Flask, person: Person) -> dict[tuple[ReminderKind, int | None], int]:
    with runtime_of(app).db.transaction() as session:
        found = reminders.actions_for(session, user_in(session, person))
    return {(item.kind, item.cycle_id): item.count for item in found.items}


def _kinds(app: Flask, person: Person) -> set[ReminderKind]:
    return {kind for kind, _ in _actions(app, person)}


def _chicago(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=agency_clock.zone()).astimezone(UTC)


# --- thresholds crossed on the agency's clock ------------------------------------------------------


def test_consent_pending_is_due_from_the_start_of_the_agencys_seventh_day(app: Flask, clock: Clock) -> None:
    world = build_world(app)  # the candidate is added on 2 Nov, 03:00 in Chicago
    key = (ReminderKind.CONSENT_PENDING, world.cycle_id)
    clock.now = _chicago(2026, 11, 8, 23, 59)  # 05:59 UTC on the 9th: already the 9th in UTC
    assert key not in _actions(app, world.inv)
    clock.now = _chicago(2026, 11, 9, 0, 0)
    assert _actions(app, world.inv)[key] == 1
    record_consent(app, world.inv, world.candidate_id)
    assert key not in _actions(app, world.inv)


def test_checklist_items_age_from_consent_until_every_item_is_resolved(app: Flask, clock: Clock) -> None:
    world = build_world(app)
    record_consent(app, world.inv, world.candidate_id)
    resolve(app, world.inv, world.candidate_id, world.items[0])
    key = (ReminderKind.CHECKLIST_AGEING, world.cycle_id)
    clock.advance(days=13)
    assert key not in _actions(app, world.inv)
    clock.advance(days=1)
    assert _actions(app, world.inv)[key] == 1
    for item in world.items[1:]:
        resolve(app, world.inv, world.candidate_id, item)
    assert key not in _actions(app, world.inv)


def test_a_finding_waits_for_a_second_reviewer_never_for_its_author(app: Flask, clock: Clock) -> None:
    world = build_world(app)
    second = add_investigator(app, world)
    record_consent(app, world.inv, world.candidate_id)
    add_finding(app, world.inv, world.candidate_id, world.items[0])
    key = (ReminderKind.REVIEW_WAITING, world.cycle_id)
    clock.advance(days=1)
    assert key not in _actions(app, second)
    clock.advance(days=1)
    assert _actions(app, second)[key] == 1
    assert ReminderKind.REVIEW_WAITING not in _kinds(app, world.inv)  # R3: the author never releases
    assert ReminderKind.REVIEW_WAITING not in _kinds(app, world.outsider)


def test_a_missing_recommendation_is_each_board_members_own(app: Flask, client: FlaskClient, clock: Clock) -> None:
    bw = build_board_world(app)
    key = (ReminderKind.RECOMMENDATION_MISSING, bw.world.cycle_id)
    clock.advance(days=4)
    assert key not in _actions(app, bw.chair)
    clock.advance(days=1)
    assert _actions(app, bw.chair)[key] == 1
    assert _actions(app, bw.member)[key] == 1
    body = {"outcome": "advance", "rationale": "Nothing of concern.", "finding_ids": []}
    url = f"{API}/board/candidates/{bw.world.candidate_id}/recommendations"
    assert client.post(url, json=body, headers=bearer(app, bw.chair)).status_code == 201
    assert key not in _actions(app, bw.chair)
    assert _actions(app, bw.member)[key] == 1


def test_a_response_window_ending_reminds_the_board_and_the_investigators(
    app: Flask, client: FlaskClient, clock: Clock
) -> None:
    bw = build_board_world(app)
    chair = bearer(app, bw.chair)
    body = {
        "outcome": "do_not_advance",
        "rationale": "Relied on the threat recorded in the released finding.",
        "finding_ids": bw.findings[:1],
    }
    base = f"{API}/board/candidates/{bw.world.candidate_id}"
    assert client.post(f"{base}/recommendations", json=body, headers=chair).status_code == 201
    proposed = client.post(f"{base}/decisions", json=body, headers=chair)
    assert proposed.status_code == 201, proposed.get_data(as_text=True)
    notice_id = proposed.get_json()["board"]["notices"][0]["id"]
    delivered = deliver_by_hand(client, app, bw.world.inv, notice_id)  # the window starts at delivery
    due = datetime.fromisoformat(delivered["response_due"]).date()  # five business days on
    clock.now = _chicago(due.year, due.month, due.day, 12) - timedelta(days=5)  # the Wednesday before: 3 business days
    assert ReminderKind.RESPONSE_WINDOW not in _kinds(app, bw.chair)
    clock.advance(days=1)  # Thursday: Friday, then Monday, the due day
    assert _actions(app, bw.chair)[(ReminderKind.RESPONSE_WINDOW, bw.world.cycle_id)] == 1
    assert _actions(app, bw.world.inv)[(ReminderKind.RESPONSE_WINDOW, bw.world.cycle_id)] == 1
    assert ReminderKind.RESPONSE_WINDOW not in _kinds(app, bw.world.outsider)
    clock.advance(days=5)  # the window has closed: the board's decision is not a reminder of a window
    assert ReminderKind.RESPONSE_WINDOW not in _kinds(app, bw.chair)


def test_designations_due_for_review_are_the_administrators(app: Flask, clock: Clock) -> None:
    world = build_world(app)  # both investigators' reviews are due in 200 days
    assert ReminderKind.DESIGNATION_REVIEW not in _kinds(app, world.admin)
    clock.advance(days=170)
    assert _actions(app, world.admin)[(ReminderKind.DESIGNATION_REVIEW, None)] == 2
    for person in (world.inv, world.board, world.auditor):
        assert ReminderKind.DESIGNATION_REVIEW not in _kinds(app, person)


# --- scoping -------------------------------------------------------------------------------------


def test_someone_elses_cycle_is_never_counted(app: Flask, clock: Clock) -> None:
    world = build_world(app)
    add_candidate(app, world.outsider, world.other_cycle_id, "Other Candidate")
    clock.advance(days=30)
    assert _actions(app, world.inv) == {(ReminderKind.CONSENT_PENDING, world.cycle_id): 1}
    assert _actions(app, world.outsider) == {(ReminderKind.CONSENT_PENDING, world.other_cycle_id): 1}
    assert _actions(app, world.board) == {}
    assert _actions(app, world.auditor) == {}


def test_a_searcher_without_a_current_designation_is_reminded_of_nothing(app: Flask, clock: Clock) -> None:
    world = build_world(app)
    clock.advance(days=30)
    with runtime_of(app).db.transaction() as session:
        designation = session.get(SensitiveDesignation, world.inv.id)
        assert designation is not None
        designation.review_date = agency_clock.today() - timedelta(days=1)
    assert _actions(app, world.inv) == {}  # R4: the search tools are closed to them


def test_the_statements_do_not_grow_with_the_candidates(app: Flask, clock: Clock) -> None:
    world = build_world(app)
    second = add_investigator(app, world)
    record_consent(app, world.inv, world.candidate_id)
    add_finding(app, world.inv, world.candidate_id, world.items[0])
    counts, totals = [], []
    for size in (10, 50):
        while _count_candidates(app, world) < size:
            add_candidate(app, world.inv, world.cycle_id, f"Extra Candidate {_count_candidates(app, world):02d}")
        clock.advance(days=30)
        with runtime_of(app).db.transaction() as session:
            actor = user_in(session, second)
            with statements(app) as seen:
                found = reminders.actions_for(session, actor)
        counts.append(len(seen))
        totals.append(found.total)
    # 9 and 49 without consent; the first candidate's checklist ageing; one finding to review
    assert totals == [11, 51]
    assert counts[0] == counts[1] <= 3, counts  # BEGIN, the settings, one aggregate


def _count_candidates(app: Flask, world: World) -> int:
    with runtime_of(app).db.transaction() as session:
        from vetting.models import Candidate

        return len(session.scalars(select(Candidate.id).where(Candidate.cycle_id == world.cycle_id)).all())


# --- pages and API -------------------------------------------------------------------------------


def test_the_navigation_counts_and_the_start_page_lists(app: Flask, client: FlaskClient, clock: Clock) -> None:
    world = build_world(app)
    add_candidate(app, world.inv, world.cycle_id, "Second Candidate")
    login(client, world.inv, clock)
    assert "To do" not in client.get("/account").get_data(as_text=True)
    clock.advance(days=7)
    login(client, world.inv, clock)
    html = client.get("/account").get_data(as_text=True)
    assert "2 items need your action" in html
    assert '<span aria-hidden="true">2</span>' in html
    start = client.get("/investigations").get_data(as_text=True)
    assert "2 candidates added 7 or more days ago without a signed consent" in start
    assert f'href="/cycles/{world.cycle_id}/candidates"' in start
    assert CANDIDATE_NAME not in start.split('id="actions"')[1].split("</section>")[0]


def test_the_navigation_count_costs_a_fixed_cheap_read(app: Flask, clock: Clock) -> None:
    world = build_world(app)
    clock.advance(days=7)
    with runtime_of(app).db.transaction() as session:
        actor = user_in(session, world.inv)
        with statements(app) as seen:
            assert reminders.action_count(session, actor) == 1
    assert len(seen) <= 3  # BEGIN, the settings with the holidays, one aggregate


def test_my_actions_api(app: Flask, client: FlaskClient, clock: Clock) -> None:
    world = build_world(app)
    clock.advance(days=7)
    body = client.get(f"{API}/me/actions", headers=bearer(app, world.inv)).get_json()
    assert body["total"] == 1
    assert body["items"] == [
        {
            "kind": "consent_pending",
            "count": 1,
            "threshold_days": 7,
            "cycle_id": world.cycle_id,
            "cycle_title": "Patrol 2026",
            "text": "1 candidate added 7 or more days ago without a signed consent",
            "url": f"/cycles/{world.cycle_id}/candidates",
        }
    ]
    assert client.get(body["items"][0]["url"]).status_code in (302, 401)  # a real page (signed out here)


def test_every_reminder_links_to_a_page(app: Flask) -> None:
    pages = app.url_map.bind("localhost")
    for kind in ReminderKind:
        for duty in (Duty.INVESTIGATOR, Duty.BOARD_MEMBER):
            path = reminders.path_of(reminders.ActionItem(kind, 1, 1, 7, "Patrol", duty))
            endpoint, _ = pages.match(path.partition("#")[0].partition("?")[0], method="GET")
            assert not endpoint.startswith("api."), path


def test_thresholds_api_validates_each_field(app: Flask, client: FlaskClient, clock: Clock) -> None:
    world = build_world(app)
    admin = bearer(app, world.admin)
    url = f"{API}/admin/reminder-thresholds"
    assert client.get(url, headers=admin).get_json() == THRESHOLDS  # the documented defaults
    for field, bad in (("consent_pending_days", 0), ("review_waiting_days", 366), ("checklist_ageing_days", 3.5)):
        refused = client.put(url, json={**THRESHOLDS, field: bad}, headers=admin)
        assert refused.status_code == 422
        assert error_of(refused)["field"] == field
    assert error_of(client.put(url, json={**THRESHOLDS, "digest_hour": 24}, headers=admin))["field"] == "digest_hour"
    changed = {**THRESHOLDS, "consent_pending_days": 3}
    assert client.put(url, json=changed, headers=admin).get_json() == changed
    assert client.get(url, headers=admin).get_json() == changed
    assert client.put(url, json=changed, headers=bearer(app, world.inv)).status_code == 403
    clock.advance(days=3)
    assert _actions(app, world.inv) == {(ReminderKind.CONSENT_PENDING, world.cycle_id): 1}


def test_thresholds_page(app: Flask, client: FlaskClient, clock: Clock) -> None:
    world = build_world(app)
    login(client, world.admin, clock)
    assert 'href="/admin/reminders"' in client.get("/admin").get_data(as_text=True)
    bad = post_form(client, "/admin/reminders", {**THRESHOLDS, "consent_pending_days": "400"})
    assert bad.status_code == 422
    assert "Whole days from 1 to 365." in bad.get_data(as_text=True)
    saved = post_form(client, "/admin/reminders", {**THRESHOLDS, "consent_pending_days": "10"})
    assert saved.status_code == 302
    with runtime_of(app).db.transaction() as session:
        assert reminders.get_thresholds(session, user_in(session, world.admin)).consent_pending_days == 10


# --- the daily digest ----------------------------------------------------------------------------


@pytest.fixture
def offered(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The outbox ids handed to the task queue (no worker runs here)."""
    handed: list[int] = []
    monkeypatch.setattr(runtime_of(app).queue, "offer_mail", lambda message_id: handed.append(message_id) or True)
    return handed


def _digests(app: Flask) -> list[OutboxMessage]:
    with runtime_of(app).db.transaction() as session:
        query = select(OutboxMessage).where(OutboxMessage.template == MessageTemplate.REMINDER_DIGEST)
        return list(session.scalars(query.order_by(OutboxMessage.id)))


def test_the_digest_lands_once_per_person_per_day(app: Flask, clock: Clock, offered: list[int]) -> None:
    world = build_world(app)
    rt = runtime_of(app)
    clock.now = _chicago(2026, 11, 9, 6, 59)
    assert send_digests(rt) is None  # before the agency's digest hour
    clock.now = _chicago(2026, 11, 9, 7, 0)
    first = send_digests(rt)
    assert first is not None
    assert len(first) == 1
    assert send_digests(rt) is None  # a second run (another worker, the next tick) sends nothing
    digests = _digests(app)
    assert [m.recipient for m in digests] == [world.inv.email]  # the others have nothing to act on
    assert offered == first
    body = digests[0].body
    assert "1 candidate added 7 or more days ago without a signed consent" in body
    assert f"/cycles/{world.cycle_id}/candidates" in body
    assert CANDIDATE_NAME not in body
    assert "Casey" not in body
    clock.advance(days=1)
    assert send_digests(rt) is not None
    assert len(_digests(app)) == 2


def test_two_workers_claiming_one_day_queue_it_once(app: Flask, clock: Clock, offered: list[int]) -> None:
    build_world(app)
    rt = runtime_of(app)
    clock.now = _chicago(2026, 11, 9, 8, 0)
    with rt.db.transaction() as session:
        day = reminders.digest_due(session)  # both workers read "due" before either claims
    assert day is not None
    with rt.db.transaction() as session:
        assert len(reminders.queue_digests(session, day, "Test Police Department", None)) == 1
    with pytest.raises(IntegrityError), rt.db.transaction() as session:
        reminders.queue_digests(session, day, "Test Police Department", None)
    assert len(_digests(app)) == 1
    with rt.db.transaction() as session:
        claimed = session.get(DigestDay, day)
        assert claimed is not None
        assert claimed.messages == 1


def _digest_box(html: str) -> str:
    found = re.search(r'<input[^>]*name="digest"[^>]*>', html)
    assert found, "no digest check box"
    return found.group(0)


def test_the_digest_respects_the_opt_out(app: Flask, client: FlaskClient, clock: Clock, offered: list[int]) -> None:
    world = build_world(app)
    login(client, world.inv, clock)
    assert "checked" in _digest_box(client.get("/account").get_data(as_text=True))
    assert post_form(client, "/account/digest", {}, page="/account").status_code == 302
    assert "checked" not in _digest_box(client.get("/account").get_data(as_text=True))
    clock.now = _chicago(2026, 11, 9, 9, 0)
    assert send_digests(runtime_of(app)) == []
    assert _digests(app) == []
    login(client, world.inv, clock)
    assert post_form(client, "/account/digest", {"digest": "y"}, page="/account").status_code == 302
    clock.advance(days=1)
    assert len(send_digests(runtime_of(app)) or []) == 1


def test_every_worker_schedules_the_digest_every_five_minutes(settings: Settings, tmp_path: Path) -> None:
    rt = Runtime.build(settings.with_overrides(queue_url=f"sqlite:///{tmp_path / 'queue.sqlite3'}"))
    huey_time = datetime(2026, 11, 9, 13, 5, tzinfo=UTC).replace(tzinfo=None)  # Huey's clock: naive UTC
    try:
        due = [task.name for task in rt.queue.huey.read_periodic(huey_time)]
        assert due == ["vetting.reminder_digests"]
        assert rt.queue.huey.read_periodic(huey_time + timedelta(minutes=2)) == []
    finally:
        rt.db.dispose()
        agency_clock.set_zone("UTC")


def test_the_public_url_is_checked_at_start(keys_dir: Path) -> None:
    assert load_settings(keys_dir, env={"VETTING_PUBLIC_URL": "https://vetting.agency.gov/"}).public_url == (
        "https://vetting.agency.gov"
    )
    for bad in ("vetting.agency.gov", "ftp://vetting.agency.gov", "https://vetting.agency.gov/?x=1"):
        with pytest.raises(ConfigError, match="VETTING_PUBLIC_URL"):
            load_settings(keys_dir, env={"VETTING_PUBLIC_URL": bad})
