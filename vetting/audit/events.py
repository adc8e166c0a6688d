"""Every audit event name, typed (issue 12): producers and consumers name members, never strings.

The stored ``event`` column holds the member's value, so the names are part of the exported
chain's format and never change. A new kind of event is a new member here.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final, NamedTuple, Protocol


class Event(StrEnum):
    ACCESS_REVIEW_VIEWED = "access_review.viewed"

    ACCOUNT_LOCKED = "account.locked"
    ACCOUNT_UNLOCKED = "account.unlocked"

    ADVERSE_IMPACT_VIEWED = "adverse_impact.viewed"

    ASSIGNMENT_CREATED = "assignment.created"
    ASSIGNMENT_REFUSED = "assignment.refused"
    ASSIGNMENT_REMOVED = "assignment.removed"

    AUDIT_EXPORTED = "audit.exported"
    AUDIT_REPORT_PDF = "audit.report_pdf"
    AUDIT_VERIFIED = "audit.verified"
    AUDIT_ANCHORED = "audit.anchored"
    AUDIT_ANCHOR_FAILED = "audit.anchor_failed"

    BOARD_ANSWER_APPROVED = "board.answer_approved"
    BOARD_CYCLE_VIEWED = "board.cycle_viewed"
    BOARD_DECISION_PROPOSED = "board.decision_proposed"
    BOARD_DECISION_RECORDED = "board.decision_recorded"
    BOARD_DECISION_WITHDRAWN = "board.decision_withdrawn"
    BOARD_QUESTION_ANSWERED = "board.question_answered"
    BOARD_QUESTION_ASKED = "board.question_asked"
    BOARD_RECOMMENDATION_RECORDED = "board.recommendation_recorded"
    BOARD_SUMMARY_PDF = "board.summary_pdf"
    BOARD_SUMMARY_VIEWED = "board.summary_viewed"

    CANDIDATE_ADDED = "candidate.added"
    CANDIDATE_ATTACHMENT_VIEWED = "candidate.attachment_viewed"
    CANDIDATE_EMAIL_SET = "candidate.email_set"
    CANDIDATE_CHECKLIST_VIEWED = "candidate.checklist_viewed"
    CANDIDATE_DISPUTE_CLOSED = "candidate.dispute_closed"
    CANDIDATE_FINDINGS_VIEWED = "candidate.findings_viewed"
    CANDIDATE_RESPONSE_RECORDED = "candidate.response_recorded"
    #: Files the candidate sent with an answer online (their SHA-256 only).
    CANDIDATE_RESPONSE_ATTACHED = "candidate.response_attached"
    CANDIDATE_SEARCH_COMPLETED = "candidate.search_completed"
    CANDIDATE_VIEWED = "candidate.viewed"

    CANDIDATES_LISTED = "candidates.listed"

    #: The candidate's links (issue 16): issued (the old one dies), opened, and refused (unknown,
    #: spent or expired: ``reason`` says which, never the token), or refused for too many failures.
    CANDIDATE_LINK_ISSUED = "candidate_link.issued"
    CANDIDATE_LINK_OPENED = "candidate_link.opened"
    CANDIDATE_LINK_REFUSED = "candidate_link.refused"
    CANDIDATE_LINK_RATE_LIMITED = "candidate_link.rate_limited"

    CHECKLIST_DRAFT_ITEM_ADDED = "checklist.draft_item_added"
    CHECKLIST_DRAFT_ITEM_MOVED = "checklist.draft_item_moved"
    CHECKLIST_DRAFT_ITEM_REMOVED = "checklist.draft_item_removed"
    CHECKLIST_ITEM_RESOLVED = "checklist.item_resolved"
    CHECKLIST_PUBLISHED = "checklist.published"
    CHECKLIST_TEMPLATE_CREATED = "checklist.template_created"

    CONSENT_DOCUMENT_VIEWED = "consent.document_viewed"
    CONSENT_FORM_GENERATED = "consent.form_generated"
    CONSENT_RECORDED = "consent.recorded"

    #: A chain-of-custody report was downloaded as a PDF (issue 15 point 6): its file, SHA-256 and size.
    CUSTODY_PDF = "custody.pdf"

    CYCLE_BOARD_RULES_CHANGED = "cycle.board_rules_changed"
    CYCLE_CANDIDATES_LISTED = "cycle.candidates_listed"
    CYCLE_CHECKLIST_SET = "cycle.checklist_set"
    CYCLE_CLOSED = "cycle.closed"
    CYCLE_CREATED = "cycle.created"
    CYCLE_OPENED = "cycle.opened"

    DESIGNATION_RECORDED = "designation.recorded"
    #: A searcher without a current designation tried the search tools (POL-03 / R4).
    DESIGNATION_REFUSED = "designation.refused"

    EVIDENCE_UPLOADED = "evidence.uploaded"
    EVIDENCE_VIEWED = "evidence.viewed"

    FINDING_CREATED = "finding.created"
    FINDING_MENTION_RESOLVED = "finding.mention_resolved"
    FINDING_RELEASE_REFUSED = "finding.release_refused"
    FINDING_RELEASE_WITHDRAWN = "finding.release_withdrawn"
    FINDING_RELEASED = "finding.released"
    FINDING_REVIEW_VIEWED = "finding.review_viewed"
    FINDING_SCREENED = "finding.screened"
    FINDING_UPDATED = "finding.updated"
    FINDING_VALIDATION_ADDED = "finding.validation_added"
    FINDING_VIEWED = "finding.viewed"
    FINDING_WITHDRAWN = "finding.withdrawn"
    #: An auditor opened a finding's raw text, with a stated reason.
    FINDING_RAW_VIEWED = "finding.raw_viewed"
    #: A rationale, question or answer refused for protected-class content (PC-01), and whose.
    FIREWALL_REFUSED = "firewall.refused"
    FINDING_WORDS_REDACTED = "finding.words_redacted"

    HOLIDAY_ADDED = "holiday.added"
    HOLIDAY_REMOVED = "holiday.removed"

    #: A legal hold was placed (issue 15, RET-02): its scope's ids and dates, never the matter's text.
    HOLD_PLACED = "hold.placed"
    #: A legal hold was released by a second person.
    HOLD_RELEASED = "hold.released"
    #: A release refused: its placer tried (``second_person_required``) or a duty in a held cycle.
    HOLD_RELEASE_REFUSED = "hold.release_refused"
    #: A change to a held candidate's records refused (409 ``legal_hold``): the candidates and holds.
    HOLD_CHANGE_REFUSED = "hold.change_refused"

    KEYS_ROTATED = "keys.rotated"

    #: A job for the worker was started (issue 17); ``kind`` and its ids, never content.
    JOB_STARTED = "job.started"
    #: A finished job's file was downloaded, with its SHA-256.
    JOB_RESULT_DOWNLOADED = "job.result_downloaded"

    LOGIN_FAILED = "login.failed"
    LOGIN_RATE_LIMITED = "login.rate_limited"
    LOGIN_REFUSED_LOCKED = "login.refused_locked"
    LOGIN_SUCCEEDED = "login.succeeded"

    LOGOUT = "logout"

    #: A message was put in the outbox (issue 16 point 5): its id and template, never its text.
    MAIL_QUEUED = "mail.queued"
    #: The SMTP server (or the outbox folder) took the message; ids and the attempt number only.
    MAIL_SENT = "mail.sent"
    #: An attempt failed and another is due later: the error's class or SMTP code, no secret.
    MAIL_DEFERRED = "mail.deferred"
    #: The message will not be sent: refused for good, or out of attempts.
    MAIL_FAILED = "mail.failed"

    #: A candidate's disposition was proposed (RET-07), or approved and carried out: the data key
    #: destroyed, the candidate's files deleted, a tombstone left (issue 15 point 3).
    RECORDS_DISPOSITION_PROPOSED = "records.disposition_proposed"
    RECORDS_DISPOSED = "records.disposed"
    #: A proposal or approval of a disposition was refused (its proposer approving, a duty in the cycle).
    RECORDS_DISPOSITION_REFUSED = "records.disposition_refused"
    #: A certificate of destruction was downloaded: its SHA-256 and size.
    RECORDS_CERTIFICATE_PDF = "records.certificate_pdf"
    #: Findings that never reach the board were proposed for minimisation (RET-11), or approved and
    #: purged (content overwritten, evidence deleted, a tombstone each); ids and counts, never content.
    RECORDS_MINIMISATION_PROPOSED = "records.minimisation_proposed"
    RECORDS_MINIMISED = "records.minimised"
    #: A minimisation's approval was refused (its proposer approving, a duty in a cycle).
    RECORDS_MINIMISATION_REFUSED = "records.minimisation_refused"
    #: A candidate's raw content was opened for a production bundle: the production's job, purpose
    #: and reference (issue 15 point 7), never the content.
    PRODUCTION_CONTENT_OPENED = "production.content_opened"
    #: A production bundle was made: its candidates, purpose, version, reference, files and the
    #: manifest's SHA-256 (RET-08).
    PRODUCTION_MADE = "production.made"
    #: A public-records request was logged, had an exemption decided on an item, was prepared,
    #: approved by a second person, released or closed (issue 15 point 4, RET-10): ids, dates,
    #: codes and counts, never the requester's name or contact nor any candidate content.
    RECORDS_REQUEST_LOGGED = "records_request.logged"
    RECORDS_REQUEST_EXEMPTION_SET = "records_request.exemption_set"
    RECORDS_REQUEST_PREPARED = "records_request.prepared"
    RECORDS_REQUEST_APPROVED = "records_request.approved"
    RECORDS_REQUEST_RELEASED = "records_request.released"
    RECORDS_REQUEST_CLOSED = "records_request.closed"
    #: An approval refused: its preparer tried (``second_person_required``) or a duty in a cycle.
    RECORDS_REQUEST_REFUSED = "records_request.refused"
    #: A change of the agency's retention schedule was proposed, or approved by a second person (RET-07).
    RETENTION_SCHEDULE_PROPOSED = "retention.schedule_proposed"
    RETENTION_SCHEDULE_APPROVED = "retention.schedule_approved"
    #: A schedule's proposer tried to approve it (RET-07).
    RETENTION_SCHEDULE_REFUSED = "retention.schedule_refused"

    #: An administrator set the agency's reminder thresholds (issue 16 point 6): the values.
    REMINDERS_THRESHOLDS_SET = "reminders.thresholds_set"
    #: The day's reminder digests were queued: the day and how many messages.
    REMINDERS_DIGESTS_QUEUED = "reminders.digests_queued"
    #: A person turned their daily reminder digest off or on.
    REMINDERS_DIGEST_CHOSEN = "reminders.digest_chosen"

    MFA_ENROLLED = "mfa.enrolled"
    MFA_RESET = "mfa.reset"

    NOTICE_RENDERED = "notice.rendered"
    #: The candidate downloaded their notice through its link.
    NOTICE_DOWNLOADED = "notice.downloaded"
    #: A notice reached the candidate (e-mailed, opened through its link, or handed over): a
    #: pre-decision notice's response window starts (issue 16 point 3).
    NOTICE_DELIVERED = "notice.delivered"
    #: An auditor opened a notice, with a stated reason.
    NOTICE_RAW_VIEWED = "notice.raw_viewed"

    SEARCH_REFUSED = "search.refused"

    SEARCH_LOG_RAW_VIEWED = "search_log.raw_viewed"
    SEARCH_LOG_VIEWED = "search_log.viewed"

    SELF_IDENTIFICATION_INVITED = "self_identification.invited"
    SELF_IDENTIFICATION_SUBMITTED = "self_identification.submitted"

    SEPARATION_VIEWED = "separation.viewed"

    STORAGE_CHECKED = "storage.checked"
    STORAGE_REPAIRED = "storage.repaired"

    TECHNIQUE_REFUSED = "technique.refused"

    TOKEN_CREATED = "token.created"
    TOKEN_REVOKED = "token.revoked"
    #: A request with an expired or revoked token (CJIS 5.4.1.1: unsuccessful attempts too); also a
    #: refused issue (``second_factor_required``) or another user's token (``not_own_token``): ``code`` says which.
    TOKEN_REFUSED = "token.refused"

    UNIFORMITY_VIEWED = "uniformity.viewed"

    USER_ACTIVATED = "user.activated"
    USER_CREATED = "user.created"
    USER_DEACTIVATED = "user.deactivated"
    USER_RENAMED = "user.renamed"
    USER_ROLES_CHANGED = "user.roles_changed"


#: Openings of raw candidate content (CJIS 5.4.1.1), with what the access review calls each.
RAW_CONTENT_VIEWS: Final[Mapping[Event, str]] = {
    Event.FINDING_VIEWED: "Finding (raw text)",
    Event.FINDING_REVIEW_VIEWED: "Finding, for release review",
    Event.CANDIDATE_FINDINGS_VIEWED: "All findings of a candidate",
    Event.CANDIDATE_CHECKLIST_VIEWED: "Checklist and search log",
    Event.CANDIDATE_VIEWED: "Candidate's details",
    Event.CONSENT_DOCUMENT_VIEWED: "Signed consent document",
    Event.CANDIDATE_ATTACHMENT_VIEWED: "File the candidate attached to an answer",
    Event.EVIDENCE_VIEWED: "Evidence file",
    Event.SEARCH_LOG_RAW_VIEWED: "Search queries and sources",
    Event.FINDING_RAW_VIEWED: "Finding's raw text (auditor)",
    Event.NOTICE_RAW_VIEWED: "Notice to the candidate (auditor)",
    Event.PRODUCTION_CONTENT_OPENED: "Case file for a production bundle",
}


class Subject(NamedTuple):
    """What an event is about: the kind of record and its id, as stored on the chain."""

    type: str
    id: str


class Auditable(Protocol):
    """A record that events can be about (models give their :class:`Subject`)."""

    @property
    def audit_subject(self) -> Subject: ...
