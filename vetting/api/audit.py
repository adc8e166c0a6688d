"""The auditor's API: audit log, chain check and export, and the per-cycle reports."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from vetting import uniformity_matrix
from vetting.api.investigation import finding_json
from vetting.api.registry import day, moment, page_fields, parse, route
from vetting.api.schemas import ReasonBody
from vetting.audit.chain import public_key_pem
from vetting.errors import ValidationFailed
from vetting.http.args import date_arg, page_args
from vetting.http.documents import attachment, audited_pdf, csv_response
from vetting.http.runtime import runtime, transaction
from vetting.models.base import MAX_ID
from vetting.policy import Action
from vetting.selection_rates import GroupRate
from vetting.services import (
    access_review,
    adverse_impact,
    audit_anchor,
    audit_log,
    audit_report,
    findings,
    notices,
    separation,
    uniformity,
)


def event_json(e: audit_log.LoggedEvent) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "occurred_at": moment(e.occurred_at),
        "actor_id": e.actor_id,
        "actor_name": e.actor_name,
        "event": e.event,
        "subject_type": e.subject_type,
        "subject_id": e.subject_id,
        "data": e.data,
        "prev_hash": e.prev_hash,
        "entry_hash": e.entry_hash,
    }


def _number(name: str, default: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValidationFailed(f"{name} must be a whole number.", field=name) from exc
    if not 0 <= value <= MAX_ID:
        raise ValidationFailed(f"{name} must be between 0 and {MAX_ID}.", field=name)
    return value


@route(
    "GET",
    "/audit/events",
    "Audit events, newest first (?event=, ?actor_id=, ?candidate_id=, ?candidate_code= (e.g. C-005, in every "
    "cycle that has it), ?since=, ?until= (dates, inclusive), ?before=, ?limit=); `total` counts every match",
    Action.AUDIT_READ,
    errors=(422,),
)
def audit_events() -> ResponseReturnValue:
    since, until = date_arg("since"), date_arg("until")
    filters = audit_log.LogFilter(
        event=request.args.get("event") or None,
        actor_id=_number("actor_id"),
        candidate_id=_number("candidate_id"),
        since=since,
        until=until,
        before_seq=_number("before"),
        candidate_code=_code("candidate_code"),
    )
    limit = _number("limit", 100) or 100
    with transaction() as session:
        rows = audit_log.list_events(session, current_user, filters, limit)
        total = audit_log.count_events(session, current_user, filters)
    return jsonify({"events": [event_json(e) for e in rows], "total": total})


def _code(name: str) -> str | None:
    raw = (request.args.get(name) or "").strip()
    if len(raw) > 32:
        raise ValidationFailed(f"{name} is a candidate code such as C-005.", field=name)
    return raw or None


def anchor_json(a: audit_anchor.AnchorStatus) -> dict[str, Any]:
    return {
        "state": a.state,
        "warning": a.warning,
        "witnesses": list(a.witnesses),
        "interval_minutes": int(a.interval.total_seconds() // 60),
        "last": {
            "seq": a.last_seq,
            "entry_hash": a.last_hash,
            "anchored_at": moment(a.last_at),
            "witness": a.last_witness,
        }
        if a.last_seq is not None
        else None,
        "last_failure": {"failed_at": moment(a.failed_at), "witness": a.failed_witness, "reason": a.failed_reason}
        if a.failed_at is not None
        else None,
    }


@route(
    "GET",
    "/audit/verify",
    "Check the hash chain (the entries after the last intact check), its signed checkpoints and the configured "
    "witnesses' heads; the last anchor. To re-check every entry of a long chain, use the job: "
    "POST /audit/chain-check-jobs",
    Action.AUDIT_READ,
)
def audit_verify() -> ResponseReturnValue:
    settings = runtime().settings
    public_key = settings.audit_signing_key.public_key()
    heads, problems = audit_anchor.configured_heads(settings.audit_witnesses)
    with transaction() as session:
        result, recorded_as = audit_log.verify_recorded(session, current_user, public_key, heads)
        anchor = audit_anchor.status(
            session, current_user, settings.audit_witnesses, settings.audit_anchor_interval, problems
        )
    cp = result.last_checkpoint
    return jsonify(
        {
            "ok": result.ok,
            "entries": result.entries,
            "checkpoints": result.checkpoints,
            "broken_seq": result.broken_seq,
            "reason": result.reason,
            "summary": result.summary(),
            # The check's own entry follows the ones it checked: the chain is one entry longer now.
            "recorded_as_seq": recorded_as,
            "last_checkpoint": {
                "seq": cp.seq,
                "entry_hash": cp.entry_hash,
                "signed_at": moment(cp.signed_at),
                "key_id": cp.key_id,
            }
            if cp
            else None,
            "public_key_pem": public_key_pem(public_key),
            "witnessed_heads": result.witnessed,
            "witnessed_seq": result.witnessed_seq,
            "anchor": anchor_json(anchor),
        }
    )


@route(
    "GET",
    "/audit/export",
    "The chain up to its newest signed checkpoint, the checkpoints and the public key (JSON Lines); "
    "check it with `vetting-audit-verify`. A long chain: use the job (POST /audit/export-jobs)",
    Action.AUDIT_READ,
    produces="application/x-ndjson",
)
def audit_export() -> ResponseReturnValue:
    with transaction() as session:
        name, content = audit_log.export_as(session, current_user, runtime().settings.audit_signing_key.public_key())
    return attachment(name, content, "application/x-ndjson")


def _cell_json(c: uniformity_matrix.Cell) -> dict[str, Any]:
    return {
        "item_id": c.item_id,
        "position": c.position,
        "resolution": c.status,
        "investigator": c.investigator,
        "resolved_on": day(c.resolved_on),
        "searches": c.searches,
        "first_search": moment(c.first_search),
        "last_search": moment(c.last_search),
        "deviations": list(c.flags),
    }


@route(
    "GET",
    "/audit/cycles/{cycle_id}/uniformity",
    "The uniformity matrix (R6): checklist items, the cycle's medians, investigators and deviations counted by "
    "kind, and one page of the candidates' rows (by id) with their deviations (the medians, counts and "
    "investigators are over every candidate; every deviation listed: the CSV job)",
    Action.AUDIT_READ,
    errors=(404,),
    paged=True,
)
def audit_uniformity(cycle_id: int) -> ResponseReturnValue:
    request_page = page_args()
    with transaction() as session:
        shown = uniformity.view(session, current_user, cycle_id, request_page)
    report, rows = shown.report, shown.rows
    return jsonify(
        {
            "cycle_id": report.cycle_id,
            "checklist_version": report.version_label,
            "checklist_hash": report.version_hash,
            "uniform_version": shown.uniform_version,
            "items": [{"id": i.id, "position": i.position, "title": i.title} for i in report.items],
            "median_searches": report.median_searches,
            "median_span_seconds": report.median_span.total_seconds() if report.median_span else None,
            "candidates": [
                {
                    "id": r.candidate_id,
                    "code": r.code,
                    "stage": r.stage,
                    "checklist_versions": list(r.versions),
                    "searches": r.searches,
                    "first_search": moment(r.first_search),
                    "last_search": moment(r.last_search),
                    "deviations": list(r.flags),
                    "cells": [_cell_json(c) for c in r.cells],
                }
                for r in rows.items
            ],
            **page_fields(rows),
            "investigators": [
                {
                    "user_id": p.user_id,
                    "name": p.name,
                    "items_resolved": p.items_resolved,
                    "searches": p.searches,
                    "unable": p.unable,
                    "differs": p.flagged,
                }
                for p in report.investigators
            ],
            "deviation_counts": shown.deviation_counts,
            "deviations": [asdict(d) for d in report.deviations],
        }
    )


@route(
    "GET",
    "/audit/cycles/{cycle_id}/uniformity.csv",
    "The uniformity matrix as CSV, one line per cell (the values the console shows). Large cycles: use the job "
    "(POST /audit/cycles/{cycle_id}/uniformity-csv-jobs)",
    Action.AUDIT_READ,
    errors=(404,),
    produces="text/csv",
)
def audit_uniformity_csv(cycle_id: int) -> ResponseReturnValue:
    with transaction() as session:
        text = uniformity_matrix.to_csv(uniformity.build(session, current_user, cycle_id))
    return csv_response(f"uniformity-cycle-{cycle_id}.csv", text)


@route(
    "GET",
    "/audit/candidates/{candidate_id}/search-log",
    "A candidate's search log without queries or sources (when, which item, results, who)",
    Action.AUDIT_READ,
    errors=(404,),
)
def audit_search_log(candidate_id: int) -> ResponseReturnValue:
    with transaction() as session:
        log = uniformity.search_log(session, current_user, runtime().security, candidate_id)
    return jsonify(_search_log_json(log))


@route(
    "POST",
    "/audit/candidates/{candidate_id}/search-log",
    "The search log with queries and sources, stating a reason (audited)",
    Action.AUDIT_READ,
    body=ReasonBody,
    errors=(404, 422),
)
def audit_search_log_raw(candidate_id: int) -> ResponseReturnValue:
    data = parse(ReasonBody)
    with transaction() as session:
        log = uniformity.search_log(session, current_user, runtime().security, candidate_id, reason=data.reason)
        return jsonify(_search_log_json(log))


def _search_log_json(log: uniformity.SearchLog) -> dict[str, Any]:
    body: dict[str, Any] = {
        "candidate_id": log.candidate_id,
        "code": log.code,
        "stage": log.stage,
        "findings": [
            {"id": f.id, "behaviour_category": f.label, "state": f.state, "open": f"/api/v1/audit/findings/{f.id}"}
            for f in log.findings
        ],
        "notices": [
            {"id": n.id, "kind": n.label, "issued_on": n.state, "open": f"/api/v1/audit/notices/{n.id}.pdf"}
            for n in log.notices
        ],
        "searches": [
            {
                "item_position": line.item_position,
                "searched_at": moment(line.searched_at),
                "result_count": line.result_count,
                "investigator": line.investigator,
            }
            for line in log.lines
        ],
    }
    if log.raw is not None:
        body["items"] = [
            {
                "position": v.item.position,
                "resolution": v.status.value if v.status else None,
                "unable_reason": v.reason,
                "searches": [
                    {
                        "query": s.query,
                        "source": s.source,
                        "searched_at": moment(s.searched_at),
                        "result_count": s.result_count,
                    }
                    for s in v.searches
                ],
            }
            for v in log.raw
        ]
    return body


def _audited_finding_json(f: findings.AuditedFinding) -> dict[str, Any]:
    return {
        "id": f.id,
        "candidate_id": f.candidate_id,
        "candidate_code": f.candidate_code,
        "behaviour_category": f.category.value,
        "validation_status": f.validation_status.value,
        "released": f.released,
        "withdrawn_at": moment(f.withdrawn_at),
        "raw": finding_json(f.raw) if f.raw is not None else None,
    }


@route(
    "GET",
    "/audit/findings/{finding_id}",
    "A finding's facts without its text (category, validation, released or withdrawn); POST a reason for the raw text",
    Action.AUDIT_READ,
    errors=(404,),
)
def audit_finding(finding_id: int) -> ResponseReturnValue:
    with transaction() as session:
        body = _audited_finding_json(findings.for_auditor(session, current_user, runtime().security, finding_id))
    return jsonify(body)


@route(
    "POST",
    "/audit/findings/{finding_id}",
    "A finding's raw text, evidence list, mentions and validation log, stating a reason (audited: finding.raw_viewed)",
    Action.AUDIT_READ,
    body=ReasonBody,
    errors=(404, 422),
)
def audit_finding_raw(finding_id: int) -> ResponseReturnValue:
    data = parse(ReasonBody)
    with transaction() as session:
        view = findings.for_auditor(session, current_user, runtime().security, finding_id, reason=data.reason)
        body = _audited_finding_json(view)
    return jsonify(body)


@route(
    "POST",
    "/audit/notices/{notice_id}.pdf",
    "A notice to the candidate as a PDF, stating a reason (audited: notice.raw_viewed, and the PDF's SHA-256)",
    Action.AUDIT_READ,
    body=ReasonBody,
    errors=(404, 409, 422),
    produces="application/pdf",
)
def audit_notice_pdf(notice_id: int) -> ResponseReturnValue:
    data = parse(ReasonBody)
    return audited_pdf(
        lambda s, actor, security, reports, agency, row_id: notices.notice_pdf_for_audit(
            s, actor, security, reports, agency, row_id, data.reason
        ),
        notice_id,
    )


def _group_json(g: GroupRate) -> dict[str, Any]:
    if g.suppressed or g.counts is None:
        return {"group": g.group, "suppressed": True}
    return {
        "group": g.group,
        "suppressed": False,
        "considered": g.counts.considered,
        "selected": g.counts.selected,
        "rate": g.counts.rate,
        "impact_ratio": g.impact_ratio,
        "p_value": g.p_value,
        "highest_rate": g.is_reference,
        "four_fifths_flag": g.four_fifths_flag,
        "significant": g.significant,
    }


@route(
    "GET",
    "/audit/cycles/{cycle_id}/adverse-impact",
    "Selection rates by self-identified group over candidates with a final decision (`undecided` are left out), "
    "impact ratios (the highest-rate group is 1), four-fifths flags and Fisher's exact test",
    Action.AUDIT_READ,
    errors=(404,),
)
def audit_adverse_impact(cycle_id: int) -> ResponseReturnValue:
    rt = runtime()
    with transaction() as session:
        report = adverse_impact.report(session, current_user, rt.security, cycle_id, rt.settings.eeo_minimum_group)
    return jsonify(
        {
            "cycle_id": report.cycle_id,
            "candidates": report.candidates,
            "answered": report.answered,
            "minimum_group": report.minimum,
            # Rates count only candidates with a final decision; these are left out.
            "undecided": report.undecided,
            "axes": [
                {
                    "axis": a.axis,
                    "not_shown": a.not_shown,
                    "steps": [
                        {"step": s.step, "label": s.label, "groups": [_group_json(g) for g in s.groups]}
                        for s in a.steps
                    ]
                    # "overall" is kept for existing clients: the board's decision is the cycle's only
                    # selection step, so the cycle overall (decided candidates) is the same table.
                    + [
                        {
                            "step": "overall",
                            "label": "Cycle overall (the same candidates: the board's decision is the only step)",
                            "groups": [_group_json(g) for g in s.groups],
                        }
                        for s in a.steps[:1]
                    ],
                }
                for a in report.axes
            ],
        }
    )


@route(
    "GET",
    "/audit/cycles/{cycle_id}/report.pdf",
    "The cycle's audit report as a PDF; its SHA-256 is recorded in the audit log",
    Action.AUDIT_READ,
    errors=(404, 409),
    produces="application/pdf",
)
def audit_report_pdf(cycle_id: int) -> ResponseReturnValue:
    return audited_pdf(audit_report.render, cycle_id)


@route("GET", "/audit/separation", "Separation of duties per cycle, with refused attempts (R2)", Action.AUDIT_READ)
def audit_separation() -> ResponseReturnValue:
    with transaction() as session:
        rows = separation.report(session, current_user)
    return jsonify(
        {
            "cycles": [
                {
                    "cycle_id": c.cycle_id,
                    "title": c.title,
                    "holds": c.holds,
                    "investigators": [m.user_id for m in c.investigators],
                    "board_members": [m.user_id for m in c.board],
                    "overlap_by_assignment": c.overlap_assigned,
                    "searched_by": c.searched_by,
                    "decided_by": c.decided_by,
                    "overlap_by_action": c.overlap_acted,
                    "refusals": [
                        {"seq": r.seq, "at": moment(r.at), "actor": r.actor, "what": r.what} for r in c.refusals
                    ],
                }
                for c in rows
            ]
        }
    )


@route(
    "GET",
    "/audit/access-review",
    "Raw-content openings (?since=, ?until=; default the last 90 days), each and grouped by who, what and reason; "
    "roles, designations due within 30 days",
    Action.AUDIT_READ,
    errors=(422,),
)
def audit_access_review() -> ResponseReturnValue:
    since, until = date_arg("since"), date_arg("until")
    with transaction() as session:
        review = access_review.review(session, current_user, since=since, until=until)
    return jsonify(
        {
            "since": day(review.since),
            "until": day(review.until),
            "raw_views": [
                {
                    "seq": v.seq,
                    "at": moment(v.at),
                    "actor": v.actor,
                    "what": v.what,
                    "candidate_id": v.candidate_id,
                    "candidate_code": v.candidate_code,
                    "reason": v.reason,
                }
                for v in review.views
            ],
            # The same openings grouped by (who, what, candidate, reason): reloads add to a count.
            "raw_view_groups": [
                {
                    "actor": g.actor,
                    "what": g.what,
                    "candidate_id": g.candidate_id,
                    "candidate_code": g.candidate_code,
                    "reason": g.reason,
                    "count": g.count,
                    "first_at": moment(g.first_at),
                    "last_at": moment(g.last_at),
                    "first_seq": g.first_seq,
                    "last_seq": g.last_seq,
                }
                for g in review.groups
            ],
            "holders": [
                {
                    "user_id": h.user_id,
                    "name": h.name,
                    "active": h.active,
                    "roles": h.roles,
                    "designation": h.designation,
                    "review_date": day(h.review_date),
                    "expires_within_30_days": h.expires_soon,
                }
                for h in review.holders
            ],
        }
    )
