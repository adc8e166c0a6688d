"""Flask-WTF forms: CSRF on every form, field-level messages."""

from __future__ import annotations

from enum import StrEnum

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from vetting.models import (
    DECISION_OUTCOMES,
    Authorship,
    BehaviourCategory,
    DecisionRule,
    Duty,
    IdentityBasis,
    LinkPurpose,
    MentionResolution,
    Outcome,
    RaceEthnicity,
    ResolutionStatus,
    ResponseKind,
    Role,
    Sex,
    SignatureMethod,
    ValidationMethod,
    ValidationResult,
)
from vetting.security.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from vetting.services import holds


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes (accessible: one label per box, fieldset in the template)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def enum_choices(enum: type[StrEnum]) -> list[SelectChoice]:
    """Options for a field whose values are an enum's values, labelled by its ``label``."""
    return [SelectChoice(member.value, member.label) for member in enum]  # type: ignore[attr-defined]


ROLE_CHOICES = enum_choices(Role)


class LoginForm(FlaskForm):
    email = EmailField(
        "Email address", validators=[DataRequired(), Length(max=254)], render_kw={"autocomplete": "username"}
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Continue")


class CodeForm(FlaskForm):
    code = StringField(
        "Code",
        validators=[DataRequired(message="Enter the code."), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"},
    )
    submit = SubmitField("Verify")


class ActionForm(FlaskForm):
    """A button that changes state: it carries only the CSRF token."""

    submit = SubmitField("Confirm")


class UserCreateForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Email address", validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        "Initial password",
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
        description=f"At least {MIN_PASSWORD_LENGTH} characters. The user enrols a second factor at first sign-in.",
    )
    roles = MultiCheckboxField(
        "Roles", choices=ROLE_CHOICES, validators=[DataRequired(message="Choose at least one role.")]
    )
    submit = SubmitField("Create account")


class UserRolesForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    roles = MultiCheckboxField(
        "Roles", choices=ROLE_CHOICES, validators=[DataRequired(message="Choose at least one role.")]
    )
    submit = SubmitField("Save changes")


class DesignationForm(FlaskForm):
    clearance_date = DateField("Background clearance date", validators=[DataRequired()])
    training_date = DateField("Training completed on", validators=[DataRequired()])
    acknowledgement_date = DateField("Confidentiality acknowledgement signed on", validators=[DataRequired()])
    review_date = DateField("Next review due by", validators=[DataRequired()])
    submit = SubmitField("Record designation")


class CycleForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    position = StringField("Position", validators=[DataRequired(), Length(max=200)])
    blind_review = BooleanField("Blind review: the board sees candidates by code, not by name")
    # The majority rule works as soon as the board is assigned; the chair rule also needs a chair
    # named afterwards, so it is not the default (issue 18).
    decision_rule = RadioField(
        "Who records the board's decision",
        choices=enum_choices(DecisionRule),
        default=DecisionRule.MAJORITY.value,
        validators=[DataRequired()],
        description="With “The chair decides”, name the chair on the cycle's page once the board is assigned.",
    )
    submit = SubmitField("Create cycle")


class AssignmentForm(FlaskForm):
    user_id = SelectField("Person", coerce=int, validators=[DataRequired()])
    duty = SelectField(
        "Duty in this cycle",
        choices=enum_choices(Duty),
        validators=[DataRequired()],
    )
    submit = SubmitField("Assign")


class StatusForm(FlaskForm):
    status = HiddenField(validators=[DataRequired(), Regexp("^(open|closed)$")])
    submit = SubmitField("Change status")


# --- investigation ---------------------------------------------------------------------


class CandidateForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    aliases = StringField(
        "Other names", description="Maiden names, nicknames; separate with ;", validators=[Length(max=2000)]
    )
    handles = StringField(
        "Handles the candidate listed", description="For example @jdoe; separate with ;", validators=[Length(max=2000)]
    )
    profile_urls = StringField(
        "Profile addresses the candidate listed",
        description="Full https:// addresses; separate with ;",
        validators=[Length(max=4000)],
    )
    region = StringField("City or region", validators=[Length(max=200)])
    submit = SubmitField("Add candidate")


class CandidateImportForm(FlaskForm):
    file = FileField(
        "CSV file",
        description="Header: name, aliases, handles, profile_urls, region (lists separated by ;). "
        "One bad row imports nothing.",
    )
    submit = SubmitField("Import")


class ConsentForm(FlaskForm):
    signed_on = DateField("Date signed", validators=[DataRequired()])
    method = SelectField(
        "How it was signed",
        choices=enum_choices(SignatureMethod),
        validators=[DataRequired()],
    )
    document = FileField("Signed form (PDF, PNG or JPEG)")
    submit = SubmitField("Record consent")


class SearchRowForm(Form):
    query = StringField("Query as typed", validators=[Optional(), Length(max=500)])
    source = StringField("Where (search engine, site, records portal)", validators=[Optional(), Length(max=200)])
    result_count = IntegerField("Results", validators=[Optional(), NumberRange(min=0)])


class ResolveForm(FlaskForm):
    status = RadioField(
        "Outcome", choices=enum_choices(ResolutionStatus), validators=[DataRequired(message="Choose the outcome.")]
    )
    technique = SelectField("Technique used", validators=[DataRequired()])
    searches = FieldList(FormField(SearchRowForm), min_entries=3, max_entries=10)
    reason = TextAreaField("Why it could not be completed", validators=[Length(max=5000)])
    notes = TextAreaField("Notes", validators=[Length(max=5000)])
    attestation = BooleanField("I attest")
    submit = SubmitField("Save resolution")


class FindingForm(FlaskForm):
    item_id = SelectField("Checklist item", coerce=int, validators=[DataRequired()])
    source_url = StringField("Source address", validators=[DataRequired(), Length(max=2000)])
    platform = StringField("Platform or site", validators=[DataRequired(), Length(max=100)])
    content_date = DateField("Date of the content", validators=[Optional()])
    summary = TextAreaField("Summary in your words", validators=[DataRequired(), Length(max=10000)])
    excerpt = TextAreaField("Verbatim excerpt", validators=[DataRequired(), Length(max=10000)])
    # No category is preselected: the investigator chooses one on purpose (issue 18).
    category = SelectField(
        "Behaviour category",
        choices=[SelectChoice("", "Choose…"), *enum_choices(BehaviourCategory)],
        validators=[DataRequired(message="Choose the behaviour category.")],
    )
    authorship = RadioField("Candidate's part", choices=enum_choices(Authorship), validators=[DataRequired()])
    identity_basis = MultiCheckboxField("What ties it to the candidate", choices=enum_choices(IdentityBasis))
    submit = SubmitField("Save finding")


class EvidenceForm(FlaskForm):
    file = FileField("Screenshot, PDF or page archive")
    submit = SubmitField("Upload")


class ValidationForm(FlaskForm):
    method = SelectField("Method", choices=enum_choices(ValidationMethod), validators=[DataRequired()])
    result = RadioField(
        "Result",
        choices=enum_choices(ValidationResult),
        validators=[DataRequired()],
    )
    notes = TextAreaField("What you checked and what it showed", validators=[DataRequired(), Length(max=10000)])
    submit = SubmitField("Add validation step")


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        "Why you need to open this file",
        validators=[DataRequired(), Length(min=10, max=2000)],
        description="Recorded in the audit log with your name.",
    )
    submit = SubmitField("Open the file")


class FindingReasonForm(ReasonForm):
    reason = TextAreaField(
        "Why you need the finding's raw text",
        validators=[DataRequired(), Length(min=10, max=2000)],
        description="Recorded in the audit log with your name, in clear: give the purpose (a review or "
        "complaint number), not details about the candidate.",
    )
    submit = SubmitField("Open the raw finding")


class NoticeReasonForm(ReasonForm):
    reason = TextAreaField(
        "Why you need to open this notice",
        validators=[DataRequired(), Length(min=10, max=2000)],
        description="Recorded in the audit log with your name, in clear: give the purpose (a review or "
        "complaint number), not details about the candidate.",
    )
    submit = SubmitField("Open the notice (PDF)")


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        "Why the finding is withdrawn",
        validators=[DataRequired(), Length(min=15, max=10000)],
        description="At least three words. Sealed with the candidate's record; the board never reads it.",
    )
    confirm = BooleanField(
        "I understand that a withdrawn finding never reaches the board and that this cannot be undone",
        validators=[DataRequired()],
    )
    submit = SubmitField("Withdraw this finding")


class SearchLogReasonForm(ReasonForm):
    reason = TextAreaField(
        "Why you need the queries and sources",
        validators=[DataRequired(), Length(min=10, max=2000)],
        description="Recorded in the audit log with your name, in clear: give the purpose (a review or "
        "complaint number), not details about the candidate.",
    )
    submit = SubmitField("Show queries and sources")


class SelfIdentificationForm(FlaskForm):
    """The candidate's voluntary form: every question has a "do not wish to answer" choice."""

    sex = RadioField("Sex", choices=enum_choices(Sex), validators=[DataRequired()])
    race_ethnicity = RadioField("Race and ethnicity", choices=enum_choices(RaceEthnicity), validators=[DataRequired()])
    submit = SubmitField("Send my answers")


# --- checklists ------------------------------------------------------------------------


class TemplateForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Length(max=2000)])
    submit = SubmitField("Create template")


class DraftItemForm(FlaskForm):
    title = StringField("What to search", validators=[DataRequired(), Length(max=200)])
    source = StringField("Where to search", validators=[DataRequired(), Length(max=200)])
    technique = SelectField("Approved technique", validators=[DataRequired()])
    required = BooleanField("Required", default=True)
    guidance = TextAreaField("Guidance for investigators", validators=[Length(max=2000)])
    submit = SubmitField("Add item")


class CycleChecklistForm(FlaskForm):
    checklist_version_id = SelectField("Published checklist version", coerce=int, validators=[DataRequired()])
    identity_match_minimum = IntegerField(
        "Identity-match minimum",
        default=3,
        validators=[DataRequired(), NumberRange(min=1, max=8)],
        description="How many identifiers must tie a finding to the candidate.",
    )
    submit = SubmitField("Save")


class MentionForm(FlaskForm):
    """One detector mention: the buttons post ``resolution``; a reason for not_protected (R3)."""

    resolution = RadioField("Resolution", choices=enum_choices(MentionResolution), validators=[DataRequired()])
    reason = StringField(
        "Why it is not the candidate's protected information",
        validators=[Optional(), Length(max=500)],
        description="Needed for “Not protected”; e.g. reported conduct toward a group (lane B).",
    )


class RedactionForm(FlaskForm):
    field = SelectField(
        "Field",
        choices=[
            SelectChoice("summary", "Summary"),
            SelectChoice("excerpt", "Excerpt"),
            SelectChoice("platform", "Platform"),
        ],
        validators=[DataRequired()],
    )
    text = StringField(
        "Words to redact",
        validators=[DataRequired(), Length(max=500)],
        description="Exactly as they appear; every occurrence in the field is redacted.",
    )
    submit = SubmitField("Redact these words")


class ReleaseForm(FlaskForm):
    revision = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9]{1,9}$")])
    reviewed_sha256 = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{64}$")])
    submit = SubmitField("Approve and release to the board")


# --- the board ---------------------------------------------------------------------------


class _ReliesOnForm(FlaskForm):
    """Cite released findings, or state that none was relied on (never silence)."""

    rationale = TextAreaField(
        "Rationale",
        validators=[DataRequired(), Length(min=10, max=5000)],
        description="Job-related reasons only. Words about protected characteristics are refused, with the reason.",
    )
    finding_ids = MultiCheckboxField("Findings relied on", coerce=int, choices=[])
    no_finding = BooleanField("No finding was relied on")

    def validate_no_finding(self, field: BooleanField) -> None:
        if bool(self.finding_ids.data) == bool(field.data):
            raise ValidationError(
                "Tick the findings you relied on, or \u201cNo finding was relied on\u201d (not both)."
            )


class RecommendationForm(_ReliesOnForm):
    outcome = RadioField("Your recommendation", choices=enum_choices(Outcome), validators=[DataRequired()])
    submit = SubmitField("Record my recommendation")


class DecisionForm(_ReliesOnForm):
    outcome = RadioField(
        "The board's decision",
        choices=[SelectChoice(o.value, o.label) for o in DECISION_OUTCOMES],
        validators=[DataRequired()],
    )
    submit = SubmitField("Record the decision")


class QuestionForm(FlaskForm):
    finding_id = SelectField("About finding", coerce=int, choices=[], validators=[DataRequired()])
    question = TextAreaField("Your question", validators=[DataRequired(), Length(min=10, max=5000)])
    submit = SubmitField("Ask the investigators")


class AnswerForm(FlaskForm):
    answer = TextAreaField(
        "Answer for the board",
        validators=[DataRequired(), Length(min=10, max=5000)],
        description="Screened like a finding: protected-class words are refused. A second investigator approves it.",
    )
    submit = SubmitField("Save answer")


class ResponseForm(FlaskForm):
    kind = RadioField(
        "What the candidate sent",
        choices=[
            SelectChoice(ResponseKind.RESPONSE.value, "A response or explanation"),
            SelectChoice(ResponseKind.DISPUTE.value, "A dispute: findings are wrong or not about them"),
        ],
        validators=[DataRequired()],
    )
    received_on = DateField("Received on", validators=[DataRequired()])
    text = TextAreaField("What the candidate wrote or said", validators=[DataRequired(), Length(max=20000)])
    finding_ids = MultiCheckboxField("Disputed findings", coerce=int, choices=[])
    submit = SubmitField("Record the candidate's answer")


class DisputeCloseForm(FlaskForm):
    notes = TextAreaField("What re-validation showed", validators=[DataRequired(), Length(min=10, max=5000)])
    submit = SubmitField("Close the dispute")


class NoticeDeliveryForm(FlaskForm):
    """Staff record that they handed a notice over (its window starts that day, issue 16 point 3)."""

    delivered_on = DateField("Handed to the candidate on", validators=[DataRequired()])
    #: Which page to go back to (the board's or the investigators'); never an address.
    back = HiddenField(validators=[Optional()])
    submit = SubmitField("Record delivery by hand")


class BoardRulesForm(FlaskForm):
    decision_rule = RadioField(
        "Who records the decision", choices=enum_choices(DecisionRule), validators=[DataRequired()]
    )
    decision_quorum = IntegerField(
        "Recommendations needed before a decision", validators=[DataRequired(), NumberRange(min=1, max=50)]
    )
    chair_user_id = SelectField("Chair", coerce=int, choices=[])
    response_days = IntegerField(
        "Candidate's response window (business days)",
        validators=[DataRequired(), NumberRange(min=5, max=60, message="Between 5 and 60 business days.")],
    )
    fcra_mode = BooleanField("Findings come from a consumer reporting agency (FCRA notices)")
    cra_name = StringField("Agency name", validators=[Optional(), Length(max=200)])
    cra_address = StringField("Agency address", validators=[Optional(), Length(max=500)])
    cra_phone = StringField("Agency telephone", validators=[Optional(), Length(max=40)])
    submit = SubmitField("Save board rules")


class HolidayForm(FlaskForm):
    day = DateField("Date", validators=[DataRequired()])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Add holiday")


class TokenForm(FlaskForm):
    """A new API token of one's own (issue 14): a name and a lifetime; the service checks both again."""

    name = StringField(
        "Name",
        description="What the token is for, so you can tell your tokens apart (e.g. “nightly export”).",
        validators=[DataRequired(message="Give the token a name."), Length(max=100)],
    )
    days = IntegerField(
        "Lifetime (days)",
        description="The token stops working after this many days (1 to 365).",
        validators=[DataRequired(), NumberRange(min=1, max=365, message="Between 1 and 365 days.")],
    )
    submit = SubmitField("Create token")


# --- the candidate's pages (no account; issue 16) ----------------------------------------------

#: As services.candidate_links.MAX_SIGNED_NAME.
MAX_SIGNED_NAME = 200


class CandidateSignForm(FlaskForm):
    form_sha256 = HiddenField()
    agree = BooleanField("I have read the disclosure and I authorize this")
    name = StringField(
        "Your full name",
        description="Typing your name and pressing “Sign” is your signature.",
        validators=[DataRequired(message="Type your full name to sign."), Length(max=MAX_SIGNED_NAME)],
        render_kw={"autocomplete": "name"},
    )
    submit = SubmitField("Sign")


class CandidateAnswerForm(FlaskForm):
    kind = RadioField(
        "What are you sending?",
        choices=[
            SelectChoice(ResponseKind.RESPONSE.value, "A statement or explanation"),
            SelectChoice(ResponseKind.DISPUTE.value, "A dispute: some findings are wrong or not about me"),
        ],
        validators=[DataRequired(message="Choose what you are sending.")],
    )
    finding_ids = MultiCheckboxField("If you dispute findings, which ones?", coerce=int, choices=[])
    text = TextAreaField(
        "Your statement",
        validators=[DataRequired(message="Write your statement."), Length(max=20000)],
    )
    #: Rendered by hand (several files); here so that a refusal is shown beside it.
    attachments = MultipleFileField("Attach documents (optional)")
    submit = SubmitField("Send my answer")


class CandidateLinkForm(FlaskForm):
    """Staff send the candidate a single-purpose link (issue 16)."""

    purpose = SelectField(
        "Link for",
        choices=[
            SelectChoice(LinkPurpose.CONSENT.value, "Signing the disclosure and authorization"),
            SelectChoice(LinkPurpose.NOTICE.value, "Reading the latest notice"),
            SelectChoice(LinkPurpose.RESPONSE.value, "Answering the pre-decision notice"),
        ],
        validators=[DataRequired()],
    )
    email = EmailField(
        "Candidate's e-mail address",
        description="Kept encrypted. Leave empty to use the address on file; with none, the link is shown to you once.",
        validators=[Optional(), Length(max=254)],
    )
    submit = SubmitField("Send the link")


# --- legal holds (issue 15 point 2) -----------------------------------------------------------


def _ids(text: str | None) -> list[int]:
    """ "12, 15 17" as ids; anything else is refused by the field's validator."""
    parts = (text or "").replace(",", " ").split()
    if not all(p.isascii() and p.isdigit() for p in parts):
        raise ValueError("Give candidate ids as whole numbers separated by commas or spaces.")
    return [int(p) for p in parts]


class HoldForm(FlaskForm):
    matter = StringField(
        "Matter", validators=[DataRequired(), Length(max=holds.MAX_MATTER)], description="For example “Doe v. City”."
    )
    reference = StringField(
        "Reference",
        validators=[DataRequired(), Length(max=holds.MAX_REFERENCE)],
        description="The docket, charge or claim number.",
    )
    reason = TextAreaField(
        "Why the records are held",
        validators=[DataRequired(), Length(min=holds.MIN_REASON, max=holds.MAX_TEXT)],
        description="What triggered the hold: a charge filed, a claim letter, a records dispute (RET-03).",
    )
    review_by = DateField(
        "Review by", validators=[Optional()], description="Optional: when to ask whether the hold is still needed."
    )
    cycle_ids = MultiCheckboxField("Whole cycles", coerce=int, validators=[Optional()])
    candidate_ids = StringField(
        "Single candidates",
        validators=[Optional(), Length(max=2000)],
        description="Candidate ids, separated by commas (the number in the candidate's page address).",
    )
    position = SelectField(
        "Position", default="", description="Every candidate added for it between the dates below, in every cycle."
    )
    from_date = DateField("Candidates added from", validators=[Optional()])
    to_date = DateField("Candidates added until", validators=[Optional()], description="Leave empty for no end.")
    submit = SubmitField("Place the hold")

    def validate_candidate_ids(self, field: StringField) -> None:
        try:
            _ids(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from error

    def validate(self, extra_validators: dict[str, list[object]] | None = None) -> bool:
        # Across fields, after each field's own checks (an empty optional date stops its own chain).
        valid: bool = super().validate(extra_validators)
        if self.position.data and self.from_date.data is None and not self.from_date.errors:
            self.from_date.errors = [*self.from_date.errors, "Give the first day of the range for the position."]
            valid = False
        if not self.position.data and (self.from_date.data is not None or self.to_date.data is not None):
            # Dates alone hold nobody: say so rather than place a hold without them.
            self.position.errors = [*self.position.errors, "Choose the position these dates are for."]
            valid = False
        return valid

    def hold_input(self) -> holds.HoldInput:
        positions = []
        if self.position.data and self.from_date.data is not None:
            positions.append(holds.PositionScope(self.position.data, self.from_date.data, self.to_date.data))
        return holds.HoldInput(
            matter=self.matter.data or "",
            reference=self.reference.data or "",
            reason=self.reason.data or "",
            review_by=self.review_by.data,
            cycle_ids=list(self.cycle_ids.data or []),
            candidate_ids=_ids(self.candidate_ids.data),
            positions=positions,
        )


class HoldReleaseForm(FlaskForm):
    reason = TextAreaField(
        "The matter's final disposition",
        validators=[DataRequired(), Length(min=holds.MIN_REASON, max=holds.MAX_TEXT)],
        description="Why the records need no longer be kept for this matter (judgment, settlement, dismissal).",
    )
    submit = SubmitField("Yes, release the hold")
