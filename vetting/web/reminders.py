"""Reminders on the pages (issue 16 point 6): the navigation's count, the forms of the agency's
thresholds (``admin.reminders``) and of one's own digest (``home.digest``).

The count in the navigation is read beside the request's own transaction, on a snapshot
connection that takes no write lock (two statements: the thresholds with the coming holidays,
and one aggregate). A start page that lists the items already counted them and leaves the total
in ``g``, so its navigation reads nothing more.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import g, request
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from wtforms import BooleanField, IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from vetting.audit.verification import snapshot
from vetting.http.runtime import runtime
from vetting.models import ReminderKind
from vetting.models.reminder import MAX_DAYS, MIN_DAYS, needs_action
from vetting.services import reminders

log = logging.getLogger("vetting.reminders")

_LABELS = {
    ReminderKind.CONSENT_PENDING: "Consent pending (days since the candidate was added)",
    ReminderKind.CHECKLIST_AGEING: "Checklist items ageing (days since consent)",
    ReminderKind.REVIEW_WAITING: "Findings waiting for a second reviewer (days since last changed)",
    ReminderKind.RECOMMENDATION_MISSING: "Recommendations missing (days since the search closed)",
    ReminderKind.RESPONSE_WINDOW: "Response windows ending (within this many business days)",
    ReminderKind.DESIGNATION_REVIEW: "Designations due for review (within this many days)",
    ReminderKind.HOLD_REVIEW: "Legal holds due for review (within this many days of their review date)",
}


def _days(kind: ReminderKind) -> IntegerField:
    return IntegerField(
        _LABELS[kind],
        validators=[
            InputRequired(message="Give a whole number of days."),
            NumberRange(MIN_DAYS, MAX_DAYS, message=f"Whole days from {MIN_DAYS} to {MAX_DAYS}."),
        ],
    )


class ThresholdsForm(FlaskForm):  # type: ignore[misc]  # WTForms ships no types (as in web.forms)
    consent_pending_days = _days(ReminderKind.CONSENT_PENDING)
    checklist_ageing_days = _days(ReminderKind.CHECKLIST_AGEING)
    review_waiting_days = _days(ReminderKind.REVIEW_WAITING)
    recommendation_missing_days = _days(ReminderKind.RECOMMENDATION_MISSING)
    response_window_days = _days(ReminderKind.RESPONSE_WINDOW)
    designation_review_days = _days(ReminderKind.DESIGNATION_REVIEW)
    hold_review_days = _days(ReminderKind.HOLD_REVIEW)
    digest_hour = IntegerField(
        "Hour the daily digest goes out (0–23, the agency's time zone)",
        validators=[InputRequired(message="Give an hour."), NumberRange(0, 23, message="An hour from 0 to 23.")],
    )
    submit = SubmitField("Save thresholds")

    def values(self) -> dict[str, Any]:
        return {name: self[name].data for name in reminders.Thresholds.defaults().as_dict()}


class DigestForm(FlaskForm):  # type: ignore[misc]
    digest = BooleanField("Send me a daily e-mail listing what needs my action (counts and links only)")
    submit = SubmitField("Save")


def action_path(item: reminders.ActionItem) -> str:
    """Where an item is acted on, under the application's root."""
    return request.script_root + reminders.path_of(item)


def action_total() -> int:
    """The navigation's count: left by the start page, else read on a snapshot connection."""
    if "action_total" not in g:
        try:
            with snapshot(runtime().db.engine) as conn, Session(bind=conn) as session:
                g.action_total = reminders.action_count(session, current_user)
        except SQLAlchemyError as error:  # an error page while the database is away still renders
            log.warning("the navigation's count failed (%s)", type(error).__name__)
            g.action_total = 0
    total: int = g.action_total
    return total


def start_page_actions(session: Session) -> reminders.ActionList:
    """The start page's list, in the page's own transaction; its total serves the navigation."""
    found = reminders.actions_for(session, current_user)
    g.action_total = found.total
    return found


def navigation() -> dict[str, Any]:
    """What every page's navigation uses (``home`` registers it for the whole app)."""
    return {"action_total": action_total, "action_path": action_path, "needs_action": needs_action}
