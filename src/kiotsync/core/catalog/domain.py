"""Immutable catalogue types for both platforms, as the planners see them.

The service layer translates wire JSON into these (see the field notes for the source key); the core
never sees JSON. Everything is a frozen dataclass of scalars and tuples, so values are hashable and
safe to share. Numeric fields accept int/float/str and are coerced to `Decimal` on construction.

KiotViet: every sellable SKU is one `KvProduct` row (variants and alternative units are rows too,
tied together by `master_product_id` / `master_unit_id`). Stock is not part of a row: it arrives as
`StockObservation`s carrying a version, so that stale data can be recognised.

Haravan: an `HvProduct` holds up to 100 `HvVariant`s and up to 3 option names; stock lives in
per-location `HvInventoryLevel`s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import IntEnum

from kiotsync.core.numbers import to_decimal


def _coerce_decimals(obj: object, names: tuple[str, ...]) -> None:
    """Frozen-dataclass helper: replace numeric attributes by their Decimal value."""
    for name in names:
        value = getattr(obj, name)
        if value is not None and not isinstance(value, Decimal):
            object.__setattr__(obj, name, to_decimal(value))


class KvProductType(IntEnum):
    """KiotViet `type` / `productType`: 1 combo, 2 ordinary goods, 3 service (not stock-tracked)."""

    COMBO = 1
    GOODS = 2
    SERVICE = 3


@dataclass(frozen=True)
class KvAttribute:
    """One `attributes[]` entry: `attributeName` / `attributeValue` (e.g. Màu sắc = Đỏ)."""

    name: str
    value: str


@dataclass(frozen=True)
class KvPriceBookPrice:
    """One `priceBooks[]` entry of a product: the price of this row in book `priceBookId`.

    `is_active`, `start` and `end` are the book's validity as reported with the entry; a missing
    bound is unbounded. Naive datetimes are KiotViet local time (UTC+7).
    """

    price_book_id: int
    price: Decimal
    is_active: bool = True
    start: datetime | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        _coerce_decimals(self, ("price",))


@dataclass(frozen=True)
class KvComponent:
    """One combo component (`productFormulas[]`: `materialId`, `quantity`)."""

    product_id: int
    quantity: Decimal

    def __post_init__(self) -> None:
        _coerce_decimals(self, ("quantity",))


@dataclass(frozen=True, kw_only=True)
class KvProduct:
    """One KiotViet product row (`GET /products` item), the unit of linking.

    Grouping: rows sharing `master_product_id` (plus the master row itself) are one variant group;
    a row with `master_unit_id` is an alternative unit of that base row and holds
    `conversion_value` base units. `modified_at` (`modifiedDate`) only breaks ties when the same id
    is passed twice; the newest copy wins.
    """

    id: int
    code: str
    name: str
    full_name: str = ""
    barcode: str = ""
    type: KvProductType | int = KvProductType.GOODS  # wire int accepted; always KvProductType after init
    is_active: bool = True
    category_id: int | None = None
    category_name: str = ""
    base_price: Decimal = Decimal(0)
    weight: Decimal = Decimal(0)
    unit: str = ""
    master_product_id: int | None = None
    master_unit_id: int | None = None
    conversion_value: Decimal = Decimal(1)
    description: str = ""
    attributes: tuple[KvAttribute, ...] = ()
    images: tuple[str, ...] = ()
    price_books: tuple[KvPriceBookPrice, ...] = ()
    components: tuple[KvComponent, ...] = ()
    modified_at: datetime | None = None

    def __post_init__(self) -> None:
        _coerce_decimals(self, ("base_price", "weight", "conversion_value"))
        object.__setattr__(self, "type", KvProductType(self.type))

    @property
    def is_service(self) -> bool:
        return self.type == KvProductType.SERVICE

    @property
    def is_combo(self) -> bool:
        return self.type == KvProductType.COMBO

    @property
    def is_unit_row(self) -> bool:
        """True for an alternative unit (not the base unit) of some base row."""
        return self.master_unit_id is not None and self.master_unit_id != self.id


@dataclass(frozen=True)
class KvInventory:
    """Stock of one row in one branch (`inventories[]`: `branchId`, `onHand`, `reserved`)."""

    branch_id: int
    on_hand: Decimal
    reserved: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        _coerce_decimals(self, ("on_hand", "reserved"))


@dataclass(frozen=True)
class StockObservation:
    """What KiotViet said about one row's stock, and how new that statement is.

    `version` must grow with time for a given row: use `version_from_datetime(modifiedDate)` or a
    monotonically increasing observation sequence. Older observations never overwrite newer ones.
    """

    kv_product_id: int
    version: int
    inventories: tuple[KvInventory, ...]


@dataclass(frozen=True)
class KvCategory:
    """A KiotViet category ("Nhóm hàng"): `categoryId`, `categoryName`."""

    id: int
    name: str
    parent_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class HvVariant:
    """A Haravan variant. `option_values` are option1..3 (non-null ones, in order);
    `tracked` is `inventory_management == "haravan"`."""

    id: int
    product_id: int
    sku: str = ""
    barcode: str = ""
    price: Decimal = Decimal(0)
    grams: Decimal = Decimal(0)
    option_values: tuple[str, ...] = ()
    tracked: bool = True
    position: int = 0
    image_id: int | None = None

    def __post_init__(self) -> None:
        _coerce_decimals(self, ("price", "grams"))


@dataclass(frozen=True, kw_only=True)
class HvProduct:
    """A Haravan product. `options` are the option names (≤3), `images` the image `src`s in
    position order, `published` is `published_at is not None`."""

    id: int
    title: str
    body_html: str = ""
    product_type: str = ""
    published: bool = True
    options: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    variants: tuple[HvVariant, ...] = ()


@dataclass(frozen=True)
class HvInventoryLevel:
    """One `inventory_locations` row: stock of a variant at a location (`qty_onhand`,
    `qty_commited`). Available = on_hand − committed."""

    location_id: int
    product_id: int
    variant_id: int
    on_hand: int
    committed: int = 0

    @property
    def available(self) -> int:
        return self.on_hand - self.committed
