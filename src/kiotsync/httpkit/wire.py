"""Tolerant readers for JSON objects coming off the wire.

Both platforms omit null properties, vary key casing (KiotViet REST is camelCase, its
webhooks PascalCase, ServiceStack matches names case-insensitively) and sometimes send
numbers as strings. Model parsers read through :class:`Wire`, which looks keys up
case-insensitively, accepts several spellings and coerces types leniently: a missing or
unparsable value becomes ``None`` rather than an exception (dates are logged when garbled,
because a broken cursor is worth noticing).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

log = logging.getLogger("kiotsync.wire")

T = TypeVar("T")

__all__ = ["Wire", "sequence", "to_bool", "to_decimal", "to_float", "to_int", "to_str"]


def to_int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool | int):
        return int(value)
    if isinstance(value, Decimal):
        return int(value) if value.is_finite() else None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None  # "inf", "nan": not a number a platform means
        return int(value) if value.is_integer() else round(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                return None
            return round(number) if math.isfinite(number) else None
    return None


def to_float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def to_decimal(value: Any) -> Decimal | None:
    """Money: JSON numbers (or numeric strings) as exact decimals."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            return None
    return None


def to_bool(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "1", "yes", "y"):
            return True
        if text in ("false", "0", "no", "n", ""):
            return False
    return None


def to_str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    return None


def sequence(value: Any) -> list[Any]:
    """A JSON array as a list (a tuple too); anything else is empty."""
    if isinstance(value, list):
        return value
    if isinstance(value, tuple):
        return list(value)
    return []


class Wire:
    """Case-insensitive, alias-aware view of one JSON object."""

    __slots__ = ("_lower", "raw")

    def __init__(self, raw: Mapping[str, Any] | None) -> None:
        self.raw: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        self._lower = {str(k).lower(): v for k, v in self.raw.items()}

    def get(self, *names: str) -> Any:
        """First present, non-null value among ``names`` (case-insensitive)."""
        for name in names:
            value = self._lower.get(name.lower())
            if value is not None:
                return value
        return None

    def has(self, *names: str) -> bool:
        return any(name.lower() in self._lower for name in names)

    def text(self, *names: str) -> str | None:
        return to_str(self.get(*names))

    def integer(self, *names: str) -> int | None:
        return to_int(self.get(*names))

    def real(self, *names: str) -> float | None:
        return to_float(self.get(*names))

    def money(self, *names: str) -> Decimal | None:
        return to_decimal(self.get(*names))

    def flag(self, *names: str) -> bool | None:
        return to_bool(self.get(*names))

    def when(self, parse: Callable[[Any], datetime | None], *names: str) -> datetime | None:
        """A date-time field; an unparsable value is logged and read as ``None``."""
        value = self.get(*names)
        try:
            return parse(value)
        except ValueError:
            log.warning("unparsable date-time in field %s: %r", names[0] if names else "?", value)
            return None

    def sub(self, *names: str) -> Wire | None:
        value = self.get(*names)
        return Wire(value) if isinstance(value, Mapping) else None

    def seq(self, *names: str) -> list[Any]:
        return sequence(self.get(*names))

    def subs(self, parse: Callable[[Mapping[str, Any]], T], *names: str) -> tuple[T, ...]:
        """Parse each mapping in a list field; non-mapping items are skipped."""
        return tuple(parse(item) for item in self.seq(*names) if isinstance(item, Mapping))

    def ids(self, *names: str) -> tuple[int, ...]:
        return _ints(self.seq(*names))


def _ints(values: Iterable[Any]) -> tuple[int, ...]:
    out = []
    for value in values:
        number = to_int(value)
        if number is not None:
            out.append(number)
    return tuple(out)
