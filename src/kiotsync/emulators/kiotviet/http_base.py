"""What every KiotViet API route module shares: the request context handed to a handler, the
list envelope (``total``, ``pageSize``, ``data``, ``removedIds``?, ``timestamp``), body checks,
and the ``orderBy`` vocabulary of each resource.

A handler is ``handler(ctx, **path_values) -> JSON``; it parses ``ctx.q``/``ctx.body``, calls the
rules and serialises. Route modules list their routes in ``ROUTES`` (method, pattern, handler);
:mod:`.app` registers them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import invalid
from .listing import page, removed_ids, sort_items
from .model import Shop
from .params import Query
from .timefmt import fmt_offset

Handler = Callable[..., Any]
Route = tuple[str, str, Handler]


@dataclass(slots=True)
class Ctx:
    shop: Shop
    q: Query
    body: Any
    now: int
    config: Mapping[str, Any]


def envelope(
    ctx: Ctx,
    items: list[Any],
    fn: Callable[[Any], dict[str, Any]],
    removed: list[int] | None = None,
) -> dict[str, Any]:
    """One page of ``items`` in the list envelope (``removed`` only when asked for)."""
    rows, total, size = page_of(ctx, items)
    env: dict[str, Any] = {"total": total, "pageSize": size, "data": [fn(x) for x in rows]}
    if removed is not None:
        env["removedIds"] = removed
    env["timestamp"] = fmt_offset(ctx.now)
    return env


def changed_list(
    ctx: Ctx,
    select: Callable[[Shop, int | None], list[Any]],
    sort: dict[str, Callable[[Any], Any]],
    kind: str,
    fn: Callable[[Any], dict[str, Any]],
) -> dict[str, Any]:
    """What ``select`` finds changed since ``lastModifiedFrom``, sorted and paged, with the
    ``kind`` deleted since then when ``includeRemoveIds`` asks."""
    since = ctx.q.date("lastmodifiedfrom")
    items = sort_items(select(ctx.shop, since), ctx.q, sort)
    removed = removed_ids(ctx.shop, kind, since) if ctx.q.flag("includeremoveids") else None
    return envelope(ctx, items, fn, removed)


def page_of(ctx: Ctx, items: list[Any]) -> tuple[list[Any], int, int]:
    """(page, total, applied pageSize) with the configured default and maximum page size."""
    cfg = ctx.config
    return page(items, ctx.q, int(cfg["page_size_default"]), int(cfg["page_size_max"]))


def require_dict(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise invalid("Dữ liệu gửi lên phải là một đối tượng JSON")
    return body


def require_list(body: Any, key: str) -> list[dict[str, Any]]:
    items = require_dict(body).get(key)
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise invalid(f"{key} phải là một danh sách", key)
    return items


# -- orderBy names (lower-case) -> sort key ----------------------------------------------------
ENTITY_SORT: dict[str, Callable[[Any], Any]] = {
    "id": lambda x: x.id,
    "createddate": lambda x: x.created,
    "modifieddate": lambda x: x.modified if x.modified is not None else x.created,
}
PRODUCT_SORT = {
    **ENTITY_SORT,
    "code": lambda p: p.code,
    "name": lambda p: p.name,
    "fullname": lambda p: p.name,
    "categoryid": lambda p: p.category_id,
    "baseprice": lambda p: p.base_price,
    "type": lambda p: p.type,
    "barcode": lambda p: p.bar_code,
}
CATEGORY_SORT = {
    **ENTITY_SORT,
    "categoryid": lambda c: c.id,
    "categoryname": lambda c: c.name,
    "name": lambda c: c.name,
    "rank": lambda c: c.rank,
}
SALE_SORT = {
    **ENTITY_SORT,
    "code": lambda s: s.code,
    "purchasedate": lambda s: s.purchase_date,
    "total": lambda s: s.total,
    "status": lambda s: s.status,
    "branchid": lambda s: s.branch_id,
}
CUSTOMER_SORT = {**ENTITY_SORT, "code": lambda c: c.code, "name": lambda c: c.name}
NAMED_SORT = {**ENTITY_SORT, "name": lambda x: x.name}
BRANCH_SORT = {
    **ENTITY_SORT,
    "branchname": lambda b: b.name,
    "name": lambda b: b.name,
    "branchcode": lambda b: b.code,
}
USER_SORT = {**ENTITY_SORT, "username": lambda u: u.user_name, "givenname": lambda u: u.given_name}
