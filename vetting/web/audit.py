"""The auditor's view of the audit chain: events and verification."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from vetting.audit_chain import VerifyResult
from vetting.models.base import MAX_ID
from vetting.policy import Action
from vetting.services import audit_log
from vetting.web.access import requires
from vetting.web.formrun import FormFailed, submit
from vetting.web.forms import ActionForm
from vetting.web.runtime import runtime, transaction

bp = Blueprint("audit", __name__, url_prefix="/audit")

PAGE_SIZE = 100


def _page(result: VerifyResult | None = None, status: int = 200) -> ResponseReturnValue:
    event = request.args.get("event") or None
    before = request.args.get("before", type=int)
    if before is not None and not 0 < before <= MAX_ID:
        before = None
    with transaction() as session:
        events = audit_log.list_events(session, current_user, event=event, before_seq=before, limit=PAGE_SIZE)
        names = audit_log.event_names(session)
        total = audit_log.count(session)
        return render_template(
            "audit/index.html",
            events=events,
            names=names,
            total=total,
            selected=event,
            page_size=PAGE_SIZE,
            result=result,
            form=ActionForm(),
            data_of=audit_log.event_data,
        ), status


@bp.get("")
@requires(Action.AUDIT_READ)
def index() -> ResponseReturnValue:
    return _page()


@bp.post("/verify")
@requires(Action.AUDIT_READ)
def verify() -> ResponseReturnValue:
    public_key = runtime().settings.audit_signing_key.public_key()
    try:
        result = submit(ActionForm(), lambda s: audit_log.verify_as(s, current_user, public_key))
    except FormFailed as failed:
        return _page(status=failed.status)
    return _page(result)
