"""Wire ↔ domain translation for the catalogue flows.

The clients give typed wire models (tolerantly parsed); the pure core wants its own domain
types; the mirrors store a JSON form of the domain types; Haravan and KiotViet want request
bodies. All four conversions live here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from kiotsync.core.catalog import (
    HvInventoryLevel,
    HvProduct,
    HvVariant,
    KvAttribute,
    KvComponent,
    KvInventory,
    KvPriceBookPrice,
    KvProduct,
    ProductFields,
    VariantFields,
    version_from_datetime,
)
from kiotsync.core.catalog.plan_transfer import KvRowDraft
from kiotsync.haravan import models as hv
from kiotsync.httpkit.dates import parse_kiotviet_datetime
from kiotsync.httpkit.html import clean_html
from kiotsync.kiotviet import models as kv

# -- KiotViet -------------------------------------------------------------------------------------


def _components(raw: Mapping[str, Any]) -> tuple[KvComponent, ...]:
    items = raw.get("productFormulas") or raw.get("ProductFormulas") or []
    out = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        material = item.get("materialId", item.get("MaterialId"))
        quantity = item.get("quantity", item.get("Quantity"))
        if material is not None and quantity is not None:
            out.append(KvComponent(int(material), Decimal(str(quantity))))
    return tuple(out)


def kv_product(p: kv.Product) -> KvProduct:
    return KvProduct(
        id=p.id,
        code=p.code or "",
        name=p.name or p.full_name or p.code or "",
        full_name=p.full_name or "",
        barcode=p.bar_code or "",
        type=p.type or 2,
        is_active=p.is_active is not False,
        category_id=p.category_id,
        category_name=p.category_name or "",
        base_price=p.base_price or Decimal(0),
        weight=Decimal(str(p.weight or 0)),
        unit=p.unit or "",
        master_product_id=p.master_product_id,
        master_unit_id=p.master_unit_id,
        conversion_value=Decimal(str(p.conversion_value or 1)),
        description=clean_html(p.description or ""),
        attributes=tuple(KvAttribute(a.name or "", a.value or "") for a in p.attributes if a.name),
        images=tuple(p.images),
        price_books=tuple(
            KvPriceBookPrice(
                pb.price_book_id,
                pb.price or Decimal(0),
                pb.is_active is not False,
                pb.start_date,
                pb.end_date,
            )
            for pb in p.price_books
            if pb.price_book_id is not None
        ),
        components=_components(p.raw),
        modified_at=p.modified_date,
    )


def stock_version(modified: datetime | None, fallback: int = 0) -> int:
    """Version of a stock observation: KiotViet's modification time, else a fallback sequence."""
    return version_from_datetime(modified) if modified is not None else fallback


def kv_inventories(items: Iterable[kv.Inventory]) -> tuple[KvInventory, ...]:
    return tuple(
        KvInventory(i.branch_id, Decimal(str(i.on_hand)), Decimal(str(i.reserved)))
        for i in items
        if i.branch_id is not None
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def kv_to_json(row: KvProduct) -> dict[str, Any]:
    return {
        "id": row.id,
        "code": row.code,
        "name": row.name,
        "full_name": row.full_name,
        "barcode": row.barcode,
        "type": int(row.type),
        "is_active": row.is_active,
        "category_id": row.category_id,
        "category_name": row.category_name,
        "base_price": str(row.base_price),
        "weight": str(row.weight),
        "unit": row.unit,
        "master_product_id": row.master_product_id,
        "master_unit_id": row.master_unit_id,
        "conversion_value": str(row.conversion_value),
        "description": row.description,
        "attributes": [[a.name, a.value] for a in row.attributes],
        "images": list(row.images),
        "price_books": [
            [pb.price_book_id, str(pb.price), pb.is_active, _iso(pb.start), _iso(pb.end)]
            for pb in row.price_books
        ],
        "components": [[c.product_id, str(c.quantity)] for c in row.components],
        "modified_at": _iso(row.modified_at),
    }


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def kv_from_json(d: Mapping[str, Any]) -> KvProduct:
    return KvProduct(
        id=d["id"],
        code=d["code"],
        name=d["name"],
        full_name=d.get("full_name", ""),
        barcode=d.get("barcode", ""),
        type=d.get("type", 2),
        is_active=d.get("is_active", True),
        category_id=d.get("category_id"),
        category_name=d.get("category_name", ""),
        base_price=Decimal(d.get("base_price", "0")),
        weight=Decimal(d.get("weight", "0")),
        unit=d.get("unit", ""),
        master_product_id=d.get("master_product_id"),
        master_unit_id=d.get("master_unit_id"),
        conversion_value=Decimal(d.get("conversion_value", "1")),
        description=d.get("description", ""),
        attributes=tuple(KvAttribute(n, v) for n, v in d.get("attributes", [])),
        images=tuple(d.get("images", [])),
        price_books=tuple(
            KvPriceBookPrice(pid, Decimal(price), active, _dt(start), _dt(end))
            for pid, price, active, start, end in d.get("price_books", [])
        ),
        components=tuple(KvComponent(pid, Decimal(q)) for pid, q in d.get("components", [])),
        modified_at=_dt(d.get("modified_at")),
    )


def kv_stock_from_webhook(
    items: Iterable[kv.Inventory], raw_items: Sequence[Mapping[str, Any]]
) -> list[tuple[kv.Inventory, datetime | None]]:
    """``stock.update`` rows with the modification time each carries (if any)."""
    out = []
    for inv, raw in zip(items, raw_items, strict=False):
        modified = raw.get("ModifiedDate") or raw.get("modifiedDate")
        out.append((inv, parse_kiotviet_datetime(modified) if modified else None))
    return out


# -- Haravan -------------------------------------------------------------------------------------

_PRODUCT_KEYS = ("title", "body_html", "product_type", "published", "options", "images")


def hv_variant(v: hv.Variant, product_id: int) -> HvVariant:
    values = tuple(x for x in (v.option1, v.option2, v.option3) if x is not None)
    return HvVariant(
        id=v.id,
        product_id=v.product_id or product_id,
        sku=v.sku or "",
        barcode=v.barcode or "",
        price=v.price or Decimal(0),
        grams=Decimal(str(v.grams or 0)),
        option_values=values,
        tracked=v.tracks_inventory,
        position=v.position or 0,
        image_id=v.image_id,
    )


def hv_product(p: hv.Product) -> HvProduct:
    return HvProduct(
        id=p.id,
        title=p.title or "",
        body_html=clean_html(p.body_html or ""),
        product_type=p.product_type or "",
        published=p.published,
        options=tuple(o.name or "" for o in sorted(p.options, key=lambda o: o.position or 0)),
        images=tuple(i.src or "" for i in sorted(p.images, key=lambda i: i.position or 0) if i.src),
        variants=tuple(
            hv_variant(v, p.id) for v in sorted(p.variants, key=lambda v: (v.position or 0, v.id))
        ),
    )


def hv_product_json(p: HvProduct) -> dict[str, Any]:
    """Product-level fields (variants are stored one per mirror row)."""
    return {
        "title": p.title,
        "body_html": p.body_html,
        "product_type": p.product_type,
        "published": p.published,
        "options": list(p.options),
        "images": list(p.images),
    }


def hv_variant_json(v: HvVariant) -> dict[str, Any]:
    return {
        "option_values": list(v.option_values),
        "grams": str(v.grams),
        "tracked": v.tracked,
        "position": v.position,
        "image_id": v.image_id,
    }


def hv_from_rows(
    product_id: int, product_data: Mapping[str, Any], variants: Iterable[tuple[Any, Mapping[str, Any]]]
) -> HvProduct:
    """Rebuild a product from mirror rows: ``variants`` are (row, variant_json) pairs."""
    built = []
    for row, data in variants:
        built.append(
            HvVariant(
                id=row.hv_variant_id,
                product_id=product_id,
                sku=row.sku,
                barcode=row.barcode,
                price=row.price,
                grams=Decimal(data.get("grams", "0")),
                option_values=tuple(data.get("option_values", [])),
                tracked=data.get("tracked", True),
                position=data.get("position", 0),
                image_id=data.get("image_id"),
            )
        )
    built.sort(key=lambda v: (v.position, v.id))
    return HvProduct(
        id=product_id,
        title=product_data.get("title", ""),
        body_html=product_data.get("body_html", ""),
        product_type=product_data.get("product_type", ""),
        published=product_data.get("published", True),
        options=tuple(product_data.get("options", [])),
        images=tuple(product_data.get("images", [])),
        variants=tuple(built),
    )


def hv_level(loc: hv.InventoryLocation) -> HvInventoryLevel:
    return HvInventoryLevel(
        location_id=loc.location_id,
        product_id=loc.product_id or 0,
        variant_id=loc.variant_id,
        on_hand=int(loc.qty_onhand),
        committed=int(loc.qty_committed),
    )


# -- request bodies -------------------------------------------------------------------------------


def _money(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def variant_body(fields: VariantFields) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if fields.sku is not None:
        body["sku"] = fields.sku
    if fields.barcode is not None:
        body["barcode"] = fields.barcode
    if fields.price is not None:
        body["price"] = _money(fields.price)
    if fields.grams is not None:
        body["grams"] = _money(fields.grams)
    if fields.option_values is not None:
        for i in range(3):
            body[f"option{i + 1}"] = fields.option_values[i] if i < len(fields.option_values) else None
    if fields.tracked is not None:
        body["inventory_management"] = "haravan" if fields.tracked else None
        if fields.tracked:
            body["inventory_policy"] = "deny"
    return body


def product_body(fields: ProductFields, variants: Sequence[VariantFields] = ()) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if fields.title is not None:
        body["title"] = fields.title
    if fields.body_html is not None:
        body["body_html"] = fields.body_html
    if fields.product_type is not None:
        body["product_type"] = fields.product_type
    if fields.published is not None:
        body["published"] = fields.published
    if fields.options is not None:
        body["options"] = [{"name": name, "position": i + 1} for i, name in enumerate(fields.options)]
    if fields.images is not None:
        body["images"] = [{"src": src, "position": i + 1} for i, src in enumerate(fields.images)]
    if variants:
        body["variants"] = [variant_body(v) for v in variants]
    return body


def kv_create_body(
    draft: KvRowDraft, *, category_id: int | None, has_variants: bool, master_product_id: int | None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": draft.name,
        "basePrice": _money(draft.base_price),
        "allowsSale": True,
        "hasVariants": has_variants,
        "weight": _money(draft.weight),
        "description": draft.description,
        "images": list(draft.images),
    }
    if draft.code:
        body["code"] = draft.code
    if draft.barcode:
        body["barCode"] = draft.barcode
    if category_id is not None:
        body["categoryId"] = category_id
    if draft.attributes:
        body["attributes"] = [{"attributeName": a.name, "attributeValue": a.value} for a in draft.attributes]
    if master_product_id is not None:
        body["masterProductId"] = master_product_id
    return body


def fingerprints_json(pushed: Any) -> dict[str, str]:
    return dict(pushed.as_dict()) if pushed else {}
