"""Fulfilments and the carrier / COD state machines (digest §3.8, §4.5).

Creating a fulfilment releases the stock the lines reserved at the order's location and takes
the goods out of ON-HAND at the fulfilment's location (guess, §5). ``carrier_status_code`` and
``carrier_cod_status_code`` accept any §4.5 value and stamp the matching ``*_date`` field. When
the COD status reaches ``codpaid``/``codreceipt`` the outstanding amount is captured (guess).
"""

from __future__ import annotations

from typing import Any

from .context import Ctx
from .enums import CARRIER_STATUSES, COD_STATUSES, FULFILLMENT_EXTRAS
from .model import Fulfillment, LineItem, Order
from .order_state import outstanding, recompute_financial, recompute_fulfillment, touch
from .rules_inventory import change
from .rules_payments import add_transaction, pending_parent
from .validation import flag, integer, invalid, number, text, wrapped


def fulfillable(li: LineItem) -> int:
    return max(0, li.quantity - max(li.refunded_qty, li.fulfilled_qty))


def _code(value: Any, field: str, table: dict[str, tuple[str, str | None]]) -> str:
    code = str(value).strip().lower()
    if code not in table:
        invalid(field, f"is not included in the list ({', '.join(table)})")
    return code


def _stamp(f: Fulfillment, table: dict[str, tuple[str, str | None]], code: str, now_ms: int) -> None:
    date_field = table[code][1]
    if date_field:
        f.dates[date_field] = now_ms


def _plan_lines(order: Order, raw: Any) -> list[tuple[LineItem, int]]:
    if raw is None or raw == []:
        plan = [(li, fulfillable(li)) for li in order.line_items if fulfillable(li) > 0]
    else:
        if not isinstance(raw, list):
            invalid("line_items", "must be a list")
        plan = []
        for item in raw:
            if not isinstance(item, dict):
                invalid("line_items", "must be a list of objects")
            li = order.line(integer(item.get("id"), "line_items.id"))
            if li is None:
                invalid("line_items", f"line item {item.get('id')} not found in this order")
            qty = integer(item.get("quantity"), "line_items.quantity", fulfillable(li))
            if qty < 1 or qty > fulfillable(li):
                invalid("line_items", f"quantity for line item {li.id} must be 1..{fulfillable(li)}")
            plan.append((li, qty))
    if not plan:
        invalid("base", "There are no fulfillable line items")
    return plan


def create_fulfillment(ctx: Ctx, order: Order, body: Any, emit: bool = True) -> Fulfillment:
    data = wrapped(body, "fulfillment")
    if order.cancelled_status == "cancelled":
        invalid("base", "Cannot fulfill a cancelled order")
    location_id = integer(data.get("location_id"), "location_id", order.location_id)
    if location_id not in ctx.shop.locations:
        invalid("location_id", f"location {location_id} not found")
    plan = _plan_lines(order, data.get("line_items"))
    company = text(data.get("tracking_company"))
    carrier_used = bool(company or text(data.get("carrier_service_code")))
    carrier = (
        _code(data["carrier_status_code"], "carrier_status_code", CARRIER_STATUSES)
        if data.get("carrier_status_code")
        else ("readytopick" if carrier_used else "pending")
    )
    cod_amount = number(data.get("cod_amount"), "cod_amount")
    cod = (
        _code(data["carrier_cod_status_code"], "carrier_cod_status_code", COD_STATUSES)
        if data.get("carrier_cod_status_code")
        else ("codpending" if cod_amount > 0 else "none")
    )
    was_paid = order.financial_status == "paid"
    was_fulfilled = order.fulfillment_status == "fulfilled"
    f = Fulfillment(
        id=ctx.next_id("fulfillment"),
        order_id=order.id,
        status="success",
        location_id=location_id,
        lines=[(li.id, qty) for li, qty in plan],
        tracking_company=company,
        tracking_number=text(data.get("tracking_number")) or text(data.get("tracking_code")),
        tracking_url=text(data.get("tracking_url")) or text(data.get("tracking_link")),
        cod_amount=cod_amount,
        carrier_status_code=carrier,
        carrier_cod_status_code=cod,
        notify_customer=flag(data.get("notify_customer"), False),
        note=text(data.get("note")),
        dates={},
        extra={k: data.get(k) for k in FULFILLMENT_EXTRAS if k in data},
        created_at=ctx.now_ms,
        updated_at=ctx.now_ms,
    )
    _stamp(f, CARRIER_STATUSES, carrier, ctx.now_ms)
    _stamp(f, COD_STATUSES, cod, ctx.now_ms)
    for li, qty in plan:
        li.fulfilled_qty += qty
        if li.variant_id is None or not li.tracked:
            continue
        release = min(qty, li.committed_qty)
        li.committed_qty -= release
        if location_id == order.location_id:
            change(ctx, location_id, li.variant_id, d_onhand=-qty, d_commited=-release)
        else:
            if release:
                change(ctx, order.location_id, li.variant_id, d_commited=-release)
            change(ctx, location_id, li.variant_id, d_onhand=-qty)
    order.fulfillments.append(f)
    recompute_fulfillment(order)
    if emit:
        touch(ctx, order, was_paid, was_fulfilled)
    return f


def update_fulfillment(ctx: Ctx, order: Order, f: Fulfillment, body: Any) -> Fulfillment:
    data = wrapped(body, "fulfillment")
    carrier = (
        _code(data["carrier_status_code"], "carrier_status_code", CARRIER_STATUSES)
        if data.get("carrier_status_code")
        else None
    )
    cod = (
        _code(data["carrier_cod_status_code"], "carrier_cod_status_code", COD_STATUSES)
        if data.get("carrier_cod_status_code")
        else None
    )
    cod_amount = number(data.get("cod_amount"), "cod_amount", f.cod_amount)
    was_paid = order.financial_status == "paid"
    was_fulfilled = order.fulfillment_status == "fulfilled"
    if carrier is not None and carrier != f.carrier_status_code:
        f.carrier_status_code = carrier
        _stamp(f, CARRIER_STATUSES, carrier, ctx.now_ms)
    f.cod_amount = cod_amount
    if cod is not None and cod != f.carrier_cod_status_code:
        f.carrier_cod_status_code = cod
        _stamp(f, COD_STATUSES, cod, ctx.now_ms)
        if cod in ("codpaid", "codreceipt") and outstanding(order) > 0:
            amount = min(f.cod_amount, outstanding(order)) if f.cod_amount > 0 else outstanding(order)
            add_transaction(ctx, order, "capture", amount, "success", parent_id=pending_parent(order))
            recompute_financial(order)
    for key, alt in (("tracking_number", "tracking_code"), ("tracking_url", "tracking_link")):
        if key in data or alt in data:
            setattr(f, key, text(data.get(key)) or text(data.get(alt)))
    if "tracking_company" in data:
        f.tracking_company = text(data.get("tracking_company"))
    if "note" in data:
        f.note = text(data.get("note"))
    if "notify_customer" in data:
        f.notify_customer = flag(data.get("notify_customer"), f.notify_customer)
    f.extra.update({k: data.get(k) for k in FULFILLMENT_EXTRAS if k in data})
    f.updated_at = ctx.now_ms
    touch(ctx, order, was_paid, was_fulfilled)
    return f
