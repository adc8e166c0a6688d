"""The audit report of one cycle as a PDF: everything the auditor's console shows about it.

Chain verification, uniformity (with the heat map), separation of duties, raw-content
openings about the cycle's candidates, designations, and adverse impact. The file's
SHA-256 is recorded in the audit log in the same transaction, so a copy that surfaces
later can be matched to the request that made it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from vetting import uniformity_matrix
from vetting.audit.chain import VerifyResult
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.clock import shown_date, shown_time, today, utcnow
from vetting.crypto import sha256_hex
from vetting.heatmap import HeatMap
from vetting.models import User
from vetting.pdf import Reports
from vetting.services import access_review, adverse_impact, audit_log, separation, uniformity
from vetting.services.context import Security
from vetting.services.cycles import get_cycle

#: Checklist items per table of the matrix: what fits across a landscape page (A4 or Letter).
ITEMS_PER_TABLE = 15
#: Candidates per heat map: what fits down a portrait page (an image cannot break across pages).
ROWS_PER_HEAT_MAP = 16
#: Candidates per part of a larger report's heat map and tables, each part laid out on its own
#: (:meth:`vetting.pdf.Reports.render_parts`): a few dozen pages.
ROWS_PER_PART = 600

#: Told how many steps of the work are done, and how many there are in all.
Progress = Callable[[int, int], None]


def render(
    session: Session,
    actor: User,
    security: Security,
    reports: Reports,
    agency: str,
    cycle_id: int,
    progress: Progress | None = None,
    checked: tuple[VerifyResult, int] | None = None,
) -> tuple[str, bytes]:
    """(file name, PDF bytes) for ``cycle_id``; refused unless ``actor`` is an auditor. A cycle of
    more than :data:`ROWS_PER_PART` candidates is laid out in parts (``progress`` hears of each).

    The report cites the chain check and the entry recording it: ``checked``, made and committed
    by the caller beforehand (the job: numbering that entry holds the chain's lock until the
    commit, which must not wait for the layout), or else made here."""
    settings = security.settings
    chain, check_seq = checked or audit_log.verify_recorded(session, actor, settings.audit_signing_key.public_key(), ())
    matrix = uniformity.build(session, actor, cycle_id)
    duties = separation.report(session, actor, cycle_id)[0]
    in_cycle = {r.candidate_id for r in matrix.rows}
    cycle = get_cycle(session, actor, cycle_id)
    opened = shown_date(cycle.created_at)
    access = access_review.review(session, actor, since=opened, until=today())
    views = [v for v in access.views if v.candidate_id in in_cycle]
    impact = adverse_impact.report(session, actor, security, cycle_id, settings.eeo_minimum_group)
    # A large cycle's heat map would take a page per 16 candidates (hundreds of pages, most of
    # the file's making): it draws the candidates with a deviation; the tables list them all.
    whole = len(matrix.rows) <= ROWS_PER_PART
    heats = uniformity_matrix.heat_maps(matrix, ROWS_PER_HEAT_MAP, deviating_only=not whole)
    pdf = reports.render_parts(
        "audit_report.html",
        _parts(matrix.rows, heats, len(matrix.items)),
        progress,
        agency=agency,
        generated_at=shown_time(utcnow(), "%Y-%m-%d %H:%M"),
        generated_by=actor.name,
        chain=chain,
        check_seq=check_seq,
        matrix=matrix,
        heat_title=matrix.cycle_title,
        heat_rows=None if whole else sum(r.deviates for r in matrix.rows),
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


def _parts(rows: list[uniformity_matrix.Row], heats: list[HeatMap], items: int) -> list[dict[str, Any]]:
    """What each part of the report holds (see ``audit_report.html``): all of it in one part for a
    cycle of up to :data:`ROWS_PER_PART` candidates; else the opening, the heat map, the table
    per candidate and each group of matrix columns :data:`ROWS_PER_PART` candidates at a time,
    and the rest."""
    groups = list(range(-(-items // ITEMS_PER_TABLE)))
    empty: dict[str, Any] = {
        "head": False,
        "tail": False,
        "heats": [],
        "first_heat": 0,
        "table_rows": [],
        "table_heading": False,
        "matrix_groups": [],
        "matrix_rows": [],
        "matrix_heading": False,
    }
    if len(rows) <= ROWS_PER_PART:
        whole = {"heats": heats, "table_rows": rows, "matrix_groups": groups, "matrix_rows": rows}
        return [empty | whole | {"head": True, "tail": True, "table_heading": True, "matrix_heading": True}]
    per_part = ROWS_PER_PART // ROWS_PER_HEAT_MAP
    spans = range(0, len(rows), ROWS_PER_PART)
    return [
        empty | {"head": True},
        *(empty | {"heats": heats[k : k + per_part], "first_heat": k} for k in range(0, len(heats), per_part)),
        *(empty | {"table_rows": rows[k : k + ROWS_PER_PART], "table_heading": k == 0} for k in spans),
        *(
            empty | {"matrix_groups": [g], "matrix_rows": rows[k : k + ROWS_PER_PART], "matrix_heading": k == 0}
            for g in groups
            for k in spans
        ),
        empty | {"tail": True},
    ]
