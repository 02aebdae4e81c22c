"""KiotViet control-plane helpers under ``/_emulator/`` — what a person does in KiotViet's own
admin or POS, which the public API cannot do (listed in the package docstring).

Bodies are JSON; keys are matched case-insensitively with ``_`` ignored (``product_id`` ==
``productId``), so API-shaped bodies work too. ``retailer`` (body or query) picks the shop; it
may be omitted when exactly one shop is loaded. Every mutation fires the same webhooks as the
API would. Answers are the API's camelCase shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..common import ApiError, Request, read_json
from . import (
    presets,
    rules_catalog,
    rules_customers,
    rules_pricebooks,
    rules_products,
    rules_sales,
    rules_shop,
)
from . import serialize as ser
from .errors import KvError, invalid
from .model import Shop
from .params import as_bool, as_float, as_int, control_keys, lower_keys

if TYPE_CHECKING:
    from .app import KiotVietApp

Op = Callable[[Shop, dict[str, Any], int], Any]


def seed(app: KiotVietApp, body: dict[str, Any]) -> dict[str, Any]:
    with app.state.lock:
        shop = presets.new_shop(app.state, body)
        return presets.credentials(shop, body.get("base_url"))


def _run(app: KiotVietApp, request: Request, op: Op, body: dict[str, Any] | None = None) -> Any:
    if body is None:
        raw = read_json(request) if request.method != "GET" else {}
        body = control_keys(raw if isinstance(raw, dict) else {})
    retailer = body.pop("retailer", None) or request.args.get("retailer")
    with app.state.lock:
        try:
            shop = app.state.shop_for_control(retailer)
        except KvError as err:
            raise ApiError(err.status, err.body()) from None
        now = app.state.now()
        try:
            result = op(shop, body, now)
        except KvError as err:
            raise ApiError(err.status, err.body()) from None
        finally:
            app.emitter.flush(shop)
    return ser.strip_nulls(result)


def _lines_alias(body: dict[str, Any], key: str) -> dict[str, Any]:
    if "lines" in body and key not in body:
        body[key] = body.pop("lines")
    return body


def _order(shop: Shop, oid: int) -> dict[str, Any]:
    return ser.order(shop, rules_sales.get_order(shop, oid), True, True)


def _invoice(shop: Shop, iid: int) -> dict[str, Any]:
    return ser.invoice(shop, rules_sales.get_invoice(shop, iid), True, True, True)


def routes(app: KiotVietApp) -> list[tuple[str, list[str], Callable[..., Any]]]:
    def shops(request: Request) -> Any:
        with app.state.lock:
            return {"shops": [presets.credentials(s) for s in app.state.shops.values()]}

    def settings(request: Request) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            if request.method == "PUT":
                rules_shop.set_settings(shop, body)
            return {"settings": dict(shop.settings), "wire": rules_shop.settings_view(shop)}

        return _run(app, request, op)

    def stock(request: Request) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            p = rules_products.find_product(
                shop, body.get("productid"), body.get("code") or body.get("productcode")
            )
            bid = as_int(body.get("branchid") or next(iter(shop.branches)), "branchId")
            if bid not in shop.branches:
                raise invalid("Chi nhánh không tồn tại", "branchId")
            on_hand = as_float(body["onhand"], "onHand") if body.get("onhand") is not None else None
            cost = as_float(body["cost"], "cost") if body.get("cost") is not None else None
            from . import rules_stock

            rules_stock.stock_take(shop, p, bid, on_hand, cost, now)
            return ser.product(shop, p, inventories=True)

        return _run(app, request, op)

    def pos_order(request: Request) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            body = _lines_alias(body, "orderdetails")
            body.setdefault("branchid", next(iter(shop.branches)))
            o = rules_sales.create_order(shop, body, now, default_channel=shop.pos_channel_id)
            return _order(shop, o.id)

        return _run(app, request, op)

    def pos_invoice(request: Request) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            body = _lines_alias(body, "invoicedetails")
            body.setdefault("branchid", next(iter(shop.branches)))
            inv = rules_sales.create_invoice(shop, body, now, default_channel=shop.pos_channel_id)
            return _invoice(shop, inv.id)

        return _run(app, request, op)

    def complete_order(request: Request, oid: int) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            order = rules_sales.get_order(shop, oid)
            payload = _lines_alias(dict(body), "invoicedetails")
            status = payload.pop("deliverystatus", None)
            if status is not None and "deliverydetail" not in payload:
                base = lower_keys(order.delivery) if order.delivery else {"type": 1}
                payload["deliverydetail"] = {**base, "status": as_int(status, "delivery_status")}
            payload["orderid"] = oid
            inv = rules_sales.create_invoice(shop, payload, now)
            return {"invoice": _invoice(shop, inv.id), "order": _order(shop, order.id)}

        return _run(app, request, op)

    def cancel_order(request: Request, oid: int) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            rules_sales.cancel_order(
                shop, oid, as_bool(body.get("isvoidpayment", True), "isVoidPayment"), now
            )
            return _order(shop, oid)

        return _run(app, request, op)

    def edit_order(request: Request, oid: int) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            rules_sales.update_order(shop, oid, _lines_alias(body, "orderdetails"), now)
            return _order(shop, oid)

        return _run(app, request, op)

    def invoice_delivery(request: Request, iid: int) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            if body.get("status") is None:
                raise invalid("status is required", "status")
            status = as_int(body.pop("status"), "status")
            rules_sales.update_invoice(shop, iid, {"deliverydetail": {**body, "status": status}}, now)
            return _invoice(shop, iid)

        return _run(app, request, op)

    def cancel_invoice(request: Request, iid: int) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            rules_sales.cancel_invoice(
                shop, iid, as_bool(body.get("isvoidpayment", True), "isVoidPayment"), now
            )
            return _invoice(shop, iid)

        return _run(app, request, op)

    def products(request: Request) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            p = rules_products.create_product(shop, body, now)
            return ser.product(shop, p, inventories=True)

        return _run(app, request, op)

    def product(request: Request, pid: int) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            if request.method == "DELETE":
                return {"deleted": rules_products.delete_product(shop, pid, now)}
            p = rules_products.update_product(shop, pid, body, now)
            return ser.product(shop, p, inventories=True, pricebooks=True)

        return _run(app, request, op)

    def bulk(request: Request) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            ids = presets.bulk_products(
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

        return _run(app, request, op)

    def price(request: Request) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            if body.get("delete"):
                rules_pricebooks.remove_price(
                    shop,
                    as_int(body.get("pricebookid"), "pricebookId"),
                    as_int(body.get("productid"), "productId"),
                    now,
                )
            else:
                rules_pricebooks.set_price(shop, body, now)
            return {"isSuccess": True}

        return _run(app, request, op)

    def customers(request: Request) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            return ser.customer(shop, rules_customers.create_customer(shop, body, now), True)

        return _run(app, request, op)

    def customer(request: Request, cid: int) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            if request.method == "DELETE":
                rules_customers.delete_customer(shop, cid, now)
                return {"deleted": cid}
            return ser.customer(shop, rules_customers.update_customer(shop, cid, body, now), True)

        return _run(app, request, op)

    def categories(request: Request) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            if "name" in body and "categoryname" not in body:
                body["categoryname"] = body.pop("name")
            return ser.category(shop, rules_catalog.create_category(shop, body, now))

        return _run(app, request, op)

    def sale_channels(request: Request) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            return ser.sale_channel(
                shop, rules_shop.create_sale_channel(shop, str(body.get("name") or ""), now)
            )

        return _run(app, request, op)

    def branches(request: Request) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            return ser.branch(shop, rules_shop.create_branch(shop, body, now))

        return _run(app, request, op)

    def deactivate_branch(request: Request, bid: int) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            return ser.branch(shop, rules_shop.deactivate_branch(shop, bid, now))

        return _run(app, request, op)

    def registered_webhooks(request: Request) -> Any:
        def op(shop: Shop, body: dict[str, Any], now: int) -> Any:
            return {
                "webhooks": [
                    {**ser.webhook(shop, w), "has_secret": bool(w.secret)} for w in shop.webhooks.values()
                ]
            }

        return _run(app, request, op)

    return [
        ("/shops", ["GET"], shops),
        ("/settings", ["GET", "PUT"], settings),
        ("/stock", ["POST"], stock),
        ("/pos/orders", ["POST"], pos_order),
        ("/pos/invoices", ["POST"], pos_invoice),
        ("/orders/<int:oid>/complete", ["POST"], complete_order),
        ("/orders/<int:oid>/cancel", ["POST"], cancel_order),
        ("/orders/<int:oid>", ["PUT", "POST"], edit_order),
        ("/invoices/<int:iid>/delivery", ["POST"], invoice_delivery),
        ("/invoices/<int:iid>/cancel", ["POST"], cancel_invoice),
        ("/products", ["POST"], products),
        ("/products/bulk", ["POST"], bulk),
        ("/products/<int:pid>", ["PUT", "POST", "DELETE"], product),
        ("/pricebooks/detail", ["POST"], price),
        ("/customers", ["POST"], customers),
        ("/customers/<int:cid>", ["PUT", "POST", "DELETE"], customer),
        ("/categories", ["POST"], categories),
        ("/salechannels", ["POST"], sale_channels),
        ("/branches", ["POST"], branches),
        ("/branches/<int:bid>/deactivate", ["POST"], deactivate_branch),
        ("/registered-webhooks", ["GET"], registered_webhooks),
    ]
