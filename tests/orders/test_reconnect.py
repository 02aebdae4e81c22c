"""Orders across a KiotViet disconnect and reconnect (found by the chaos test, issue 10).

While disconnected the order webhooks change nothing; after the reconnection the poll must still
find the Haravan orders placed meanwhile: they are not copied (placed outside a connection
period), but their units are pending — KiotViet does not reserve them, Haravan already sold them
— so the stock sync must leave them out (docs/invariants.md, S1).
"""

from __future__ import annotations

from django.test import Client

from kiotsync.catalog.inputs import PENDING
from kiotsync.orders.models import OrderLink
from kiotsync.orders.polling import poll_tenant
from kiotsync.wiring import get_wiring

from .conftest import Shop


def _login(shop: Shop, client: Client) -> None:
    creds = shop.p.kv_creds
    resp = client.post(
        "/kiotviet/login",
        {
            "retailer": creds["retailer"],
            "client_id": creds["client_id"],
            "client_secret": creds["client_secret"],
        },
    )
    assert resp.status_code == 302, resp.content[:500]


def test_an_order_placed_while_disconnected_is_found_after_reconnecting(shop: Shop, client: Client) -> None:
    assert poll_tenant(shop.tenant, get_wiring()).error == ""  # a first poll that saw no order
    assert client.post("/connection/disconnect", {}).status_code in (200, 302)
    order = shop.web_order([{"sku": "SP000007", "quantity": 2}])  # its webhooks change nothing
    assert not OrderLink.objects.filter(tenant=shop.tenant, hv_order_id=order["id"]).exists()
    _login(shop, client)
    assert poll_tenant(shop.tenant, get_wiring()).error == ""
    link = shop.link(order["id"])
    assert link.state == OrderLink.State.SKIPPED and link.kv_order_id is None
    assert shop.kv_orders_for(order["id"]) == []
    (pending,) = PENDING.orders(shop.tenant)
    assert sum(pending.units.values()) == 2
