"""The request's view of the :class:`~vetting.runtime.Runtime` (``app.extensions["vetting"]``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, request
from sqlalchemy.orm import Session

from vetting.runtime import Runtime


def runtime() -> Runtime:
    found: Runtime = current_app.extensions["vetting"]
    return found


@contextmanager
def transaction() -> Iterator[Session]:
    """The request's unit of work: commit on success, roll back on any error; what it loads stays
    loaded until it ends (:meth:`vetting.db.Database.transaction`)."""
    with runtime().db.transaction(hold=True) as session:
        yield session


def client_ip() -> str:
    # Behind a proxy, deployers wrap the app in ProxyFix; we never trust headers ourselves.
    return request.remote_addr or "unknown"
