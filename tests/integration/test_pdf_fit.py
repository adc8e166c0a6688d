"""Every PDF the product makes, for a cycle of 300 candidates and 15 checklist items, keeps its
content on the page (issue 18).

The PDFs: the auditor's report of the cycle (uniformity matrix, heat map, separation of duties,
access review, adverse impact), the board's summary of a candidate, the pre-decision and final
adverse-action notices (FCRA mode: the longest, with the statutory text) and the disclosure and
authorization form. The cycle is built through the services, but for the 4,485 item resolutions of
all candidates but one, written by a fast path that writes the same rows (``_resolve_every_item``):
every candidate with a signed consent and every item resolved by one of two investigators (some
with no results, some unable, 1 to 3 searches), the search closed; one candidate with a released
finding on every item, proposed not to advance and then decided; another with a long name. Each
PDF is fetched from the API as its reader would, and:

- the text pdftotext extracts holds every heading cell of the document's tables (not broken
  inside a word), each cited finding (summary, notices), the candidate's name (consent form) and,
  in the audit report, every candidate's code;
- WeasyPrint's layout of the same HTML (rendered once: the bytes served are that layout's PDF)
  has no box that reaches past the page's content area, nor a page-margin box past the page.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import Clock, Person, make_user, runtime_of
from tests.web.board_world import deliver_by_hand, release_finding, set_rules
from tests.web.world import API, add_finding, add_investigator, bearer, build_world, png, user_in
from vetting.clock import today, utcnow
from vetting.config import PROJECT_ROOT
from vetting.models import Candidate, Duty, ResolutionStatus, Role, SearchLogEntry, SignatureMethod
from vetting.pdf import Reports
from vetting.services import candidates, cycles, investigation, work
from vetting.services.context import Security
from vetting.services.vault import CandidateVault

CANDIDATES = 300
ITEMS = 15
#: Rounding of WeasyPrint's float positions (CSS px).
SLACK = 0.01
CITED = "Relied on the threats recorded in the released findings; conduct unbecoming an officer."
CRA = {"cra_name": "Acme Screening LLC", "cra_address": "1 Report Way, Austin TX 78701", "cra_phone": "1-800-555-0100"}
#: The consent form prints the candidate's name: a long one (fictional), with no space to break at.
LONG_NAME = "Maximiliana Alexandra Featherstonehaugh-Wolfeschlegelsteinhausenbergerdorff"


@dataclass(frozen=True)
class Cycle300:
    cycle_id: int
    codes: list[str]
    decided: int  # the candidate with a released finding on every item, proposed and then decided against
    findings: list[int]  # its released findings
    long_name: int  # the last candidate, with a long name
    inv: Person
    chair: Person
    auditor: Person


def _resolution(n: int, item: int) -> investigation.ResolutionInput:
    """Varied outcomes: mostly no results, some completed, a few unable; 1 to 3 searches over days."""
    status = (ResolutionStatus.NO_RESULTS, ResolutionStatus.COMPLETED, ResolutionStatus.NO_RESULTS)[(n + item) % 3]
    if (n * ITEMS + item) % 97 == 0:
        status = ResolutionStatus.UNABLE
    searches = [
        investigation.SearchInput(
            f'"Person {n:03d}" site {k}', "Search engine", (n + k) % 4, utcnow() - timedelta(hours=(n * 7 + k) % 300)
        )
        for k in range((n + item) % 3 + 1)
    ]
    return investigation.ResolutionInput(
        status=status,
        technique_code="A1",
        attestation=True,
        searches=searches,
        reason="The court portal was down all week." if status is ResolutionStatus.UNABLE else "",
    )


def _resolve_every_item(session: Session, security: Security, candidate: Candidate, actor_id: int, n: int) -> None:
    """What ``investigation.resolve_item`` writes for each item: the resolution and its searches,
    their texts sealed under the candidate's key (the record id is in the associated data, so
    rows are flushed first, as ``CandidateVault.add_sealed`` does), flushed twice per candidate
    instead of twice per row, and without an audit event per item (the report reads the rows).
    The service takes about 5 ms an item: 4,500 items would be most of this test's time."""
    vault = CandidateVault(security.keyring, candidate)
    version = candidate.cycle.checklist_version
    assert version is not None
    sealed: list[tuple[Any, dict[str, str | None]]] = []
    for position, item in enumerate(version.items):
        data = _resolution(n, position)
        resolution, _ = candidate.resolve_item(item, data.status, data.technique_code, actor_id, utcnow())
        session.add(resolution)
        sealed.append((resolution, {"reason": data.reason or None, "notes": None}))
        for search in data.searches:
            entry = SearchLogEntry(
                candidate_id=candidate.id,
                item_id=item.id,
                searched_at=search.searched_at,
                result_count=search.result_count,
                recorded_by_id=actor_id,
            )
            session.add(entry)
            sealed.append((entry, {"query": search.query, "source": search.source}))
    for row, texts in sealed:
        for name, text in texts.items():
            setattr(row, f"{name}_enc", None if text is None else "")
    session.flush()
    for row, texts in sealed:
        for name, text in texts.items():
            vault.seal_field(row, name, text)
    work.refresh(session, candidate)  # the uniformity report's read model, as the service keeps it


def _build(app: Flask, clock: Clock) -> Cycle300:
    world = build_world(app, items=ITEMS)
    second = add_investigator(app, world)
    member = make_user(app, "board2@x.test", Role.BOARD_MEMBER, name="Bea Board")
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        cycles.assign(session, user_in(session, world.admin), world.cycle_id, member.id, Duty.BOARD_MEMBER)
        inv = user_in(session, world.inv)
        for n in range(1, CANDIDATES - 1):
            candidates.add_candidate(
                session, inv, rt.security, world.cycle_id, candidates.CandidateInput(f"Person {n:03d}", [], [], [], "")
            )
        long_name = candidates.add_candidate(
            session, inv, rt.security, world.cycle_id, candidates.CandidateInput(LONG_NAME, [], [], [], "")
        ).id
    with rt.db.transaction() as session:
        rows = session.execute(
            select(Candidate.id, Candidate.code).where(Candidate.cycle_id == world.cycle_id).order_by(Candidate.id)
        ).all()
    ids, codes = [r.id for r in rows], [r.code for r in rows]
    assert len(ids) == CANDIDATES
    document = png()
    for start in range(0, CANDIDATES, 50):
        with rt.db.transaction() as session:
            searchers = [user_in(session, world.inv), user_in(session, second)]
            for n, candidate_id in enumerate(ids[start : start + 50], start=start):
                actor = searchers[n % 2]
                investigation.record_consent(
                    session,
                    actor,
                    rt.security,
                    rt.store,
                    candidate_id,
                    signed_on=today() - timedelta(days=1),
                    method=SignatureMethod.WET_INK,
                    document=document,
                )
                candidate = session.get(Candidate, candidate_id)
                assert candidate is not None
                if candidate_id == world.candidate_id:  # one candidate through the service itself
                    for position, item_id in enumerate(world.items):
                        data = _resolution(n, position)
                        investigation.resolve_item(session, actor, rt.security, candidate_id, item_id, data)
                else:
                    _resolve_every_item(session, rt.security, candidate, actor.id, n)
    decided = world.candidate_id
    released = [
        add_finding(app, world.inv, decided, item_id, summary=f"Threatened a neighbour over parking, post {k}. " * 4)
        for k, item_id in enumerate(world.items)
    ]
    for finding_id in released:
        release_finding(app, world.inv, second, finding_id)
    with rt.db.transaction() as session:
        for n, candidate_id in enumerate(ids):
            investigation.complete_search(session, user_in(session, (world.inv, second)[n % 2]), candidate_id)
    set_rules(app, world, world.board, fcra_mode=True, **CRA)
    return Cycle300(world.cycle_id, codes, decided, released, long_name, world.inv, world.board, world.auditor)


class _Headings(HTMLParser):
    """The text of every table heading cell (``th``) of an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self._open: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "th":
            self._open = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "th" and self._open is not None:
            self.headings.append(" ".join("".join(self._open).split()))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.append(data)


def headings(html: str) -> list[str]:
    parser = _Headings()
    parser.feed(html)
    return [h for h in dict.fromkeys(parser.headings) if h]


def pdf_text(pdf: bytes) -> str:
    """The PDF's text in reading order, whitespace folded (a heading wrapped in its cell reads as one)."""
    done = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True, timeout=60)
    return " ".join(done.stdout.decode().split())


def _unbroken(text: str) -> str:
    return "".join(text.split()).replace("-", "")


def _boxes(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", ()):
        yield from _boxes(child)


def _describe(box: Any) -> str:
    text = getattr(box, "text", "") or ""
    return f"{type(box).__name__} <{box.element_tag}> {text[:40]!r}"


def overflowing_boxes(document: Any) -> list[str]:
    """Boxes of a WeasyPrint layout that reach past their page: a content box beyond the page's
    content area (left or right), a page-margin box (running header, page number) beyond the page."""
    found = []
    for number, page in enumerate(document.pages, start=1):
        page_box = page._page_box
        left, right = page_box.content_box_x(), page_box.content_box_x() + page_box.width
        for part in page_box.children:
            margin = type(part).__name__ == "MarginBox"
            low, high = (0.0, page_box.margin_width()) if margin else (left, right)
            for box in _boxes(part):
                x = box.border_box_x() if hasattr(box, "border_box_x") else box.position_x
                width = box.border_width() if hasattr(box, "border_width") else box.width
                if x < low - SLACK or x + width > high + SLACK:
                    found.append(
                        f"page {number}: {_describe(box)} spans {x:.1f}-{x + width:.1f}, the page {low:.1f}-{high:.1f}"
                    )
    return found


@dataclass
class Rendered:
    """What one request rendered: its HTML and WeasyPrint's layout of it."""

    html: str
    document: Any


@pytest.fixture
def layouts(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[Rendered]:
    """Every document the app renders from here on, laid out once: the bytes served are that layout's PDF."""
    reports = runtime_of(app).reports
    kept: list[Rendered] = []

    def render_html(html: str) -> bytes:
        document = reports._document(html).render()
        kept.append(Rendered(html, document))
        pdf: bytes = document.write_pdf()
        return pdf

    monkeypatch.setattr(reports, "render_html", render_html)
    return kept


@pytest.fixture
def cycle300(app: Flask, clock: Clock) -> Cycle300:
    return _build(app, clock)


def _decide(client: FlaskClient, chair: dict[str, str], candidate_id: int, finding_ids: list[int]) -> list[int]:
    """The chair decides not to advance; the ids of the candidate's notices so far."""
    body = {"outcome": "do_not_advance", "rationale": CITED, "finding_ids": finding_ids}
    response = client.post(f"{API}/board/candidates/{candidate_id}/decisions", json=body, headers=chair)
    assert response.status_code == 201, response.get_data(as_text=True)
    return [n["id"] for n in response.get_json()["board"]["notices"]]


def test_every_pdf_of_a_300_candidate_cycle_keeps_its_content_on_the_page(
    app: Flask, client: FlaskClient, clock: Clock, cycle300: Cycle300, layouts: list[Rendered]
) -> None:
    c = cycle300
    auditor, chair, inv = bearer(app, c.auditor), bearer(app, c.chair), bearer(app, c.inv)
    url = f"{API}/board/candidates/{c.decided}/recommendations"
    body = {"outcome": "do_not_advance", "rationale": CITED, "finding_ids": c.findings}
    assert client.post(url, json=body, headers=chair).status_code == 201
    (pre_decision,) = _decide(client, chair, c.decided, c.findings)
    deliver_by_hand(client, app, c.inv, pre_decision)  # the window starts (issue 16 point 3)
    clock.advance(days=8)  # the response window has passed: the same decision is final
    adverse_action = _decide(client, chair, c.decided, c.findings)[-1]

    findings = [f"post {k}." for k in range(ITEMS)]  # one released finding per item, all cited
    documents = {  # name: (path, reader, what its text must hold)
        "audit report": (f"{API}/audit/cycles/{c.cycle_id}/report.pdf", auditor, []),
        "board summary": (f"{API}/board/candidates/{c.decided}/summary.pdf", chair, findings),
        "pre-decision notice": (f"{API}/notices/{pre_decision}.pdf", chair, findings),
        "adverse-action notice": (f"{API}/notices/{adverse_action}.pdf", chair, findings),
        "consent form": (f"{API}/candidates/{c.long_name}/consent-form.pdf", inv, [LONG_NAME, c.codes[-1]]),
    }
    problems: list[str] = []
    for name, (path, reader, expected) in documents.items():
        layouts.clear()
        response = client.get(path, headers=reader)
        assert response.status_code == 200, (name, response.get_data(as_text=True))
        (rendered,) = layouts
        text = pdf_text(response.data)
        # A long word may be broken over lines at a hyphen, which pdftotext then drops.
        unbroken = _unbroken(text)
        assert headings(rendered.html) or name == "consent form", f"{name} has no table headings"
        problems += [f"{name}: heading {h!r} is not in the text" for h in headings(rendered.html) if h not in text]
        problems += [f"{name}: {e!r} is not in the text" for e in expected if _unbroken(e) not in unbroken]
        problems += [f"{name}: {box}" for box in overflowing_boxes(rendered.document)]
        if name == "audit report":
            problems += [f"{name}: {code} is missing" for code in c.codes if not re.search(rf"\b{code}\b", text)]
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:60])


def test_the_checks_see_a_box_past_the_page_and_a_heading_left_out() -> None:
    """Controls for the test above: a table wider than the page and a page-number box pushed off
    the page are found; a fitting document is not flagged; headings are read from the HTML."""
    reports = Reports(PROJECT_ROOT / "templates")
    style = '<link rel="stylesheet" href="asset:report.css">'
    fits = (
        f"{style}<table><thead><tr><th>Code</th><th>First–last search</th></tr></thead><tr><td>C-001</td></tr></table>"
    )
    assert overflowing_boxes(reports._document(fits).render()) == []
    assert headings(fits) == ["Code", "First–last search"]
    wide = f'{style}<table style="width: 1400px"><tr><td>wide</td></tr></table>'
    assert any("<table>" in p for p in overflowing_boxes(reports._document(wide).render()))
    margin = f"{style}<style>@page {{ @bottom-right {{ content: 'Page'; margin-right: -300px; }} }}</style><p>x</p>"
    assert overflowing_boxes(reports._document(margin).render())
