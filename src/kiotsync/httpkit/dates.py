"""Tolerant date-time parsing and formatting for both platforms.

KiotViet sends local Vietnam time without an offset and with 7 fractional digits
(``2026-04-09T13:50:26.6370000``) in entities, but offsets in list timestamps and webhooks;
Haravan sends UTC with ``Z`` and any number of fractional digits, sometimes without ``Z``.
Python's ``fromisoformat`` rejects 7 digits, so we normalise first. Naive values get the
platform's documented default zone (KiotViet +07:00, Haravan UTC).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

__all__ = [
    "VIETNAM",
    "format_haravan",
    "format_kiotviet",
    "parse_datetime",
    "parse_haravan_datetime",
    "parse_kiotviet_datetime",
]

VIETNAM = timezone(timedelta(hours=7), "ICT")

_ISO = re.compile(
    r"^\s*(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<frac>\d+))?)?)?"
    r"\s*(?P<tz>Z|z|[+-]\d{2}(?::?\d{2})?)?\s*$"
)


def parse_datetime(value: object, default_tz: timezone = UTC) -> datetime | None:
    """Parse an ISO-8601-ish string (or pass a datetime through) into an aware datetime.

    Returns ``None`` for ``None``/empty strings; raises ``ValueError`` for garbage so a
    broken field is noticed instead of silently becoming "now".
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=default_tz)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=default_tz)
    if not isinstance(value, str):
        raise ValueError(f"not a date-time: {value!r}")
    if not value.strip():
        return None
    m = _ISO.match(value)
    if not m:
        raise ValueError(f"not a date-time: {value!r}")
    y, mo, d = (int(p) for p in m["date"].split("-"))
    frac = (m["frac"] or "0")[:6].ljust(6, "0")
    tz: timezone = default_tz
    if m["tz"]:
        tz = _parse_offset(m["tz"])
    return datetime(y, mo, d, int(m["h"] or 0), int(m["m"] or 0), int(m["s"] or 0), int(frac), tzinfo=tz)


def _parse_offset(text: str) -> timezone:
    if text in ("Z", "z"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours = int(digits[:2])
    minutes = int(digits[2:4] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_kiotviet_datetime(value: object) -> datetime | None:
    """KiotViet: naive values are shop-local time (+07:00)."""
    return parse_datetime(value, VIETNAM)


def parse_haravan_datetime(value: object) -> datetime | None:
    """Haravan: naive values are UTC."""
    return parse_datetime(value, UTC)


def format_kiotviet(value: datetime) -> str:
    """A request date for KiotViet: Vietnam local time, no offset, whole seconds.

    Seconds are floored so a ``lastModifiedFrom`` cursor never skips a record.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=VIETNAM)
    return value.astimezone(VIETNAM).strftime("%Y-%m-%dT%H:%M:%S")


def format_haravan(value: datetime) -> str:
    """A request date for Haravan: UTC with milliseconds and ``Z`` (as in the docs' examples)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
