"""File and PDF responses shared by the web pages and the API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from urllib.parse import quote

from flask import Response
from flask_login import current_user
from sqlalchemy.orm import Session

from vetting.config import AGENCY_NAME_MISSING
from vetting.errors import Conflict
from vetting.http.runtime import runtime, transaction
from vetting.models import User
from vetting.pdf import Reports
from vetting.services import board, disposition, investigation, notices
from vetting.services.context import Security

#: Types a download may declare: documents the app writes itself. Anything else (an uploaded
#: file's claimed type above all) goes out as bytes.
DOWNLOAD_TYPES = frozenset(
    {"application/pdf", "application/x-ndjson", "text/csv", "application/json", "application/zip"}
)


def attachment(filename: str, content: bytes, content_type: str = "application/octet-stream") -> Response:
    """A download that is never rendered inline (PRODUCT.md §4), sandboxed if it were."""
    response = Response(
        content, mimetype=content_type if content_type in DOWNLOAD_TYPES else "application/octet-stream"
    )
    response.headers["Content-Disposition"] = "attachment; filename*=UTF-8''" + quote(filename, safe="")
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def csv_response(filename: str, text: str) -> Response:
    """A CSV download (with a byte-order mark, so spreadsheets read it as UTF-8)."""
    return attachment(filename, text.encode("utf-8-sig"), "text/csv")


def agency_name() -> str:
    """The agency every document names. While none is configured no document is made (409
    ``agency_name_missing``, telling staff how to set it): a consent form or notice that names a
    placeholder instead of the agency could reach a candidate unnoticed; a refusal cannot."""
    name = runtime().settings.agency_name
    if not name:
        raise Conflict(AGENCY_NAME_MISSING, code="agency_name_missing")
    return name


def consent_form_response(candidate_id: int) -> Response:
    """The candidate's disclosure and authorization form, rendered to PDF."""
    rt = runtime()
    with transaction() as session:
        form = investigation.consent_form(session, current_user, rt.security, agency_name(), candidate_id)
    pdf = rt.reports.render("consent_form.html", **asdict(form))
    return attachment(f"disclosure-authorization-{form.code}.pdf", pdf, "application/pdf")


#: A service that renders an audited PDF: (session, actor, security, reports, agency, id) -> (name, bytes).
AuditedPdf = Callable[[Session, User, Security, Reports, str, int], tuple[str, bytes]]


def audited_pdf(render: AuditedPdf, row_id: int) -> Response:
    """Render in one transaction with the audit event that records the document's hash."""
    rt, agency = runtime(), agency_name()
    with transaction() as session:
        filename, pdf = render(session, current_user, rt.security, rt.reports, agency, row_id)
    return attachment(filename, pdf, "application/pdf")


def summary_pdf_response(candidate_id: int) -> Response:
    """A board member's released summary as a PDF."""
    return audited_pdf(board.summary_pdf, candidate_id)


def destruction_certificate_response(disposition_id: int) -> Response:
    """The certificate of destruction of a disposed candidate's records as a PDF (issue 15)."""
    return audited_pdf(disposition.certificate_pdf, disposition_id)


def notice_pdf_response(notice_id: int) -> Response:
    """A notice to the candidate as a PDF."""
    return audited_pdf(notices.notice_pdf, notice_id)
