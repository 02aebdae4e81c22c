"""Order domain types the planners read: both platforms' orders reduced to what the sync needs.

The service layer builds these from wire models (``kiotsync.orders.convert``); the planners
never see JSON. Money is ``Decimal``; quantities of Haravan lines are ints, KiotViet quantities
``Decimal`` (fractional goods exist). Timestamps are aware datetimes or ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from .status_map import KV_INVOICE_CANCELLED, KvOrderState, kv_order_state

ZERO = Decimal(0)

#: Marker KiotSync writes into a KiotViet order's description: ``[HRV:<haravan order id>]``.
KV_MARKER_PREFIX = "[HRV:"
#: Marker written into a KiotViet invoice's description for a Haravan fulfilment.
KV_INVOICE_MARKER_PREFIX = "[HRVF:"
#: Note attribute / tag KiotSync writes on Haravan orders it creates (value: KiotViet order code).
HV_MARKER_ATTRIBUTE = "KiotViet"
HV_MARKER_TAG = "KiotViet"
HV_SOURCE = "kiotviet"
#: Note on Haravan fulfilments KiotSync creates: ``KiotViet HD000123``.
HV_FULFILLMENT_NOTE_PREFIX = "KiotViet "


def kv_marker(hv_order_id: int) -> str:
    return f"{KV_MARKER_PREFIX}{hv_order_id}]"


def kv_invoice_marker(hv_fulfillment_id: int) -> str:
    return f"{KV_INVOICE_MARKER_PREFIX}{hv_fulfillment_id}]"


def parse_marker(text: str | None, prefix: str = KV_MARKER_PREFIX) -> int | None:
    """The Haravan id inside a KiotSync marker, or ``None`` (orders KiotSync did not create)."""
    if not text or prefix not in text:
        return None
    tail = text.split(prefix, 1)[1]
    digits = tail.split("]", 1)[0]
    return int(digits) if digits.isdigit() else None


class Origin(StrEnum):
    """Where the order was born; the other platform gets a copy. Which side's statuses drive the
    other's is the order's :class:`Side` (a Haravan order may be processed on either side; a
    KiotViet-born order is only copied when Haravan processes orders)."""

    HARAVAN = "haravan"
    KIOTVIET = "kiotviet"  # processed at Haravan


class Side(StrEnum):
    """The merchant's "Chọn nơi xử lý đơn hàng" setting: where orders are processed, i.e. whose
    statuses drive the other platform's. Stored on each order when first seen."""

    KIOTVIET = "kiotviet"
    HARAVAN = "haravan"


@dataclass(frozen=True)
class Address:
    name: str = ""
    phone: str = ""
    address1: str = ""
    ward: str = ""
    district: str = ""
    province: str = ""

    @property
    def location_name(self) -> str:
        """KiotViet's ``locationName`` is "<province> - <district>"."""
        return " - ".join(p for p in (self.province, self.district) if p)


@dataclass(frozen=True)
class HvLine:
    id: int
    variant_id: int | None
    sku: str
    barcode: str
    title: str
    variant_title: str
    quantity: int
    price: Decimal
    total_discount: Decimal = ZERO
    fulfillable: int | None = None

    @property
    def name(self) -> str:
        return f"{self.title} - {self.variant_title}" if self.variant_title else self.title


@dataclass(frozen=True)
class HvFulfillment:
    id: int
    status: str  # success | cancelled | ...
    carrier: str  # carrier_status_code
    cod: str  # carrier_cod_status_code
    cod_amount: Decimal = ZERO
    tracking_number: str = ""
    tracking_company: str = ""
    note: str = ""
    lines: tuple[tuple[int, int], ...] = ()  # (order line id, quantity)

    @property
    def live(self) -> bool:
        return self.status != "cancelled"


@dataclass(frozen=True)
class HvOrder:
    id: int
    name: str
    created_at: datetime | None = None
    updated_at: datetime | None = None
    source: str = ""
    financial_status: str = "pending"
    fulfillment_status: str = "notfulfilled"
    confirmed: bool = False
    cancelled: bool = False
    closed: bool = False
    is_cod: bool = False
    total_price: Decimal = ZERO
    total_discounts: Decimal = ZERO
    shipping_fee: Decimal = ZERO
    paid: Decimal = ZERO  # captured minus refunded
    customer_name: str = ""
    customer_phone: str = ""
    email: str = ""
    shipping: Address = field(default_factory=Address)
    lines: tuple[HvLine, ...] = ()
    fulfillments: tuple[HvFulfillment, ...] = ()
    note: str = ""
    note_attributes: tuple[tuple[str, str], ...] = ()
    tags: tuple[str, ...] = ()
    location_id: int | None = None

    @property
    def kv_code_marker(self) -> str | None:
        """The KiotViet order code on a Haravan order KiotSync created, else ``None``."""
        for name, value in self.note_attributes:
            if name == HV_MARKER_ATTRIBUTE and value:
                return value
        return None

    @property
    def outstanding(self) -> Decimal:
        return max(ZERO, self.total_price - self.paid)

    @property
    def live_fulfillments(self) -> tuple[HvFulfillment, ...]:
        return tuple(f for f in self.fulfillments if f.live)

    def fulfillment(self, fulfillment_id: int) -> HvFulfillment | None:
        return next((f for f in self.fulfillments if f.id == fulfillment_id), None)

    def remaining(self, line_id: int) -> int:
        """Quantity of a line not yet in a live fulfilment."""
        line = next((ln for ln in self.lines if ln.id == line_id), None)
        if line is None:
            return 0
        done = sum(q for f in self.live_fulfillments for lid, q in f.lines if lid == line_id)
        return max(0, line.quantity - done)


@dataclass(frozen=True)
class KvLine:
    product_id: int
    code: str
    name: str
    quantity: Decimal
    price: Decimal
    discount: Decimal = ZERO  # per unit


@dataclass(frozen=True)
class KvInvoice:
    id: int
    code: str
    status: int
    delivery_status: int | None = None
    using_cod: bool = False
    cod_amount: Decimal = ZERO
    total: Decimal = ZERO
    paid: Decimal = ZERO
    delivery_code: str = ""
    carrier_name: str = ""
    description: str = ""
    lines: tuple[KvLine, ...] = ()
    cod_method: str = ""

    @property
    def live(self) -> bool:
        return self.status != KV_INVOICE_CANCELLED


@dataclass(frozen=True)
class KvOrder:
    id: int
    code: str
    status: int | None
    status_value: str = ""
    branch_id: int | None = None
    description: str = ""
    total: Decimal = ZERO
    paid: Decimal = ZERO  # the order's own payments (deposit)
    using_cod: bool = False
    created_at: datetime | None = None
    modified_at: datetime | None = None
    customer_name: str = ""
    customer_phone: str = ""
    customer_id: int | None = None
    discount: Decimal = ZERO
    lines: tuple[KvLine, ...] = ()
    delivery: Address = field(default_factory=Address)
    delivery_price: Decimal = ZERO
    surcharges: Decimal = ZERO
    sale_channel_id: int | None = None
    invoices: tuple[KvInvoice, ...] = ()

    @property
    def state(self) -> KvOrderState:
        return kv_order_state(self.status, self.status_value)

    @property
    def live_invoices(self) -> tuple[KvInvoice, ...]:
        return tuple(i for i in self.invoices if i.live)

    @property
    def total_paid(self) -> Decimal:
        """Money KiotViet holds for the order: its deposit plus its live invoices' payments."""
        return self.paid + sum((i.paid for i in self.live_invoices), ZERO)

    @property
    def hv_marker(self) -> int | None:
        """The Haravan order id of a KiotViet order KiotSync created, else ``None``."""
        return parse_marker(self.description)

    def invoice(self, invoice_id: int) -> KvInvoice | None:
        return next((i for i in self.invoices if i.id == invoice_id), None)

    def with_invoices(self, invoices: tuple[KvInvoice, ...]) -> KvOrder:
        return replace(self, invoices=invoices)


@dataclass(frozen=True)
class KvTarget:
    """The KiotViet product a Haravan line sells (from the product links)."""

    product_id: int
    code: str
    name: str
    active: bool = True


@dataclass(frozen=True)
class HvTarget:
    """The Haravan variant a KiotViet line sells (from the product links)."""

    variant_id: int
    product_id: int
    sku: str = ""


@dataclass(frozen=True)
class OrderSettings:
    side: Side = Side.KIOTVIET
    branch_id: int | None = None
    location_id: int | None = None
    sale_channel_id: int | None = None  # KiotViet "Website"-like channel for web orders
    shipping_surcharge_id: int | None = None  # KiotViet "thu khác" carrying the web shipping fee


@dataclass(frozen=True)
class Memory:
    """What KiotSync pushed, per link: the planners compare against it so a change KiotSync made
    is never taken for a new change (no echo loops) and manual edits are not fought.

    ``pairs`` maps a KiotViet invoice id to the Haravan fulfilment that mirrors it (either way);
    ``pushed`` holds the last *source* value mirrored per key (``carrier:<invoice>``,
    ``cod:<invoice>``, ``delivery:<fulfilment>``, ``codpay:<fulfilment>``); ``lines`` maps a
    Haravan line id to the KiotViet product it became (or came from).
    """

    confirm_pushed: bool = False
    hv_cancel_pushed: bool = False
    kv_cancel_pushed: bool = False
    closed_pushed: bool = False
    kv_paid_pushed: Decimal = ZERO  # KiotViet money already mirrored to Haravan
    hv_paid_pushed: Decimal = ZERO  # Haravan money already mirrored to KiotViet
    pairs: Mapping[int, int] = field(default_factory=dict)
    pushed: Mapping[str, str] = field(default_factory=dict)
    lines: Mapping[int, int] = field(default_factory=dict)

    def fulfillment_for(self, invoice_id: int) -> int | None:
        return self.pairs.get(invoice_id)

    def invoice_for(self, fulfillment_id: int) -> int | None:
        return next((inv for inv, ful in self.pairs.items() if ful == fulfillment_id), None)

    def with_pair(self, invoice_id: int, fulfillment_id: int) -> Memory:
        return replace(self, pairs={**self.pairs, invoice_id: fulfillment_id})

    def with_pushed(self, key: str, value: str) -> Memory:
        return replace(self, pushed={**self.pushed, key: value})

    def to_json(self) -> dict[str, object]:
        return {
            "confirm_pushed": self.confirm_pushed,
            "hv_cancel_pushed": self.hv_cancel_pushed,
            "kv_cancel_pushed": self.kv_cancel_pushed,
            "closed_pushed": self.closed_pushed,
            "kv_paid_pushed": str(self.kv_paid_pushed),
            "hv_paid_pushed": str(self.hv_paid_pushed),
            "pairs": {str(k): v for k, v in sorted(self.pairs.items())},
            "pushed": dict(sorted(self.pushed.items())),
            "lines": {str(k): v for k, v in sorted(self.lines.items())},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object] | None) -> Memory:
        d = dict(data or {})

        def ints(key: str) -> dict[int, int]:
            raw = d.get(key)
            return {int(k): int(v) for k, v in raw.items()} if isinstance(raw, dict) else {}

        pushed = d.get("pushed")
        return cls(
            confirm_pushed=bool(d.get("confirm_pushed")),
            hv_cancel_pushed=bool(d.get("hv_cancel_pushed")),
            kv_cancel_pushed=bool(d.get("kv_cancel_pushed")),
            closed_pushed=bool(d.get("closed_pushed")),
            kv_paid_pushed=Decimal(str(d.get("kv_paid_pushed") or 0)),
            hv_paid_pushed=Decimal(str(d.get("hv_paid_pushed") or 0)),
            pairs=ints("pairs"),
            pushed={str(k): str(v) for k, v in pushed.items()} if isinstance(pushed, dict) else {},
            lines=ints("lines"),
        )
