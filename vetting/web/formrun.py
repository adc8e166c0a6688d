"""Run a validated form through one service call in one transaction."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import Field

from vetting.errors import DomainError
from vetting.http.runtime import transaction

T = TypeVar("T")


class FormFailed(Exception):
    """The form was invalid or the service refused it.

    ``status`` is the HTTP status to answer with; ``message`` is the service's reason,
    for pages whose form has nowhere to show it (a lone button).
    """

    def __init__(self, status: int, message: str | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.message = message


_SEGMENT = re.compile(r"^(\w+)(?:\[(\d+)\])?$")


def field_at(form: Any, path: str) -> Field | None:
    """The form field a service names, e.g. ``searches[1].query``, or ``None``."""
    node = form
    for part in path.split("."):
        match = _SEGMENT.match(part)
        node = getattr(node, match.group(1), None) if match else None
        if node is None or match is None:
            return None
        if match.group(2) is not None:
            entries = getattr(node, "entries", [])
            index = int(match.group(2))
            if index >= len(entries):
                return None
            node = entries[index].form  # a FieldList of FormFields: step into the row's form
    return node if isinstance(node, Field) else None


def submit(form: FlaskForm, action: Callable[[Session], T], prepare: Callable[[Session], None] | None = None) -> T:
    """Validate ``form``, run ``action`` in a transaction, and return its result.

    ``prepare`` gives the form what validation needs from the database (the choices a posted
    tick must be among), in the same transaction as ``action``.

    ``action`` runs inside the transaction: it should return plain values (or objects
    whose needed attributes it has read), since lazy loads fail once it has ended. When the
    page shown after success needs data, ``action`` reads it too, so the request is one unit
    of work. A refused action is rolled back, so the page that shows the refusal reads
    afresh in a transaction of its own.

    A refusal from the service is shown on the form: beside the named field when the
    form has it, otherwise as a form-level error (for example ``separation_of_duties``).

    :raises FormFailed: with 422 for invalid input or the service error's status
    """
    if prepare is None and not form.validate_on_submit():
        raise FormFailed(422)
    try:
        with transaction() as session:
            if prepare is not None:
                prepare(session)
                if not form.validate_on_submit():
                    raise FormFailed(422)
            return action(session)
    except DomainError as error:
        field = field_at(form, error.field) if error.field else None
        if field is not None:
            field.errors = [*field.errors, error.message]
        else:
            form.form_errors.append(error.message)
        raise FormFailed(error.http_status, error.message) from error
