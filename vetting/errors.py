"""Typed domain errors.

Services raise these; the web and API layers map each kind to one HTTP status in one
place. A refusal that the rules say must be audited (separation of duties, POL-01)
carries a :class:`Refusal`: the audit event recorded after the failed transaction is
rolled back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vetting.audit.events import Auditable, Event, Subject

if TYPE_CHECKING:
    from vetting.models import User


@dataclass(frozen=True)
class Refusal:
    """The audit event of a refused attempt: ids and codes only, taken when the error is raised."""

    event: Event
    actor_id: int | None
    subject: Subject | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, event: Event, actor: User | None, *, subject: Auditable | None = None, **data: Any) -> Refusal:
        return cls(event, actor.id if actor else None, subject.audit_subject if subject else None, data)


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    code = "error"
    http_status = 400

    def __init__(
        self, message: str, *, code: str | None = None, field: str | None = None, refusal: Refusal | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field
        #: Recorded in the audit log after the rollback (:meth:`vetting.db.Database.transaction`).
        self.refusal = refusal


class MalformedInput(DomainError):
    """The request cannot be read at all, e.g. its JSON body is broken or nests too deep (400)."""

    code = "bad_request"
    http_status = 400


class NotFound(DomainError):
    """The object does not exist, or the actor may not know that it does."""

    code = "not_found"
    http_status = 404


class Forbidden(DomainError):
    """The actor's role or assignment does not allow the action."""

    code = "forbidden"
    http_status = 403


class Conflict(DomainError):
    """The action breaks a rule about the current state (409)."""

    code = "conflict"
    http_status = 409


class CandidateDisposed(Conflict):
    """The candidate's records were disposed of (issue 15, RET-07): their content no longer exists.
    The pages answer with the tombstone of candidate ``candidate_id``; the API keeps this 409."""

    code = "candidate_erased"

    def __init__(self, message: str, *, candidate_id: int) -> None:
        super().__init__(message)
        self.candidate_id = candidate_id


class ValidationFailed(DomainError):
    """The input is well-formed but not acceptable; ``field`` names the culprit."""

    code = "invalid"
    http_status = 422


class SeparationOfDuties(Conflict):
    """POL-01 / R2: one person may not both search and decide in one cycle."""

    code = "separation_of_duties"


class DesignationRequired(Conflict):
    """POL-03 / R4: the user has no current sensitive-position designation."""

    code = "designation_required"


class AuthenticationFailed(DomainError):
    """Login or token check failed; the message is safe to show."""

    code = "authentication_failed"
    http_status = 401


class AccountLocked(AuthenticationFailed):
    """Too many consecutive failures (CJIS 5.5.3)."""

    code = "account_locked"


class RateLimited(DomainError):
    """Too many failed attempts from one address."""

    code = "rate_limited"
    http_status = 429
