"""Request bodies of the JSON API (pydantic): unknown fields are refused by name."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool
from pydantic.config import JsonDict, JsonValue

from vetting.models import (
    Authorship,
    BehaviourCategory,
    DecisionRule,
    Duty,
    IdentityBasis,
    LinkPurpose,
    MentionResolution,
    Outcome,
    ResolutionStatus,
    ResponseKind,
    Role,
    ValidationMethod,
    ValidationResult,
)
from vetting.models.base import MAX_ID
from vetting.models.candidate import SignatureMethod
from vetting.models.eeo import RaceEthnicity, Sex
from vetting.policy import EXCLUSIVE_ROLES, INCOMPATIBLE_ROLES
from vetting.security.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from vetting.services.techniques import approved
from vetting.services.users import EMAIL_PATTERN

# Constraints the services enforce with their own messages are stated here for the document only
# (``json_schema_extra``), so the OpenAPI document tells the whole truth (issue 14).

#: A code of an approved technique (R5): prohibited and unknown codes are refused by name.
TECHNIQUE_CODES: JsonDict = {"enum": [t.code for t in approved()]}
#: Dates the server checks for sense (from 2000 on; issue 14): years 2000-2999 by pattern, and
#: never in the future, which no schema can say.
SENSIBLE_DATE: JsonDict = {"pattern": "^2[0-9]{3}-"}
#: Text a person must really write: at least 10 characters (the service counts visible ones).
WRITTEN: JsonDict = {"minLength": 10}
#: Role sets :func:`vetting.policy.roles_conflict` refuses: an exclusive role stands alone, and
#: incompatible roles are never held together.
_ALONE: list[JsonValue] = [
    {"if": {"contains": {"const": r.value}}, "then": {"items": {"const": r.value}}} for r in sorted(EXCLUSIVE_ROLES)
]
_APART: list[JsonValue] = [
    {"not": {"allOf": [{"contains": {"const": a.value}}, {"contains": {"const": b.value}}]}}
    for a, b in INCOMPATIBLE_ROLES
]
ROLE_SET: JsonDict = {"allOf": _ALONE + _APART}
#: An auditor's stated reason: 10 visible characters in two or more words, not one repeated character.
STATED_REASON: JsonDict = {"minLength": 10, "pattern": "\\S\\s+\\S"}

#: A row id: ids are 32-bit in both databases.
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
#: A moment with its UTC offset, from 2000 on (a naive time would be ambiguous).
Moment = Annotated[AwareDatetime, Field(gt=datetime(2000, 1, 1).astimezone())]


#: The parts of the consent upload (multipart), as OpenAPI schemas.
CONSENT_PARTS = (
    ("signed_on", {"type": "string", "format": "date", **SENSIBLE_DATE}),
    ("method", {"type": "string", "enum": [m.value for m in SignatureMethod]}),
    ("document", {"type": "string", "format": "binary"}),
)
EVIDENCE_PARTS = (("file", {"type": "string", "format": "binary"}),)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CycleCreate(Body):
    title: str = Field(min_length=1, max_length=200)
    position: str | None = Field(default=None, max_length=200, description="Defaults to the title.")
    checklist_version_id: RowId | None = Field(default=None, description="A published checklist version (R6).")
    blind_review: StrictBool = False
    identity_match_minimum: int = Field(default=3, ge=1, le=8)


class CycleStatusChange(Body):
    status: Literal["open", "closed"]


class AssignmentCreate(Body):
    user_id: RowId
    role: Duty = Field(description="The duty in this cycle: investigator or board_member.")


class UserCreate(Body):
    email: str = Field(min_length=3, max_length=254, json_schema_extra={"pattern": EMAIL_PATTERN})
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(
        min_length=1, max_length=MAX_PASSWORD_LENGTH, json_schema_extra={"minLength": MIN_PASSWORD_LENGTH}
    )
    roles: list[Role] = Field(min_length=1, json_schema_extra=ROLE_SET)


class UserUpdate(Body):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    roles: list[Role] | None = Field(default=None, min_length=1, json_schema_extra=ROLE_SET)
    is_active: StrictBool | None = None


class DesignationPut(Body):
    clearance_date: date = Field(json_schema_extra=SENSIBLE_DATE)
    training_date: date = Field(json_schema_extra=SENSIBLE_DATE)
    acknowledgement_date: date = Field(json_schema_extra=SENSIBLE_DATE)
    review_date: date = Field(json_schema_extra=SENSIBLE_DATE)


class CycleUpdate(Body):
    checklist_version_id: RowId | None = None
    identity_match_minimum: int | None = Field(default=None, ge=1, le=8)


class CandidateCreate(Body):
    name: str = Field(min_length=1, max_length=200)
    aliases: list[str] = Field(default_factory=list, max_length=20)
    handles: list[str] = Field(default_factory=list, max_length=20)
    profile_urls: list[str] = Field(default_factory=list, max_length=20)
    region: str = Field(default="", max_length=200)


class CandidateImport(Body):
    csv: str = Field(
        min_length=1, max_length=1_000_000, description="CSV text: name, aliases, handles, profile_urls, region"
    )


class SearchBody(Body):
    query: str = Field(min_length=1, max_length=500)
    source: str = Field(min_length=1, max_length=200)
    result_count: int = Field(ge=0)
    searched_at: Moment | None = None


class ResolutionBody(Body):
    status: ResolutionStatus
    technique: str = Field(min_length=1, max_length=8, json_schema_extra=TECHNIQUE_CODES)
    attestation: StrictBool
    searches: list[SearchBody] = Field(default_factory=list, max_length=50)
    notes: str = Field(default="", max_length=5000)
    reason: str = Field(default="", max_length=5000)


class FindingBody(Body):
    item_id: RowId
    source_url: str = Field(
        min_length=1,
        max_length=2000,
        json_schema_extra={"format": "uri", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#]+\\.[^\\s]*$"},
    )
    platform: str = Field(min_length=1, max_length=100)
    content_date: date | None = Field(default=None, json_schema_extra=SENSIBLE_DATE)
    captured_at: Moment | None = None
    summary: str = Field(min_length=1, max_length=10_000)
    excerpt: str = Field(min_length=1, max_length=10_000)
    behaviour_category: BehaviourCategory
    authorship: Authorship
    identity_basis: list[IdentityBasis] = Field(min_length=1)


class ValidationBody(Body):
    method: ValidationMethod
    result: ValidationResult
    notes: str = Field(min_length=1, max_length=10_000)


class WithdrawalBody(Body):
    reason: str = Field(
        min_length=15,
        max_length=10_000,
        pattern=r"\S+\s+\S+\s+\S",
        description="Why the finding is withdrawn, in at least three words; sealed, never shown to the board.",
    )


class EvidenceViewBody(Body):
    reason: str = Field(
        default="",
        max_length=2000,
        description="Required for auditors (at least 10 visible characters in two or more words); recorded in the "
        "audit log.",
    )


class ChecklistTemplateCreate(Body):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)


class ChecklistItemCreate(Body):
    title: str = Field(min_length=1, max_length=200)
    source: str = Field(min_length=1, max_length=200)
    technique: str = Field(min_length=1, max_length=8, json_schema_extra=TECHNIQUE_CODES)
    required: StrictBool = True
    guidance: str = Field(default="", max_length=2000)


class MentionResolutionBody(Body):
    resolution: MentionResolution
    reason: str | None = Field(
        default=None,
        max_length=500,
        description="Required for not_protected: why this is not the candidate's protected information.",
    )


class RedactionBody(Body):
    field: Literal["platform", "summary", "excerpt"]
    text: str = Field(min_length=1, max_length=500, description="The exact words; every occurrence is redacted.")


class ReleaseBody(Body):
    revision: int | None = Field(
        default=None, ge=1, description="The revision the reviewer read; 409 revision_changed if it moved on."
    )
    reviewed_sha256: str | None = Field(
        default=None,
        pattern="^[0-9a-f]{64}$",
        description="From GET /findings/{id}/review: 409 review_stale if the text, redactions or decisions changed "
        "since. Without it, the call approves the finding as it stands.",
    )


#: Free text bound for the board's records (screened by the detector in the service).
BoardText = Annotated[str, Field(min_length=1, max_length=5000, json_schema_extra=WRITTEN)]
FindingIds = Annotated[list[RowId], Field(max_length=100)]


class RecommendationBody(Body):
    outcome: Outcome = Field(description="advance, do_not_advance or needs_more_information")
    rationale: BoardText
    finding_ids: FindingIds = Field(description="Released findings relied on; [] states that none was.")


class DecisionBody(Body):
    outcome: Literal["advance", "do_not_advance"]
    rationale: BoardText
    finding_ids: FindingIds = Field(description="Released findings relied on; [] states that none was.")


class QuestionBody(Body):
    finding_id: RowId
    question: BoardText


class AnswerBody(Body):
    answer: BoardText


class ResponseBody(Body):
    kind: ResponseKind = Field(description="response, or dispute (names finding_ids)")
    text: str = Field(min_length=1, max_length=20_000, description="What the candidate wrote or said.")
    received_on: date = Field(json_schema_extra=SENSIBLE_DATE)
    finding_ids: FindingIds = []


class NoticeDeliveryBody(Body):
    delivered_on: date = Field(
        json_schema_extra=SENSIBLE_DATE,
        description="The agency's date the notice was handed over (its issue to today); the window counts from it.",
    )


class DisputeCloseBody(Body):
    notes: BoardText


class BoardRulesBody(Body):
    # The chair rule needs a chair (the service names chair_user_id when it is missing).
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"decision_rule": {"const": "chair"}}},
            "then": {"required": ["chair_user_id"], "properties": {"chair_user_id": {"type": "integer"}}},
        }
    )

    decision_rule: DecisionRule
    decision_quorum: int = Field(ge=1, le=50)
    chair_user_id: RowId | None = None
    response_days: int = Field(default=5, ge=5, le=60, description="Business days; never fewer than 5.")
    fcra_mode: StrictBool = False
    cra_name: str = Field(default="", max_length=200)
    cra_address: str = Field(default="", max_length=500)
    cra_phone: str = Field(default="", max_length=40)


class HolidayBody(Body):
    day: date = Field(description="Within five years either side of today.", json_schema_extra=SENSIBLE_DATE)
    name: str = Field(min_length=1, max_length=200)


class ReasonBody(Body):
    reason: str = Field(
        min_length=1,
        max_length=2000,
        description="Why raw content is opened; recorded in the audit log.",
        json_schema_extra=STATED_REASON,
    )


class SelfIdentificationBody(Body):
    token: str = Field(min_length=1, max_length=100, description="From the candidate's one-time link.")
    sex: str = Field(description="female, male or declined", json_schema_extra={"enum": [s.value for s in Sex]})
    race_ethnicity: str = Field(
        description="hispanic_latino, white, black, asian, pacific_islander, american_indian, two_or_more or declined",
        json_schema_extra={"enum": [r.value for r in RaceEthnicity]},
    )


class CandidateLinkBody(Body):
    purpose: str = Field(
        description="consent, notice, response or self_identification",
        json_schema_extra={"enum": [p.value for p in LinkPurpose]},
    )
    email: str | None = Field(
        default=None,
        max_length=254,
        description='Sets the candidate\'s address (sealed) before the link is mailed; "" clears it.',
    )


class CandidateEmailBody(Body):
    email: str = Field(max_length=254, description='The candidate\'s address (sealed); "" clears it.')
