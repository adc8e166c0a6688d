"""An investigation to test against: people, a cycle with a pinned checklist, a candidate.

Everything is made through the services (fast); the tests then drive the API or the
pages. Also small real files (PNG, PDF, HTML) and JSON bodies for the investigation API.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import segno
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from tests.support import Person, api_headers, make_user, open_cycle, published_checklist, runtime_of
from tests.web.helpers import new_cycle
from vetting.clock import today
from vetting.models import (
    Authorship,
    BehaviourCategory,
    Candidate,
    Cycle,
    Duty,
    Finding,
    IdentityBasis,
    ResolutionStatus,
    Role,
    SignatureMethod,
    User,
    ValidationMethod,
    ValidationResult,
)
from vetting.services import candidates, cycles, findings, investigation

API = "/api/v1"
CANDIDATE_NAME = "Casey Candidate"


def png(text: str = "signed form") -> bytes:
    """A small real PNG (a QR code of ``text``)."""
    buffer = io.BytesIO()
    segno.make(text, error="l").save(buffer, kind="png", scale=2)
    return buffer.getvalue()


def tiny_pdf(text: str = "Signed") -> bytes:
    """A minimal but well-formed one-page PDF showing ``text``."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def upload(content: bytes, filename: str) -> tuple[io.BytesIO, str]:
    """A file part for the test client (a new stream each time: the client closes it)."""
    return io.BytesIO(content), filename


def user_in(session: Any, person: Person) -> User:
    found = session.get(User, person.id)
    assert found is not None
    return found


# --- building blocks through the services ----------------------------------------------------


def add_candidate(app: Flask, actor: Person, cycle_id: int, name: str = CANDIDATE_NAME, **profile: Any) -> int:
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        candidate = candidates.add_candidate(
            session,
            user_in(session, actor),
            rt.security,
            cycle_id,
            candidates.CandidateInput(
                name=name,
                aliases=profile.get("aliases", []),
                handles=profile.get("handles", []),
                profile_urls=profile.get("profile_urls", []),
                region=profile.get("region", ""),
            ),
        )
        return candidate.id


def record_consent(app: Flask, inv: Person, candidate_id: int, document: bytes | None = None) -> None:
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        investigation.record_consent(
            session,
            user_in(session, inv),
            rt.security,
            rt.store,
            candidate_id,
            signed_on=today() - timedelta(days=1),
            method=SignatureMethod.WET_INK,
            document=document or png(),
        )


def resolve(app: Flask, inv: Person, candidate_id: int, item_id: int, query: str = f'"{CANDIDATE_NAME}"') -> None:
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        investigation.resolve_item(
            session,
            user_in(session, inv),
            rt.security,
            candidate_id,
            item_id,
            investigation.ResolutionInput(
                status=ResolutionStatus.NO_RESULTS,
                technique_code="A1",
                attestation=True,
                searches=[investigation.SearchInput(query, "Search engine", 0)],
            ),
        )


def close_search(app: Flask, inv: Person, candidate_id: int, *, withdraw_unsettled: bool = False) -> None:
    """Close the candidate's search (R1) as ``inv``: resolve the items not yet resolved (no results) and
    complete it. ``withdraw_unsettled`` first withdraws every finding neither released nor withdrawn."""
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        candidate = session.get(Candidate, candidate_id)
        assert candidate is not None
        assert candidate.cycle.checklist_version is not None
        done = {r.item_id for r in candidate.resolutions}
        todo = [i.id for i in candidate.cycle.checklist_version.items if i.id not in done]
        unsettled = list(
            session.scalars(
                select(Finding.id).where(
                    Finding.candidate_id == candidate_id,
                    Finding.current_release_id.is_(None),
                    Finding.withdrawn_at.is_(None),
                )
            )
        )
    for item_id in todo:
        resolve(app, inv, candidate_id, item_id)
    with rt.db.transaction() as session:
        actor = user_in(session, inv)
        if withdraw_unsettled:
            for finding_id in unsettled:
                findings.withdraw_finding(
                    session, actor, rt.security, finding_id, "Not relied on: withdrawn before closing the search."
                )
        investigation.complete_search(session, actor, candidate_id)


def add_finding(app: Flask, inv: Person, candidate_id: int, item_id: int, summary: str = "Threatening post") -> int:
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        finding = findings.add_finding(
            session,
            user_in(session, inv),
            rt.security,
            candidate_id,
            findings.FindingInput(
                item_id=item_id,
                source_url="https://social.example/casey/1",
                platform="Social",
                content_date=today() - timedelta(days=30),
                captured_at=None,
                summary=summary,
                excerpt="I will hurt him.",
                category=BehaviourCategory.VIOLENCE,
                authorship=Authorship.AUTHORED,
                identity_basis=[IdentityBasis.NAME, IdentityBasis.PHOTO, IdentityBasis.LOCATION],
            ),
        )
        return finding.id


def add_evidence(app: Flask, inv: Person, finding_id: int, content: bytes | None = None, name: str = "shot.png") -> int:
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        evidence = findings.upload_evidence(
            session, user_in(session, inv), rt.security, rt.store, finding_id, filename=name, content=content or png()
        )
        return evidence.id


def add_validation(app: Flask, inv: Person, finding_id: int, result: ValidationResult) -> None:
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        findings.add_validation(
            session,
            user_in(session, inv),
            rt.security,
            finding_id,
            method=ValidationMethod.SECOND_SOURCE,
            result=result,
            notes="Checked against a second source.",
        )


def item_ids(app: Flask, cycle_id: int) -> list[int]:
    with runtime_of(app).db.transaction() as session:
        cycle = session.get(Cycle, cycle_id)
        assert cycle is not None
        assert cycle.checklist_version is not None
        return [i.id for i in cycle.checklist_version.items]


# --- the world ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    admin: Person
    inv: Person  # investigator of the cycle
    board: Person  # board member of the cycle
    outsider: Person  # investigator of another cycle
    auditor: Person
    cycle_id: int
    other_cycle_id: int
    version_id: int
    items: list[int]
    candidate_id: int


def build_world(app: Flask, *, items: int = 3, blind: bool = False, name: str = CANDIDATE_NAME) -> World:
    """Two open cycles on one checklist; one candidate (no consent yet) in the first."""
    admin = make_user(app, "admin@x.test", Role.ADMIN, name="Ada Admin")
    inv = make_user(app, "inv@x.test", Role.INVESTIGATOR, name="Ivy Investigator")
    board = make_user(app, "board@x.test", Role.BOARD_MEMBER, name="Bo Board")
    outsider = make_user(app, "outsider@x.test", Role.INVESTIGATOR, name="Otto Outsider")
    auditor = make_user(app, "audit@x.test", Role.AUDITOR, name="Aud Auditor")
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        actor = user_in(session, admin)
        cycle = cycles.create_cycle(session, actor, title="Patrol 2026", position="Patrol officer", blind_review=blind)
        cycles.assign(session, actor, cycle.id, inv.id, Duty.INVESTIGATOR)
        cycles.assign(session, actor, cycle.id, board.id, Duty.BOARD_MEMBER)
        cycle_id = cycle.id
    other_cycle_id = new_cycle(app, admin.id, "Dispatch 2026")
    with rt.db.transaction() as session:
        cycles.assign(session, user_in(session, admin), other_cycle_id, outsider.id, Duty.INVESTIGATOR)
    version_id = published_checklist(app, admin.id, items=items)
    open_cycle(app, admin.id, cycle_id, version_id)
    open_cycle(app, admin.id, other_cycle_id, version_id)
    candidate_id = add_candidate(app, inv, cycle_id, name, handles=["@casey_c"], region="Hattiesburg, MS")
    return World(
        admin,
        inv,
        board,
        outsider,
        auditor,
        cycle_id,
        other_cycle_id,
        version_id,
        item_ids(app, cycle_id),
        candidate_id,
    )


# --- the investigation API ---------------------------------------------------------------------


def bearer(app: Flask, person: Person) -> dict[str, str]:
    """API headers whose token has been used once (its last-use time is set: snapshots stay still)."""
    headers = api_headers(app, person)
    assert app.test_client().get(f"{API}/me", headers=headers).status_code == 200
    return headers


def consent_api(
    client: FlaskClient,
    headers: dict[str, str],
    candidate_id: int,
    *,
    document: bytes | None = None,
    filename: str = "signed.png",
    method: str = "wet_ink",
    signed_on: date | None = None,
) -> TestResponse:
    return client.post(
        f"{API}/candidates/{candidate_id}/consent",
        data={
            "signed_on": (signed_on or today() - timedelta(days=1)).isoformat(),
            "method": method,
            "document": upload(document if document is not None else png(), filename),
        },
        headers=headers,
        content_type="multipart/form-data",
    )


def resolution_body(query: str = f'"{CANDIDATE_NAME}"', **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "status": "no_results",
        "technique": "A1",
        "attestation": True,
        "searches": [{"query": query, "source": "Search engine", "result_count": 0}],
    }
    body.update(overrides)
    return body


def resolve_api(
    client: FlaskClient, headers: dict[str, str], candidate_id: int, item_id: int, **body: Any
) -> TestResponse:
    return client.post(
        f"{API}/candidates/{candidate_id}/checklist/{item_id}", json=resolution_body(**body), headers=headers
    )


def finding_body(item_id: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "item_id": item_id,
        "source_url": "https://social.example/casey/2",
        "platform": "Social",
        "content_date": (today() - timedelta(days=10)).isoformat(),
        "summary": "Public post threatening a neighbour.",
        "excerpt": "Next time I will hurt him.",
        "behaviour_category": "violence_threats",
        "authorship": "authored",
        "identity_basis": ["name", "photo", "listed_handle"],
    }
    body.update(overrides)
    return body


def finding_api(
    client: FlaskClient, headers: dict[str, str], candidate_id: int, item_id: int, **overrides: Any
) -> TestResponse:
    return client.post(
        f"{API}/candidates/{candidate_id}/findings", json=finding_body(item_id, **overrides), headers=headers
    )


def evidence_api(
    client: FlaskClient, headers: dict[str, str], finding_id: int, content: bytes, filename: str
) -> TestResponse:
    return client.post(
        f"{API}/findings/{finding_id}/evidence",
        data={"file": upload(content, filename)},
        headers=headers,
        content_type="multipart/form-data",
    )


def error_of(response: TestResponse) -> dict[str, Any]:
    body = response.get_json()
    assert isinstance(body, dict), response.get_data(as_text=True)
    error: dict[str, Any] = body["error"]
    assert error["message"]
    return error


def add_investigator(
    app: Flask, world: World, email: str = "inv2@x.test", name: str = "Ines Second", cycle_id: int | None = None
) -> Person:
    """Another investigator of the world's cycle: the second person of a two-person release."""
    person = make_user(app, email, Role.INVESTIGATOR, name=name)
    with runtime_of(app).db.transaction() as session:
        cycles.assign(session, user_in(session, world.admin), cycle_id or world.cycle_id, person.id, Duty.INVESTIGATOR)
    return person
