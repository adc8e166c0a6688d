"""The page cursor (issue 17 point 1), on a table in an in-memory database: forwards and
backwards every item once, positions for "Showing 6–10 of 23", and cursors of another list or
forged refused."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select
from sqlalchemy.orm import Session

from vetting.services.paging import BadCursor, Key, Page, PageRequest, paginate

ITEMS = list(range(3, 3 + 23 * 2, 2))  # 23 ids with gaps
NUMBERS = Table("numbers", MetaData(), Column("id", Integer, primary_key=True))


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://")
    NUMBERS.metadata.create_all(engine)
    with Session(engine) as opened:
        opened.execute(insert(NUMBERS), [{"id": i} for i in ITEMS])
        yield opened
    engine.dispose()


def _page(session: Session, cursor: str | None = None) -> Page[int]:
    request = PageRequest(limit=5, cursor=cursor)
    return paginate(session, select(NUMBERS.c.id), [Key(NUMBERS.c.id)], request, name="numbers")


def test_next_then_previous_meets_every_item_once_and_knows_where_it_is(session: Session) -> None:
    pages = [_page(session)]
    while pages[-1].next_cursor:
        pages.append(_page(session, pages[-1].next_cursor))
    assert [i for p in pages for i in p.items] == ITEMS
    assert [(p.first, p.last) for p in pages] == [(1, 5), (6, 10), (11, 15), (16, 20), (21, 23)]
    assert pages[0].prev_cursor is None
    back = [pages[-1]]
    while back[-1].prev_cursor:
        back.append(_page(session, back[-1].prev_cursor))
    assert [p.items for p in reversed(back)] == [p.items for p in pages]
    assert all(p.total == 23 for p in pages)


def _forged(**fields: object) -> str:
    data = {"l": "numbers", "b": False, "k": [3], "at": 0, **fields}
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        _forged(l="other"),  # another list's
        _forged(k=[True]),  # a JSON true is not an id
        _forged(k=["3"]),
        _forged(k=[3, 4]),
        _forged(at=-1),
        _forged(b="yes"),
        "not base64 at all!",
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
    ],
)
def test_a_cursor_not_written_for_this_list_is_refused(session: Session, cursor: str) -> None:
    with pytest.raises(BadCursor) as refused:
        _page(session, cursor)
    assert refused.value.field == "cursor"


def test_a_well_formed_cursor_of_this_list_is_read(session: Session) -> None:
    assert _page(session, _forged(k=[11], at=4)).items == ITEMS[5:10]
