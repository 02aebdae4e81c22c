"""What a product body's fields mean (§3.4): checked codes and barcodes, images, attributes,
category, combo formulas, taxes and per-branch inventories, and the attributes an update sets
directly (:data:`PLAIN_FIELDS`, :data:`TAX_FIELDS`). Bodies arrive with lower-cased keys.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import invalid
from .model import PRODUCT_GOODS, Formula, Product, ProductAttr, Shop
from .params import as_bool, as_float, as_int
from .rules_catalog import register_attribute
from .rules_stock import existing_branch, stock_take

MAX_BARCODE = 16
MAX_CODE = 50


def clean_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def optional_id(value: Any, name: str) -> int | None:
    if value in (None, "", 0, "0"):
        return None
    return as_int(value, name)


def check_code(shop: Shop, code: str, exclude: int | None = None) -> None:
    if len(code) > MAX_CODE:
        raise invalid(f"Mã hàng không được vượt quá {MAX_CODE} ký tự", "code")
    owner = shop.product_by_code.get(code.lower())
    if owner is not None and owner != exclude:
        raise invalid(f'Mã hàng "{code}" đã tồn tại', "code")


def check_barcode(shop: Shop, bar: str, exclude: int | None = None) -> None:
    if len(bar) > MAX_BARCODE:
        raise invalid(f"Mã vạch không được vượt quá {MAX_BARCODE} ký tự", "barCode")
    owner = shop.product_by_barcode.get(bar.lower())
    if owner is not None and owner != exclude:
        raise invalid(f'Mã vạch "{bar}" đã tồn tại', "barCode")


def image_urls(value: Any) -> list[str]:
    out: list[str] = []
    for item in value or []:
        if isinstance(item, dict):
            url = item.get("image") or item.get("url")
            if url:
                out.append(str(url))
        elif item:
            out.append(str(item))
    return out


def read_attributes(shop: Shop, value: Any) -> list[ProductAttr]:
    attrs: list[ProductAttr] = []
    for item in value or []:
        if not isinstance(item, dict):
            raise invalid("Thuộc tính không hợp lệ", "attributes")
        name = clean_text(item.get("attributename"))
        val = clean_text(item.get("attributevalue"))
        if not name:
            raise invalid("Tên thuộc tính không được để trống", "attributes")
        register_attribute(shop, name, val)
        attrs.append(ProductAttr(name, val))
    return attrs


def existing_category(shop: Shop, value: Any) -> int | None:
    cid = optional_id(value, "categoryId")
    if cid is not None and cid not in shop.categories:
        raise invalid("Nhóm hàng không tồn tại", "categoryId")
    return cid


def read_formulas(shop: Shop, value: Any) -> list[Formula]:
    out: list[Formula] = []
    for item in value or []:
        if not isinstance(item, dict):
            raise invalid("Thành phần combo không hợp lệ", "productFormulas")
        material = None
        mid = optional_id(item.get("materialid"), "materialId")
        if mid is not None:
            material = shop.products.get(mid)
        elif clean_text(item.get("materialcode")):
            material = shop.product_by_code_ci(clean_text(item.get("materialcode")))
        if material is None:
            raise invalid("Thành phần combo không tồn tại", "productFormulas")
        if material.type != PRODUCT_GOODS:
            raise invalid("Thành phần combo phải là hàng hóa thường", "productFormulas")
        qty = as_float(item.get("quantity", 1), "quantity")
        if qty <= 0:
            raise invalid("Số lượng thành phần combo phải lớn hơn 0", "productFormulas")
        out.append(Formula(material.id, qty))
    return out


def read_tax_ids(value: Any) -> list[int]:
    out = []
    for item in value or []:
        if isinstance(item, dict) and item.get("taxid") not in (None, ""):
            out.append(as_int(item["taxid"], "taxId"))
    return out


def apply_inventories(shop: Shop, p: Product, value: Any, now: int) -> None:
    if not isinstance(value, list):
        return
    for item in value:
        if not isinstance(item, dict):
            continue
        on_hand = item.get("onhand")
        cost = item.get("cost")
        stock_take(
            shop,
            p,
            existing_branch(shop, as_int(item.get("branchid"), "branchId")),
            as_float(on_hand, "onHand") if on_hand is not None else None,
            as_float(cost, "cost") if cost is not None else None,
            now,
        )


def validate_codes(shop: Shop, items: list[dict[str, Any]]) -> None:
    """Reject a batch whose codes/barcodes clash with the shop or with each other."""
    seen_codes: set[str] = set()
    seen_bars: set[str] = set()
    for item in items:
        code = clean_text(item.get("code"))
        if code:
            check_code(shop, code, as_int(item["id"], "id") if item.get("id") else None)
            if code.lower() in seen_codes:
                raise invalid(f'Mã hàng "{code}" đã tồn tại', "code")
            seen_codes.add(code.lower())
        bar = clean_text(item.get("barcode"))
        if bar:
            check_barcode(shop, bar, as_int(item["id"], "id") if item.get("id") else None)
            if bar.lower() in seen_bars:
                raise invalid(f'Mã vạch "{bar}" đã tồn tại', "barCode")
            seen_bars.add(bar.lower())


@dataclass(frozen=True, slots=True)
class Field:
    """A product attribute a body sets directly: the body key, how its raw value is read (given
    the attribute's current value) and whether a null leaves the attribute as it is."""

    key: str
    attr: str
    read: Callable[[Any, Any], Any]
    null_keeps: bool = False


def set_fields(p: Product, body: dict[str, Any], fields: Sequence[Field]) -> None:
    """Set every field the body carries, in the order of ``fields``."""
    for f in fields:
        if f.key in body and not (f.null_keeps and body[f.key] is None):
            setattr(p, f.attr, f.read(body[f.key], getattr(p, f.attr)))


# What an update sets directly (after code, barcode, name, category, unit and conversion).
PLAIN_FIELDS: tuple[Field, ...] = (
    Field("allowssale", "allows_sale", lambda v, _: as_bool(v, "allowssale"), null_keeps=True),
    Field("isactive", "is_active", lambda v, _: as_bool(v, "isactive"), null_keeps=True),
    Field("isrewardpoint", "is_reward_point", lambda v, _: as_bool(v, "isrewardpoint"), null_keeps=True),
    # hasVariants can only turn the flag on
    Field(
        "hasvariants",
        "has_variants",
        lambda v, cur: True if as_bool(v, "hasVariants") else cur,
        null_keeps=True,
    ),
    Field("baseprice", "base_price", lambda v, _: as_float(v, "baseprice"), null_keeps=True),
    Field("minquantity", "min_quantity", lambda v, _: as_float(v, "minquantity"), null_keeps=True),
    Field("maxquantity", "max_quantity", lambda v, _: as_float(v, "maxquantity"), null_keeps=True),
    Field("weight", "weight", lambda v, _: as_float(v, "weight") if v is not None else None),
    Field("description", "description", lambda v, _: clean_text(v)),
    Field("ordertemplate", "order_template", lambda v, _: clean_text(v)),
    Field("images", "images", lambda v, _: image_urls(v), null_keeps=True),
    Field("trademarkid", "trade_mark_id", lambda v, _: optional_id(v, "tradeMarkId")),
)

# Taxes, set last (after attributes and combo formulas).
TAX_FIELDS: tuple[Field, ...] = (
    Field("producttaxs", "tax_ids", lambda v, _: read_tax_ids(v)),
    Field(
        "purchasetax",
        "purchase_tax_id",
        lambda v, _: read_tax_ids([v])[0] if isinstance(v, dict) and v.get("taxid") else None,
    ),
    Field("taxtype", "tax_type", lambda v, _: clean_text(v) or None),
    Field("taxrate", "tax_rate", lambda v, _: clean_text(v) or None),
    Field("taxratedirect", "tax_rate_direct", lambda v, _: optional_id(v, "taxRateDirect")),
)
