"""Stock per (variant, location) and the adjust-or-set endpoint (digest §3.6).

Invariant: ``qty_available = qty_onhand - qty_commited`` (may go negative). ``set`` overwrites
ON-HAND (guess, §6). A variant's ``inventory_quantity`` is derived from these rows at
serialisation time, so it can never drift. Every changed row emits
``inventorylocationbalances/update`` with the row as body.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .context import Ctx
from .enums import ADJUST_REASONS, ADJUST_TYPES
from .listing import DateRange, common_filters, id_list, int_param
from .model import Adjustment, Balance, Variant
from .serialize import adjustment as serialize_adjustment
from .serialize import balance as serialize_balance
from .store import Shop
from .textfold import normalize_tags
from .validation import choice, integer, invalid, text, wrapped

MAX_ADJUST_LINES = 100


def ensure_balances(ctx: Ctx, variant: Variant) -> None:
    rows = ctx.shop.balances.setdefault(variant.id, {})
    for loc_id in ctx.shop.locations:
        if loc_id not in rows:
            bal = Balance(
                ctx.next_id("balance"), loc_id, variant.product_id, variant.id, updated_at=ctx.now_ms
            )
            rows[loc_id] = bal
            ctx.shop.balances_by_id[bal.id] = bal


def remove_balances(shop: Shop, variant_id: int) -> None:
    for bal in shop.balances.pop(variant_id, {}).values():
        shop.balances_by_id.pop(bal.id, None)


def balance(shop: Shop, loc_id: int, variant_id: int) -> Balance | None:
    return shop.balances.get(variant_id, {}).get(loc_id)


def change(
    ctx: Ctx,
    loc_id: int,
    variant_id: int,
    d_onhand: int = 0,
    d_commited: int = 0,
    set_onhand: int | None = None,
) -> int:
    """Apply a stock movement; returns the on-hand delta actually applied."""
    bal = balance(ctx.shop, loc_id, variant_id)
    if bal is None:
        return 0
    before = (bal.onhand, bal.commited)
    if set_onhand is not None:
        d_onhand = set_onhand - bal.onhand
    bal.onhand += d_onhand
    bal.commited += d_commited
    if (bal.onhand, bal.commited) != before:
        bal.updated_at = ctx.now_ms
        ctx.emit("inventorylocationbalances/update", lambda b=bal: serialize_balance(b))  # type: ignore[misc]
    return d_onhand


def total_available(shop: Shop, variant_id: int) -> int:
    return sum(b.available for b in shop.balances.get(variant_id, {}).values())


def adjust_or_set(ctx: Ctx, body: Any) -> Adjustment:
    data = wrapped(body, "inventory")
    shop = ctx.shop
    loc_id = integer(data.get("location_id"), "location_id")
    if loc_id not in shop.locations:
        invalid("location_id", f"location {loc_id} not found")
    kind = choice(data.get("type"), "type", ADJUST_TYPES, "adjust")
    reason = choice(data.get("reason"), "reason", ADJUST_REASONS, "newproduct")
    lines = data.get("line_items")
    if not isinstance(lines, list) or not lines:
        invalid("line_items", "can't be blank")
    if len(lines) > MAX_ADJUST_LINES:
        invalid("line_items", f"is too long (maximum is {MAX_ADJUST_LINES} line items)")
    planned: list[tuple[Variant, int]] = []
    for i, line in enumerate(lines):
        if not isinstance(line, dict):
            invalid("line_items", f"line {i} must be an object")
        vid = integer(line.get("product_variant_id"), f"line_items[{i}].product_variant_id")
        variant = shop.variants.get(vid)
        if variant is None:
            invalid("line_items", f"product_variant_id {vid} not found")
        pid = line.get("product_id")
        if pid not in (None, "") and integer(pid, f"line_items[{i}].product_id") != variant.product_id:
            invalid("line_items", f"product_variant_id {vid} does not belong to product {pid}")
        qty = integer(line.get("quantity"), f"line_items[{i}].quantity")
        if kind == "set" and qty < 0:
            invalid("line_items", "quantity must be >= 0 for type set")
        planned.append((variant, qty))
    records = []
    for variant, qty in planned:
        if kind == "set":
            delta = change(ctx, loc_id, variant.id, set_onhand=qty)
        else:
            delta = change(ctx, loc_id, variant.id, d_onhand=qty)
        records.append(
            {
                "id": ctx.next_id("adjustment_line"),
                "product_id": variant.product_id,
                "product_variant_id": variant.id,
                "quantity": delta,
                "cost_amount": 0.0,
                "sku": variant.sku,
                "barcode": variant.barcode,
            }
        )
    adj = Adjustment(
        id=ctx.next_id("adjustment"),
        adjust_number=f"IA{shop.next_adjust_number}",
        location_id=loc_id,
        type=kind,
        reason=reason,
        note=text(data.get("note")),
        tags=normalize_tags(data.get("tags")),
        line_items=records,
        created_at=ctx.now_ms,
    )
    shop.next_adjust_number += 1
    shop.adjustments[adj.id] = adj
    ctx.emit("inventoryadjustments/create", lambda: serialize_adjustment(adj))
    return adj


def list_balances(shop: Shop, args: Mapping[str, str]) -> list[Balance]:
    locs = id_list(args, "location_ids", 50)
    variants = id_list(args, "variant_ids", 50)
    since = int_param(args, "since_id")
    updated = DateRange(args, "updated_at")
    if variants is not None:
        rows: list[Balance] = [b for v in sorted(variants) for b in shop.balances.get(v, {}).values()]
        rows.sort(key=lambda b: b.id)
    else:
        rows = list(shop.balances_by_id.values())
    out = [
        b
        for b in rows
        if (locs is None or b.loc_id in locs) and (since is None or b.id > since) and updated.ok(b.updated_at)
    ]
    order = (args.get("order") or "id").strip().lower()
    direction = (args.get("direction") or "asc").strip().lower()
    if order not in ("id", "updated_at"):
        invalid("order", "must be id or updated_at")
    if direction not in ("asc", "desc"):
        invalid("direction", "must be asc or desc")
    if order == "updated_at":
        out.sort(key=lambda b: (b.updated_at, b.id))
    if direction == "desc":
        out.reverse()
    return out


def list_adjustments(shop: Shop, args: Mapping[str, str]) -> list[Adjustment]:
    pred = common_filters(args, lambda a: a.id, {"created_at": lambda a: a.created_at})
    loc = int_param(args, "location_id")
    return [a for a in shop.adjustments.values() if pred(a) and (loc is None or a.location_id == loc)]
