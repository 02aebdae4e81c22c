"""KiotViet control-plane helpers under ``/_emulator/`` — what a person does in KiotViet's own
admin or POS, which the public API cannot do (listed in :mod:`.guide`).

Bodies are JSON; keys are matched case-insensitively with ``_`` ignored (``product_id`` ==
``productId``), so API-shaped bodies work too. ``retailer`` (body or query) picks the shop; it
may be omitted when exactly one shop is loaded. Every mutation fires the same webhooks as the
API would. Answers are the API's camelCase shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..common import ApiError, Request, read_json
from .errors import KvError, invalid
from .model import Shop
from .params import as_bool, as_float, as_int, control_keys, lower_keys
from .presets import bulk_products, credentials, new_shop
from .rules_catalog import create_category
from .rules_customers import create_customer, delete_customer, update_customer
from .rules_invoices import cancel_invoice, create_invoice, get_invoice, update_invoice
from .rules_orders import cancel_order, create_order, get_order, update_order
from .rules_pricebooks import remove_price, set_price
from .rules_products import create_product, delete_product, find_product, update_product
from .rules_shop import create_branch, create_sale_channel, deactivate_branch, set_settings, settings_view
from .rules_stock import existing_branch, stock_take
from .serialize import branch as branch_json
from .serialize import category as category_json
from .serialize import customer as customer_json
from .serialize import invoice as invoice_json
from .serialize import order as order_json
from .serialize import product as product_json
from .serialize import sale_channel as sale_channel_json
from .serialize import strip_nulls
from .serialize import webhook as webhook_json
from .state import KvState
from .webhooks import KvWebhooks

Op = Callable[[Shop, dict[str, Any], int], Any]
ControlRoute = tuple[str, list[str], Callable[..., Any]]


def seed(state: KvState, body: dict[str, Any]) -> dict[str, Any]:
    with state.lock:
        shop = new_shop(state, body)
        return credentials(shop, body.get("base_url"))


def _run(state: KvState, emitter: KvWebhooks, request: Request, op: Op) -> Any:
    raw = read_json(request) if request.method != "GET" else {}
    body = control_keys(raw if isinstance(raw, dict) else {})
    retailer = body.pop("retailer", None) or request.args.get("retailer")
    with state.lock:
        try:
            shop = state.shop_for_control(retailer)
        except KvError as err:
            raise ApiError(err.status, err.body()) from None
        now = state.now()
        try:
            result = op(shop, body, now)
        except KvError as err:
            raise ApiError(err.status, err.body()) from None
        finally:
            emitter.flush(shop)
    return strip_nulls(result)


def _lines_alias(body: dict[str, Any], key: str) -> dict[str, Any]:
    if "lines" in body and key not in body:
        body[key] = body.pop("lines")
    return body


def _order(shop: Shop, oid: int) -> dict[str, Any]:
    return order_json(shop, get_order(shop, oid), True, True)


def _invoice(shop: Shop, iid: int) -> dict[str, Any]:
    return invoice_json(shop, get_invoice(shop, iid), True, True, True)


def _shop_routes(state: KvState, emitter: KvWebhooks) -> list[ControlRoute]:
    """The shop itself: shops and settings, branches, sale channels, registered webhooks."""

    def shops(request: Request) -> Any:
        with state.lock:
            return {"shops": [credentials(s) for s in state.shops.values()]}

    def settings(request: Request) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            if request.method == "PUT":
                set_settings(shop, body)
            return {"settings": dict(shop.settings), "wire": settings_view(shop)}

        return _run(state, emitter, request, op)

    def sale_channels(request: Request) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            return sale_channel_json(shop, create_sale_channel(shop, str(body.get("name") or ""), now))

        return _run(state, emitter, request, op)

    def branches(request: Request) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            return branch_json(shop, create_branch(shop, body, now))

        return _run(state, emitter, request, op)

    def branch_deactivate(request: Request, bid: int) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            return branch_json(shop, deactivate_branch(shop, bid, now))

        return _run(state, emitter, request, op)

    def registered_webhooks(request: Request) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            return {
                "webhooks": [
                    {**webhook_json(shop, w), "has_secret": bool(w.secret)} for w in shop.webhooks.values()
                ]
            }

        return _run(state, emitter, request, op)

    return [
        ("/shops", ["GET"], shops),
        ("/settings", ["GET", "PUT"], settings),
        ("/salechannels", ["POST"], sale_channels),
        ("/branches", ["POST"], branches),
        ("/branches/<int:bid>/deactivate", ["POST"], branch_deactivate),
        ("/registered-webhooks", ["GET"], registered_webhooks),
    ]


def _product_routes(state: KvState, emitter: KvWebhooks) -> list[ControlRoute]:
    """Products (one or in bulk) and categories, as the back office creates them."""

    def products(request: Request) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            p = create_product(shop, body, now)
            return product_json(shop, p, inventories=True)

        return _run(state, emitter, request, op)

    def bulk(request: Request) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            ids = bulk_products(
                shop,
                as_int(body.get("products", 0), "products"),
                as_int(body.get("variantsperproduct", 1), "variants_per_product"),
                now,
                code_prefix=str(body.get("codeprefix") or "BK"),
                on_hand_max=as_int(body.get("onhandmax", 100), "on_hand_max"),
            )
            return {
                "created": len(ids),
                "first_id": ids[0] if ids else None,
                "last_id": ids[-1] if ids else None,
            }

        return _run(state, emitter, request, op)

    def product(request: Request, pid: int) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            if request.method == "DELETE":
                return {"deleted": delete_product(shop, pid, now)}
            p = update_product(shop, pid, body, now)
            return product_json(shop, p, inventories=True, pricebooks=True)

        return _run(state, emitter, request, op)

    def categories(request: Request) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            if "name" in body and "categoryname" not in body:
                body["categoryname"] = body.pop("name")
            return category_json(shop, create_category(shop, body, now))

        return _run(state, emitter, request, op)

    return [
        ("/products", ["POST"], products),
        ("/products/bulk", ["POST"], bulk),
        ("/products/<int:pid>", ["PUT", "POST", "DELETE"], product),
        ("/categories", ["POST"], categories),
    ]


def _stock_and_price_routes(state: KvState, emitter: KvWebhooks) -> list[ControlRoute]:
    """A stock take in a branch; a product's price in a price book."""

    def stock(request: Request) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            p = find_product(shop, body.get("productid"), body.get("code") or body.get("productcode"))
            bid = existing_branch(shop, as_int(body.get("branchid") or next(iter(shop.branches)), "branchId"))
            on_hand = as_float(body["onhand"], "onHand") if body.get("onhand") is not None else None
            cost = as_float(body["cost"], "cost") if body.get("cost") is not None else None
            stock_take(shop, p, bid, on_hand, cost, now)
            return product_json(shop, p, inventories=True)

        return _run(state, emitter, request, op)

    def price(request: Request) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            if body.get("delete"):
                remove_price(
                    shop,
                    as_int(body.get("pricebookid"), "pricebookId"),
                    as_int(body.get("productid"), "productId"),
                    now,
                )
            else:
                set_price(shop, body, now)
            return {"isSuccess": True}

        return _run(state, emitter, request, op)

    return [
        ("/stock", ["POST"], stock),
        ("/pricebooks/detail", ["POST"], price),
    ]


def _order_routes(state: KvState, emitter: KvWebhooks) -> list[ControlRoute]:
    """Orders: taken at the till, edited, completed (an invoice) or cancelled."""

    def pos_order(request: Request) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            body = _lines_alias(body, "orderdetails")
            body.setdefault("branchid", next(iter(shop.branches)))
            o = create_order(shop, body, now, default_channel=shop.pos_channel_id)
            return _order(shop, o.id)

        return _run(state, emitter, request, op)

    def edit_order(request: Request, oid: int) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            update_order(shop, oid, _lines_alias(body, "orderdetails"), now)
            return _order(shop, oid)

        return _run(state, emitter, request, op)

    def complete_order(request: Request, oid: int) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            order = get_order(shop, oid)
            payload = _lines_alias(dict(body), "invoicedetails")
            status = payload.pop("deliverystatus", None)
            if status is not None and "deliverydetail" not in payload:
                base = lower_keys(order.delivery) if order.delivery else {"type": 1}
                payload["deliverydetail"] = {**base, "status": as_int(status, "delivery_status")}
            payload["orderid"] = oid
            inv = create_invoice(shop, payload, now)
            return {"invoice": _invoice(shop, inv.id), "order": _order(shop, order.id)}

        return _run(state, emitter, request, op)

    def order_cancel(request: Request, oid: int) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            cancel_order(shop, oid, as_bool(body.get("isvoidpayment", True), "isVoidPayment"), now)
            return _order(shop, oid)

        return _run(state, emitter, request, op)

    return [
        ("/pos/orders", ["POST"], pos_order),
        ("/orders/<int:oid>/complete", ["POST"], complete_order),
        ("/orders/<int:oid>/cancel", ["POST"], order_cancel),
        ("/orders/<int:oid>", ["PUT", "POST"], edit_order),
    ]


def _invoice_routes(state: KvState, emitter: KvWebhooks) -> list[ControlRoute]:
    """Invoices: sold at the till, delivery status moved, cancelled."""

    def pos_invoice(request: Request) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            body = _lines_alias(body, "invoicedetails")
            body.setdefault("branchid", next(iter(shop.branches)))
            inv = create_invoice(shop, body, now, default_channel=shop.pos_channel_id)
            return _invoice(shop, inv.id)

        return _run(state, emitter, request, op)

    def invoice_delivery(request: Request, iid: int) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            if body.get("status") is None:
                raise invalid("status is required", "status")
            status = as_int(body.pop("status"), "status")
            update_invoice(shop, iid, {"deliverydetail": {**body, "status": status}}, now)
            return _invoice(shop, iid)

        return _run(state, emitter, request, op)

    def invoice_cancel(request: Request, iid: int) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            cancel_invoice(shop, iid, as_bool(body.get("isvoidpayment", True), "isVoidPayment"), now)
            return _invoice(shop, iid)

        return _run(state, emitter, request, op)

    return [
        ("/pos/invoices", ["POST"], pos_invoice),
        ("/invoices/<int:iid>/delivery", ["POST"], invoice_delivery),
        ("/invoices/<int:iid>/cancel", ["POST"], invoice_cancel),
    ]


def _customer_routes(state: KvState, emitter: KvWebhooks) -> list[ControlRoute]:
    """Customers: created, edited, deleted."""

    def customers(request: Request) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            return customer_json(shop, create_customer(shop, body, now), True)

        return _run(state, emitter, request, op)

    def customer(request: Request, cid: int) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            if request.method == "DELETE":
                delete_customer(shop, cid, now)
                return {"deleted": cid}
            return customer_json(shop, update_customer(shop, cid, body, now), True)

        return _run(state, emitter, request, op)

    return [
        ("/customers", ["POST"], customers),
        ("/customers/<int:cid>", ["PUT", "POST", "DELETE"], customer),
    ]


def routes(state: KvState, emitter: KvWebhooks) -> list[ControlRoute]:
    return [
        *_shop_routes(state, emitter),
        *_product_routes(state, emitter),
        *_stock_and_price_routes(state, emitter),
        *_order_routes(state, emitter),
        *_invoice_routes(state, emitter),
        *_customer_routes(state, emitter),
    ]
