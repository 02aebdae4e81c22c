"""Webhook registrations are kept alive: one KiotViet switched off (after a 4xx) or lost, or a
Haravan subscription lost, is registered again by the periodic check, and the connection screen
says so."""

from __future__ import annotations

import httpx
from django.test import Client

from kiotsync.connections.jobs import check_webhook_registrations
from kiotsync.tenants.models import Tenant
from kiotsync.wiring import get_wiring

from .conftest import Platforms, django_wsgi


def _active_kv_types() -> set[str]:
    hooks = get_wiring().kiotviet(Tenant.objects.get()).list_webhooks()
    return {h.type for h in hooks if h.is_active is not False and h.type}


def test_a_kiotviet_registration_switched_off_or_lost_is_registered_again(
    connected: Platforms, client: Client
) -> None:
    p = connected
    assert {"product.update", "stock.update"} <= _active_kv_types()
    # An endpoint that once answered 4xx (as Django did for bodies over 2.5 MB): KiotViet's own
    # rule switches the registration off.
    p.kv.webhooks.set_transport(httpx.MockTransport(lambda request: httpx.Response(400)))
    p.kv_control("PUT", "/products/" + str(_any_product_id()), json={"name": "Đổi tên để có webhook"})
    p.kv.webhooks.drain(10)
    assert "product.update" not in _active_kv_types()
    p.kv.webhooks.set_transport(httpx.WSGITransport(app=django_wsgi()))
    # Another one deleted on KiotViet's side.
    tenant = Tenant.objects.get()
    kv = get_wiring().kiotviet(tenant)
    stock = next(h for h in kv.list_webhooks() if h.type == "stock.update")
    kv.delete_webhook(stock.id)

    page = client.get("/connection").content.decode()
    # Issue 12: the screen names the webhook in words ("Hàng hóa thay đổi"), never its code.
    assert "Hàng hóa thay đổi" in page and "Thiếu" in page and "product.update" not in page
    check_webhook_registrations()
    assert {
        "product.update",
        "stock.update",
        "order.update",
        "invoice.update",
        "product.delete",
    } <= _active_kv_types()
    page = client.get("/connection").content.decode()
    assert 'data-testid="kv-webhooks-repaired"' in page and "đã tự đăng ký lại" in page
    # Deliveries flow again.
    p.kv_control("PUT", "/products/" + str(_any_product_id()), json={"name": "Tên mới sau khi sửa"})
    p.kv.webhooks.drain(10)
    from kiotsync.inbox.models import InboundEvent

    assert InboundEvent.objects.filter(tenant=tenant, topic__contains="product.update").exists()
    # Nothing to repair: the button says both are fine.
    resp = client.post("/connection/webhooks/check", follow=True)
    assert "đều đang hoạt động" in resp.content.decode()


def _any_product_id() -> int:
    return get_wiring().kiotviet(Tenant.objects.get()).list_products().items[0].id


def test_a_lost_haravan_subscription_is_made_again(connected: Platforms, client: Client) -> None:
    tenant = Tenant.objects.get()
    hv = get_wiring().haravan(tenant)
    hv.unsubscribe_webhooks()
    assert not hv.list_webhook_subscriptions()["data"]
    resp = client.post("/connection/webhooks/check", follow=True)
    assert "Đã đăng ký lại webhook: Haravan" in resp.content.decode()
    assert hv.list_webhook_subscriptions()["data"]
    assert 'data-testid="hv-webhooks-repaired"' in client.get("/connection").content.decode()
