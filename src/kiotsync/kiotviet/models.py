"""KiotViet wire models: typed, frozen, parsed tolerantly.

One parser per entity serves both the REST API (camelCase) and webhook bodies (PascalCase):
keys are looked up case-insensitively, missing keys are ``None``, and the documented
spelling variants are accepted (``onhand``/``onHand``, ``minQuality``/``minQuantity``,
images as ``"url"`` or ``{"Image": "url"}``, ``removedIds``/``removeId``/``removeIds``).
Each model keeps the original mapping in ``raw`` for fields the sync may need later.
Money is ``Decimal``; quantities are ``float`` (fractional stock is legal).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from kiotsync.httpkit.dates import parse_kiotviet_datetime as _dt
from kiotsync.httpkit.wire import Wire, to_int, to_str

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


def _raw() -> Any:
    """The ``raw`` field: the original mapping, excluded from repr and equality."""
    return field(default_factory=dict, repr=False, compare=False)


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
class Page:
    """One page of a list endpoint (the raw items plus the envelope)."""

    items: tuple[Mapping[str, Any], ...]
    total: int | None
    page_size: int | None
    removed_ids: tuple[int, ...]
    timestamp: datetime | None

    @classmethod
    def from_wire(cls, envelope: Mapping[str, Any]) -> Page:
        w = Wire(envelope)
        return cls(
            items=tuple(i for i in w.seq("data") if isinstance(i, Mapping)),
            total=w.integer("total"),
            page_size=w.integer("pageSize"),
            removed_ids=removed_ids(envelope),
            timestamp=w.when(_dt, "timestamp"),
        )


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
class Branch:
    id: int
    name: str | None = None
    code: str | None = None
    address: str | None = None
    contact_number: str | None = None
    email: str | None = None
    location_name: str | None = None
    ward_name: str | None = None
    is_active: bool | None = None
    retailer_id: int | None = None
    created_date: datetime | None = None
    modified_date: datetime | None = None
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Branch:
        w = Wire(data)
        return cls(
            id=w.integer("id") or 0,
            name=w.text("branchName", "name"),
            code=w.text("branchCode", "code"),
            address=w.text("address"),
            contact_number=w.text("contactNumber"),
            email=w.text("email"),
            location_name=w.text("locationName", "location"),
            ward_name=w.text("wardName"),
            is_active=w.flag("isActive"),
            retailer_id=w.integer("retailerId"),
            created_date=w.when(_dt, "createdDate"),
            modified_date=w.when(_dt, "modifiedDate"),
            raw=data,
        )


@dataclass(frozen=True)
class Category:
    id: int
    name: str | None = None
    parent_id: int | None = None
    has_child: bool | None = None
    rank: int | None = None
    retailer_id: int | None = None
    created_date: datetime | None = None
    modified_date: datetime | None = None
    children: tuple[Category, ...] = ()
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Category:
        w = Wire(data)
        return cls(
            id=w.integer("categoryId", "id") or 0,
            name=w.text("categoryName", "name"),
            parent_id=w.integer("parentId") or None,
            has_child=w.flag("hasChild"),
            rank=w.integer("rank"),
            retailer_id=w.integer("retailerId"),
            created_date=w.when(_dt, "createdDate"),
            modified_date=w.when(_dt, "modifiedDate"),
            children=w.subs(Category.from_wire, "children"),
            raw=data,
        )

    def walk(self) -> list[Category]:
        """This node and all descendants, depth first."""
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


@dataclass(frozen=True)
class ProductAttribute:
    product_id: int | None
    name: str | None
    value: str | None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ProductAttribute:
        w = Wire(data)
        return cls(w.integer("productId"), w.text("attributeName", "name"), w.text("attributeValue", "value"))


@dataclass(frozen=True)
class ProductUnit:
    id: int | None
    code: str | None
    name: str | None
    full_name: str | None
    unit: str | None
    conversion_value: float | None
    base_price: Decimal | None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ProductUnit:
        w = Wire(data)
        return cls(
            id=w.integer("id"),
            code=w.text("code"),
            name=w.text("name"),
            full_name=w.text("fullName"),
            unit=w.text("unit"),
            conversion_value=w.real("conversionValue"),
            base_price=w.money("basePrice"),
        )


@dataclass(frozen=True)
class Inventory:
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
    min_quantity: float | None = None
    max_quantity: float | None = None
    is_active: bool | None = None

    @property
    def available(self) -> float:
        """Sellable stock as KiotViet's own plugin computes it: on hand − reserved, ≥ 0."""
        return max(0.0, self.on_hand - self.reserved)

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Inventory:
        w = Wire(data)
        return cls(
            product_id=w.integer("productId"),
            branch_id=w.integer("branchId"),
            on_hand=w.real("onHand") or 0.0,
            reserved=w.real("reserved") or 0.0,
            product_code=w.text("productCode"),
            product_name=w.text("productName"),
            branch_name=w.text("branchName"),
            cost=w.money("cost"),
            on_order=w.real("onOrder"),
            actual_reserved=w.real("actualReserved"),
            min_quantity=w.real("minQuantity", "minQuality"),
            max_quantity=w.real("maxQuantity", "maxQuality"),
            is_active=w.flag("isActive"),
        )


@dataclass(frozen=True)
class ProductPriceBook:
    price_book_id: int | None
    name: str | None
    product_id: int | None
    price: Decimal | None
    is_active: bool | None
    start_date: datetime | None
    end_date: datetime | None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ProductPriceBook:
        w = Wire(data)
        return cls(
            price_book_id=w.integer("priceBookId"),
            name=w.text("priceBookName"),
            product_id=w.integer("productId"),
            price=w.money("price"),
            is_active=w.flag("isActive"),
            start_date=w.when(_dt, "startDate"),
            end_date=w.when(_dt, "endDate"),
        )


@dataclass(frozen=True)
class Product:
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
    type: int | None = None
    has_variants: bool | None = None
    is_active: bool | None = None
    base_price: Decimal | None = None
    weight: float | None = None
    unit: str | None = None
    master_product_id: int | None = None
    master_unit_id: int | None = None
    conversion_value: float | None = None
    description: str | None = None
    retailer_id: int | None = None
    attributes: tuple[ProductAttribute, ...] = ()
    units: tuple[ProductUnit, ...] = ()
    images: tuple[str, ...] = ()
    inventories: tuple[Inventory, ...] = ()
    price_books: tuple[ProductPriceBook, ...] = ()
    created_date: datetime | None = None
    modified_date: datetime | None = None
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Product:
        w = Wire(data)
        return cls(
            id=w.integer("id") or 0,
            code=w.text("code"),
            bar_code=w.text("barCode"),
            name=w.text("name"),
            full_name=w.text("fullName"),
            category_id=w.integer("categoryId"),
            category_name=w.text("categoryName"),
            trade_mark_id=w.integer("tradeMarkId"),
            trade_mark_name=w.text("tradeMarkName"),
            allows_sale=w.flag("allowsSale"),
            type=w.integer("type", "productType"),
            has_variants=w.flag("hasVariants"),
            is_active=w.flag("isActive"),
            base_price=w.money("basePrice"),
            weight=w.real("weight"),
            unit=w.text("unit"),
            master_product_id=w.integer("masterProductId") or None,
            master_unit_id=w.integer("masterUnitId") or None,
            conversion_value=w.real("conversionValue"),
            description=w.text("description"),
            retailer_id=w.integer("retailerId"),
            attributes=w.subs(ProductAttribute.from_wire, "attributes"),
            units=w.subs(ProductUnit.from_wire, "units"),
            images=parse_images(w.seq("images")),
            inventories=w.subs(Inventory.from_wire, "inventories", "inventory"),
            price_books=w.subs(ProductPriceBook.from_wire, "priceBooks"),
            created_date=w.when(_dt, "createdDate"),
            modified_date=w.when(_dt, "modifiedDate"),
            raw=data,
        )

    def inventory_at(self, branch_id: int) -> Inventory | None:
        return next((i for i in self.inventories if i.branch_id == branch_id), None)


@dataclass(frozen=True)
class ProductOnHand:
    """A row of ``/productOnHands``: stock only, the cheapest stock delta."""

    id: int
    code: str | None = None
    inventories: tuple[Inventory, ...] = ()
    created_date: datetime | None = None
    modified_date: datetime | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ProductOnHand:
        w = Wire(data)
        pid = w.integer("id", "productId") or 0
        rows = []
        for item in w.seq("inventories"):
            if isinstance(item, Mapping):
                inv = Inventory.from_wire(item)
                if inv.product_id is None:
                    inv = replace(inv, product_id=pid)
                rows.append(inv)
        return cls(
            id=pid,
            code=w.text("code"),
            inventories=tuple(rows),
            created_date=w.when(_dt, "createdDate"),
            modified_date=w.when(_dt, "modifiedDate"),
        )


@dataclass(frozen=True)
class PriceBook:
    id: int
    name: str | None = None
    is_active: bool | None = None
    is_global: bool | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    for_all_customer_groups: bool | None = None
    for_all_users: bool | None = None
    branch_ids: tuple[int, ...] = ()
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> PriceBook:
        w = Wire(data)
        branches = tuple(
            b for b in (to_int(Wire(x).get("branchId")) for x in w.seq("priceBookBranches")) if b is not None
        )
        return cls(
            id=w.integer("id") or 0,
            name=w.text("name"),
            is_active=w.flag("isActive"),
            is_global=w.flag("isGlobal"),
            start_date=w.when(_dt, "startDate"),
            end_date=w.when(_dt, "endDate"),
            for_all_customer_groups=w.flag("forAllCusGroup"),
            for_all_users=w.flag("forAllUser"),
            branch_ids=branches,
            raw=data,
        )

    def is_usable(self, now: datetime) -> bool:
        """Active and not expired (the official plugin's rule)."""
        if not self.is_active:
            return False
        if self.start_date is not None and self.start_date > now:
            return False
        return self.end_date is None or self.end_date > now


@dataclass(frozen=True)
class PriceBookLine:
    product_id: int
    price: Decimal | None
    product_code: str | None = None
    price_book_id: int | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> PriceBookLine:
        w = Wire(data)
        return cls(
            product_id=w.integer("productId") or 0,
            price=w.money("price"),
            product_code=w.text("productCode"),
            price_book_id=w.integer("priceBookId"),
        )


@dataclass(frozen=True)
class Customer:
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
    comments: str | None = None
    tax_code: str | None = None
    debt: Decimal | None = None
    type: int | None = None
    branch_id: int | None = None
    retailer_id: int | None = None
    created_date: datetime | None = None
    modified_date: datetime | None = None
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Customer:
        w = Wire(data)
        branch = w.get("branchId")
        return cls(
            id=w.integer("id") or 0,
            code=w.text("code"),
            name=w.text("name"),
            contact_number=w.text("contactNumber"),
            email=w.text("email"),
            gender=w.flag("gender"),
            birth_date=w.when(_dt, "birthDate"),
            address=w.text("address"),
            location_name=w.text("locationName"),
            ward_name=w.text("wardName"),
            organization=w.text("organization"),
            comments=w.text("comments", "comment"),
            tax_code=w.text("taxCode"),
            debt=w.money("debt"),
            type=w.integer("type"),
            branch_id=to_int(branch[0] if isinstance(branch, list) and branch else branch),
            retailer_id=w.integer("retailerId"),
            created_date=w.when(_dt, "createdDate"),
            modified_date=w.when(_dt, "modifiedDate"),
            raw=data,
        )


@dataclass(frozen=True)
class LineItem:
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

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> LineItem:
        w = Wire(data)
        return cls(
            product_id=w.integer("productId"),
            product_code=w.text("productCode"),
            product_name=w.text("productName"),
            quantity=w.real("quantity") or 0.0,
            price=w.money("price"),
            discount=w.money("discount"),
            discount_ratio=w.real("discountRatio"),
            note=w.text("note"),
            is_master=w.flag("isMaster"),
        )


@dataclass(frozen=True)
class Delivery:
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

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Delivery:
        w = Wire(data)
        return cls(
            delivery_code=w.text("deliveryCode"),
            type=w.integer("type"),
            status=w.integer("status"),
            status_value=w.text("statusValue"),
            price=w.money("price"),
            receiver=w.text("receiver"),
            contact_number=w.text("contactNumber"),
            address=w.text("address"),
            location_id=w.integer("locationId"),
            location_name=w.text("locationName"),
            ward_name=w.text("wardName"),
            weight=w.real("weight"),
            using_price_cod=w.flag("usingPriceCod"),
            price_cod_payment=w.money("priceCodPayment"),
            partner_delivery_id=w.integer("partnerDeliveryId"),
        )


@dataclass(frozen=True)
class Payment:
    id: int | None
    code: str | None
    amount: Decimal | None
    method: str | None
    status: int | None = None
    status_value: str | None = None
    trans_date: datetime | None = None
    account_id: int | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Payment:
        w = Wire(data)
        return cls(
            id=w.integer("id"),
            code=w.text("code"),
            amount=w.money("amount"),
            method=w.text("method"),
            status=w.integer("status"),
            status_value=w.text("statusValue"),
            trans_date=w.when(_dt, "transDate"),
            account_id=w.integer("accountId"),
        )


@dataclass(frozen=True)
class Order:
    """A customer order ("Đặt hàng"): a reservation before invoicing."""

    id: int
    code: str | None = None
    purchase_date: datetime | None = None
    branch_id: int | None = None
    branch_name: str | None = None
    sold_by_id: int | None = None
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
    raw: Mapping[str, Any] = _raw()

    @property
    def state(self) -> str:
        """``draft``/``processing``/``completed``/``cancelled``/``confirmed``/``unknown``."""
        return _state(self.status, self.status_value, _ORDER_STATE_BY_NUMBER, _ORDER_STATE_BY_LABEL)

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Order:
        w = Wire(data)
        delivery = w.sub("orderDelivery", "delivery")
        return cls(
            id=w.integer("id") or 0,
            code=w.text("code"),
            purchase_date=w.when(_dt, "purchaseDate"),
            branch_id=w.integer("branchId"),
            branch_name=w.text("branchName"),
            sold_by_id=w.integer("soldById"),
            customer_id=w.integer("customerId"),
            customer_code=w.text("customerCode"),
            customer_name=w.text("customerName"),
            total=w.money("total"),
            total_payment=w.money("totalPayment"),
            discount=w.money("discount"),
            status=w.integer("status"),
            status_value=w.text("statusValue"),
            description=w.text("description"),
            using_cod=w.flag("usingCod"),
            sale_channel_id=w.integer("saleChannelId"),
            retailer_id=w.integer("retailerId"),
            details=_lines(w, "orderDetails"),
            delivery=Delivery.from_wire(delivery.raw) if delivery else None,
            payments=w.subs(Payment.from_wire, "payments"),
            created_date=w.when(_dt, "createdDate"),
            modified_date=w.when(_dt, "modifiedDate"),
            raw=data,
        )


def _lines(w: Wire, key: str) -> tuple[LineItem, ...]:
    """Line arrays (documented in places as a single object: accept that too)."""
    value = w.get(key)
    if isinstance(value, Mapping):
        return (LineItem.from_wire(value),)
    return w.subs(LineItem.from_wire, key)


@dataclass(frozen=True)
class Invoice:
    """An invoice ("Hóa đơn"): the actual sale; carries delivery progress and payments."""

    id: int
    code: str | None = None
    order_code: str | None = None
    order_id: int | None = None
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
    raw: Mapping[str, Any] = _raw()

    @property
    def state(self) -> str:
        """``completed``/``cancelled``/``processing``/``delivery_failed``/``unknown``."""
        return _state(self.status, self.status_value, _INVOICE_STATE_BY_NUMBER, _INVOICE_STATE_BY_LABEL)

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Invoice:
        w = Wire(data)
        delivery = w.sub("invoiceDelivery", "deliveryDetail", "delivery")
        return cls(
            id=w.integer("id") or 0,
            code=w.text("code"),
            order_code=w.text("orderCode"),
            order_id=w.integer("orderId"),
            purchase_date=w.when(_dt, "purchaseDate"),
            branch_id=w.integer("branchId"),
            branch_name=w.text("branchName"),
            customer_id=w.integer("customerId"),
            customer_code=w.text("customerCode"),
            customer_name=w.text("customerName"),
            total=w.money("total"),
            total_payment=w.money("totalPayment"),
            discount=w.money("discount"),
            status=w.integer("status"),
            status_value=w.text("statusValue"),
            description=w.text("description"),
            using_cod=w.flag("usingCod"),
            sale_channel_id=w.integer("saleChannelId"),
            retailer_id=w.integer("retailerId"),
            details=_lines(w, "invoiceDetails"),
            delivery=Delivery.from_wire(delivery.raw) if delivery else None,
            payments=w.subs(Payment.from_wire, "payments"),
            created_date=w.when(_dt, "createdDate"),
            modified_date=w.when(_dt, "modifiedDate"),
            raw=data,
        )


@dataclass(frozen=True)
class SaleChannel:
    id: int
    name: str | None = None
    is_active: bool | None = None
    is_not_delete: bool | None = None
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> SaleChannel:
        w = Wire(data)
        return cls(
            id=w.integer("id") or 0,
            name=w.text("name"),
            is_active=w.flag("isActive", "isActivate"),
            is_not_delete=w.flag("isNotDelete"),
            raw=data,
        )


@dataclass(frozen=True)
class Surcharge:
    """A "thu khác" (other charge), e.g. web shipping fees."""

    id: int
    code: str | None = None
    name: str | None = None
    value: Decimal | None = None
    is_active: bool | None = None
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Surcharge:
        w = Wire(data)
        return cls(
            id=w.integer("id") or 0,
            code=w.text("surchargeCode", "code"),
            name=w.text("name", "surchargeName"),
            value=w.money("value", "valueText"),
            is_active=w.flag("isActive"),
            raw=data,
        )


@dataclass(frozen=True)
class Settings:
    """``GET /settings`` switches (a bare PascalCase object)."""

    manager_customer_by_branch: bool | None = None
    allow_order_when_out_stock: bool | None = None
    allow_sell_when_order_out_stock: bool | None = None
    allow_sell_when_out_stock: bool | None = None
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Settings:
        w = Wire(data)
        return cls(
            manager_customer_by_branch=w.flag("ManagerCustomerByBranch"),
            allow_order_when_out_stock=w.flag("AllowOrderWhenOutStock"),
            allow_sell_when_order_out_stock=w.flag("AllowSellWhenOrderOutStock"),
            allow_sell_when_out_stock=w.flag("AllowSellWhenOutStock"),
            raw=data,
        )


@dataclass(frozen=True)
class WebhookRegistration:
    id: int
    type: str | None = None
    url: str | None = None
    is_active: bool | None = None
    retailer_id: int | None = None
    description: str | None = None
    modified_date: datetime | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> WebhookRegistration:
        w = Wire(data)
        inner = w.sub("webhook")
        if inner is not None and not w.has("id"):
            w = inner
        return cls(
            id=w.integer("id") or 0,
            type=w.text("type"),
            url=w.text("url"),
            is_active=w.flag("isActive"),
            retailer_id=w.integer("retailerId"),
            description=w.text("description"),
            modified_date=w.when(_dt, "modifiedDate"),
        )
