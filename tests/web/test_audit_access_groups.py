"""The access review groups repeated openings (issue 18, item 12).

Reloading the same raw view eleven times in a minute wrote eleven identical rows. Each opening
is still audited (CJIS 5.4.1.1 asks for each access to be logged, and a window in which a
reload leaves no trace would be a gap), but the review shows the same person opening the same
content about the same candidate for the same reason as one line: how many times, first and last.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.support import Clock, login
from tests.web.helpers import db
from tests.web.world import API, bearer, build_world, record_consent, resolve
from vetting.audit.events import Event
from vetting.models import AuditEvent

REASON = "Complaint 2026-14: checking the search log."
OTHER_REASON = "Uniformity review UR-2026-15: second look."


def raw_views(app: Flask) -> int:
    with db(app) as session:
        return (
            session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.event == Event.SEARCH_LOG_RAW_VIEWED)
            )
            or 0
        )


def test_reloads_are_each_audited_and_shown_as_one_line(app: Flask, client: FlaskClient, clock: Clock) -> None:
    world = build_world(app)
    record_consent(app, world.inv, world.candidate_id)
    resolve(app, world.inv, world.candidate_id, world.items[0])
    headers = bearer(app, world.auditor)
    url = f"{API}/audit/candidates/{world.candidate_id}/search-log"
    start = clock.now
    for _ in range(11):
        assert client.post(url, json={"reason": REASON}, headers=headers).status_code == 200
        clock.advance(seconds=5)
    assert client.post(url, json={"reason": OTHER_REASON}, headers=headers).status_code == 200
    assert raw_views(app) == 12  # every opening is its own audit entry

    review = client.get(f"{API}/audit/access-review", headers=headers).get_json()
    mine = [v for v in review["raw_views"] if v["what"] == "Search queries and sources"]
    assert len(mine) == 12
    groups = [g for g in review["raw_view_groups"] if g["what"] == "Search queries and sources"]
    assert [(g["reason"], g["count"]) for g in groups] == [(OTHER_REASON, 1), (REASON, 11)]
    reloads = groups[1]
    assert reloads["actor"] == "Aud Auditor"
    assert reloads["candidate_code"] == "C-001"
    assert reloads["first_at"].startswith(start.strftime("%Y-%m-%dT%H:%M:%S"))
    assert reloads["last_at"].startswith((start + timedelta(seconds=50)).strftime("%Y-%m-%dT%H:%M:%S"))
    assert reloads["last_seq"] > reloads["first_seq"]

    web = app.test_client()
    login(web, world.auditor, clock)
    page = html.unescape(web.get("/audit/access").get_data(as_text=True))
    table = re.search(r'<table class="access-groups">(.*?)</table>', page, re.S)
    assert table
    rows = re.findall(r"<tr><th scope=\"row\">.*?</tr>", table.group(1), re.S)
    searched = [r for r in rows if "Search queries and sources" in r]
    assert len(searched) == 2
    line = next(r for r in searched if REASON in r)
    assert re.search(r'<td class="count">11 <span class="muted">\(entries \d+ to \d+\)</span></td>', line)
    assert "Openings of raw content (12)" in page
    # The candidate links to the audit log filtered by its code.
    assert "/audit?candidate=C-001" in line
