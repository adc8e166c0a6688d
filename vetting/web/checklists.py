"""Administration of checklist templates and their published versions (R6)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from vetting.http.access import requires
from vetting.http.runtime import transaction
from vetting.policy import Action
from vetting.services import checklists, techniques
from vetting.web.confirm import Confirmation, confirmation_page, confirmed
from vetting.web.formrun import FormFailed, submit
from vetting.web.forms import ActionForm, DraftItemForm, TemplateForm

bp = Blueprint("checklists", __name__, url_prefix="/admin/checklists")


def _item_form() -> DraftItemForm:
    form = DraftItemForm()
    form.technique.choices = [SelectChoice(t.code, f"{t.code} · {t.name}") for t in techniques.approved()]
    return form


@bp.get("")
@requires(Action.CHECKLISTS_MANAGE)
def index(form: TemplateForm | None = None, status: int = 200) -> ResponseReturnValue:
    with transaction() as session:
        templates = checklists.list_templates(session, current_user)
        return render_template("admin/checklists.html", templates=templates, form=form or TemplateForm()), status


@bp.post("")
@requires(Action.CHECKLISTS_MANAGE)
def create() -> ResponseReturnValue:
    form = TemplateForm()
    try:
        template = submit(
            form,
            lambda s: checklists.create_template(
                s, current_user, name=form.name.data or "", description=form.description.data or ""
            ),
        )
    except FormFailed as failed:
        return index(form, failed.status)
    flash("Template created. Add its items, then publish a version.", "success")
    return redirect(url_for("checklists.template", template_id=template.id))


def _template_page(template_id: int, form: DraftItemForm | None = None, status: int = 200) -> ResponseReturnValue:
    with transaction() as session:
        template = checklists.get_template(session, current_user, template_id)
        return render_template(
            "admin/checklist.html",
            template=template,
            form=form or _item_form(),
            action_form=ActionForm(),
            techniques={t.code: t for t in techniques.catalogue()},
        ), status


@bp.get("/<int:template_id>")
@requires(Action.CHECKLISTS_MANAGE)
def template(template_id: int) -> ResponseReturnValue:
    return _template_page(template_id)


@bp.post("/<int:template_id>/items")
@requires(Action.CHECKLISTS_MANAGE)
def item_add(template_id: int) -> ResponseReturnValue:
    form = _item_form()
    try:
        submit(
            form,
            lambda s: checklists.add_draft_item(
                s,
                current_user,
                template_id,
                checklists.ItemInput(
                    form.title.data or "",
                    form.source.data or "",
                    form.technique.data or "",
                    bool(form.required.data),
                    form.guidance.data or "",
                ),
            ),
        )
    except FormFailed as failed:
        return _template_page(template_id, form, failed.status)
    flash("Item added to the draft.", "success")
    return redirect(url_for("checklists.template", template_id=template_id, _anchor="draft"))


@bp.post("/<int:template_id>/items/<int:item_id>/<any(up, down, remove):action>")
@requires(Action.CHECKLISTS_MANAGE)
def item_change(template_id: int, item_id: int, action: str) -> ResponseReturnValue:
    def change(session: Session) -> None:
        if action == "remove":
            checklists.remove_draft_item(session, current_user, template_id, item_id)
        else:
            checklists.move_draft_item(session, current_user, template_id, item_id, -1 if action == "up" else 1)

    try:
        submit(ActionForm(), change)
    except FormFailed as failed:
        return _template_page(template_id, status=failed.status)
    return redirect(url_for("checklists.template", template_id=template_id, _anchor="draft"))


def _publish_confirmation(template_id: int) -> Confirmation:
    with transaction() as session:
        template = checklists.get_template(session, current_user, template_id)
        name, items, number = template.name, len(template.draft_items), len(template.versions) + 1
    back = url_for("checklists.template", template_id=template_id)
    return Confirmation(
        title=f"Publish “{name}” as version {number}?",
        action=url_for("checklists.publish", template_id=template_id),
        yes_label=f"Yes, publish version {number}",
        cancel_url=back,
        cancel_label=name,
        happens=[
            f"The draft ({items} item{'s' if items != 1 else ''}) is frozen as version {number} with a content hash.",
            "Cycles can pin this version; every candidate of such a cycle gets exactly these items (R6).",
            "The draft stays editable for a later version.",
        ],
        undo="This cannot be undone: a published version never changes and is never deleted.",
        style="primary",
        blockers=[] if items else ["The draft is empty: add at least one item first."],
    )


@bp.get("/<int:template_id>/publish")
@requires(Action.CHECKLISTS_MANAGE)
def publish_confirm(template_id: int) -> ResponseReturnValue:
    return confirmation_page(_publish_confirmation(template_id))


@bp.post("/<int:template_id>/publish")
@requires(Action.CHECKLISTS_MANAGE)
def publish(template_id: int) -> ResponseReturnValue:
    if not confirmed():
        return confirmation_page(_publish_confirmation(template_id))
    try:
        version = submit(ActionForm(), lambda s: checklists.publish(s, current_user, template_id))
    except FormFailed as failed:
        return _template_page(template_id, status=failed.status)
    flash(f"Published as version {version.number}. It can no longer change; cycles can now pin it.", "success")
    return redirect(url_for("checklists.template", template_id=template_id, _anchor="versions"))
