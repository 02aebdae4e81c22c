"""Hypothesis strategies: small but nasty catalogues on both sides.

Codes and barcodes are drawn from tiny pools so duplicates, case-only differences and SKUs that
already exist on Haravan are common; groups mix attributes, units, combos and services; some rows
are inactive; Haravan carries products made by hand that may or may not match.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from kiotsync.core.catalog import (
    HvProduct,
    HvVariant,
    KvAttribute,
    KvComponent,
    KvInventory,
    KvPriceBookPrice,
    KvProduct,
    KvProductType,
    LinkKey,
    StockObservation,
    SyncField,
    SyncSettings,
)
from tests.core.builders import LOCATION, NOW

SHARED_CODES = ["DUP", "dup", "HV1", "hv2", ""]
BARCODES = ["", "", "893001", "893002", "893003"]
ATTRIBUTE_NAMES = ["Màu", "Size", "Chất liệu", "Kiểu"]
VALUES = ["Đỏ", "Xanh", "Vàng", "L", "XL"]
IMAGES = ["https://kv/a.jpg", "https://kv/b.jpg", "https://kv/c.jpg"]
UNITS = ["Thùng", "Lốc", "Hộp"]


@st.composite
def kv_catalogues(draw: st.DrawFn, first_id: int = 100) -> list[KvProduct]:
    rows: list[KvProduct] = []
    next_id = first_id

    def new_id() -> int:
        nonlocal next_id
        next_id += 1
        return next_id

    def code(row_id: int) -> str:
        return draw(st.sampled_from(SHARED_CODES)) if draw(st.integers(0, 11)) == 0 else f"SP{row_id:06d}"

    def row(row_id: int, **kw: object) -> KvProduct:
        price_books: tuple[KvPriceBookPrice, ...] = ()
        if draw(st.booleans()):
            active = draw(st.booleans())
            price_books = (KvPriceBookPrice(7, Decimal(draw(st.integers(1, 9)) * 1000), is_active=active),)
        barcode = f"89{row_id}" if draw(st.integers(0, 9)) < 7 else draw(st.sampled_from(BARCODES))
        return KvProduct(
            id=row_id,
            code=code(row_id),
            name=draw(st.sampled_from(["Áo", "Quần", " Nón "])),
            barcode=barcode,
            is_active=draw(st.integers(0, 5)) > 0,
            category_name=draw(st.sampled_from(["", "Áo", "Khác"])),
            base_price=Decimal(draw(st.integers(0, 5)) * 10000),
            weight=Decimal(draw(st.sampled_from([0, 250, "0.5"]))),
            images=tuple(draw(st.lists(st.sampled_from(IMAGES), max_size=2))),
            price_books=price_books,
            **kw,  # type: ignore[arg-type]
        )

    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["simple", "variants", "units", "variants+units", "combo", "service"]))
        if kind in ("simple", "service"):
            product_type = KvProductType.SERVICE if kind == "service" else KvProductType.GOODS
            rows.append(row(new_id(), type=product_type))
        elif kind == "combo":
            candidates = [r.id for r in rows] + [99_999]
            parts = draw(st.lists(st.sampled_from(candidates), min_size=0, max_size=3, unique=True))
            components = tuple(KvComponent(p, Decimal(draw(st.sampled_from([1, 2, "0.5"])))) for p in parts)
            rows.append(row(new_id(), type=KvProductType.COMBO, components=components))
        else:
            most = 4 if draw(st.integers(0, 9)) == 0 else 2
            names = draw(st.lists(st.sampled_from(ATTRIBUTE_NAMES), min_size=0, max_size=most, unique=True))
            if kind == "units":
                names = []
            members = draw(st.integers(1, 3)) if kind != "units" else 1
            master = new_id()
            for index in range(members):
                row_id = master if index == 0 else new_id()
                attributes = tuple(
                    KvAttribute(name, draw(st.sampled_from(VALUES)))
                    for name in names
                    if draw(st.integers(0, 9)) > 0  # sometimes a value is missing
                )
                base = row(
                    row_id,
                    attributes=attributes,
                    unit="Cái",
                    master_product_id=None if index == 0 else master,
                )
                rows.append(base)
                if kind in ("units", "variants+units"):
                    for unit in draw(st.lists(st.sampled_from(UNITS), min_size=1, max_size=2, unique=True)):
                        rows.append(
                            row(
                                new_id(),
                                unit=unit,
                                master_unit_id=row_id,
                                master_product_id=None if index == 0 else master,
                                conversion_value=Decimal(draw(st.sampled_from([2, 6, 24]))),
                            )
                        )
    return rows


@st.composite
def hv_catalogues(draw: st.DrawFn, kv_rows: list[KvProduct], first_id: int = 5_000) -> list[HvProduct]:
    """Hand-made Haravan products; SKUs/barcodes often borrowed from KiotViet (any case)."""
    known = sorted({r.code for r in kv_rows} | {r.barcode for r in kv_rows}) or [""]
    strangers = [*SHARED_CODES, "HV-OWN-1", "HV-OWN-2", "HV-OWN-3"]

    def key() -> str:
        return draw(st.sampled_from(known if draw(st.integers(0, 9)) < 7 else strangers))

    products: list[HvProduct] = []
    next_id = first_id
    for _ in range(draw(st.integers(0, 4))):
        next_id += 1
        product_id = next_id
        option_count = draw(st.integers(1, 2))
        options = (
            ("Title",) if option_count == 1 and draw(st.booleans()) else tuple(ATTRIBUTE_NAMES[:option_count])
        )
        variants = []
        for position in range(draw(st.integers(1, 3))):
            next_id += 1
            sku = key()
            if draw(st.booleans()):
                sku = sku.lower()
            variants.append(
                HvVariant(
                    id=next_id,
                    product_id=product_id,
                    sku=sku,
                    barcode=key(),
                    price=Decimal(draw(st.integers(0, 5)) * 10000),
                    option_values=tuple(f"v{position}-{i}" for i in range(option_count)),
                    tracked=draw(st.booleans()),
                    position=position + 1,
                )
            )
        products.append(
            HvProduct(
                id=product_id,
                title=draw(st.sampled_from(["Áo", "Hàng Haravan"])),
                product_type=draw(st.sampled_from(["", "Áo"])),
                published=draw(st.booleans()),
                options=options,
                images=tuple(
                    draw(st.lists(st.sampled_from(["https://hv/1.jpg", "https://hv/2.jpg"]), max_size=2))
                ),
                variants=tuple(variants),
            )
        )
    return products


settings_strategy = st.builds(
    SyncSettings,
    link_key=st.sampled_from(list(LinkKey)),
    synced_fields=st.frozensets(st.sampled_from(list(SyncField))),
    price_book_id=st.sampled_from([None, 7]),
    stock_branch_id=st.sampled_from([None, 1]),
    haravan_location_id=st.just(LOCATION),
    stock_batch_size=st.sampled_from([2, 100]),
    order_branch_id=st.sampled_from([None, 1, 2]),
    inactive_branch_ids=st.sampled_from([frozenset(), frozenset({2})]),
)


@st.composite
def observations(draw: st.DrawFn, kv_rows: list[KvProduct]) -> list[StockObservation]:
    result = []
    for row in kv_rows:
        for _ in range(draw(st.integers(0, 3))):
            inventories = tuple(
                KvInventory(branch, Decimal(draw(st.integers(-3, 30))), Decimal(draw(st.integers(0, 10))))
                for branch in draw(st.lists(st.sampled_from([1, 2]), unique=True))
            )
            result.append(StockObservation(row.id, draw(st.integers(1, 20)), inventories))
    return result


__all__ = ["NOW", "hv_catalogues", "kv_catalogues", "observations", "settings_strategy"]
