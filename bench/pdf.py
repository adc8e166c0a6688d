"""Board-summary PDF rendering: seconds per page for a 50-finding summary, as a ratio to a
minimal one-page document rendered by the same locked-down renderer in the same run.

The ratio (per page) says how much the summary's layout costs beyond WeasyPrint's fixed
cost of a page; both sides go through ``vetting.pdf.Reports`` (asset-only URL fetcher).

    .venv/bin/python bench/pdf.py [findings] [repeats]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from vetting.models import Authorship, DecisionRule, ResolutionStatus, ValidationStatus
from vetting.pdf import Reports
from vetting.services.board import (
    CATEGORY_ORDER,
    BoardCandidate,
    BoardFinding,
    BoardSummary,
    SearchStatement,
    by_category,
)
from vetting.services.decisions import DecisionState

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = (
    '<!doctype html><html><head><link rel="stylesheet" href="asset:report.css"></head>'
    "<body><p>One page.</p></body></html>"
)


def summary(findings: int) -> BoardSummary:
    categories = CATEGORY_ORDER
    rows = [
        BoardFinding(
            finding_id=i + 1,
            release_id=i + 1,
            revision=1,
            item_title="Facebook: public content under the name and aliases",
            category=categories[i % len(categories)],
            platform="Facebook",
            content_date=date(2026, 1, 1) + timedelta(days=i),
            summary=f"Public post {i} threatening a named neighbour over a parking dispute; [redacted] mentioned. " * 3,
            excerpt="Next time he blocks my truck I'll put him in the ground. [redacted] like me don't bluff.",
            authorship=Authorship.AUTHORED,
            validation_status=ValidationStatus.CORROBORATED,
            identity_matches=3,
            identity_match_minimum=3,
            released_at=datetime(2026, 11, 1, tzinfo=UTC),
        )
        for i in range(findings)
    ]
    return BoardSummary(
        cycle_id=1,
        cycle_title="Police Officer Recruit",
        blind_review=True,
        candidate=BoardCandidate(1, "C-007", None, "search complete", 9, 9, {}, "Awaiting recommendations"),
        search=SearchStatement("Police Officer search v1", 9, {ResolutionStatus.COMPLETED: 9}, True),
        groups=by_category(rows),
        decision=DecisionState(DecisionRule.CHAIR, 1, None, 3, [], None, None, [], [], True, False),
        questions=[],
        records_decision=False,
    )


def timed(render: Callable[[], bytes], repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        render()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    findings = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    reports = Reports(ROOT / "templates")
    context = {
        "summary": summary(findings),
        "agency": "Hattiesburg Police Department",
        "generated_at": "2026-11-21 09:00",
        "generated_by": "Bench Board",
    }
    html = reports.html("board_summary.html", **context)
    reports.render_html(MINIMAL)  # warm up: imports, fonts
    summary_pages = reports.page_count(html)
    minimal_pages = reports.page_count(MINIMAL)
    minimal = timed(lambda: reports.render_html(MINIMAL), repeats) / minimal_pages
    full = timed(lambda: reports.render("board_summary.html", **context), repeats) / summary_pages
    print(f"summary: {findings} findings, {summary_pages} pages; median of {repeats} renders")
    print(f"minimal document (baseline): {minimal:.3f} s per page")
    print(f"board summary              : {full:.3f} s per page   ratio to minimal {full / minimal:.2f}")


if __name__ == "__main__":
    main()
