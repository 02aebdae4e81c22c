"""Processing at Haravan: a KiotViet-born order becomes a Haravan order; Haravan's handling flows
back to the KiotViet order.

``plan_kiotviet_order(kv, hv, memory, settings, targets, skip, forced)``:

* no Haravan order yet → ``CreateHvOrder`` (source ``kiotviet``, note attribute carrying the
  KiotViet code, lines through the product links, customer, address, location, payment state),
  unless cancelled/completed first, or a line is not linked;
* Haravan order exists → confirmed → KiotViet status 5; each live fulfilment → a KiotViet invoice
  from the order (delivery status from the carrier code, COD amount, money Haravan captured);
  carrier progress → invoice delivery status; COD collected → the invoice's COD payment method;
  cancelled → KiotViet invoices then order cancelled. A KiotViet cancellation cancels Haravan.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from .actions import (
    AdoptPair,
    CancelHvOrder,
    CancelKvOrder,
    ConfirmKvOrder,
    CreateHvOrder,
    CreateKvInvoice,
    CustomerSpec,
    HvDraftLine,
    HvOrderDraft,
    KvDraftLine,
    KvInvoiceDraft,
    OrderAction,
    SetKvCodCollected,
    SetKvDelivery,
)
from .domain import (
    ZERO,
    Address,
    HvFulfillment,
    HvOrder,
    HvTarget,
    KvOrder,
    Memory,
    OrderSettings,
    kv_invoice_marker,
)
from .phones import is_valid_phone, normalize_phone
from .plan import Plan
from .reasons import OrderReason, OrderReasonCode
from .status_map import COD_COLLECTED, KvOrderState, delivery_for_carrier

__all__ = ["draft_hv_order", "plan_kiotviet_order"]


def plan_kiotviet_order(
    kv: KvOrder,
    hv: HvOrder | None,
    memory: Memory,
    settings: OrderSettings,
    targets: Mapping[int, HvTarget | None],
    *,
    skip: OrderReason | None = None,
    forced: bool = False,
) -> Plan:
    if hv is None:
        state = kv.state
        if state == KvOrderState.CANCELLED:
            return Plan(reason=OrderReason.of(OrderReasonCode.CANCELLED_BEFORE_SYNC))
        if state == KvOrderState.COMPLETED and not forced:
            return Plan(reason=OrderReason.of(OrderReasonCode.COMPLETED_BEFORE_SYNC))
        if skip is not None and not forced:
            return Plan(reason=skip)
        draft = draft_hv_order(kv, settings, targets)
        if isinstance(draft, OrderReason):
            return Plan(reason=draft)
        return Plan(actions=(CreateHvOrder(draft),))
    return _flow_back(kv, hv, memory)


def _split_location(location_name: str) -> tuple[str, str]:
    """KiotViet "Hà Nội - Quận Đống Đa" → (province, district)."""
    province, _, district = location_name.partition(" - ")
    return province.strip(), district.strip()


def draft_hv_order(
    kv: KvOrder, settings: OrderSettings, targets: Mapping[int, HvTarget | None]
) -> HvOrderDraft | OrderReason:
    if not kv.lines:
        return OrderReason.of(OrderReasonCode.NO_LINES)
    lines: list[HvDraftLine] = []
    for line in kv.lines:
        target = targets.get(line.product_id)
        if target is None:
            return OrderReason.of(OrderReasonCode.KV_PRODUCT_NOT_LINKED, code=line.code, name=line.name)
        if line.quantity != line.quantity.to_integral_value():
            return OrderReason.of(
                OrderReasonCode.KIOTVIET_REJECTED,
                message=f"số lượng lẻ ({line.quantity}) của {line.code} không bán được trên Haravan",
            )
        lines.append(
            HvDraftLine(
                variant_id=target.variant_id,
                quantity=int(line.quantity),
                price=line.price - line.discount,
                title=line.name,
                kv_product_id=line.product_id,
            )
        )
    phone_raw = kv.delivery.phone or kv.customer_phone
    phone = normalize_phone(phone_raw) if is_valid_phone(phone_raw) else ""
    customer = None
    if kv.customer_name or phone:
        customer = CustomerSpec(phone=phone, name=kv.customer_name or kv.delivery.name or phone)
    shipping = None
    if kv.delivery.address1 or kv.delivery.name:
        province, district = (
            (kv.delivery.province, kv.delivery.district)
            if kv.delivery.province
            else _split_location(kv.delivery.district)
        )
        shipping = Address(
            name=kv.delivery.name or kv.customer_name,
            phone=phone,
            address1=kv.delivery.address1,
            ward=kv.delivery.ward,
            district=district,
            province=province,
        )
    note = f"Đơn KiotViet {kv.code}" + (f" | {kv.description.strip()}" if kv.description.strip() else "")
    return HvOrderDraft(
        kv_code=kv.code,
        lines=tuple(lines),
        customer=customer,
        shipping=shipping,
        shipping_fee=kv.surcharges,
        discount=kv.discount,
        paid=kv.paid if kv.paid > 0 else ZERO,
        is_cod=kv.using_cod,
        location_id=settings.location_id,
        note=note[:1000],
    )


def _flow_back(kv: KvOrder, hv: HvOrder, memory: Memory) -> Plan:
    state = kv.state
    if hv.cancelled and state != KvOrderState.CANCELLED:
        if memory.kv_cancel_pushed:
            return Plan()
        invoices = tuple(i.id for i in kv.live_invoices)
        return Plan(actions=(CancelKvOrder(kv.id, kv.code, invoices),))
    if state == KvOrderState.CANCELLED:
        if hv.cancelled or memory.hv_cancel_pushed:
            return Plan()
        return Plan(actions=(CancelHvOrder(reason="other", restock=True),))

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
    return Plan(actions=tuple(actions))


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
