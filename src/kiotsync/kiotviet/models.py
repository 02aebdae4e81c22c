"""KiotViet wire models: typed, frozen, parsed tolerantly.

One declaration per entity serves both the REST API (camelCase) and webhook bodies (PascalCase):
each field is read from its camelCase name (or the spellings given with ``wire(...)``), keys
are looked up case-insensitively, missing keys are ``None``, and the documented spelling
variants are accepted (``onhand``/``onHand``, ``minQuality``/``minQuantity``, images as ``"url"``
or ``{"Image": "url"}``, ``removedIds``/``removeId``/``removeIds``). The reading rules are
:mod:`kiotsync.httpkit.wiremodel`'s. Each model keeps the original mapping in ``raw`` for fields
the sync may need later. Money is ``Decimal``; quantities are ``float`` (fractional stock is legal).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Self, TypeVar

from kiotsync.httpkit.dates import parse_kiotviet_datetime
from kiotsync.httpkit.wire import Wire, sequence, to_int, to_str
from kiotsync.httpkit.wiremodel import WireModel, camel_key, many, nonzero_int, raw_field, wire

log = logging.getLogger("kiotsync.kiotviet")

T = TypeVar("T")

__all__ = [
    "INVOICE_STATUS",
    "ORDER_STATUS",
    "Branch",
    "Category",
    "Customer",
    "Delivery",
    "Inventory",
    "Invoice",
    "LineItem",
    "Listing",
    "Order",
    "Page",
    "Payment",
    "PriceBook",
    "PriceBookLine",
    "Product",
    "ProductAttribute",
    "ProductOnHand",
    "ProductPriceBook",
    "ProductUnit",
    "SaleChannel",
    "Settings",
    "Surcharge",
    "WebhookRegistration",
    "parse_images",
    "removed_ids",
]


class KiotVietModel(WireModel, dates=parse_kiotviet_datetime, keys=camel_key):
    """KiotViet's rules: camelCase keys (any case), naive dates are shop-local (+07:00)."""


# Documented status tables (§3.7.2, §3.8.2). Only "3 Hoàn thành" for orders is proven by real data.
ORDER_STATUS: dict[int, str] = {
    1: "Phiếu tạm",
    2: "Đang giao hàng",
    3: "Hoàn thành",
    4: "Đã hủy",
    5: "Đã xác nhận",
}
INVOICE_STATUS: dict[int, str] = {1: "Hoàn thành", 2: "Đã hủy", 3: "Đang xử lý", 5: "Không giao được"}

_ORDER_STATE_BY_NUMBER = {1: "draft", 2: "processing", 3: "completed", 4: "cancelled", 5: "confirmed"}
_ORDER_STATE_BY_LABEL = {
    "phiếu tạm": "draft",
    "đang xử lý": "processing",
    "đang giao hàng": "processing",
    "hoàn thành": "completed",
    "đã hủy": "cancelled",
    "đã huỷ": "cancelled",
    "đã xác nhận": "confirmed",
}
_INVOICE_STATE_BY_NUMBER = {1: "completed", 2: "cancelled", 3: "processing", 5: "delivery_failed"}
_INVOICE_STATE_BY_LABEL = {
    "hoàn thành": "completed",
    "đã hủy": "cancelled",
    "đã huỷ": "cancelled",
    "đang xử lý": "processing",
    "không giao được": "delivery_failed",
}


def _state(number: int | None, label: str | None, by_number: dict[int, str], by_label: dict[str, str]) -> str:
    """Business state from the label first (most stable), then the number; log unknowns."""
    if label and label.strip().lower() in by_label:
        return by_label[label.strip().lower()]
    if number is not None and number in by_number:
        return by_number[number]
    log.warning("unknown KiotViet status %r / %r", number, label)
    return "unknown"


def parse_images(values: list[Any]) -> tuple[str, ...]:
    """Images come as plain URLs or as ``{"Image": url}`` objects (§3.4.2); accept both."""
    out: list[str] = []
    for item in values:
        if isinstance(item, str):
            url: str | None = item
        elif isinstance(item, Mapping):
            url = to_str(Wire(item).get("Image", "url", "src"))
        else:
            url = None
        if url:
            out.append(url)
    return tuple(out)


def _images(value: Any) -> tuple[str, ...]:
    return parse_images(sequence(value))


def removed_ids(envelope: Mapping[str, Any]) -> tuple[int, ...]:
    """Deleted ids of a list envelope under any of the documented key spellings."""
    w = Wire(envelope)
    seen: dict[int, None] = {}
    for key in ("removedIds", "removeId", "removeIds", "removedId"):
        for value in w.seq(key):
            number = to_int(value)
            if number is not None:
                seen.setdefault(number, None)
    return tuple(seen)


@dataclass(frozen=True)
class Page(KiotVietModel):
    """One page of a list endpoint (the raw items plus the envelope)."""

    items: Annotated[tuple[Mapping[str, Any], ...], wire("data")]
    total: int | None
    page_size: int | None
    removed_ids: Annotated[tuple[int, ...], wire(whole=removed_ids)]
    timestamp: datetime | None


class Listing(list[T]):
    """A whole (possibly multi-page) list: a plain list of items plus the envelope facts.

    ``removed_ids`` are the ids deleted since ``lastModifiedFrom`` (with
    ``includeRemoveIds``); ``timestamp`` is the first page's envelope timestamp, the cursor to
    pass as the next ``lastModifiedFrom`` (anything changed while paging is seen again next
    time). ``items, removed, cursor = listing.as_tuple()`` for the delta triple.
    """

    def __init__(
        self, items: Iterable[T] = (), removed_ids: tuple[int, ...] = (), timestamp: datetime | None = None
    ) -> None:
        super().__init__(items)
        self.removed_ids = removed_ids
        self.timestamp = timestamp

    @property
    def items(self) -> list[T]:
        return list(self)

    def as_tuple(self) -> tuple[list[T], tuple[int, ...], datetime | None]:
        return list(self), self.removed_ids, self.timestamp


@dataclass(frozen=True)
class Branch(KiotVietModel):
    id: int
    name: Annotated[str | None, wire("branchName", "name")] = None
    code: Annotated[str | None, wire("branchCode", "code")] = None
    address: str | None = None
    contact_number: str | None = None
    email: str | None = None
    location_name: Annotated[str | None, wire("locationName", "location")] = None
    ward_name: str | None = None
    is_active: bool | None = None
    retailer_id: int | None = None
    created_date: datetime | None = None
    modified_date: datetime | None = None
    raw: Mapping[str, Any] = raw_field()


@dataclass(frozen=True)
class Category(KiotVietModel):
    id: Annotated[int, wire("categoryId", "id")]
    name: Annotated[str | None, wire("categoryName", "name")] = None
    parent_id: Annotated[int | None, wire(parse=nonzero_int)] = None
    has_child: bool | None = None
    rank: int | None = None
    retailer_id: int | None = None
    created_date: datetime | None = None
    modified_date: datetime | None = None
    children: tuple[Category, ...] = ()
    raw: Mapping[str, Any] = raw_field()

    def walk(self) -> list[Category]:
        """This node and all descendants, depth first."""
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


@dataclass(frozen=True)
class ProductAttribute(KiotVietModel):
    product_id: int | None
    name: Annotated[str | None, wire("attributeName", "name")]
    value: Annotated[str | None, wire("attributeValue", "value")]


@dataclass(frozen=True)
class ProductUnit(KiotVietModel):
    id: int | None
    code: str | None
    name: str | None
    full_name: str | None
    unit: str | None
    conversion_value: float | None
    base_price: Decimal | None


@dataclass(frozen=True)
class Inventory(KiotVietModel):
    """Stock of one product in one branch (list ``inventories[]``, ``stock.update`` items)."""

    product_id: int | None
    branch_id: int | None
    on_hand: float = 0.0
    reserved: float = 0.0
    product_code: str | None = None
    product_name: str | None = None
    branch_name: str | None = None
    cost: Decimal | None = None
    on_order: float | None = None
    actual_reserved: float | None = None
    min_quantity: Annotated[float | None, wire("minQuantity", "minQuality")] = None
    max_quantity: Annotated[float | None, wire("maxQuantity", "maxQuality")] = None
    is_active: bool | None = None

    @property
    def available(self) -> float:
        """Sellable stock as KiotViet's own plugin computes it: on hand − reserved, ≥ 0."""
        return max(0.0, self.on_hand - self.reserved)


@dataclass(frozen=True)
class ProductPriceBook(KiotVietModel):
    price_book_id: int | None
    name: Annotated[str | None, wire("priceBookName")]
    product_id: int | None
    price: Decimal | None
    is_active: bool | None
    start_date: datetime | None
    end_date: datetime | None


@dataclass(frozen=True)
class Product(KiotVietModel):
    """One KiotViet product row = one sellable SKU (a variant or a unit is its own row)."""

    id: int
    code: str | None = None
    bar_code: str | None = None
    name: str | None = None
    full_name: str | None = None
    category_id: int | None = None
    category_name: str | None = None
    trade_mark_id: int | None = None
    trade_mark_name: str | None = None
    allows_sale: bool | None = None
    type: Annotated[int | None, wire("type", "productType")] = None
    has_variants: bool | None = None
    is_active: bool | None = None
    base_price: Decimal | None = None
    weight: float | None = None
    unit: str | None = None
    master_product_id: Annotated[int | None, wire(parse=nonzero_int)] = None
    master_unit_id: Annotated[int | None, wire(parse=nonzero_int)] = None
    conversion_value: float | None = None
    description: str | None = None
    retailer_id: int | None = None
    attributes: tuple[ProductAttribute, ...] = ()
    units: tuple[ProductUnit, ...] = ()
    images: Annotated[tuple[str, ...], wire(parse=_images)] = ()
    inventories: Annotated[tuple[Inventory, ...], wire("inventories", "inventory")] = ()
    price_books: tuple[ProductPriceBook, ...] = ()
    created_date: datetime | None = None
    modified_date: datetime | None = None
    raw: Mapping[str, Any] = raw_field()

    def inventory_at(self, branch_id: int) -> Inventory | None:
        return next((i for i in self.inventories if i.branch_id == branch_id), None)


@dataclass(frozen=True)
class ProductOnHand(KiotVietModel):
    """A row of ``/productOnHands``: stock only, the cheapest stock delta."""

    id: Annotated[int, wire("id", "productId")]
    code: str | None = None
    inventories: tuple[Inventory, ...] = ()
    created_date: datetime | None = None
    modified_date: datetime | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Self:
        """Stock rows without their own ``productId`` belong to this row's product."""
        row = super().from_wire(data)
        if all(inv.product_id is not None for inv in row.inventories):
            return row
        rows = tuple(
            inv if inv.product_id is not None else replace(inv, product_id=row.id) for inv in row.inventories
        )
        return replace(row, inventories=rows)


def _price_book_branches(value: Any) -> tuple[int, ...]:
    branches = (to_int(Wire(x).get("branchId")) for x in sequence(value))
    return tuple(b for b in branches if b is not None)


@dataclass(frozen=True)
class PriceBook(KiotVietModel):
    id: int
    name: str | None = None
    is_active: bool | None = None
    is_global: bool | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    for_all_customer_groups: Annotated[bool | None, wire("forAllCusGroup")] = None
    for_all_users: Annotated[bool | None, wire("forAllUser")] = None
    branch_ids: Annotated[tuple[int, ...], wire("priceBookBranches", parse=_price_book_branches)] = ()
    raw: Mapping[str, Any] = raw_field()

    def is_usable(self, now: datetime) -> bool:
        """Active and not expired (the official plugin's rule)."""
        if not self.is_active:
            return False
        if self.start_date is not None and self.start_date > now:
            return False
        return self.end_date is None or self.end_date > now


@dataclass(frozen=True)
class PriceBookLine(KiotVietModel):
    product_id: int
    price: Decimal | None
    product_code: str | None = None
    price_book_id: int | None = None


def _first_int(value: Any) -> int | None:
    """``branchId`` is a number, or (customers) a list of them: the first."""
    return to_int(value[0] if isinstance(value, list) and value else value)


@dataclass(frozen=True)
class Customer(KiotVietModel):
    id: int
    code: str | None = None
    name: str | None = None
    contact_number: str | None = None
    email: str | None = None
    gender: bool | None = None
    birth_date: datetime | None = None
    address: str | None = None
    location_name: str | None = None
    ward_name: str | None = None
    organization: str | None = None
    comments: Annotated[str | None, wire("comments", "comment")] = None
    tax_code: str | None = None
    debt: Decimal | None = None
    type: int | None = None
    branch_id: Annotated[int | None, wire(parse=_first_int)] = None
    retailer_id: int | None = None
    created_date: datetime | None = None
    modified_date: datetime | None = None
    raw: Mapping[str, Any] = raw_field()


@dataclass(frozen=True)
class LineItem(KiotVietModel):
    """An order or invoice line."""

    product_id: int | None
    product_code: str | None
    product_name: str | None
    quantity: float
    price: Decimal | None
    discount: Decimal | None = None
    discount_ratio: float | None = None
    note: str | None = None
    is_master: bool | None = None


def _lines(value: Any) -> tuple[LineItem, ...]:
    """Line arrays (documented in places as a single object: accept that too)."""
    if isinstance(value, Mapping):
        return (LineItem.from_wire(value),)
    return many(LineItem, value)


@dataclass(frozen=True)
class Delivery(KiotVietModel):
    """``orderDelivery`` / ``invoiceDelivery`` / ``deliveryDetail``."""

    delivery_code: str | None = None
    type: int | None = None
    status: int | None = None
    status_value: str | None = None
    price: Decimal | None = None
    receiver: str | None = None
    contact_number: str | None = None
    address: str | None = None
    location_id: int | None = None
    location_name: str | None = None
    ward_name: str | None = None
    weight: float | None = None
    using_price_cod: bool | None = None
    price_cod_payment: Decimal | None = None
    partner_delivery_id: int | None = None


@dataclass(frozen=True)
class Payment(KiotVietModel):
    id: int | None
    code: str | None
    amount: Decimal | None
    method: str | None
    status: int | None = None
    status_value: str | None = None
    trans_date: datetime | None = None
    account_id: int | None = None


@dataclass(frozen=True)
class _Sale(KiotVietModel):
    """What orders and invoices share (each names its own lines and delivery keys)."""

    id: int
    code: str | None = None
    purchase_date: datetime | None = None
    branch_id: int | None = None
    branch_name: str | None = None
    customer_id: int | None = None
    customer_code: str | None = None
    customer_name: str | None = None
    total: Decimal | None = None
    total_payment: Decimal | None = None
    discount: Decimal | None = None
    status: int | None = None
    status_value: str | None = None
    description: str | None = None
    using_cod: bool | None = None
    sale_channel_id: int | None = None
    retailer_id: int | None = None
    details: tuple[LineItem, ...] = ()
    delivery: Delivery | None = None
    payments: tuple[Payment, ...] = ()
    created_date: datetime | None = None
    modified_date: datetime | None = None
    raw: Mapping[str, Any] = raw_field()


@dataclass(frozen=True)
class Order(_Sale):
    """A customer order ("Đặt hàng"): a reservation before invoicing."""

    details: Annotated[tuple[LineItem, ...], wire("orderDetails", parse=_lines)] = ()
    delivery: Annotated[Delivery | None, wire("orderDelivery", "delivery")] = None
    sold_by_id: int | None = None

    @property
    def state(self) -> str:
        """``draft``/``processing``/``completed``/``cancelled``/``confirmed``/``unknown``."""
        return _state(self.status, self.status_value, _ORDER_STATE_BY_NUMBER, _ORDER_STATE_BY_LABEL)


@dataclass(frozen=True)
class Invoice(_Sale):
    """An invoice ("Hóa đơn"): the actual sale; carries delivery progress and payments."""

    details: Annotated[tuple[LineItem, ...], wire("invoiceDetails", parse=_lines)] = ()
    delivery: Annotated[Delivery | None, wire("invoiceDelivery", "deliveryDetail", "delivery")] = None
    order_code: str | None = None
    order_id: int | None = None

    @property
    def state(self) -> str:
        """``completed``/``cancelled``/``processing``/``delivery_failed``/``unknown``."""
        return _state(self.status, self.status_value, _INVOICE_STATE_BY_NUMBER, _INVOICE_STATE_BY_LABEL)


@dataclass(frozen=True)
class SaleChannel(KiotVietModel):
    id: int
    name: str | None = None
    is_active: Annotated[bool | None, wire("isActive", "isActivate")] = None
    is_not_delete: bool | None = None
    raw: Mapping[str, Any] = raw_field()


@dataclass(frozen=True)
class Surcharge(KiotVietModel):
    """A "thu khác" (other charge), e.g. web shipping fees."""

    id: int
    code: Annotated[str | None, wire("surchargeCode", "code")] = None
    name: Annotated[str | None, wire("name", "surchargeName")] = None
    value: Annotated[Decimal | None, wire("value", "valueText")] = None
    is_active: bool | None = None
    raw: Mapping[str, Any] = raw_field()


@dataclass(frozen=True)
class Settings(KiotVietModel):
    """``GET /settings`` switches (a bare PascalCase object)."""

    manager_customer_by_branch: bool | None = None
    allow_order_when_out_stock: bool | None = None
    allow_sell_when_order_out_stock: bool | None = None
    allow_sell_when_out_stock: bool | None = None
    raw: Mapping[str, Any] = raw_field()


@dataclass(frozen=True)
class WebhookRegistration(KiotVietModel):
    id: int
    type: str | None = None
    url: str | None = None
    is_active: bool | None = None
    retailer_id: int | None = None
    description: str | None = None
    modified_date: datetime | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Self:
        """A registration, or the ``{"Webhook": {...}}`` wrapper a create may echo."""
        w = Wire(data)
        inner = w.sub("webhook")
        return super().from_wire(inner.raw if inner is not None and not w.has("id") else data)
