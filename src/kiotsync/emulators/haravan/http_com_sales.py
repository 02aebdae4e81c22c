"""``/com`` routes of the selling side: orders with their fulfillments, transactions and
refunds (digest §4), and customers (§5). Parsing and serialising only; the rules are in
:mod:`.rules_orders`, :mod:`.rules_fulfillments`, :mod:`.rules_payments` and
:mod:`.rules_customers`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .context import Ctx
from .http_com_base import Handler, Result, Route, many, one, page_limit
from .listing import common_filters, paginate
from .model import Customer, Fulfillment, Order
from .rules_customers import (
    create_customer,
    delete_customer,
    list_customers,
    search_customers,
    update_customer,
)
from .rules_fulfillments import create_fulfillment, update_fulfillment
from .rules_orders import (
    cancel_order,
    close_order,
    confirm_order,
    create_order,
    list_orders,
    set_order_tags,
    update_order,
)
from .rules_payments import create_refund, create_transaction
from .serialize import customer as customer_json
from .serialize import fulfillment as fulfillment_json
from .serialize import order as order_json
from .serialize import refund as refund_json
from .serialize import transaction as transaction_json
from .store import Shop
from .validation import found


def _order(shop: Shop, order_id: int) -> Order:
    return found(shop.orders.get(order_id))


# -- orders ----------------------------------------------------------------------------------
def orders_list(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    found = list_orders(ctx.shop, args, ctx.config.orders_default_status)
    page = paginate(found, args, 50, 50)
    return many("orders", [order_json(ctx.shop, o) for o in page], args)


def orders_count(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    return 200, {"count": len(list_orders(ctx.shop, args, ctx.config.orders_default_status))}


def order_create(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    o = create_order(ctx, body)
    return one("order", order_json(ctx.shop, o), args, 201)


def order_get(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int) -> Result:
    return one("order", order_json(ctx.shop, _order(ctx.shop, order_id)), args)


def order_update(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int) -> Result:
    o = update_order(ctx, _order(ctx.shop, order_id), body)
    return one("order", order_json(ctx.shop, o), args)


def order_action(fn: Callable[[Ctx, Order, Any], Order]) -> Handler:
    def handler(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int) -> Result:
        o = fn(ctx, _order(ctx.shop, order_id), body)
        return one("order", order_json(ctx.shop, o), args)

    return handler


def order_tags_add(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int) -> Result:
    return 200, {"tags": set_order_tags(ctx, _order(ctx.shop, order_id), body, True)}


def order_tags_remove(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int) -> Result:
    return 200, {"tags": set_order_tags(ctx, _order(ctx.shop, order_id), body, False)}


# -- fulfillments / transactions / refunds ---------------------------------------------------
def _filtered(items: list[Any], args: Mapping[str, str], dated: bool = True) -> list[Any]:
    dates = {"created_at": lambda x: x.created_at}
    if dated:
        dates["updated_at"] = lambda x: x.updated_at
    pred = common_filters(args, lambda x: x.id, dates)
    return [x for x in items if pred(x)]


def fulfillments_list(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int) -> Result:
    o = _order(ctx.shop, order_id)
    found = paginate(_filtered(o.fulfillments, args), args, 50, page_limit(ctx))
    return many("fulfillments", [fulfillment_json(ctx.shop, o, f) for f in found], args)


def fulfillments_count(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int) -> Result:
    return 200, {"count": len(_filtered(_order(ctx.shop, order_id).fulfillments, args))}


def _fulfillment(o: Order, fulfillment_id: int) -> Fulfillment:
    return found(next((x for x in o.fulfillments if x.id == fulfillment_id), None))


def fulfillment_get(
    ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int, fulfillment_id: int
) -> Result:
    o = _order(ctx.shop, order_id)
    return one("fulfillment", fulfillment_json(ctx.shop, o, _fulfillment(o, fulfillment_id)), args)


def fulfillment_create(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int) -> Result:
    o = _order(ctx.shop, order_id)
    f = create_fulfillment(ctx, o, body)
    return one("fulfillment", fulfillment_json(ctx.shop, o, f), args, 201)


def fulfillment_update(
    ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int, fulfillment_id: int
) -> Result:
    o = _order(ctx.shop, order_id)
    f = update_fulfillment(ctx, o, _fulfillment(o, fulfillment_id), body)
    return one("fulfillment", fulfillment_json(ctx.shop, o, f), args)


def transactions_list(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int) -> Result:
    o = _order(ctx.shop, order_id)
    return many("transactions", [transaction_json(t) for t in o.transactions], args)


def transactions_count(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int) -> Result:
    return 200, {"count": len(_order(ctx.shop, order_id).transactions)}


def transaction_get(
    ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int, transaction_id: int
) -> Result:
    o = _order(ctx.shop, order_id)
    t = found(next((x for x in o.transactions if x.id == transaction_id), None))
    return one("transaction", transaction_json(t), args)


def transaction_create(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int) -> Result:
    t = create_transaction(ctx, _order(ctx.shop, order_id), body)
    return one("transaction", transaction_json(t), args, 201)


def refunds_list(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int) -> Result:
    o = _order(ctx.shop, order_id)
    return many("refunds", [refund_json(o, r) for r in o.refunds], args)


def refund_get(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int, refund_id: int) -> Result:
    o = _order(ctx.shop, order_id)
    r = found(next((x for x in o.refunds if x.id == refund_id), None))
    return one("refund", refund_json(o, r), args)


def refund_create(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int) -> Result:
    o = _order(ctx.shop, order_id)
    r = create_refund(ctx, o, body)
    return one("refund", refund_json(o, r), args, 201)


# -- customers -------------------------------------------------------------------------------
def _customer(shop: Shop, customer_id: int) -> Customer:
    return found(shop.customers.get(customer_id))


def customers_list(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    found = paginate(list_customers(ctx.shop, args), args, 50, page_limit(ctx))
    return many("customers", [customer_json(c) for c in found], args)


def customers_search(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    found = paginate(search_customers(ctx.shop, args), args, 50, page_limit(ctx))
    return many("customers", [customer_json(c) for c in found], args)


def customers_count(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    return 200, {"count": len(list_customers(ctx.shop, args))}


def customer_get(ctx: Ctx, args: Mapping[str, str], body: Any, customer_id: int) -> Result:
    return one("customer", customer_json(_customer(ctx.shop, customer_id)), args)


def customer_create(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    return one("customer", customer_json(create_customer(ctx, body)), args, 201)


def customer_update(ctx: Ctx, args: Mapping[str, str], body: Any, customer_id: int) -> Result:
    c = update_customer(ctx, _customer(ctx.shop, customer_id), body)
    return one("customer", customer_json(c), args)


def customer_delete(ctx: Ctx, args: Mapping[str, str], body: Any, customer_id: int) -> Result:
    delete_customer(ctx, _customer(ctx.shop, customer_id))
    return 200, {}


ROUTES: list[Route] = [
    ("/orders.json", ["GET"], "orders", orders_list),
    ("/orders.json", ["POST"], "orders", order_create),
    ("/orders/count.json", ["GET"], "orders", orders_count),
    ("/orders/<int:order_id>.json", ["GET"], "orders", order_get),
    ("/orders/<int:order_id>.json", ["PUT"], "orders", order_update),
    (
        "/orders/<int:order_id>/confirm.json",
        ["POST"],
        "orders",
        order_action(lambda c, o, b: confirm_order(c, o)),
    ),
    (
        "/orders/<int:order_id>/close.json",
        ["POST"],
        "orders",
        order_action(lambda c, o, b: close_order(c, o, True)),
    ),
    (
        "/orders/<int:order_id>/open.json",
        ["POST"],
        "orders",
        order_action(lambda c, o, b: close_order(c, o, False)),
    ),
    ("/orders/<int:order_id>/cancel.json", ["POST"], "orders", order_action(cancel_order)),
    ("/orders/<int:order_id>/tags.json", ["POST"], "orders", order_tags_add),
    ("/orders/<int:order_id>/tags.json", ["DELETE"], "orders", order_tags_remove),
    ("/orders/<int:order_id>/fulfillments.json", ["GET"], "orders", fulfillments_list),
    ("/orders/<int:order_id>/fulfillments.json", ["POST"], "orders", fulfillment_create),
    ("/orders/<int:order_id>/fulfillments/count.json", ["GET"], "orders", fulfillments_count),
    ("/orders/<int:order_id>/fulfillments/<int:fulfillment_id>.json", ["GET"], "orders", fulfillment_get),
    ("/orders/<int:order_id>/fulfillments/<int:fulfillment_id>.json", ["PUT"], "orders", fulfillment_update),
    ("/orders/<int:order_id>/transactions.json", ["GET"], "orders", transactions_list),
    ("/orders/<int:order_id>/transactions.json", ["POST"], "orders", transaction_create),
    ("/orders/<int:order_id>/transactions/count.json", ["GET"], "orders", transactions_count),
    ("/orders/<int:order_id>/transactions/<int:transaction_id>.json", ["GET"], "orders", transaction_get),
    ("/orders/<int:order_id>/refunds.json", ["GET"], "orders", refunds_list),
    ("/orders/<int:order_id>/refunds.json", ["POST"], "orders", refund_create),
    ("/orders/<int:order_id>/refunds/<int:refund_id>.json", ["GET"], "orders", refund_get),
    ("/customers.json", ["GET"], "customers", customers_list),
    ("/customers.json", ["POST"], "customers", customer_create),
    ("/customers/search.json", ["GET"], "customers", customers_search),
    ("/customers/count.json", ["GET"], "customers", customers_count),
    ("/customers/<int:customer_id>.json", ["GET"], "customers", customer_get),
    ("/customers/<int:customer_id>.json", ["PUT"], "customers", customer_update),
    ("/customers/<int:customer_id>.json", ["DELETE"], "customers", customer_delete),
]
