"""The audit report PDF keeps every column and every candidate on the page (issue 18, item 1).

A cycle of 60 candidates and 15 checklist items, made through the services: the matrix used to
run off the page, cutting the searches column to "S" and dropping the first-to-last search
column. The text pdftotext extracts holds every column heading and every candidate code, and
WeasyPrint's own layout of the same HTML shows that no box reaches past the page's content area.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.support import runtime_of
from tests.web.helpers import pdf_text
from tests.web.world import API, bearer, build_world, close_search, record_consent, resolve, user_in
from vetting.models import Candidate
from vetting.services import audit_report, candidates
from vetting.services.audit_report import ITEMS_PER_TABLE

CANDIDATES = 60
ITEMS = 15
#: Headings of the per-candidate table, of each matrix table and of the other tables (each on one line).
HEADINGS = (
    *("Candidate", "Stage", "Items resolved", "Searches", "First–last search", "Deviations"),
    *("Investigator", "Searches per item", "Unable", "Pattern"),
    *("Person", "Roles", "Designation", "Review due"),
    *("Group", "Considered", "Selected", "Rate", "Impact ratio", "Fisher's exact test", "Flag"),
)
#: Rounding of WeasyPrint's float positions.
SLACK = 0.01


def _many_candidates(app: Flask, client: FlaskClient) -> tuple[Any, list[str]]:
    """The world's cycle with 60 candidates: two searched to the end, one half way, the rest untouched."""
    world = build_world(app, items=ITEMS)
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        inv = user_in(session, world.inv)
        for n in range(CANDIDATES - 1):
            candidates.add_candidate(
                session, inv, rt.security, world.cycle_id, candidates.CandidateInput(f"Person {n:02d}", [], [], [], "")
            )
    with rt.db.transaction() as session:
        rows = session.execute(
            select(Candidate.id, Candidate.code).where(Candidate.cycle_id == world.cycle_id).order_by(Candidate.id)
        ).all()
    ids, codes = [r.id for r in rows], [r.code for r in rows]
    for candidate_id in ids[:2]:
        record_consent(app, world.inv, candidate_id)
        close_search(app, world.inv, candidate_id)
    record_consent(app, world.inv, ids[2])
    for item_id in world.items[:7]:
        resolve(app, world.inv, ids[2], item_id)
    return world, codes


def _boxes(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", ()):
        yield from _boxes(child)


def test_the_audit_report_of_a_large_cycle_keeps_every_column_on_the_page(
    app: Flask, client: FlaskClient, monkeypatch: Any
) -> None:
    world, codes = _many_candidates(app, client)
    assert len(codes) == CANDIDATES
    reports = runtime_of(app).reports
    rendered: list[str] = []
    render_html = reports.render_html

    def keep(html: str) -> bytes:
        rendered.append(html)
        return render_html(html)

    monkeypatch.setattr(reports, "render_html", keep)
    response = client.get(f"{API}/audit/cycles/{world.cycle_id}/report.pdf", headers=bearer(app, world.auditor))
    assert response.status_code == 200
    text = pdf_text(response.data)

    for heading in HEADINGS:
        assert heading in text, heading
    # The matrix's item columns, in column groups of at most ITEMS_PER_TABLE, each headed in order.
    numbers = [str(n) for n in range(1, ITEMS + 1)]
    for start in range(0, ITEMS, ITEMS_PER_TABLE):
        assert "Candidate " + " ".join(numbers[start : start + ITEMS_PER_TABLE]) in text
    for code in codes:
        # In the per-candidate table, in the matrix and on the heat map.
        assert len(re.findall(rf"\b{code}\b", text)) >= 3, code
    assert "No results 0" not in text  # the matrix writes letters, its key says which
    # Item 14: the chain check's count and the entry recording it agree (the check comes after).
    checked = re.search(r"Audit chain OK: (\d+) entries.*?The check is recorded as entry (\d+)", text)
    assert checked
    assert int(checked.group(2)) == int(checked.group(1)) + 1

    (html,) = rendered
    document = reports._document(html).render()
    assert len(document.pages) > 2
    landscape = 0
    for number, page in enumerate(document.pages, start=1):
        page_box = page._page_box
        right = page_box.content_box_x() + page_box.width
        bottom = page_box.content_box_y() + page_box.height
        landscape += page_box.width > page_box.height
        (root,) = [b for b in page_box.children if type(b).__name__ != "MarginBox"]
        for box in _boxes(root):
            width = box.margin_width() if hasattr(box, "margin_width") else box.width
            assert box.position_x + width <= right + SLACK, (number, type(box).__name__, box.element_tag)
            height = box.margin_height() if hasattr(box, "margin_height") else box.height
            assert box.position_y + height <= bottom + SLACK, (number, type(box).__name__, box.element_tag)
    assert landscape, "the wide matrix is not on a landscape page"


def test_a_report_laid_out_in_parts_holds_everything_and_numbers_its_pages_on(
    app: Flask, client: FlaskClient, monkeypatch: Any
) -> None:
    """Issue 17: a large cycle's report is laid out a part at a time (the layout stays linear in
    the cycle), reported to the job as it goes; the file holds every column heading and every
    candidate in both tables as the one-part report does, with its pages numbered on from part
    to part; its heat map draws only the candidates with a deviation (here none), and says so."""
    world, codes = _many_candidates(app, client)
    monkeypatch.setattr(audit_report, "ROWS_PER_PART", 25)  # 60 candidates: three parts per table
    rt = runtime_of(app)
    told: list[tuple[int, int]] = []
    with rt.db.transaction() as session:
        auditor = user_in(session, world.auditor)
        _, content = audit_report.render(
            session, auditor, rt.security, rt.reports, "Parts Police", world.cycle_id, lambda *p: told.append(p)
        )
    # The opening, three parts of each table, the rest, and the writing.
    assert told == [(n, 9) for n in range(1, 10)]
    text = pdf_text(content)
    for heading in HEADINGS:
        assert heading in text, heading
    assert text.count("Per candidate") == 1
    assert "The heat map draws the 0 candidates with a deviation; the tables list all 60." in text
    for code in codes:
        assert len(re.findall(rf"\b{code}\b", text)) == 2, code
    pages = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout
    numbers = [re.findall(r"\bPage (\d+)\b", page.decode()) for page in pages.split(b"\f")[:-1]]
    assert numbers == [[str(n)] for n in range(1, len(numbers) + 1)]
    assert not re.search(r"Page \d+ of \d+", text)
