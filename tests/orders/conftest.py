"""Fixtures for the order tests: both emulators in-process and wired into the app (from
``tests/web``), the shop connected and configured, the catalogue linked by SKU, and helpers to
act like a customer (Haravan checkout), a cashier (KiotViet POS) or a carrier."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from kiotsync.orders import usecases as order_sync
from kiotsync.orders.models import OrderLink
from kiotsync.tenants.models import SyncSettings, Tenant
from kiotsync.wiring import get_wiring
from tests.orders.linking import mirror_and_link_by_sku
from tests.web.conftest import (  # noqa: F401  (fixtures)
    Platforms,
    connected,
    installed,
    platforms,
)

PHONE = "0987654321"


class Shop:
    """The connected shop and what a test does to it."""

    def __init__(self, p: Platforms, client: Client) -> None:
        self.p = p
        self.client = client
        self.tenant = Tenant.objects.get()
        self.orgid = p.hv_creds["orgid"]
        self.branches = p.kv_creds["branches"]

    def intent(self, link: OrderLink) -> dict[str, Any] | None:
        """The creation still pending for the order (its write intent), if any."""
        from kiotsync.bookkeeping import intents

        return intents.pending(self.tenant.pk, f"order:create:{link.pk}")

    # -- quiet -------------------------------------------------------------------------------
    def settle(self, rounds: int = 6) -> None:
        """Let every webhook (and what it triggers) land."""
        live = [d for d in (self.p.hv.webhooks, self.p.kv.webhooks) if not getattr(d, "_paused", False)]
        for _ in range(rounds):
            if all(d.drain(10) for d in live) and all(d.pending() == 0 for d in live):
                return
        time.sleep(0.05)

    # -- Haravan -----------------------------------------------------------------------------
    def web_order(self, lines: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "line_items": lines or [{"sku": "ATCB-DEN-M", "quantity": 2}],
            "customer": {
                "first_name": "An",
                "last_name": "Nguyễn Văn",
                "phone": PHONE,
                "email": "an@example.vn",
            },
            "shipping_address": {
                "name": "Nguyễn Văn An",
                "phone": PHONE,
                "address1": "12 Láng Hạ",
                "ward": "Phường Láng Hạ",
                "district": "Quận Đống Đa",
                "province": "Hà Nội",
            },
            "shipping_lines": [{"title": "Giao hàng tiêu chuẩn", "price": 30000}],
        }
        body.update(extra)
        order = self.p.hv_control("POST", f"/shops/{self.orgid}/web_orders", json=body)["order"]
        self.settle()
        return order

    def hv(self, path: str, verb: str = "POST", **body: Any) -> dict[str, Any]:
        result = self.p.hv_control(verb, f"/shops/{self.orgid}{path}", json=body)
        self.settle()
        return result

    def hv_order(self, order_id: int) -> dict[str, Any]:
        return self.p.hv_control("GET", f"/shops/{self.orgid}/com/orders/{order_id}.json")["order"]

    def hv_orders(self) -> list[dict[str, Any]]:
        return self.p.hv_control("GET", f"/shops/{self.orgid}/com/orders.json?status=any&limit=50")["orders"]

    # -- KiotViet ----------------------------------------------------------------------------
    def kv(self, path: str, verb: str = "POST", **body: Any) -> dict[str, Any]:
        result = self.p.kv_control(verb, path, json=body)
        self.settle()
        return result

    def kv_orders(self, fragment: str | None = None) -> list[Any]:
        kv = get_wiring().kiotviet(self.tenant)
        orders = kv.list_orders(include_payment=True).items
        return [o for o in orders if fragment is None or fragment in (o.description or "")]

    def kv_orders_for(self, hv_order_id: int) -> list[Any]:
        return self.kv_orders(f"[HRV:{hv_order_id}]")

    def kv_order(self, order_id: int) -> Any:
        kv = get_wiring().kiotviet(self.tenant)
        return kv.get_order(order_id)

    def kv_products(self) -> list[Any]:
        kv = get_wiring().kiotviet(self.tenant)
        return kv.list_products(include_inventory=False).items

    def kv_customers(self) -> list[Any]:
        kv = get_wiring().kiotviet(self.tenant)
        return kv.list_customers().items

    def kv_invoices(self, order_id: int) -> list[Any]:
        kv = get_wiring().kiotviet(self.tenant)
        return kv.list_invoices(order_id=order_id).items

    def faults(self, platform: str, *specs: dict[str, Any]) -> None:
        control = self.p.kv_control if platform == "kiotviet" else self.p.hv_control
        control("POST", "/faults", json={"faults": list(specs)})

    # -- KiotSync ----------------------------------------------------------------------------
    def link(self, hv_order_id: int | None = None, kv_order_id: int | None = None) -> OrderLink:
        if hv_order_id is not None:
            return OrderLink.objects.get(tenant=self.tenant, hv_order_id=hv_order_id)
        return OrderLink.objects.get(tenant=self.tenant, kv_order_id=kv_order_id)

    def retry_due(self) -> None:
        """Make every waiting retry due now and run it (instead of waiting for the back-off)."""
        from django.utils import timezone

        OrderLink.objects.filter(state=OrderLink.State.WAITING).update(next_retry_at=timezone.now())
        order_sync.run_due(get_wiring())
        self.settle()

    def post_haravan_webhook(self, topic: str, payload: dict[str, Any]) -> int:
        raw = json.dumps(payload, ensure_ascii=False).encode()
        key = settings.CONFIG.haravan_client_secret.encode()
        sig = base64.b64encode(hmac.new(key, raw, hashlib.sha256).digest()).decode()
        resp = self.client.post(
            "/webhooks/haravan",
            raw,
            content_type="application/json",
            HTTP_X_HARAVAN_TOPIC=topic,
            HTTP_X_HARAVAN_ORG_ID=str(self.orgid),
            HTTP_X_HARAVAN_HMACSHA256=sig,
        )
        return resp.status_code


def configure(tenant: Tenant, side: str, branch_id: int) -> None:
    s, _ = SyncSettings.objects.get_or_create(tenant=tenant)
    s.order_side = side
    s.order_branch_id = branch_id
    s.save()


@pytest.fixture
def shop(connected: Platforms, client: Client) -> Iterator[Shop]:  # noqa: F811
    """Connected, orders processed at KiotViet (branch 1), catalogue linked by SKU."""
    s = Shop(connected, client)
    configure(s.tenant, "kiotviet", s.branches[0]["id"])
    mirror_and_link_by_sku(s.tenant)
    s.settle()
    yield s


@pytest.fixture
def hv_shop(shop: Shop) -> Shop:
    """The same shop, processing orders at Haravan."""
    configure(shop.tenant, "haravan", shop.branches[0]["id"])
    return shop


@pytest.fixture(autouse=True)
def _fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """No real waiting: the order retries are made due by ``Shop.retry_due`` and the clients'
    in-call back-off is zero (what is tested is *whether* things are retried)."""
    from kiotsync import wiring as wiring_module
    from kiotsync.httpkit.retry import RetryPolicy

    monkeypatch.setattr(wiring_module, "ORDER_RETRY_DELAYS_S", (0.0, 0.0, 0.0, 0.0, 0.0))
    monkeypatch.setattr(RetryPolicy, "backoff", lambda self, attempt, rng=None: 0.0)
