"""Processing at KiotViet: a Haravan order becomes a KiotViet order; KiotViet's progress flows back.

``plan_haravan_order(hv, kv, memory, settings, targets, skip, forced)``:

* no KiotViet order yet → ``CreateKvOrder`` (or the reason it cannot be made: unlinked SKU,
  inactive product, missing/invalid phone, no branch…; or a skip: cancelled first, placed before
  syncing started) — the same creation :mod:`.plan_haravan_order_at_haravan` plans;
* KiotViet order exists → status flows to Haravan: confirmed → confirm; each live invoice → a
  fulfilment (carrier + COD codes from its delivery); paid → capture; completed, delivered and paid
  → close; cancelled → cancel with restock. A Haravan cancellation cancels the KiotViet order.

Statuses are compared with :class:`~.domain.Memory` (what was last mirrored) so a change
KiotSync made is never taken for a new one, and a manual edit on Haravan is not fought.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from .actions import (
    AdoptPair,
    CancelHvOrder,
    CancelKvOrder,
    CaptureHvPayment,
    CloseHvOrder,
    ConfirmHvOrder,
    CreateHvFulfillment,
    CreateKvOrder,
    CustomerSpec,
    KvDraftLine,
    KvOrderDraft,
    OrderAction,
    SetHvCarrier,
)
from .domain import (
    HV_FULFILLMENT_NOTE_PREFIX,
    ZERO,
    Address,
    HvOrder,
    KvInvoice,
    KvOrder,
    KvTarget,
    Memory,
    OrderSettings,
    kv_marker,
)
from .phones import is_valid_phone, normalize_phone
from .plan import Plan
from .reasons import OrderReason, OrderReasonCode
from .status_map import (
    COD_COLLECTED,
    KV_INVOICE_COMPLETED,
    KvOrderState,
    carrier_for_delivery,
    cod_for_invoice,
)

__all__ = ["carrier_source", "draft_kv_order", "plan_haravan_order", "plan_kv_creation"]


def plan_haravan_order(
    hv: HvOrder,
    kv: KvOrder | None,
    memory: Memory,
    settings: OrderSettings,
    targets: Mapping[int, KvTarget | None],
    *,
    skip: OrderReason | None = None,
    forced: bool = False,
) -> Plan:
    if kv is None:
        return plan_kv_creation(hv, settings, targets, skip, forced)
    return _flow_back(hv, kv, memory)


# -- creating the KiotViet order ---------------------------------------------------------------
def plan_kv_creation(
    hv: HvOrder,
    settings: OrderSettings,
    targets: Mapping[int, KvTarget | None],
    skip: OrderReason | None,
    forced: bool,
) -> Plan:
    """The KiotViet order a Haravan order becomes (whichever side processes it), or why not."""
    if hv.cancelled:
        return Plan(reason=OrderReason.of(OrderReasonCode.CANCELLED_BEFORE_SYNC))
    if skip is not None and not forced:
        return Plan(reason=skip)
    draft = draft_kv_order(hv, settings, targets)
    if isinstance(draft, OrderReason):
        return Plan(reason=draft)
    return Plan(actions=(CreateKvOrder(draft),))


def draft_kv_order(
    hv: HvOrder, settings: OrderSettings, targets: Mapping[int, KvTarget | None]
) -> KvOrderDraft | OrderReason:
    """The KiotViet order for a Haravan order, or the first reason it cannot be made."""
    if settings.branch_id is None:
        return OrderReason.of(OrderReasonCode.BRANCH_NOT_CHOSEN)
    phones = [p.strip() for p in (hv.customer_phone, hv.shipping.phone) if p and p.strip()]
    if not phones:
        return OrderReason.of(OrderReasonCode.PHONE_MISSING)
    raw_phone = next((p for p in phones if is_valid_phone(p)), "")
    if not raw_phone:
        return OrderReason.of(OrderReasonCode.PHONE_INVALID, phone=phones[0])
    if not hv.lines:
        return OrderReason.of(OrderReasonCode.NO_LINES)
    lines: list[KvDraftLine] = []
    for line in hv.lines:
        target = targets.get(line.id)
        if target is None:
            if line.sku.strip():
                return OrderReason.of(OrderReasonCode.SKU_NOT_LINKED, sku=line.sku.strip(), title=line.name)
            return OrderReason.of(OrderReasonCode.LINE_WITHOUT_SKU, title=line.name)
        if not target.active:
            return OrderReason.of(OrderReasonCode.PRODUCT_INACTIVE, code=target.code, name=target.name)
        lines.append(
            KvDraftLine(
                product_id=target.product_id,
                code=target.code,
                quantity=Decimal(line.quantity),
                price=line.price,
                note=line.variant_title,
                hv_line_id=line.id,
            )
        )
    phone = normalize_phone(raw_phone)
    ship_phone = normalize_phone(hv.shipping.phone) if is_valid_phone(hv.shipping.phone) else phone
    delivery = Address(
        name=hv.shipping.name or hv.customer_name or phone,
        phone=ship_phone,
        address1=hv.shipping.address1,
        ward=hv.shipping.ward,
        district=hv.shipping.district,
        province=hv.shipping.province,
    )
    marker = kv_marker(hv.id)
    note = f" | {hv.note.strip()}" if hv.note.strip() else ""
    return KvOrderDraft(
        branch_id=settings.branch_id,
        description=f"Đơn Haravan {hv.name} {marker}{note}"[:1000],
        marker=marker,
        lines=tuple(lines),
        customer=CustomerSpec(
            phone=phone,
            name=hv.customer_name or hv.shipping.name or phone,
            email=hv.email,
            address=delivery,
        ),
        discount=hv.total_discounts,
        shipping_fee=hv.shipping_fee,
        shipping_surcharge_id=settings.shipping_surcharge_id if hv.shipping_fee > 0 else None,
        delivery=delivery,
        using_cod=hv.is_cod,
        prepaid=hv.paid if hv.paid > 0 else ZERO,
        sale_channel_id=settings.sale_channel_id,
    )


# -- KiotViet's progress back to Haravan --------------------------------------------------------
def carrier_source(invoice: KvInvoice) -> str:
    """The KiotViet facts a carrier code is derived from (what memory compares)."""
    return f"{invoice.status}/{invoice.delivery_status or 0}"


def _flow_back(hv: HvOrder, kv: KvOrder, memory: Memory) -> Plan:
    cancellation = _cancellation(hv, kv, memory)
    if cancellation is not None:
        return cancellation
    state = kv.state
    actions: list[OrderAction] = []
    invoices = sorted(kv.invoices, key=lambda i: i.id)
    live = [i for i in invoices if i.live]
    progressed = state in (KvOrderState.CONFIRMED, KvOrderState.PROCESSING, KvOrderState.COMPLETED) or bool(
        live
    )
    if progressed and not hv.confirmed and not memory.confirm_pushed:
        actions.append(ConfirmHvOrder())
    shipping, collecting = _shipping(hv, invoices, memory)
    actions.extend(shipping)

    kv_paid = kv.total_paid
    if not collecting and kv_paid > memory.kv_paid_pushed and kv_paid > hv.paid and hv.outstanding > 0:
        actions.append(CaptureHvPayment(min(kv_paid - hv.paid, hv.outstanding), kv_paid))

    if not actions and _closable(hv, kv, live, memory):
        actions.append(CloseHvOrder())
    return Plan(actions=tuple(actions))


def _cancellation(hv: HvOrder, kv: KvOrder, memory: Memory) -> Plan | None:
    """A cancellation on either side and what it asks of the other (None: neither cancelled)."""
    state = kv.state
    if hv.cancelled and state != KvOrderState.CANCELLED:
        if state == KvOrderState.COMPLETED:
            return Plan(
                reason=OrderReason.of(
                    OrderReasonCode.CANNOT_CANCEL_COMPLETED, cancelled_on="Haravan", code=kv.code
                )
            )
        if memory.kv_cancel_pushed:
            return Plan()
        return Plan(actions=(CancelKvOrder(kv.id, kv.code),))
    if state == KvOrderState.CANCELLED:
        if hv.cancelled or memory.hv_cancel_pushed:
            return Plan()
        return Plan(actions=(CancelHvOrder(reason="other", restock=True),))
    if hv.cancelled:
        return Plan()
    return None


def _shipping(hv: HvOrder, invoices: list[KvInvoice], memory: Memory) -> tuple[list[OrderAction], bool]:
    """Each invoice's fulfilment on Haravan (created, adopted, or its carrier/COD codes brought
    up to date). Second item: a COD code meaning "collected" was pushed (Haravan then captures
    by itself)."""
    actions: list[OrderAction] = []
    paired = set(memory.pairs.values())
    collecting = False
    adopted: set[int] = set()
    for inv in invoices:
        fid = memory.fulfillment_for(inv.id)
        if fid is None:
            if not inv.live:
                continue
            action = _fulfil(hv, inv, memory, paired | adopted)
            if action is not None:
                if isinstance(action, CreateHvFulfillment) and action.cod in COD_COLLECTED:
                    collecting = True
                if isinstance(action, AdoptPair):
                    adopted.add(action.fulfillment_id)
                actions.append(action)
            continue
        update = _carrier_update(hv, inv, fid, memory)
        if update is not None:
            collecting = collecting or update.cod in COD_COLLECTED
            actions.append(update)
    return actions, collecting


def _carrier_update(hv: HvOrder, inv: KvInvoice, fid: int, memory: Memory) -> SetHvCarrier | None:
    """New carrier or COD codes for a mirrored invoice's fulfilment (None: nothing new)."""
    fulfilment = hv.fulfillment(fid)
    if fulfilment is None:
        return None
    carrier = carrier_for_delivery(inv.delivery_status, inv.status)
    source = carrier_source(inv)
    new_carrier = None
    if memory.pushed.get(f"carrier:{inv.id}") != source and carrier and carrier != fulfilment.carrier:
        new_carrier = carrier
    cod = cod_for_invoice(inv.using_cod, inv.delivery_status, inv.paid >= inv.total > 0, inv.status)
    new_cod = None
    if memory.pushed.get(f"cod:{inv.id}") != cod and cod != fulfilment.cod:
        new_cod = cod
    if not (new_carrier or new_cod):
        return None
    return SetHvCarrier(fid, inv.id, new_carrier, source if new_carrier else None, new_cod)


def _closable(hv: HvOrder, kv: KvOrder, live: list[KvInvoice], memory: Memory) -> bool:
    """Completed, delivered and paid in KiotViet, fulfilled on Haravan: close the Haravan order."""
    delivered = all(i.status == KV_INVOICE_COMPLETED and (i.delivery_status in (None, 3)) for i in live)
    return (
        kv.state == KvOrderState.COMPLETED
        and bool(live)
        and delivered
        and hv.outstanding <= 0
        and hv.fulfillment_status == "fulfilled"
        and not hv.closed
        and not memory.closed_pushed
    )


def _fulfil(hv: HvOrder, inv: KvInvoice, memory: Memory, taken: set[int]) -> OrderAction | None:
    """A fulfilment for a live invoice not yet mirrored: adopt one KiotSync made earlier (its note
    names the invoice), or create one for the lines the invoice covers."""
    note = f"{HV_FULFILLMENT_NOTE_PREFIX}{inv.code}"
    source = carrier_source(inv)
    for f in hv.fulfillments:
        if f.id not in taken and f.note == note:
            return AdoptPair(inv.id, f.id, f"carrier:{inv.id}", source)
    lines = _allocate(hv, inv, memory)
    if lines is None:
        return None
    cod = cod_for_invoice(inv.using_cod, inv.delivery_status, inv.paid >= inv.total > 0, inv.status)
    return CreateHvFulfillment(
        invoice_id=inv.id,
        invoice_code=inv.code,
        lines=lines,
        carrier=carrier_for_delivery(inv.delivery_status, inv.status),
        carrier_source=source,
        cod=cod,
        cod_amount=inv.cod_amount if inv.using_cod else ZERO,
        tracking_number=inv.delivery_code,
        tracking_company=inv.carrier_name,
        note=note,
    )


def _allocate(hv: HvOrder, inv: KvInvoice, memory: Memory) -> tuple[tuple[int, int], ...] | None:
    """Haravan lines (and quantities) an invoice ships. ``()`` = everything left; ``None`` = nothing
    left to fulfil (e.g. the merchant fulfilled on Haravan by hand)."""
    remaining = {ln.id: hv.remaining(ln.id) for ln in hv.lines}
    if sum(remaining.values()) <= 0:
        return None
    if not inv.lines or not memory.lines:
        return ()
    want: dict[int, Decimal] = {}
    for line in inv.lines:
        want[line.product_id] = want.get(line.product_id, ZERO) + line.quantity
    picked: list[tuple[int, int]] = []
    for ln in hv.lines:
        product = memory.lines.get(ln.id)
        if product is None or want.get(product, ZERO) <= 0 or remaining[ln.id] <= 0:
            continue
        qty = min(remaining[ln.id], int(want[product]))
        if qty > 0:
            picked.append((ln.id, qty))
            want[product] -= qty
    if not picked:
        return ()
    if all(remaining[lid] == qty for lid, qty in picked) and len(picked) == sum(
        1 for v in remaining.values() if v > 0
    ):
        return ()  # the invoice ships everything that is left
    return tuple(picked)
