"""API routes of the shop itself: branches and users (§3.1, §3.2), sale channels (§3.9),
surcharges (§3.10), settings (§3.11) and webhook registrations (§4.1). Parsing and serialising
only; the rules are in :mod:`.rules_shop`.
"""

from __future__ import annotations

from typing import Any

from .errors import MSG_UPDATED, MSG_WEBHOOK_REMOVED
from .http_base import (
    BRANCH_SORT,
    ENTITY_SORT,
    NAMED_SORT,
    USER_SORT,
    Ctx,
    Route,
    changed_list,
    envelope,
    page_of,
    require_dict,
)
from .listing import sort_items
from .rules_shop import (
    activate_surcharge,
    create_surcharge,
    delete_webhook,
    get_webhook,
    list_branches,
    list_sale_channels,
    list_users,
    register_webhook,
    settings_view,
    update_surcharge,
)
from .serialize import branch as branch_json
from .serialize import sale_channel as sale_channel_json
from .serialize import surcharge as surcharge_json
from .serialize import user as user_json
from .serialize import webhook as webhook_json


def branches_list(ctx: Ctx) -> Any:
    return changed_list(ctx, list_branches, BRANCH_SORT, "branches", lambda b: branch_json(ctx.shop, b))


def users_list(ctx: Ctx) -> Any:
    return changed_list(ctx, list_users, USER_SORT, "users", lambda u: user_json(ctx.shop, u))


def sale_channels_list(ctx: Ctx) -> Any:
    items = list_sale_channels(ctx.shop, ctx.q.date("lastmodifiedfrom"))
    sort_items(items, ctx.q, {**NAMED_SORT, "position": lambda c: c.position})
    return envelope(ctx, items, lambda c: sale_channel_json(ctx.shop, c))


def surcharges_list(ctx: Ctx) -> Any:
    items = list(ctx.shop.surcharges.values())
    sort_items(items, ctx.q, {**NAMED_SORT, "code": lambda s: s.code})
    return envelope(ctx, items, lambda s: surcharge_json(ctx.shop, s))


def surcharge_create(ctx: Ctx) -> Any:
    sc = create_surcharge(ctx.shop, require_dict(ctx.body), ctx.now)
    return {"message": MSG_UPDATED, "data": surcharge_json(ctx.shop, sc)}


def surcharge_update(ctx: Ctx, sid: int) -> Any:
    sc = update_surcharge(ctx.shop, sid, require_dict(ctx.body), ctx.now)
    return {"message": MSG_UPDATED, "data": surcharge_json(ctx.shop, sc)}


def surcharge_activate(ctx: Ctx, sid: int) -> Any:
    sc = activate_surcharge(ctx.shop, sid, require_dict(ctx.body), ctx.now)
    return {"message": MSG_UPDATED, "data": surcharge_json(ctx.shop, sc)}


def settings_get(ctx: Ctx) -> Any:
    return settings_view(ctx.shop)


def webhooks_list(ctx: Ctx) -> Any:
    items = list(ctx.shop.webhooks.values())
    sort_items(items, ctx.q, {**ENTITY_SORT, "type": lambda w: w.type})
    rows, total, size = page_of(ctx, items)
    return {"total": total, "pageSize": size, "data": [webhook_json(ctx.shop, w) for w in rows]}


def webhook_get(ctx: Ctx, wid: int) -> Any:
    return webhook_json(ctx.shop, get_webhook(ctx.shop, wid))


def webhook_register(ctx: Ctx) -> Any:
    w = register_webhook(ctx.shop, require_dict(ctx.body), ctx.now)
    return webhook_json(ctx.shop, w, with_dates=False)


def webhook_delete(ctx: Ctx, wid: int) -> Any:
    delete_webhook(ctx.shop, wid)
    return {"message": MSG_WEBHOOK_REMOVED}


ROUTES: list[Route] = [
    ("GET", "/branches", branches_list),
    ("GET", "/users", users_list),
    ("GET", "/salechannel", sale_channels_list),
    ("GET", "/surchages", surcharges_list),
    ("POST", "/surchages", surcharge_create),
    ("PUT", "/surchages/{sid:int}", surcharge_update),
    ("POST", "/surchages/{sid:int}/activesurchage", surcharge_activate),
    ("GET", "/settings", settings_get),
    ("GET", "/webhooks", webhooks_list),
    ("GET", "/webhooks/{wid:int}", webhook_get),
    ("POST", "/webhooks", webhook_register),
    ("DELETE", "/webhooks/{wid:int}", webhook_delete),
]
