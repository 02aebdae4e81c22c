"""Haravan wire models: typed, frozen, parsed tolerantly.

Haravan mixes conventions (§4.10): ``fulfillment_status`` is ``"notfulfilled"`` where the
docs say null (both read as ``None`` here), ``financial_status`` sometimes lacks its
underscore (``partiallypaid``), transaction ``kind``/``status`` arrive in any case (read as
lower case), money is a JSON number (read as ``Decimal``), timestamps are UTC with any
fraction or none. Each model keeps the original mapping in ``raw``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from kiotsync.httpkit.dates import parse_haravan_datetime as _dt
from kiotsync.httpkit.wire import Wire

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


def _raw() -> Any:
    """The ``raw`` field: the original mapping, excluded from repr and equality."""
    return field(default_factory=dict, repr=False, compare=False)


def _lower(value: str | None) -> str | None:
    return value.strip().lower() if isinstance(value, str) and value.strip() else None


def normalize_fulfillment_status(value: str | None) -> str | None:
    """``None`` for nothing fulfilled (``null``/``"notfulfilled"``/``""``); else lower case."""
    lowered = _lower(value)
    if lowered in (None, "notfulfilled", "not_fulfilled", "unfulfilled", "null"):
        return None
    return lowered


def normalize_financial_status(value: str | None) -> str | None:
    lowered = _lower(value)
    return {"partiallypaid": "partially_paid", "partiallyrefunded": "partially_refunded"}.get(
        lowered or "", lowered
    )


@dataclass(frozen=True)
class Shop:
    id: int
    name: str | None = None
    email: str | None = None
    domain: str | None = None
    myharavan_domain: str | None = None
    currency: str | None = None
    timezone: str | None = None
    phone: str | None = None
    plan_name: str | None = None
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Shop:
        w = Wire(data)
        return cls(
            id=w.integer("id") or 0,
            name=w.text("name"),
            email=w.text("email"),
            domain=w.text("domain"),
            myharavan_domain=w.text("myharavan_domain"),
            currency=w.text("currency"),
            timezone=w.text("timezone"),
            phone=w.text("phone"),
            plan_name=w.text("plan_name"),
            raw=data,
        )


@dataclass(frozen=True)
class Location:
    id: int
    name: str | None = None
    location_type: str | None = None
    is_primary: bool | None = None
    is_unavailable_quantity: bool | None = None
    address1: str | None = None
    province: str | None = None
    district: str | None = None
    ward: str | None = None
    phone: str | None = None
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Location:
        w = Wire(data)
        return cls(
            id=w.integer("id") or 0,
            name=w.text("name"),
            location_type=w.text("location_type", "type"),
            is_primary=w.flag("is_primary"),
            is_unavailable_quantity=w.flag("is_unavailable_quantity"),
            address1=w.text("address1"),
            province=w.text("province"),
            district=w.text("district"),
            ward=w.text("ward"),
            phone=w.text("phone"),
            raw=data,
        )


@dataclass(frozen=True)
class ProductOption:
    id: int | None
    name: str | None
    position: int | None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ProductOption:
        w = Wire(data)
        return cls(w.integer("id"), w.text("name"), w.integer("position"))


@dataclass(frozen=True)
class ProductImage:
    id: int
    src: str | None = None
    position: int | None = None
    product_id: int | None = None
    filename: str | None = None
    variant_ids: tuple[int, ...] = ()

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ProductImage:
        w = Wire(data)
        return cls(
            id=w.integer("id") or 0,
            src=w.text("src"),
            position=w.integer("position"),
            product_id=w.integer("product_id"),
            filename=w.text("filename"),
            variant_ids=w.ids("variant_ids"),
        )


@dataclass(frozen=True)
class Variant:
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
    inventory_management: str | None = None
    inventory_policy: str | None = None
    inventory_quantity: int | None = None
    position: int | None = None
    image_id: int | None = None
    requires_shipping: bool | None = None
    taxable: bool | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    raw: Mapping[str, Any] = _raw()

    @property
    def tracks_inventory(self) -> bool:
        return (self.inventory_management or "").lower() == "haravan"

    @property
    def options(self) -> tuple[str, ...]:
        return tuple(o for o in (self.option1, self.option2, self.option3) if o)

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Variant:
        w = Wire(data)
        return cls(
            id=w.integer("id") or 0,
            product_id=w.integer("product_id"),
            title=w.text("title"),
            sku=w.text("sku"),
            barcode=w.text("barcode"),
            price=w.money("price"),
            compare_at_price=w.money("compare_at_price"),
            option1=w.text("option1"),
            option2=w.text("option2"),
            option3=w.text("option3"),
            grams=w.real("grams"),
            inventory_management=_lower(w.text("inventory_management")),
            inventory_policy=_lower(w.text("inventory_policy")),
            inventory_quantity=w.integer("inventory_quantity"),
            position=w.integer("position"),
            image_id=w.integer("image_id"),
            requires_shipping=w.flag("requires_shipping"),
            taxable=w.flag("taxable"),
            created_at=w.when(_dt, "created_at"),
            updated_at=w.when(_dt, "updated_at"),
            raw=data,
        )


@dataclass(frozen=True)
class Product:
    id: int
    title: str | None = None
    handle: str | None = None
    body_html: str | None = None
    vendor: str | None = None
    product_type: str | None = None
    tags: tuple[str, ...] = ()
    published_at: datetime | None = None
    published_scope: str | None = None
    options: tuple[ProductOption, ...] = ()
    variants: tuple[Variant, ...] = ()
    images: tuple[ProductImage, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    raw: Mapping[str, Any] = _raw()

    @property
    def published(self) -> bool:
        return self.published_at is not None

    def variant_by_sku(self, sku: str) -> Variant | None:
        return next((v for v in self.variants if v.sku == sku), None)

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Product:
        w = Wire(data)
        tags = w.text("tags") or ""
        return cls(
            id=w.integer("id") or 0,
            title=w.text("title"),
            handle=w.text("handle"),
            body_html=w.text("body_html"),
            vendor=w.text("vendor"),
            product_type=w.text("product_type"),
            tags=tuple(t.strip() for t in tags.split(",") if t.strip()),
            published_at=w.when(_dt, "published_at"),
            published_scope=w.text("published_scope"),
            options=w.subs(ProductOption.from_wire, "options"),
            variants=w.subs(Variant.from_wire, "variants"),
            images=w.subs(ProductImage.from_wire, "images"),
            created_at=w.when(_dt, "created_at"),
            updated_at=w.when(_dt, "updated_at"),
            raw=data,
        )


@dataclass(frozen=True)
class InventoryLocation:
    """Stock of one variant at one location (note the wire names ``loc_id``, ``qty_commited``)."""

    location_id: int
    variant_id: int
    product_id: int | None = None
    id: int | None = None
    qty_onhand: float = 0.0
    qty_committed: float = 0.0
    qty_incoming: float = 0.0
    qty_available: float = 0.0
    updated_at: datetime | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> InventoryLocation:
        w = Wire(data)
        onhand = w.real("qty_onhand") or 0.0
        committed = w.real("qty_commited", "qty_committed") or 0.0
        available = w.real("qty_available")
        return cls(
            location_id=w.integer("loc_id", "location_id") or 0,
            variant_id=w.integer("variant_id", "product_variant_id") or 0,
            product_id=w.integer("product_id"),
            id=w.integer("id"),
            qty_onhand=onhand,
            qty_committed=committed,
            qty_incoming=w.real("qty_incoming") or 0.0,
            qty_available=available if available is not None else onhand - committed,
            updated_at=w.when(_dt, "updated_at"),
        )


@dataclass(frozen=True)
class Address:
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

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Address:
        w = Wire(data)
        return cls(
            name=w.text("name"),
            first_name=w.text("first_name"),
            last_name=w.text("last_name"),
            phone=w.text("phone"),
            address1=w.text("address1"),
            address2=w.text("address2"),
            province=w.text("province"),
            province_code=w.text("province_code"),
            district=w.text("district"),
            district_code=w.text("district_code"),
            ward=w.text("ward"),
            ward_code=w.text("ward_code"),
            country_code=w.text("country_code"),
        )


@dataclass(frozen=True)
class Customer:
    id: int
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    state: str | None = None
    tags: str | None = None
    orders_count: int | None = None
    default_address: Address | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    raw: Mapping[str, Any] = _raw()

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name) if p).strip()

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Customer:
        w = Wire(data)
        addr = w.sub("default_address")
        return cls(
            id=w.integer("id") or 0,
            first_name=w.text("first_name"),
            last_name=w.text("last_name"),
            email=w.text("email"),
            phone=w.text("phone"),
            state=_lower(w.text("state")),
            tags=w.text("tags"),
            orders_count=w.integer("orders_count"),
            default_address=Address.from_wire(addr.raw) if addr else None,
            created_at=w.when(_dt, "created_at"),
            updated_at=w.when(_dt, "updated_at"),
            raw=data,
        )


@dataclass(frozen=True)
class LineItem:
    id: int
    variant_id: int | None = None
    product_id: int | None = None
    sku: str | None = None
    title: str | None = None
    variant_title: str | None = None
    quantity: int = 0
    price: Decimal | None = None
    total_discount: Decimal | None = None
    fulfillable_quantity: int | None = None
    fulfillment_status: str | None = None
    grams: float | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> LineItem:
        w = Wire(data)
        return cls(
            id=w.integer("id") or 0,
            variant_id=w.integer("variant_id"),
            product_id=w.integer("product_id"),
            sku=w.text("sku"),
            title=w.text("title", "name"),
            variant_title=w.text("variant_title"),
            quantity=w.integer("quantity") or 0,
            price=w.money("price"),
            total_discount=w.money("total_discount"),
            fulfillable_quantity=w.integer("fulfillable_quantity"),
            fulfillment_status=normalize_fulfillment_status(w.text("fulfillment_status")),
            grams=w.real("grams"),
        )


@dataclass(frozen=True)
class Fulfillment:
    id: int
    order_id: int | None = None
    status: str | None = None
    location_id: int | None = None
    tracking_company: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    cod_amount: Decimal | None = None
    carrier_status_code: str | None = None
    carrier_status_name: str | None = None
    carrier_cod_status_code: str | None = None
    carrier_cod_status_name: str | None = None
    line_items: tuple[LineItem, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Fulfillment:
        w = Wire(data)
        return cls(
            id=w.integer("id") or 0,
            order_id=w.integer("order_id"),
            status=_lower(w.text("status")),
            location_id=w.integer("location_id"),
            tracking_company=w.text("tracking_company"),
            tracking_number=w.text("tracking_number"),
            tracking_url=w.text("tracking_url"),
            cod_amount=w.money("cod_amount"),
            carrier_status_code=_lower(w.text("carrier_status_code")),
            carrier_status_name=w.text("carrier_status_name"),
            carrier_cod_status_code=_lower(w.text("carrier_cod_status_code")),
            carrier_cod_status_name=w.text("carrier_cod_status_name"),
            line_items=w.subs(LineItem.from_wire, "line_items"),
            created_at=w.when(_dt, "created_at"),
            updated_at=w.when(_dt, "updated_at"),
            raw=data,
        )


@dataclass(frozen=True)
class Transaction:
    id: int
    order_id: int | None = None
    amount: Decimal | None = None
    kind: str | None = None
    status: str | None = None
    gateway: str | None = None
    parent_id: int | None = None
    created_at: datetime | None = None
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Transaction:
        w = Wire(data)
        return cls(
            id=w.integer("id") or 0,
            order_id=w.integer("order_id"),
            amount=w.money("amount"),
            kind=_lower(w.text("kind")),
            status=_lower(w.text("status")),
            gateway=w.text("gateway"),
            parent_id=w.integer("parent_id"),
            created_at=w.when(_dt, "created_at"),
            raw=data,
        )


@dataclass(frozen=True)
class Order:
    id: int
    name: str | None = None
    order_number: str | None = None
    email: str | None = None
    financial_status: str | None = None
    fulfillment_status: str | None = None
    confirmed_status: str | None = None
    cancelled_status: str | None = None
    closed_status: str | None = None
    cancel_reason: str | None = None
    confirmed_at: datetime | None = None
    cancelled_at: datetime | None = None
    closed_at: datetime | None = None
    gateway: str | None = None
    gateway_code: str | None = None
    source_name: str | None = None
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
    raw: Mapping[str, Any] = _raw()

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

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Order:
        w = Wire(data)
        customer = w.sub("customer")
        shipping = w.sub("shipping_address")
        billing = w.sub("billing_address")
        return cls(
            id=w.integer("id") or 0,
            name=w.text("name"),
            order_number=w.text("order_number"),
            email=w.text("email", "contact_email"),
            financial_status=normalize_financial_status(w.text("financial_status")),
            fulfillment_status=normalize_fulfillment_status(w.text("fulfillment_status")),
            confirmed_status=_lower(w.text("confirmed_status")),
            cancelled_status=_lower(w.text("cancelled_status")),
            closed_status=_lower(w.text("closed_status")),
            cancel_reason=w.text("cancel_reason"),
            confirmed_at=w.when(_dt, "confirmed_at"),
            cancelled_at=w.when(_dt, "cancelled_at"),
            closed_at=w.when(_dt, "closed_at"),
            gateway=w.text("gateway"),
            gateway_code=w.text("gateway_code"),
            source_name=w.text("source_name", "source"),
            total_price=w.money("total_price"),
            subtotal_price=w.money("subtotal_price"),
            total_discounts=w.money("total_discounts"),
            currency=w.text("currency"),
            note=w.text("note"),
            tags=w.text("tags"),
            location_id=w.integer("location_id"),
            customer=Customer.from_wire(customer.raw) if customer else None,
            shipping_address=Address.from_wire(shipping.raw) if shipping else None,
            billing_address=Address.from_wire(billing.raw) if billing else None,
            line_items=w.subs(LineItem.from_wire, "line_items"),
            shipping_lines=tuple(x for x in w.seq("shipping_lines") if isinstance(x, Mapping)),
            fulfillments=w.subs(Fulfillment.from_wire, "fulfillments"),
            transactions=w.subs(Transaction.from_wire, "transactions"),
            created_at=w.when(_dt, "created_at"),
            updated_at=w.when(_dt, "updated_at"),
            raw=data,
        )
