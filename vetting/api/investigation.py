"""JSON API for the investigator's workflow and checklist authoring (PRODUCT.md §5)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from vetting.api.registry import day, moment, page_fields, parse, route
from vetting.api.schemas import (
    CONSENT_PARTS,
    EVIDENCE_PARTS,
    CandidateCreate,
    CandidateImport,
    ChecklistItemCreate,
    ChecklistTemplateCreate,
    EvidenceViewBody,
    FindingBody,
    ResolutionBody,
    ValidationBody,
    WithdrawalBody,
)
from vetting.errors import ValidationFailed
from vetting.http.access import SIGNED_IN
from vetting.http.args import page_args
from vetting.http.documents import attachment, consent_form_response
from vetting.http.runtime import runtime, transaction
from vetting.http.uploads import accepts_upload
from vetting.models import (
    SCREENED_FIELDS,
    ChecklistDraftItem,
    ChecklistTemplate,
    ChecklistVersion,
    ChecklistVersionItem,
    SignatureMethod,
)
from vetting.policy import Action
from vetting.services import candidate_file, candidates, checklists, findings, investigation, techniques
from vetting.services.findings import MAX_EVIDENCE_BYTES, FindingInput, FindingView
from vetting.services.investigation import MAX_DOCUMENT_BYTES, ItemView, ResolutionInput, SearchInput
from vetting.services.redaction import MentionView


def candidate_json(summary: candidates.CandidateSummary) -> dict[str, Any]:
    return asdict(summary)


def checklist_item_json(i: ChecklistDraftItem | ChecklistVersionItem) -> dict[str, Any]:
    return {
        "id": i.id,
        "position": i.position,
        "title": i.title,
        "source": i.source,
        "technique": i.technique_code,
        "required": i.required,
        "guidance": i.guidance,
    }


def version_json(version: ChecklistVersion) -> dict[str, Any]:
    return {
        "id": version.id,
        "template_id": version.template_id,
        "label": version.label,
        "number": version.number,
        "published_at": moment(version.published_at),
        "content_hash": version.content_hash,
        "items": [checklist_item_json(i) for i in version.items],
    }


def template_json(template: ChecklistTemplate) -> dict[str, Any]:
    return {
        "id": template.id,
        "name": template.name,
        "description": template.description,
        "draft_items": [checklist_item_json(i) for i in template.draft_items],
        "versions": [
            {"id": v.id, "number": v.number, "published_at": moment(v.published_at)} for v in template.versions
        ],
    }


def item_json(view: ItemView) -> dict[str, Any]:
    return {
        "item_id": view.item.id,
        "position": view.item.position,
        "title": view.item.title,
        "source": view.item.source,
        "planned_technique": view.item.technique_code,
        "required": view.item.required,
        "status": view.status.value if view.status else None,
        "technique": view.technique_code,
        "notes": view.notes,
        "reason": view.reason,
        "resolved_at": moment(view.resolved_at),
        "resolved_by_id": view.resolved_by_id,
        "searches": [
            {
                "id": s.id,
                "query": s.query,
                "source": s.source,
                "searched_at": moment(s.searched_at),
                "result_count": s.result_count,
            }
            for s in view.searches
        ],
    }


def mention_json(m: MentionView) -> dict[str, Any]:
    return {
        "id": m.id,
        "field": m.field,
        "start": m.start,
        "end": m.end,
        "text": m.text,
        "axis": m.axis,
        "rule": m.rule,
        "source": m.source.value,
        "resolution": m.resolution.value if m.resolution else None,
        "reason": m.reason,
        "resolved_by_id": m.resolved_by_id,
        "resolved_at": moment(m.resolved_at),
    }


def finding_json(view: FindingView) -> dict[str, Any]:
    return {
        "id": view.id,
        "candidate_id": view.candidate_id,
        "item_id": view.item_id,
        "source_url": view.source_url,
        "platform": view.platform,
        "content_date": day(view.content_date),
        "captured_at": moment(view.captured_at),
        "summary": view.summary,
        "excerpt": view.excerpt,
        "behaviour_category": view.category.value,
        "reportable": view.category.reportable,
        "authorship": view.authorship.value,
        "identity_basis": [b.value for b in view.identity_basis],
        "identity_match_minimum": view.identity_match_minimum,
        "identity_match_met": view.identity_match_met,
        "validation_status": view.validation_status.value,
        "revision": view.revision,
        "mentions": [mention_json(m) for m in view.mentions],
        "open_mentions": view.open_mentions,
        "redacted": {f: view.redacted(f) for f in SCREENED_FIELDS},
        "released_revision": view.released_revision,
        "withdrawn_at": moment(view.withdrawn_at),
        "withdrawal_reason": view.withdrawal_reason,
        "evidence": [
            {
                "id": e.id,
                "filename": e.filename,
                "content_type": e.content_type,
                "size_bytes": e.size_bytes,
                "sha256": e.sha256,
                "uploaded_at": moment(e.uploaded_at),
            }
            for e in view.evidence
        ],
        "validations": [
            {
                "id": v.id,
                "method": v.method.value,
                "result": v.result.value,
                "notes": v.notes,
                "recorded_by_id": v.recorded_by_id,
                "recorded_at": moment(v.recorded_at),
                "current": v.current,
            }
            for v in view.validations
        ],
    }


# --- techniques and checklists ---------------------------------------------------------


@route("GET", "/techniques", "The lawful-method catalogue: approved and prohibited techniques (R5)", SIGNED_IN)
def technique_list() -> ResponseReturnValue:
    return jsonify({"techniques": [asdict(t) for t in techniques.catalogue()]})


@route("GET", "/checklists", "Checklist templates with drafts and versions", Action.CHECKLISTS_MANAGE)
def checklist_list() -> ResponseReturnValue:
    with transaction() as session:
        body = [template_json(t) for t in checklists.list_templates(session, current_user)]
    return jsonify({"templates": body})


@route(
    "POST",
    "/checklists",
    "Create a checklist template",
    Action.CHECKLISTS_MANAGE,
    body=ChecklistTemplateCreate,
    errors=(422,),
    success=201,
)
def checklist_create() -> ResponseReturnValue:
    data = parse(ChecklistTemplateCreate)
    with transaction() as session:
        template = checklists.create_template(session, current_user, name=data.name, description=data.description)
        body = template_json(template)
    return jsonify(body), 201


@route(
    "POST",
    "/checklists/{template_id}/items",
    "Add an item to a template's draft",
    Action.CHECKLISTS_MANAGE,
    body=ChecklistItemCreate,
    errors=(404, 422),
    success=201,
)
def checklist_item_add(template_id: int) -> ResponseReturnValue:
    data = parse(ChecklistItemCreate)
    with transaction() as session:
        checklists.add_draft_item(
            session,
            current_user,
            template_id,
            checklists.ItemInput(data.title, data.source, data.technique, data.required, data.guidance),
        )
        body = template_json(checklists.get_template(session, current_user, template_id))
    return jsonify(body), 201


@route(
    "POST",
    "/checklists/{template_id}/publish",
    "Publish the draft as a new immutable version",
    Action.CHECKLISTS_MANAGE,
    errors=(404, 422),
    success=201,
)
def checklist_publish(template_id: int) -> ResponseReturnValue:
    with transaction() as session:
        body = version_json(checklists.publish(session, current_user, template_id))
    return jsonify(body), 201


@route("GET", "/checklist-versions/{version_id}", "One published checklist version", SIGNED_IN, errors=(404,))
def checklist_version(version_id: int) -> ResponseReturnValue:
    with transaction() as session:
        body = version_json(checklists.get_version(session, current_user, version_id))
    return jsonify(body)


# --- candidates ------------------------------------------------------------------------


@route(
    "GET",
    "/cycles/{cycle_id}/candidates",
    "Candidates of a cycle, in the order they were added",
    Action.CANDIDATES_MANAGE,
    errors=(404,),
    paged=True,
)
def candidate_list(cycle_id: int) -> ResponseReturnValue:
    page = page_args()
    with transaction() as session:
        rows = candidates.list_candidates(session, current_user, runtime().security, cycle_id, page)
    return jsonify({"candidates": [candidate_json(c) for c in rows.items], **page_fields(rows)})


@route(
    "POST",
    "/cycles/{cycle_id}/candidates",
    "Add a candidate",
    Action.CANDIDATES_MANAGE,
    body=CandidateCreate,
    errors=(404, 409, 422),
    success=201,
)
def candidate_create(cycle_id: int) -> ResponseReturnValue:
    data = parse(CandidateCreate)
    security = runtime().security
    with transaction() as session:
        candidate = candidates.add_candidate(
            session,
            current_user,
            security,
            cycle_id,
            candidates.CandidateInput(data.name, data.aliases, data.handles, data.profile_urls, data.region),
        )
        body = candidate_json(candidates.summarise(session, current_user, security, candidate))
    return jsonify(body), 201


@route(
    "POST",
    "/cycles/{cycle_id}/candidates/import",
    "Import candidates from CSV (all or nothing)",
    Action.CANDIDATES_MANAGE,
    body=CandidateImport,
    errors=(404, 409, 422),
    success=201,
)
def candidate_import(cycle_id: int) -> ResponseReturnValue:
    data = parse(CandidateImport)
    security = runtime().security
    try:
        with transaction() as session:
            rows = candidates.import_csv(session, current_user, security, cycle_id, data.csv)
            body = [candidate_json(candidates.summarise(session, current_user, security, c)) for c in rows]
    except candidates.ImportRejected as rejected:
        error = {"code": rejected.code, "message": rejected.message, "field": "csv"}
        return jsonify({"error": {**error, "rows": [asdict(e) for e in rejected.errors]}}), 422
    except ValidationFailed as error:
        if error.field == "file":
            error.field = "csv"  # the service speaks of the uploaded file; here it is the csv field
        raise
    return jsonify({"imported": len(body), "candidates": body}), 201


@route(
    "GET",
    "/candidates/{candidate_id}",
    "One candidate (for the cycle's investigators)",
    Action.INVESTIGATE,
    errors=(404,),
)
def candidate_get(candidate_id: int) -> ResponseReturnValue:
    security = runtime().security
    with transaction() as session:
        file = candidate_file.open_file(session, current_user, security, candidate_id)
        candidate = file.candidate
        body = candidate_json(file.summary)
        body["profile"] = asdict(file.profile)
        body["consent"] = (
            {
                "signed_on": day(candidate.consent.signed_on),
                "method": candidate.consent.method.value,
                "document_sha256": candidate.consent.document_sha256,
            }
            if candidate.consent
            else None
        )
        body["search_completed_at"] = moment(candidate.search_completed_at)
    return jsonify(body)


@route(
    "POST",
    "/candidates/{candidate_id}/consent",
    "Record the signed disclosure and authorization (multipart: signed_on, method, document)",
    Action.INVESTIGATE,
    errors=(404, 409, 422),
    multipart=CONSENT_PARTS,
    success=201,
)
@accepts_upload(MAX_DOCUMENT_BYTES)
def candidate_consent(candidate_id: int) -> ResponseReturnValue:
    try:
        signed_on = date.fromisoformat(request.form.get("signed_on", ""))
    except ValueError as exc:
        raise ValidationFailed("signed_on must be a date (YYYY-MM-DD).", field="signed_on") from exc
    try:
        method = SignatureMethod(request.form.get("method", ""))
    except ValueError as exc:
        allowed = ", ".join(m.value for m in SignatureMethod)
        raise ValidationFailed(f"method must be one of: {allowed}.", field="method") from exc
    upload = request.files.get("document")
    if upload is None:
        raise ValidationFailed("Attach the signed form as 'document'.", field="document")
    rt = runtime()
    with transaction() as session:
        consent = investigation.record_consent(
            session,
            current_user,
            rt.security,
            rt.store,
            candidate_id,
            signed_on=signed_on,
            method=method,
            document=upload.read(),
        )
        body = {
            "signed_on": day(consent.signed_on),
            "method": consent.method.value,
            "document_sha256": consent.document_sha256,
        }
    return jsonify(body), 201


@route(
    "GET",
    "/candidates/{candidate_id}/consent-form.pdf",
    "The disclosure and authorization form to sign (PDF)",
    Action.INVESTIGATE,
    errors=(404, 409),
    produces="application/pdf",
)
def candidate_consent_form(candidate_id: int) -> ResponseReturnValue:
    return consent_form_response(candidate_id)


@route(
    "GET",
    "/candidates/{candidate_id}/checklist",
    "The cycle's checklist with resolutions and search log",
    Action.INVESTIGATE,
    errors=(404,),
)
def candidate_checklist(candidate_id: int) -> ResponseReturnValue:
    with transaction() as session:
        candidate, items = investigation.checklist_view(session, current_user, runtime().security, candidate_id)
        version = candidate.cycle.checklist_version
        body = {
            "candidate_id": candidate.id,
            "checklist_version_id": version.id if version else None,
            "checklist": version.label if version else None,
            "items": [item_json(i) for i in items],
        }
    return jsonify(body)


@route(
    "POST",
    "/candidates/{candidate_id}/checklist/{item_id}",
    "Resolve an item: status, technique, attestation, searches, notes (409 consent_required)",
    Action.INVESTIGATE,
    body=ResolutionBody,
    errors=(404, 409, 422),
)
def candidate_resolve(candidate_id: int, item_id: int) -> ResponseReturnValue:
    data = parse(ResolutionBody)
    security = runtime().security
    with transaction() as session:
        resolved = investigation.resolve_item_and_view(
            session,
            current_user,
            security,
            candidate_id,
            item_id,
            ResolutionInput(
                status=data.status,
                technique_code=data.technique,
                attestation=data.attestation,
                searches=[SearchInput(s.query, s.source, s.result_count, s.searched_at) for s in data.searches],
                notes=data.notes,
                reason=data.reason,
            ),
        )
        body = item_json(resolved)
    return jsonify(body)


@route(
    "POST",
    "/candidates/{candidate_id}/complete",
    "Close the search once every item is resolved (409 checklist_incomplete) and every finding is released or "
    "withdrawn (409 findings_unsettled) (R1)",
    Action.INVESTIGATE,
    errors=(404, 409),
)
def candidate_complete(candidate_id: int) -> ResponseReturnValue:
    with transaction() as session:
        candidate = investigation.complete_search(session, current_user, candidate_id)
        body = {"candidate_id": candidate.id, "search_completed_at": moment(candidate.search_completed_at)}
    return jsonify(body)


# --- findings, evidence, validation ------------------------------------------------------


def _finding_input(data: FindingBody) -> FindingInput:
    return FindingInput(
        item_id=data.item_id,
        source_url=data.source_url,
        platform=data.platform,
        content_date=data.content_date,
        captured_at=data.captured_at,
        summary=data.summary,
        excerpt=data.excerpt,
        category=data.behaviour_category,
        authorship=data.authorship,
        identity_basis=data.identity_basis,
    )


@route(
    "GET",
    "/candidates/{candidate_id}/findings",
    "The candidate's findings, in the order recorded",
    Action.INVESTIGATE,
    errors=(404,),
    paged=True,
)
def finding_list(candidate_id: int) -> ResponseReturnValue:
    page = page_args()
    with transaction() as session:
        rows = findings.findings_of(session, current_user, runtime().security, candidate_id, page)
    return jsonify({"findings": [finding_json(f) for f in rows.items], **page_fields(rows)})


@route(
    "POST",
    "/candidates/{candidate_id}/findings",
    "Record a finding (409 consent_required)",
    Action.INVESTIGATE,
    body=FindingBody,
    errors=(404, 409, 422),
    success=201,
)
def finding_create(candidate_id: int) -> ResponseReturnValue:
    data = parse(FindingBody)
    security = runtime().security
    with transaction() as session:
        finding = findings.add_finding(session, current_user, security, candidate_id, _finding_input(data))
        body = finding_json(findings.get_finding(session, current_user, security, finding.id))
    return jsonify(body), 201


@route(
    "GET", "/findings/{finding_id}", "One finding with evidence and validation log", Action.INVESTIGATE, errors=(404,)
)
def finding_get(finding_id: int) -> ResponseReturnValue:
    with transaction() as session:
        body = finding_json(findings.get_finding(session, current_user, runtime().security, finding_id))
    return jsonify(body)


@route(
    "PUT",
    "/findings/{finding_id}",
    "Replace a finding's fields",
    Action.INVESTIGATE,
    body=FindingBody,
    errors=(404, 409, 422),
)
def finding_update(finding_id: int) -> ResponseReturnValue:
    data = parse(FindingBody)
    security = runtime().security
    with transaction() as session:
        findings.update_finding(session, current_user, security, finding_id, _finding_input(data))
        body = finding_json(findings.get_finding(session, current_user, security, finding_id))
    return jsonify(body)


@route(
    "POST",
    "/findings/{finding_id}/withdraw",
    "Withdraw a finding, stating why (sealed; audited): it never reaches the board, its release is withdrawn, "
    "and it can no longer be released, edited or withdrawn again (409 finding_withdrawn)",
    Action.INVESTIGATE,
    body=WithdrawalBody,
    errors=(404, 409, 422),
)
def finding_withdraw(finding_id: int) -> ResponseReturnValue:
    data = parse(WithdrawalBody)
    security = runtime().security
    with transaction() as session:
        findings.withdraw_finding(session, current_user, security, finding_id, data.reason)
        body = finding_json(findings.get_finding(session, current_user, security, finding_id))
    return jsonify(body)


@route(
    "POST",
    "/findings/{finding_id}/evidence",
    "Upload an evidence file (multipart: file)",
    Action.INVESTIGATE,
    errors=(404, 409, 413, 422),
    multipart=EVIDENCE_PARTS,
    success=201,
)
@accepts_upload(MAX_EVIDENCE_BYTES)
def evidence_upload(finding_id: int) -> ResponseReturnValue:
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed("Attach the evidence file as 'file'.", field="file")
    rt = runtime()
    with transaction() as session:
        evidence = findings.upload_evidence(
            session,
            current_user,
            rt.security,
            rt.store,
            finding_id,
            filename=upload.filename or "evidence",
            content=upload.read(),
        )
        body = {
            "id": evidence.id,
            "sha256": evidence.sha256,
            "content_type": evidence.content_type,
            "size_bytes": evidence.size_bytes,
        }
    return jsonify(body), 201


@route(
    "GET",
    "/evidence/{evidence_id}",
    "Download an evidence file (the cycle's investigators)",
    Action.INVESTIGATE,
    errors=(404,),
    produces="application/octet-stream",
)
def evidence_download(evidence_id: int) -> ResponseReturnValue:
    rt = runtime()
    with transaction() as session:
        evidence, filename, content = findings.read_evidence(session, current_user, rt.security, rt.store, evidence_id)
    return attachment(filename, content)


@route(
    "POST",
    "/evidence/{evidence_id}/view",
    "Open an evidence file as an auditor, stating a reason (audited)",
    Action.AUDIT_READ,
    body=EvidenceViewBody,
    errors=(404, 422),
    produces="application/octet-stream",
)
def evidence_view_audited(evidence_id: int) -> ResponseReturnValue:
    data = parse(EvidenceViewBody)
    rt = runtime()
    with transaction() as session:
        evidence, filename, content = findings.read_evidence(
            session, current_user, rt.security, rt.store, evidence_id, reason=data.reason
        )
    return attachment(filename, content)


@route(
    "POST",
    "/findings/{finding_id}/validations",
    "Add a validation step (R7)",
    Action.INVESTIGATE,
    body=ValidationBody,
    errors=(404, 422),
    success=201,
)
def finding_validate(finding_id: int) -> ResponseReturnValue:
    data = parse(ValidationBody)
    security = runtime().security
    with transaction() as session:
        findings.add_validation(
            session, current_user, security, finding_id, method=data.method, result=data.result, notes=data.notes
        )
        body = finding_json(findings.get_finding(session, current_user, security, finding_id))
    return jsonify(body), 201
