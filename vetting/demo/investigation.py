"""Demo checklist and candidates at every stage of the investigation (PRODUCT.md §5).

All names and content are fictional. Several findings carry protected-class content in
their raw text (pregnancy, religion, health, age...) so the firewall has work to do.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta

import segno
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vetting.clock import today, utcnow
from vetting.models import (
    Authorship,
    BehaviourCategory,
    Candidate,
    ChecklistVersion,
    Cycle,
    Finding,
    IdentityBasis,
    MentionResolution,
    ResolutionStatus,
    SignatureMethod,
    User,
    ValidationMethod,
    ValidationResult,
)
from vetting.services import candidates, checklists, findings, investigation, release
from vetting.services.context import Security
from vetting.storage import EncryptedStore

CHECKLIST_NAME = "Police Officer internet and social-media search"

ITEMS = (
    ("Name and aliases on a general web search engine", "Search engine (e.g. Google, Bing)", "A1"),
    ("Name with city or region on a web search engine", "Search engine", "A1"),
    ("Profiles and handles the candidate listed", "The listed platforms, viewed logged out", "A2"),
    ("Facebook: public content under the name and aliases", "facebook.com, logged out", "A2"),
    ("Instagram and TikTok: public content", "instagram.com, tiktok.com, logged out", "A2"),
    ("X (Twitter) and Reddit: public posts", "x.com, reddit.com, logged out", "A2"),
    ("Court records in the counties lived in", "State and county court portals", "A3"),
    ("News archives", "Local newspapers and news archive search", "A4"),
    ("YouTube and video platforms: public videos", "youtube.com, logged out", "A2"),
)


def checklist(session: Session, admin: User) -> ChecklistVersion:
    """The demo template, published once (version 1)."""
    template = next((t for t in checklists.list_templates(session, admin) if t.name == CHECKLIST_NAME), None)
    if template is None:
        template = checklists.create_template(
            session, admin, name=CHECKLIST_NAME, description="The agency's standard search for sworn positions."
        )
        for title, source, technique in ITEMS:
            checklists.add_draft_item(session, admin, template.id, checklists.ItemInput(title, source, technique))
    return template.latest_version or checklists.publish(session, admin, template.id)


def _png(text: str) -> bytes:
    """A small real PNG (a QR code of ``text``) standing in for a scan or screenshot."""
    buffer = io.BytesIO()
    segno.make(text, error="l").save(buffer, kind="png", scale=3)
    return buffer.getvalue()


@dataclass(frozen=True)
class DemoFinding:
    item: int  # 1-based position on the checklist
    platform: str
    url: str
    days_ago: int
    summary: str
    excerpt: str
    category: BehaviourCategory
    basis: tuple[IdentityBasis, ...]
    validation: ValidationResult | None = ValidationResult.CORROBORATES
    #: Group words in the candidate's own bias statement: reported conduct (lane B), not redacted.
    lane_b: tuple[str, ...] = ()
    #: False leaves the detector's mentions open, as a finding still being screened.
    screened: bool = True


@dataclass(frozen=True)
class DemoCandidate:
    name: str
    region: str
    handles: tuple[str, ...]
    stage: str  # "new", "consented", "partial", "resolved", "complete"
    findings: tuple[DemoFinding, ...] = field(default_factory=tuple)
    unable_item: int | None = None


N, P, L, H, E = (
    IdentityBasis.NAME,
    IdentityBasis.PHOTO,
    IdentityBasis.LOCATION,
    IdentityBasis.LISTED_HANDLE,
    IdentityBasis.EMPLOYER_SCHOOL,
)

PEOPLE = (
    DemoCandidate("Jordan Ellis", "Hattiesburg, MS", ("@jellis",), "new"),
    DemoCandidate("Maya Okafor", "Petal, MS", (), "new"),
    DemoCandidate("Samuel Whitfield", "Laurel, MS", ("@swhitfield",), "consented"),
    DemoCandidate("Priya Raman", "Hattiesburg, MS", ("@priyar",), "partial"),
    DemoCandidate("Diego Morales", "Purvis, MS", ("@dmorales88",), "partial"),
    DemoCandidate(
        "Hannah Brooks",
        "Hattiesburg, MS",
        ("@hbrooks",),
        "resolved",
        findings=(
            DemoFinding(
                4,
                "Facebook",
                "https://www.facebook.com/hannah.brooks.demo/posts/1",
                210,
                "Public post celebrating a personal event; no job-related conduct.",
                "So happy everyone came to my baby shower at St. Mary's parish hall! We're expecting in March.",
                BehaviourCategory.PROTECTED_TRAIT,
                (N, P, L),
            ),
            DemoFinding(
                8,
                "Hattiesburg American",
                "https://www.hattiesburgamerican.example/news/volunteer-award",
                400,
                "News article: the candidate received a county volunteer award for flood-relief work.",
                "Brooks, a lifelong Baptist, led the sandbag crews for three nights during the April flooding.",
                BehaviourCategory.POSITIVE,
                (N, L, E),
                screened=False,
            ),
        ),
    ),
    DemoCandidate(
        "Marcus Reid",
        "Columbia, MS",
        ("@mreid_ms",),
        "resolved",
        findings=(
            DemoFinding(
                6,
                "X (Twitter)",
                "https://x.com/mreid_ms/status/1",
                95,
                "Public post threatening a named neighbour over a parking dispute.",
                "Next time he blocks my truck I'll put him in the ground. Veterans like me don't bluff.",
                BehaviourCategory.VIOLENCE,
                (N, H, L),
                ValidationResult.INCONCLUSIVE,
            ),
        ),
        unable_item=9,
    ),
    DemoCandidate(
        "Ashley Tran",
        "Hattiesburg, MS",
        ("@ashtran",),
        "complete",
        findings=(
            DemoFinding(
                5,
                "Instagram",
                "https://www.instagram.com/ashtran/p/1",
                60,
                "Public video of the candidate driving at high speed on I-59 while filming.",
                "120 on the interstate lol, don't tell my mom. Turning 30 in style!",
                BehaviourCategory.RECKLESS,
                (N, P, H),
            ),
        ),
    ),
    DemoCandidate(
        "Robert Hale",
        "Laurel, MS",
        ("@bobhale",),
        "complete",
        findings=(
            DemoFinding(
                6,
                "Reddit",
                "https://www.reddit.com/user/bobhale_demo/comments/1",
                150,
                "Public comments disparaging immigrants as a group and calling for them to be 'run out of town'.",
                "These immigrants are ruining this town, somebody should run them all out. Born and raised "
                "Baptist here and proud of it.",
                BehaviourCategory.BIAS_HATE,
                (N, H, L),
                lane_b=("immigrants",),
            ),
            DemoFinding(
                7,
                "Jones County Justice Court",
                "https://courts.example.ms.gov/case/2019-TR-1123",
                1800,
                "Court record: careless-driving citation in 2019, paid.",
                "Citation 2019-TR-1123: careless driving; fine paid.",
                BehaviourCategory.ILLEGAL,
                (N, L, IdentityBasis.DATE_OF_BIRTH),
            ),
        ),
    ),
    DemoCandidate(
        "Elena Petrova",
        "Hattiesburg, MS",
        ("@epetrova",),
        "complete",
        findings=(
            DemoFinding(
                4,
                "Facebook",
                "https://www.facebook.com/elena.p.demo/posts/2",
                30,
                "Post attributed to the candidate about a bar fight; the account belongs to another Elena Petrova.",
                "Got into it with two guys outside the Thirsty Hippo last night.",
                BehaviourCategory.VIOLENCE,
                (N,),
                ValidationResult.CONTRADICTS,
            ),
            DemoFinding(
                3,
                "LinkedIn",
                "https://www.linkedin.com/in/epetrova-demo",
                20,
                "Profile the candidate listed; mentions her recovery after treatment.",
                "Back at work after my PTSD treatment and grateful for my therapist; 10 years with the county.",
                BehaviourCategory.PROTECTED_TRAIT,
                (N, H, E),
            ),
        ),
    ),
    DemoCandidate("Kevin Nguyen", "Petal, MS", (), "complete"),
    DemoCandidate(
        "Tasha Greene",
        "Hattiesburg, MS",
        ("@tgreene",),
        "complete",
        findings=(
            DemoFinding(
                5,
                "TikTok",
                "https://www.tiktok.com/@tgreene/video/1",
                45,
                "Public video showing the candidate sharing a screenshot of a confidential work email from her "
                "current employer's HR department.",
                "Look what HR sent about layoffs lol. As a Black woman in this office I saw it coming.",
                BehaviourCategory.CONFIDENTIAL,
                (N, P, H),
            ),
        ),
    ),
)


def add_candidates(
    session: Session, security: Security, store: EncryptedStore, cycle: Cycle, inv1: User, inv2: User
) -> None:
    """Create the demo candidates once (skipped when the cycle already has candidates)."""
    existing = session.scalar(select(func.count()).select_from(Candidate).where(Candidate.cycle_id == cycle.id))
    if existing:
        return
    version = cycle.checklist_version
    assert version is not None
    items = {i.position: i for i in version.items}
    for n, person in enumerate(PEOPLE):
        actor = inv1 if n % 2 == 0 else inv2
        first = person.name.split()[0].lower()
        candidate = candidates_add(session, security, cycle, actor, person, first)
        if person.stage == "new":
            continue
        investigation.record_consent(
            session,
            actor,
            security,
            store,
            candidate.id,
            signed_on=today() - timedelta(days=40 - n),
            method=SignatureMethod.WET_INK,
            document=_png(f"Signed disclosure and authorization - demo - {candidate.code}"),
        )
        if person.stage == "consented":
            continue
        count = {"partial": 3}.get(person.stage, len(items))
        for position in range(1, count + 1):
            item = items[position]
            hits = sum(1 for f in person.findings if f.item == position)
            if position == person.unable_item:
                data = investigation.ResolutionInput(
                    ResolutionStatus.UNABLE,
                    item.technique_code,
                    True,
                    [],
                    reason="The platform blocked logged-out viewing during the search window; retry scheduled.",
                )
            else:
                query = f'"{person.name}"' + (f" {person.region.split(',')[0]}" if position == 2 else "")
                data = investigation.ResolutionInput(
                    ResolutionStatus.COMPLETED if hits else ResolutionStatus.NO_RESULTS,
                    item.technique_code,
                    True,
                    [
                        investigation.SearchInput(
                            query,
                            item.source.split(" (")[0].split(",")[0],
                            12 if hits else 0,
                            utcnow() - timedelta(days=20 - n, minutes=position * 7),
                        )
                    ],
                )
            investigation.resolve_item(session, actor, security, candidate.id, item.id, data)
        reviewer = inv2 if actor is inv1 else inv1
        recorded = []
        for spec in person.findings:
            finding_id = _finding(session, security, store, actor, candidate, items[spec.item].id, spec)
            recorded.append((finding_id, spec))
            if spec.screened:
                _screen_and_release(session, security, actor, reviewer, finding_id, spec)
        if person.stage == "complete":
            # R1: every finding is released or withdrawn before the search closes.
            for finding_id, spec in recorded:
                row = session.get(Finding, finding_id)
                if row is not None and row.current_release_id is None:
                    findings.withdraw_finding(session, actor, security, finding_id, _withdrawal_reason(spec))
            investigation.complete_search(session, actor, candidate.id)


def _withdrawal_reason(spec: DemoFinding) -> str:
    if not spec.category.reportable:
        return "Never reported: recorded only to document that the content was seen and not considered."
    return "Not released after review: the board does not rely on it."


LANE_B_REASON = "Reported conduct toward a group (lane B), not the candidate's own trait."


def _screen_and_release(
    session: Session, security: Security, author: User, reviewer: User, finding_id: int, spec: DemoFinding
) -> None:
    """The author resolves every mention; a colleague releases it when the rules allow (R3)."""
    view = findings.get_finding(session, author, security, finding_id)
    for mention in view.mentions:
        keep = mention.text.casefold() in {w.casefold() for w in spec.lane_b}
        findings.resolve_mention(
            session,
            author,
            security,
            finding_id,
            mention.id,
            MentionResolution.NOT_PROTECTED if keep else MentionResolution.REDACT,
            LANE_B_REASON if keep else None,
        )
    review = release.review(session, reviewer, security, finding_id)
    if not review.blockers:
        release.release(session, reviewer, security, finding_id, review.finding.revision)


def candidates_add(
    session: Session, security: Security, cycle: Cycle, actor: User, person: DemoCandidate, first: str
) -> Candidate:
    return candidates.add_candidate(
        session,
        actor,
        security,
        cycle.id,
        candidates.CandidateInput(
            name=person.name,
            aliases=[],
            handles=list(person.handles),
            profile_urls=[f"https://www.linkedin.com/in/{first}-demo"],
            region=person.region,
        ),
    )


def _finding(
    session: Session,
    security: Security,
    store: EncryptedStore,
    actor: User,
    candidate: Candidate,
    item_id: int,
    spec: DemoFinding,
) -> int:
    content_date: date = today() - timedelta(days=spec.days_ago)
    finding = findings.add_finding(
        session,
        actor,
        security,
        candidate.id,
        findings.FindingInput(
            item_id=item_id,
            source_url=spec.url,
            platform=spec.platform,
            content_date=content_date,
            captured_at=utcnow() - timedelta(days=15),
            summary=spec.summary,
            excerpt=spec.excerpt,
            category=spec.category,
            authorship=Authorship.AUTHORED,
            identity_basis=list(spec.basis),
        ),
    )
    findings.upload_evidence(
        session,
        actor,
        security,
        store,
        finding.id,
        filename=f"capture-{finding.id}.png",
        content=_png(f"Screenshot of {spec.url} (demo)"),
    )
    if spec.validation is not None:
        notes = {
            ValidationResult.CORROBORATES: "Checked against the candidate's listed handle and an archived copy.",
            ValidationResult.CONTRADICTS: "The account's photos and employer do not match the candidate.",
            ValidationResult.INCONCLUSIVE: "Could not confirm the neighbour's account; asked for court records.",
        }[spec.validation]
        findings.add_validation(
            session,
            actor,
            security,
            finding.id,
            method=ValidationMethod.SECOND_SOURCE,
            result=spec.validation,
            notes=notes,
        )
    return finding.id
