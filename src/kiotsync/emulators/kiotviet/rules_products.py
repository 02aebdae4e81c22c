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
from .rules_catalog import register_attribute
from .rules_stock import existing_branch, register_combo, stock_take, unregister_combo
from .timefmt import entity_ticks

MAX_BARCODE = 16
MAX_CODE = 50


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _opt_id(value: Any, name: str) -> int | None:
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


def _images(value: Any) -> list[str]:
    out: list[str] = []
    for item in value or []:
        if isinstance(item, dict):
            url = item.get("image") or item.get("url")
            if url:
                out.append(str(url))
        elif item:
            out.append(str(item))
    return out


def _attributes(shop: Shop, value: Any) -> list[ProductAttr]:
    attrs: list[ProductAttr] = []
    for item in value or []:
        if not isinstance(item, dict):
            raise invalid("Thuộc tính không hợp lệ", "attributes")
        name = _text(item.get("attributename"))
        val = _text(item.get("attributevalue"))
        if not name:
            raise invalid("Tên thuộc tính không được để trống", "attributes")
        register_attribute(shop, name, val)
        attrs.append(ProductAttr(name, val))
    return attrs


def _category(shop: Shop, value: Any) -> int | None:
    cid = _opt_id(value, "categoryId")
    if cid is not None and cid not in shop.categories:
        raise invalid("Nhóm hàng không tồn tại", "categoryId")
    return cid


def _formulas(shop: Shop, value: Any) -> list[Formula]:
    out: list[Formula] = []
    for item in value or []:
        if not isinstance(item, dict):
            raise invalid("Thành phần combo không hợp lệ", "productFormulas")
        material = None
        mid = _opt_id(item.get("materialid"), "materialId")
        if mid is not None:
            material = shop.products.get(mid)
        elif _text(item.get("materialcode")):
            material = shop.product_by_code_ci(_text(item.get("materialcode")))
        if material is None:
            raise invalid("Thành phần combo không tồn tại", "productFormulas")
        if material.type != PRODUCT_GOODS:
            raise invalid("Thành phần combo phải là hàng hóa thường", "productFormulas")
        qty = as_float(item.get("quantity", 1), "quantity")
        if qty <= 0:
            raise invalid("Số lượng thành phần combo phải lớn hơn 0", "productFormulas")
        out.append(Formula(material.id, qty))
    return out


def _tax_ids(value: Any) -> list[int]:
    out = []
    for item in value or []:
        if isinstance(item, dict) and item.get("taxid") not in (None, ""):
            out.append(as_int(item["taxid"], "taxId"))
    return out


def _apply_inventories(shop: Shop, p: Product, value: Any, now: int) -> None:
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


def _touch(shop: Shop, p: Product, now: int) -> None:
    p.modified = entity_ticks(now)
    shop.events.products[p.id] = None


def _family_units(shop: Shop, base_id: int) -> list[Product]:
    base = shop.products[base_id]
    return [base, *(shop.products[u] for u in shop.unit_rows.get(base_id, ()) if u in shop.products)]


def validate_codes(shop: Shop, items: list[dict[str, Any]]) -> None:
    """Reject a batch whose codes/barcodes clash with the shop or with each other."""
    seen_codes: set[str] = set()
    seen_bars: set[str] = set()
    for item in items:
        code = _text(item.get("code"))
        if code:
            check_code(shop, code, as_int(item["id"], "id") if item.get("id") else None)
            if code.lower() in seen_codes:
                raise invalid(f'Mã hàng "{code}" đã tồn tại', "code")
            seen_codes.add(code.lower())
        bar = _text(item.get("barcode"))
        if bar:
            check_barcode(shop, bar, as_int(item["id"], "id") if item.get("id") else None)
            if bar.lower() in seen_bars:
                raise invalid(f'Mã vạch "{bar}" đã tồn tại', "barCode")
            seen_bars.add(bar.lower())


def create_product(shop: Shop, body: dict[str, Any], now: int) -> Product:
    ptype = as_int(body.get("type") or body.get("producttype") or PRODUCT_GOODS, "type")
    if ptype not in (PRODUCT_COMBO, PRODUCT_GOODS, PRODUCT_SERVICE):
        raise invalid("Loại hàng hóa không hợp lệ", "type")

    base: Product | None = None
    base_id = _opt_id(body.get("masterunitid"), "masterUnitId")
    if base_id is not None:
        base = shop.products.get(base_id)
        if base is None:
            raise invalid("Hàng hóa đơn vị cơ bản không tồn tại", "masterUnitId")
        if base.master_unit_id is not None:
            base = shop.products[base.master_unit_id]
        if base.type != PRODUCT_GOODS:
            raise invalid("Chỉ hàng hóa thường mới có nhiều đơn vị tính", "masterUnitId")
        ptype = PRODUCT_GOODS

    master: Product | None = None
    master_id = _opt_id(body.get("masterproductid"), "masterProductId")
    if master_id is not None:
        master = shop.products.get(master_id)
        if master is None:
            raise invalid("Hàng hóa cùng loại không tồn tại", "masterProductId")
        if master.master_product_id is not None:
            master = shop.products[master.master_product_id]
    elif base is not None and base.master_product_id is not None:
        master = shop.products.get(base.master_product_id)

    template = base or master
    name = _text(body.get("name")) or (template.name if template else "")
    if not name:
        raise invalid("Tên hàng hóa không được để trống", "name")

    code = _text(body.get("code"))
    if code:
        check_code(shop, code)
    else:
        code = shop.next_code("SP", shop.product_by_code)
    bar = _text(body.get("barcode"))
    if bar:
        check_barcode(shop, bar)

    unit = _text(body.get("unit")) or (template.unit if template and base is None else "")
    conversion = 1.0
    if base is not None:
        conversion = as_float(body.get("conversionvalue", 0), "conversionValue")
        if conversion <= 0:
            raise invalid("Giá trị quy đổi phải lớn hơn 0", "conversionValue")
        if not unit:
            raise invalid("Đơn vị tính không được để trống", "unit")
        if any(u.unit.casefold() == unit.casefold() for u in _family_units(shop, base.id)):
            raise invalid(f'Đơn vị tính "{unit}" đã tồn tại', "unit")

    category_id = _category(shop, body.get("categoryid")) if body.get("categoryid") else None
    if category_id is None and template is not None:
        category_id = template.category_id
    attrs = _attributes(shop, body.get("attributes"))
    if not attrs and base is not None:
        attrs = [ProductAttr(a.name, a.value) for a in base.attributes if not a.deleted]

    formulas: list[Formula] = []
    if ptype == PRODUCT_COMBO:
        formulas = _formulas(shop, body.get("productformulas"))
        if not formulas:
            raise invalid("Hàng combo phải có ít nhất một hàng thành phần", "productFormulas")

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
        description=_text(body.get("description")),
        order_template=_text(body.get("ordertemplate")),
        min_quantity=as_float(body.get("minquantity") or 0, "minQuantity"),
        max_quantity=as_float(body.get("maxquantity") or 0, "maxQuantity"),
        attributes=attrs,
        images=_images(body.get("images")),
        trade_mark_id=_opt_id(body.get("trademarkid"), "tradeMarkId")
        if body.get("trademarkid")
        else (template.trade_mark_id if template else None),
        formulas=formulas,
        tax_type=_text(body.get("taxtype")) or None,
        tax_rate=_text(body.get("taxrate")) or None,
        tax_rate_direct=_opt_id(body.get("taxratedirect"), "taxRateDirect"),
        tax_ids=_tax_ids(body.get("producttaxs")),
        purchase_tax_id=_tax_ids([body["purchasetax"]])[0]
        if isinstance(body.get("purchasetax"), dict) and body["purchasetax"].get("taxid")
        else None,
        stock_modified=ts,
    )
    shop.index_product(p)
    shop.events.products[p.id] = None
    if master is not None:
        shop.variant_members.setdefault(master.id, []).append(p.id)
        if not master.has_variants:
            master.has_variants = True
            _touch(shop, master, now)
    if base is not None:
        shop.unit_rows.setdefault(base.id, []).append(p.id)
        _touch(shop, base, now)  # its ``units`` list and fullName changed
    if ptype == PRODUCT_COMBO:
        register_combo(shop, p)
    _apply_inventories(shop, p, body.get("inventories"), now)

    for unit_item in body.get("units") or []:
        # guess: a create body may list extra units; each becomes its own unit row
        if isinstance(unit_item, dict) and _text(unit_item.get("unit")):
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
    return p


def update_product(shop: Shop, pid: int, body: dict[str, Any], now: int) -> Product:
    p = shop.products.get(pid)
    if p is None:
        raise not_found("hàng hóa")
    if "code" in body and _text(body["code"]) and _text(body["code"]) != p.code:
        code = _text(body["code"])
        check_code(shop, code, exclude=p.id)
        shop.product_by_code.pop(p.code.lower(), None)
        p.code = code
        shop.product_by_code[code.lower()] = p.id
    if "barcode" in body:
        bar = _text(body["barcode"])
        if bar != p.bar_code:
            if bar:
                check_barcode(shop, bar, exclude=p.id)
            if p.bar_code:
                shop.product_by_barcode.pop(p.bar_code.lower(), None)
            p.bar_code = bar
            if bar:
                shop.product_by_barcode[bar.lower()] = p.id
    followers = [shop.products[u] for u in shop.unit_rows.get(p.id, ()) if u in shop.products]
    if "name" in body:
        name = _text(body["name"])
        if not name:
            raise invalid("Tên hàng hóa không được để trống", "name")
        p.name = name
        for u in followers:  # unit rows share the base row's name (guess)
            u.name = name
            _touch(shop, u, now)
    if "categoryid" in body:
        p.category_id = _category(shop, body["categoryid"])
        for u in followers:
            u.category_id = p.category_id
            _touch(shop, u, now)
    if "unit" in body and _text(body["unit"]) and _text(body["unit"]) != p.unit:
        unit = _text(body["unit"])
        family_base = p.master_unit_id if p.master_unit_id is not None else p.id
        if any(
            u.id != p.id and u.unit.casefold() == unit.casefold() for u in _family_units(shop, family_base)
        ):
            raise invalid(f'Đơn vị tính "{unit}" đã tồn tại', "unit")
        p.unit = unit
    if "conversionvalue" in body and p.master_unit_id is not None:
        conversion = as_float(body["conversionvalue"], "conversionValue")
        if conversion <= 0:
            raise invalid("Giá trị quy đổi phải lớn hơn 0", "conversionValue")
        if conversion != p.conversion_value:
            p.conversion_value = conversion
            for bid in shop.branches:
                shop.events.stock[(p.id, bid)] = None
    for key, attr in (
        ("allowssale", "allows_sale"),
        ("isactive", "is_active"),
        ("isrewardpoint", "is_reward_point"),
    ):
        if key in body and body[key] is not None:
            setattr(p, attr, as_bool(body[key], key))
    if body.get("hasvariants") is not None and as_bool(body["hasvariants"], "hasVariants"):
        p.has_variants = True
    for key, attr in (
        ("baseprice", "base_price"),
        ("minquantity", "min_quantity"),
        ("maxquantity", "max_quantity"),
    ):
        if key in body and body[key] is not None:
            setattr(p, attr, as_float(body[key], key))
    if "weight" in body:
        p.weight = as_float(body["weight"], "weight") if body["weight"] is not None else None
    for key, attr in (("description", "description"), ("ordertemplate", "order_template")):
        if key in body:
            setattr(p, attr, _text(body[key]))
    if "images" in body and body["images"] is not None:
        p.images = _images(body["images"])
    if "trademarkid" in body:
        p.trade_mark_id = _opt_id(body["trademarkid"], "tradeMarkId")
    if "attributes" in body and body["attributes"] is not None:
        new = _attributes(shop, body["attributes"])
        keep = {(a.name.casefold(), a.value.casefold()) for a in new}
        gone = [
            ProductAttr(a.name, a.value, deleted=True)
            for a in p.attributes
            if (a.name.casefold(), a.value.casefold()) not in keep
        ]
        p.attributes = new + gone  # removed attributes are soft-deleted, still listed by default
    if "productformulas" in body and p.type == PRODUCT_COMBO:
        formulas = _formulas(shop, body["productformulas"])
        if not formulas:
            raise invalid("Hàng combo phải có ít nhất một hàng thành phần", "productFormulas")
        unregister_combo(shop, p)
        p.formulas = formulas
        register_combo(shop, p)
        for bid in shop.branches:
            shop.events.stock[(p.id, bid)] = None
    if "producttaxs" in body:
        p.tax_ids = _tax_ids(body["producttaxs"])
    if "purchasetax" in body:
        pt = body["purchasetax"]
        p.purchase_tax_id = _tax_ids([pt])[0] if isinstance(pt, dict) and pt.get("taxid") else None
    for key, attr in (("taxtype", "tax_type"), ("taxrate", "tax_rate")):
        if key in body:
            setattr(p, attr, _text(body[key]) or None)
    if "taxratedirect" in body:
        p.tax_rate_direct = _opt_id(body["taxratedirect"], "taxRateDirect")
    inventories = body.get("inventories", body.get("inventory"))
    _apply_inventories(shop, p, inventories, now)
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
