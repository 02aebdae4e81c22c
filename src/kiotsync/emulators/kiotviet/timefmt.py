"""KiotViet date formats (digest §2.2) on an integer tick clock.

Time is kept as integer *ticks* of 100 ns since the Unix epoch (the .NET resolution), so
``lastModifiedFrom`` comparisons are exact. Entity dates are shop-local (UTC+7) *without* an
offset and carry 7 fractional digits; the list envelope ``timestamp`` and webhook dates carry
``+07:00``. Real entity dates only have millisecond precision (``.6370000``), which the
emulator reproduces with :func:`entity_ticks`.
"""

from __future__ import annotations

import calendar
import re
import time
from datetime import datetime
from functools import lru_cache

TICKS_PER_SECOND = 10_000_000
TICKS_PER_MS = 10_000
LOCAL_OFFSET_S = 7 * 3600
_LOCAL_OFFSET_TICKS = LOCAL_OFFSET_S * TICKS_PER_SECOND

_DATE_RE = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|z|[+\- ]\d{2}(?::?\d{2})?)?\s*$"
)


def to_ticks(epoch_seconds: float) -> int:
    return int(epoch_seconds * TICKS_PER_SECOND)


def entity_ticks(ticks: int) -> int:
    """Truncate to milliseconds, the precision of dates stored on real entities."""
    return ticks - ticks % TICKS_PER_MS


def _local_parts(ticks: int) -> tuple[time.struct_time, int]:
    local = ticks + _LOCAL_OFFSET_TICKS
    seconds, frac = divmod(local, TICKS_PER_SECOND)
    return time.gmtime(seconds), frac


def fmt_local(ticks: int | None) -> str | None:
    """``2026-04-09T13:50:26.6370000`` — entity dates in REST responses."""
    if ticks is None:
        return None
    return _fmt_local(ticks)


@lru_cache(maxsize=8192)
def _fmt_local(ticks: int) -> str:
    t, frac = _local_parts(ticks)
    return (
        f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
        f".{frac:07d}"
    )


def fmt_offset(ticks: int | None) -> str | None:
    """``2026-10-07T14:39:09.4969693+07:00`` — envelope timestamp and webhook dates."""
    if ticks is None:
        return None
    return f"{fmt_local(ticks)}+07:00"


def parse_datetime(value: str) -> int:
    """Parse a request date tolerantly; naive values are shop-local (UTC+7).

    Accepts a bare date, up to 7+ fractional digits, ``Z`` or ``±hh:mm`` offsets, and an offset
    whose ``+`` arrived as a space because the client did not URL-encode it.
    """
    m = _DATE_RE.match(value)
    if not m:
        raise ValueError(f"invalid date: {value!r}")
    year, month, day, hour, minute, second, frac, tz = m.groups()
    parts = (int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    datetime(*parts)  # validates ranges (month 13, hour 25...) by raising ValueError
    base = calendar.timegm((*parts, 0, 0, 0))
    if tz is None:
        offset = LOCAL_OFFSET_S
    elif tz in ("Z", "z"):
        offset = 0
    else:
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        offset = sign * (int(digits[:2]) * 3600 + (int(digits[2:4]) * 60 if len(digits) >= 4 else 0))
    ticks = (base - offset) * TICKS_PER_SECOND
    if frac:
        ticks += int(frac[:7].ljust(7, "0"))
    return ticks
