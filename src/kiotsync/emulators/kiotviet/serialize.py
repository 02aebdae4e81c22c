"""REST wire shapes (camelCase, nulls dropped, dates per §2.2).

Each function turns an entity into the dict the real API returns; ``fmt`` picks the date style
(entity dates are local without offset; webhook payloads reuse these with offsets). Null
omission happens once, at the end, through :func:`strip_nulls`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .model import (
    DELIVERY_STATUS,
    INVOICE_STATUS,
    ORDER_STATUS,
    PRODUCT_SERVICE,
    TAXES,
    Branch,
    Category,
    Customer,
    Line,
    PriceBook,
    Product,
    Sale,
    SaleChannel,
    Shop,
    Surcharge,
    User,
    WebhookReg,
)
from .rules_stock import view
from .timefmt import fmt_local

DateFmt = Callable[[int | None], str | None]


def num(x: float | int | None) -> float | int | None:
    """JSON number as the real API writes it: integral values without ``.0``."""
    return int(x) if x.__class__ is float and x.is_integer() else x  # type: ignore[union-attr]


def strip_nulls(value: Any) -> Any:
    """Drop ``None`` values recursively (only containers are visited, scalars are copied)."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if v is None:
                continue
            if type(v) is dict or type(v) is list:
                v = strip_nulls(v)
            out[k] = v
        return out
    if isinstance(value, list):
        return [strip_nulls(v) if type(v) is dict or type(v) is list else v for v in value]
    return value


def branch(shop: Shop, b: Branch, fmt: DateFmt = fmt_local) -> dict[str, Any]:
    return {
        "id": b.id,
        "branchName": b.name,
        "branchCode": b.code,
        "address": b.address,
        "contactNumber": b.contact_number,
        "email": b.email,
        "locationName": b.location_name,
        "wardName": b.ward_name,
        "isActive": b.is_active,
        "retailerId": shop.retailer_id,
        "modifiedDate": fmt(b.modified),
        "createdDate": fmt(b.created),
    }


def user(shop: Shop, u: User, fmt: DateFmt = fmt_local) -> dict[str, Any]:
    return {
        "id": u.id,
        "userName": u.user_name,
        "givenName": u.given_name,
        "address": u.address,
        "mobilePhone": u.mobile_phone,
        "email": u.email,
        "description": u.description,
        "retailerId": shop.retailer_id,
        "branchId": u.branch_id,
        "isActive": u.is_active,
        "birthDate": fmt(u.birth_date),
        "modifiedDate": fmt(u.modified),
        "createdDate": fmt(u.created),
    }


def category(shop: Shop, c: Category, tree: bool = False, fmt: DateFmt = fmt_local) -> dict[str, Any]:
    children = sorted(shop.category_children(c.id), key=lambda x: (x.name.casefold(), x.id))
    d: dict[str, Any] = {
        "categoryId": c.id,
        "parentId": c.parent_id,
        "categoryName": c.name,
        "retailerId": shop.retailer_id,
        "hasChild": bool(children),
        "modifiedDate": fmt(c.modified),
        "createdDate": fmt(c.created),
        "rank": c.rank,
    }
    if tree:
        d["children"] = [category(shop, ch, True, fmt) for ch in children]
    return d


def _tax(shop: Shop, product_id: int, tax_id: int) -> dict[str, Any]:
    name, value = TAXES.get(tax_id, (f"Thuế {tax_id}", 0))
    return {"id": 0, "productId": product_id, "taxId": tax_id, "value": num(value), "name": name}


def inventory_rows(
    shop: Shop, p: Product, branch_ids: set[int] | None = None, fmt: DateFmt = fmt_local
) -> list[dict[str, Any]]:
    if p.type == PRODUCT_SERVICE:
        return []
    full = p.full_name(shop.in_unit_family(p))
    rows = []
    for b in shop.branches.values():
        if branch_ids is not None and b.id not in branch_ids:
            continue
        inv = view(shop, p, b.id)
        rows.append(
            {
                "productId": p.id,
                "productCode": p.code,
                "productName": full,
                "branchId": b.id,
                "branchName": b.name,
                "cost": num(inv.cost),
                "onHand": num(inv.on_hand),
                "reserved": num(inv.reserved),
                "actualReserved": num(inv.reserved),
                "onOrder": num(inv.on_order),
                "minQuantity": num(inv.min_quantity),
                "maxQuantity": num(inv.max_quantity),
                "isActive": b.is_active,
            }
        )
    return rows


def price_book_rows(shop: Shop, p: Product, fmt: DateFmt = fmt_local) -> list[dict[str, Any]]:
    rows = []
    for pb in shop.pricebooks.values():
        price = pb.lines.get(p.id)
        if price is None:
            continue
        rows.append(
            {
                "priceBookId": pb.id,
                "priceBookName": pb.name,
                "productId": p.id,
                "isActive": pb.is_active,
                "startDate": fmt(pb.start),
                "endDate": fmt(pb.end),
                "price": num(price),
            }
        )
    return rows


def product(
    shop: Shop,
    p: Product,
    *,
    inventories: bool = False,
    branch_ids: set[int] | None = None,
    pricebooks: bool = False,
    formulas: bool = False,
    quantity: bool = False,
    hide_deleted_attributes: bool = False,
    extras: tuple[str, ...] = (),
    fmt: DateFmt = fmt_local,
) -> dict[str, Any]:
    cat = shop.categories.get(p.category_id) if p.category_id is not None else None
    attrs = [a for a in p.attributes if not (hide_deleted_attributes and a.deleted)]
    unit_ids = shop.unit_rows.get(p.id)
    d: dict[str, Any] = {
        "id": p.id,
        "code": p.code,
        "barCode": p.bar_code or None,
        "retailerId": shop.retailer_id,
        "name": p.name,
        "fullName": p.full_name(bool(unit_ids) or p.master_unit_id is not None),
        "categoryId": p.category_id,
        "categoryName": cat.name if cat else None,
        "tradeMarkId": p.trade_mark_id,
        "tradeMarkName": shop.trademarks.get(p.trade_mark_id) if p.trade_mark_id is not None else None,
        "allowsSale": p.allows_sale,
        "type": p.type,
        "hasVariants": p.has_variants,
        "isActive": p.is_active,
        "isRewardPoint": p.is_reward_point,
        "basePrice": num(p.base_price),
        "weight": num(p.weight),
        "unit": p.unit,
        "masterProductId": p.master_product_id,
        "masterUnitId": p.master_unit_id,
        "conversionValue": num(p.conversion_value),
        "description": p.description,
        "orderTemplate": p.order_template,
        "isLotSerialControl": False,
        "isBatchExpireControl": False,
    }
    if quantity:
        d["minQuantity"] = num(p.min_quantity)
        d["maxQuantity"] = num(p.max_quantity)
    if attrs:
        d["attributes"] = [
            {"productId": p.id, "attributeName": a.name, "attributeValue": a.value} for a in attrs
        ]
    if unit_ids:
        units = []
        for uid in unit_ids:
            u = shop.products.get(uid)
            if u is not None:
                units.append(
                    {
                        "id": u.id,
                        "code": u.code,
                        "name": u.name,
                        "fullName": u.full_name(True),
                        "unit": u.unit,
                        "conversionValue": num(u.conversion_value),
                        "basePrice": num(u.base_price),
                    }
                )
        d["units"] = units
    if p.images:
        d["images"] = list(p.images)
    if inventories:
        d["inventories"] = inventory_rows(shop, p, branch_ids, fmt)
    if pricebooks:
        d["priceBooks"] = price_book_rows(shop, p, fmt)
    if formulas and p.formulas:
        rows = []
        for f in p.formulas:
            m = shop.products.get(f.material_id)
            rows.append(
                {
                    "materialId": f.material_id,
                    "materialCode": m.code if m else None,
                    "materialName": m.name if m else None,
                    "materialFullName": m.full_name(shop.in_unit_family(m)) if m else None,
                    "quantity": num(f.quantity),
                    "basePrice": num(m.base_price) if m else None,
                    "productId": p.id,
                }
            )
        d["productFormulas"] = rows
    for key in extras:
        d[key] = []
    d["taxType"] = p.tax_type
    d["taxRate"] = p.tax_rate
    d["taxRateDirect"] = p.tax_rate_direct
    if p.tax_ids:
        d["productTaxs"] = [_tax(shop, p.id, t) for t in p.tax_ids]
    if p.purchase_tax_id is not None:
        d["purchaseTax"] = _tax(shop, p.id, p.purchase_tax_id)
    d["modifiedDate"] = fmt(p.modified)
    d["createdDate"] = fmt(p.created)
    return d


def product_on_hands(shop: Shop, p: Product, branch_ids: set[int] | None) -> dict[str, Any]:
    rows = []
    if p.type != PRODUCT_SERVICE:
        for b in shop.branches.values():
            if branch_ids is not None and b.id not in branch_ids:
                continue
            inv = view(shop, p, b.id)
            rows.append({"branchId": b.id, "onHand": num(inv.on_hand), "reserved": num(inv.reserved)})
    return {
        "id": p.id,
        "code": p.code,
        "createdDate": fmt_local(p.created),
        "modifiedDate": fmt_local(max(p.modified, p.stock_modified)),
        "inventories": rows,
    }


def pricebook(
    shop: Shop, pb: PriceBook, branches: bool, groups: bool, users: bool, fmt: DateFmt = fmt_local
) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": pb.id,
        "name": pb.name,
        "isActive": pb.is_active,
        "isGlobal": pb.is_global,
        "startDate": fmt(pb.start),
        "endDate": fmt(pb.end),
        "forAllCusGroup": pb.for_all_cus_group,
        "forAllUser": pb.for_all_user,
        "retailerId": shop.retailer_id,
        "createdDate": fmt(pb.created),
        "modifiedDate": fmt(pb.modified),
    }
    if branches:
        d["priceBookBranches"] = [
            {
                "id": pb.id * 10 + i,
                "priceBookId": pb.id,
                "branchId": bid,
                "branchName": shop.branches[bid].name if bid in shop.branches else None,
            }
            for i, bid in enumerate(pb.branch_ids)
        ]
    if groups:
        d["priceBookCustomerGroups"] = []
    if users:
        d["priceBookUsers"] = []
    return d


def customer(shop: Shop, c: Customer, totals: bool = False, fmt: DateFmt = fmt_local) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": c.id,
        "code": c.code,
        "name": c.name,
        "gender": c.gender,
        "birthDate": fmt(c.birth_date),
        "contactNumber": c.contact_number,
        "address": c.address,
        "locationName": c.location_name,
        "wardName": c.ward_name,
        "email": c.email,
        "organization": c.organization,
        "comments": c.comments,
        "taxCode": c.tax_code,
        "type": c.type,
        "debt": num(round(c.total_invoiced - c.total_paid, 2)),
        "rewardPoint": num(c.reward_point),
        "retailerId": shop.retailer_id,
        "branchId": c.branch_id,
        "modifiedDate": fmt(c.modified),
        "createdDate": fmt(c.created),
    }
    if totals:
        d["totalInvoiced"] = num(c.total_invoiced)
        d["totalRevenue"] = num(c.total_invoiced)
        d["totalPoint"] = num(c.reward_point)
    return d


def _line(shop: Shop, ln: Line, tax_key: str, invoice: bool) -> dict[str, Any]:
    d: dict[str, Any] = {
        "productId": ln.product_id,
        "productCode": ln.product_code,
        "productName": ln.product_name,
        "quantity": num(ln.quantity),
        "price": num(ln.price),
        "discount": num(ln.discount),
        "discountRatio": num(ln.discount_ratio),
        "note": ln.note,
    }
    if invoice:
        d["serialNumbers"] = ln.serial_numbers or None
    else:
        d["isMaster"] = ln.is_master
    if ln.tax_ids:
        rows = []
        for tax_id in ln.tax_ids:
            name, value = TAXES.get(tax_id, (f"Thuế {tax_id}", 0))
            amount = round(ln.amount * value / 100, 2)
            if invoice:
                rows.append(
                    {
                        "id": 0,
                        "detailId": 0,
                        "detailTax": num(amount),
                        "taxId": tax_id,
                        "name": name,
                        "value": num(value),
                    }
                )
            else:
                rows.append(
                    {
                        "id": 0,
                        "detailId": 0,
                        "retailerId": 0,
                        "taxId": tax_id,
                        "detailTax": num(amount),
                        "taxName": name,
                        "taxValue": num(value),
                    }
                )
        d[tax_key] = rows
    return d


def _total_tax(s: Sale) -> float:
    total = 0.0
    for ln in s.lines:
        for tax_id in ln.tax_ids:
            total += ln.amount * TAXES.get(tax_id, ("", 0))[1] / 100
    return round(total, 2)


def _payments(s: Sale, fmt: DateFmt) -> list[dict[str, Any]]:
    return [{**pm, "transDate": fmt(pm.get("transDate"))} for pm in s.payments]


def _surcharges(s: Sale, fmt: DateFmt) -> list[dict[str, Any]]:
    return [{**sc, "createdDate": fmt(sc.get("createdDate"))} for sc in s.surcharges]


def _sale_head(shop: Shop, s: Sale, fmt: DateFmt) -> dict[str, Any]:
    b = shop.branches.get(s.branch_id)
    seller = shop.users.get(s.sold_by_id) if s.sold_by_id is not None else None
    cust = shop.customers.get(s.customer_id) if s.customer_id is not None else None
    return {
        "id": s.id,
        "code": s.code,
        "purchaseDate": fmt(s.purchase_date),
        "branchId": s.branch_id,
        "branchName": b.name if b else None,
        "soldById": s.sold_by_id,
        "soldByName": seller.given_name if seller else None,
        "customerId": s.customer_id,
        "customerCode": cust.code if cust else None,
        "customerName": cust.name if cust else None,
        "total": num(s.total),
        "totalPayment": num(s.total_payment),
        "discount": num(s.discount) if s.discount else None,
        "discountRatio": num(s.discount_ratio) if s.discount_ratio else None,
        "totalTax": num(_total_tax(s)),
    }


def order(shop: Shop, o: Sale, payments: bool, delivery: bool, fmt: DateFmt = fmt_local) -> dict[str, Any]:
    d = _sale_head(shop, o, fmt)
    d.update(
        {
            "pricingMode": None,
            "status": o.status,
            "statusValue": ORDER_STATUS.get(o.status),
            "description": o.description or None,
            "usingCod": o.using_cod,
            "saleChannelId": o.sale_channel_id,
            "retailerId": shop.retailer_id,
            "createdDate": fmt(o.created),
            "modifiedDate": fmt(o.modified),
            "orderDetails": [_line(shop, ln, "orderDetailTaxs", False) for ln in o.lines],
        }
    )
    if delivery and o.delivery is not None:
        d["orderDelivery"] = dict(o.delivery)
    if payments:
        d["payments"] = _payments(o, fmt)
    if o.surcharges:
        d["invoiceOrderSurcharges"] = _surcharges(o, fmt)
    return d


def invoice_delivery(s: Sale) -> dict[str, Any] | None:
    if s.delivery is None:
        return None
    dv = dict(s.delivery)
    status = dv.get("status")
    if status is not None:
        dv["statusValue"] = DELIVERY_STATUS.get(status)
    return dv


def sale_channel(shop: Shop, ch: SaleChannel, fmt: DateFmt = fmt_local) -> dict[str, Any]:
    return {
        "id": ch.id,
        "name": ch.name,
        "isActive": ch.is_active,
        "img": ch.img,
        "isNotDelete": ch.is_not_delete,
        "position": ch.position,
        "retailerId": shop.retailer_id,
        "createdDate": fmt(ch.created),
        "modifiedDate": fmt(ch.modified),
    }


def invoice(
    shop: Shop, inv: Sale, payments: bool, delivery: bool, channel: bool, fmt: DateFmt = fmt_local
) -> dict[str, Any]:
    d = _sale_head(shop, inv, fmt)
    order_ = shop.orders.get(inv.order_id) if inv.order_id is not None else None
    d.update(
        {
            "orderCode": order_.code if order_ else None,
            "status": inv.status,
            "statusValue": INVOICE_STATUS.get(inv.status),
            "description": inv.description or None,
            "usingCod": inv.using_cod,
            "saleChannelId": inv.sale_channel_id,
            "retailerId": shop.retailer_id,
            "createdDate": fmt(inv.created),
            "modifiedDate": fmt(inv.modified),
            "invoiceDetails": [_line(shop, ln, "invoiceDetailTaxs", True) for ln in inv.lines],
        }
    )
    if payments:
        d["payments"] = _payments(inv, fmt)
    if inv.surcharges:
        d["invoiceOrderSurcharges"] = _surcharges(inv, fmt)
    if delivery:
        d["invoiceDelivery"] = invoice_delivery(inv)
    if channel and inv.sale_channel_id in shop.sale_channels:
        ch = shop.sale_channels[inv.sale_channel_id]
        d["saleChannel"] = {
            "id": ch.id,
            "name": ch.name,
            "isActivate": ch.is_active,
            "isNotDelete": ch.is_not_delete,
            "position": ch.position,
            "retailerId": shop.retailer_id,
            "createdBy": shop.admin_id,
            "createdDate": fmt(ch.created),
        }
    return d


def surcharge(shop: Shop, sc: Surcharge, fmt: DateFmt = fmt_local) -> dict[str, Any]:
    return {
        "id": sc.id,
        "surchargeCode": sc.code,
        "code": sc.code,
        "name": sc.name,
        "value": num(sc.value),
        "valueRatio": num(sc.value_ratio),
        "isActive": sc.is_active,
        "retailerId": shop.retailer_id,
        "createdDate": fmt(sc.created),
        "modifiedDate": fmt(sc.modified),
    }


def webhook(shop: Shop, w: WebhookReg, fmt: DateFmt = fmt_local, with_dates: bool = True) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": w.id,
        "type": w.type,
        "url": w.url,
        "isActive": w.is_active,
        "retailerId": shop.retailer_id,
        "description": w.description,
    }
    if with_dates:
        d["modifiedDate"] = fmt(w.modified if w.modified is not None else w.created)
    return d
