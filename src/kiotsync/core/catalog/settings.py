"""The merchant's sync settings, as far as the planners need them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SyncField(StrEnum):
    """Fields the merchant can tick ("đồng bộ đè") in the settings screen.

    A ticked field is overwritten on Haravan on every KiotViet change; an unticked one is set when
    the Haravan product/variant is created (stock: written once after creation) and never again.
    """

    NAME = "name"  # product title, option names, variant option values
    DESCRIPTION = "description"  # body_html
    PRICE = "price"  # variant price (basePrice or the chosen price book)
    IMAGES = "images"  # product images
    CATEGORY = "category"  # category name → product_type
    WEIGHT = "weight"  # weight → variant grams
    BARCODE = "barcode"  # variant barcode
    STOCK = "stock"  # stock quantities (+ inventory_management)
    ACTIVE = "active"  # isActive → published


ALL_FIELDS: frozenset[SyncField] = frozenset(SyncField)


class LinkKey(StrEnum):
    """Which KiotViet value identifies a Haravan variant: `code` ↔ `sku` (default) or barcode."""

    CODE = "code"
    BARCODE = "barcode"


@dataclass(frozen=True)
class SyncSettings:
    """Settings that shape a plan.

    `price_book_id`: None = basePrice; else that book's price when the row is in the book and the
    book is active and current, falling back to basePrice. `stock_branch_id`: None = sum over all
    branches, else only that branch. `inactive_branch_ids`: branches that stopped operating in
    KiotViet, never counted. `order_branch_id`: the branch KiotViet reserves the orders KiotSync
    pushes in (pending units are taken there first). `haravan_location_id`: the one location
    stock is written to.
    """

    link_key: LinkKey = LinkKey.CODE
    synced_fields: frozenset[SyncField] = ALL_FIELDS
    price_book_id: int | None = None
    stock_branch_id: int | None = None
    haravan_location_id: int = 0
    stock_batch_size: int = 100
    order_branch_id: int | None = None
    inactive_branch_ids: frozenset[int] = frozenset()

    def syncs(self, field: SyncField) -> bool:
        return field in self.synced_fields
