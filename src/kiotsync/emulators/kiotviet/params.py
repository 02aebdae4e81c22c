"""ServiceStack-style request parsing: case-insensitive keys, tolerant arrays, bools and dates.

The real backend matches query and JSON property names case-insensitively (§2.1), so query
keys and JSON body keys are lower-cased once here and the rules only ever look up lower-case
names. Array parameters arrive comma-separated, repeated, or as ``[1,3]``; a ``[]`` key suffix
(``branchIds[]``) is ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .errors import invalid
from .timefmt import parse_datetime

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


def lower_keys(value: Any) -> Any:
    """Recursively lower-case every dict key of a parsed JSON body."""
    if isinstance(value, dict):
        return {str(k).lower(): lower_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [lower_keys(v) for v in value]
    return value


def as_bool(value: Any, name: str = "value") -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise invalid(f"Giá trị không hợp lệ cho {name}: {value!r}", name)


def as_int(value: Any, name: str = "value") -> int:
    if isinstance(value, bool):
        raise invalid(f"Giá trị không hợp lệ cho {name}: {value!r}", name)
    if isinstance(value, int):
        return value
    try:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise invalid(f"Giá trị không hợp lệ cho {name}: {value!r}", name) from None


def as_float(value: Any, name: str = "value") -> float:
    if isinstance(value, bool):
        raise invalid(f"Giá trị không hợp lệ cho {name}: {value!r}", name)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise invalid(f"Giá trị không hợp lệ cho {name}: {value!r}", name) from None


def as_date(value: Any, name: str = "value") -> int:
    try:
        return parse_datetime(str(value))
    except ValueError:
        raise invalid(f"Ngày giờ không hợp lệ cho {name}: {value!r}", name) from None


def split_list(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for raw in values:
        text = raw.strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        out.extend(p.strip().strip('"') for p in text.split(",") if p.strip())
    return out


class Query:
    """Case-insensitive view of the query string (and, for some routes, of a JSON body)."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._d: dict[str, list[str]] = {}
        for key, value in pairs:
            k = key.lower()
            if k.endswith("[]"):
                k = k[:-2]
            self._d.setdefault(k, []).append(value)

    def has(self, name: str) -> bool:
        return name in self._d

    def get(self, name: str) -> str | None:
        values = self._d.get(name)
        return values[-1] if values else None

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.get(name)
        if value is None or value == "":
            return default
        return as_bool(value, name)

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self.get(name)
        if value is None or value == "":
            return default
        return as_int(value, name)

    def ints(self, name: str) -> list[int] | None:
        values = self._d.get(name)
        if not values:
            return None
        items = split_list(values)
        return [as_int(v, name) for v in items] if items else None

    def date(self, name: str) -> int | None:
        value = self.get(name)
        if value is None or value.strip() == "":
            return None
        return as_date(value, name)


def control_keys(value: Any) -> Any:
    """Control-plane bodies: lower-case keys and drop ``_`` so ``product_id`` == ``productId``."""
    if isinstance(value, dict):
        return {str(k).lower().replace("_", ""): control_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [control_keys(v) for v in value]
    return value
