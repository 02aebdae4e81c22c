"""Control plane of the Haravan emulator: seed, app registration, and admin-side actions.

These stand in for what a person does in the partner dashboard or the shop's own admin, where
the real API offers no way (listed in :mod:`.guide`).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

from ..common import ApiError, Request, Response, read_json
from .context import Ctx
from .enums import ALL_TOPICS, TOPICS
from .model import App, User
from .oauth import revoke_app_tokens
from .order_state import outstanding
from .presets import DEMO_LOCATIONS, add_locations, load_bulk, load_demo, new_shop, shop_identity
from .rules_fulfillments import create_fulfillment, update_fulfillment
from .rules_inventory import adjust_or_set
from .rules_orders import cancel_order, create_order
from .rules_payments import create_transaction
from .runtime import Runtime
from .serialize import adjustment as adjustment_json
from .serialize import balance as balance_json
from .serialize import customer as customer_json
from .serialize import fulfillment as fulfillment_json
from .serialize import location as location_json
from .serialize import order as order_json
from .serialize import product as product_json
from .serialize import shop as shop_json
from .serialize import transaction as transaction_json
from .store import Shop, World
from .timeutil import iso
from .webhooks import handshake


def _err(status: int, message: str, **extra: Any) -> ApiError:
    return ApiError(status, {"error": message, **extra})


def app_view(app: App) -> dict[str, Any]:
    return {
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "name": app.name,
        "redirect_uris": list(app.redirect_uris),
        "webhook_url": app.webhook_url,
        "webhook_verify_token": app.webhook_verify_token,
        "topics": list(app.topics),
        "webhook_verified": app.webhook_verified_at is not None,
    }


class Control:
    def __init__(self, rt: Runtime, com_admin: Callable[[Request, str, str], Response]) -> None:
        self.rt = rt
        self.com_admin = com_admin  # runs a /com call as the shop's own admin

    @property
    def world(self) -> World:
        return self.rt.world

    def routes(self) -> list[tuple[str, list[str], Any]]:
        return [
            ("/apps", ["GET", "POST"], self.apps),
            ("/uninstall", ["POST"], self.uninstall),
            ("/emit", ["POST"], self.emit),
            ("/shops", ["GET"], self.shops),
            ("/shops/<orgid>", ["GET"], self.shop_summary),
            ("/shops/<orgid>/com/<path:path>", ["GET", "POST", "PUT", "DELETE"], self.admin_com),
            ("/shops/<orgid>/web_orders", ["POST"], self.web_order),
            ("/shops/<orgid>/orders/<int:order_id>/fulfill", ["POST"], self.fulfil),
            ("/shops/<orgid>/orders/<int:order_id>/carrier", ["POST"], self.carrier),
            ("/shops/<orgid>/orders/<int:order_id>/cancel", ["POST"], self.cancel),
            ("/shops/<orgid>/orders/<int:order_id>/pay", ["POST"], self.pay),
            ("/shops/<orgid>/inventory", ["POST"], self.inventory),
        ]

    # -- apps (partner dashboard) ----------------------------------------------------------
    def _app_spec(self, body: dict[str, Any], rng: random.Random | None) -> tuple[App, bool]:
        """The app as it would be after saving ``body``; second item: needs a handshake."""
        world = self.world
        client_id = str(body.get("client_id") or (f"{rng.getrandbits(128):032x}" if rng else ""))
        if not client_id:
            raise _err(400, "client_id is required")
        current = world.apps.get(client_id)
        secret_default = (
            current.client_secret
            if current
            else (f"{rng.getrandbits(256):064x}" if rng else f"{random.getrandbits(256):064x}")
        )
        topics = body.get("topics")
        if topics is None:
            topics = current.topics if current else list(TOPICS)
        unknown = [t for t in topics if t not in ALL_TOPICS]
        if unknown:
            raise _err(422, f"unknown webhook topics: {unknown}")
        app = App(
            client_id=client_id,
            client_secret=str(body.get("client_secret") or secret_default),
            name=str(body.get("name") or (current.name if current else "KiotSync")),
            redirect_uris=list(body["redirect_uris"])
            if "redirect_uris" in body
            else (current.redirect_uris if current else []),
            webhook_url=body.get("webhook_url", current.webhook_url if current else None),
            webhook_verify_token=body.get(
                "webhook_verify_token", current.webhook_verify_token if current else None
            ),
            topics=list(topics),
            webhook_verified_at=current.webhook_verified_at if current else None,
        )
        if app.webhook_url and not app.webhook_verify_token:
            raise _err(422, "webhook_verify_token is required with webhook_url")
        changed = current is None or (current.webhook_url, current.webhook_verify_token) != (
            app.webhook_url,
            app.webhook_verify_token,
        )
        if not app.webhook_url:
            app.webhook_verified_at = None
            return app, False
        if body.get("verify") is False:
            app.webhook_verified_at = self.rt.now_ms()
            return app, False
        return app, changed or app.webhook_verified_at is None

    def _verify(self, app: App, needed: bool) -> dict[str, Any] | None:
        if not needed:
            return None
        assert app.webhook_url and app.webhook_verify_token
        result = handshake(self.rt.dispatcher, app.webhook_url, app.webhook_verify_token)
        if not result["verified"]:
            raise _err(422, "webhook verification failed; registration refused", webhook=result)
        app.webhook_verified_at = self.rt.now_ms()
        return result

    def apps(self, request: Request) -> Any:
        if request.method == "GET":
            with self.world.lock:
                return {"apps": [app_view(a) for a in self.world.apps.values()]}
        body = read_json(request) or {}
        with self.world.lock:
            app, needed = self._app_spec(body, None)
        result = self._verify(app, needed)  # outside the lock: the callback may call us back
        with self.world.lock:
            self.world.apps[app.client_id] = app
        return {**app_view(app), "webhook": result}

    # -- seed ------------------------------------------------------------------------------
    def seed(self, body: dict[str, Any]) -> dict[str, Any]:
        preset = str(body.get("preset", "demo"))
        if preset not in ("demo", "empty"):
            raise _err(400, f"unknown preset {preset!r} (demo|empty)")
        seed = int(body.get("seed", 1))
        app_body = dict(body.get("app") or {})
        app_body.setdefault("client_id", None)
        overrides = dict(body.get("shop") or {})
        app_rng = random.Random(f"haravan-app-{seed}")
        with self.world.lock:
            app, needed = self._app_spec({k: v for k, v in app_body.items() if v is not None}, app_rng)
        result = self._verify(app, needed)
        with self.world.lock:
            world = self.world
            world.apps[app.client_id] = app
            rng = random.Random(f"haravan-shop-{seed}")
            ident = shop_identity(world, rng, seed, overrides)
            world.ids.reserve("org", ident["orgid"])
            now = self.rt.now_ms()
            owner = self._user(
                overrides.get("owner_email") or f"chu.{ident['orgsub']}@example.vn",
                overrides.get("owner_password") or f"Hv-{rng.getrandbits(32):08x}",
                ("Minh", "Phạm"),
            )
            staff = self._user(
                overrides.get("staff_email") or f"nhanvien.{ident['orgsub']}@example.vn",
                overrides.get("staff_password") or f"Hv-{rng.getrandbits(32):08x}",
                ("Lan", "Võ Thị"),
            )
            shop = new_shop(world, ident, owner.id, now)
            world.shops[shop.id] = shop
            owner.memberships[shop.id] = "admin"
            staff.memberships.setdefault(shop.id, "staff")
            ctx = Ctx(world, shop, now, None)
            if overrides.get("locations"):
                specs = [{"name": str(n)} for n in overrides["locations"]]
            else:
                specs = DEMO_LOCATIONS if preset == "demo" else DEMO_LOCATIONS[:1]
            add_locations(ctx, [dict(s) for s in specs])
            if preset == "demo":
                load_demo(ctx, rng)
            if body.get("bulk"):
                load_bulk(ctx, dict(body["bulk"]), rng)
            return {
                "client_id": app.client_id,
                "client_secret": app.client_secret,
                "orgid": str(shop.id),
                "orgname": shop.name,
                "orgsub": shop.orgsub,
                "owner": {"email": owner.email, "password": owner.password},
                "staff": {"email": staff.email, "password": staff.password},
                "locations": [
                    {"id": loc.id, "name": loc.name, "is_primary": loc.is_primary}
                    for loc in shop.locations.values()
                ],
                "products": len(shop.products),
                "orders": len(shop.orders),
                "app": app_view(app),
                "webhook": result,
            }

    def _user(self, email: str, password: str, names: tuple[str, str]) -> User:
        world = self.world
        existing = world.user_by_email(email)
        if existing is not None:
            return existing
        user = User(world.ids.next("user"), email.strip().lower(), password, names[0], names[1])
        world.add_user(user)
        return user

    # -- installs --------------------------------------------------------------------------
    def _shop(self, orgid: Any) -> Shop:
        shop = self.world.shop(orgid)
        if shop is None:
            raise _err(404, f"unknown org {orgid}")
        return shop

    def uninstall(self, request: Request) -> Any:
        body = read_json(request) or {}
        with self.world.lock:
            shop = self._shop(body.get("orgid"))
            client_id = str(body.get("client_id") or "")
            app = self.world.apps.get(client_id)
            if app is None:
                raise _err(404, f"unknown client_id {client_id}")
            was_installed = shop.installs.pop(client_id, None) is not None
            notified = (
                client_id in shop.subscriptions
                and app.webhook_url is not None
                and "app/uninstalled" in app.topics
            )
            if notified:
                owner = self.world.users.get(shop.owner_id)
                payload = {
                    **shop_json(shop, owner.name if owner else ""),
                    "org_id": shop.id,
                    "client_id": client_id,
                    "uninstalled_at": iso(self.rt.now_ms()),
                }
                self.rt.hub.deliver(
                    app, shop.id, "app/uninstalled", json.dumps(payload, ensure_ascii=False).encode("utf-8")
                )
            shop.subscriptions.pop(client_id, None)
            revoked = revoke_app_tokens(self.world, shop.id, client_id)
        return {"uninstalled": was_installed, "revoked_tokens": revoked, "notified": notified}

    def emit(self, request: Request) -> Any:
        body = read_json(request) or {}
        topic = str(body.get("topic") or "")
        with self.world.lock:
            shop = self._shop(body.get("orgid"))
            payload = self._payload(shop, topic, body)
            client_id = body.get("client_id")
            if client_id:
                app = self.world.apps.get(str(client_id))
                if app is None or not app.webhook_url:
                    raise _err(422, f"app {client_id} has no webhook URL")
                self.rt.hub.deliver(
                    app, shop.id, topic, json.dumps(payload, ensure_ascii=False).encode("utf-8")
                )
                return {"enqueued": 1}
            before = self.rt.dispatcher.pending()
            self.rt.hub.emit(shop, topic, lambda: payload)
            return {"enqueued": self.rt.dispatcher.pending() - before}

    def _payload(self, shop: Shop, topic: str, body: dict[str, Any]) -> dict[str, Any]:
        if topic not in ALL_TOPICS:
            raise _err(422, f"unknown topic {topic!r}")
        if isinstance(body.get("payload"), dict):
            return dict(body["payload"])
        family = topic.split("/")[0]
        rid = int(body.get("id") or 0)
        if family in ("orders", "refunds"):
            order = shop.orders.get(rid)
            if order is None:
                raise _err(404, f"order {rid} not found")
            return order_json(shop, order)
        if family == "products":
            if topic in ("products/deleted", "products/delete"):
                return {"id": rid}
            product = shop.products.get(rid)
            if product is None:
                raise _err(404, f"product {rid} not found")
            return product_json(shop, product)
        if family == "customers":
            customer = shop.customers.get(rid)
            if customer is None:
                raise _err(404, f"customer {rid} not found")
            return customer_json(customer)
        if family.startswith("inventorylocationbalances"):
            bal = shop.balances_by_id.get(rid)
            if bal is None:
                raise _err(404, f"inventory_location {rid} not found")
            return balance_json(bal)
        owner = self.world.users.get(shop.owner_id)
        return shop_json(shop, owner.name if owner else "")

    # -- shop admin ------------------------------------------------------------------------
    def shops(self, request: Request) -> Any:
        with self.world.lock:
            return {"shops": [self._summary(s) for s in self.world.shops.values()]}

    def _summary(self, shop: Shop) -> dict[str, Any]:
        return {
            "orgid": str(shop.id),
            "orgname": shop.name,
            "orgsub": shop.orgsub,
            "installs": sorted(shop.installs),
            "subscriptions": sorted(shop.subscriptions),
            "products": len(shop.products),
            "variants": len(shop.variants),
            "orders": len(shop.orders),
            "customers": len(shop.customers),
            "locations": [location_json(loc) for loc in shop.locations.values()],
        }

    def shop_summary(self, request: Request, orgid: str) -> Any:
        with self.world.lock:
            return self._summary(self._shop(orgid))

    def admin_com(self, request: Request, orgid: str, path: str) -> Any:
        return self.com_admin(request, orgid, path)

    def _ctx(self, orgid: str) -> Ctx:
        return Ctx(self.world, self._shop(orgid), self.rt.now_ms(), None, self.rt.hub.emit)

    def _order(self, ctx: Ctx, order_id: int) -> Any:
        order = ctx.shop.orders.get(order_id)
        if order is None:
            raise _err(404, f"order {order_id} not found")
        return order

    def web_order(self, request: Request, orgid: str) -> Any:
        """A customer checks out on the storefront (``source: web``, COD unless told otherwise)."""
        body = read_json(request) or {}
        with self.world.lock:
            ctx = self._ctx(orgid)
            spec = dict(body.get("order") or body)
            spec["line_items"] = [self._resolve_sku(ctx.shop, li) for li in spec.get("line_items") or []]
            spec.setdefault("is_cod_gateway", not spec.get("gateway"))
            order = create_order(ctx, {"order": spec}, source="web")
            return {"order": order_json(ctx.shop, order)}

    @staticmethod
    def _resolve_sku(shop: Shop, line: Any) -> Any:
        if isinstance(line, dict) and line.get("sku") and not line.get("variant_id"):
            variant = shop.variant_by_sku(str(line["sku"]))
            if variant is not None:
                return {**{k: v for k, v in line.items() if k != "sku"}, "variant_id": variant.id}
        return line

    def fulfil(self, request: Request, orgid: str, order_id: int) -> Any:
        body = read_json(request) or {}
        with self.world.lock:
            ctx = self._ctx(orgid)
            order = self._order(ctx, order_id)
            spec = dict(body.get("fulfillment") or body)
            spec.setdefault("tracking_company", "Giao Hàng Nhanh")
            spec.setdefault("tracking_number", f"GHN{order.id}{len(order.fulfillments) + 1}")
            if order.is_cod_gateway and "cod_amount" not in spec:
                spec["cod_amount"] = outstanding(order)
            f = create_fulfillment(ctx, order, {"fulfillment": spec})
            return {
                "fulfillment": fulfillment_json(ctx.shop, order, f),
                "order": order_json(ctx.shop, order),
            }

    def carrier(self, request: Request, orgid: str, order_id: int) -> Any:
        body = read_json(request) or {}
        with self.world.lock:
            ctx = self._ctx(orgid)
            order = self._order(ctx, order_id)
            fid = body.get("fulfillment_id")
            live = [f for f in order.fulfillments if fid in (None, f.id)]
            if not live:
                raise _err(404, "no such fulfillment on this order")
            f = live[-1]
            spec = {k: body[k] for k in ("carrier_status_code", "carrier_cod_status_code") if body.get(k)}
            update_fulfillment(ctx, order, f, {"fulfillment": spec})
            return {
                "fulfillment": fulfillment_json(ctx.shop, order, f),
                "order": order_json(ctx.shop, order),
            }

    def cancel(self, request: Request, orgid: str, order_id: int) -> Any:
        body = read_json(request) or {}
        body.setdefault("restock", True)
        with self.world.lock:
            ctx = self._ctx(orgid)
            order = cancel_order(ctx, self._order(ctx, order_id), body)
            return {"order": order_json(ctx.shop, order)}

    def pay(self, request: Request, orgid: str, order_id: int) -> Any:
        body = read_json(request) or {}
        with self.world.lock:
            ctx = self._ctx(orgid)
            order = self._order(ctx, order_id)
            spec = {"kind": "capture", **({"amount": body["amount"]} if body.get("amount") else {})}
            tx = create_transaction(ctx, order, {"transaction": spec})
            return {"transaction": transaction_json(tx), "order": order_json(ctx.shop, order)}

    def inventory(self, request: Request, orgid: str) -> Any:
        """Stock change in the Haravan admin; lines may name ``sku`` instead of a variant id."""
        body = read_json(request) or {}
        with self.world.lock:
            ctx = self._ctx(orgid)
            spec = dict(body.get("inventory") or body)
            spec.setdefault("location_id", ctx.shop.primary_location.id)
            lines = []
            for line in spec.get("line_items") or []:
                line = dict(line)
                if line.get("sku") and not line.get("product_variant_id"):
                    variant = ctx.shop.variant_by_sku(str(line["sku"]))
                    if variant is None:
                        raise _err(422, f"sku {line['sku']} not found")
                    line["product_variant_id"] = variant.id
                if line.get("variant_id") and not line.get("product_variant_id"):
                    line["product_variant_id"] = line["variant_id"]
                lines.append(line)
            spec["line_items"] = lines
            adj = adjust_or_set(ctx, {"inventory": spec})
            return {"inventory": adjustment_json(adj)}
