"""Products ("Hàng hóa", §3.4): create, update, delete, bulk, variants, units and combos.

Bodies arrive with lower-cased keys (see :mod:`.params`). Every SKU is its own row; variant
groups hang off a master row (``masterProductId``), alternative units off a base-unit row
(``masterUnitId`` + ``conversionValue``), combos (``type`` 1) list ``productFormulas``.
Codes and non-empty barcodes are unique per shop, compared case-insensitively.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import found, invalid, not_found
from .model import PRODUCT_COMBO, PRODUCT_GOODS, PRODUCT_SERVICE, Formula, Product, ProductAttr, Shop
from .params import as_bool, as_float, as_int
from .product_fields import (
    PLAIN_FIELDS,
    TAX_FIELDS,
    apply_inventories,
    check_barcode,
    check_code,
    clean_text,
    existing_category,
    image_urls,
    optional_id,
    read_attributes,
    read_formulas,
    read_tax_ids,
    set_fields,
    validate_codes,
)
from .rules_stock import register_combo, unregister_combo
from .timefmt import entity_ticks


def _touch(shop: Shop, p: Product, now: int) -> None:
    p.modified = entity_ticks(now)
    shop.events.products[p.id] = None


def _family_units(shop: Shop, base_id: int) -> list[Product]:
    base = shop.products[base_id]
    return [base, *(shop.products[u] for u in shop.unit_rows.get(base_id, ()) if u in shop.products)]


def _product_type(body: dict[str, Any]) -> int:
    ptype = as_int(body.get("type") or body.get("producttype") or PRODUCT_GOODS, "type")
    if ptype not in (PRODUCT_COMBO, PRODUCT_GOODS, PRODUCT_SERVICE):
        raise invalid("Loại hàng hóa không hợp lệ", "type")
    return ptype


def _unit_base(shop: Shop, body: dict[str, Any]) -> Product | None:
    """The base-unit row a new unit row hangs off (``masterUnitId``, resolved to the family's base)."""
    base_id = optional_id(body.get("masterunitid"), "masterUnitId")
    if base_id is None:
        return None
    base = shop.products.get(base_id)
    if base is None:
        raise invalid("Hàng hóa đơn vị cơ bản không tồn tại", "masterUnitId")
    if base.master_unit_id is not None:
        base = shop.products[base.master_unit_id]
    if base.type != PRODUCT_GOODS:
        raise invalid("Chỉ hàng hóa thường mới có nhiều đơn vị tính", "masterUnitId")
    return base


def _variant_master(shop: Shop, body: dict[str, Any], base: Product | None) -> Product | None:
    """The master row of the new row's variant group (``masterProductId``, else the base's)."""
    master_id = optional_id(body.get("masterproductid"), "masterProductId")
    if master_id is None:
        if base is not None and base.master_product_id is not None:
            return shop.products.get(base.master_product_id)
        return None
    master = shop.products.get(master_id)
    if master is None:
        raise invalid("Hàng hóa cùng loại không tồn tại", "masterProductId")
    if master.master_product_id is not None:
        master = shop.products[master.master_product_id]
    return master


def _new_codes(shop: Shop, body: dict[str, Any]) -> tuple[str, str]:
    """The new row's code (checked, else the next ``SP…``) and barcode (checked when given)."""
    code = clean_text(body.get("code"))
    if code:
        check_code(shop, code)
    else:
        code = shop.next_code("SP", shop.product_by_code)
    bar = clean_text(body.get("barcode"))
    if bar:
        check_barcode(shop, bar)
    return code, bar


def _new_unit(
    shop: Shop, body: dict[str, Any], template: Product | None, base: Product | None
) -> tuple[str, float]:
    """The unit and its conversion value; a unit row needs both, its unit new to the family."""
    unit = clean_text(body.get("unit")) or (template.unit if template and base is None else "")
    if base is None:
        return unit, 1.0
    conversion = as_float(body.get("conversionvalue", 0), "conversionValue")
    if conversion <= 0:
        raise invalid("Giá trị quy đổi phải lớn hơn 0", "conversionValue")
    if not unit:
        raise invalid("Đơn vị tính không được để trống", "unit")
    if any(u.unit.casefold() == unit.casefold() for u in _family_units(shop, base.id)):
        raise invalid(f'Đơn vị tính "{unit}" đã tồn tại', "unit")
    return unit, conversion


def _combo_formulas(shop: Shop, body: dict[str, Any], ptype: int) -> list[Formula]:
    if ptype != PRODUCT_COMBO:
        return []
    formulas = read_formulas(shop, body.get("productformulas"))
    if not formulas:
        raise invalid("Hàng combo phải có ít nhất một hàng thành phần", "productFormulas")
    return formulas


def _join_families(shop: Shop, p: Product, master: Product | None, base: Product | None, now: int) -> None:
    """A new row joins its variant group and its base row's units (both rows change)."""
    if master is not None:
        shop.variant_members.setdefault(master.id, []).append(p.id)
        if not master.has_variants:
            master.has_variants = True
            _touch(shop, master, now)
    if base is not None:
        shop.unit_rows.setdefault(base.id, []).append(p.id)
        _touch(shop, base, now)  # its ``units`` list and fullName changed


def _create_extra_units(shop: Shop, p: Product, body: dict[str, Any], now: int) -> None:
    for unit_item in body.get("units") or []:
        # guess: a create body may list extra units; each becomes its own unit row
        if isinstance(unit_item, dict) and clean_text(unit_item.get("unit")):
            create_product(
                shop,
                {
                    "masterunitid": p.id,
                    "unit": unit_item.get("unit"),
                    "conversionvalue": unit_item.get("conversionvalue"),
                    "baseprice": unit_item.get("baseprice"),
                    "code": unit_item.get("code"),
                    "barcode": unit_item.get("barcode"),
                },
                now,
            )


def create_product(shop: Shop, body: dict[str, Any], now: int) -> Product:
    ptype = _product_type(body)
    base = _unit_base(shop, body)
    if base is not None:
        ptype = PRODUCT_GOODS
    master = _variant_master(shop, body, base)

    template = base or master
    name = clean_text(body.get("name")) or (template.name if template else "")
    if not name:
        raise invalid("Tên hàng hóa không được để trống", "name")

    code, bar = _new_codes(shop, body)
    unit, conversion = _new_unit(shop, body, template, base)

    category_id = existing_category(shop, body.get("categoryid")) if body.get("categoryid") else None
    if category_id is None and template is not None:
        category_id = template.category_id
    attrs = read_attributes(shop, body.get("attributes"))
    if not attrs and base is not None:
        attrs = [ProductAttr(a.name, a.value) for a in base.attributes if not a.deleted]
    formulas = _combo_formulas(shop, body, ptype)

    ts = entity_ticks(now)
    p = Product(
        id=shop.next_id("product"),
        code=code,
        name=name,
        created=ts,
        modified=ts,
        type=ptype,
        bar_code=bar,
        category_id=category_id,
        allows_sale=as_bool(body.get("allowssale", True), "allowsSale"),
        is_active=as_bool(body.get("isactive", True), "isActive"),
        is_reward_point=as_bool(body.get("isrewardpoint", False), "isRewardPoint"),
        has_variants=bool(master) or as_bool(body.get("hasvariants", False), "hasVariants"),
        base_price=as_float(body.get("baseprice") or 0, "basePrice"),
        weight=as_float(body["weight"], "weight") if body.get("weight") is not None else None,
        unit=unit,
        master_product_id=master.id if master else None,
        master_unit_id=base.id if base else None,
        conversion_value=conversion,
        description=clean_text(body.get("description")),
        order_template=clean_text(body.get("ordertemplate")),
        min_quantity=as_float(body.get("minquantity") or 0, "minQuantity"),
        max_quantity=as_float(body.get("maxquantity") or 0, "maxQuantity"),
        attributes=attrs,
        images=image_urls(body.get("images")),
        trade_mark_id=optional_id(body.get("trademarkid"), "tradeMarkId")
        if body.get("trademarkid")
        else (template.trade_mark_id if template else None),
        formulas=formulas,
        tax_type=clean_text(body.get("taxtype")) or None,
        tax_rate=clean_text(body.get("taxrate")) or None,
        tax_rate_direct=optional_id(body.get("taxratedirect"), "taxRateDirect"),
        tax_ids=read_tax_ids(body.get("producttaxs")),
        purchase_tax_id=read_tax_ids([body["purchasetax"]])[0]
        if isinstance(body.get("purchasetax"), dict) and body["purchasetax"].get("taxid")
        else None,
        stock_modified=ts,
    )
    shop.index_product(p)
    shop.events.products[p.id] = None
    _join_families(shop, p, master, base, now)
    if ptype == PRODUCT_COMBO:
        register_combo(shop, p)
    apply_inventories(shop, p, body.get("inventories"), now)
    _create_extra_units(shop, p, body, now)
    return p


def _update_code(shop: Shop, p: Product, body: dict[str, Any]) -> None:
    code = clean_text(body["code"]) if "code" in body else ""
    if not code or code == p.code:
        return
    check_code(shop, code, exclude=p.id)
    shop.product_by_code.pop(p.code.lower(), None)
    p.code = code
    shop.product_by_code[code.lower()] = p.id


def _update_barcode(shop: Shop, p: Product, body: dict[str, Any]) -> None:
    if "barcode" not in body:
        return
    bar = clean_text(body["barcode"])
    if bar == p.bar_code:
        return
    if bar:
        check_barcode(shop, bar, exclude=p.id)
    if p.bar_code:
        shop.product_by_barcode.pop(p.bar_code.lower(), None)
    p.bar_code = bar
    if bar:
        shop.product_by_barcode[bar.lower()] = p.id


def _update_name_and_category(shop: Shop, p: Product, body: dict[str, Any], now: int) -> None:
    """Name and category; a base row's unit rows share them (guess)."""
    followers = [shop.products[u] for u in shop.unit_rows.get(p.id, ()) if u in shop.products]
    if "name" in body:
        name = clean_text(body["name"])
        if not name:
            raise invalid("Tên hàng hóa không được để trống", "name")
        p.name = name
        for u in followers:
            u.name = name
            _touch(shop, u, now)
    if "categoryid" in body:
        p.category_id = existing_category(shop, body["categoryid"])
        for u in followers:
            u.category_id = p.category_id
            _touch(shop, u, now)


def _update_unit(shop: Shop, p: Product, body: dict[str, Any]) -> None:
    """A new unit name, unique within the row's unit family."""
    unit = clean_text(body["unit"]) if "unit" in body else ""
    if not unit or unit == p.unit:
        return
    family_base = p.master_unit_id if p.master_unit_id is not None else p.id
    if any(u.id != p.id and u.unit.casefold() == unit.casefold() for u in _family_units(shop, family_base)):
        raise invalid(f'Đơn vị tính "{unit}" đã tồn tại', "unit")
    p.unit = unit


def _update_conversion(shop: Shop, p: Product, body: dict[str, Any]) -> None:
    """A unit row's conversion value; its stock in every branch changes with it."""
    if "conversionvalue" not in body or p.master_unit_id is None:
        return
    conversion = as_float(body["conversionvalue"], "conversionValue")
    if conversion <= 0:
        raise invalid("Giá trị quy đổi phải lớn hơn 0", "conversionValue")
    if conversion != p.conversion_value:
        p.conversion_value = conversion
        for bid in shop.branches:
            shop.events.stock[(p.id, bid)] = None


def _update_attributes(shop: Shop, p: Product, body: dict[str, Any]) -> None:
    if body.get("attributes") is None:
        return
    new = read_attributes(shop, body["attributes"])
    keep = {(a.name.casefold(), a.value.casefold()) for a in new}
    gone = [
        ProductAttr(a.name, a.value, deleted=True)
        for a in p.attributes
        if (a.name.casefold(), a.value.casefold()) not in keep
    ]
    p.attributes = new + gone  # removed attributes are soft-deleted, still listed by default


def _update_formulas(shop: Shop, p: Product, body: dict[str, Any]) -> None:
    """A combo's components; its stock in every branch changes with them."""
    if "productformulas" not in body or p.type != PRODUCT_COMBO:
        return
    formulas = read_formulas(shop, body["productformulas"])
    if not formulas:
        raise invalid("Hàng combo phải có ít nhất một hàng thành phần", "productFormulas")
    unregister_combo(shop, p)
    p.formulas = formulas
    register_combo(shop, p)
    for bid in shop.branches:
        shop.events.stock[(p.id, bid)] = None


def update_product(shop: Shop, pid: int, body: dict[str, Any], now: int) -> Product:
    """Field by field, in this order; a field refused leaves the ones before it changed."""
    p = shop.products.get(pid)
    if p is None:
        raise not_found("hàng hóa")
    _update_code(shop, p, body)
    _update_barcode(shop, p, body)
    _update_name_and_category(shop, p, body, now)
    _update_unit(shop, p, body)
    _update_conversion(shop, p, body)
    set_fields(p, body, PLAIN_FIELDS)
    _update_attributes(shop, p, body)
    _update_formulas(shop, p, body)
    set_fields(p, body, TAX_FIELDS)
    inventories = body.get("inventories", body.get("inventory"))
    apply_inventories(shop, p, inventories, now)
    _touch(shop, p, now)
    return p


def delete_product(shop: Shop, pid: int, now: int) -> list[int]:
    """Delete a row (a base-unit row takes its unit rows along); returns the deleted ids."""
    p = shop.products.get(pid)
    if p is None:
        raise not_found("hàng hóa")
    doomed = [p.id, *shop.unit_rows.get(p.id, ())]
    for combo in shop.products.values():
        used = combo.type == PRODUCT_COMBO and combo.id not in doomed
        if used and any(f.material_id in doomed for f in combo.formulas):
            raise invalid(
                f'Hàng hóa "{p.code}" đang là thành phần của hàng combo "{combo.code}", không thể xóa'
            )
    for row_id in doomed:
        row = shop.products.get(row_id)
        if row is not None:
            _remove_row(shop, row, now)
    return doomed


def _remove_row(shop: Shop, p: Product, now: int) -> None:
    if p.master_product_id is None and shop.variant_members.get(p.id):
        members = [m for m in shop.variant_members.pop(p.id) if m in shop.products]
        if members:
            new_master = shop.products[members[0]]
            new_master.master_product_id = None
            rest = members[1:]
            for mid in rest:
                shop.products[mid].master_product_id = new_master.id
                _touch(shop, shop.products[mid], now)
            if rest:
                shop.variant_members[new_master.id] = rest
            _touch(shop, new_master, now)
    elif p.master_product_id is not None:
        siblings = shop.variant_members.get(p.master_product_id)
        if siblings and p.id in siblings:
            siblings.remove(p.id)
    if p.master_unit_id is not None:
        rows = shop.unit_rows.get(p.master_unit_id)
        if rows and p.id in rows:
            rows.remove(p.id)
            base = shop.products.get(p.master_unit_id)
            if base is not None:
                _touch(shop, base, now)
    shop.unit_rows.pop(p.id, None)
    if p.type == PRODUCT_COMBO:
        unregister_combo(shop, p)
    shop.combos_of.pop(p.id, None)
    del shop.products[p.id]
    shop.product_by_code.pop(p.code.lower(), None)
    if p.bar_code:
        shop.product_by_barcode.pop(p.bar_code.lower(), None)
    shop.stock.pop(p.id, None)
    for pb in shop.pricebooks.values():
        pb.lines.pop(p.id, None)
    shop.tombstones["products"][p.id] = entity_ticks(now)
    shop.events.products.pop(p.id, None)
    for key in [k for k in shop.events.stock if k[0] == p.id]:
        del shop.events.stock[key]
    shop.events.delete("product.delete", p.id)


def find_product(shop: Shop, pid: Any = None, code: Any = None) -> Product:
    """Lookup by id, else by code (case-insensitive); 404 otherwise."""
    if pid not in (None, "", 0, "0"):
        p = shop.products.get(as_int(pid, "productId"))
        if p is not None:
            return p
        if not code:
            raise not_found("hàng hóa")
    if code:
        p = shop.product_by_code_ci(str(code))
        if p is not None:
            return p
    raise not_found("hàng hóa")


def get_product(shop: Shop, pid: int) -> Product:
    return found(shop.products.get(pid), "hàng hóa")


def get_product_by_code(shop: Shop, code: str) -> Product:
    return found(shop.product_by_code_ci(code), "hàng hóa")


def create_products(shop: Shop, items: list[dict[str, Any]], now: int) -> None:
    """``POST /listaddproducts``: every code checked before the first row is created."""
    validate_codes(shop, items)
    for item in items:
        create_product(shop, item, now)


def update_products(shop: Shop, items: list[dict[str, Any]], now: int) -> None:
    """``PUT /listupdatedproducts``: rows by id (else code); every row and code checked first."""
    targets = []
    for item in items:
        p = find_product(shop, item.get("id"), item.get("code") if not item.get("id") else None)
        targets.append((p.id, item))
    validate_codes(shop, [{**item, "id": pid} for pid, item in targets])
    for pid, item in targets:
        update_product(shop, pid, item, now)


@dataclass(frozen=True, slots=True)
class ProductFilter:
    """The filters of ``GET /products`` (§3.4.1); ``None``/empty means "any"."""

    since: int | None = None  # lastModifiedFrom (inclusive)
    category_id: int | None = None  # the category and its descendants
    master_product_id: int | None = None  # the master row and its variants
    master_unit_id: int | None = None  # the base-unit row and its unit rows
    trade_mark_id: int | None = None
    product_type: int | None = None
    active: bool | None = None
    name: str = ""  # case-insensitive substring


def list_products(shop: Shop, f: ProductFilter) -> list[Product]:
    """The rows ``f`` selects, in id order."""
    checks: list[Callable[[Product], bool]] = []
    since, name = f.since, f.name.casefold()
    if since is not None:
        checks.append(lambda p: p.modified >= since)
    if f.category_id:
        categories = shop.category_descendants(f.category_id)
        checks.append(lambda p: p.category_id in categories)
    if f.master_product_id:
        master = f.master_product_id
        checks.append(lambda p: p.id == master or p.master_product_id == master)
    if f.master_unit_id:
        base = f.master_unit_id
        checks.append(lambda p: p.id == base or p.master_unit_id == base)
    if f.trade_mark_id:
        checks.append(lambda p: p.trade_mark_id == f.trade_mark_id)
    if f.product_type:
        checks.append(lambda p: p.type == f.product_type)
    if f.active is not None:
        checks.append(lambda p: p.is_active == f.active)
    if name:
        checks.append(lambda p: name in p.name.casefold())
    if not checks:
        return list(shop.products.values())
    return [p for p in shop.products.values() if all(check(p) for check in checks)]
