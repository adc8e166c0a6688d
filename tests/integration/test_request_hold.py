"""A request's unit of work keeps what it loads (``Database.transaction(hold=True)``, issue 17):
an object one service let go of is not loaded again by the next service of the same request,
and a batched read that expunges as it goes holds no more than before."""

from __future__ import annotations

import gc
import weakref

from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from tests.support import Person, make_user, runtime_of
from vetting.models import Role, User


def _load_and_drop(app: Flask, person: Person, *, hold: bool, expunge: bool = False) -> tuple[bool, int]:
    """Load the user, drop every reference, collect; then whether it is still alive and how many
    statements a second ``get`` of it makes."""
    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    db = runtime_of(app).db
    with db.transaction(hold=hold) as session:
        user = session.scalar(select(User).where(User.id == person.id))
        assert user is not None
        ref = weakref.ref(user)
        if expunge:
            session.expunge_all()
        del user
        gc.collect()
        alive = ref() is not None
        event.listen(Engine, "before_cursor_execute", count)
        try:
            assert session.get(User, person.id) is not None
        finally:
            event.remove(Engine, "before_cursor_execute", count)
    return alive, statements


def test_a_held_unit_of_work_keeps_what_it_loaded_and_reads_it_once(app: Flask) -> None:
    person = make_user(app, "held@x.test", Role.INVESTIGATOR)
    assert _load_and_drop(app, person, hold=True) == (True, 0)
    # Without holding, the identity map lets the object go and the next read loads it again.
    alive, statements = _load_and_drop(app, person, hold=False)
    assert not alive
    assert statements > 0


def test_an_expunged_object_is_let_go_even_when_held(app: Flask) -> None:
    person = make_user(app, "expunged@x.test", Role.INVESTIGATOR)
    alive, _ = _load_and_drop(app, person, hold=True, expunge=True)
    assert not alive
