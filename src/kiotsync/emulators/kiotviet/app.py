"""HTTP layer of the KiotViet emulator: token endpoint, business API routes, auth, rate limit.

Per request: match the route (case-insensitive literals), check ``Authorization: Bearer`` +
``Retailer`` (the token is bound to its shop), count GETs against the sliding-hour limit, then
run the handler under the state lock and flush the shop's webhook events. Business errors
(:class:`~.errors.KvError`) become the ``responseStatus`` envelope. Control-plane helpers live
in :mod:`.control`.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..common import ApiError, Clock, EmulatorApp, Request, Response, json_response
from . import (
    admin_pages,
    control,
    rules_catalog,
    rules_customers,
    rules_pricebooks,
    rules_products,
    rules_sales,
    rules_shop,
)
from . import serialize as ser
from .errors import (
    MSG_BULK_ADDED,
    MSG_BULK_UPDATED,
    MSG_DELETED,
    MSG_UPDATED,
    MSG_WEBHOOK_REMOVED,
    KvError,
    invalid,
    not_found,
    token_error,
)
from .listing import modified_since, page, sort_items
from .model import Product, Shop
from .params import Query, as_bool, as_int, lower_keys
from .router import NoRoute, Router
from .state import KvState
from .timefmt import fmt_local, fmt_offset
from .webhooks import KvWebhooks


@dataclass(slots=True)
class Ctx:
    shop: Shop
    q: Query
    body: Any
    now: int


_ENTITY_SORT: dict[str, Callable[[Any], Any]] = {
    "id": lambda x: x.id,
    "createddate": lambda x: x.created,
    "modifieddate": lambda x: x.modified if x.modified is not None else x.created,
}
PRODUCT_SORT = {
    **_ENTITY_SORT,
    "code": lambda p: p.code,
    "name": lambda p: p.name,
    "fullname": lambda p: p.name,
    "categoryid": lambda p: p.category_id,
    "baseprice": lambda p: p.base_price,
    "type": lambda p: p.type,
    "barcode": lambda p: p.bar_code,
}
CATEGORY_SORT = {
    **_ENTITY_SORT,
    "categoryid": lambda c: c.id,
    "categoryname": lambda c: c.name,
    "name": lambda c: c.name,
    "rank": lambda c: c.rank,
}
SALE_SORT = {
    **_ENTITY_SORT,
    "code": lambda s: s.code,
    "purchasedate": lambda s: s.purchase_date,
    "total": lambda s: s.total,
    "status": lambda s: s.status,
    "branchid": lambda s: s.branch_id,
}
CUSTOMER_SORT = {**_ENTITY_SORT, "code": lambda c: c.code, "name": lambda c: c.name}
NAMED_SORT = {**_ENTITY_SORT, "name": lambda x: x.name}
BRANCH_SORT = {
    **_ENTITY_SORT,
    "branchname": lambda b: b.name,
    "name": lambda b: b.name,
    "branchcode": lambda b: b.code,
}
USER_SORT = {**_ENTITY_SORT, "username": lambda u: u.user_name, "givenname": lambda u: u.given_name}


class KiotVietApp(EmulatorApp):
    name = "kiotviet"

    def __init__(self, clock: Clock | None = None) -> None:
        clock = clock or Clock()
        self.state = KvState(clock)
        super().__init__(clock)
        self.emitter = KvWebhooks(self.state, self.webhooks)
        self.router = Router()
        self._routes()

    # -- EmulatorApp hooks -----------------------------------------------------------------
    def error_response(self, err: ApiError) -> Response:
        body = err.body
        if body is None or not isinstance(body, dict) or "responseStatus" not in body:
            message = body.get("error") if isinstance(body, dict) else None
            body = KvError(err.status, str(message or f"HTTP {err.status}"), _code_for(err.status)).body()
        return json_response(body, err.status, err.headers)

    def not_found_response(self, request: Request) -> Response:
        return self._kv_error(
            KvError(404, f"Handler for Request not found: {request.method} {request.path}", "NotFound")
        )

    def control_reset(self) -> None:
        with self.state.lock:
            self.state.reset()

    def control_seed(self, body: dict[str, Any]) -> dict[str, Any]:
        return control.seed(self, body)

    def control_config(self) -> dict[str, Any]:
        with self.state.lock:
            return json.loads(json.dumps(self.state.config))

    def control_set_config(self, body: dict[str, Any]) -> None:
        with self.state.lock:
            self.state.set_config(body)

    def control_routes(self) -> list[tuple[str, list[str], Callable[..., Any]]]:
        return control.routes(self) + admin_pages.routes(self)

    def log_extra(self, request: Request) -> dict[str, Any]:
        return {"retailer": request.headers.get("Retailer")}

    # -- request handling ------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        if request.method == "GET" and request.path == "/":
            return admin_pages.index(self)  # emulator index: back office + control plane links
        try:
            if request.path.rstrip("/").lower() == "/connect/token":
                return self._token(request)
            try:
                handler, kwargs = self.router.match(request.method, request.path)
            except NoRoute as exc:
                if exc.method_not_allowed:
                    raise KvError(
                        405, f"Phương thức {request.method} không được hỗ trợ", "MethodNotAllowed"
                    ) from None
                raise KvError(
                    404, f"Handler for Request not found: {request.method} {request.path}", "NotFound"
                ) from None
            q = Query(request.args.items(multi=True))
            with self.state.lock:
                shop = self._auth(request)
                body = self._body(request)
                ctx = Ctx(shop, q, body, self.state.now())
                try:
                    result = handler(ctx, **kwargs)
                finally:
                    self.emitter.flush(shop)
            return json_response(ser.strip_nulls(result))
        except KvError as err:
            return self._kv_error(err)
        except Exception:  # a bug in the emulator: answer like a server fault, keep the trace
            traceback.print_exc(file=sys.stderr)
            return self._kv_error(KvError(500, "Lỗi hệ thống", "InternalServerError"))

    def _kv_error(self, err: KvError) -> Response:
        return json_response(err.body(), err.status, err.headers)

    @staticmethod
    def _body(request: Request) -> Any:
        if request.method not in ("POST", "PUT", "DELETE", "PATCH"):
            return {}
        raw = request.get_data(cache=True)
        if not raw or not raw.strip():
            return {}
        try:
            return lower_keys(json.loads(raw))
        except ValueError:
            raise invalid("Dữ liệu gửi lên không phải JSON hợp lệ") from None

    def _token(self, request: Request) -> Response:
        if request.method != "POST":
            return json_response({"error": "invalid_request"}, 405)
        form = request.form
        client_id = form.get("client_id")
        secret = form.get("client_secret")
        if not client_id and request.authorization is not None:
            client_id = request.authorization.username
            secret = request.authorization.password
        if form.get("grant_type") != "client_credentials":
            return json_response({"error": "unsupported_grant_type"}, 400)
        scope = form.get("scopes") or form.get("scope")
        with self.state.lock:
            shop = next((s for s in self.state.shops.values() if s.client_id == client_id), None)
            if shop is None or not secret or secret != shop.client_secret:
                return json_response({"error": "invalid_client"}, 400)
            if scope and "PublicApi.Access" not in scope.replace(",", " ").split():
                return json_response({"error": "invalid_scope"}, 400)
            ttl = int(self.state.config["token_ttl_s"])
            token = self.state.tokens.issue(shop.retailer, shop.client_id, self.clock.time(), ttl)
        return json_response(
            {"access_token": token, "expires_in": ttl, "token_type": "Bearer", "scope": "PublicApi.Access"}
        )

    def _auth(self, request: Request) -> Shop:
        auth = request.headers.get("Authorization", "")
        if not auth[:7].lower() == "bearer " or not auth[7:].strip():
            raise token_error("Thiếu access token")
        now_s = self.clock.time()
        info = self.state.tokens.check(auth[7:].strip(), now_s)
        retailer = (request.headers.get("Retailer") or "").strip()
        if not retailer:
            raise KvError(400, "Thiếu header Retailer", "ArgumentException")
        if retailer.lower() != info.retailer:
            raise token_error(f'Access token không thuộc về cửa hàng "{retailer}"')
        shop = self.state.shop(retailer)
        if shop is None:
            raise token_error("Cửa hàng không tồn tại")
        if request.method == "GET":
            cfg = self.state.config
            self.state.rate.hit(
                (info.retailer, info.client_id),
                now_s,
                int(cfg["rate_limit_get_per_hour"]),
                float(cfg["rate_limit_window_s"]),
            )
        return shop

    # -- helpers ---------------------------------------------------------------------------
    def _envelope(
        self,
        ctx: Ctx,
        items: list[Any],
        fn: Callable[[Any], dict[str, Any]],
        removed: list[int] | None = None,
    ) -> dict[str, Any]:
        cfg = self.state.config
        rows, total, size = page(items, ctx.q, int(cfg["page_size_default"]), int(cfg["page_size_max"]))
        env: dict[str, Any] = {"total": total, "pageSize": size, "data": [fn(x) for x in rows]}
        if removed is not None:
            env["removedIds"] = removed
        env["timestamp"] = fmt_offset(ctx.now)
        return env

    @staticmethod
    def _removed(shop: Shop, kind: str, since: int | None) -> list[int]:
        return [i for i, t in shop.tombstones[kind].items() if since is None or t >= since]

    # -- routes ----------------------------------------------------------------------------
    def _routes(self) -> None:
        r = self.router.add
        r("GET", "/branches", self.list_branches)
        r("GET", "/users", self.list_users)
        r("GET", "/categories", self.list_categories)
        r("GET", "/categories/{cid:int}", self.get_category)
        r("POST", "/categories", self.create_category)
        r("PUT", "/categories/{cid:int}", self.update_category)
        r("DELETE", "/categories/{cid:int}", self.delete_category)
        r("GET", "/products", self.list_products)
        r("GET", "/products/code", self.get_product_by_code_query)
        r("GET", "/products/code/{code:path}", self.get_product_by_code)
        r("GET", "/products/{pid:int}", self.get_product)
        r("POST", "/products", self.create_product)
        r("PUT", "/products/{pid:int}", self.update_product)
        r("DELETE", "/products/{pid:int}", self.delete_product)
        r("POST", "/listaddproducts", self.bulk_add_products)
        r("PUT", "/listupdatedproducts", self.bulk_update_products)
        r("GET", "/attributes/allwithdistinctvalue", self.list_attributes)
        r("GET", "/productOnHands", self.list_on_hands)
        r("GET", "/pricebooks", self.list_pricebooks)
        r("GET", "/pricebooks/{pbid:int}", self.get_pricebook_lines)
        r("POST", "/pricebooks/detail", self.set_price)
        r("GET", "/customers", self.list_customers)
        r("GET", "/customers/code/{code:path}", self.get_customer_by_code)
        r("GET", "/customers/{cid:int}", self.get_customer)
        r("POST", "/customers", self.create_customer)
        r("PUT", "/customers/{cid:int}", self.update_customer)
        r("DELETE", "/customers/{cid:int}", self.delete_customer)
        r("POST", "/listaddcutomers", self.bulk_add_customers)
        r("PUT", "/listupdatecustomers", self.bulk_update_customers)
        r("GET", "/orders", self.list_orders)
        r("GET", "/orders/code/{code:path}", self.get_order_by_code)
        r("GET", "/orders/{oid:int}", self.get_order)
        r("POST", "/orders", self.create_order)
        r("PUT", "/orders/{oid:int}", self.update_order)
        r("DELETE", "/orders/{oid:int}", self.cancel_order)
        r("GET", "/invoices", self.list_invoices)
        r("GET", "/invoices/code/{code:path}", self.get_invoice_by_code)
        r("GET", "/invoices/{iid:int}", self.get_invoice)
        r("POST", "/invoices", self.create_invoice)
        r("PUT", "/invoices/{iid:int}", self.update_invoice)
        r("DELETE", "/invoices/{iid:int}", self.cancel_invoice)
        r("DELETE", "/invoices", self.cancel_invoice_body)
        r("GET", "/salechannel", self.list_sale_channels)
        r("GET", "/surchages", self.list_surcharges)
        r("POST", "/surchages", self.create_surcharge)
        r("PUT", "/surchages/{sid:int}", self.update_surcharge)
        r("POST", "/surchages/{sid:int}/activesurchage", self.activate_surcharge)
        r("GET", "/settings", self.get_settings)
        r("GET", "/webhooks", self.list_webhooks)
        r("GET", "/webhooks/{wid:int}", self.get_webhook)
        r("POST", "/webhooks", self.register_webhook)
        r("DELETE", "/webhooks/{wid:int}", self.delete_webhook)

    # -- branches, users -------------------------------------------------------------------
    def list_branches(self, ctx: Ctx) -> Any:
        since = ctx.q.date("lastmodifiedfrom")
        items = [b for b in ctx.shop.branches.values() if modified_since(b.created, b.modified, since)]
        sort_items(items, ctx.q, BRANCH_SORT)
        removed = self._removed(ctx.shop, "branches", since) if ctx.q.flag("includeremoveids") else None
        return self._envelope(ctx, items, lambda b: ser.branch(ctx.shop, b), removed)

    def list_users(self, ctx: Ctx) -> Any:
        since = ctx.q.date("lastmodifiedfrom")
        items = [
            u
            for u in ctx.shop.users.values()
            if not u.hidden and modified_since(u.created, u.modified, since)
        ]
        sort_items(items, ctx.q, USER_SORT)
        removed = self._removed(ctx.shop, "users", since) if ctx.q.flag("includeremoveids") else None
        return self._envelope(ctx, items, lambda u: ser.user(ctx.shop, u), removed)

    # -- categories ------------------------------------------------------------------------
    def list_categories(self, ctx: Ctx) -> Any:
        shop, q = ctx.shop, ctx.q
        since = q.date("lastmodifiedfrom")
        tree = q.flag("hierachicaldata") or q.flag("hierarchicaldata")
        if tree:
            items = [c for c in shop.categories.values() if c.parent_id is None]
        else:
            items = [c for c in shop.categories.values() if modified_since(c.created, c.modified, since)]
        sort_items(items, q, CATEGORY_SORT, default="categoryname")
        removed = self._removed(shop, "categories", None if tree else since)
        return self._envelope(ctx, items, lambda c: ser.category(shop, c, tree), removed)

    def get_category(self, ctx: Ctx, cid: int) -> Any:
        cat = ctx.shop.categories.get(cid)
        if cat is None:
            raise not_found("nhóm hàng")
        return {"data": ser.category(ctx.shop, cat, True)}

    def create_category(self, ctx: Ctx) -> Any:
        cat = rules_catalog.create_category(ctx.shop, ctx.body, ctx.now)
        return {"message": MSG_UPDATED, "data": ser.category(ctx.shop, cat)}

    def update_category(self, ctx: Ctx, cid: int) -> Any:
        cat = rules_catalog.update_category(ctx.shop, cid, ctx.body, ctx.now)
        return {"message": MSG_UPDATED, "data": ser.category(ctx.shop, cat)}

    def delete_category(self, ctx: Ctx, cid: int) -> Any:
        rules_catalog.delete_category(ctx.shop, cid, ctx.now)
        return {"message": MSG_DELETED}

    # -- products --------------------------------------------------------------------------
    def list_products(self, ctx: Ctx) -> Any:
        shop, q = ctx.shop, ctx.q
        since = q.date("lastmodifiedfrom")
        category = q.integer("categoryid")
        categories = shop.category_descendants(category) if category else None
        master_product = q.integer("masterproductid")
        master_unit = q.integer("masterunitid")
        trade_mark = q.integer("trademarkid")
        product_type = q.integer("producttype")
        active = q.flag("isactive") if q.get("isactive") not in (None, "") else None
        name = (q.get("name") or "").strip().casefold()

        checks: list[Callable[[Product], bool]] = []
        if since is not None:
            checks.append(lambda p: p.modified >= since)
        if categories is not None:
            checks.append(lambda p: p.category_id in categories)
        if master_product:
            checks.append(lambda p: p.id == master_product or p.master_product_id == master_product)
        if master_unit:
            checks.append(lambda p: p.id == master_unit or p.master_unit_id == master_unit)
        if trade_mark:
            checks.append(lambda p: p.trade_mark_id == trade_mark)
        if product_type:
            checks.append(lambda p: p.type == product_type)
        if active is not None:
            checks.append(lambda p: p.is_active == active)
        if name:
            checks.append(lambda p: name in p.name.casefold())

        def keep(p: Product) -> bool:
            return all(check(p) for check in checks)

        items = [p for p in shop.products.values() if keep(p)] if checks else list(shop.products.values())
        sort_items(items, q, PRODUCT_SORT)
        branch_ids = q.ints("branchids")
        opts = self._product_opts(q, default_all=False)
        removed = self._removed(shop, "products", since) if q.flag("includeremoveids") else None
        return self._envelope(
            ctx,
            items,
            lambda p: ser.product(shop, p, branch_ids=set(branch_ids) if branch_ids else None, **opts),
            removed,
        )

    @staticmethod
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

    def _product_detail(self, ctx: Ctx, p: Product) -> dict[str, Any]:
        return ser.product(ctx.shop, p, **self._product_opts(ctx.q, default_all=True))

    def get_product(self, ctx: Ctx, pid: int) -> Any:
        p = ctx.shop.products.get(pid)
        if p is None:
            raise not_found("hàng hóa")
        return self._product_detail(ctx, p)

    def get_product_by_code(self, ctx: Ctx, code: str) -> Any:
        p = ctx.shop.product_by_code_ci(code)
        if p is None:
            raise not_found("hàng hóa")
        return self._product_detail(ctx, p)

    def get_product_by_code_query(self, ctx: Ctx) -> Any:
        code = ctx.q.get("code")
        pid = ctx.q.integer("id")
        p = rules_products.find_product(ctx.shop, pid, code)
        return self._product_detail(ctx, p)

    def create_product(self, ctx: Ctx) -> Any:
        p = rules_products.create_product(ctx.shop, _require_dict(ctx.body), ctx.now)
        return ser.product(ctx.shop, p, inventories=True)

    def update_product(self, ctx: Ctx, pid: int) -> Any:
        p = rules_products.update_product(ctx.shop, pid, _require_dict(ctx.body), ctx.now)
        return ser.product(ctx.shop, p, inventories=True)

    def delete_product(self, ctx: Ctx, pid: int) -> Any:
        rules_products.delete_product(ctx.shop, pid, ctx.now)
        return {"message": MSG_DELETED}

    def bulk_add_products(self, ctx: Ctx) -> Any:
        items = _require_list(ctx.body, "listproducts")
        rules_products.validate_codes(ctx.shop, items)
        for item in items:
            rules_products.create_product(ctx.shop, item, ctx.now)
        return {"message": MSG_BULK_ADDED}

    def bulk_update_products(self, ctx: Ctx) -> Any:
        items = _require_list(ctx.body, "listproducts")
        targets = []
        for item in items:
            p = rules_products.find_product(
                ctx.shop, item.get("id"), item.get("code") if not item.get("id") else None
            )
            targets.append((p.id, item))
        rules_products.validate_codes(ctx.shop, [{**item, "id": pid} for pid, item in targets])
        for pid, item in targets:
            rules_products.update_product(ctx.shop, pid, item, ctx.now)
        return {"message": MSG_BULK_UPDATED}

    def list_attributes(self, ctx: Ctx) -> Any:
        return rules_catalog.attributes_catalogue(ctx.shop)

    def list_on_hands(self, ctx: Ctx) -> Any:
        shop, q = ctx.shop, ctx.q
        since = q.date("lastmodifiedfrom")
        items = [
            p for p in shop.products.values() if since is None or max(p.modified, p.stock_modified) >= since
        ]
        keys = {**PRODUCT_SORT, "modifieddate": lambda p: max(p.modified, p.stock_modified)}
        sort_items(items, q, keys)
        branch_ids = q.ints("branchids")
        wanted = set(branch_ids) if branch_ids else None
        return self._envelope(ctx, items, lambda p: ser.product_on_hands(shop, p, wanted))

    # -- price books -----------------------------------------------------------------------
    def list_pricebooks(self, ctx: Ctx) -> Any:
        shop, q = ctx.shop, ctx.q
        since = q.date("lastmodifiedfrom")
        items = [pb for pb in shop.pricebooks.values() if modified_since(pb.created, pb.modified, since)]
        sort_items(items, q, NAMED_SORT)
        flags = (
            q.flag("includepricebookbranch"),
            q.flag("includepricebookcustomergroups"),
            q.flag("includepricebookusers"),
        )
        return self._envelope(ctx, items, lambda pb: ser.pricebook(shop, pb, *flags))

    def get_pricebook_lines(self, ctx: Ctx, pbid: int) -> Any:
        shop = ctx.shop
        pb = shop.pricebooks.get(pbid)
        if pb is None:
            raise not_found("bảng giá")
        lines = sorted(pb.lines.items())
        cfg = self.state.config
        rows, total, size = page(lines, ctx.q, int(cfg["page_size_default"]), int(cfg["page_size_max"]))
        data = [
            {
                "productId": pid,
                "productCode": shop.products[pid].code if pid in shop.products else None,
                "price": ser.num(price),
            }
            for pid, price in rows
        ]
        return {"total": total, "pageSize": size, "data": data}

    def set_price(self, ctx: Ctx) -> Any:
        rules_pricebooks.set_price(ctx.shop, _require_dict(ctx.body), ctx.now)
        return {"message": "Cập nhật giá thành công", "isSuccess": True}

    # -- customers -------------------------------------------------------------------------
    def list_customers(self, ctx: Ctx) -> Any:
        shop, q = ctx.shop, ctx.q
        since = q.date("lastmodifiedfrom")
        code = (q.get("code") or "").strip() or None
        name = (q.get("name") or "").strip() or None
        phone = rules_customers.digits(q.get("contactnumber") or "") or None
        group = q.integer("groupid")
        birth = q.date("birthdate")
        birth_day = (fmt_local(birth) or "")[:10] if birth is not None else None
        items = []
        for c in shop.customers.values():
            if not modified_since(c.created, c.modified, since):
                continue
            if not rules_customers.matches(c, code, name, phone):
                continue
            if group and group not in c.group_ids:
                continue
            if birth_day and (c.birth_date is None or (fmt_local(c.birth_date) or "")[:10] != birth_day):
                continue
            items.append(c)
        sort_items(items, q, CUSTOMER_SORT)
        totals = q.flag("includetotal")
        groups = q.flag("includecustomergroup")
        removed = self._removed(shop, "customers", since) if q.flag("includeremoveids") else None

        def one(c: Any) -> dict[str, Any]:
            d = ser.customer(shop, c, totals)
            if groups:
                d["groups"] = ""
            return d

        return self._envelope(ctx, items, one, removed)

    def _customer_detail(self, ctx: Ctx, c: Any) -> dict[str, Any]:
        d = ser.customer(ctx.shop, c, True)
        d["groups"] = ""
        d["customerGroupDetails"] = [
            {"id": c.id * 10 + i, "customerId": c.id, "groupId": g} for i, g in enumerate(c.group_ids)
        ]
        return d

    def get_customer(self, ctx: Ctx, cid: int) -> Any:
        return self._customer_detail(ctx, rules_customers.find_customer(ctx.shop, cid))

    def get_customer_by_code(self, ctx: Ctx, code: str) -> Any:
        return self._customer_detail(ctx, rules_customers.find_customer(ctx.shop, None, code))

    def create_customer(self, ctx: Ctx) -> Any:
        c = rules_customers.create_customer(ctx.shop, _require_dict(ctx.body), ctx.now)
        return {"message": MSG_UPDATED, "data": self._customer_detail(ctx, c)}

    def update_customer(self, ctx: Ctx, cid: int) -> Any:
        c = rules_customers.update_customer(ctx.shop, cid, _require_dict(ctx.body), ctx.now)
        return {"message": MSG_UPDATED, "data": self._customer_detail(ctx, c)}

    def delete_customer(self, ctx: Ctx, cid: int) -> Any:
        rules_customers.delete_customer(ctx.shop, cid, ctx.now)
        return {"message": MSG_DELETED}

    def bulk_add_customers(self, ctx: Ctx) -> Any:
        for item in _require_list(ctx.body, "listcustomers"):
            rules_customers.create_customer(ctx.shop, item, ctx.now)
        return {"message": "Thêm mới danh sách khách hàng thành công"}

    def bulk_update_customers(self, ctx: Ctx) -> Any:
        for item in _require_list(ctx.body, "listcustomers"):
            c = rules_customers.find_customer(ctx.shop, item.get("id"), item.get("code"))
            rules_customers.update_customer(ctx.shop, c.id, item, ctx.now)
        return {"message": "Cập nhật danh sách khách hàng thành công"}

    # -- orders ----------------------------------------------------------------------------
    def _sale_filter(self, ctx: Ctx, items: list[Any], invoices: bool) -> list[Any]:
        q = ctx.q
        since = q.date("lastmodifiedfrom")
        to_date = q.date("todate")
        created_from = q.date("createddate")
        branches = set(q.ints("branchids") or [])
        customers = set(q.ints("customerids") or [])
        statuses = set(q.ints("status") or [])
        channel = q.integer("salechannelid")
        customer_code = (q.get("customercode") or "").strip().lower()
        from_purchase = q.date("frompurchasedate") if invoices else None
        to_purchase = q.date("topurchasedate") if invoices else None
        order_id = q.integer("orderid") if invoices else None
        shop = ctx.shop
        out = []
        for s in items:
            if since is not None and s.modified < since:
                continue
            if to_date is not None and s.modified > to_date:
                continue
            if created_from is not None and s.created < created_from:
                continue
            if branches and s.branch_id not in branches:
                continue
            if customers and s.customer_id not in customers:
                continue
            if statuses and s.status not in statuses:
                continue
            if channel and s.sale_channel_id != channel:
                continue
            if customer_code:
                cust = shop.customers.get(s.customer_id) if s.customer_id is not None else None
                if cust is None or cust.code.lower() != customer_code:
                    continue
            if from_purchase is not None and s.purchase_date < from_purchase:
                continue
            if to_purchase is not None and s.purchase_date > to_purchase:
                continue
            if order_id and s.order_id != order_id:
                continue
            out.append(s)
        sort_items(out, q, SALE_SORT)
        return out

    def list_orders(self, ctx: Ctx) -> Any:
        items = self._sale_filter(ctx, list(ctx.shop.orders.values()), invoices=False)
        payments = ctx.q.flag("includepayment")
        delivery = ctx.q.flag("includeorderdelivery")
        return self._envelope(ctx, items, lambda o: ser.order(ctx.shop, o, payments, delivery))

    def _order_detail(self, ctx: Ctx, oid: int) -> dict[str, Any]:
        o = rules_sales.get_order(ctx.shop, oid)
        d = ser.order(ctx.shop, o, True, True)
        d["method"] = o.method
        return d

    def get_order(self, ctx: Ctx, oid: int) -> Any:
        return self._order_detail(ctx, oid)

    def get_order_by_code(self, ctx: Ctx, code: str) -> Any:
        oid = ctx.shop.order_by_code.get(code.strip().lower())
        if oid is None:
            raise not_found("đơn đặt hàng")
        return self._order_detail(ctx, oid)

    def create_order(self, ctx: Ctx) -> Any:
        o = rules_sales.create_order(ctx.shop, _require_dict(ctx.body), ctx.now)
        return self._order_detail(ctx, o.id)

    def update_order(self, ctx: Ctx, oid: int) -> Any:
        o = rules_sales.update_order(ctx.shop, oid, _require_dict(ctx.body), ctx.now)
        return self._order_detail(ctx, o.id)

    def cancel_order(self, ctx: Ctx, oid: int) -> Any:
        void = ctx.q.flag("isvoidpayment") or as_bool(ctx.body.get("isvoidpayment", False), "isVoidPayment")
        rules_sales.cancel_order(ctx.shop, oid, void, ctx.now)
        return {"message": MSG_DELETED}

    # -- invoices --------------------------------------------------------------------------
    def list_invoices(self, ctx: Ctx) -> Any:
        items = self._sale_filter(ctx, list(ctx.shop.invoices.values()), invoices=True)
        payments = ctx.q.flag("includepayment")
        delivery = ctx.q.flag("includeinvoicedelivery")
        channel = ctx.q.flag("salechannel")
        return self._envelope(ctx, items, lambda i: ser.invoice(ctx.shop, i, payments, delivery, channel))

    def _invoice_detail(self, ctx: Ctx, iid: int, with_detail_key: bool = False) -> dict[str, Any]:
        inv = rules_sales.get_invoice(ctx.shop, iid)
        d = ser.invoice(ctx.shop, inv, True, True, ctx.q.flag("salechannel"))
        if with_detail_key and d.get("invoiceDelivery") is not None:
            d["deliveryDetail"] = d["invoiceDelivery"]
        return d

    def get_invoice(self, ctx: Ctx, iid: int) -> Any:
        return self._invoice_detail(ctx, iid)

    def get_invoice_by_code(self, ctx: Ctx, code: str) -> Any:
        iid = ctx.shop.invoice_by_code.get(code.strip().lower())
        if iid is None:
            raise not_found("hóa đơn")
        return self._invoice_detail(ctx, iid)

    def create_invoice(self, ctx: Ctx) -> Any:
        inv = rules_sales.create_invoice(ctx.shop, _require_dict(ctx.body), ctx.now)
        return self._invoice_detail(ctx, inv.id, with_detail_key=True)

    def update_invoice(self, ctx: Ctx, iid: int) -> Any:
        inv = rules_sales.update_invoice(ctx.shop, iid, _require_dict(ctx.body), ctx.now)
        return self._invoice_detail(ctx, inv.id, with_detail_key=True)

    def cancel_invoice(self, ctx: Ctx, iid: int) -> Any:
        void = ctx.q.flag("isvoidpayment") or as_bool(ctx.body.get("isvoidpayment", False), "isVoidPayment")
        inv = rules_sales.cancel_invoice(ctx.shop, iid, void, ctx.now)
        return self._invoice_detail(ctx, inv.id)

    def cancel_invoice_body(self, ctx: Ctx) -> Any:
        body = _require_dict(ctx.body)
        raw = body.get("id") if body.get("id") not in (None, "") else ctx.q.get("id")
        if raw in (None, ""):
            raise invalid("Id hóa đơn không được để trống", "id")
        return self.cancel_invoice(ctx, as_int(raw, "id"))

    # -- misc ------------------------------------------------------------------------------
    def list_sale_channels(self, ctx: Ctx) -> Any:
        since = ctx.q.date("lastmodifiedfrom")
        items = [c for c in ctx.shop.sale_channels.values() if modified_since(c.created, c.modified, since)]
        sort_items(items, ctx.q, {**NAMED_SORT, "position": lambda c: c.position})
        return self._envelope(ctx, items, lambda c: ser.sale_channel(ctx.shop, c))

    def list_surcharges(self, ctx: Ctx) -> Any:
        items = list(ctx.shop.surcharges.values())
        sort_items(items, ctx.q, {**NAMED_SORT, "code": lambda s: s.code})
        return self._envelope(ctx, items, lambda s: ser.surcharge(ctx.shop, s))

    def create_surcharge(self, ctx: Ctx) -> Any:
        sc = rules_shop.create_surcharge(ctx.shop, _require_dict(ctx.body), ctx.now)
        return {"message": MSG_UPDATED, "data": ser.surcharge(ctx.shop, sc)}

    def update_surcharge(self, ctx: Ctx, sid: int) -> Any:
        sc = rules_shop.update_surcharge(ctx.shop, sid, _require_dict(ctx.body), ctx.now)
        return {"message": MSG_UPDATED, "data": ser.surcharge(ctx.shop, sc)}

    def activate_surcharge(self, ctx: Ctx, sid: int) -> Any:
        sc = rules_shop.activate_surcharge(ctx.shop, sid, _require_dict(ctx.body), ctx.now)
        return {"message": MSG_UPDATED, "data": ser.surcharge(ctx.shop, sc)}

    def get_settings(self, ctx: Ctx) -> Any:
        return rules_shop.settings_view(ctx.shop)

    # -- webhooks --------------------------------------------------------------------------
    def list_webhooks(self, ctx: Ctx) -> Any:
        items = list(ctx.shop.webhooks.values())
        sort_items(items, ctx.q, {**_ENTITY_SORT, "type": lambda w: w.type})
        cfg = self.state.config
        rows, total, size = page(items, ctx.q, int(cfg["page_size_default"]), int(cfg["page_size_max"]))
        return {"total": total, "pageSize": size, "data": [ser.webhook(ctx.shop, w) for w in rows]}

    def get_webhook(self, ctx: Ctx, wid: int) -> Any:
        w = ctx.shop.webhooks.get(wid)
        if w is None:
            raise not_found("webhook")
        return ser.webhook(ctx.shop, w)

    def register_webhook(self, ctx: Ctx) -> Any:
        w = rules_shop.register_webhook(ctx.shop, _require_dict(ctx.body), ctx.now)
        return ser.webhook(ctx.shop, w, with_dates=False)

    def delete_webhook(self, ctx: Ctx, wid: int) -> Any:
        rules_shop.delete_webhook(ctx.shop, wid)
        return {"message": MSG_WEBHOOK_REMOVED}


def _require_dict(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise invalid("Dữ liệu gửi lên phải là một đối tượng JSON")
    return body


def _require_list(body: Any, key: str) -> list[dict[str, Any]]:
    items = _require_dict(body).get(key)
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise invalid(f"{key} phải là một danh sách", key)
    return items


def _code_for(status: int) -> str:
    return {
        400: "BadRequest",
        401: "TokenException",
        403: "Forbidden",
        404: "NotFound",
        405: "MethodNotAllowed",
        429: "RateLimitExceeded",
    }.get(status, "InternalServerError" if status >= 500 else "Error")
