"""Timestamps: stored as integer epoch milliseconds, emitted as ISO 8601 UTC with ``Z``.

Query filters are parsed leniently (``Z``, offsets, ``2008-12-31 03:00``, bare dates); a
value without an offset is taken as UTC (guess, see docs/fidelity-haravan.md).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from ..common import ApiError


def iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    dt = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def parse_ms(value: str, name: str = "date", ceil: bool = False) -> int:
    """Parse a filter value to epoch ms (floor, or ceil for upper bounds); 400 when unparseable."""
    text = value.strip()
    try:
        dt = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ApiError(400, {"errors": {name: [f"is not a valid date: {value}"]}}) from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    exact = dt.timestamp() * 1000
    return math.ceil(exact) if ceil else math.floor(exact)


def date_only(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d")
