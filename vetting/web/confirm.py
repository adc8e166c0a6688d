"""The confirmation step before an irreversible action (issue 18).

The page is a plain GET (no script needed): it says what will happen and whether it can be
undone, and carries a POST "Yes, …" button and a Cancel link. The action's own POST endpoint
acts only when the form carries ``confirm=yes``; without it, it answers with this page, so no
single click acts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import render_template, request
from flask.typing import ResponseReturnValue

#: The value the confirmation form posts in ``confirm``.
CONFIRMED = "yes"


@dataclass(frozen=True)
class Confirmation:
    """What the confirmation page says and where its buttons go."""

    title: str
    action: str
    yes_label: str
    cancel_url: str
    cancel_label: str
    happens: list[str]
    #: Whether and how it can be undone, said plainly ("This cannot be undone.").
    undo: str
    style: str = "danger"
    #: Extra fields the action's form needs (e.g. the status a cycle moves to).
    hidden: dict[str, str] = field(default_factory=dict)
    #: What still stands in the way: the button is disabled and each reason shown.
    blockers: list[str] = field(default_factory=list)
    #: What the user should know before going ahead; the action stays possible.
    warnings: list[str] = field(default_factory=list)


def confirmed() -> bool:
    """The posted form carries the explicit confirmation."""
    return request.form.get("confirm") == CONFIRMED


def confirmation_page(confirmation: Confirmation, status: int = 200) -> ResponseReturnValue:
    return render_template("confirm.html", c=confirmation, confirm_value=CONFIRMED), status
