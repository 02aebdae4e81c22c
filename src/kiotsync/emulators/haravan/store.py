"""In-memory state: the accounts server (apps, users, codes, tokens) and one ``Shop`` per org.

Every lookup a request needs is a dict: products/variants/orders by id, variants by SKU and
barcode, products by handle, stock by (variant, location). Dicts keep insertion order and ids
only grow, so iterating a dict is iterating by id ascending (list endpoints rely on that).
One ``RLock`` (``World.lock``) guards every mutation.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .config import HaravanConfig
from .model import (
    Adjustment,
    App,
    AuthCode,
    Balance,
    Customer,
    Install,
    Location,
    Order,
    Product,
    Token,
    User,
    Variant,
)
from .textfold import phone_key

# First id of each kind (look like the digest's examples; globally unique per kind).
ID_BASES = {
    "org": 200_000_000_000,
    "user": 200_000_800_000,
    "location": 900_000,
    "product": 1_030_000_000,
    "option": 1_050_000_000,
    "variant": 1_070_000_000,
    "image": 1_090_000_000,
    "balance": 1_005_000_000,
    "customer": 1_040_000_000,
    "order": 1_200_000_000,
    "line_item": 1_300_000_000,
    "fulfillment": 1_400_000_000,
    "transaction": 1_500_000_000,
    "refund": 1_600_000_000,
    "refund_line": 1_650_000_000,
    "adjustment": 1_700_000_000,
    "adjustment_line": 1_750_000_000,
    "address": 1_800_000_000,
}


class Ids:
    """Monotonic id sequences, one per entity kind."""

    def __init__(self) -> None:
        self._next = dict(ID_BASES)

    def next(self, kind: str) -> int:
        self._next[kind] += 1
        return self._next[kind]

    def reserve(self, kind: str, value: int) -> None:
        """Make sure later ids of ``kind`` are above ``value`` (for chosen org ids)."""
        if value >= self._next[kind]:
            self._next[kind] = value


@dataclass
class Shop:
    """One Haravan org: the shop record plus all its resources and indexes."""

    id: int
    name: str
    orgsub: str
    email: str
    phone: str
    province: str
    province_code: str
    address1: str
    owner_id: int
    created_at: int
    orgcat: str = "Thời trang"
    locations: dict[int, Location] = field(default_factory=dict)
    products: dict[int, Product] = field(default_factory=dict)
    variants: dict[int, Variant] = field(default_factory=dict)
    handles: dict[str, int] = field(default_factory=dict)
    skus: dict[str, set[int]] = field(default_factory=dict)
    barcodes: dict[str, set[int]] = field(default_factory=dict)
    balances: dict[int, dict[int, Balance]] = field(default_factory=dict)  # variant -> loc -> row
    balances_by_id: dict[int, Balance] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    customers: dict[int, Customer] = field(default_factory=dict)
    customers_by_email: dict[str, int] = field(default_factory=dict)
    customers_by_phone: dict[str, int] = field(default_factory=dict)
    adjustments: dict[int, Adjustment] = field(default_factory=dict)
    installs: dict[str, Install] = field(default_factory=dict)
    subscriptions: dict[str, int] = field(default_factory=dict)  # client_id -> subscribed_at
    next_order_number: int = 100001
    next_adjust_number: int = 100001

    @property
    def primary_location(self) -> Location:
        for loc in self.locations.values():
            if loc.is_primary:
                return loc
        return next(iter(self.locations.values()))

    @property
    def domain(self) -> str:
        return f"{self.orgsub}.myharavan.com"

    # -- variant indexes -------------------------------------------------------------------
    def index_variant(self, v: Variant) -> None:
        self.variants[v.id] = v
        if v.sku:
            self.skus.setdefault(v.sku, set()).add(v.id)
        if v.barcode:
            self.barcodes.setdefault(v.barcode, set()).add(v.id)

    def unindex_variant(self, v: Variant) -> None:
        self.variants.pop(v.id, None)
        for key, index in ((v.sku, self.skus), (v.barcode, self.barcodes)):
            if key and key in index:
                index[key].discard(v.id)
                if not index[key]:
                    del index[key]

    def variant_by_sku(self, sku: str) -> Variant | None:
        ids = self.skus.get(sku)
        return self.variants[min(ids)] if ids else None

    # -- customers -------------------------------------------------------------------------
    def index_customer(self, c: Customer, old_email: str | None = None, old_phone: str | None = None) -> None:
        if old_email and self.customers_by_email.get(old_email.lower()) == c.id:
            del self.customers_by_email[old_email.lower()]
        if old_phone and self.customers_by_phone.get(phone_key(old_phone)) == c.id:
            del self.customers_by_phone[phone_key(old_phone)]
        self.customers[c.id] = c
        if c.email:
            self.customers_by_email[c.email.lower()] = c.id
        if c.phone and phone_key(c.phone):
            self.customers_by_phone[phone_key(c.phone)] = c.id

    def iter_balances(self) -> Iterator[Balance]:
        return iter(self.balances_by_id.values())


@dataclass
class Session:
    """A browser login on the accounts host (the emulator's session cookie)."""

    user_id: int
    csrf: str
    created_at: float


class World:
    """Everything the emulator knows; replaced wholesale by ``/_emulator/reset``."""

    def __init__(self, config: HaravanConfig | None = None) -> None:
        self.lock = threading.RLock()
        self.config = config or HaravanConfig()
        self.ids = Ids()
        self.apps: dict[str, App] = {}
        self.shops: dict[int, Shop] = {}
        self.users: dict[int, User] = {}
        self.users_by_email: dict[str, int] = {}
        self.codes: dict[str, AuthCode] = {}
        self.tokens: dict[str, Token] = {}
        self.sessions: dict[str, Session] = {}

    def user_by_email(self, email: str) -> User | None:
        uid = self.users_by_email.get(email.strip().lower())
        return self.users.get(uid) if uid is not None else None

    def add_user(self, user: User) -> None:
        self.users[user.id] = user
        self.users_by_email[user.email.lower()] = user.id

    def shop(self, orgid: Any) -> Shop | None:
        try:
            return self.shops.get(int(orgid))
        except (TypeError, ValueError):
            return None
