"""API routes of the selling side: customers (§3.6), orders (§3.7) and invoices (§3.8).
Parsing and serialising only; the rules are in :mod:`.rules_customers`, :mod:`.rules_orders`,
:mod:`.rules_invoices` and :mod:`.rules_sales`.
"""

from __future__ import annotations

from typing import Any

from .errors import MSG_DELETED, MSG_UPDATED, invalid
from .http_base import CUSTOMER_SORT, SALE_SORT, Ctx, Route, envelope, require_dict, require_list
from .listing import removed_ids, sort_items
from .model import Customer, Sale
from .params import as_bool, as_int
from .rules_customers import (
    CustomerFilter,
    create_customer,
    create_customers,
    delete_customer,
    find_customer,
    list_customers,
    update_customer,
    update_customers,
)
from .rules_invoices import cancel_invoice, create_invoice, get_invoice, get_invoice_by_code, update_invoice
from .rules_orders import cancel_order, create_order, get_order, get_order_by_code, update_order
from .rules_sales import SaleFilter, filter_sales
from .serialize import customer as customer_json
from .serialize import invoice as invoice_json
from .serialize import order as order_json


# -- customers ---------------------------------------------------------------------------------
def customers_list(ctx: Ctx) -> Any:
    shop, q = ctx.shop, ctx.q
    since = q.date("lastmodifiedfrom")
    f = CustomerFilter(
        since=since,
        code=(q.get("code") or "").strip() or None,
        name=(q.get("name") or "").strip() or None,
        contact_number=q.get("contactnumber"),
        group_id=q.integer("groupid"),
        birth_date=q.date("birthdate"),
    )
    items = list_customers(shop, f)
    sort_items(items, q, CUSTOMER_SORT)
    totals = q.flag("includetotal")
    groups = q.flag("includecustomergroup")
    removed = removed_ids(shop, "customers", since) if q.flag("includeremoveids") else None

    def one(c: Customer) -> dict[str, Any]:
        d = customer_json(shop, c, totals)
        if groups:
            d["groups"] = ""
        return d

    return envelope(ctx, items, one, removed)


def _customer_detail(ctx: Ctx, c: Customer) -> dict[str, Any]:
    d = customer_json(ctx.shop, c, True)
    d["groups"] = ""
    d["customerGroupDetails"] = [
        {"id": c.id * 10 + i, "customerId": c.id, "groupId": g} for i, g in enumerate(c.group_ids)
    ]
    return d


def customer_get(ctx: Ctx, cid: int) -> Any:
    return _customer_detail(ctx, find_customer(ctx.shop, cid))


def customer_get_by_code(ctx: Ctx, code: str) -> Any:
    return _customer_detail(ctx, find_customer(ctx.shop, None, code))


def customer_create(ctx: Ctx) -> Any:
    c = create_customer(ctx.shop, require_dict(ctx.body), ctx.now)
    return {"message": MSG_UPDATED, "data": _customer_detail(ctx, c)}


def customer_update(ctx: Ctx, cid: int) -> Any:
    c = update_customer(ctx.shop, cid, require_dict(ctx.body), ctx.now)
    return {"message": MSG_UPDATED, "data": _customer_detail(ctx, c)}


def customer_delete(ctx: Ctx, cid: int) -> Any:
    delete_customer(ctx.shop, cid, ctx.now)
    return {"message": MSG_DELETED}


def customers_add(ctx: Ctx) -> Any:
    create_customers(ctx.shop, require_list(ctx.body, "listcustomers"), ctx.now)
    return {"message": "Thêm mới danh sách khách hàng thành công"}


def customers_update(ctx: Ctx) -> Any:
    update_customers(ctx.shop, require_list(ctx.body, "listcustomers"), ctx.now)
    return {"message": "Cập nhật danh sách khách hàng thành công"}


# -- orders and invoices -----------------------------------------------------------------------
def _sales(ctx: Ctx, items: list[Sale], invoices: bool) -> list[Sale]:
    q = ctx.q
    f = SaleFilter(
        since=q.date("lastmodifiedfrom"),
        to_date=q.date("todate"),
        created_from=q.date("createddate"),
        branch_ids=frozenset(q.ints("branchids") or []),
        customer_ids=frozenset(q.ints("customerids") or []),
        statuses=frozenset(q.ints("status") or []),
        sale_channel_id=q.integer("salechannelid"),
        customer_code=q.get("customercode") or "",
        from_purchase=q.date("frompurchasedate") if invoices else None,
        to_purchase=q.date("topurchasedate") if invoices else None,
        order_id=q.integer("orderid") if invoices else None,
    )
    return sort_items(filter_sales(ctx.shop, items, f), q, SALE_SORT)


def _void_payment(ctx: Ctx) -> bool:
    return ctx.q.flag("isvoidpayment") or as_bool(ctx.body.get("isvoidpayment", False), "isVoidPayment")


def orders_list(ctx: Ctx) -> Any:
    items = _sales(ctx, list(ctx.shop.orders.values()), invoices=False)
    payments = ctx.q.flag("includepayment")
    delivery = ctx.q.flag("includeorderdelivery")
    return envelope(ctx, items, lambda o: order_json(ctx.shop, o, payments, delivery))


def _order_detail(ctx: Ctx, o: Sale) -> dict[str, Any]:
    d = order_json(ctx.shop, o, True, True)
    d["method"] = o.method
    return d


def order_get(ctx: Ctx, oid: int) -> Any:
    return _order_detail(ctx, get_order(ctx.shop, oid))


def order_get_by_code(ctx: Ctx, code: str) -> Any:
    return _order_detail(ctx, get_order_by_code(ctx.shop, code))


def order_create(ctx: Ctx) -> Any:
    return _order_detail(ctx, create_order(ctx.shop, require_dict(ctx.body), ctx.now))


def order_update(ctx: Ctx, oid: int) -> Any:
    return _order_detail(ctx, update_order(ctx.shop, oid, require_dict(ctx.body), ctx.now))


def order_cancel(ctx: Ctx, oid: int) -> Any:
    cancel_order(ctx.shop, oid, _void_payment(ctx), ctx.now)
    return {"message": MSG_DELETED}


def invoices_list(ctx: Ctx) -> Any:
    items = _sales(ctx, list(ctx.shop.invoices.values()), invoices=True)
    payments = ctx.q.flag("includepayment")
    delivery = ctx.q.flag("includeinvoicedelivery")
    channel = ctx.q.flag("salechannel")
    return envelope(ctx, items, lambda i: invoice_json(ctx.shop, i, payments, delivery, channel))


def _invoice_detail(ctx: Ctx, inv: Sale, with_detail_key: bool = False) -> dict[str, Any]:
    d = invoice_json(ctx.shop, inv, True, True, ctx.q.flag("salechannel"))
    if with_detail_key and d.get("invoiceDelivery") is not None:
        d["deliveryDetail"] = d["invoiceDelivery"]
    return d


def invoice_get(ctx: Ctx, iid: int) -> Any:
    return _invoice_detail(ctx, get_invoice(ctx.shop, iid))


def invoice_get_by_code(ctx: Ctx, code: str) -> Any:
    return _invoice_detail(ctx, get_invoice_by_code(ctx.shop, code))


def invoice_create(ctx: Ctx) -> Any:
    inv = create_invoice(ctx.shop, require_dict(ctx.body), ctx.now)
    return _invoice_detail(ctx, inv, with_detail_key=True)


def invoice_update(ctx: Ctx, iid: int) -> Any:
    inv = update_invoice(ctx.shop, iid, require_dict(ctx.body), ctx.now)
    return _invoice_detail(ctx, inv, with_detail_key=True)


def invoice_cancel(ctx: Ctx, iid: int) -> Any:
    return _invoice_detail(ctx, cancel_invoice(ctx.shop, iid, _void_payment(ctx), ctx.now))


def invoice_cancel_by_body(ctx: Ctx) -> Any:
    body = require_dict(ctx.body)
    raw = body.get("id") if body.get("id") not in (None, "") else ctx.q.get("id")
    if raw in (None, ""):
        raise invalid("Id hóa đơn không được để trống", "id")
    return invoice_cancel(ctx, as_int(raw, "id"))


ROUTES: list[Route] = [
    ("GET", "/customers", customers_list),
    ("GET", "/customers/code/{code:path}", customer_get_by_code),
    ("GET", "/customers/{cid:int}", customer_get),
    ("POST", "/customers", customer_create),
    ("PUT", "/customers/{cid:int}", customer_update),
    ("DELETE", "/customers/{cid:int}", customer_delete),
    ("POST", "/listaddcutomers", customers_add),
    ("PUT", "/listupdatecustomers", customers_update),
    ("GET", "/orders", orders_list),
    ("GET", "/orders/code/{code:path}", order_get_by_code),
    ("GET", "/orders/{oid:int}", order_get),
    ("POST", "/orders", order_create),
    ("PUT", "/orders/{oid:int}", order_update),
    ("DELETE", "/orders/{oid:int}", order_cancel),
    ("GET", "/invoices", invoices_list),
    ("GET", "/invoices/code/{code:path}", invoice_get_by_code),
    ("GET", "/invoices/{iid:int}", invoice_get),
    ("POST", "/invoices", invoice_create),
    ("PUT", "/invoices/{iid:int}", invoice_update),
    ("DELETE", "/invoices/{iid:int}", invoice_cancel),
    ("DELETE", "/invoices", invoice_cancel_by_body),
]
