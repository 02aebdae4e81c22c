"""Entities of one Haravan shop (org) and of the accounts server, as plain dataclasses.

Wire shapes are produced by ``serialize``; these hold only what the rules need. Times are
integer epoch milliseconds (see ``timeutil``), money is ``float`` (VND has no minor unit).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


# -- accounts -------------------------------------------------------------------------------
@dataclass
class App:
    """An app as registered in the partner dashboard (Haravan is the app store)."""

    client_id: str
    client_secret: str
    name: str
    redirect_uris: list[str] = field(default_factory=list)
    webhook_url: str | None = None
    webhook_verify_token: str | None = None
    topics: list[str] = field(default_factory=list)
    webhook_verified_at: int | None = None


@dataclass
class User:
    id: int
    email: str
    password: str
    first_name: str
    last_name: str
    memberships: dict[int, str] = field(default_factory=dict)  # orgid -> "admin" | "staff"

    @property
    def name(self) -> str:
        return f"{self.last_name} {self.first_name}".strip()


@dataclass
class AuthCode:
    code: str
    client_id: str
    redirect_uri: str
    orgid: int
    user_id: int
    scopes: tuple[str, ...]
    nonce: str | None
    expires_at: float
    auth_time: float
    used: bool = False


@dataclass
class Token:
    value: str
    kind: str  # "access" | "refresh"
    client_id: str
    orgid: int
    user_id: int
    scopes: tuple[str, ...]
    expires_at: float
    issued_at: float
    revoked: bool = False


@dataclass
class Install:
    client_id: str
    scopes: tuple[str, ...]
    installed_at: int


# -- shop -----------------------------------------------------------------------------------
@dataclass
class Location:
    id: int
    name: str
    is_primary: bool
    address1: str = ""
    province: str = ""
    province_code: str = ""
    district: str = ""
    district_code: str = ""
    ward: str = ""
    ward_code: str = ""
    phone: str = ""
    email: str = ""
    location_type: str | None = "default"
    created_at: int = 0
    updated_at: int = 0


@dataclass
class Option:
    id: int
    name: str
    position: int


@dataclass
class Image:
    id: int
    product_id: int
    position: int
    src: str
    filename: str | None
    variant_ids: list[int]
    created_at: int
    updated_at: int


@dataclass
class Variant:
    id: int
    product_id: int
    option1: str | None
    option2: str | None
    option3: str | None
    sku: str | None
    barcode: str | None
    price: float
    compare_at_price: float
    grams: float
    inventory_management: str | None
    inventory_policy: str
    requires_shipping: bool
    taxable: bool
    image_id: int | None
    created_at: int
    updated_at: int
    lot_support: bool = False
    variant_units: list[dict[str, Any]] = field(default_factory=list)
    old_inventory_quantity: int | None = None
    inventory_quantity_adjustment: int | None = None

    @property
    def title(self) -> str:
        return " / ".join(v for v in (self.option1, self.option2, self.option3) if v)

    @property
    def tracked(self) -> bool:
        return self.inventory_management == "haravan"


@dataclass
class Product:
    id: int
    title: str
    body_html: str | None
    vendor: str
    product_type: str
    handle: str
    tags: str | None
    template_suffix: str | None
    published_at: int | None
    published_scope: str
    only_hide_from_list: bool
    not_allow_promotion: bool
    options: list[Option]
    variants: list[Variant]
    images: list[Image]
    created_at: int
    updated_at: int


@dataclass
class Balance:
    """Stock of one variant at one location (``inventory_locations`` row)."""

    id: int
    loc_id: int
    product_id: int
    variant_id: int
    onhand: int = 0
    commited: int = 0
    incoming: int = 0
    updated_at: int = 0

    @property
    def available(self) -> int:
        return self.onhand - self.commited


@dataclass
class Adjustment:
    id: int
    adjust_number: str
    location_id: int
    type: str
    reason: str
    note: str | None
    tags: str | None
    line_items: list[dict[str, Any]]
    created_at: int


@dataclass
class Customer:
    id: int
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    accepts_marketing: bool
    note: str | None
    tags: str | None
    birthday: str | None
    gender: int | None
    addresses: list[dict[str, Any]]
    created_at: int
    updated_at: int
    state: str = "enabled"
    verified_email: bool = False
    orders_count: int = 0
    total_spent: float = 0.0
    last_order_id: int | None = None
    last_order_name: str | None = None
    last_order_date: int | None = None


@dataclass
class LineItem:
    id: int
    product_id: int | None
    variant_id: int | None
    sku: str | None
    barcode: str | None
    title: str
    variant_title: str | None
    quantity: int
    price: float
    grams: float
    vendor: str | None
    product_type: str | None
    requires_shipping: bool
    taxable: bool
    total_discount: float
    applied_discounts: list[dict[str, Any]]
    properties: list[dict[str, Any]] | None
    image_src: str | None
    not_allow_promotion: bool
    tracked: bool
    committed_qty: int = 0
    fulfilled_qty: int = 0
    refunded_qty: int = 0
    restocked: bool = False
    product_exists: bool = True


@dataclass
class Fulfillment:
    id: int
    order_id: int
    status: str
    location_id: int
    lines: list[tuple[int, int]]  # (line_item_id, quantity)
    tracking_company: str | None
    tracking_number: str | None
    tracking_url: str | None
    cod_amount: float
    carrier_status_code: str
    carrier_cod_status_code: str
    notify_customer: bool
    note: str | None
    dates: dict[str, int]
    extra: dict[str, Any]
    created_at: int
    updated_at: int


@dataclass
class Transaction:
    id: int
    order_id: int
    amount: float
    kind: str
    status: str
    gateway: str | None
    parent_id: int | None
    location_id: int | None
    user_id: int | None
    is_cod_gateway: bool
    created_at: int


@dataclass
class Refund:
    id: int
    order_id: int
    note: str | None
    restock: bool
    location_id: int | None
    lines: list[tuple[int, int, int]]  # (refund line id, line_item_id, quantity)
    transaction_ids: list[int]
    created_at: int


@dataclass
class Order:
    id: int
    name: str
    email: str | None
    phone: str | None
    financial_status: str
    fulfillment_status: str
    confirmed_status: str
    confirmed_at: int | None
    cancelled_status: str
    cancelled_at: int | None
    cancel_reason: str | None
    closed_status: str
    closed_at: int | None
    gateway: str | None
    gateway_code: str | None
    is_cod_gateway: bool
    processing_method: str | None
    source: str
    source_name: str
    customer_id: int | None
    billing_address: dict[str, Any] | None
    shipping_address: dict[str, Any] | None
    line_items: list[LineItem]
    discount_codes: list[dict[str, Any]]
    shipping_lines: list[dict[str, Any]]
    total_discounts: float
    note: str | None
    note_attributes: list[dict[str, Any]]
    tags: str | None
    location_id: int
    user_id: int | None
    landing_site_ref: str | None
    processed_at: int
    created_at: int
    updated_at: int
    fulfillments: list[Fulfillment] = field(default_factory=list)
    transactions: list[Transaction] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)

    @property
    def total_line_items_price(self) -> float:
        return float(sum(li.price * li.quantity for li in self.line_items))

    @property
    def total_shipping(self) -> float:
        return float(sum(float(s.get("price") or 0) for s in self.shipping_lines))

    @property
    def subtotal_price(self) -> float:
        return self.total_line_items_price - self.total_discounts

    @property
    def total_price(self) -> float:
        return max(0.0, self.subtotal_price + self.total_shipping)

    @property
    def total_weight(self) -> float:
        return float(sum(li.grams * li.quantity for li in self.line_items))

    def line(self, line_item_id: int) -> LineItem | None:
        for li in self.line_items:
            if li.id == line_item_id:
                return li
        return None
