"""What every candidate link does with a token it cannot honour (issue 16 point 1), whatever the link is
for: the candidate's links (``/c/<token>``) and the self-identification form's own link alike.

The refusal is the same plain message for an unknown (guessed), spent, replaced or expired token,
so nobody can probe which tokens exist; it is audited with its reason and counted against the
caller's address, and past the limit every link is refused to that address for a while. A refusal
is *returned* (:class:`Refused`), not raised, so the request commits its audit record and count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.models import Candidate, LinkFailure
from vetting.services.context import Security

#: Tokens longer than this are refused before they are hashed.
MAX_TOKEN = 100
#: What the candidate is told for any refused link.
REFUSED = (
    "This link cannot be used. It may have expired, been replaced by a newer link, or already been used. "
    "Ask the agency that sent it for a new one."
)
RATE_LIMITED = "Too many links that could not be used were tried from this address. Wait 15 minutes and try again."


@dataclass(frozen=True)
class Refused:
    """A link that cannot be used: the page says :data:`REFUSED` (or :data:`RATE_LIMITED`)."""

    message: str
    status: int


def usable_token(token: str) -> bool:
    """Worth hashing and looking up (an empty or overlong token is refused unseen)."""
    return bool(token) and len(token) <= MAX_TOKEN


def blocked(session: Session, security: Security, ip: str, now: datetime) -> Refused | None:
    """The rate-limit refusal (audited) when ``ip`` has had too many refusals lately, else ``None``."""
    since = now - security.settings.address_failure_window
    failures = session.scalar(
        select(func.count()).select_from(LinkFailure).where(LinkFailure.ip == ip, LinkFailure.occurred_at >= since)
    )
    if (failures or 0) < security.settings.address_failure_limit:
        return None
    record(session, None, Event.CANDIDATE_LINK_RATE_LIMITED, ip=ip)
    return Refused(RATE_LIMITED, 429)


def refuse(
    session: Session,
    now: datetime,
    ip: str,
    *,
    reason: str,
    act: str,
    purpose: str | None,
    candidate: Candidate | None = None,
    link: int | None = None,
) -> Refused:
    """Count the refusal against ``ip`` and audit it (the reason, never the token)."""
    session.add(LinkFailure(ip=ip, occurred_at=now))
    record(
        session,
        None,
        Event.CANDIDATE_LINK_REFUSED,
        subject=candidate,
        reason=reason,
        link=link,
        purpose=purpose,
        act=act,
        ip=ip,
    )
    return Refused(REFUSED, 404)
