"""Transactions and refunds (digest §3.9, §3.10, §4.6).

Kinds are stored lower-case; refunds are stored with a NEGATIVE amount. A capture cannot exceed
what is outstanding and a refund cannot exceed what was captured (422 otherwise, guess).
"""

from __future__ import annotations

from typing import Any

from .context import Ctx
from .enums import TRANSACTION_KINDS, TRANSACTION_STATUSES
from .model import LineItem, Order, Refund, Transaction
from .order_state import (
    PAID_KINDS,
    captured,
    outstanding,
    recompute_financial,
    recompute_fulfillment,
    refunded,
    release_commitment,
    touch,
)
from .rules_inventory import change
from .serialize import refund as serialize_refund
from .validation import choice, flag, integer, invalid, number, text, wrapped

EPS = 0.0001


def add_transaction(
    ctx: Ctx,
    order: Order,
    kind: str,
    amount: float,
    status: str = "success",
    gateway: str | None = None,
    parent_id: int | None = None,
) -> Transaction:
    tx = Transaction(
        id=ctx.next_id("transaction"),
        order_id=order.id,
        amount=-abs(amount) if kind == "refund" else amount,
        kind=kind,
        status=status,
        gateway=gateway if gateway is not None else order.gateway,
        parent_id=parent_id,
        location_id=order.location_id,
        user_id=None,
        is_cod_gateway=order.is_cod_gateway,
        created_at=ctx.now_ms,
    )
    order.transactions.append(tx)
    return tx


def pending_parent(order: Order) -> int | None:
    return next((t.id for t in order.transactions if t.kind == "pending"), None)


def _check_amount(order: Order, kind: str, amount: float) -> None:
    if amount <= 0 and kind != "pending":
        invalid("amount", "must be greater than 0")
    if kind in PAID_KINDS and amount > outstanding(order) + EPS:
        invalid("amount", f"must be less than or equal to the outstanding amount {outstanding(order)}")
    if kind == "refund" and amount > captured(order) - refunded(order) + EPS:
        invalid("amount", "must be less than or equal to the amount captured and not yet refunded")


def create_transaction(ctx: Ctx, order: Order, body: Any) -> Transaction:
    data = wrapped(body, "transaction")
    kind = choice(data.get("kind"), "kind", TRANSACTION_KINDS, "capture")
    status = choice(data.get("status"), "status", TRANSACTION_STATUSES, "success")
    default = (
        outstanding(order)
        if kind in PAID_KINDS
        else (captured(order) - refunded(order) if kind == "refund" else order.total_price)
    )
    amount = abs(number(data.get("amount"), "amount", default))
    _check_amount(order, kind, amount)
    was_paid = order.financial_status == "paid"
    was_fulfilled = order.fulfillment_status == "fulfilled"
    parent = integer(data.get("parent_id"), "parent_id", 0) or (
        pending_parent(order) if kind in PAID_KINDS else None
    )
    tx = add_transaction(ctx, order, kind, amount, status, text(data.get("gateway")), parent)
    recompute_financial(order)
    touch(ctx, order, was_paid, was_fulfilled)
    return tx


def _planned_refund_lines(order: Order, raw_lines: list[Any]) -> list[tuple[LineItem, int]]:
    """``refund_line_items`` checked against the order: each line and how many to refund
    (default: all not yet refunded)."""
    planned_lines = []
    for raw in raw_lines:
        if not isinstance(raw, dict):
            invalid("refund_line_items", "must be a list of objects")
        li = order.line(integer(raw.get("line_item_id"), "line_item_id"))
        if li is None:
            invalid("refund_line_items", f"line item {raw.get('line_item_id')} not found in this order")
        qty = integer(raw.get("quantity"), "quantity", li.quantity - li.refunded_qty)
        if qty < 1 or qty > li.quantity - li.refunded_qty:
            invalid(
                "refund_line_items",
                f"quantity for line item {li.id} must be 1..{li.quantity - li.refunded_qty}",
            )
        planned_lines.append((li, qty))
    return planned_lines


def _planned_refund_transactions(order: Order, raw_txs: list[Any]) -> list[tuple[float, str | None]]:
    """The refund's ``transactions`` as (amount, gateway), together within what was captured
    and not yet refunded."""
    planned_txs = []
    budget = captured(order) - refunded(order)
    for raw in raw_txs:
        if not isinstance(raw, dict):
            invalid("transactions", "must be a list of objects")
        amount = abs(number(raw.get("amount"), "amount"))
        if amount <= 0:
            invalid("amount", "must be greater than 0")
        if amount > budget + EPS:
            invalid("amount", "must be less than or equal to the amount captured and not yet refunded")
        budget -= amount
        planned_txs.append((amount, text(raw.get("gateway"))))
    return planned_txs


def create_refund(ctx: Ctx, order: Order, body: Any, emit: bool = True, handle_stock: bool = True) -> Refund:
    data = wrapped(body, "refund")
    restock = flag(data.get("restock"), False)
    raw_lines = data.get("refund_line_items") or []
    raw_txs = data.get("transactions") or []
    if not isinstance(raw_lines, list) or not isinstance(raw_txs, list):
        invalid("refund", "refund_line_items and transactions must be lists")
    planned_lines = _planned_refund_lines(order, raw_lines)
    planned_txs = _planned_refund_transactions(order, raw_txs)
    was_paid = order.financial_status == "paid"
    was_fulfilled = order.fulfillment_status == "fulfilled"
    location_id = integer(data.get("location_id"), "location_id", order.location_id)
    if location_id not in ctx.shop.locations:
        location_id = order.location_id
    refund = Refund(
        ctx.next_id("refund"), order.id, text(data.get("note")), restock, location_id, [], [], ctx.now_ms
    )
    release = restock or ctx.config.cancel_releases_committed == "always"
    for li, qty in planned_lines:
        li.refunded_qty += qty
        refund.lines.append((ctx.next_id("refund_line"), li.id, qty))
        if not handle_stock or li.variant_id is None:
            continue
        released = release_commitment(ctx, order, li, qty) if release else 0
        if restock and qty - released > 0 and li.tracked:
            change(ctx, location_id, li.variant_id, d_onhand=qty - released)
    for amount, gateway in planned_txs:
        refund.transaction_ids.append(add_transaction(ctx, order, "refund", amount, "success", gateway).id)
    order.refunds.append(refund)
    recompute_financial(order)
    recompute_fulfillment(order)
    if emit:
        ctx.emit("refunds/create", lambda: serialize_refund(order, refund))
        touch(ctx, order, was_paid, was_fulfilled)
    return refund
