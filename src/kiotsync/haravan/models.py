"""Haravan wire models: typed, frozen, parsed tolerantly.

Haravan mixes conventions (§4.10): ``fulfillment_status`` is ``"notfulfilled"`` where the
docs say null (both read as ``None`` here), ``financial_status`` sometimes lacks its
underscore (``partiallypaid``), transaction ``kind``/``status`` arrive in any case (read as
lower case), money is a JSON number (read as ``Decimal``), timestamps are UTC with any
fraction or none. Each field is read from its own (snake_case) name unless ``wire(...)`` says
otherwise, by the rules of :mod:`kiotsync.httpkit.wiremodel`. Each model keeps the original
mapping in ``raw``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Self

from kiotsync.httpkit.dates import parse_haravan_datetime
from kiotsync.httpkit.wire import Wire, to_str
from kiotsync.httpkit.wiremodel import WireModel, lower_text, raw_field, same_key, wire

__all__ = [
    "Address",
    "Customer",
    "Fulfillment",
    "InventoryLocation",
    "LineItem",
    "Location",
    "Order",
    "Product",
    "ProductImage",
    "ProductOption",
    "Shop",
    "Transaction",
    "Variant",
    "normalize_financial_status",
    "normalize_fulfillment_status",
]


class HaravanModel(WireModel, dates=parse_haravan_datetime, keys=same_key):
    """Haravan's rules: snake_case keys as the fields are named, naive dates are UTC."""


#: A status word read in lower case (blank is ``None``).
Lower = Annotated[str | None, wire(parse=lower_text)]


def normalize_fulfillment_status(value: object) -> str | None:
    """``None`` for nothing fulfilled (``null``/``"notfulfilled"``/``""``); else lower case."""
    lowered = lower_text(value)
    if lowered in (None, "notfulfilled", "not_fulfilled", "unfulfilled", "null"):
        return None
    return lowered


def normalize_financial_status(value: object) -> str | None:
    lowered = lower_text(value)
    return {"partiallypaid": "partially_paid", "partiallyrefunded": "partially_refunded"}.get(
        lowered or "", lowered
    )


def _tags(value: Any) -> tuple[str, ...]:
    """``"a1, a2"`` → ``("a1", "a2")``."""
    return tuple(t.strip() for t in (to_str(value) or "").split(",") if t.strip())


@dataclass(frozen=True)
class Shop(HaravanModel):
    id: int
    name: str | None = None
    email: str | None = None
    domain: str | None = None
    myharavan_domain: str | None = None
    currency: str | None = None
    timezone: str | None = None
    phone: str | None = None
    plan_name: str | None = None
    raw: Mapping[str, Any] = raw_field()


@dataclass(frozen=True)
class Location(HaravanModel):
    id: int
    name: str | None = None
    location_type: Annotated[str | None, wire("location_type", "type")] = None
    is_primary: bool | None = None
    is_unavailable_quantity: bool | None = None
    address1: str | None = None
    province: str | None = None
    district: str | None = None
    ward: str | None = None
    phone: str | None = None
    raw: Mapping[str, Any] = raw_field()


@dataclass(frozen=True)
class ProductOption(HaravanModel):
    id: int | None
    name: str | None
    position: int | None


@dataclass(frozen=True)
class ProductImage(HaravanModel):
    id: int
    src: str | None = None
    position: int | None = None
    product_id: int | None = None
    filename: str | None = None
    variant_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Variant(HaravanModel):
    id: int
    product_id: int | None = None
    title: str | None = None
    sku: str | None = None
    barcode: str | None = None
    price: Decimal | None = None
    compare_at_price: Decimal | None = None
    option1: str | None = None
    option2: str | None = None
    option3: str | None = None
    grams: float | None = None
    inventory_management: Lower = None
    inventory_policy: Lower = None
    inventory_quantity: int | None = None
    position: int | None = None
    image_id: int | None = None
    requires_shipping: bool | None = None
    taxable: bool | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    raw: Mapping[str, Any] = raw_field()

    @property
    def tracks_inventory(self) -> bool:
        return (self.inventory_management or "").lower() == "haravan"

    @property
    def options(self) -> tuple[str, ...]:
        return tuple(o for o in (self.option1, self.option2, self.option3) if o)


@dataclass(frozen=True)
class Product(HaravanModel):
    id: int
    title: str | None = None
    handle: str | None = None
    body_html: str | None = None
    vendor: str | None = None
    product_type: str | None = None
    tags: Annotated[tuple[str, ...], wire(parse=_tags)] = ()
    published_at: datetime | None = None
    published_scope: str | None = None
    options: tuple[ProductOption, ...] = ()
    variants: tuple[Variant, ...] = ()
    images: tuple[ProductImage, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    raw: Mapping[str, Any] = raw_field()

    @property
    def published(self) -> bool:
        return self.published_at is not None

    def variant_by_sku(self, sku: str) -> Variant | None:
        return next((v for v in self.variants if v.sku == sku), None)


@dataclass(frozen=True)
class InventoryLocation(HaravanModel):
    """Stock of one variant at one location (note the wire names ``loc_id``, ``qty_commited``)."""

    location_id: Annotated[int, wire("loc_id", "location_id")]
    variant_id: Annotated[int, wire("variant_id", "product_variant_id")]
    product_id: int | None = None
    id: int | None = None
    qty_onhand: float = 0.0
    qty_committed: Annotated[float, wire("qty_commited", "qty_committed")] = 0.0
    qty_incoming: float = 0.0
    qty_available: float = 0.0
    updated_at: datetime | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Self:
        """Without ``qty_available``, what is available is on hand − committed."""
        row = super().from_wire(data)
        if Wire(data).real("qty_available") is None:
            return replace(row, qty_available=row.qty_onhand - row.qty_committed)
        return row


@dataclass(frozen=True)
class Address(HaravanModel):
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    address1: str | None = None
    address2: str | None = None
    province: str | None = None
    province_code: str | None = None
    district: str | None = None
    district_code: str | None = None
    ward: str | None = None
    ward_code: str | None = None
    country_code: str | None = None


@dataclass(frozen=True)
class Customer(HaravanModel):
    id: int
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    state: Lower = None
    tags: str | None = None
    orders_count: int | None = None
    default_address: Address | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    raw: Mapping[str, Any] = raw_field()

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name) if p).strip()


@dataclass(frozen=True)
class LineItem(HaravanModel):
    id: int
    variant_id: int | None = None
    product_id: int | None = None
    sku: str | None = None
    title: Annotated[str | None, wire("title", "name")] = None
    variant_title: str | None = None
    quantity: int = 0
    price: Decimal | None = None
    total_discount: Decimal | None = None
    fulfillable_quantity: int | None = None
    fulfillment_status: Annotated[str | None, wire(parse=normalize_fulfillment_status)] = None
    grams: float | None = None


@dataclass(frozen=True)
class Fulfillment(HaravanModel):
    id: int
    order_id: int | None = None
    status: Lower = None
    location_id: int | None = None
    tracking_company: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    cod_amount: Decimal | None = None
    carrier_status_code: Lower = None
    carrier_status_name: str | None = None
    carrier_cod_status_code: Lower = None
    carrier_cod_status_name: str | None = None
    line_items: tuple[LineItem, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    raw: Mapping[str, Any] = raw_field()


@dataclass(frozen=True)
class Transaction(HaravanModel):
    id: int
    order_id: int | None = None
    amount: Decimal | None = None
    kind: Lower = None
    status: Lower = None
    gateway: str | None = None
    parent_id: int | None = None
    created_at: datetime | None = None
    raw: Mapping[str, Any] = raw_field()


@dataclass(frozen=True)
class Order(HaravanModel):
    id: int
    name: str | None = None
    order_number: str | None = None
    email: Annotated[str | None, wire("email", "contact_email")] = None
    financial_status: Annotated[str | None, wire(parse=normalize_financial_status)] = None
    fulfillment_status: Annotated[str | None, wire(parse=normalize_fulfillment_status)] = None
    confirmed_status: Lower = None
    cancelled_status: Lower = None
    closed_status: Lower = None
    cancel_reason: str | None = None
    confirmed_at: datetime | None = None
    cancelled_at: datetime | None = None
    closed_at: datetime | None = None
    gateway: str | None = None
    gateway_code: str | None = None
    source_name: Annotated[str | None, wire("source_name", "source")] = None
    total_price: Decimal | None = None
    subtotal_price: Decimal | None = None
    total_discounts: Decimal | None = None
    currency: str | None = None
    note: str | None = None
    tags: str | None = None
    location_id: int | None = None
    customer: Customer | None = None
    shipping_address: Address | None = None
    billing_address: Address | None = None
    line_items: tuple[LineItem, ...] = ()
    shipping_lines: tuple[Mapping[str, Any], ...] = ()
    fulfillments: tuple[Fulfillment, ...] = ()
    transactions: tuple[Transaction, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    raw: Mapping[str, Any] = raw_field()

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_status == "cancelled" or self.cancelled_at is not None

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_status == "confirmed" or self.confirmed_at is not None

    @property
    def is_closed(self) -> bool:
        return self.closed_status == "closed" or self.closed_at is not None

    @property
    def shipping_fee(self) -> Decimal:
        total = Decimal(0)
        for line in self.shipping_lines:
            total += Wire(line).money("price") or Decimal(0)
        return total
