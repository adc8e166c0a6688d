"""The investigator's pages: candidates, consent, checklist, findings, evidence, validation, mentions."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from vetting import policy
from vetting.http.access import requires, signed_in
from vetting.http.args import page_args
from vetting.http.documents import attachment, consent_form_response
from vetting.http.runtime import runtime, transaction
from vetting.http.uploads import accepts_upload
from vetting.models import (
    SCREENED_FIELDS,
    Authorship,
    BehaviourCategory,
    Finding,
    IdentityBasis,
    MentionResolution,
    ResolutionStatus,
    ResponseKind,
    SignatureMethod,
    ValidationMethod,
    ValidationResult,
)
from vetting.policy import Action
from vetting.services import candidate_file, candidates, findings, investigation, notices, redaction, techniques
from vetting.services.fields import split_list
from vetting.services.findings import MAX_EVIDENCE_BYTES, FindingInput
from vetting.services.investigation import (
    ATTESTATION_TEXT,
    MAX_DOCUMENT_BYTES,
    ChecklistItem,
    ResolutionInput,
    SearchInput,
)
from vetting.web.confirm import Confirmation, confirmation_page, confirmed
from vetting.web.formrun import FormFailed, field_at, submit
from vetting.web.forms import (
    ActionForm,
    AnswerForm,
    CandidateForm,
    CandidateImportForm,
    CandidateLinkForm,
    ConsentForm,
    DisputeCloseForm,
    EvidenceForm,
    FindingForm,
    MentionForm,
    ReasonForm,
    RedactionForm,
    ResolveForm,
    ResponseForm,
    ValidationForm,
    WithdrawForm,
)

bp = Blueprint("work", __name__)


@bp.get("/techniques")
@signed_in
def technique_catalogue() -> ResponseReturnValue:
    return render_template("work/techniques.html", approved=techniques.approved(), prohibited=techniques.prohibited())


# --- candidates of a cycle ---------------------------------------------------------------


def _cycle_page(
    cycle_id: int, form: CandidateForm | None = None, import_form: CandidateImportForm | None = None, status: int = 200
) -> ResponseReturnValue:
    listing = page_args()
    with transaction() as session:
        page = candidates.cycle_page(session, current_user, runtime().security, cycle_id, listing)
    return render_template(
        "work/cycle.html",
        cycle=page.cycle,
        candidates=page.candidates,
        form=form or CandidateForm(),
        import_form=import_form or CandidateImportForm(),
    ), status


@bp.get("/cycles/<int:cycle_id>/candidates")
@requires(Action.CANDIDATES_MANAGE)
def cycle_candidates(cycle_id: int) -> ResponseReturnValue:
    return _cycle_page(cycle_id)


@bp.post("/cycles/<int:cycle_id>/candidates")
@requires(Action.CANDIDATES_MANAGE)
def candidate_add(cycle_id: int) -> ResponseReturnValue:
    form = CandidateForm()

    def add(session: Session) -> tuple[int, str, bool]:
        candidate = candidates.add_candidate(
            session,
            current_user,
            runtime().security,
            cycle_id,
            candidates.CandidateInput(
                form.name.data or "",
                split_list(form.aliases.data),
                split_list(form.handles.data),
                split_list(form.profile_urls.data),
                form.region.data or "",
            ),
        )
        return candidate.id, candidate.code, policy.can(current_user, Action.INVESTIGATE, candidate.cycle)

    try:
        candidate_id, code, can_open = submit(form, add)
    except FormFailed as failed:
        return _cycle_page(cycle_id, form=form, status=failed.status)
    if can_open:
        # A link to the new candidate: their page is where consent is recorded next (issue 18).
        message = Markup(
            'Candidate {} added. <a href="{}">Open {}</a> to record their signed consent before any search.'
        ).format(code, url_for("work.candidate", candidate_id=candidate_id), code)
    else:
        message = Markup("Candidate {} added. An investigator of the cycle records their signed consent.").format(code)
    flash(message, "success")
    return redirect(url_for("work.cycle_candidates", cycle_id=cycle_id))


@bp.post("/cycles/<int:cycle_id>/candidates/import")
@requires(Action.CANDIDATES_MANAGE)
@accepts_upload(candidates.MAX_IMPORT_BYTES)
def candidate_import(cycle_id: int) -> ResponseReturnValue:
    form = CandidateImportForm()
    upload = request.files.get("file")
    text = upload.read().decode("utf-8", errors="replace") if upload else ""
    try:
        rows = submit(form, lambda s: candidates.import_csv(s, current_user, runtime().security, cycle_id, text))
    except FormFailed as failed:
        return _cycle_page(cycle_id, import_form=form, status=failed.status)
    flash(f"{len(rows)} candidates imported.", "success")
    return redirect(url_for("work.cycle_candidates", cycle_id=cycle_id))


# --- one candidate ---------------------------------------------------------------------------


def _resolve_form(prefix: str) -> ResolveForm:
    form = ResolveForm(prefix=prefix)
    form.technique.choices = [SelectChoice(t.code, f"{t.code} · {t.name}") for t in techniques.approved()]
    return form


def board_forms_for(board: notices.InvestigatorView) -> dict[str, FlaskForm]:
    """Empty forms for the board side of the candidate page, keyed as the template expects."""
    forms: dict[str, FlaskForm] = {}
    for q in board.questions:
        if q.approved_at is None:
            forms[f"q{q.id}"] = AnswerForm(prefix=f"q{q.id}", formdata=None, data={"answer": q.answer or ""})
    if board.state.proposal is not None:
        response = ResponseForm(formdata=None)
        response.finding_ids.choices = [(f, f"Finding {f}") for f in board.state.proposal.finding_ids]
        forms["response"] = response
    for r in board.state.responses:
        if r.kind is ResponseKind.DISPUTE and r.closed_at is None:
            forms[f"d{r.id}"] = DisputeCloseForm(prefix=f"d{r.id}", formdata=None)
    return forms


def candidate_page(
    candidate_id: int,
    *,
    status: int = 200,
    consent_form: ConsentForm | None = None,
    failed_item: int | None = None,
    failed_form: ResolveForm | None = None,
    added_row: bool = False,
    error: str | None = None,
    board_forms: dict[str, FlaskForm] | None = None,
) -> ResponseReturnValue:
    security = runtime().security
    with transaction() as session:
        file = candidate_file.open_file(session, current_user, security, candidate_id)
    resolve_forms = {}
    for view in file.items:
        if view.item.id == failed_item and failed_form is not None:
            resolve_forms[view.item.id] = failed_form
            continue
        form = _resolve_form(f"item{view.item.id}")
        form.technique.data = view.technique_code or view.item.technique_code
        if view.status:
            form.status.data = view.status.value
        resolve_forms[view.item.id] = form
    return render_template(
        "work/candidate.html",
        candidate=file.candidate,
        summary=file.summary,
        profile=file.profile,
        items=file.items,
        findings=file.findings,
        consent_form=consent_form or ConsentForm(),
        resolve_forms=resolve_forms,
        failed_item=failed_item,
        added_row=added_row,
        action_form=ActionForm(),
        attestation_text=ATTESTATION_TEXT,
        unable_label=ResolutionStatus.UNABLE.label,
        techniques={t.code: t for t in techniques.catalogue()},
        page_error=error,
        board=file.board,
        held_by=file.held_by,
        board_forms=board_forms_for(file.board) | (board_forms or {}),
        link_form=CandidateLinkForm(formdata=None),
    ), status


@bp.get("/candidates/<int:candidate_id>")
@requires(Action.INVESTIGATE)
def candidate(candidate_id: int) -> ResponseReturnValue:
    return candidate_page(candidate_id)


@bp.get("/candidates/<int:candidate_id>/consent-form.pdf")
@requires(Action.INVESTIGATE)
def consent_form_pdf(candidate_id: int) -> ResponseReturnValue:
    return consent_form_response(candidate_id)


@bp.post("/candidates/<int:candidate_id>/consent")
@requires(Action.INVESTIGATE)
@accepts_upload(MAX_DOCUMENT_BYTES)
def consent_record(candidate_id: int) -> ResponseReturnValue:
    form = ConsentForm()
    upload = request.files.get("document")
    rt = runtime()
    try:
        submit(
            form,
            lambda s: investigation.record_consent(
                s,
                current_user,
                rt.security,
                rt.store,
                candidate_id,
                signed_on=form.signed_on.data or date.min,
                method=SignatureMethod(form.method.data),
                document=upload.read() if upload else b"",
            ),
        )
    except FormFailed as failed:
        return candidate_page(candidate_id, status=failed.status, consent_form=form)
    flash("Consent recorded. The checklist is open.", "success")
    return redirect(url_for("work.candidate", candidate_id=candidate_id, _anchor="checklist"))


@bp.get("/candidates/<int:candidate_id>/consent/document")
@requires(Action.INVESTIGATE)
def consent_document(candidate_id: int) -> ResponseReturnValue:
    rt = runtime()
    with transaction() as session:
        content, content_type = investigation.consent_document(
            session, current_user, rt.security, rt.store, candidate_id
        )
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[content_type]
    return attachment(f"signed-consent-{candidate_id}.{extension}", content)


def _show_all(form: ResolveForm, error: BaseException | None) -> None:
    """Put every problem the service found beside its field, not only the first (issue 18)."""
    if not isinstance(error, investigation.ResolutionRefused):
        return
    for problem in error.problems:
        field = field_at(form, problem.field) if problem.field else None
        if field is None:
            if problem.message not in form.form_errors:
                form.form_errors.append(problem.message)
        elif problem.message not in field.errors:
            field.errors = [*field.errors, problem.message]


@bp.post("/candidates/<int:candidate_id>/checklist/<int:item_id>")
@requires(Action.INVESTIGATE)
def item_resolve(candidate_id: int, item_id: int) -> ResponseReturnValue:
    form = _resolve_form(f"item{item_id}")
    if request.form.get("add_row"):
        # Without script, "Add another search" posts the form: shown again, one row longer, nothing saved.
        if len(form.searches) < form.searches.max_entries:
            form.searches.append_entry()
        return candidate_page(candidate_id, failed_item=item_id, failed_form=form, added_row=True)
    searches = [
        SearchInput(row.query.data or "", row.source.data or "", row.result_count.data or 0)
        for row in form.searches
        if (row.query.data or "").strip() or (row.source.data or "").strip()
    ]
    try:
        submit(
            form,
            lambda s: investigation.resolve_item(
                s,
                current_user,
                runtime().security,
                candidate_id,
                item_id,
                ResolutionInput(
                    status=ResolutionStatus(form.status.data),
                    technique_code=form.technique.data or "",
                    attestation=bool(form.attestation.data),
                    searches=searches,
                    notes=form.notes.data or "",
                    reason=form.reason.data or "",
                ),
            ),
        )
    except FormFailed as failed:
        _show_all(form, failed.__cause__)
        return candidate_page(candidate_id, status=failed.status, failed_item=item_id, failed_form=form)
    flash("Item resolved and searches logged.", "success")
    return redirect(url_for("work.candidate", candidate_id=candidate_id, _anchor=f"item-{item_id}"))


def _closing_confirmation(candidate_id: int) -> Confirmation:
    with transaction() as session:
        state = candidates.search_closing(session, current_user, candidate_id)
    blockers = []
    if state.completed:
        blockers.append("The search is already closed.")
    elif not state.consented:
        blockers.append("The candidate's signed consent is not recorded yet.")
    if state.open_items:
        blockers.append("Checklist items not resolved yet: " + "; ".join(state.open_items) + ".")
    if state.unsettled:
        blockers.append(
            "Release or withdraw "
            + ", ".join(f"finding {f}" for f in state.unsettled)
            + ": every finding must be released to the board or withdrawn."
        )
    back = url_for("work.candidate", candidate_id=candidate_id)
    return Confirmation(
        title=f"Close the search for {state.code}?",
        action=url_for("work.search_complete", candidate_id=candidate_id),
        yes_label="Yes, close the search",
        cancel_url=back,
        cancel_label=state.code,
        happens=[
            "The checklist and the search log are frozen: no more searches, resolutions or findings.",
            "The board can read this candidate's released findings and start recommending (R1).",
        ],
        undo="This cannot be undone: a closed search cannot be reopened.",
        blockers=blockers,
    )


@bp.get("/candidates/<int:candidate_id>/complete")
@requires(Action.INVESTIGATE)
def search_complete_confirm(candidate_id: int) -> ResponseReturnValue:
    return confirmation_page(_closing_confirmation(candidate_id))


@bp.post("/candidates/<int:candidate_id>/complete")
@requires(Action.INVESTIGATE)
def search_complete(candidate_id: int) -> ResponseReturnValue:
    if not confirmed():
        return confirmation_page(_closing_confirmation(candidate_id))
    try:
        submit(ActionForm(), lambda s: investigation.complete_search(s, current_user, candidate_id))
    except FormFailed as failed:
        return candidate_page(candidate_id, status=failed.status, error=failed.message)
    flash("Search closed: every checklist item is resolved.", "success")
    return redirect(url_for("work.candidate", candidate_id=candidate_id))


# --- findings ------------------------------------------------------------------------------------


def _finding_form(items: list[ChecklistItem], *, obj: findings.FindingView | None = None) -> FindingForm:
    form = FindingForm(
        data={
            "item_id": obj.item_id,
            "source_url": obj.source_url,
            "platform": obj.platform,
            "content_date": obj.content_date,
            "summary": obj.summary,
            "excerpt": obj.excerpt,
            "category": obj.category.value,
            "authorship": obj.authorship.value,
            "identity_basis": [b.value for b in obj.identity_basis],
        }
        if obj and request.method == "GET"
        else None
    )
    _with_items(form, items)
    return form


def _with_items(form: FindingForm, items: list[ChecklistItem]) -> None:
    form.item_id.choices = [SelectChoice(i.id, f"{i.position}. {i.title}") for i in items]


def _finding_input(form: FindingForm) -> FindingInput:
    return FindingInput(
        item_id=form.item_id.data,
        source_url=form.source_url.data or "",
        platform=form.platform.data or "",
        content_date=form.content_date.data,
        captured_at=None,
        summary=form.summary.data or "",
        excerpt=form.excerpt.data or "",
        category=BehaviourCategory(form.category.data),
        authorship=Authorship(form.authorship.data),
        identity_basis=[IdentityBasis(b) for b in form.identity_basis.data or []],
    )


@bp.route("/candidates/<int:candidate_id>/findings/new", methods=["GET", "POST"])
@requires(Action.INVESTIGATE)
def finding_new(candidate_id: int) -> ResponseReturnValue:
    if request.method == "GET":
        with transaction() as session:
            form = _finding_form(investigation.items_of(session, current_user, candidate_id))
        if (item := request.args.get("item", type=int)) is not None:
            form.item_id.data = item
        return render_template("work/finding_form.html", form=form, candidate_id=candidate_id, finding=None)
    form = FindingForm()
    try:
        finding = submit(
            form,
            lambda s: findings.add_finding(s, current_user, runtime().security, candidate_id, _finding_input(form)),
            lambda s: _with_items(form, investigation.items_of(s, current_user, candidate_id)),
        )
    except FormFailed as failed:
        return render_template(
            "work/finding_form.html", form=form, candidate_id=candidate_id, finding=None
        ), failed.status
    flash("Finding recorded. Add evidence and at least one validation step.", "success")
    return redirect(url_for("work.finding", finding_id=finding.id))


def _finding_page(
    finding_id: int,
    *,
    status: int = 200,
    evidence_form: EvidenceForm | None = None,
    validation_form: ValidationForm | None = None,
    redaction_form: RedactionForm | None = None,
    failed_mention: tuple[int, MentionForm] | None = None,
) -> ResponseReturnValue:
    with transaction() as session:
        view = findings.get_finding(session, current_user, runtime().security, finding_id)
    return render_template(
        "work/finding.html",
        finding=view,
        evidence_form=evidence_form or EvidenceForm(),
        validation_form=validation_form or ValidationForm(),
        redaction_form=redaction_form or RedactionForm(),
        mention_form=MentionForm(),
        failed_mention=failed_mention,
        quick_reasons=redaction.QUICK_REASONS,
        fields=SCREENED_FIELDS,
        ValidationResult=ValidationResult,
        ValidationMethod=ValidationMethod,
    ), status


@bp.get("/findings/<int:finding_id>")
@requires(Action.INVESTIGATE)
def finding(finding_id: int) -> ResponseReturnValue:
    return _finding_page(finding_id)


@bp.route("/findings/<int:finding_id>/edit", methods=["GET", "POST"])
@requires(Action.INVESTIGATE)
def finding_edit(finding_id: int) -> ResponseReturnValue:
    if request.method == "GET":
        with transaction() as session:
            editor = findings.editor(session, current_user, runtime().security, finding_id)
        form = _finding_form(editor.items, obj=editor.finding)
        return render_template(
            "work/finding_form.html", form=form, candidate_id=editor.finding.candidate_id, finding=editor.finding
        )
    form = FindingForm()
    opened: list[findings.FindingView] = []

    def prepare(session: Session) -> None:
        editor = findings.editor(session, current_user, runtime().security, finding_id)
        opened.append(editor.finding)
        _with_items(form, editor.items)

    try:
        submit(
            form,
            lambda s: findings.update_finding(s, current_user, runtime().security, finding_id, _finding_input(form)),
            prepare,
        )
    except FormFailed as failed:
        if not opened:
            abort(failed.status, failed.message)
        view = opened[0]
        return render_template(
            "work/finding_form.html", form=form, candidate_id=view.candidate_id, finding=view
        ), failed.status
    flash("Finding updated.", "success")
    return redirect(url_for("work.finding", finding_id=finding_id))


@bp.route("/findings/<int:finding_id>/withdraw", methods=["GET", "POST"])
@requires(Action.INVESTIGATE)
def finding_withdraw(finding_id: int) -> ResponseReturnValue:
    """The confirmation step: what withdrawing does, that it cannot be undone, and the reason."""
    form = WithdrawForm()
    status = 200
    if request.method == "POST":
        try:
            submit(
                form,
                lambda s: findings.withdraw_finding(
                    s, current_user, runtime().security, finding_id, form.reason.data or ""
                ),
            )
        except FormFailed as failed:
            status = failed.status
        else:
            flash("Finding withdrawn. It never reaches the board; the reason is on record.", "success")
            return redirect(url_for("work.finding", finding_id=finding_id))
    with transaction() as session:
        view = findings.get_finding(session, current_user, runtime().security, finding_id)
    return render_template("work/finding_withdraw.html", finding=view, form=form), status


@bp.post("/findings/<int:finding_id>/evidence")
@requires(Action.INVESTIGATE)
@accepts_upload(MAX_EVIDENCE_BYTES)
def evidence_upload(finding_id: int) -> ResponseReturnValue:
    form = EvidenceForm()
    upload = request.files.get("file")
    rt = runtime()
    try:
        evidence = submit(
            form,
            lambda s: findings.upload_evidence(
                s,
                current_user,
                rt.security,
                rt.store,
                finding_id,
                filename=upload.filename or "evidence" if upload else "",
                content=upload.read() if upload else b"",
            ),
        )
    except FormFailed as failed:
        return _finding_page(finding_id, status=failed.status, evidence_form=form)
    flash(f"Evidence stored encrypted. SHA-256 on receipt: {evidence.sha256}", "success")
    return redirect(url_for("work.finding", finding_id=finding_id, _anchor="evidence"))


@bp.get("/evidence/<int:evidence_id>")
@requires(Action.INVESTIGATE)
def evidence_download(evidence_id: int) -> ResponseReturnValue:
    rt = runtime()
    with transaction() as session:
        _evidence, filename, content = findings.read_evidence(session, current_user, rt.security, rt.store, evidence_id)
    return attachment(filename, content)


@bp.route("/audit/evidence/<int:evidence_id>", methods=["GET", "POST"])
@requires(Action.AUDIT_READ)
def evidence_audit_view(evidence_id: int) -> ResponseReturnValue:
    form = ReasonForm()
    if request.method == "POST":
        rt = runtime()
        try:
            _evidence, filename, content = submit(
                form,
                lambda s: findings.read_evidence(
                    s, current_user, rt.security, rt.store, evidence_id, reason=form.reason.data
                ),
            )
        except FormFailed as failed:
            return render_template("work/reason.html", form=form, evidence_id=evidence_id), failed.status
        return attachment(filename, content)
    return render_template("work/reason.html", form=form, evidence_id=evidence_id)


@bp.post("/findings/<int:finding_id>/validations")
@requires(Action.INVESTIGATE)
def validation_add(finding_id: int) -> ResponseReturnValue:
    form = ValidationForm()
    try:
        submit(
            form,
            lambda s: findings.add_validation(
                s,
                current_user,
                runtime().security,
                finding_id,
                method=ValidationMethod(form.method.data),
                result=ValidationResult(form.result.data),
                notes=form.notes.data or "",
            ),
        )
    except FormFailed as failed:
        return _finding_page(finding_id, status=failed.status, validation_form=form)
    flash("Validation step recorded.", "success")
    return redirect(url_for("work.finding", finding_id=finding_id, _anchor="validation"))


# --- detector mentions (R3) ---------------------------------------------------------------------


def _next_open(finding: Finding, after: int) -> str:
    """The anchor of the next open mention in page order, so a keyboard user works down the list."""
    order = [m.id for m in finding.mentions]
    open_ids = {m.id for m in finding.mentions if m.resolution is None}
    start = order.index(after) + 1 if after in order else 0
    following = [i for i in order[start:] + order[:start] if i in open_ids]
    return f"mention-{following[0]}" if following else "mentions"


@bp.post("/findings/<int:finding_id>/mentions/<int:mention_id>")
@requires(Action.INVESTIGATE)
def mention_resolve(finding_id: int, mention_id: int) -> ResponseReturnValue:
    form = MentionForm()
    try:
        anchor = submit(
            form,
            lambda s: _next_open(
                findings.resolve_mention(
                    s,
                    current_user,
                    runtime().security,
                    finding_id,
                    mention_id,
                    MentionResolution(form.resolution.data),
                    form.reason.data,
                ),
                mention_id,
            ),
        )
    except FormFailed as failed:
        return _finding_page(finding_id, status=failed.status, failed_mention=(mention_id, form))
    return redirect(url_for("work.finding", finding_id=finding_id, _anchor=anchor))


@bp.post("/findings/<int:finding_id>/redactions")
@requires(Action.INVESTIGATE)
def redaction_add(finding_id: int) -> ResponseReturnValue:
    form = RedactionForm()
    try:
        submit(
            form,
            lambda s: findings.redact_words(
                s, current_user, runtime().security, finding_id, form.field.data or "", form.text.data or ""
            ),
        )
    except FormFailed as failed:
        return _finding_page(finding_id, status=failed.status, redaction_form=form)
    flash("Redacted. The board will see [redacted] in their place.", "success")
    return redirect(url_for("work.finding", finding_id=finding_id, _anchor="mentions"))
