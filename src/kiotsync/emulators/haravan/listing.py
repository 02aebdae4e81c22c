"""List-endpoint conventions shared by every resource (digest §2.2).

Page-number pagination (``page`` 1-based + ``limit``), ``since_id``, ``ids``, ISO date range
filters, and the ``fields`` whitelist that keeps the wrapper but trims each object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from ..common import ApiError
from .timeutil import parse_ms

T = TypeVar("T")


def int_param(args: Mapping[str, str], name: str, default: int | None = None) -> int | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ApiError(400, {"errors": {name: ["is not a number"]}}) from exc


def id_list(args: Mapping[str, str], name: str, max_ids: int | None = None) -> set[int] | None:
    raw = args.get(name)
    if raw is None or raw.strip() == "":
        return None
    try:
        ids = {int(x) for x in raw.split(",") if x.strip()}
    except ValueError as exc:
        raise ApiError(400, {"errors": {name: ["must be a comma-separated list of ids"]}}) from exc
    if max_ids is not None and len(ids) > max_ids:
        raise ApiError(422, {"errors": {name: [f"must contain at most {max_ids} ids"]}})
    return ids


def limit_param(args: Mapping[str, str], default: int, maximum: int) -> int:
    value = int_param(args, "limit", default) or default
    return max(1, min(value, maximum))


def paginate(items: list[T], args: Mapping[str, str], default: int, maximum: int) -> list[T]:
    limit = limit_param(args, default, maximum)
    page = max(1, int_param(args, "page", 1) or 1)
    start = (page - 1) * limit
    return items[start : start + limit]


class DateRange:
    """``<prefix>_min`` / ``<prefix>_max`` (inclusive) for one timestamp attribute."""

    def __init__(self, args: Mapping[str, str], prefix: str) -> None:
        lo = args.get(f"{prefix}_min")
        hi = args.get(f"{prefix}_max")
        self.lo = parse_ms(lo, f"{prefix}_min") if lo else None
        self.hi = parse_ms(hi, f"{prefix}_max", ceil=True) if hi else None

    @property
    def active(self) -> bool:
        return self.lo is not None or self.hi is not None

    def ok(self, value: int | None) -> bool:
        if not self.active:
            return True
        if value is None:
            return False
        return (self.lo is None or value >= self.lo) and (self.hi is None or value <= self.hi)


def common_filters(
    args: Mapping[str, str], get_id: Callable[[Any], int], dates: dict[str, Callable[[Any], int | None]]
) -> Callable[[Any], bool]:
    """A predicate for ``ids``, ``since_id`` and each ``<name>_min/_max`` date pair."""
    ids = id_list(args, "ids")
    since = int_param(args, "since_id")
    ranges = [(DateRange(args, name), getter) for name, getter in dates.items()]
    ranges = [(r, g) for r, g in ranges if r.active]

    def pred(item: Any) -> bool:
        iid = get_id(item)
        if ids is not None and iid not in ids:
            return False
        if since is not None and iid <= since:
            return False
        return all(r.ok(g(item)) for r, g in ranges)

    return pred


def fields_param(args: Mapping[str, str]) -> list[str] | None:
    raw = args.get("fields")
    if not raw:
        return None
    return [f.strip() for f in raw.split(",") if f.strip()]


def project(obj: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
    if not fields:
        return obj
    return {k: obj[k] for k in fields if k in obj}


def project_all(objs: Iterable[dict[str, Any]], fields: list[str] | None) -> list[dict[str, Any]]:
    return [project(o, fields) for o in objs]
