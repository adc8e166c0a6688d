"""Pages of a list, done by the database (issue 17 point 1).

A list is read one page at a time with a keyset cursor: the sort key and id of the row a page
ends (or starts) at, so the next page is an indexed range, never an OFFSET that reads and skips
every earlier row. The total is one ``COUNT``. The cursor is opaque to callers (URL-safe base64
of JSON) and names the list and sort it belongs to, so a cursor of another list or order is
refused as a bad ``cursor`` (422), never a server error.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from vetting.errors import ValidationFailed

T = TypeVar("T")
U = TypeVar("U")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
#: Longer than any cursor this module writes (a few keys), short enough to refuse junk cheaply.
MAX_CURSOR = 512


class BadCursor(ValidationFailed):
    def __init__(self, field: str) -> None:
        super().__init__(f"{field}: not a cursor of this list; start again from the first page.", field=field)


@dataclass(frozen=True)
class PageRequest:
    """What the caller asked for: how many rows, and where to start (``None``: the first page)."""

    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    #: The query parameter the cursor came in, named when it is refused.
    field: str = "cursor"


@dataclass(frozen=True)
class Key:
    """One sort key: an SQL expression that is never NULL, its Python type, and its direction.
    The last key of a list must be unique (the id)."""

    column: ColumnElement[Any] | InstrumentedAttribute[Any]
    kind: type = int
    descending: bool = False


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    #: Every row that matches, from ``COUNT``.
    total: int
    #: The position of the first item in the whole list (0-based), for "Showing 51–100 of 1,234".
    start: int
    next_cursor: str | None
    prev_cursor: str | None

    @property
    def first(self) -> int:
        return self.start + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.start + len(self.items)

    def map(self, convert: Callable[[T], U]) -> Page[U]:
        return Page([convert(i) for i in self.items], self.total, self.start, self.next_cursor, self.prev_cursor)

    def with_items(self, items: list[U]) -> Page[U]:
        return Page(items, self.total, self.start, self.next_cursor, self.prev_cursor)


@dataclass(frozen=True)
class _Cursor:
    backwards: bool
    values: list[Any]
    at: int


def _encode(name: str, backwards: bool, values: Sequence[Any], at: int) -> str:
    raw = json.dumps({"l": name, "b": backwards, "k": list(values), "at": at}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(token: str, name: str, kinds: Sequence[type], field: str) -> _Cursor:
    if len(token) > MAX_CURSOR:
        raise BadCursor(field)
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, RecursionError) as exc:
        raise BadCursor(field) from exc
    if not isinstance(data, dict) or data.get("l") != name or not isinstance(data.get("b"), bool):
        raise BadCursor(field)
    values, at = data.get("k"), data.get("at")
    if not isinstance(values, list) or len(values) != len(kinds) or type(at) is not int or at < 0:
        raise BadCursor(field)
    # ``type(...) is`` so that a JSON true never passes as the integer 1.
    if any(type(v) is not kind for v, kind in zip(values, kinds, strict=True)):
        raise BadCursor(field)
    return _Cursor(data["b"], values, at)


def _after(keys: Sequence[Key], values: Sequence[Any], backwards: bool) -> ColumnElement[bool]:
    """Rows strictly after (or, backwards, before) ``values`` in the keys' order: the keyset
    condition spelled out, since directions may differ from key to key."""
    terms = []
    for i, key in enumerate(keys):
        later = key.descending == backwards
        step = key.column > values[i] if later else key.column < values[i]
        terms.append(and_(*(keys[j].column == values[j] for j in range(i)), step))
    return or_(*terms)


def _ordered(keys: Sequence[Key], backwards: bool) -> list[ColumnElement[Any]]:
    return [k.column.desc() if k.descending != backwards else k.column.asc() for k in keys]


def paginate(
    session: Session, query: Select[*tuple[Any, ...]], keys: Sequence[Key], request: PageRequest, *, name: str
) -> Page[Any]:
    """One page of ``query`` in the order of ``keys``, with the total: two statements.

    ``query`` selects the items (one entity or column, or a tuple of columns); ``name`` names the
    list and its sort, and a cursor of any other is refused."""
    cursor = _decode(request.cursor, name, [k.kind for k in keys], request.field) if request.cursor else None
    limit = request.limit
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    backwards = cursor is not None and cursor.backwards
    fetch = query.add_columns(*(k.column for k in keys)).order_by(None).order_by(*_ordered(keys, backwards))
    if cursor is not None:
        fetch = fetch.where(_after(keys, cursor.values, backwards))
    rows = list(session.execute(fetch.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    if cursor is None:
        start = 0
    elif backwards:
        start = max(cursor.at - len(rows), 0) if more else 0
    else:
        start = cursor.at
    width = len(keys)
    # An entity or one column is the item itself; several columns are a tuple.
    items = [row[0] if len(row) == width + 1 else tuple(row[:-width]) for row in rows]
    first_key, last_key = (list(rows[0][-width:]), list(rows[-1][-width:])) if rows else ([], [])
    has_next = (more and not backwards) or (backwards and bool(rows))
    has_prev = (more and backwards) or (not backwards and cursor is not None and bool(rows))
    return Page(
        items=items,
        total=total,
        start=start,
        next_cursor=_encode(name, False, last_key, start + len(rows)) if has_next else None,
        prev_cursor=_encode(name, True, first_key, start) if has_prev and start > 0 else None,
    )
