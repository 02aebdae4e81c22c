"""The declarative wire-model reader (``httpkit.wiremodel``) on made-up models (pure)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

import pytest

from kiotsync.httpkit.dates import VIETNAM, parse_kiotviet_datetime
from kiotsync.httpkit.wiremodel import WireModel, camel_key, lower_text, nonzero_int, raw_field, wire


class Camel(WireModel, dates=parse_kiotviet_datetime, keys=camel_key):
    pass


@dataclass(frozen=True)
class Line(Camel):
    product_id: int | None
    quantity: float = 0.0


@dataclass(frozen=True)
class Doc(Camel):
    id: int
    name: Annotated[str | None, wire("docName", "name")] = None
    total: Decimal | None = None
    is_active: bool | None = None
    parent_id: Annotated[int | None, wire(parse=nonzero_int)] = None
    status: Annotated[str | None, wire(parse=lower_text)] = None
    created_date: datetime | None = None
    lines: tuple[Line, ...] = ()
    main_line: Line | None = None
    ids: tuple[int, ...] = ()
    extras: tuple[Mapping[str, Any], ...] = ()
    key_count: Annotated[int, wire(whole=len)] = 0
    raw: Mapping[str, Any] = raw_field()


@dataclass(frozen=True)
class Snake(WireModel):
    created_at: datetime | None = None
    qty_onhand: float = 0.0


def test_keys_come_from_field_names_in_any_case() -> None:
    data = {"ID": "7", "Total": "1,200.5", "isactive": 1, "CreatedDate": "2026-10-07T14:40:00"}
    doc = Doc.from_wire(data)
    assert (doc.id, doc.total, doc.is_active) == (7, Decimal("1200.5"), True)
    assert doc.created_date == datetime(2026, 10, 7, 14, 40, tzinfo=VIETNAM)
    assert doc.raw is data and doc == Doc.from_wire(dict(data))  # raw is kept, out of ==
    snake = Snake.from_wire({"created_at": "2026-10-07T07:40:00", "QTY_ONHAND": 3})
    assert snake == Snake(datetime(2026, 10, 7, 7, 40, tzinfo=UTC), 3.0)  # default rules: UTC


def test_first_non_null_alias_wins() -> None:
    assert Doc.from_wire({"id": 1, "docName": None, "name": "b"}).name == "b"
    assert Doc.from_wire({"id": 1, "DOCNAME": "a", "name": "b"}).name == "a"


def test_missing_or_garbage_values_fall_back() -> None:
    doc = Doc.from_wire({"id": "x", "total": "abc", "isActive": "maybe", "lines": "no", "mainLine": 5})
    assert (doc.id, doc.total, doc.is_active, doc.lines, doc.main_line) == (0, None, None, (), None)
    assert Line.from_wire({"quantity": None}) == Line(None, 0.0)
    assert Line.from_wire(None) == Line(None)  # type: ignore[arg-type]  # not an object


def test_readers_and_nested_models() -> None:
    doc = Doc.from_wire(
        {
            "id": 1,
            "parentId": 0,
            "status": "  Done ",
            "lines": [{"productId": "2", "quantity": "1.5"}, "junk", {"ProductId": 3}],
            "mainLine": {"productId": 4},
            "ids": [1, "2", None, "x"],
            "extras": [{"a": 1}, 2],
        }
    )
    assert doc.parent_id is None and doc.status == "done"
    assert doc.lines == (Line(2, 1.5), Line(3, 0.0)) and doc.main_line == Line(4)
    assert doc.ids == (1, 2) and doc.extras == ({"a": 1},) and doc.key_count == 7


def test_garbled_date_is_logged_and_read_as_none(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="kiotsync.wire")
    assert Doc.from_wire({"id": 1, "createdDate": "yesterday"}).created_date is None
    assert "unparsable date-time in field createdDate: 'yesterday'" in caplog.messages


def test_a_type_without_a_reader_is_refused() -> None:
    @dataclass(frozen=True)
    class Odd(WireModel):
        tags: tuple[str, ...] = ()

    with pytest.raises(TypeError, match=r"declare wire\(parse=\.\.\.\)"):
        Odd.from_wire({})


def test_non_finite_numbers_read_as_missing_ids() -> None:
    """An "inf" or "nan" in an id field is junk, not a crash of the whole object."""
    from decimal import Decimal

    from kiotsync.httpkit.wire import to_int

    assert [to_int(v) for v in ("inf", "-Infinity", "nan", float("inf"), Decimal("NaN"))] == [None] * 5
    assert [to_int(v) for v in ("12.6", 3.0, Decimal("7"), "42")] == [13, 3, 7, 42]
