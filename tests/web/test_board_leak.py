"""THE leak test: nothing protected reaches a board surface (R3, POL-02, PC-01; issue 4 item 7).

Investigators seed, through the JSON API, findings whose raw platform, summary and excerpt
carry distinctive protected-class phrases on every axis of the detector, resolve every
mention as ``redact`` and have a second investigator of the cycle release them. Around them
sit an unreleased finding, a refuted one, one in a never-reported category, one edited after
release, an evidence file, a revealing source URL and profile URL, search-log queries and
validation notes, each with words of their own. Then every GET route of ``app.url_map`` is
walked as a board member of the cycle (web pages, JSON, PDFs as extracted text) with every id
that exists, and none of those words, no axis name and no detector rule id may appear; the
redactions show as ``[redacted]``. A lane-B finding (rules-legal.md §2.1: the candidate's
expressed bias is conduct) must reach the board with its conduct words intact. A board
member of another cycle is refused, and in a blind-review cycle the name never shows.

Issue 5 adds the board's own records around the first candidate (search complete, the board
member as chair): a recommendation and a proposal not to advance citing two released findings
(the pre-decision notice, walked as a PDF at both of its URLs with the notice ids), the
candidate's response with protected phrases of its own (the board reads them as ``[redacted]``),
a question answered and approved by a second investigator, and one answered but never approved.
The investigators' and administrators' GET routes refuse the board member.

The last tests feed phrases the detector once missed, and a blind-cycle candidate's name
written into a finding or into the candidate's response, through the whole flow: none may
reach the board.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import flask_wtf.csrf
import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.datastructures import Headers
from werkzeug.test import TestResponse
from werkzeug.wrappers import Request

from tests.support import Clock, Person, login, make_user, runtime_of
from tests.web.helpers import get_closed, text_of
from tests.web.world import (
    API,
    CANDIDATE_NAME,
    World,
    add_candidate,
    add_investigator,
    bearer,
    build_world,
    close_search,
    consent_api,
    error_of,
    evidence_api,
    finding_api,
    png,
    resolve_api,
    user_in,
)
from vetting.clock import today
from vetting.models import (
    BoardQuestion,
    Candidate,
    CandidateResponse,
    ChecklistTemplate,
    ChecklistVersion,
    ChecklistVersionItem,
    Consent,
    Cycle,
    Duty,
    Evidence,
    Finding,
    FindingMention,
    FindingRelease,
    Holiday,
    Notice,
    Role,
    User,
    ValidationStep,
)
from vetting.screening.detector import AXES
from vetting.screening.text import normalise
from vetting.services import cycles
from vetting.services import tokens as token_service

# --- what is seeded --------------------------------------------------------------------------------

#: Every finding's source: a URL that itself reveals religion and marital status.
SOURCE_HOST = "catholic-singles.example"
#: Candidate B's listed profile: a revealing URL that must stay with the investigators.
PROFILE_URL = "https://mosque-friends.example/robin-roe"
SECOND_NAME = "Robin Roe"
EVIDENCE_FILENAME = "casey-baptism-kx93.png"
SEARCH_TOKEN = "kestrelwing"
RESOLUTION_NOTES = "Checked every page of results; nq-quillfeather"
VALIDATION_NOTES = "Archived copy matches the live post; vn-marmoset"
LANE_B_REASON = "Reported conduct about a group (lane B), not the candidate's own trait; rz-ocelot"


@dataclass(frozen=True)
class Seed:
    """One finding's raw fields and the protected phrases in them that the board must never read."""

    axis: str
    category: str
    summary: str
    excerpt: str
    phrases: tuple[str, ...]
    platform: str = "Facebook"
    #: Words the detector leaves beside a flagged word, redacted by hand (POST /redactions).
    manual: tuple[tuple[str, str], ...] = ()


#: One finding per detector axis; each phrase is one the detector flags (checked in the test).
AXIS_SEEDS = (
    Seed(
        "race_colour",
        "violence_threats",
        "Posted, as a proud Latina, that she would smash a rival's windshield with a tyre iron.",
        "Proud Latina here and that windshield is getting smashed tonight.",
        ("proud Latina", "Latina"),
    ),
    Seed(
        "national_origin",
        "dishonesty",
        "Told the bank she had no other debts; the same thread says she was born in Manila and holds a green card.",
        "Born in Manila, green card since 2009, and no, I never told the bank about the car loan.",
        ("born in Manila", "Manila", "green card"),
    ),
    Seed(
        "religion",
        "reckless_conduct",
        "Posted a video of street racing at over 100 mph on Route 49 after a Lent fundraiser at my Catholic parish.",
        "Racing home from my Catholic parish fundraiser after Lent, hit 110 on Route 49 lol",
        ("my Catholic parish", "Catholic", "parish", "Catholic Singles", "Lent"),
        platform="Catholic Singles Forum",
        manual=(("summary", "Lent"), ("excerpt", "Lent")),
    ),
    Seed(
        "sex",
        "violence_threats",
        "Wrote that, as the only woman on her crew, she would put the next one who talks back in the hospital.",
        "Only woman on this crew and the next one who talks back ends up in the hospital.",
        ("only woman on her crew", "woman"),
    ),
    Seed(
        "pregnancy",
        "confidential_disclosure",
        "Shared a screenshot of the internal duty roster in a post inviting friends to her gender reveal party.",
        "We're expecting! Gender reveal party Saturday. Also here is the duty roster lol",
        ("gender reveal", "we're expecting"),
    ),
    Seed(
        "sexual_orientation",
        "dishonesty",
        "Admitted forging a doctor's note so that she and her wife could march in the Pride parade.",
        "Forged the note, me and her wife are going to the Pride parade, boss will never know.",
        ("her wife", "Pride parade"),
    ),
    Seed(
        "gender_identity",
        "illegal_activity",
        "Bought a catalytic converter with no questions asked; the same post says they started HRT last spring.",
        "Started HRT last spring, pronouns she/her now, and scored a cheap catalytic converter, no questions asked.",
        ("started HRT", "HRT", "she/her"),
    ),
    Seed(
        "age",
        "reckless_conduct",
        "Posted as a 62-year-old about jumping from a highway overpass into shallow water.",
        "Born in 1964, class of 1982, and still jumping off the overpass into the shallows.",
        ("62-year-old", "born in 1964", "class of 1982"),
    ),
    Seed(
        "disability_health",
        "dishonesty",
        "Lied to an insurer about a car crash; the post says she was diagnosed with bipolar disorder.",
        "Told the adjuster I wasn't driving. Diagnosed with bipolar disorder last year, on lithium now.",
        ("bipolar disorder", "diagnosed", "lithium"),
    ),
    Seed(
        "genetic",
        "confidential_disclosure",
        "Posted a confidential case file in a fundraiser post for my mother's breast cancer.",
        "Walking for my mother's breast cancer, BRCA test next week; here is that case file everyone asked about.",
        ("my mother's breast cancer", "breast cancer", "BRCA"),
    ),
    Seed(
        "military_veteran",
        "violence_threats",
        "Army veteran post threatening to settle a parking dispute with his fists.",
        "Army veteran, DD-214 in the drawer, and that neighbour is getting my fists.",
        ("Army veteran", "DD-214"),
    ),
    Seed(
        "marital_family",
        "dishonesty",
        "Bragged about hiding income from the court; mentions being divorced with my three kids.",
        "Divorced, my three kids with me on weekends, and the court will never see that cash.",
        ("divorced", "three kids"),
    ),
    Seed(
        "political",
        "violence_threats",
        "Posted, as a Green Party volunteer, that he would slash the tyres of anyone parking on his lawn.",
        "Green Party volunteer and anyone parking on my lawn gets their tyres slashed.",
        ("Green Party",),
    ),
    Seed(
        "protected_activity",
        "positive_mitigating",
        "Coached a youth league for three seasons; the post also says she led the union organizing drive.",
        "Led the union organizing drive and filed an EEOC charge; coaching the youth league again this year.",
        ("union organizing", "organizing drive", "EEOC charge"),
    ),
)

#: Lane B (rules-legal.md §2.1): the candidate's own bias is conduct the board must read.
LANE_B_SUMMARY = (
    "Posted that women can't do this job and called a coworker a vile ethnic slur "
    "while threatening to run them out of town."
)
LANE_B_EXCERPT = "As a Baptist I'm telling you women can't do this job. Next time I run them out of town."
LANE_B_CONDUCT = ("women can't do this job", "vile ethnic slur", "run them out of town", "women")
LANE_B_PROTECTED = ("Baptist",)


@dataclass(frozen=True)
class Hidden:
    """A finding the board must not read at all: its conduct words are as secret as its protected words."""

    kind: str
    summary: str
    excerpt: str
    words: tuple[str, ...]
    category: str = "violence_threats"


UNRELEASED = Hidden(
    "unreleased",
    "Threatened to burn a neighbour's boat at Okatoma Creek after Shabbat services.",
    "After Shabbat services I'm burning that boat at Okatoma Creek.",
    ("Okatoma Creek", "Shabbat"),
)
REFUTED = Hidden(
    "refuted",
    "Claimed to have pushed a man off the Leaf River trestle near my Hindu temple.",
    "Pushed him off the Leaf River trestle, right by my Hindu temple.",
    ("Leaf River trestle", "Hindu"),
)
NEVER_REPORTED = Hidden(
    "never_reported",
    "Photos from the Diwali festival on Bouie Street with her Sikh turban.",
    "Diwali on Bouie Street, new Sikh turban!",
    ("Bouie Street", "Diwali", "Sikh turban"),
    category="protected_trait",
)
#: Revision 2 of a released finding: never re-released, so never shown.
EDITED = Hidden(
    "edited_after_release",
    "Threatened a cashier at Tatum Park while wearing a hijab.",
    "Wearing my hijab at Tatum Park and that cashier is done.",
    ("Tatum Park", "hijab"),
)

# --- the board's decision (issue 5) -------------------------------------------------------------------

#: The board's rationale and questions, and the investigators' answers: screened, so free of protected words.
RATIONALE = "Relied on the windshield threat and the street racing in the released findings; conduct unbecoming."
ASKED = "Was the windshield threat ever reported to the police or to the rival?"
ANSWERED = "No police report was found; the post stayed up for two days and drew replies (qa-lemur)."
#: A second question whose answer no second investigator approved: the board must not read it.
ASKED_UNAPPROVED = "Did the street racing post name a date, and was anyone hurt?"
UNAPPROVED_ANSWER = "The racing post gives no date; nobody was reported hurt (qa-tapir)."
#: What the candidate sent back to the pre-decision notice, recorded by an investigator: two protected
#: phrases of the candidate's own (the board reads them as [redacted]) around words the board must read.
RESPONSE_PHRASES = ("Yom Kippur", "hearing aids")
RESPONSE_TEXT = (
    "I was at Yom Kippur services that night and I wear hearing aids, so I never saw the reply; "
    "the windshield post was a joke I regret (rp-axolotl)."
)
RESPONSE_FOR_BOARD = (
    "I was at [redacted] services that night and I wear [redacted], so I never saw the reply; "
    "the windshield post was a joke I regret (rp-axolotl)."
)
#: An agency holiday (only administrators list them): its id fills ``holiday_id``.
HOLIDAY = {"day": "2026-11-26", "name": "Thanksgiving Day"}
#: The axes of the released findings of the first candidate the board relies on (cited in the notice).
CITED_AXES = ("race_colour", "religion")

#: Axis names and labels that no board page has any reason to print (PRODUCT.md §3: naming the
#: axis would itself disclose it). "age" and "sex" are left out: they sit inside ordinary words.
AXIS_WORDS = tuple(
    sorted(
        {a for a in AXES if a not in {"age", "sex"}}
        | {a.replace("_", " ") for a in AXES if "_" in a}
        | {
            "pregnancy",
            "pregnant",
            "religion",
            "religious",
            "sexual orientation",
            "gender identity",
            "disability",
            "genetic",
            "military",
            "veteran",
            "marital",
            "national origin",
            "political",
            "protected trait",
        }
    )
)
#: Detector rule ids (e.g. REL-017, AGE-P01): a rule id names its axis.
RULE_ID_RE = re.compile(
    r"\b(?:RACE|NAT|REL|SEX|PREG|ORIENT|GENDER|AGE|HEALTH|GEN|MIL|FAM|POL|ACT)-(?:P\d{2}|[ES]\d{3}|\d{3,4})\b"
)
#: A walk that reaches fewer pages than this has not really walked the board (see ``_must_reach``).
MIN_ROUTES = 15
#: Every GET route with every id: most answer 403/404 to a board member, and are checked all the same.
MIN_URLS_TRIED = 120


# --- building the world through the API --------------------------------------------------------------


@dataclass
class Seeded:
    world: World
    second: Person
    candidates: list[int]
    forbidden: set[str] = field(default_factory=set)
    released: dict[str, int] = field(default_factory=dict)
    lane_b_id: int = 0
    #: The board's decision about the first candidate: the findings cited, the notices issued
    #: (the pre-decision notice), the questions asked (answered and approved; answered only).
    cited: list[int] = field(default_factory=list)
    notices: list[int] = field(default_factory=list)
    approved_question: int = 0
    unapproved_question: int = 0
    response_id: int = 0


def _ok(response: TestResponse, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    body: dict[str, Any] = response.get_json()
    return body


class Investigation:
    """The author and the reviewer at work on one cycle, through the JSON API only."""

    def __init__(self, client: FlaskClient, world: World, author: dict[str, str], reviewer: dict[str, str]) -> None:
        self.client, self.world, self.author, self.reviewer = client, world, author, reviewer
        self.day = 0

    def create(self, candidate_id: int, summary: str, excerpt: str, category: str, platform: str = "Facebook") -> Any:
        self.day += 1
        response = finding_api(
            self.client,
            self.author,
            candidate_id,
            self.world.items[0],
            summary=summary,
            excerpt=excerpt,
            platform=platform,
            behaviour_category=category,
            source_url=f"https://{SOURCE_HOST}/casey/{self.day}",
            content_date=(today() - timedelta(days=self.day)).isoformat(),
        )
        return _ok(response, 201)

    def resolve(self, finding: dict[str, Any], keep: Iterable[str] = ()) -> dict[str, Any]:
        """Resolve every mention: ``redact``, except mentions whose text is in ``keep`` (lane B)."""
        kept = {k.casefold() for k in keep}
        body = finding
        for mention in finding["mentions"]:
            lane_b = mention["text"].casefold() in kept
            resolution = (
                {"resolution": "not_protected", "reason": LANE_B_REASON} if lane_b else {"resolution": "redact"}
            )
            body = _ok(
                self.client.post(
                    f"{API}/findings/{finding['id']}/mentions/{mention['id']}", json=resolution, headers=self.author
                )
            )
        assert body["open_mentions"] == 0
        return body

    def redact_words(self, finding_id: int, field_name: str, words: str) -> dict[str, Any]:
        response = self.client.post(
            f"{API}/findings/{finding_id}/redactions", json={"field": field_name, "text": words}, headers=self.author
        )
        return _ok(response, 201)

    def validate(self, finding_id: int, result: str = "corroborates") -> None:
        body = {"method": "second_source", "result": result, "notes": VALIDATION_NOTES}
        _ok(self.client.post(f"{API}/findings/{finding_id}/validations", json=body, headers=self.author), 201)

    def release(self, finding_id: int) -> TestResponse:
        return self.client.post(f"{API}/findings/{finding_id}/release", json={}, headers=self.reviewer)


def _seed(app: Flask, client: FlaskClient, world: World) -> Seeded:
    """Everything of the module docstring, made by investigators through the JSON API."""
    second = add_investigator(app, world)
    author, reviewer = bearer(app, world.inv), bearer(app, second)
    other = add_candidate(app, world.inv, world.cycle_id, SECOND_NAME, profile_urls=[PROFILE_URL])
    candidates = [world.candidate_id, other]
    seeded = Seeded(world, second, candidates)
    seeded.forbidden |= {SOURCE_HOST, PROFILE_URL, "mosque-friends", EVIDENCE_FILENAME}
    seeded.forbidden |= {SEARCH_TOKEN, "nq-quillfeather", "vn-marmoset", "rz-ocelot"}

    for candidate_id in candidates:
        _ok(consent_api(client, author, candidate_id), 201)
    for n, item_id in enumerate(world.items):  # the search log: queries and notes the board never reads
        query = f'"{CANDIDATE_NAME}" {SEARCH_TOKEN} {n}'
        _ok(resolve_api(client, author, world.candidate_id, item_id, query=query, notes=RESOLUTION_NOTES))

    work = Investigation(client, world, author, reviewer)
    flagged_axes: set[str] = set()
    for n, seed in enumerate(AXIS_SEEDS):
        finding = work.create(candidates[n % 2], seed.summary, seed.excerpt, seed.category, seed.platform)
        axes = {m["axis"] for m in finding["mentions"]}
        assert seed.axis in axes, (seed.axis, finding["mentions"])
        flagged_axes |= axes
        work.resolve(finding)
        for field_name, words in seed.manual:
            work.redact_words(finding["id"], field_name, words)
        work.validate(finding["id"])
        _ok(work.release(finding["id"]))
        seeded.released[seed.axis] = finding["id"]
        seeded.forbidden |= set(seed.phrases) | {m["text"] for m in finding["mentions"]}
    assert flagged_axes >= set(AXES), set(AXES) - flagged_axes

    # Lane B: the conduct stays, the candidate's own religion goes.
    finding = work.create(world.candidate_id, LANE_B_SUMMARY, LANE_B_EXCERPT, "bias_hate")
    assert {m["text"].casefold() for m in finding["mentions"]} >= {"women", "baptist"}
    resolved = work.resolve(finding, keep=("women",))
    assert "women can't do this job" in resolved["redacted"]["summary"]
    work.validate(finding["id"])
    _ok(work.release(finding["id"]))
    seeded.lane_b_id = finding["id"]
    seeded.forbidden |= set(LANE_B_PROTECTED)

    # An evidence file with a revealing name, on a released finding.
    _ok(evidence_api(client, author, seeded.released["religion"], png("baptism photo"), EVIDENCE_FILENAME), 201)

    # Unreleased: mentions left open, never reviewed (withdrawn before the search is closed, R1).
    unreleased = work.create(world.candidate_id, UNRELEASED.summary, UNRELEASED.excerpt, UNRELEASED.category)
    # Refuted: released, then (once the search is closed, below) a second source contradicts it.
    finding = work.create(other, REFUTED.summary, REFUTED.excerpt, REFUTED.category)
    work.resolve(finding)
    work.validate(finding["id"])
    _ok(work.release(finding["id"]))
    refuted = finding["id"]
    # Never reported (protected_trait): the release is refused, whatever the reviewer wants.
    finding = work.create(world.candidate_id, NEVER_REPORTED.summary, NEVER_REPORTED.excerpt, NEVER_REPORTED.category)
    work.resolve(finding)
    work.validate(finding["id"])
    refused = work.release(finding["id"])
    assert refused.status_code == 409, refused.get_data(as_text=True)
    assert error_of(refused)["code"] == "category_not_reportable"
    finding_never_reported = finding["id"]
    # Edited after release: revision 2 carries new words and is never re-released.
    finding = work.create(other, "Threatened a cashier in a parking lot.", "That cashier is done.", "violence_threats")
    work.resolve(finding)
    work.validate(finding["id"])
    _ok(work.release(finding["id"]))
    body = {
        "item_id": world.items[0],
        "source_url": f"https://{SOURCE_HOST}/casey/edited",
        "platform": "Facebook",
        "summary": EDITED.summary,
        "excerpt": EDITED.excerpt,
        "behaviour_category": EDITED.category,
        "authorship": "authored",
        "identity_basis": ["name", "photo", "listed_handle"],
    }
    assert _ok(client.put(f"{API}/findings/{finding['id']}", json=body, headers=author))["revision"] == 2

    for hidden in (UNRELEASED, REFUTED, NEVER_REPORTED, EDITED):
        seeded.forbidden |= set(hidden.words)
    # R1: every finding is released or withdrawn before the search closes; the edited one never
    # goes back to the board.
    for withdrawn in (unreleased["id"], finding_never_reported, finding["id"]):
        body = {"reason": "Not relied on: withdrawn before closing the search."}
        _ok(client.post(f"{API}/findings/{withdrawn}/withdraw", json=body, headers=author))
    _ok(client.post(f"{API}/candidates/{world.candidate_id}/complete", headers=author))  # the record closes
    close_search(app, world.inv, other)
    work.validate(refuted, "contradicts")
    _seed_decision(app, client, seeded, author, reviewer)
    return seeded


def _seed_decision(
    app: Flask, client: FlaskClient, seeded: Seeded, author: dict[str, str], reviewer: dict[str, str]
) -> None:
    """Issue 5 on the first candidate (its search complete): board rules with the board member as
    chair, a recommendation and a proposal not to advance citing released findings (the pre-decision
    notice), the candidate's response with protected phrases of its own, and two questions: one
    answered and approved by a second investigator, one answered and never approved."""
    w = seeded.world
    admin, board = bearer(app, w.admin), bearer(app, w.board)
    candidate_url = f"{API}/board/candidates/{w.candidate_id}"
    _ok(client.post(f"{API}/holidays", json=HOLIDAY, headers=admin), 201)
    rules = {"decision_rule": "chair", "decision_quorum": 1, "chair_user_id": w.board.id, "response_days": 5}
    cycle = _ok(client.put(f"{API}/cycles/{w.cycle_id}/board-rules", json=rules, headers=admin))
    assert cycle["board_rules"]["chair_user_id"] == w.board.id

    seeded.cited = [seeded.released[axis] for axis in CITED_AXES]
    decision = {"outcome": "do_not_advance", "rationale": RATIONALE, "finding_ids": seeded.cited}
    _ok(client.post(f"{candidate_url}/recommendations", json=decision, headers=board), 201)
    proposed = _ok(client.post(f"{candidate_url}/decisions", json=decision, headers=board), 201)
    assert proposed["status"] == "proposed", proposed
    notices = proposed["board"]["notices"]
    assert [n["kind"] for n in notices] == ["pre_decision"], notices
    seeded.notices = [n["id"] for n in notices]

    response = {"kind": "response", "text": RESPONSE_TEXT, "received_on": today().isoformat()}
    seeded.response_id = _ok(
        client.post(f"{API}/candidates/{w.candidate_id}/responses", json=response, headers=author), 201
    )["id"]
    seeded.forbidden |= set(RESPONSE_PHRASES)

    for text, attr in ((ASKED, "approved_question"), (ASKED_UNAPPROVED, "unapproved_question")):
        asked = {"finding_id": seeded.released["race_colour"], "question": text}
        setattr(seeded, attr, _ok(client.post(f"{candidate_url}/questions", json=asked, headers=board), 201)["id"])
    for question_id, text in ((seeded.approved_question, ANSWERED), (seeded.unapproved_question, UNAPPROVED_ANSWER)):
        _ok(client.post(f"{API}/questions/{question_id}/answer", json={"answer": text}, headers=author))
    _ok(client.post(f"{API}/questions/{seeded.approved_question}/approve", headers=reviewer))
    seeded.forbidden |= {"qa-tapir"}


def _investigator_corpus(client: FlaskClient, seeded: Seeded) -> str:
    """What the cycle's investigators can read: every forbidden word must be there (the test bites)."""
    headers = bearer(client.application, seeded.world.inv)
    parts = []
    for candidate_id in seeded.candidates:
        for path in ("", "/findings", "/checklist", "/board"):
            parts.append(text_of(get_closed(client, f"{API}/candidates/{candidate_id}{path}", headers)))
    return "\n".join(parts)


# --- walking every board surface -------------------------------------------------------------------

PARAM_RE = re.compile(r"<(?:([^:<>()]+)(?:\(([^)]*)\))?:)?([^<>:]+)>")
#: Route parameter name -> the rows whose ids fill it; unknown names get every id below.
ID_SOURCES: dict[str, Any] = {
    "cycle_id": Cycle,
    "candidate_id": Candidate,
    "finding_id": Finding,
    "evidence_id": Evidence,
    "release_id": FindingRelease,
    "mention_id": FindingMention,
    "user_id": User,
    "version_id": ChecklistVersion,
    "template_id": ChecklistTemplate,
    "item_id": ChecklistVersionItem,
    "consent_id": Consent,
    "validation_id": ValidationStep,
    "notice_id": Notice,
    "question_id": BoardQuestion,
    "response_id": CandidateResponse,
    "holiday_id": Holiday,
}
MAX_URLS_PER_RULE = 300


@dataclass(frozen=True)
class Page:
    url: str
    status: int
    content_type: str
    text: str


def _ids(app: Flask) -> dict[str, list[int]]:
    pools: dict[str, list[int]] = {}
    with runtime_of(app).db.transaction() as session:
        for name, model in ID_SOURCES.items():
            pools[name] = list(session.scalars(select(model.id).order_by(model.id)))
    pools["*"] = sorted({i for ids in pools.values() for i in ids})
    return pools


def _fill(template: str, values: Iterable[str]) -> str:
    """``template`` with its URL parameters replaced by ``values`` in order."""
    filling = iter(values)
    return PARAM_RE.sub(lambda _: next(filling), template)


def _urls(app: Flask) -> Iterator[str]:
    """Every GET URL of the app with every known id in each parameter."""
    pools = _ids(app)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        choices: list[list[str]] = []
        for converter, arguments, name in PARAM_RE.findall(rule.rule):
            if converter == "any":
                choices.append([c.strip().strip("'\"") for c in arguments.split(",")])
            elif converter == "int" or (not converter and name.endswith("_id")):
                choices.append([str(i) for i in pools.get(name, pools["*"])])
            else:
                choices.append([])  # a path or free string: nothing sensible to try
        for values in itertools.islice(itertools.product(*choices), MAX_URLS_PER_RULE):
            yield _fill(rule.rule, values)


def walk_board(app: Flask, web: FlaskClient, headers: dict[str, str]) -> tuple[list[Page], list[Page]]:
    """Every GET route with every id, as one caller (web session + API token); (answered 200, all)."""
    everything = []
    for url in _urls(app):
        response = get_closed(web, url, headers)
        everything.append(Page(url, response.status_code, response.mimetype or "", text_of(response)))
    return [p for p in everything if p.status == 200], everything


def _labels(text: str) -> set[str]:
    """Axis names and detector rule ids in ``text``."""
    folded = text.casefold()
    found = {w for w in AXIS_WORDS if re.search(rf"\b{re.escape(w)}\b", folded)}
    return found | set(RULE_ID_RE.findall(text))


def reference_labels(app: Flask, clock: Clock, pages: Iterable[Page]) -> dict[str, set[str]]:
    """The labels each page shows a board member of no cycle at all: reference text, not candidate data.

    The API description and the lawful-method catalogue name legal categories for everyone; the
    label check forgives exactly those words on exactly those pages. The seeded-word check forgives nothing.
    """
    nobody = make_user(app, f"board-of-nothing-{next(_NOBODY)}@x.test", Role.BOARD_MEMBER, name="Nell Nobody")
    web, headers = _board_client(app, nobody, clock)
    return {p.url: _labels(text_of(get_closed(web, p.url, headers))) for p in pages if p.status == 200}


_NOBODY = itertools.count(1)


def _leaks(
    pages: Iterable[Page], words: Iterable[str], reference: dict[str, set[str]] | None = None
) -> list[tuple[str, str]]:
    """(url, word) for every seeded word (case-insensitive), axis label or rule id found in a page."""
    found = []
    lowered = [w.casefold() for w in words]
    for page in pages:
        text = page.text.casefold()
        found += [(page.url, w) for w in lowered if w in text]
        found += [(page.url, w) for w in sorted(_labels(page.text) - (reference or {}).get(page.url, set()))]
    return found


def _board_client(app: Flask, person: Person, clock: Clock) -> tuple[FlaskClient, dict[str, str]]:
    web = app.test_client()
    login(web, person, clock)
    return web, bearer(app, person)


def _must_reach(seeded: Seeded) -> set[str]:
    w = seeded.world
    must = {"/account", "/board", f"/board/cycles/{w.cycle_id}", f"{API}/me", f"{API}/cycles"}
    must |= {f"{API}/cycles/{w.cycle_id}", f"{API}/board/cycles/{w.cycle_id}/candidates"}
    for candidate_id in seeded.candidates:
        must |= {f"/board/candidates/{candidate_id}", f"{API}/board/candidates/{candidate_id}/summary"}
        must |= {f"/board/candidates/{candidate_id}/summary.pdf", f"{API}/board/candidates/{candidate_id}/summary.pdf"}
        must |= {f"{API}/board/candidates/{candidate_id}/decisions", f"{API}/board/candidates/{candidate_id}/questions"}
    for notice_id in seeded.notices:
        must |= set(_notice_urls(notice_id))
    return must


def _notice_urls(notice_id: int) -> tuple[str, str]:
    """The two ways a board member downloads a notice: the JSON API (token) and the board pages (session)."""
    return f"{API}/notices/{notice_id}.pdf", f"/board/notices/{notice_id}.pdf"


#: GET routes for the cycle's investigators only (the candidate's response as written, answers
#: before approval) and for administrators (holidays): a board member is refused every one of them.
def _not_for_the_board(seeded: Seeded) -> list[str]:
    urls = [f"{API}/questions", f"{API}/holidays", "/admin/holidays"]
    return urls + [f"{API}/candidates/{c}/board" for c in seeded.candidates]


# --- the tests -----------------------------------------------------------------------------------------


def _assert_lane_b_reaches_the_board(
    client: FlaskClient, web: FlaskClient, headers: dict[str, str], seeded: Seeded
) -> None:
    """rules-legal.md §2.1: the candidate's expressed bias is conduct; lane A must not suppress it (R3)."""
    body = _ok(get_closed(client, f"{API}/board/candidates/{seeded.world.candidate_id}/summary", headers))
    finding = next(f for g in body["groups"] for f in g["findings"] if f["finding_id"] == seeded.lane_b_id)
    assert finding["behaviour_category"] == "bias_hate"
    assert finding["summary"] == LANE_B_SUMMARY
    assert finding["excerpt"] == LANE_B_EXCERPT.replace("Baptist", "[redacted]")
    page = text_of(get_closed(web, f"/board/candidates/{seeded.world.candidate_id}"))
    for words in LANE_B_CONDUCT:
        assert words in finding["summary"] + finding["excerpt"]
        assert words in page
    assert "Baptist" not in page


@pytest.fixture
def seeded(app: Flask, client: FlaskClient) -> Seeded:
    return _seed(app, client, build_world(app))


def test_no_protected_word_reaches_any_board_surface(
    app: Flask, client: FlaskClient, clock: Clock, seeded: Seeded
) -> None:
    """R3 / POL-02 / PC-01: every page, JSON body and PDF a board member reaches is free of protected words."""
    corpus = _investigator_corpus(client, seeded).casefold()
    missing = sorted(w for w in seeded.forbidden if w.casefold() not in corpus)
    assert missing == [], f"seeded words the investigators cannot see either: {missing}"

    web, headers = _board_client(app, seeded.world.board, clock)
    answered, everything = walk_board(app, web, headers)

    reached = {p.url for p in answered}
    assert _must_reach(seeded) <= reached, sorted(_must_reach(seeded) - reached)
    assert len(answered) >= MIN_ROUTES, sorted(reached)
    assert len(everything) >= MIN_URLS_TRIED
    reference = reference_labels(app, clock, answered)
    assert all(not labels for url, labels in reference.items() if "board" in url), reference
    assert _leaks(everything, seeded.forbidden, reference) == []

    # The redactions are there, as [redacted] and nothing more.
    for candidate_id in seeded.candidates:
        page = next(p for p in answered if p.url == f"/board/candidates/{candidate_id}")
        summary = next(p for p in answered if p.url == f"{API}/board/candidates/{candidate_id}/summary")
        pdf = next(p for p in answered if p.url == f"/board/candidates/{candidate_id}/summary.pdf")
        assert "[redacted]" in page.text
        assert "[redacted]" in summary.text
        assert "[redacted]" in pdf.text  # extracted by pdftotext
    shown = {
        f["finding_id"]
        for candidate_id in seeded.candidates
        for group in _ok(get_closed(client, f"{API}/board/candidates/{candidate_id}/summary", headers))["groups"]
        for f in group["findings"]
    }
    assert set(seeded.released.values()) | {seeded.lane_b_id} == shown  # refuted, edited, unreleased: absent
    _assert_lane_b_reaches_the_board(client, web, headers, seeded)
    _assert_the_decision_reaches_the_board_redacted(client, headers, seeded, answered)


def _assert_the_decision_reaches_the_board_redacted(
    client: FlaskClient, headers: dict[str, str], seeded: Seeded, answered: list[Page]
) -> None:
    """Issue 5: the notice holds the released text as the board read it; the candidate's response and the
    investigators' approved answer reach the board, the response's protected phrases as [redacted]."""
    w = seeded.world
    pages = {p.url: p for p in answered}
    summary = _ok(get_closed(client, f"{API}/board/candidates/{w.candidate_id}/summary", headers))
    cited = [f for g in summary["groups"] for f in g["findings"] if f["finding_id"] in seeded.cited]
    assert sorted(f["finding_id"] for f in cited) == sorted(seeded.cited)
    assert all("[redacted]" in f["summary"] + f["excerpt"] + f["platform"] for f in cited), cited
    assert seeded.notices, "no notice was issued"
    for notice_id in seeded.notices:
        for url in _notice_urls(notice_id):
            notice = pages[url]  # reached (``_must_reach``)
            assert notice.content_type == "application/pdf", url
            assert "Pre-decision notice" in notice.text, url
            assert "[redacted]" in notice.text, url
            for finding in cited:  # the released, redacted text, word for word (whitespace folded)
                for released in (finding["summary"], finding["excerpt"], finding["platform"]):
                    assert " ".join(released.split()) in notice.text, (url, released)
            folded = notice.text.casefold()
            assert [word for word in seeded.forbidden if word.casefold() in folded] == [], url

    state = _ok(get_closed(client, f"{API}/board/candidates/{w.candidate_id}/decisions", headers))
    assert state["proposal"]["finding_ids"] == seeded.cited
    assert [n["id"] for n in state["notices"]] == seeded.notices
    assert [(r["id"], r["kind"], r["text"]) for r in state["responses"]] == [
        (seeded.response_id, "response", RESPONSE_FOR_BOARD)
    ]
    page = pages[f"/board/candidates/{w.candidate_id}"].text
    assert RESPONSE_FOR_BOARD in page
    asked = _ok(get_closed(client, f"{API}/board/candidates/{w.candidate_id}/questions", headers))["questions"]
    answers = {q["id"]: q["answer"] for q in asked}
    assert answers == {seeded.approved_question: ANSWERED, seeded.unapproved_question: None}
    assert ANSWERED in page
    assert ASKED_UNAPPROVED in page  # the question shows, waiting for its answer
    assert "qa-tapir" not in page


def test_investigator_and_admin_routes_refuse_the_board(
    app: Flask, client: FlaskClient, clock: Clock, seeded: Seeded
) -> None:
    """POL-01 / R3: the response as written and unapproved answers are the investigators' alone."""
    web, headers = _board_client(app, seeded.world.board, clock)
    for url in _not_for_the_board(seeded):
        response = get_closed(web, url, headers)
        assert response.status_code in {403, 404}, (url, response.status_code)
    # The same routes give the cycle's investigators what the board must not read (the test bites).
    investigator = bearer(app, seeded.world.inv)
    written = text_of(get_closed(client, f"{API}/candidates/{seeded.world.candidate_id}/board", investigator))
    assert RESPONSE_TEXT in written
    assert UNAPPROVED_ANSWER in written
    assert ASKED_UNAPPROVED in text_of(get_closed(client, f"{API}/questions", investigator))


def test_a_board_member_of_another_cycle_is_refused(
    app: Flask, client: FlaskClient, clock: Clock, seeded: Seeded
) -> None:
    """R2 / POL-01: board access is per cycle; another cycle's board gets nothing of this one, anywhere."""
    w = seeded.world
    stranger = make_user(app, "board2@x.test", Role.BOARD_MEMBER, name="Bea Elsewhere")
    with runtime_of(app).db.transaction() as session:
        cycles.assign(session, user_in(session, w.admin), w.other_cycle_id, stranger.id, Duty.BOARD_MEMBER)
    web, headers = _board_client(app, stranger, clock)
    for url in _must_reach(seeded):
        if str(w.cycle_id) in url.split("/") or any(str(c) in url.split("/") for c in seeded.candidates):
            response = get_closed(web, url, headers)
            assert response.status_code in {403, 404}, (url, response.status_code)
    for notice_id in seeded.notices:  # the notice is addressed to the candidate, by name
        for url in _notice_urls(notice_id):
            assert get_closed(web, url, headers).status_code == 404, url
    answered, everything = walk_board(app, web, headers)
    assert f"/board/cycles/{w.other_cycle_id}" in {p.url for p in answered}
    words = seeded.forbidden | {CANDIDATE_NAME, SECOND_NAME, "Patrol 2026"}
    assert _leaks(everything, words, reference_labels(app, clock, answered)) == []


def _release_one(app: Flask, client: FlaskClient, world: World, summary: str, excerpt: str) -> dict[str, str]:
    """One finding through the whole API flow (every mention redacted); the board member's API headers."""
    second = add_investigator(app, world)
    work = Investigation(client, world, bearer(app, world.inv), bearer(app, second))
    _ok(consent_api(client, work.author, world.candidate_id), 201)
    finding = work.create(world.candidate_id, summary, excerpt, "violence_threats")
    work.resolve(finding)
    work.validate(finding["id"])
    _ok(work.release(finding["id"]))
    close_search(app, world.inv, world.candidate_id)  # R1: the board reads nothing before
    return bearer(app, world.board)


def test_blind_review_shows_codes_never_names(app: Flask, client: FlaskClient, clock: Clock) -> None:
    """R3 / PRODUCT.md §2: in a blind-review cycle the board reads candidates by code, on every surface."""
    world = build_world(app, blind=True)
    _release_one(app, client, world, "Threatened a neighbour outside the mosque.", "I will hurt him.")
    with runtime_of(app).db.transaction() as session:
        candidate = session.get(Candidate, world.candidate_id)
        assert candidate is not None
        code = candidate.code

    web, headers = _board_client(app, world.board, clock)
    answered, everything = walk_board(app, web, headers)
    words = {CANDIDATE_NAME, "Casey", "casey_c", "Hattiesburg", "mosque"}
    assert _leaks(everything, words, reference_labels(app, clock, answered)) == []
    for url in (f"/board/cycles/{world.cycle_id}", f"/board/candidates/{world.candidate_id}"):
        assert code in next(p.text for p in answered if p.url == url)
    listed = _ok(get_closed(client, f"{API}/board/cycles/{world.cycle_id}/candidates", headers))["candidates"]
    assert [(c["code"], c["name"]) for c in listed] == [(code, None)]
    summary = _ok(get_closed(client, f"{API}/board/candidates/{world.candidate_id}/summary", headers))
    assert summary["candidate"]["code"] == code
    assert summary["candidate"]["name"] is None


@pytest.mark.parametrize(
    ("raw", "protected"),
    [
        pytest.param(
            "Threatened a neighbour; says our due date is in March.",
            "due date",
            id="pregnancy-due-date",
        ),
        pytest.param(
            "Threatened a manager after she led the union organising drive.",
            "organising",
            id="protected-activity-organising",
        ),
        pytest.param(
            "Threatened a neighbour outside my Catholic parish.",
            "parish",
            id="religion-parish-residue",
        ),
    ],
)
def test_phrases_the_detector_should_flag_do_not_reach_the_board(
    app: Flask, client: FlaskClient, raw: str, protected: str
) -> None:
    """PC-01 / R3 end to end: a protected phrase the investigator's flow does not bring up still must not leak."""
    world = build_world(app)
    headers = _release_one(app, client, world, raw, "I will hurt him.")
    summary = _ok(get_closed(client, f"{API}/board/candidates/{world.candidate_id}/summary", headers))
    text = json.dumps(summary).casefold()
    assert "will hurt him" in text
    assert protected.casefold() not in text


def _visible(text: str) -> str:
    """What a reader sees: invisible characters gone, look-alike letters read as Latin, case folded."""
    return normalise(text)[0]


@pytest.mark.parametrize(
    ("raw", "protected"),
    [
        pytest.param(
            "Threatened a neighbour and wrote: I'm preg\u00adnant, so back off.", "pregnant", id="soft-hyphen"
        ),
        pytest.param("Threatened a neighbour; says his PT\u200bSD makes him snap.", "ptsd", id="zero-width-space"),
        pytest.param("Threatened a neighbour; wrote I'm pr\u0435gnant and done.", "pregnant", id="cyrillic-e"),
        pytest.param("Threatened a neighbour, signed off #proudveteran", "veteran", id="hashtag"),
        pytest.param("Threatened a neighbour #BlackLivesMatter", "black", id="camel-hashtag"),
        pytest.param(
            "Threatened a neighbour \U0001f3f3\ufe0f\u200d\U0001f308 all weekend", "\U0001f3f3", id="pride-flag"
        ),
        pytest.param("Threatened a neighbour after Mass \u271d\ufe0f", "\u271d", id="cross"),
        pytest.param("Threatened a neighbour, I'm c4nc3r free and angry", "canc", id="leetspeak"),
        pytest.param("Threatened a neighbour, said she's B l a c k and proud", "b l a c k", id="spaced-letters"),
    ],
)
def test_disguised_phrases_do_not_reach_the_board(app: Flask, client: FlaskClient, raw: str, protected: str) -> None:
    """Issue 13 / R3: invisible characters, look-alike letters, hashtags, emoji and stand-in digits do not
    carry a protected phrase past the detector to the board."""
    world = build_world(app)
    headers = _release_one(app, client, world, raw, "I will hurt him.")
    summary = _ok(get_closed(client, f"{API}/board/candidates/{world.candidate_id}/summary", headers))
    text = _visible(json.dumps(summary, ensure_ascii=False))
    assert "will hurt him" in text
    assert _visible(protected) not in text


def test_blind_review_name_written_together_or_disguised_does_not_reach_the_board(
    app: Flask, client: FlaskClient, clock: Clock
) -> None:
    """Issue 13 / PRODUCT.md §2: the name joined, with separators, in a hashtag or with an invisible
    character inside is still the name."""
    world = build_world(app, blind=True)
    raw = "#CaseyCandidate (casey.candidate, Casey\u200bCandidate) threatened a neighbour, #TeamCasey."
    _release_one(app, client, world, raw, "I will hurt him.")
    web, headers = _board_client(app, world.board, clock)
    answered, everything = walk_board(app, web, headers)
    assert any("hurt him" in p.text for p in answered)
    assert [(p.url, w) for p in everything for w in ("casey", "caseycandidate") if w in _visible(p.text)] == []


def test_blind_review_name_in_finding_text_does_not_reach_the_board(
    app: Flask, client: FlaskClient, clock: Clock
) -> None:
    """R3 / PRODUCT.md §2: the name must not ride into a blind board on the investigator's own words."""
    world = build_world(app, blind=True)
    _release_one(app, client, world, f"{CANDIDATE_NAME} (@casey_c) threatened a neighbour.", "I will hurt him.")
    web, headers = _board_client(app, world.board, clock)
    answered, everything = walk_board(app, web, headers)
    assert any("hurt him" in p.text for p in answered)
    assert _leaks(everything, {CANDIDATE_NAME, "Casey", "casey_c"}, reference_labels(app, clock, answered)) == []


# --- the candidate's own words (issue 5) -------------------------------------------------------------


def _propose(app: Flask, client: FlaskClient, world: World) -> tuple[dict[str, str], dict[str, str]]:
    """One released finding, the search complete, the board member as chair proposing not to advance
    on it (the pre-decision notice is issued); (board member's, investigator's) API headers."""
    board = _release_one(app, client, world, "Threatened a neighbour at the depot.", "I will hurt him.")
    inv = bearer(app, world.inv)
    rules = {"decision_rule": "chair", "decision_quorum": 1, "chair_user_id": world.board.id, "response_days": 5}
    _ok(client.put(f"{API}/cycles/{world.cycle_id}/board-rules", json=rules, headers=bearer(app, world.admin)))
    url = f"{API}/board/candidates/{world.candidate_id}"
    groups = _ok(get_closed(client, f"{url}/summary", board))["groups"]
    cited = [f["finding_id"] for g in groups for f in g["findings"]]
    decision = {"outcome": "do_not_advance", "rationale": RATIONALE, "finding_ids": cited}
    _ok(client.post(f"{url}/recommendations", json=decision, headers=board), 201)
    assert _ok(client.post(f"{url}/decisions", json=decision, headers=board), 201)["status"] == "proposed"
    return board, inv


def _respond(client: FlaskClient, inv: dict[str, str], world: World, text: str) -> None:
    response = {"kind": "response", "text": text, "received_on": today().isoformat()}
    _ok(client.post(f"{API}/candidates/{world.candidate_id}/responses", json=response, headers=inv), 201)


def test_blind_review_name_in_the_candidates_response_does_not_reach_the_board(
    app: Flask, client: FlaskClient, clock: Clock
) -> None:
    """R3 / PRODUCT.md §2: the candidate signs their answer; a blind board reads it without the name,
    and the notice it downloads is addressed to the code."""
    world = build_world(app, blind=True)
    _, inv = _propose(app, client, world)
    _respond(client, inv, world, f"This is {CANDIDATE_NAME} (@casey_c, CASEY); I regret the post, rp-axolotl.")
    web, headers = _board_client(app, world.board, clock)
    answered, everything = walk_board(app, web, headers)
    reached = {p.url: p for p in answered}
    assert any("rp-axolotl" in p.text for p in answered)
    notices = [p for p in answered if "/notices/" in p.url]
    assert len(notices) == 2, sorted(reached)  # the pre-decision notice, by the API and by the board pages
    code = _ok(get_closed(client, f"{API}/board/candidates/{world.candidate_id}/summary", headers))["candidate"]["code"]
    assert all(f"To {code}" in p.text for p in notices), [p.text for p in notices]
    assert _leaks(everything, {CANDIDATE_NAME, "Casey", "casey_c"}, reference_labels(app, clock, answered)) == []


def test_a_religious_meeting_in_the_candidates_response_does_not_reach_the_board(
    app: Flask, client: FlaskClient
) -> None:
    """PC-01 / R3: the response reaches the board with no person to resolve its mentions, so what the
    detector misses is read by the board as written."""
    world = build_world(app)
    board, inv = _propose(app, client, world)
    _respond(client, inv, world, "I was at Quaker meeting that night; I regret the post, rp-axolotl.")
    state = _ok(get_closed(client, f"{API}/board/candidates/{world.candidate_id}/decisions", board))
    text = json.dumps(state["responses"]).casefold()
    assert "rp-axolotl" in text
    assert "quaker" not in text


# --- the walk reads what the app wrote, not letters drawn at random -----------------------------------


def _csrf_spelling(app: Flask, web: FlaskClient, word: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Freeze flask_wtf's CSRF signer at a second whose signed token spells ``word``; that token."""
    get_closed(web, "/account")  # a page with a form: the session's CSRF secret
    with web.session_transaction() as session:
        raw = session["csrf_token"]

    class Frozen(TimestampSigner):
        second = 0

        def get_timestamp(self) -> int:
            return self.second

    class FrozenSerializer(URLSafeTimedSerializer):
        default_signer = Frozen

    monkeypatch.setattr(flask_wtf.csrf, "URLSafeTimedSerializer", FrozenSerializer)  # session cookies keep time
    signer = FrozenSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token")  # as flask_wtf signs it
    for second in range(1_800_000_000, 1_800_100_000):  # a 3-letter word: ~1 second in 1,000 spells it
        Frozen.second = second
        token = str(signer.dumps(raw))
        if word in token.casefold():
            return token
    raise AssertionError(f"no second in 100,000 whose CSRF token spells {word!r}")


def test_random_tokens_on_a_page_are_not_read_as_seeded_words(
    app: Flask, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The leak check must neither cry wolf nor go deaf. A form's signed CSRF token (new letters every
    second) once spelt "wife" on 89 pages of a board walk; an API token's prefix is random letters too.
    Both are made here to spell seeded words: the page text the walk reads masks them, and the same
    words written by the app from data (a token's name, an attribute) are still read."""
    board = make_user(app, "board-random@x.test", Role.BOARD_MEMBER, name="Rand Omly")
    web = app.test_client()
    login(web, board, clock)
    with monkeypatch.context() as patch:  # this API token's prefix: "vt_hrtwife"
        patch.setattr(secrets, "token_urlsafe", lambda n: "hrtwife" + "q" * 36)
        bearer(app, board)
    with runtime_of(app).db.transaction() as session:
        user = user_in(session, board)
        token_service.issue_token(session, None, user, default_days=90, name="for her wife")
    csrf = _csrf_spelling(app, web, "hrt", monkeypatch)

    page = get_closed(web, "/account/tokens")
    body = page.get_data(as_text=True)
    assert page.status_code == 200, page.headers.get("Location")
    assert csrf in body  # the page carries both made-up spellings (the test bites)
    assert "vt_hrtwife…" in body
    text = text_of(page)
    assert "for her wife" in text  # the app wrote it from data: read, as a leak would be
    assert "hrt" not in text.casefold()
    assert _leaks([Page("/account/tokens", 200, "text/html", text)], ["hrt", "wife"]) == [("/account/tokens", "wife")]

    # Attributes the app fills from data are read, even a dotted value or one in a field named like the token.
    html = (
        '<a href="https://catholic-singles.example/her-wife">x</a><input type="hidden" name="note" value="a.b.c">'
        '<input type="hidden" name="x-csrf_token" value="her wife">'
    )
    headers = Headers({"Content-Type": "text/html"})
    echo = TestResponse([html.encode()], "200 OK", headers, request=Request.from_values())
    assert text_of(echo) == html
