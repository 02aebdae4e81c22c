"""Small constructors for core tests: readable defaults, explicit where it matters."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from kiotsync.core.catalog import (
    HvInventoryLevel,
    HvProduct,
    HvVariant,
    KvAttribute,
    KvInventory,
    KvProduct,
    Link,
    ProductPlan,
    StockObservation,
    SyncSettings,
    plan_kiotviet_to_haravan,
)
from kiotsync.core.numbers import VIETNAM

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=VIETNAM)
LOCATION = 900001
SETTINGS = SyncSettings(haravan_location_id=LOCATION)


def kv(id: int, code: str | None = None, name: str = "Áo thun", **kw: Any) -> KvProduct:
    """A KiotViet row; `attrs={"Màu": "Đỏ"}` is shorthand for attributes."""
    attrs = kw.pop("attrs", None)
    if attrs:
        kw["attributes"] = tuple(KvAttribute(k, v) for k, v in attrs.items())
    kw.setdefault("base_price", Decimal(100000))
    return KvProduct(id=id, code=f"SP{id:06d}" if code is None else code, name=name, **kw)


def hv_variant(id: int, product_id: int, sku: str = "", **kw: Any) -> HvVariant:
    kw.setdefault("option_values", ("Default Title",))
    return HvVariant(id=id, product_id=product_id, sku=sku, **kw)


def hv_product(id: int, title: str, variants: Iterable[HvVariant] = (), **kw: Any) -> HvProduct:
    kw.setdefault("options", ("Title",))
    return HvProduct(id=id, title=title, variants=tuple(variants), **kw)


def obs(kv_id: int, version: int, *stock: tuple[int, float, float]) -> StockObservation:
    """Observation with (branch, onHand, reserved) triples."""
    return StockObservation(
        kv_id, version, tuple(KvInventory(b, Decimal(str(o)), Decimal(str(r))) for b, o, r in stock)
    )


def level(product_id: int, variant_id: int, on_hand: int, committed: int = 0) -> HvInventoryLevel:
    return HvInventoryLevel(LOCATION, product_id, variant_id, on_hand, committed)


def plan(
    rows: Iterable[KvProduct],
    products: Iterable[HvProduct] = (),
    links: Iterable[Link] = (),
    settings: SyncSettings = SETTINGS,
    opt_outs: Collection[int] = (),
    now: datetime = NOW,
    deleted: Collection[int] = (),
) -> ProductPlan:
    return plan_kiotviet_to_haravan(rows, products, links, settings, opt_outs, now, deleted_kv_ids=deleted)


def of_type(actions: Iterable[object], kind: type) -> list[Any]:
    return [a for a in actions if isinstance(a, kind)]
