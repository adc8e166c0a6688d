"""Chain of custody over the API (issue 15 point 6, RET-08, Tulsa Policy 324 C.13): each evidence
file's and each signed consent form's history as JSON, or as a PDF whose SHA-256 is audited.
Records officers, auditors, administrators and the cycle's own investigators; never the board."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue
from flask_login import current_user

from vetting.api.registry import day, moment, route
from vetting.http.documents import audited_pdf
from vetting.http.runtime import transaction
from vetting.policy import Action
from vetting.services import custody


def _line_json(line: custody.Line) -> dict[str, Any]:
    p = line.production
    return {
        "seq": line.seq,
        "at": moment(line.at),
        "step": line.step,
        "by": line.actor_id,
        "by_name": line.who,
        "reason": line.reason,
        "mode": line.mode,
        "sha256": line.sha256,
        "production": _production_json(p) if p else None,
        "disposition": line.disposition,
        "minimisation": line.minimisation,
    }


def _production_json(p: custody.Production) -> dict[str, Any]:
    return {
        "production": p.production,
        "purpose": p.purpose,
        "version": p.version,
        "reference": p.reference,
        "reference_sha256": p.reference_sha256,
        "in_bundle": p.in_bundle,
    }


def custody_json(c: custody.Custody) -> dict[str, Any]:
    r, d = c.received, c.disposition
    return {
        "file": {
            "kind": c.kind,
            "evidence_id": c.file_id if c.kind == "evidence" else None,
            "finding_id": c.finding_id,
            "candidate_id": c.candidate_id,
            "candidate_code": c.candidate_code,
            "cycle_id": c.cycle_id,
        },
        "received": {
            "at": moment(r.at),
            "by": r.by_id,
            "by_name": r.by,
            "sha256": r.sha256,
            "matches_chain": r.matches_chain,
            "size_bytes": r.size_bytes,
            "content_type": r.content_type,
            "captured_at": moment(r.captured_at),
            "platform": r.platform,
            "signed_on": day(r.signed_on),
            "method": r.method,
        },
        "sealed": c.sealed_note,
        "events": [_line_json(line) for line in c.lines],
        "productions": [_production_json(p) for p in c.productions],
        "disposition": {
            "kind": d.kind,
            "id": d.id,
            "status": d.status,
            "retention_class": d.retention_class,
            "citation": d.citation,
            "proposed_at": moment(d.proposed_at),
            "disposed_at": moment(d.disposed_at),
            "approved_by_name": d.approved_by,
            "file_deleted": d.file_deleted,
        }
        if d
        else None,
    }


@route(
    "GET",
    "/evidence/{evidence_id}/custody",
    "An evidence file's chain of custody: received (who, when, SHA-256 at receipt, capture metadata), each "
    "download with its stated reason, each production it went into, its disposition. From the audit chain; "
    "nothing decrypted, readable after disposition. Records readers and the cycle's investigators",
    Action.CUSTODY_READ,
    errors=(404,),
)
def evidence_custody(evidence_id: int) -> ResponseReturnValue:
    with transaction() as session:
        return jsonify(custody_json(custody.evidence_custody(session, current_user, evidence_id)))


@route(
    "GET",
    "/evidence/{evidence_id}/custody.pdf",
    "An evidence file's chain of custody as a PDF (its SHA-256 is audited)",
    Action.CUSTODY_READ,
    errors=(404, 409),
    produces="application/pdf",
)
def evidence_custody_pdf(evidence_id: int) -> ResponseReturnValue:
    return audited_pdf(custody.evidence_custody_pdf, evidence_id)


@route(
    "GET",
    "/candidates/{candidate_id}/consent/custody",
    "The signed consent form's chain of custody (as an evidence file's); 404 when none was recorded",
    Action.CUSTODY_READ,
    errors=(404,),
)
def consent_custody(candidate_id: int) -> ResponseReturnValue:
    with transaction() as session:
        return jsonify(custody_json(custody.consent_custody(session, current_user, candidate_id)))


@route(
    "GET",
    "/candidates/{candidate_id}/consent/custody.pdf",
    "The signed consent form's chain of custody as a PDF (its SHA-256 is audited)",
    Action.CUSTODY_READ,
    errors=(404, 409),
    produces="application/pdf",
)
def consent_custody_pdf(candidate_id: int) -> ResponseReturnValue:
    return audited_pdf(custody.consent_custody_pdf, candidate_id)


@route(
    "GET",
    "/candidates/{candidate_id}/custody",
    "A candidate's files (signed consent form, evidence), each with its SHA-256 at receipt and the address "
    "of its chain of custody",
    Action.CUSTODY_READ,
    errors=(404,),
)
def candidate_files(candidate_id: int) -> ResponseReturnValue:
    with transaction() as session:
        found = custody.candidate_files(session, current_user, candidate_id)
    return jsonify(
        {
            "candidate_id": found.candidate_id,
            "candidate_code": found.candidate_code,
            "cycle_id": found.cycle_id,
            "disposed": found.disposed,
            "files": [
                {
                    "kind": f.kind,
                    "evidence_id": f.evidence_id,
                    "finding_id": f.finding_id,
                    "content_type": f.content_type,
                    "size_bytes": f.size_bytes,
                    "sha256": f.sha256,
                    "received_at": moment(f.received_at),
                    "removed": f.removed,
                    "custody": f"/api/v1/evidence/{f.evidence_id}/custody"
                    if f.kind == "evidence"
                    else f"/api/v1/candidates/{found.candidate_id}/consent/custody",
                }
                for f in found.files
            ],
        }
    )
