"""Processing at Haravan: a KiotViet-born order becomes a Haravan order; Haravan's handling flows
back to the KiotViet order.

``plan_kiotviet_order(kv, hv, memory, settings, targets, skip, forced)``:

* no Haravan order yet → ``CreateHvOrder`` (source ``kiotviet``, note attribute carrying the
  KiotViet code, lines through the product links, customer, address, location, payment state),
  unless cancelled/completed first, or a line is not linked;
* Haravan order exists → Haravan's handling drives KiotViet (:mod:`.follow_haravan`): confirmed →
  KiotViet status 5; each live fulfilment → a KiotViet invoice from the order (delivery status
  from the carrier code, COD amount, money Haravan captured); carrier progress → invoice delivery
  status; COD collected → the invoice's COD payment method; cancelled → KiotViet invoices then
  order cancelled. A KiotViet cancellation cancels Haravan (the order was born in KiotViet).
"""

from __future__ import annotations

from collections.abc import Mapping

from .actions import (
    CancelHvOrder,
    CreateHvOrder,
    CustomerSpec,
    HvDraftLine,
    HvOrderDraft,
)
from .domain import (
    ZERO,
    Address,
    HvOrder,
    HvTarget,
    KvOrder,
    Memory,
    OrderSettings,
)
from .follow_haravan import cancel_kiotviet, follow_haravan
from .phones import is_valid_phone, normalize_phone
from .plan import Plan
from .reasons import OrderReason, OrderReasonCode
from .status_map import KvOrderState

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
        return cancel_kiotviet(kv, memory)
    if state == KvOrderState.CANCELLED:
        if hv.cancelled or memory.hv_cancel_pushed:
            return Plan()
        # A KiotViet-born order: cancelling it where it was born cancels its Haravan copy.
        return Plan(actions=(CancelHvOrder(reason="other", restock=True),))
    return Plan(actions=follow_haravan(kv, hv, memory))
