"""Tolerant parsing of dates, numbers and phones (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from kiotsync.httpkit import (
    VIETNAM,
    Wire,
    format_haravan,
    format_kiotviet,
    normalize_phone,
    parse_haravan_datetime,
    parse_kiotviet_datetime,
    same_phone,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-04-09T13:50:26.6370000", datetime(2026, 4, 9, 13, 50, 26, 637000, tzinfo=VIETNAM)),
        ("2026-10-07T14:39:09.4969693+07:00", datetime(2026, 10, 7, 14, 39, 9, 496969, tzinfo=VIETNAM)),
        ("2024-03-04T23:39:24.1470000+07:00", datetime(2024, 3, 4, 23, 39, 24, 147000, tzinfo=VIETNAM)),
        ("2026-10-07T14:40:00", datetime(2026, 10, 7, 14, 40, tzinfo=VIETNAM)),
        ("2026-10-07", datetime(2026, 10, 7, tzinfo=VIETNAM)),
        ("2026-10-07T07:40:00Z", datetime(2026, 10, 7, 7, 40, tzinfo=UTC)),
    ],
)
def test_kiotviet_dates(text: str, expected: datetime) -> None:
    got = parse_kiotviet_datetime(text)
    assert got == expected
    assert got is not None and got.tzinfo is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-05-13T07:29:20.1Z", datetime(2021, 5, 13, 7, 29, 20, 100000, tzinfo=UTC)),
        ("2021-05-13T07:29:43.2513479Z", datetime(2021, 5, 13, 7, 29, 43, 251347, tzinfo=UTC)),
        ("2020-09-18T04:12:09.577", datetime(2020, 9, 18, 4, 12, 9, 577000, tzinfo=UTC)),
        ("2007-12-31T19:00:00-05:00", datetime(2008, 1, 1, 0, 0, tzinfo=UTC)),
        ("2008-12-31 03:00", datetime(2008, 12, 31, 3, 0, tzinfo=UTC)),
        ("2021-10-20T14:07:45+0700", datetime(2021, 10, 20, 7, 7, 45, tzinfo=UTC)),
    ],
)
def test_haravan_dates(text: str, expected: datetime) -> None:
    assert parse_haravan_datetime(text) == expected


def test_empty_and_garbage_dates() -> None:
    assert parse_haravan_datetime(None) is None
    assert parse_haravan_datetime("") is None
    with pytest.raises(ValueError):
        parse_haravan_datetime("yesterday")
    # a model field with garbage becomes None instead of killing the page
    assert Wire({"modifiedDate": "not a date"}).when(parse_kiotviet_datetime, "modifiedDate") is None


def test_request_date_formats() -> None:
    moment = datetime(2026, 10, 7, 7, 40, 0, 987654, tzinfo=UTC)
    assert format_kiotviet(moment) == "2026-10-07T14:40:00"  # local, floored to the second
    assert format_haravan(moment.astimezone(timezone(timedelta(hours=7)))) == "2026-10-07T07:40:00.987Z"


def test_wire_is_case_insensitive_and_lenient() -> None:
    w = Wire({"OnHand": "12.5", "basePrice": 149000.0, "isActive": "true", "Id": "42", "x": None})
    assert w.real("onHand") == 12.5
    assert w.money("BasePrice") == Decimal("149000.0")
    assert w.flag("isactive") is True
    assert w.integer("id") == 42
    assert w.text("x", "missing") is None
    assert w.get("y") is None


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("+84 987 654 321", "0987654321", True),
        ("84987654321", "0987-654-321", True),
        ("0084987654321", "0987654321", True),
        ("987654321", "0987654321", True),
        ("0987654321", "0987654322", False),
        ("", "", False),
        ("02838123456", "+84 28 3812 3456", True),
    ],
)
def test_phone_normalisation(a: str, b: str, same: bool) -> None:
    assert same_phone(a, b) is same
    assert normalize_phone(None) == ""
