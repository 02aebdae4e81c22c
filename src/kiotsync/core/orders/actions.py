"""What the order planners ask the service to do, and how each success updates the memory.

Actions are frozen values. The service executes them in order; after each success it calls
:func:`remember` with the action (and, for creations, the new record's id and line map) to get
the link's new :class:`~.domain.Memory`. Tests replay the same function in a simulator, so "apply
the plan, plan again → nothing" is checked against exactly what production stores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from .domain import ZERO, Address, Memory


@dataclass(frozen=True)
class CustomerSpec:
    phone: str  # normalised, may be ""
    name: str
    email: str = ""
    address: Address = field(default_factory=Address)


@dataclass(frozen=True)
class KvDraftLine:
    product_id: int
    code: str
    quantity: Decimal
    price: Decimal
    note: str = ""
    hv_line_id: int | None = None


@dataclass(frozen=True)
class KvOrderDraft:
    branch_id: int
    description: str
    marker: str  # searched for in descriptions after an unknown outcome
    lines: tuple[KvDraftLine, ...]
    customer: CustomerSpec
    discount: Decimal = ZERO
    shipping_fee: Decimal = ZERO
    shipping_surcharge_id: int | None = None
    delivery: Address | None = None
    using_cod: bool = False
    prepaid: Decimal = ZERO
    sale_channel_id: int | None = None


@dataclass(frozen=True)
class KvInvoiceDraft:
    order_id: int
    description: str
    marker: str
    lines: tuple[KvDraftLine, ...] = ()  # empty: invoice everything the order still holds
    delivery_status: int | None = None
    delivery_code: str = ""
    carrier_name: str = ""
    delivery: Address | None = None
    using_cod: bool = False
    cod_amount: Decimal = ZERO
    paid: Decimal = ZERO


@dataclass(frozen=True)
class HvDraftLine:
    variant_id: int
    quantity: int
    price: Decimal
    title: str
    kv_product_id: int


@dataclass(frozen=True)
class HvOrderDraft:
    kv_code: str
    lines: tuple[HvDraftLine, ...]
    customer: CustomerSpec | None
    shipping: Address | None = None
    shipping_fee: Decimal = ZERO
    discount: Decimal = ZERO
    paid: Decimal = ZERO
    is_cod: bool = False
    location_id: int | None = None
    note: str = ""


# -- KiotViet-side actions --------------------------------------------------------------------
@dataclass(frozen=True)
class CreateKvOrder:
    draft: KvOrderDraft
    #: Creating the order again after KiotViet cancelled it (processing at Haravan, the merchant
    #: asked): the id of the cancelled order it replaces. What was mirrored to it is forgotten.
    replaces: int | None = None


@dataclass(frozen=True)
class CancelKvOrder:
    kv_order_id: int
    code: str
    invoice_ids: tuple[int, ...] = ()  # cancelled first (KiotViet refuses to cancel an invoiced order)


@dataclass(frozen=True)
class ConfirmKvOrder:
    kv_order_id: int


@dataclass(frozen=True)
class CreateKvInvoice:
    fulfillment_id: int
    carrier: str  # the Haravan carrier code mirrored (memory)
    draft: KvInvoiceDraft


@dataclass(frozen=True)
class SetKvDelivery:
    invoice_id: int
    fulfillment_id: int
    delivery_status: int
    carrier: str


@dataclass(frozen=True)
class SetKvCodCollected:
    invoice_id: int
    fulfillment_id: int
    cod: str


# -- Haravan-side actions ---------------------------------------------------------------------
@dataclass(frozen=True)
class CreateHvOrder:
    draft: HvOrderDraft


@dataclass(frozen=True)
class ConfirmHvOrder:
    pass


@dataclass(frozen=True)
class CreateHvFulfillment:
    invoice_id: int
    invoice_code: str
    lines: tuple[tuple[int, int], ...]  # (Haravan line id, qty); empty: everything left
    carrier: str | None
    carrier_source: str
    cod: str
    cod_amount: Decimal = ZERO
    tracking_number: str = ""
    tracking_company: str = ""
    note: str = ""


@dataclass(frozen=True)
class SetHvCarrier:
    fulfillment_id: int
    invoice_id: int
    carrier: str | None
    carrier_source: str | None
    cod: str | None


@dataclass(frozen=True)
class CaptureHvPayment:
    amount: Decimal
    kv_paid: Decimal


@dataclass(frozen=True)
class CancelHvOrder:
    reason: str = "other"
    restock: bool = True


@dataclass(frozen=True)
class CloseHvOrder:
    pass


# -- memory only ------------------------------------------------------------------------------
@dataclass(frozen=True)
class AdoptPair:
    """A fulfilment/invoice pair that already exists (found by its marker): remember it."""

    invoice_id: int
    fulfillment_id: int
    source_key: str
    source_value: str


OrderAction = (
    CreateKvOrder
    | CancelKvOrder
    | ConfirmKvOrder
    | CreateKvInvoice
    | SetKvDelivery
    | SetKvCodCollected
    | CreateHvOrder
    | ConfirmHvOrder
    | CreateHvFulfillment
    | SetHvCarrier
    | CaptureHvPayment
    | CancelHvOrder
    | CloseHvOrder
    | AdoptPair
)

#: Actions that write to KiotViet / Haravan (the rest only touch KiotSync's memory).
KIOTVIET_ACTIONS = (
    CreateKvOrder,
    CancelKvOrder,
    ConfirmKvOrder,
    CreateKvInvoice,
    SetKvDelivery,
    SetKvCodCollected,
)
HARAVAN_ACTIONS = (
    CreateHvOrder,
    ConfirmHvOrder,
    CreateHvFulfillment,
    SetHvCarrier,
    CaptureHvPayment,
    CancelHvOrder,
    CloseHvOrder,
)


def remember(
    memory: Memory,
    action: OrderAction,
    *,
    new_id: int | None = None,
    line_map: Mapping[int, int] | None = None,
) -> Memory:
    """The memory after ``action`` succeeded (``new_id``: the record a creation made;
    ``line_map``: Haravan line id → KiotViet product id established by an order creation)."""
    if isinstance(action, CreateKvOrder):
        lines = {ln.hv_line_id: ln.product_id for ln in action.draft.lines if ln.hv_line_id is not None}
        paid = action.draft.prepaid
        base = Memory() if action.replaces is not None else memory
        return replace(base, lines={**base.lines, **lines}, kv_paid_pushed=paid, hv_paid_pushed=paid)
    if isinstance(action, CreateHvOrder):
        paid = action.draft.paid
        return replace(
            memory, lines={**memory.lines, **(line_map or {})}, kv_paid_pushed=paid, hv_paid_pushed=paid
        )
    if isinstance(action, CancelKvOrder):
        return replace(memory, kv_cancel_pushed=True)
    if isinstance(action, CancelHvOrder):
        return replace(memory, hv_cancel_pushed=True)
    if isinstance(action, ConfirmKvOrder | ConfirmHvOrder):
        return replace(memory, confirm_pushed=True)
    if isinstance(action, CloseHvOrder):
        return replace(memory, closed_pushed=True)
    if isinstance(action, CaptureHvPayment):
        return replace(memory, kv_paid_pushed=max(memory.kv_paid_pushed, action.kv_paid))
    return _remember_shipping(memory, action, new_id)


def _remember_shipping(memory: Memory, action: OrderAction, new_id: int | None) -> Memory:
    """The memory after an invoice/fulfilment action (pairs, carrier and COD codes pushed)."""
    if isinstance(action, CreateKvInvoice):
        assert new_id is not None, "an invoice creation needs the new invoice id"
        mem = memory.with_pair(new_id, action.fulfillment_id).with_pushed(
            f"delivery:{action.fulfillment_id}", action.carrier
        )
        return replace(mem, hv_paid_pushed=memory.hv_paid_pushed + action.draft.paid)
    if isinstance(action, SetKvDelivery):
        return memory.with_pushed(f"delivery:{action.fulfillment_id}", action.carrier)
    if isinstance(action, SetKvCodCollected):
        return memory.with_pushed(f"codpay:{action.fulfillment_id}", action.cod)
    if isinstance(action, CreateHvFulfillment):
        assert new_id is not None, "a fulfilment creation needs the new fulfilment id"
        return (
            memory.with_pair(action.invoice_id, new_id)
            .with_pushed(f"carrier:{action.invoice_id}", action.carrier_source)
            .with_pushed(f"cod:{action.invoice_id}", action.cod)
        )
    if isinstance(action, SetHvCarrier):
        mem = memory
        if action.carrier_source is not None:
            mem = mem.with_pushed(f"carrier:{action.invoice_id}", action.carrier_source)
        if action.cod is not None:
            mem = mem.with_pushed(f"cod:{action.invoice_id}", action.cod)
        return mem
    if isinstance(action, AdoptPair):
        return memory.with_pair(action.invoice_id, action.fulfillment_id).with_pushed(
            action.source_key, action.source_value
        )
    return memory


_CREATE_KV_TEXT = {
    (False, True): "Tạo đơn đặt hàng KiotViet",
    (False, False): "Create the KiotViet order",
    (True, True): "Tạo lại đơn đặt hàng KiotViet",
    (True, False): "Create the KiotViet order again",
}


def describe(action: OrderAction, lang: str = "vi") -> str:
    """One line for the order's timeline."""
    vi = lang != "en"
    if isinstance(action, CreateKvOrder):
        return _CREATE_KV_TEXT[(action.replaces is not None, vi)]
    if isinstance(action, CancelKvOrder):
        return f"Hủy đơn KiotViet {action.code}" if vi else f"Cancel KiotViet order {action.code}"
    if isinstance(action, ConfirmKvOrder):
        return "Xác nhận đơn KiotViet" if vi else "Confirm the KiotViet order"
    if isinstance(action, CreateKvInvoice):
        return (
            "Tạo hóa đơn KiotViet từ vận đơn Haravan"
            if vi
            else "Invoice the KiotViet order from the Haravan fulfilment"
        )
    if isinstance(action, SetKvDelivery):
        return (
            f"Cập nhật giao hàng KiotViet ({action.carrier})"
            if vi
            else f"Update KiotViet delivery ({action.carrier})"
        )
    if isinstance(action, SetKvCodCollected):
        return "Ghi nhận đã thu COD trên KiotViet" if vi else "Record COD collected in KiotViet"
    if isinstance(action, CreateHvOrder):
        return "Tạo đơn Haravan" if vi else "Create the Haravan order"
    if isinstance(action, ConfirmHvOrder):
        return "Xác nhận đơn Haravan" if vi else "Confirm the Haravan order"
    if isinstance(action, CreateHvFulfillment):
        return (
            f"Tạo vận đơn Haravan từ hóa đơn {action.invoice_code}"
            if vi
            else f"Fulfil on Haravan from invoice {action.invoice_code}"
        )
    if isinstance(action, SetHvCarrier):
        bits = [b for b in (action.carrier, action.cod) if b]
        return (
            f"Cập nhật vận chuyển Haravan ({', '.join(bits)})"
            if vi
            else f"Update Haravan carrier ({', '.join(bits)})"
        )
    if isinstance(action, CaptureHvPayment):
        return (
            f"Ghi nhận thanh toán Haravan {action.amount:,.0f}đ"
            if vi
            else f"Capture {action.amount:,.0f} VND on Haravan"
        )
    if isinstance(action, CancelHvOrder):
        return "Hủy đơn Haravan (nhập lại kho)" if vi else "Cancel the Haravan order (restock)"
    if isinstance(action, CloseHvOrder):
        return "Đóng đơn Haravan" if vi else "Close the Haravan order"
    if isinstance(action, AdoptPair):
        return "Ghép vận đơn và hóa đơn đã có" if vi else "Pair an existing fulfilment and invoice"
    return type(action).__name__
