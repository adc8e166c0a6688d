"""What the web pages and the API share to issue a candidate's link (issue 16): the mailer the
service needs and handing a queued message to the task queue once its transaction committed."""

from __future__ import annotations

from flask import url_for

from vetting.http.runtime import runtime
from vetting.models import LinkPurpose
from vetting.services.candidate_links import IssuedLink, LinkMailer


def _url(purpose: LinkPurpose, token: str) -> str:
    if purpose is LinkPurpose.SELF_IDENTIFICATION:
        return url_for("self_id.form", token=token, _external=True)
    return url_for("portal.page", token=token, _external=True)


def link_mailer() -> LinkMailer:
    settings = runtime().settings
    return LinkMailer(agency=settings.agency_name, days=settings.link_days, link_for=_url)


def offer(issued: IssuedLink | None) -> None:
    """After the commit: the worker may send the message now (its sweep would later anyway)."""
    if issued is not None and issued.outbox_id is not None:
        runtime().queue.offer_mail(issued.outbox_id)
