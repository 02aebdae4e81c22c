"""API routes of the goods: categories (§3.3), products (§3.4: one, bulk, attributes,
``productOnHands``) and price books (§3.5). Parsing and serialising only; the rules are in
:mod:`.rules_catalog`, :mod:`.rules_products`, :mod:`.rules_stock` and :mod:`.rules_pricebooks`.
"""

from __future__ import annotations

from typing import Any

from .errors import MSG_BULK_ADDED, MSG_BULK_UPDATED, MSG_DELETED, MSG_UPDATED
from .http_base import (
    CATEGORY_SORT,
    NAMED_SORT,
    PRODUCT_SORT,
    Ctx,
    Route,
    envelope,
    page_of,
    require_dict,
    require_list,
)
from .listing import removed_ids, sort_items
from .model import Product
from .params import Query
from .rules_catalog import (
    attributes_catalogue,
    create_category,
    delete_category,
    get_category,
    list_categories,
    update_category,
)
from .rules_pricebooks import get_pricebook, list_pricebooks, set_price
from .rules_products import (
    ProductFilter,
    create_product,
    create_products,
    delete_product,
    find_product,
    get_product,
    get_product_by_code,
    list_products,
    update_product,
    update_products,
)
from .rules_stock import changed_on_hands, last_change
from .serialize import category as category_json
from .serialize import num
from .serialize import pricebook as pricebook_json
from .serialize import product as product_json
from .serialize import product_on_hands as on_hands_json


# -- categories --------------------------------------------------------------------------------
def categories_list(ctx: Ctx) -> Any:
    shop, q = ctx.shop, ctx.q
    since = q.date("lastmodifiedfrom")
    tree = q.flag("hierachicaldata") or q.flag("hierarchicaldata")
    items = list_categories(shop, since, tree)
    sort_items(items, q, CATEGORY_SORT, default="categoryname")
    removed = removed_ids(shop, "categories", None if tree else since)
    return envelope(ctx, items, lambda c: category_json(shop, c, tree), removed)


def category_get(ctx: Ctx, cid: int) -> Any:
    return {"data": category_json(ctx.shop, get_category(ctx.shop, cid), True)}


def category_create(ctx: Ctx) -> Any:
    cat = create_category(ctx.shop, ctx.body, ctx.now)
    return {"message": MSG_UPDATED, "data": category_json(ctx.shop, cat)}


def category_update(ctx: Ctx, cid: int) -> Any:
    cat = update_category(ctx.shop, cid, ctx.body, ctx.now)
    return {"message": MSG_UPDATED, "data": category_json(ctx.shop, cat)}


def category_delete(ctx: Ctx, cid: int) -> Any:
    delete_category(ctx.shop, cid, ctx.now)
    return {"message": MSG_DELETED}


# -- products ----------------------------------------------------------------------------------
def _product_filter(q: Query) -> ProductFilter:
    return ProductFilter(
        since=q.date("lastmodifiedfrom"),
        category_id=q.integer("categoryid"),
        master_product_id=q.integer("masterproductid"),
        master_unit_id=q.integer("masterunitid"),
        trade_mark_id=q.integer("trademarkid"),
        product_type=q.integer("producttype"),
        active=q.flag("isactive") if q.get("isactive") not in (None, "") else None,
        name=(q.get("name") or "").strip(),
    )


def _product_opts(q: Query, default_all: bool) -> dict[str, Any]:
    extras = tuple(
        key
        for flag, key in (
            ("includeserials", "productSerials"),
            ("includebatchexpires", "productBatchExpires"),
            ("includewarranties", "productWarranties"),
            ("includeproductshelves", "productShelves"),
        )
        if q.flag(flag)
    )
    return {
        "inventories": default_all or q.flag("includeinventory"),
        "pricebooks": default_all or q.flag("includepricebook"),
        "formulas": default_all or q.flag("includematerial"),
        "quantity": default_all or q.flag("includequantity"),
        "hide_deleted_attributes": not q.flag("includesoftdeletedattribute", True),
        "extras": extras,
    }


def products_list(ctx: Ctx) -> Any:
    shop, q = ctx.shop, ctx.q
    f = _product_filter(q)
    items = list_products(shop, f)
    sort_items(items, q, PRODUCT_SORT)
    branch_ids = q.ints("branchids")
    opts = _product_opts(q, default_all=False)
    removed = removed_ids(shop, "products", f.since) if q.flag("includeremoveids") else None
    return envelope(
        ctx,
        items,
        lambda p: product_json(shop, p, branch_ids=set(branch_ids) if branch_ids else None, **opts),
        removed,
    )


def _product_detail(ctx: Ctx, p: Product) -> dict[str, Any]:
    return product_json(ctx.shop, p, **_product_opts(ctx.q, default_all=True))


def product_get(ctx: Ctx, pid: int) -> Any:
    return _product_detail(ctx, get_product(ctx.shop, pid))


def product_get_by_code(ctx: Ctx, code: str) -> Any:
    return _product_detail(ctx, get_product_by_code(ctx.shop, code))


def product_get_by_code_query(ctx: Ctx) -> Any:
    return _product_detail(ctx, find_product(ctx.shop, ctx.q.integer("id"), ctx.q.get("code")))


def product_create(ctx: Ctx) -> Any:
    p = create_product(ctx.shop, require_dict(ctx.body), ctx.now)
    return product_json(ctx.shop, p, inventories=True)


def product_update(ctx: Ctx, pid: int) -> Any:
    p = update_product(ctx.shop, pid, require_dict(ctx.body), ctx.now)
    return product_json(ctx.shop, p, inventories=True)


def product_delete(ctx: Ctx, pid: int) -> Any:
    delete_product(ctx.shop, pid, ctx.now)
    return {"message": MSG_DELETED}


def products_add(ctx: Ctx) -> Any:
    create_products(ctx.shop, require_list(ctx.body, "listproducts"), ctx.now)
    return {"message": MSG_BULK_ADDED}


def products_update(ctx: Ctx) -> Any:
    update_products(ctx.shop, require_list(ctx.body, "listproducts"), ctx.now)
    return {"message": MSG_BULK_UPDATED}


def attributes_list(ctx: Ctx) -> Any:
    return attributes_catalogue(ctx.shop)


def on_hands_list(ctx: Ctx) -> Any:
    shop, q = ctx.shop, ctx.q
    items = changed_on_hands(shop, q.date("lastmodifiedfrom"))
    sort_items(items, q, {**PRODUCT_SORT, "modifieddate": last_change})
    branch_ids = q.ints("branchids")
    wanted = set(branch_ids) if branch_ids else None
    return envelope(ctx, items, lambda p: on_hands_json(shop, p, wanted))


# -- price books -------------------------------------------------------------------------------
def pricebooks_list(ctx: Ctx) -> Any:
    shop, q = ctx.shop, ctx.q
    items = list_pricebooks(shop, q.date("lastmodifiedfrom"))
    sort_items(items, q, NAMED_SORT)
    flags = (
        q.flag("includepricebookbranch"),
        q.flag("includepricebookcustomergroups"),
        q.flag("includepricebookusers"),
    )
    return envelope(ctx, items, lambda pb: pricebook_json(shop, pb, *flags))


def pricebook_lines(ctx: Ctx, pbid: int) -> Any:
    shop = ctx.shop
    pb = get_pricebook(shop, pbid)
    rows, total, size = page_of(ctx, sorted(pb.lines.items()))
    data = [
        {
            "productId": pid,
            "productCode": shop.products[pid].code if pid in shop.products else None,
            "price": num(price),
        }
        for pid, price in rows
    ]
    return {"total": total, "pageSize": size, "data": data}


def price_set(ctx: Ctx) -> Any:
    set_price(ctx.shop, require_dict(ctx.body), ctx.now)
    return {"message": "Cập nhật giá thành công", "isSuccess": True}


ROUTES: list[Route] = [
    ("GET", "/categories", categories_list),
    ("GET", "/categories/{cid:int}", category_get),
    ("POST", "/categories", category_create),
    ("PUT", "/categories/{cid:int}", category_update),
    ("DELETE", "/categories/{cid:int}", category_delete),
    ("GET", "/products", products_list),
    ("GET", "/products/code", product_get_by_code_query),
    ("GET", "/products/code/{code:path}", product_get_by_code),
    ("GET", "/products/{pid:int}", product_get),
    ("POST", "/products", product_create),
    ("PUT", "/products/{pid:int}", product_update),
    ("DELETE", "/products/{pid:int}", product_delete),
    ("POST", "/listaddproducts", products_add),
    ("PUT", "/listupdatedproducts", products_update),
    ("GET", "/attributes/allwithdistinctvalue", attributes_list),
    ("GET", "/productOnHands", on_hands_list),
    ("GET", "/pricebooks", pricebooks_list),
    ("GET", "/pricebooks/{pbid:int}", pricebook_lines),
    ("POST", "/pricebooks/detail", price_set),
]
