"""Default deny: every endpoint declares who may call it, or nobody can.

``@public`` (no login), ``@signed_in`` (any role) or ``@requires(Action.X)`` (a role that
carries the action, from :mod:`vetting.policy`). The guard in :mod:`vetting.http.guard`
refuses an endpoint that declares nothing; a test walks ``app.url_map`` to prove it.
Object-level checks (this cycle, this candidate) stay in the services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeVar

from vetting.policy import Action

F = TypeVar("F", bound=Callable[..., Any])

ACCESS_ATTR: Final = "_vetting_access"
PUBLIC: Final = "public"
#: Reachable mid-login (password accepted, second factor pending).
LOGIN_STEP: Final = "login_step"
SIGNED_IN: Final = "signed_in"

AccessRule = str | Action


def mark(rule: AccessRule) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        setattr(view, ACCESS_ATTR, rule)
        return view

    return decorator


public = mark(PUBLIC)
login_step = mark(LOGIN_STEP)
signed_in = mark(SIGNED_IN)


def requires(action: Action) -> Callable[[F], F]:
    return mark(action)


def rule_of(view: Callable[..., Any]) -> AccessRule | None:
    rule: AccessRule | None = getattr(view, ACCESS_ATTR, None)
    return rule
