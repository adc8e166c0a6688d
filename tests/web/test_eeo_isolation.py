"""No board or investigator route returns EEO data (UGESP, rules-legal.md §6 UG-01; PRODUCT.md §2, §4).

The candidates' voluntary self-identification (sex, race/ethnicity) exists to measure adverse
impact; the same law forbids using it to decide. It lives in its own table, and only the
auditor's aggregate report reads it. Here the candidates of a board-ready cycle answer the
form through its real public path with distinctive values, the board proposes and then makes
a final decision (notices issued), and every GET route of ``app.url_map`` is walked with
every real id as each investigator and each board member, by web session and by API token
(JSON as values, PDFs as extracted text). No page may carry an EEO answer, label or the name
of the form. The auditor's report shows the same markers, so the walk is known to bite.

A static check proves the design: only the self-identification and adverse-impact services
(and the models) name the table, and no investigator or board module imports either service.
"""

from __future__ import annotations

import ast
import functools
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

import vetting
from tests.support import Clock, Person, login, runtime_of
from tests.web.board_world import BoardWorld, build_board_world, complete, deliver_by_hand
from tests.web.helpers import get_closed, page_csrf, text_of
from tests.web.world import API, add_candidate, add_evidence, bearer, close_search, error_of, record_consent
from vetting.models import (
    Candidate,
    ChecklistTemplate,
    ChecklistVersion,
    Cycle,
    Decision,
    DecisionStatus,
    Evidence,
    Finding,
    Notice,
    SelfIdentification,
    User,
)
from vetting.services.self_identification import open_answers
from vetting.services.vault import CandidateVault

#: The answers given, one pair per candidate (the board world's candidate, then a second one).
ANSWERS = (("female", "pacific_islander"), ("declined", "hispanic_latino"))

#: What must never reach an investigator or a board member: the answers given, as stored values and
#: as the labels the report prints; the names of the form, its fields and events; the report's words.
#: Each one is shown to the auditor, or is the sealed answer itself (test_the_markers_bite).
ANSWER_VALUES = ("pacific_islander", "hispanic_latino")
ANSWER_LABELS = ("Native Hawaiian", "Pacific Islander", "Hispanic or Latino")
MARKERS = (
    *ANSWER_VALUES,
    *ANSWER_LABELS,
    "race_ethnicity",
    "Race and ethnicity",
    "self-identification",
    "self_identification",
    "adverse impact",
    "adverse-impact",
    "adverse_impact",
    "four-fifths",
    "impact ratio",
    "selection rate",
)
#: Words that only count as a whole word (they sit inside others, e.g. "female" in "male").
WORD_MARKERS = ("Female",)

#: A walk that reaches fewer pages than this has not really walked the app (see test_board_leak.py).
MIN_ANSWERED = 12
MIN_TRIED = 100

PARAM_RE = re.compile(r"<(?:([^:<>()]+)(?:\(([^)]*)\))?:)?([^<>:]+)>")
ID_SOURCES: dict[str, Any] = {
    "cycle_id": Cycle,
    "candidate_id": Candidate,
    "finding_id": Finding,
    "evidence_id": Evidence,
    "notice_id": Notice,
    "user_id": User,
    "template_id": ChecklistTemplate,
    "version_id": ChecklistVersion,
}
MAX_URLS_PER_RULE = 200


@dataclass(frozen=True)
class EeoWorld:
    bw: BoardWorld
    candidates: list[int]
    #: The spent one-time tokens: the public form must now be closed to anyone.
    tokens: list[str]


def _ok(response: TestResponse, status: int = 200) -> dict[str, object]:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    body: dict[str, object] = response.get_json()
    return body


def _decide(app: Flask, client: FlaskClient, clock: Clock, bw: BoardWorld) -> None:
    """The chair proposes not to advance on the released findings (pre-decision notice), the window
    passes, and the decision becomes final (adverse-action notice)."""
    chair = bearer(app, bw.chair)
    url = f"{API}/board/candidates/{bw.world.candidate_id}"
    body = {
        "outcome": "do_not_advance",
        "rationale": "Relied on the threats in the released findings; conduct unbecoming an officer.",
        "finding_ids": bw.findings,
    }
    _ok(client.post(f"{url}/recommendations", json=body, headers=chair), 201)
    proposed = _ok(client.post(f"{url}/decisions", json=body, headers=chair), 201)
    assert proposed["status"] == "proposed"
    board = proposed["board"]
    assert isinstance(board, dict)
    deliver_by_hand(client, app, bw.world.inv, board["notices"][0]["id"])
    clock.advance(days=8)
    assert _ok(client.post(f"{url}/decisions", json=body, headers=chair), 201)["status"] == "final"


def _invite(client: FlaskClient, admin: dict[str, str], candidate_id: int) -> str:
    issued = _ok(client.post(f"{API}/candidates/{candidate_id}/self-identification", headers=admin), 201)
    return str(issued["token"])


@pytest.fixture
def eeo(app: Flask, client: FlaskClient, clock: Clock) -> EeoWorld:
    bw = build_board_world(app, complete_search=False)
    w = bw.world
    add_evidence(app, w.inv, bw.findings[0])
    complete(app, w.inv, w.candidate_id)
    second = add_candidate(app, w.inv, w.cycle_id, "Morgan Second")
    record_consent(app, w.inv, second)
    close_search(app, w.inv, second)  # R1: the board reads the second candidate too
    _decide(app, client, clock, bw)
    admin = bearer(app, w.admin)
    tokens = []
    for candidate_id, (sex, race) in zip((w.candidate_id, second), ANSWERS, strict=True):
        token = _invite(client, admin, candidate_id)
        answered = app.test_client().post(
            f"{API}/self-identification", json={"token": token, "sex": sex, "race_ethnicity": race}
        )
        assert answered.status_code == 201, answered.get_data(as_text=True)
        tokens.append(token)
    with runtime_of(app).db.transaction() as session:
        finals = session.scalars(select(Decision).where(Decision.status == DecisionStatus.FINAL)).all()
        assert [d.candidate_id for d in finals] == [w.candidate_id]
    return EeoWorld(bw, [w.candidate_id, second], tokens)


# --- reading what a caller gets --------------------------------------------------------------------


def _markers_in(text: str) -> list[str]:
    folded = text.casefold()
    found = [m for m in MARKERS if m.casefold() in folded]
    found += [w for w in WORD_MARKERS if re.search(rf"\b{re.escape(w)}\b", text, re.IGNORECASE)]
    return found


def _urls(app: Flask, tokens: list[str]) -> Iterator[str]:
    """Every GET URL of the app with every real id in each parameter (and the spent tokens)."""
    with runtime_of(app).db.transaction() as session:
        pools = {name: [str(i) for i in session.scalars(select(m.id).order_by(m.id))] for name, m in ID_SOURCES.items()}
    pools["token"] = [*tokens, "no-such-token"]
    pools["status"] = ["open", "closed"]  # the cycle status confirmations (issue 18)
    every_id = sorted({i for name, ids in pools.items() if name not in {"token", "status"} for i in ids}, key=int)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        choices: list[list[str]] = []
        for converter, _, name in PARAM_RE.findall(rule.rule):
            if name in pools:
                choices.append(pools[name])
            elif converter == "int":
                choices.append(every_id)
            else:
                raise AssertionError(f"{rule.rule}: no values for <{name}>; add them to the walk")
        for values in itertools.islice(itertools.product(*choices), MAX_URLS_PER_RULE):
            yield _fill(rule.rule, values)


def _fill(template: str, values: tuple[str, ...]) -> str:
    """``template`` with its URL parameters replaced by ``values`` in order."""
    filling = iter(values)
    return PARAM_RE.sub(lambda _: next(filling), template)


@dataclass(frozen=True)
class Page:
    url: str
    status: int
    text: str


def _signed_in(app: Flask, person: Person, clock: Clock) -> tuple[FlaskClient, dict[str, str]]:
    web = app.test_client()
    login(web, person, clock)
    return web, bearer(app, person)


def walk(app: Flask, person: Person, clock: Clock, tokens: list[str]) -> list[Page]:
    """Every GET URL as ``person``: web pages by session, the API by bearer token."""
    web, headers = _signed_in(app, person, clock)
    pages = []
    for url in _urls(app, tokens):
        response = get_closed(web, url, headers)
        pages.append(Page(url, response.status_code, text_of(response)))
    return pages


def _public_reference(app: Flask, url: str, text: str) -> bool:
    """The page is the same for an anonymous caller (the published API description): reference, not data."""
    response = get_closed(app.test_client(), url)
    return response.status_code == 200 and text_of(response) == text


def _auditor_corpus(app: Flask, clock: Clock, eeo: EeoWorld) -> str:
    """What the auditor reads about the cycle's EEO data: the cycle list, the report (page and JSON),
    and the audit events of the form."""
    cycle_id = eeo.bw.world.cycle_id
    web, headers = _signed_in(app, eeo.bw.world.auditor, clock)
    responses = [
        get_closed(web, "/audit/cycles"),
        get_closed(web, f"/audit/cycles/{cycle_id}/adverse-impact"),
        get_closed(web, f"{API}/audit/cycles/{cycle_id}/adverse-impact", headers),
        get_closed(web, f"{API}/audit/events?limit=500", headers),
    ]
    assert [r.status_code for r in responses] == [200] * len(responses)
    return "\n".join(text_of(r) for r in responses)


# --- the walk ----------------------------------------------------------------------------------------


def _people(eeo: EeoWorld) -> dict[str, Person]:
    w = eeo.bw.world
    return {
        "investigator": w.inv,
        "releasing investigator": eeo.bw.second,
        "investigator of another cycle": w.outsider,
        "board chair": eeo.bw.chair,
        "board member": eeo.bw.member,
    }


def test_the_markers_bite(app: Flask, clock: Clock, eeo: EeoWorld) -> None:
    """The walk below can fail: each marker is printed where EEO data may be shown, or is the answer as sealed."""
    corpus = _auditor_corpus(app, clock, eeo)
    assert sorted(set(MARKERS + WORD_MARKERS) - set(ANSWER_VALUES) - set(_markers_in(corpus))) == []
    rt = runtime_of(app)
    stored = set()
    with rt.db.transaction() as session:
        for row in session.scalars(select(SelfIdentification).order_by(SelfIdentification.candidate_id)):
            candidate = session.get(Candidate, row.candidate_id)
            assert candidate is not None
            opened = open_answers(CandidateVault(rt.security.keyring, candidate), row)
            assert opened is not None
            stored |= {opened.sex.value, opened.race_ethnicity.value}
            assert row.answers_enc is not None
            assert _markers_in(row.answers_enc) == []  # sealed: the walk could not find them by accident
    assert stored == {"female", "declined", *ANSWER_VALUES}
    assert sorted(_markers_in(" ".join(stored))) == sorted([*ANSWER_VALUES, "Female"])


@pytest.mark.parametrize(
    "who",
    [
        "investigator",
        "releasing investigator",
        "investigator of another cycle",
        "board chair",
        "board member",
    ],
)
def test_no_investigator_or_board_route_returns_eeo_data(app: Flask, clock: Clock, eeo: EeoWorld, who: str) -> None:
    person = _people(eeo)[who]
    pages = walk(app, person, clock, eeo.tokens)
    answered = [p for p in pages if p.status == 200]
    assert len(pages) >= MIN_TRIED, len(pages)
    assert len(answered) >= MIN_ANSWERED, sorted(p.url for p in answered)

    leaks = [(p.url, m) for p in pages for m in _markers_in(p.text)]
    forgiven = {url for url, _ in leaks if _public_reference(app, url, next(p.text for p in pages if p.url == url))}
    assert forgiven <= {f"{API}/openapi.json"}, forgiven
    assert [(url, m) for url, m in leaks if url not in forgiven] == []

    # The walk reached the candidates' own pages, which hold everything else about them.
    reached = {p.url for p in answered}
    w = eeo.bw.world
    if person.id in {eeo.bw.chair.id, eeo.bw.member.id}:
        for candidate_id in eeo.candidates:
            assert f"/board/candidates/{candidate_id}" in reached
            assert f"{API}/board/candidates/{candidate_id}/summary" in reached
            assert f"/board/candidates/{candidate_id}/summary.pdf" in reached
        assert f"{API}/board/candidates/{w.candidate_id}/decisions" in reached
        assert any(url.startswith("/board/notices/") for url in reached)
    elif person.id != w.outsider.id:
        for candidate_id in eeo.candidates:
            assert f"/candidates/{candidate_id}" in reached
            assert f"{API}/candidates/{candidate_id}" in reached
            assert f"{API}/candidates/{candidate_id}/board" in reached
        assert f"/findings/{eeo.bw.findings[0]}" in reached
        assert f"{API}/cycles/{w.cycle_id}/candidates" in reached
    else:
        assert f"{API}/cycles/{w.other_cycle_id}" in reached
        assert not any(f"/candidates/{c}" in url for url in reached for c in eeo.candidates)

    # The spent links are closed to everyone, the investigators and the board included.
    for token in eeo.tokens:
        assert next(p.status for p in pages if p.url == f"/self-identification/{token}") == 404


# --- refusals ---------------------------------------------------------------------------------------


def test_investigators_and_board_members_are_refused_the_eeo_routes(
    app: Flask, client: FlaskClient, clock: Clock, eeo: EeoWorld
) -> None:
    w = eeo.bw.world
    for who, person in _people(eeo).items():
        web, headers = _signed_in(app, person, clock)
        csrf = page_csrf(web)
        api_gets = [
            f"{API}/audit/cycles/{w.cycle_id}/adverse-impact",
            f"{API}/cycles/{w.cycle_id}/self-identification",
        ]
        for url in api_gets:
            response = client.get(url, headers=headers)
            assert response.status_code == 403, (who, url)
            assert error_of(response)["code"] == "forbidden"
        for candidate_id in eeo.candidates:
            response = client.post(f"{API}/candidates/{candidate_id}/self-identification", headers=headers)
            assert response.status_code == 403, (who, candidate_id)
            assert error_of(response)["code"] == "forbidden"
            invited = web.post(
                f"/admin/cycles/{w.cycle_id}/self-identification/{candidate_id}", data={"csrf_token": csrf}
            )
            assert invited.status_code == 403, (who, candidate_id)
        for url in (
            f"/audit/cycles/{w.cycle_id}/adverse-impact",
            f"/admin/cycles/{w.cycle_id}/self-identification",
            f"/audit/cycles/{w.cycle_id}/report.pdf",
        ):
            response = web.get(url)
            assert response.status_code == 403, (who, url)
            assert _markers_in(text_of(response)) == [], (who, url)


# --- the design, statically --------------------------------------------------------------------------

PACKAGE = Path(vetting.__file__).parent
EEO_NAMES = frozenset({"SelfIdentification", "Sex", "RaceEthnicity"})


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def _sources() -> dict[str, str]:
    return {_module_name(path): path.read_text(encoding="utf-8") for path in sorted(PACKAGE.rglob("*.py"))}


@functools.cache
def _imports(source: str) -> frozenset[str]:
    """What a module imports: modules as dotted names and, for ``from m import n``, ``m.n`` too."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return frozenset(found)


def _importers(target: str) -> set[str]:
    return {name for name, source in _sources().items() if target in _imports(source)}


def _importers_of_eeo_names() -> set[str]:
    """Modules that import the table or its enums, from ``vetting.models`` or ``vetting.models.eeo``."""
    wanted = {f"vetting.models.{n}" for n in EEO_NAMES} | {f"vetting.models.eeo.{n}" for n in EEO_NAMES}
    return {name for name, source in _sources().items() if _imports(source) & wanted}


def test_only_the_eeo_services_and_the_models_touch_the_table() -> None:
    """No investigator or board module names SelfIdentification or its table: none can join it."""
    sources = _sources()
    allowed = {"vetting.services.self_identification", "vetting.services.adverse_impact"}
    for pattern in (r"\bSelfIdentification\b", r"\bself_identifications\b"):
        found = {name for name, source in sources.items() if re.search(pattern, source)}
        assert found, pattern  # the check looks at the right files
        assert {n for n in found if n not in allowed and not n.startswith("vetting.models")} == set(), pattern
    assert _importers_of_eeo_names() == {
        "vetting.models",
        "vetting.services.self_identification",
        "vetting.services.adverse_impact",
        "vetting.web.forms",  # the candidate's own form: its choices
        "vetting.api.schemas",  # the candidate's own API body: the same choices, in the OpenAPI document
    }
    # The answers are opened in one place: the aggregate report.
    openers = {name for name, source in sources.items() if re.search(r"\bopen_answers\(", source)}
    assert openers == {"vetting.services.self_identification", "vetting.services.adverse_impact"}


#: Modules that serve investigators or the board (web views, API views, services).
BOARD_AND_WORK = frozenset(
    {
        "board",
        "board_work",
        "board_rules",
        "decisions",
        "investigation",
        "release",
        "released",
        "findings",
        "notices",
        "questions",
        "candidates",
        "candidate_file",
        "redaction",
        "home",
        "views",
    }
)


def test_only_auditor_and_self_identification_modules_use_the_eeo_services() -> None:
    assert _importers("vetting.services.adverse_impact") == {
        "vetting.api.audit",
        "vetting.web.audit",
        "vetting.services.audit_report",
    }
    assert _importers("vetting.services.audit_report") == {
        "vetting.api.audit",
        "vetting.web.audit",
        "vetting.jobs.tasks",  # the worker prepares it as the auditor who asked (issue 17)
    }
    assert _importers("vetting.services.self_identification") == {
        "vetting.api.self_identification",
        "vetting.web.self_identification",
        "vetting.services.adverse_impact",
        "vetting.demo",  # the demo data: answers given through the form's own service
        "vetting.services.candidate_links",  # issues and mails the form's link (invite), never reads answers
        "vetting.services.retention",  # the submission's date as a record date (RET-01), never the answers
    }
    assert _importers("vetting.selection_rates") == {"vetting.services.adverse_impact", "vetting.api.audit"}
    # And the board's and the investigators' own modules import none of it, nor the auditor's views.
    eeo = {
        "vetting.services.adverse_impact",
        "vetting.services.audit_report",
        "vetting.services.self_identification",
        "vetting.models.eeo",
        "vetting.api.audit",
        "vetting.web.audit",
        "vetting.selection_rates",
    } | {f"vetting.models.{n}" for n in EEO_NAMES}
    checked = 0
    for name, source in _sources().items():
        leaf = name.rsplit(".", 1)[-1]
        if name.startswith(("vetting.api.", "vetting.web.", "vetting.services.")) and leaf in BOARD_AND_WORK:
            assert _imports(source) & eeo == set(), name
            checked += 1
    assert checked >= 12


def test_no_board_or_investigator_template_mentions_eeo_data() -> None:
    templates = PACKAGE.parent / "templates"
    checked = 0
    for folder in ("board", "work", "home"):
        for path in sorted((templates / folder).rglob("*.html")):
            found = _markers_in(path.read_text(encoding="utf-8"))
            assert found == [], (path.name, found)
            checked += 1
    assert checked >= 5
    assert _markers_in((templates / "audit" / "adverse_impact.html").read_text(encoding="utf-8"))


def test_answering_the_form_changes_nothing_the_board_or_the_investigators_read(
    app: Flask, client: FlaskClient, clock: Clock
) -> None:
    """Answering the form changes nothing any board or investigator surface returns for the candidate."""
    bw = build_board_world(app)
    w = bw.world
    board, inv = bearer(app, bw.chair), bearer(app, w.inv)
    urls = [
        (f"{API}/board/candidates/{w.candidate_id}/summary", board),
        (f"{API}/board/candidates/{w.candidate_id}/summary.pdf", board),
        (f"{API}/board/cycles/{w.cycle_id}/candidates", board),
        (f"{API}/candidates/{w.candidate_id}", inv),
        (f"{API}/candidates/{w.candidate_id}/findings", inv),
        (f"{API}/candidates/{w.candidate_id}/board", inv),
        (f"{API}/cycles/{w.cycle_id}/candidates", inv),
    ]
    before = {url: text_of(get_closed(client, url, headers)) for url, headers in urls}
    token = _invite(client, bearer(app, w.admin), w.candidate_id)
    answered = app.test_client().post(
        f"{API}/self-identification", json={"token": token, "sex": "male", "race_ethnicity": "american_indian"}
    )
    assert answered.status_code == 201
    after = {url: text_of(get_closed(client, url, headers)) for url, headers in urls}
    assert after == before
