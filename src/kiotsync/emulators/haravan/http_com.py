"""HTTP layer of the commerce API (``/com/...json``) and the webhook subscribe API.

Each route names a scope family and a handler ``(ctx, args, body, **path) -> (status, json)``.
``ComHttp.api`` adds what every real call goes through — Bearer token → shop, leaky bucket with
``X-Haravan-Api-Call-Limit`` on every answer, scope check (``write`` implies ``read``), JSON body
parsing — while ``ComHttp.admin`` runs the same handlers as the shop's own admin (no token, no
limit; control plane ``/_emulator/shops/<orgid>/com/...``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from ..common import ApiError, Request, Response, json_response
from . import oauth, serialize, webhooks
from . import rules_customers as customers
from . import rules_fulfillments as fulfillments
from . import rules_inventory as inventory
from . import rules_orders as orders
from . import rules_payments as payments
from . import rules_products as products
from .context import Ctx
from .listing import common_filters, fields_param, paginate, project, project_all
from .model import Order, Product
from .store import Shop
from .validation import not_found

if TYPE_CHECKING:
    from .app import HaravanApp

Result = tuple[int, Any]
Handler = Callable[..., Result]


# -- lookups ---------------------------------------------------------------------------------
def _product(shop: Shop, product_id: int) -> Product:
    p = shop.products.get(product_id)
    if p is None:
        not_found()
    return p


def _order(shop: Shop, order_id: int) -> Order:
    o = shop.orders.get(order_id)
    if o is None:
        not_found()
    return o


def _page_limit(ctx: Ctx) -> int:
    return ctx.config.max_page_limit


def _list(key: str, objs: list[dict[str, Any]], args: Mapping[str, str]) -> Result:
    return 200, {key: project_all(objs, fields_param(args))}


def _one(key: str, obj: dict[str, Any], args: Mapping[str, str], status: int = 200) -> Result:
    return status, {key: project(obj, fields_param(args))}


# -- shop & locations ------------------------------------------------------------------------
def get_shop(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    owner = ctx.world.users.get(ctx.shop.owner_id)
    return _one("shop", serialize.shop(ctx.shop, owner.name if owner else ""), args)


def list_locations(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    return _list("locations", [serialize.location(loc) for loc in ctx.shop.locations.values()], args)


def get_location(ctx: Ctx, args: Mapping[str, str], body: Any, location_id: int) -> Result:
    loc = ctx.shop.locations.get(location_id)
    if loc is None:
        not_found()
    return _one("location", serialize.location(loc), args)


# -- products --------------------------------------------------------------------------------
def list_products(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    found = paginate(products.list_products(ctx.shop, args), args, 50, _page_limit(ctx))
    return _list("products", [serialize.product(ctx.shop, p) for p in found], args)


def count_products(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    return 200, {"count": len(products.list_products(ctx.shop, args))}


def create_product(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    p = products.create_product(ctx, body)
    return _one("product", serialize.product(ctx.shop, p), args, 201)


def get_product(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int) -> Result:
    return _one("product", serialize.product(ctx.shop, _product(ctx.shop, product_id)), args)


def update_product(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int) -> Result:
    p = products.update_product(ctx, _product(ctx.shop, product_id), body)
    return _one("product", serialize.product(ctx.shop, p), args)


def delete_product(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int) -> Result:
    products.delete_product(ctx, _product(ctx.shop, product_id))
    return 200, []


def add_product_tags(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int) -> Result:
    return 200, {"tags": products.set_product_tags(ctx, _product(ctx.shop, product_id), body, True)}


def remove_product_tags(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int) -> Result:
    return 200, {"tags": products.set_product_tags(ctx, _product(ctx.shop, product_id), body, False)}


# -- variants --------------------------------------------------------------------------------
def list_variants(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int) -> Result:
    p = _product(ctx.shop, product_id)
    found = paginate(products.list_variants(p, args), args, 50, _page_limit(ctx))
    return _list("variants", [serialize.variant(ctx.shop, v, p.variants.index(v) + 1) for v in found], args)


def count_variants(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int) -> Result:
    return 200, {"count": len(products.list_variants(_product(ctx.shop, product_id), args))}


def create_variant(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int) -> Result:
    v = products.add_variant(ctx, _product(ctx.shop, product_id), body)
    return _one("variant", serialize.variant_in_product(ctx.shop, v), args, 201)


def get_variant(ctx: Ctx, args: Mapping[str, str], body: Any, variant_id: int) -> Result:
    v = ctx.shop.variants.get(variant_id)
    if v is None:
        not_found()
    return _one("variant", serialize.variant_in_product(ctx.shop, v), args)


def update_variant(ctx: Ctx, args: Mapping[str, str], body: Any, variant_id: int) -> Result:
    v = ctx.shop.variants.get(variant_id)
    if v is None:
        not_found()
    products.update_variant(ctx, v, body)
    return _one("variant", serialize.variant_in_product(ctx.shop, v), args)


def delete_variant(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int, variant_id: int) -> Result:
    p = _product(ctx.shop, product_id)
    v = next((x for x in p.variants if x.id == variant_id), None)
    if v is None:
        not_found()
    products.delete_variant(ctx, p, v)
    return 200, []


# -- images ----------------------------------------------------------------------------------
def list_images(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int) -> Result:
    p = _product(ctx.shop, product_id)
    return _list("images", [serialize.image(i) for i in p.images], args)


def count_images(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int) -> Result:
    return 200, {"count": len(_product(ctx.shop, product_id).images)}


def create_image(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int) -> Result:
    img = products.add_image(ctx, _product(ctx.shop, product_id), body)
    return _one("image", serialize.image(img), args, 201)


def get_image(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int, image_id: int) -> Result:
    return _one("image", serialize.image(products.find_image(_product(ctx.shop, product_id), image_id)), args)


def update_image(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int, image_id: int) -> Result:
    p = _product(ctx.shop, product_id)
    img = products.update_image(ctx, p, products.find_image(p, image_id), body)
    return _one("image", serialize.image(img), args)


def delete_image(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int, image_id: int) -> Result:
    p = _product(ctx.shop, product_id)
    products.delete_image(ctx, p, products.find_image(p, image_id))
    return 200, {}


# -- inventory -------------------------------------------------------------------------------
def list_balances(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    found = paginate(inventory.list_balances(ctx.shop, args), args, 250, 250)
    return _list("inventory_locations", [serialize.balance(b) for b in found], args)


def adjust_or_set(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    adj = inventory.adjust_or_set(ctx, body)
    return 200, {"inventory": serialize.adjustment(adj)}


def list_adjustments(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    found = paginate(inventory.list_adjustments(ctx.shop, args), args, 50, _page_limit(ctx))
    return _list("adjustments", [serialize.adjustment(a) for a in found], args)


def count_adjustments(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    return 200, {"count": len(inventory.list_adjustments(ctx.shop, args))}


def get_adjustment(ctx: Ctx, args: Mapping[str, str], body: Any, adjustment_id: int) -> Result:
    adj = ctx.shop.adjustments.get(adjustment_id)
    if adj is None:
        not_found()
    return _one("adjustment", serialize.adjustment(adj), args)


# -- orders ----------------------------------------------------------------------------------
def list_orders(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    found = orders.list_orders(ctx.shop, args, ctx.config.orders_default_status)
    page = paginate(found, args, 50, 50)
    return _list("orders", [serialize.order(ctx.shop, o) for o in page], args)


def count_orders(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    return 200, {"count": len(orders.list_orders(ctx.shop, args, ctx.config.orders_default_status))}


def create_order(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    o = orders.create_order(ctx, body)
    return _one("order", serialize.order(ctx.shop, o), args, 201)


def get_order(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int) -> Result:
    return _one("order", serialize.order(ctx.shop, _order(ctx.shop, order_id)), args)


def update_order(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int) -> Result:
    o = orders.update_order(ctx, _order(ctx.shop, order_id), body)
    return _one("order", serialize.order(ctx.shop, o), args)


def _action(fn: Callable[[Ctx, Order, Any], Order]) -> Handler:
    def handler(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int) -> Result:
        o = fn(ctx, _order(ctx.shop, order_id), body)
        return _one("order", serialize.order(ctx.shop, o), args)

    return handler


def add_order_tags(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int) -> Result:
    return 200, {"tags": orders.set_order_tags(ctx, _order(ctx.shop, order_id), body, True)}


def remove_order_tags(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int) -> Result:
    return 200, {"tags": orders.set_order_tags(ctx, _order(ctx.shop, order_id), body, False)}


# -- fulfillments / transactions / refunds ---------------------------------------------------
def _filtered(items: list[Any], args: Mapping[str, str], dated: bool = True) -> list[Any]:
    dates = {"created_at": lambda x: x.created_at}
    if dated:
        dates["updated_at"] = lambda x: x.updated_at
    pred = common_filters(args, lambda x: x.id, dates)
    return [x for x in items if pred(x)]


def list_fulfillments(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int) -> Result:
    o = _order(ctx.shop, order_id)
    found = paginate(_filtered(o.fulfillments, args), args, 50, _page_limit(ctx))
    return _list("fulfillments", [serialize.fulfillment(ctx.shop, o, f) for f in found], args)


def count_fulfillments(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int) -> Result:
    return 200, {"count": len(_filtered(_order(ctx.shop, order_id).fulfillments, args))}


def _fulfillment(o: Order, fulfillment_id: int) -> Any:
    f = next((x for x in o.fulfillments if x.id == fulfillment_id), None)
    if f is None:
        not_found()
    return f


def get_fulfillment(
    ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int, fulfillment_id: int
) -> Result:
    o = _order(ctx.shop, order_id)
    return _one("fulfillment", serialize.fulfillment(ctx.shop, o, _fulfillment(o, fulfillment_id)), args)


def create_fulfillment(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int) -> Result:
    o = _order(ctx.shop, order_id)
    f = fulfillments.create_fulfillment(ctx, o, body)
    return _one("fulfillment", serialize.fulfillment(ctx.shop, o, f), args, 201)


def update_fulfillment(
    ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int, fulfillment_id: int
) -> Result:
    o = _order(ctx.shop, order_id)
    f = fulfillments.update_fulfillment(ctx, o, _fulfillment(o, fulfillment_id), body)
    return _one("fulfillment", serialize.fulfillment(ctx.shop, o, f), args)


def list_transactions(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int) -> Result:
    o = _order(ctx.shop, order_id)
    return _list("transactions", [serialize.transaction(t) for t in o.transactions], args)


def count_transactions(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int) -> Result:
    return 200, {"count": len(_order(ctx.shop, order_id).transactions)}


def get_transaction(
    ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int, transaction_id: int
) -> Result:
    o = _order(ctx.shop, order_id)
    t = next((x for x in o.transactions if x.id == transaction_id), None)
    if t is None:
        not_found()
    return _one("transaction", serialize.transaction(t), args)


def create_transaction(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int) -> Result:
    t = payments.create_transaction(ctx, _order(ctx.shop, order_id), body)
    return _one("transaction", serialize.transaction(t), args, 201)


def list_refunds(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int) -> Result:
    o = _order(ctx.shop, order_id)
    return _list("refunds", [serialize.refund(o, r) for r in o.refunds], args)


def get_refund(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int, refund_id: int) -> Result:
    o = _order(ctx.shop, order_id)
    r = next((x for x in o.refunds if x.id == refund_id), None)
    if r is None:
        not_found()
    return _one("refund", serialize.refund(o, r), args)


def create_refund(ctx: Ctx, args: Mapping[str, str], body: Any, order_id: int) -> Result:
    o = _order(ctx.shop, order_id)
    r = payments.create_refund(ctx, o, body)
    return _one("refund", serialize.refund(o, r), args, 201)


# -- customers -------------------------------------------------------------------------------
def _customer(shop: Shop, customer_id: int) -> Any:
    c = shop.customers.get(customer_id)
    if c is None:
        not_found()
    return c


def list_customers(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    found = paginate(customers.list_customers(ctx.shop, args), args, 50, _page_limit(ctx))
    return _list("customers", [serialize.customer(c) for c in found], args)


def search_customers(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    found = paginate(customers.search_customers(ctx.shop, args), args, 50, _page_limit(ctx))
    return _list("customers", [serialize.customer(c) for c in found], args)


def count_customers(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    return 200, {"count": len(customers.list_customers(ctx.shop, args))}


def get_customer(ctx: Ctx, args: Mapping[str, str], body: Any, customer_id: int) -> Result:
    return _one("customer", serialize.customer(_customer(ctx.shop, customer_id)), args)


def create_customer(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    return _one("customer", serialize.customer(customers.create_customer(ctx, body)), args, 201)


def update_customer(ctx: Ctx, args: Mapping[str, str], body: Any, customer_id: int) -> Result:
    c = customers.update_customer(ctx, _customer(ctx.shop, customer_id), body)
    return _one("customer", serialize.customer(c), args)


def delete_customer(ctx: Ctx, args: Mapping[str, str], body: Any, customer_id: int) -> Result:
    customers.delete_customer(ctx, _customer(ctx.shop, customer_id))
    return 200, {}


# -- routing ---------------------------------------------------------------------------------
ROUTES: list[tuple[str, list[str], str, Handler]] = [
    ("/shop.json", ["GET"], "shop", get_shop),
    ("/locations.json", ["GET"], "shop", list_locations),
    ("/locations/<int:location_id>.json", ["GET"], "shop", get_location),
    ("/products.json", ["GET"], "products", list_products),
    ("/products.json", ["POST"], "products", create_product),
    ("/products/count.json", ["GET"], "products", count_products),
    ("/products/<int:product_id>.json", ["GET"], "products", get_product),
    ("/products/<int:product_id>.json", ["PUT"], "products", update_product),
    ("/products/<int:product_id>.json", ["DELETE"], "products", delete_product),
    ("/products/<int:product_id>/tags.json", ["POST"], "products", add_product_tags),
    ("/products/<int:product_id>/tags.json", ["DELETE"], "products", remove_product_tags),
    ("/products/<int:product_id>/variants.json", ["GET"], "products", list_variants),
    ("/products/<int:product_id>/variants.json", ["POST"], "products", create_variant),
    ("/products/<int:product_id>/variants/count.json", ["GET"], "products", count_variants),
    ("/products/<int:product_id>/count.json", ["GET"], "products", count_variants),
    ("/products/<int:product_id>/variants/<int:variant_id>.json", ["DELETE"], "products", delete_variant),
    ("/variants/<int:variant_id>.json", ["GET"], "products", get_variant),
    ("/variants/<int:variant_id>.json", ["PUT"], "products", update_variant),
    ("/products/<int:product_id>/images.json", ["GET"], "products", list_images),
    ("/products/<int:product_id>/images.json", ["POST"], "products", create_image),
    ("/products/<int:product_id>/images/count.json", ["GET"], "products", count_images),
    ("/products/<int:product_id>/images/<int:image_id>.json", ["GET"], "products", get_image),
    ("/products/<int:product_id>/images/<int:image_id>.json", ["PUT"], "products", update_image),
    ("/products/<int:product_id>/images/<int:image_id>.json", ["DELETE"], "products", delete_image),
    ("/inventory_locations.json", ["GET"], "inventories", list_balances),
    ("/inventories/adjustorset.json", ["POST"], "inventories", adjust_or_set),
    ("/inventories/adjustments.json", ["GET"], "inventories", list_adjustments),
    ("/inventories/adjustments/count.json", ["GET"], "inventories", count_adjustments),
    ("/inventories/adjustments/<int:adjustment_id>.json", ["GET"], "inventories", get_adjustment),
    ("/orders.json", ["GET"], "orders", list_orders),
    ("/orders.json", ["POST"], "orders", create_order),
    ("/orders/count.json", ["GET"], "orders", count_orders),
    ("/orders/<int:order_id>.json", ["GET"], "orders", get_order),
    ("/orders/<int:order_id>.json", ["PUT"], "orders", update_order),
    (
        "/orders/<int:order_id>/confirm.json",
        ["POST"],
        "orders",
        _action(lambda c, o, b: orders.confirm_order(c, o)),
    ),
    (
        "/orders/<int:order_id>/close.json",
        ["POST"],
        "orders",
        _action(lambda c, o, b: orders.close_order(c, o, True)),
    ),
    (
        "/orders/<int:order_id>/open.json",
        ["POST"],
        "orders",
        _action(lambda c, o, b: orders.close_order(c, o, False)),
    ),
    ("/orders/<int:order_id>/cancel.json", ["POST"], "orders", _action(orders.cancel_order)),
    ("/orders/<int:order_id>/tags.json", ["POST"], "orders", add_order_tags),
    ("/orders/<int:order_id>/tags.json", ["DELETE"], "orders", remove_order_tags),
    ("/orders/<int:order_id>/fulfillments.json", ["GET"], "orders", list_fulfillments),
    ("/orders/<int:order_id>/fulfillments.json", ["POST"], "orders", create_fulfillment),
    ("/orders/<int:order_id>/fulfillments/count.json", ["GET"], "orders", count_fulfillments),
    ("/orders/<int:order_id>/fulfillments/<int:fulfillment_id>.json", ["GET"], "orders", get_fulfillment),
    ("/orders/<int:order_id>/fulfillments/<int:fulfillment_id>.json", ["PUT"], "orders", update_fulfillment),
    ("/orders/<int:order_id>/transactions.json", ["GET"], "orders", list_transactions),
    ("/orders/<int:order_id>/transactions.json", ["POST"], "orders", create_transaction),
    ("/orders/<int:order_id>/transactions/count.json", ["GET"], "orders", count_transactions),
    ("/orders/<int:order_id>/transactions/<int:transaction_id>.json", ["GET"], "orders", get_transaction),
    ("/orders/<int:order_id>/refunds.json", ["GET"], "orders", list_refunds),
    ("/orders/<int:order_id>/refunds.json", ["POST"], "orders", create_refund),
    ("/orders/<int:order_id>/refunds/<int:refund_id>.json", ["GET"], "orders", get_refund),
    ("/customers.json", ["GET"], "customers", list_customers),
    ("/customers.json", ["POST"], "customers", create_customer),
    ("/customers/search.json", ["GET"], "customers", search_customers),
    ("/customers/count.json", ["GET"], "customers", count_customers),
    ("/customers/<int:customer_id>.json", ["GET"], "customers", get_customer),
    ("/customers/<int:customer_id>.json", ["PUT"], "customers", update_customer),
    ("/customers/<int:customer_id>.json", ["DELETE"], "customers", delete_customer),
]


ROUTE_TABLE: dict[str, tuple[str, Handler]] = {f"r{i}": (fam, h) for i, (_, _, fam, h) in enumerate(ROUTES)}
_MAPS: dict[str, Map] = {}


def route_map(prefix: str) -> Map:
    """Compiled once per process: werkzeug rule compilation is slow and maps are read-only."""
    if prefix not in _MAPS:
        rules = [Rule(prefix + path, endpoint=f"r{i}", methods=m) for i, (path, m, _, _) in enumerate(ROUTES)]
        _MAPS[prefix] = Map(rules, strict_slashes=False)
    return _MAPS[prefix]


def required_scopes(family: str, method: str) -> tuple[str, ...]:
    """Scopes any one of which allows the call (``write`` implies ``read``)."""
    if family == "shop":
        return ("com.read_shop",)
    write = f"com.write_{family}"
    return (f"com.read_{family}", write) if method in ("GET", "HEAD") else (write,)


def parse_body(request: Request) -> Any:
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    if request.mimetype != "application/json":
        raise ApiError(400, {"errors": "Content-Type must be application/json"})
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, {"errors": f"Invalid JSON: {exc}"}) from exc


RATE_LIMITED_BODY = {
    "errors": "Exceeded the API call limit. Reduce the request rate and retry after Retry-After seconds."
}


class ComHttp:
    def __init__(self, app: HaravanApp) -> None:
        self.app = app
        self.map = route_map("/com")
        self.admin_map = route_map("")
        self.table = ROUTE_TABLE

    def _run(
        self, ctx: Ctx, family_handler: tuple[str, Handler], request: Request, path_args: Mapping[str, Any]
    ) -> Result:
        _, handler = family_handler
        body = parse_body(request) if request.method in ("POST", "PUT", "DELETE") else None
        return handler(ctx, request.args, body, **path_args)

    def api(self, request: Request) -> Response:
        app = self.app
        adapter = self.map.bind_to_environ(request.environ)
        try:
            name, path_args = adapter.match()
        except NotFound:
            return json_response({"errors": "Not Found"}, 404)
        except MethodNotAllowed:
            return json_response({"errors": "Method Not Allowed"}, 405)
        family, handler = self.table[str(name)]
        world = app.world
        config = world.config
        value = oauth.bearer(request.headers.get("Authorization"))
        with world.lock:
            token = oauth.resolve_access_token(world, value, app.clock.time())
            if token is None:
                return json_response(
                    {"errors": "Unauthorized"}, 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}
                )
            request.environ["haravan.orgid"] = token.orgid
            request.environ["haravan.client_id"] = token.client_id
        verdict = app.buckets.hit(
            (token.orgid, token.client_id),
            app.clock.time(),
            config.bucket_size,
            config.leak_rate,
            config.rate_limit_enabled,
        )
        headers = {"X-Haravan-Api-Call-Limit": verdict.header}
        if not verdict.allowed:
            headers["Retry-After"] = repr(round(verdict.retry_after, 3))  # float seconds, e.g. "2.0"
            return json_response(RATE_LIMITED_BODY, 429, headers)
        needed = required_scopes(family, request.method)
        if not any(s in token.scopes for s in needed):
            body = {"errors": f"Forbidden: this access token lacks the scope {needed[-1]}"}
            return json_response(body, 403, headers)
        try:
            with world.lock:
                shop = world.shops[token.orgid]
                ctx = Ctx(world, shop, app.now_ms(), token.client_id, app.hub.emit)
                status, data = self._run(ctx, (family, handler), request, path_args)
        except ApiError as err:
            return json_response(err.body, err.status, {**headers, **err.headers})
        return json_response(data, status, headers)

    def admin(self, request: Request, orgid: str, path: str) -> Response:
        """Run a ``/com`` call as the shop's own admin (what the Haravan back office does)."""
        app = self.app
        world = app.world
        adapter = self.admin_map.bind("emulator", path_info="/" + path, url_scheme="http")
        try:
            name, path_args = adapter.match(method=request.method)
        except NotFound:
            return json_response({"errors": "Not Found"}, 404)
        except MethodNotAllowed:
            return json_response({"errors": "Method Not Allowed"}, 405)
        try:
            with world.lock:
                shop = world.shop(orgid)
                if shop is None:
                    return json_response({"errors": f"unknown org {orgid}"}, 404)
                ctx = Ctx(world, shop, app.now_ms(), None, app.hub.emit)
                status, data = self._run(ctx, self.table[str(name)], request, path_args)
        except ApiError as err:
            return json_response(err.body, err.status, err.headers)
        return json_response(data, status)

    # -- webhook subscribe API ---------------------------------------------------------------
    def subscribe(self, request: Request) -> Response:
        app = self.app
        world = app.world
        value = oauth.bearer(request.headers.get("Authorization"))
        with world.lock:
            token = oauth.resolve_access_token(world, value, app.clock.time())
            if token is None:
                return json_response({"error": True, "message": "Unauthorized"}, 401)
            request.environ["haravan.orgid"] = token.orgid
            request.environ["haravan.client_id"] = token.client_id
            if "wh_api" not in token.scopes:
                return json_response(
                    {"error": True, "message": "Forbidden: the access token lacks the wh_api scope"}, 403
                )
            try:
                if request.method == "POST":
                    parse_body(request)  # accepted, ignored: topics come from the dashboard
                shop = world.shops[token.orgid]
                if request.method == "GET":
                    data = webhooks.subscription(world, shop, token.client_id)
                elif request.method == "POST":
                    data = webhooks.subscribe(world, shop, token.client_id, app.now_ms())
                else:
                    data = webhooks.unsubscribe(world, shop, token.client_id)
            except ApiError as err:
                body = (
                    err.body
                    if isinstance(err.body, dict) and "error" in err.body
                    else {"error": True, "message": str(err.body)}
                )
                return json_response(body, err.status)
        return json_response(data)


__all__ = ["ROUTES", "ComHttp"]
