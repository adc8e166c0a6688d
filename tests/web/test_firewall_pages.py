"""The firewall's pages through the Flask client (R3, POL-02): highlighted mentions with
one-click resolution, words redacted by hand, the reviewer's side-by-side page, release by a
second investigator, the investigator's review queue, and the board's redacted summary."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support import Clock, Person, login, make_user, runtime_of
from tests.web.helpers import page_csrf
from tests.web.world import (
    World,
    add_candidate,
    add_finding,
    add_investigator,
    add_validation,
    build_world,
    close_search,
    record_consent,
    user_in,
)
from vetting.models import Duty, Role, ValidationResult
from vetting.services import cycles, redaction

SUMMARY = "Posted photos from her baby shower at St. Mary's parish and wrote that women can't do this job."
PARISH = "St. Mary's parish"
MENTION_LINK = re.compile(r'<a class="mention mention--open" href="#mention-(\d+)">([^<]+)<')


@pytest.fixture
def world(app: Flask) -> World:
    w = build_world(app)
    record_consent(app, w.inv, w.candidate_id)
    return w


@pytest.fixture
def second(app: Flask, world: World) -> Person:
    return add_investigator(app, world)


def _signed_in(app: Flask, person: Person, clock: Clock) -> FlaskClient:
    client = app.test_client()
    login(client, person, clock)
    return client


def _open_mentions(html: str) -> dict[str, int]:
    return {html_lib.unescape(words): int(mention_id) for mention_id, words in MENTION_LINK.findall(html)}


def test_mentions_are_highlighted_and_resolved_with_one_click(
    app: Flask, clock: Clock, world: World, second: Person
) -> None:
    """R3: every mention is shown inline and needs a person's decision; a reason is required to keep it."""
    fid = add_finding(app, world.inv, world.candidate_id, world.items[0], summary=SUMMARY)
    add_validation(app, world.inv, fid, ValidationResult.CORROBORATES)
    author = _signed_in(app, world.inv, clock)
    page = author.get(f"/findings/{fid}").get_data(as_text=True)
    mentions = _open_mentions(page)
    assert {"baby shower", PARISH, "women"} <= set(mentions)
    assert "3 to resolve" in page

    csrf = page_csrf(author)
    no_reason = author.post(
        f"/findings/{fid}/mentions/{mentions['women']}", data={"resolution": "not_protected", "csrf_token": csrf}
    )
    assert no_reason.status_code == 422
    assert 'aria-invalid="true" aria-describedby="reason-' in no_reason.get_data(as_text=True)

    redacted = author.post(
        f"/findings/{fid}/mentions/{mentions['baby shower']}", data={"resolution": "redact", "csrf_token": csrf}
    )
    assert redacted.status_code == 302
    assert re.search(r"#mention-\d+$", redacted.headers["Location"])  # on to the next open mention
    author.post(f"/findings/{fid}/mentions/{mentions[PARISH]}", data={"resolution": "redact", "csrf_token": csrf})
    kept = author.post(
        f"/findings/{fid}/mentions/{mentions['women']}",
        data={"resolution": "not_protected", "reason": "Reported conduct toward a group (lane B)", "csrf_token": csrf},
    )
    assert kept.status_code == 302
    page = author.get(f"/findings/{fid}").get_data(as_text=True)
    assert "all resolved" in page
    assert not _open_mentions(page)

    missed = author.post(f"/findings/{fid}/redactions", data={"field": "summary", "text": "photos", "csrf_token": csrf})
    assert missed.status_code == 302
    absent = author.post(
        f"/findings/{fid}/redactions", data={"field": "summary", "text": "not in the text", "csrf_token": csrf}
    )
    assert absent.status_code == 422
    assert "do not appear in the summary" in absent.get_data(as_text=True)

    # The author cannot release: the review page says why, and its button is disabled (issue 18).
    review = author.get(f"/findings/{fid}/review").get_data(as_text=True)
    assert "author_cannot_release" in review
    assert "A second investigator must review and release your finding." in review
    assert f'action="/findings/{fid}/release"' not in review
    assert re.search(r"<button[^>]*disabled[^>]*>Approve and release to the board</button>", review)
    assert author.get("/investigations").get_data(as_text=True).count(f"Review finding {fid}") == 0

    # The second investigator finds it in their queue, compares, and releases.
    reviewer = _signed_in(app, second, clock)
    assert f"Review finding {fid}" in reviewer.get("/investigations").get_data(as_text=True)
    review = reviewer.get(f"/findings/{fid}/review").get_data(as_text=True)
    assert "What the board reads" in review
    assert '<ins class="redaction">[redacted]</ins>' in review
    assert "baby shower" in review  # the raw column, for investigators only
    digest = re.search(r'name="reviewed_sha256" type="hidden" value="([0-9a-f]{64})"', review)
    assert digest, "the release form carries the digest of what the reviewer read"
    approve = {"revision": "1", "reviewed_sha256": digest.group(1), "csrf_token": page_csrf(reviewer)}
    released = reviewer.post(f"/findings/{fid}/release", data=approve)
    assert released.status_code == 302
    assert f"Review finding {fid}" not in reviewer.get("/investigations").get_data(as_text=True)
    stale = reviewer.post(f"/findings/{fid}/release", data={**approve, "csrf_token": page_csrf(reviewer)})
    assert stale.status_code == 409
    assert "already released" in stale.get_data(as_text=True)

    # The board reads the redacted text, with the lane-B conduct words, once the search is closed (R1).
    close_search(app, world.inv, world.candidate_id)
    board = _signed_in(app, world.board, clock)
    assert f"/board/cycles/{world.cycle_id}" in board.get("/board").get_data(as_text=True)
    listing = board.get(f"/board/cycles/{world.cycle_id}").get_data(as_text=True)
    assert f"/board/candidates/{world.candidate_id}" in listing
    summary = board.get(f"/board/candidates/{world.candidate_id}").get_data(as_text=True)
    assert "[redacted]" in summary
    assert "women can&#39;t do this job" in summary
    for raw in ("baby shower", "Mary", "parish", "photos", "social.example"):
        assert raw not in summary


def test_board_pages_refuse_investigators_and_other_boards(app: Flask, clock: Clock, world: World) -> None:
    """R2: the board's pages are the board's; searchers and other cycles' boards are refused."""
    other_board = make_user(app, "board2@x.test", Role.BOARD_MEMBER, name="Other Board")
    with runtime_of(app).db.transaction() as session:
        cycles.assign(session, user_in(session, world.admin), world.other_cycle_id, other_board.id, Duty.BOARD_MEMBER)
    for person in (world.inv, other_board, world.auditor):
        client = _signed_in(app, person, clock)
        for url in (f"/board/cycles/{world.cycle_id}", f"/board/candidates/{world.candidate_id}"):
            assert client.get(url).status_code in {403, 404}, (person.email, url)


def test_the_board_list_sorts_and_filters_by_stage(app: Flask, clock: Clock, world: World) -> None:
    """The board's candidate list: a stage filter and sortable columns (sort state announced)."""
    add_candidate(app, world.inv, world.cycle_id, "Avery Able")  # awaiting consent; Casey is searching
    board = _signed_in(app, world.board, clock)
    url = f"/board/cycles/{world.cycle_id}"
    by_code = board.get(url).get_data(as_text=True)
    # By code, the order they were added (issue 17: sorted by the database, which cannot read sealed names).
    assert by_code.index("Casey Candidate") < by_code.index("Avery Able")
    assert 'aria-sort="ascending"><a href="/board/cycles/' in by_code
    by_stage = board.get(f"{url}?sort=stage").get_data(as_text=True)
    assert by_stage.index("Avery Able") < by_stage.index("Casey Candidate")  # "awaiting consent" < "searching"
    searching = board.get(f"{url}?stage=searching").get_data(as_text=True)
    assert "Casey Candidate" in searching
    assert "Avery Able" not in searching
    assert board.get(f"{url}?stage=bogus&sort=bogus").status_code == 200  # unknown values fall back


def test_a_common_false_alarm_is_cleared_with_one_click_and_its_reason_recorded(
    app: Flask, clock: Clock, world: World
) -> None:
    """Issue 13: each open detector mention offers the common reasons as buttons; the chosen
    reason is posted and kept exactly as a typed one would be."""
    fid = add_finding(app, world.inv, world.candidate_id, world.items[0], summary=SUMMARY)
    author = _signed_in(app, world.inv, clock)
    page = author.get(f"/findings/{fid}").get_data(as_text=True)
    mentions = _open_mentions(page)
    label, reason = redaction.QUICK_REASONS[0]
    assert page.count(f">{label}<span") == len(mentions)
    assert f'name="reason" value="{html_lib.escape(reason)}"' in page
    cleared = author.post(
        f"/findings/{fid}/mentions/{mentions['women']}",
        data={"resolution": "not_protected", "reason": reason, "csrf_token": page_csrf(author)},
    )
    assert cleared.status_code == 302
    page = author.get(f"/findings/{fid}").get_data(as_text=True)
    assert f"Reason: {html_lib.escape(reason)}" in page
    assert "women" not in _open_mentions(page)


# --- dead ends and long pages (issue 18) --------------------------------------------------------

BOARD_COLUMN = re.compile(r"<h3>What the board reads</h3>\s*<p class=\"prose\">(.*?)</p>", re.S)


def test_the_author_sees_why_they_cannot_release_instead_of_a_dead_end(
    app: Flask, clock: Clock, world: World, second: Person
) -> None:
    fid = add_finding(app, world.inv, world.candidate_id, world.items[0])
    author = _signed_in(app, world.inv, clock)
    page = author.get(f"/findings/{fid}").get_data(as_text=True)
    assert f'href="/findings/{fid}/review"' not in page
    assert re.search(
        r'<button type="button" class="button button--secondary" disabled[^>]*>Review and release</button>', page
    )
    assert "A second investigator must review and release your finding" in page
    colleague = _signed_in(app, second, clock).get(f"/findings/{fid}").get_data(as_text=True)
    assert f'<a class="button button--secondary" href="/findings/{fid}/review">Review and release</a>' in colleague


def test_the_board_column_masks_every_mention_until_it_is_resolved(
    app: Flask, clock: Clock, world: World, second: Person
) -> None:
    fid = add_finding(app, world.inv, world.candidate_id, world.items[0], summary=SUMMARY)
    author = _signed_in(app, world.inv, clock)
    mentions = _open_mentions(author.get(f"/findings/{fid}").get_data(as_text=True))
    reviewer = _signed_in(app, second, clock)
    review = reviewer.get(f"/findings/{fid}/review").get_data(as_text=True)
    board_column = html_lib.unescape(" ".join(BOARD_COLUMN.findall(review)))
    for words in ("baby shower", PARISH, "women"):
        assert words not in board_column, words
    assert board_column.count("[unresolved]") >= 3
    assert "protected-class mentions are not resolved yet" in html_lib.unescape(review)

    # One redacted, one kept with a reason: the column shows [redacted] and the kept words; the
    # one still open stays masked.
    csrf = page_csrf(author)
    redact = {"resolution": "redact", "csrf_token": csrf}
    assert author.post(f"/findings/{fid}/mentions/{mentions['baby shower']}", data=redact).status_code == 302
    kept = {"resolution": "not_protected", "reason": "Reported conduct toward a group (lane B).", "csrf_token": csrf}
    assert author.post(f"/findings/{fid}/mentions/{mentions['women']}", data=kept).status_code == 302
    review = reviewer.get(f"/findings/{fid}/review").get_data(as_text=True)
    board_column = html_lib.unescape(" ".join(BOARD_COLUMN.findall(review)))
    assert "[redacted]" in board_column
    assert "women can't do this job" in board_column
    assert "baby shower" not in board_column
    assert PARISH not in board_column
    assert "[unresolved]" in board_column


def test_a_resolved_mention_is_one_line_with_a_change_disclosure(app: Flask, clock: Clock, world: World) -> None:
    fid = add_finding(app, world.inv, world.candidate_id, world.items[0], summary=SUMMARY)
    author = _signed_in(app, world.inv, clock)
    url = f"/findings/{fid}"
    before = author.get(url).get_data(as_text=True)
    mentions = _open_mentions(before)
    forms_before = before.count('class="mention-form"')
    assert forms_before == len(mentions)
    assert before.count('<details class="mention-change"') == 0
    csrf = page_csrf(author)
    assert (
        author.post(
            f"{url}/mentions/{mentions['baby shower']}", data={"resolution": "redact", "csrf_token": csrf}
        ).status_code
        == 302
    )
    after = author.get(url).get_data(as_text=True)
    item = re.search(rf'<li id="mention-{mentions["baby shower"]}"(.*?)</li>', after, re.S)
    assert item is not None
    text = html_lib.unescape(item.group(1))
    assert "mention-item--resolved" in text
    assert re.search(
        r"“baby shower”</span> in the summary:\s*<span class=\"badge\">Redacted</span>\s*"
        r"<span class=\"muted\">by Ivy Investigator\.",
        text,
    )
    # Its controls only behind "Change": closed by default, so it is one line on the page.
    assert '<details class="mention-change">' in item.group(1)
    assert item.group(1).index("<details") < item.group(1).index('class="mention-form"')
    assert after.count('<details class="mention-change">') == 1
