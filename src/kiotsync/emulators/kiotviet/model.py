"""Entities of one KiotViet shop and the indexes that keep lookups O(1).

Plain dataclasses, no HTTP. Times are integer ticks (see :mod:`.timefmt`). Stock lives only on
*stock-holder* rows (ordinary goods that are not an alternative unit): alternative-unit rows,
combos and services derive their figures from it (see :mod:`.rules_stock`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

PRODUCT_COMBO = 1
PRODUCT_GOODS = 2
PRODUCT_SERVICE = 3

# Order status (§3.7.2) and invoice status (§3.8.2)
ORDER_STATUS = {1: "Phiếu tạm", 2: "Đang giao hàng", 3: "Hoàn thành", 4: "Đã hủy", 5: "Đã xác nhận"}
INVOICE_STATUS = {1: "Hoàn thành", 2: "Đã hủy", 3: "Đang xử lý", 5: "Không giao được"}
DELIVERY_STATUS = {
    1: "Chờ xử lý",
    2: "Đang giao hàng",
    3: "Giao thành công",
    4: "Đang chuyển hoàn",
    5: "Đã chuyển hoàn",
    6: "Đã hủy",
    7: "Đang lấy hàng",
    8: "Chờ lấy lại",
    9: "Đã lấy hàng",
    10: "Chờ giao lại",
    11: "Chờ chuyển hàng",
    12: "Chờ chuyển hoàn lại",
}
# Tax ids (§3.7.4): id -> (name, value)
TAXES: dict[int, tuple[str, float]] = {
    1: ("VAT 0%", 0),
    2: ("VAT 5%", 5),
    3: ("VAT 8%", 8),
    4: ("VAT 10%", 10),
    5: ("KCT", 0),
    12: ("KKKNT", 0),
    6: ("Thuế trực tiếp 1%", 1),
    7: ("Thuế trực tiếp 2%", 2),
    8: ("Thuế trực tiếp 3%", 3),
    9: ("Thuế trực tiếp 5%", 5),
    64: ("0% VAT, 5% TNCN", 5),
    65: ("0% VAT, 1.5% TNCN", 1.5),
    66: ("0% VAT, 2% TNCN", 2),
}
WEBHOOK_TYPES = (
    "customer.update",
    "customer.delete",
    "product.update",
    "product.delete",
    "stock.update",
    "order.update",
    "invoice.update",
    "pricebook.update",
    "pricebook.delete",
    "pricebookdetail.update",
    "pricebookdetail.delete",
    "category.update",
    "category.delete",
    "branch.update",
    "branch.delete",
)

# Shop settings (§2.8, §3.11): key -> default
DEFAULT_SETTINGS: dict[str, bool] = {
    "allow_order": True,
    "use_delivery": True,
    "manage_cod": True,
    "allow_change_purchase_date": True,
    "allow_sell_when_out_stock": True,
    "allow_sell_when_order_out_stock": True,
    "allow_order_when_out_stock": True,
    "manager_customer_by_branch": False,
}

# Realistic id ranges (§2.2): kind -> (low, high) of the random starting point
ID_RANGES: dict[str, tuple[int, int]] = {
    "branch": (100_000, 400_000),
    "user": (1_000_000_000, 1_000_500_000),
    "category": (1_000_000, 1_800_000),
    "product": (20_000_000, 45_000_000),
    "attribute": (100_000, 500_000),
    "pricebook": (100_000, 300_000),
    "customer": (30_000_000, 40_000_000),
    "order": (15_000_000, 25_000_000),
    "invoice": (240_000_000, 260_000_000),
    "payment": (50_000_000, 60_000_000),
    "salechannel": (400_000, 600_000),
    "surcharge": (10_000, 50_000),
    "webhook": (100_000, 300_000),
    "trademark": (100_000, 200_000),
    "delivery": (1_000_000, 2_000_000),
}


@dataclass(slots=True)
class Branch:
    id: int
    name: str
    code: str
    address: str
    contact_number: str
    email: str
    location_name: str
    ward_name: str
    created: int
    is_active: bool = True
    modified: int | None = None


@dataclass(slots=True)
class User:
    id: int
    user_name: str
    given_name: str
    mobile_phone: str
    email: str
    created: int
    address: str = ""
    description: str = ""
    birth_date: int | None = None
    branch_id: int | None = None
    is_active: bool = True
    hidden: bool = False  # the super-admin is not listed (§3.2)
    modified: int | None = None


@dataclass(slots=True)
class Category:
    id: int
    name: str
    parent_id: int | None
    rank: int
    created: int
    modified: int | None = None


@dataclass(slots=True)
class ProductAttr:
    name: str
    value: str
    deleted: bool = False  # soft-deleted attributes are still listed by default (§3.4.2)


@dataclass(slots=True)
class Formula:
    material_id: int
    quantity: float


@dataclass(slots=True)
class Product:
    id: int
    code: str
    name: str
    created: int
    modified: int
    type: int = PRODUCT_GOODS
    bar_code: str = ""
    category_id: int | None = None
    allows_sale: bool = True
    is_active: bool = True
    is_reward_point: bool = False
    has_variants: bool = False
    base_price: float = 0
    weight: float | None = None
    unit: str = ""
    master_product_id: int | None = None
    master_unit_id: int | None = None
    conversion_value: float = 1
    description: str = ""
    order_template: str = ""
    min_quantity: float = 0
    max_quantity: float = 0
    attributes: list[ProductAttr] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    trade_mark_id: int | None = None
    formulas: list[Formula] = field(default_factory=list)
    tax_type: str | None = None
    tax_rate: str | None = None
    tax_rate_direct: int | None = None
    tax_ids: list[int] = field(default_factory=list)
    purchase_tax_id: int | None = None
    stock_modified: int = 0

    def full_name(self, in_unit_family: bool) -> str:
        parts = [self.name]
        parts.extend(a.value for a in self.attributes if not a.deleted and a.value)
        if in_unit_family and self.unit:
            parts.append(self.unit)
        return " - ".join(parts)


@dataclass(slots=True)
class Inventory:
    on_hand: float = 0
    reserved: float = 0
    on_order: float = 0
    cost: float = 0
    min_quantity: float = 0
    max_quantity: float = 0


@dataclass(slots=True)
class PriceBook:
    id: int
    name: str
    created: int
    is_active: bool = True
    is_global: bool = True
    start: int | None = None
    end: int | None = None
    for_all_cus_group: bool = True
    for_all_user: bool = True
    branch_ids: list[int] = field(default_factory=list)
    lines: dict[int, float] = field(default_factory=dict)
    modified: int | None = None


@dataclass(slots=True)
class Customer:
    id: int
    code: str
    name: str
    created: int
    contact_number: str = ""
    gender: bool | None = None
    birth_date: int | None = None
    address: str = ""
    location_name: str = ""
    ward_name: str = ""
    email: str = ""
    organization: str = ""
    comments: str = ""
    tax_code: str = ""
    type: int = 0
    branch_id: int | None = None
    group_ids: list[int] = field(default_factory=list)
    reward_point: float = 0
    total_invoiced: float = 0  # running sums over non-cancelled invoices (includeTotal, debt)
    total_paid: float = 0
    modified: int | None = None


@dataclass(slots=True)
class Line:
    product_id: int
    product_code: str
    product_name: str
    quantity: float
    price: float
    discount: float = 0
    discount_ratio: float = 0
    note: str = ""
    is_master: bool = True
    tax_ids: list[int] = field(default_factory=list)
    serial_numbers: str = ""
    invoiced: float = 0  # orders only: quantity already turned into invoices

    @property
    def amount(self) -> float:
        return self.quantity * (self.price - self.discount)


@dataclass(slots=True)
class Sale:
    """Common part of orders and invoices."""

    id: int
    code: str
    branch_id: int
    purchase_date: int
    created: int
    modified: int
    status: int
    lines: list[Line]
    customer_id: int | None = None
    sold_by_id: int | None = None
    cashier_id: int | None = None
    description: str = ""
    sale_channel_id: int | None = None
    discount: float = 0
    discount_ratio: float = 0
    total: float = 0
    total_payment: float = 0
    payments: list[dict[str, Any]] = field(default_factory=list)
    delivery: dict[str, Any] | None = None
    surcharges: list[dict[str, Any]] = field(default_factory=list)
    using_cod: bool = False
    method: str | None = None
    account_id: int | None = None
    order_id: int | None = None  # invoices: the order they fulfil
    consumed: dict[int, float] = field(default_factory=dict)  # invoices: order quantity used per product
    cod_payment_method: str | None = None


@dataclass(slots=True)
class SaleChannel:
    id: int
    name: str
    created: int
    is_active: bool = True
    img: str = ""
    is_not_delete: bool = False
    position: int = 0
    modified: int | None = None


@dataclass(slots=True)
class Surcharge:
    id: int
    code: str
    name: str
    value: float
    created: int
    value_ratio: float | None = None
    is_active: bool = True
    modified: int | None = None


@dataclass(slots=True)
class WebhookReg:
    id: int
    type: str
    url: str
    created: int
    is_active: bool = True
    description: str = ""
    secret: str | None = None
    modified: int | None = None


@dataclass(slots=True)
class Attribute:
    id: int
    name: str
    values: dict[str, str] = field(default_factory=dict)  # lower -> as first written


@dataclass
class Events:
    """Webhook-worthy changes of one operation, coalesced per entity until flushed."""

    products: dict[int, None] = field(default_factory=dict)
    stock: dict[tuple[int, int], None] = field(default_factory=dict)
    orders: dict[int, None] = field(default_factory=dict)
    invoices: dict[int, None] = field(default_factory=dict)
    customers: dict[int, None] = field(default_factory=dict)
    categories: dict[int, None] = field(default_factory=dict)
    branches: dict[int, None] = field(default_factory=dict)
    pricebooks: dict[int, None] = field(default_factory=dict)
    pricebook_details: dict[tuple[int, int], None] = field(default_factory=dict)
    deleted: dict[str, list[Any]] = field(default_factory=dict)

    def delete(self, type_: str, item: Any) -> None:
        self.deleted.setdefault(type_, []).append(item)

    def clear(self) -> None:
        for value in (
            self.products,
            self.stock,
            self.orders,
            self.invoices,
            self.customers,
            self.categories,
            self.branches,
            self.pricebooks,
            self.pricebook_details,
            self.deleted,
        ):
            value.clear()


class Shop:
    """All state of one retailer plus its indexes. Mutated only under the app lock."""

    def __init__(
        self, retailer: str, retailer_id: int, client_id: str, client_secret: str, rng: random.Random
    ):
        self.retailer = retailer
        self.retailer_id = retailer_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.display_name = retailer
        self.rng = rng
        self.settings: dict[str, bool] = dict(DEFAULT_SETTINGS)
        self.branches: dict[int, Branch] = {}
        self.users: dict[int, User] = {}
        self.categories: dict[int, Category] = {}
        self.products: dict[int, Product] = {}
        self.stock: dict[int, dict[int, Inventory]] = {}
        self.attributes: dict[str, Attribute] = {}
        self.trademarks: dict[int, str] = {}
        self.pricebooks: dict[int, PriceBook] = {}
        self.customers: dict[int, Customer] = {}
        self.orders: dict[int, Sale] = {}
        self.invoices: dict[int, Sale] = {}
        self.sale_channels: dict[int, SaleChannel] = {}
        self.surcharges: dict[int, Surcharge] = {}
        self.webhooks: dict[int, WebhookReg] = {}
        # indexes
        self.product_by_code: dict[str, int] = {}
        self.product_by_barcode: dict[str, int] = {}
        self.variant_members: dict[int, list[int]] = {}  # master id -> other members
        self.unit_rows: dict[int, list[int]] = {}  # base id -> alternative-unit rows
        self.combos_of: dict[int, set[int]] = {}  # stock holder id -> combos using it
        self.customer_by_code: dict[str, int] = {}
        self.order_by_code: dict[str, int] = {}
        self.invoice_by_code: dict[str, int] = {}
        self.invoices_of_order: dict[int, list[int]] = {}
        # deletions for includeRemoveIds: kind -> {id: ticks}
        self.tombstones: dict[str, dict[int, int]] = {
            k: {} for k in ("products", "customers", "categories", "branches", "users")
        }
        self.events = Events()
        self._next_id: dict[str, int] = {k: rng.randrange(lo, hi) for k, (lo, hi) in ID_RANGES.items()}
        self._code_seq: dict[str, int] = {}
        self.rank_seq = 0
        self.admin_id: int | None = None
        self.default_channel_id: int | None = None
        self.pos_channel_id: int | None = None

    def next_id(self, kind: str) -> int:
        self._next_id[kind] += 1
        return self._next_id[kind]

    def next_code(self, prefix: str, taken: dict[str, int]) -> str:
        """Next free ``<prefix>`` + 6 digits code (SP000001, DH000001, HD000001, KH000001)."""
        n = self._code_seq.get(prefix, 0)
        while True:
            n += 1
            code = f"{prefix}{n:06d}"
            if code.lower() not in taken:
                self._code_seq[prefix] = n
                return code

    # -- product index helpers -------------------------------------------------------------
    def index_product(self, p: Product) -> None:
        self.products[p.id] = p
        self.product_by_code[p.code.lower()] = p.id
        if p.bar_code:
            self.product_by_barcode[p.bar_code.lower()] = p.id

    def product_by_code_ci(self, code: str) -> Product | None:
        pid = self.product_by_code.get(code.strip().lower())
        return self.products.get(pid) if pid is not None else None

    def in_unit_family(self, p: Product) -> bool:
        return p.master_unit_id is not None or bool(self.unit_rows.get(p.id))

    def category_depth(self, cid: int) -> int:
        depth = 0
        cur: int | None = cid
        while cur is not None:
            depth += 1
            cat = self.categories.get(cur)
            cur = cat.parent_id if cat else None
        return depth

    def category_children(self, cid: int | None) -> list[Category]:
        return [c for c in self.categories.values() if c.parent_id == cid]

    def category_descendants(self, cid: int) -> set[int]:
        out = {cid}
        frontier = [cid]
        while frontier:
            cur = frontier.pop()
            for c in self.categories.values():
                if c.parent_id == cur and c.id not in out:
                    out.add(c.id)
                    frontier.append(c.id)
        return out
