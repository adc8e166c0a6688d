"""The audit report of one cycle as a PDF: everything the auditor's console shows about it.

Chain verification, uniformity (with the heat map), separation of duties, raw-content
openings about the cycle's candidates, designations, and adverse impact. The file's
SHA-256 is recorded in the audit log in the same transaction, so a copy that surfaces
later can be matched to the request that made it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from vetting import uniformity_matrix
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.clock import shown_date, shown_time, today, utcnow
from vetting.crypto import sha256_hex
from vetting.models import User
from vetting.pdf import Reports
from vetting.services import access_review, adverse_impact, audit_log, separation, uniformity
from vetting.services.context import Security
from vetting.services.cycles import get_cycle

#: Checklist items per table of the matrix: what fits across a landscape page (A4 or Letter).
ITEMS_PER_TABLE = 15
#: Candidates per heat map: what fits down a portrait page (an image cannot break across pages).
ROWS_PER_HEAT_MAP = 16


def render(
    session: Session, actor: User, security: Security, reports: Reports, agency: str, cycle_id: int
) -> tuple[str, bytes]:
    """(file name, PDF bytes) for ``cycle_id``; refused unless ``actor`` is an auditor."""
    settings = security.settings
    # First: verification streams the whole chain through this session.
    chain, check_seq = audit_log.verify_recorded(session, actor, settings.audit_signing_key.public_key(), ())
    matrix = uniformity.build(session, actor, cycle_id)
    duties = separation.report(session, actor, cycle_id)[0]
    in_cycle = {r.candidate_id for r in matrix.rows}
    cycle = get_cycle(session, actor, cycle_id)
    opened = shown_date(cycle.created_at)
    access = access_review.review(session, actor, since=opened, until=today())
    views = [v for v in access.views if v.candidate_id in in_cycle]
    impact = adverse_impact.report(session, actor, security, cycle_id, settings.eeo_minimum_group)
    pdf = reports.render(
        "audit_report.html",
        agency=agency,
        generated_at=shown_time(utcnow(), "%Y-%m-%d %H:%M"),
        generated_by=actor.name,
        chain=chain,
        check_seq=check_seq,
        matrix=matrix,
        heats=uniformity_matrix.heat_maps(matrix, ROWS_PER_HEAT_MAP),
        heat_title=matrix.cycle_title,
        items_per_table=ITEMS_PER_TABLE,
        short=uniformity_matrix.STATUS_LETTERS,
        duration=uniformity_matrix.duration,
        labels=uniformity_matrix.DEVIATION_LABELS,
        duties=duties,
        views=views,
        groups=access_review.group_views(views),
        holders=access.holders,
        impact=impact,
    )
    record(
        session,
        actor,
        Event.AUDIT_REPORT_PDF,
        subject=cycle,
        sha256=sha256_hex(pdf),
        bytes=len(pdf),
        deviations=len(matrix.deviations),
    )
    return f"audit-report-cycle-{cycle_id}.pdf", pdf
