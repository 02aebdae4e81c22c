"""Derived order state shared by the order, payment and fulfilment rules.

``financial_status`` follows the transactions once the order exists (digest §4.1);
``fulfillment_status`` follows the line items (``notfulfilled`` rather than null, §4.2).
``touch`` bumps ``updated_at`` and emits ``orders/updated`` plus the edge topics.
"""

from __future__ import annotations

from .context import Ctx
from .model import LineItem, Order
from .rules_inventory import change
from .serialize import order as serialize_order

PAID_KINDS = ("capture", "sale")


def captured(order: Order) -> float:
    return sum(t.amount for t in order.transactions if t.kind in PAID_KINDS and t.status == "success")


def refunded(order: Order) -> float:
    return -sum(t.amount for t in order.transactions if t.kind == "refund" and t.status == "success")


def outstanding(order: Order) -> float:
    return max(0.0, order.total_price - captured(order))


def recompute_financial(order: Order) -> None:
    paid = captured(order)
    back = refunded(order)
    if back > 0:
        order.financial_status = "refunded" if back >= paid - 0.0001 else "partially_refunded"
    elif paid > 0:
        order.financial_status = "paid" if paid >= order.total_price - 0.0001 else "partially_paid"
    elif any(t.kind == "void" and t.status == "success" for t in order.transactions):
        order.financial_status = "voided"
    elif any(t.kind == "authorization" and t.status == "success" for t in order.transactions):
        order.financial_status = "authorized"
    elif order.financial_status not in ("pending", "partially_paid", "authorized"):
        order.financial_status = "pending"


def recompute_fulfillment(order: Order) -> None:
    lines = [li for li in order.line_items if li.quantity - li.refunded_qty > 0 or li.fulfilled_qty > 0]
    if order.line_items and all(li.restocked for li in order.line_items):
        order.fulfillment_status = "restocked"
    elif lines and all(li.fulfilled_qty >= li.quantity - li.refunded_qty for li in lines):
        order.fulfillment_status = "fulfilled"
    elif any(li.fulfilled_qty > 0 for li in order.line_items):
        order.fulfillment_status = "partial"
    else:
        order.fulfillment_status = "notfulfilled"


def release_commitment(ctx: Ctx, order: Order, li: LineItem, qty: int) -> int:
    """Give back up to ``qty`` of the stock this line reserved at the order's location."""
    release = min(qty, li.committed_qty)
    if release > 0 and li.variant_id is not None:
        change(ctx, order.location_id, li.variant_id, d_commited=-release)
        li.committed_qty -= release
    return release


def touch(ctx: Ctx, order: Order, was_paid: bool, was_fulfilled: bool, *extra_topics: str) -> None:
    order.updated_at = ctx.now_ms
    shop = ctx.shop

    def build() -> dict[str, object]:
        return serialize_order(shop, order)

    for topic in extra_topics:
        ctx.emit(topic, build)
    if order.financial_status == "paid" and not was_paid:
        ctx.emit("orders/paid", build)
    if order.fulfillment_status == "fulfilled" and not was_fulfilled:
        ctx.emit("orders/fulfilled", build)
    ctx.emit("orders/updated", build)
