"""Haravan's handling drives the KiotViet order: the part both "processed at Haravan" planners
share (a KiotViet-born order, :mod:`.plan_kiotviet_order`; a Haravan-born order,
:mod:`.plan_haravan_order_at_haravan`).

``follow_haravan(kv, hv, memory)`` — with neither side cancelled:

* Haravan confirmed → KiotViet status 5 (while the order is a draft without invoices);
* each live Haravan fulfilment → a KiotViet invoice from the order (``orderId``; its lines when
  partial), delivery status from the carrier code, COD amount, money Haravan captured that
  KiotViet lacks, marker ``[HRVF:<fulfilment id>]`` (an invoice carrying it is adopted, not made
  again); KiotViet takes the stock when the invoice is made;
* carrier progress → the invoice's delivery status; COD collected → its COD payment method.

``cancel_kiotviet(kv, hv, memory)`` — Haravan cancelled: the KiotViet order's live invoices,
then the order (once).

Statuses are compared with :class:`~.domain.Memory` (what was last mirrored), never with the
KiotViet order's current value, so a manual change in KiotViet is not fought and KiotSync's own
writes are never taken for new changes.
"""

from __future__ import annotations

from decimal import Decimal

from .actions import (
    AdoptPair,
    CancelKvOrder,
    ConfirmKvOrder,
    CreateKvInvoice,
    KvDraftLine,
    KvInvoiceDraft,
    OrderAction,
    SetKvCodCollected,
    SetKvDelivery,
)
from .domain import ZERO, HvFulfillment, HvOrder, KvOrder, Memory, kv_invoice_marker
from .plan import Plan
from .status_map import COD_COLLECTED, KvOrderState, delivery_for_carrier

__all__ = ["cancel_kiotviet", "follow_haravan"]


def cancel_kiotviet(kv: KvOrder, memory: Memory) -> Plan:
    """Haravan cancelled the order: cancel the KiotViet invoices, then the order (once)."""
    if memory.kv_cancel_pushed:
        return Plan()
    invoices = tuple(i.id for i in kv.live_invoices)
    return Plan(actions=(CancelKvOrder(kv.id, kv.code, invoices),))


def follow_haravan(kv: KvOrder, hv: HvOrder, memory: Memory) -> tuple[OrderAction, ...]:
    """What Haravan's confirmation, fulfilments, carrier and COD progress ask of KiotViet."""
    state = kv.state
    actions: list[OrderAction] = []
    if hv.confirmed and state == KvOrderState.DRAFT and not memory.confirm_pushed and not kv.invoices:
        actions.append(ConfirmKvOrder(kv.id))

    taken = set(memory.pairs.keys())
    hv_paid_left = max(ZERO, hv.paid - memory.hv_paid_pushed)
    for f in sorted(hv.fulfillments, key=lambda x: x.id):
        inv_id = memory.invoice_for(f.id)
        if inv_id is None:
            if not f.live:
                continue
            marker = kv_invoice_marker(f.id)
            existing = next((i for i in kv.invoices if i.id not in taken and marker in i.description), None)
            if existing is not None:
                taken.add(existing.id)
                actions.append(AdoptPair(existing.id, f.id, f"delivery:{f.id}", f.carrier))
                continue
            if state == KvOrderState.COMPLETED:
                continue  # everything is invoiced already
            draft = _invoice_draft(kv, hv, f, memory, hv_paid_left)
            hv_paid_left -= draft.paid
            actions.append(CreateKvInvoice(f.id, f.carrier, draft))
            continue
        inv = kv.invoice(inv_id)
        if inv is None or not inv.live:
            continue
        if memory.pushed.get(f"delivery:{f.id}") != f.carrier:
            desired = delivery_for_carrier(f.carrier)
            if desired is not None and desired != inv.delivery_status:
                actions.append(SetKvDelivery(inv.id, f.id, desired, f.carrier))
        if (
            f.cod in COD_COLLECTED
            and inv.using_cod
            and not inv.cod_method
            and memory.pushed.get(f"codpay:{f.id}") != f.cod
        ):
            actions.append(SetKvCodCollected(inv.id, f.id, f.cod))
    return tuple(actions)


def _invoice_draft(
    kv: KvOrder, hv: HvOrder, f: HvFulfillment, memory: Memory, paid_left: Decimal
) -> KvInvoiceDraft:
    """The KiotViet invoice for a Haravan fulfilment: the lines it ships (all that is left when it
    ships everything), its delivery status, COD and what Haravan captured that KiotViet lacks."""
    partial = any(hv.remaining(ln.id) > 0 for ln in hv.lines)
    lines: tuple[KvDraftLine, ...] = ()
    if partial or len(hv.live_fulfillments) > 1:
        prices = {ln.product_id: ln for ln in kv.lines}
        picked: list[KvDraftLine] = []
        for line_id, qty in f.lines:
            product = memory.lines.get(line_id)
            kv_line = prices.get(product) if product is not None else None
            if kv_line is None:
                picked = []
                break
            picked.append(
                KvDraftLine(kv_line.product_id, kv_line.code, Decimal(qty), kv_line.price, hv_line_id=line_id)
            )
        lines = tuple(picked)
    return KvInvoiceDraft(
        order_id=kv.id,
        description=f"Vận đơn Haravan {hv.name} {kv_invoice_marker(f.id)}",
        marker=kv_invoice_marker(f.id),
        lines=lines,
        delivery_status=delivery_for_carrier(f.carrier) or 1,
        delivery_code=f.tracking_number,
        carrier_name=f.tracking_company,
        delivery=hv.shipping if hv.shipping.address1 or hv.shipping.name else None,
        using_cod=f.cod_amount > 0,
        cod_amount=f.cod_amount,
        paid=min(paid_left, kv.total) if paid_left > 0 else ZERO,
    )
