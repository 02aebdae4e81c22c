"""Sorting, paging and change filters shared by every list endpoint (§2.3, §2.4).

``pageSize`` defaults to 20 and is capped at 100 (the applied value is echoed);
``currentItem`` is a zero-based offset; ``orderBy`` names a resource field (case-insensitive,
unknown names fall back to the default order); ``orderDirection`` is ``Asc``/``Desc``;
``lastModifiedFrom`` is inclusive; ``includeRemoveIds`` lists what was deleted since.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .model import Shop
from .params import Query

T = TypeVar("T")
SortKey = Callable[[Any], Any]


def _safe(key: SortKey) -> SortKey:
    def wrapped(item: Any) -> Any:
        value = key(item)
        if value is None:
            return (0, 0)
        if isinstance(value, str):
            return (1, value.casefold())
        return (1, value)

    return wrapped


def sort_items(items: list[T], q: Query, keys: dict[str, SortKey], default: str = "id") -> list[T]:
    """Sort by ``orderBy`` (ties broken by id) in ``orderDirection``.

    ``items`` must arrive in ascending id order — every table is a dict filled in id order
    (ids only grow) — so ordering by id costs nothing and ties stay in id order.
    """
    name = (q.get("orderby") or "").strip().lower() or default
    if name not in keys:
        name = default
    desc = (q.get("orderdirection") or "asc").strip().lower().startswith("desc")
    if name == "id":
        if desc:
            items.reverse()
        return items
    items.sort(key=_safe(keys[name]), reverse=desc)
    return items


def page(items: Sequence[T], q: Query, default_size: int, max_size: int) -> tuple[list[T], int, int]:
    """Slice one page; returns (page, total, applied pageSize)."""
    size = q.integer("pagesize", default_size) or default_size
    if size <= 0:
        size = default_size
    size = min(size, max_size)
    offset = max(0, q.integer("currentitem", 0) or 0)
    return list(items[offset : offset + size]), len(items), size


def modified_since(created: int, modified: int | None, since: int | None) -> bool:
    """``lastModifiedFrom`` is inclusive; never-modified records compare by creation time."""
    if since is None:
        return True
    return (modified if modified is not None else created) >= since


def removed_ids(shop: Shop, kind: str, since: int | None) -> list[int]:
    """``includeRemoveIds``: ids of ``kind`` deleted at or after ``since`` (all when ``None``)."""
    return [i for i, t in shop.tombstones[kind].items() if since is None or t >= since]
