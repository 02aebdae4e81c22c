"""Exact number and time helpers shared by the core.

Money and quantities are `Decimal` so that `149000.0` (KiotViet) and `149000.0000` (Haravan) compare
equal and fractional stock never suffers float rounding. Stock arithmetic uses `Fraction` internally
(divisions by conversion values and combo quantities must be exact before flooring).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

#: KiotViet sends shop-local (Vietnam, UTC+7) timestamps without an offset.
VIETNAM = timezone(timedelta(hours=7))


def to_decimal(value: Decimal | int | float | str | None) -> Decimal:
    """Coerce a wire number to `Decimal` (floats via `str` so 0.1 stays 0.1); None becomes 0."""
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a bool is not a number here")
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def canonical_decimal(value: Decimal) -> str:
    """Render a Decimal without exponent or trailing zeros: `149000.0` → `149000`, `1.50` → `1.5`."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def as_fraction(value: Decimal) -> Fraction:
    """Exact rational value of a Decimal (Decimal('0.1') → 1/10)."""
    return Fraction(value)


def as_aware(moment: datetime) -> datetime:
    """Make a timestamp comparable: naive values are KiotViet shop-local time (UTC+7)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=VIETNAM)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def version_from_datetime(moment: datetime) -> int:
    """A stock-observation version from a KiotViet `modifiedDate`: microseconds since the epoch.

    Naive timestamps are read as UTC+7, as KiotViet sends them. Any other strictly increasing
    integer (e.g. an observation sequence) works as a version too.
    """
    return (as_aware(moment) - _EPOCH) // timedelta(microseconds=1)
