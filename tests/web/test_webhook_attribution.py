"""Haravan deliveries act only on the shop they belong to: the signature covers the body, not the
``X-Haravan-Org-Id`` header, so a genuine delivery re-sent with another shop's header, or an old
``app/uninstalled`` replayed after a re-install, must change nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.test import Client

from kiotsync.inbox.models import InboundEvent
from kiotsync.orders.models import OrderLink
from kiotsync.tenants.models import HaravanInstallation, SyncSettings, Tenant

from .conftest import Platforms, auto_approve, follow_oauth
from .test_tenancy_and_secrets import _second_shop


def _post(client: Client, body: bytes, topic: str, orgid: Any) -> Any:
    key = settings.CONFIG.haravan_client_secret.encode()
    sig = base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()
    return client.post(
        "/webhooks/haravan",
        body,
        content_type="application/json",
        HTTP_X_HARAVAN_TOPIC=topic,
        HTTP_X_HARAVAN_ORG_ID=str(orgid),
        HTTP_X_HARAVAN_HMACSHA256=sig,
    )


def _order_of_shop_a(p: Platforms) -> dict[str, Any]:
    orgid = p.hv_creds["orgid"]
    order = p.hv_control(
        "POST",
        f"/shops/{orgid}/web_orders",
        json={
            "line_items": [{"sku": "HRV-001", "quantity": 1}],
            "customer": {"first_name": "An", "last_name": "Nguyễn", "phone": "0987654321"},
        },
    )["order"]
    p.hv.webhooks.drain(10)
    p.kv.webhooks.drain(10)
    return dict(order)


def test_an_order_of_one_shop_resent_with_another_shops_header_changes_nothing(
    connected: Platforms, client: Client
) -> None:
    _second_shop(connected)
    a = Tenant.objects.get(orgid=str(connected.hv_creds["orgid"]))
    b = Tenant.objects.exclude(pk=a.pk).get()
    order = _order_of_shop_a(connected)
    assert OrderLink.objects.filter(tenant=a, hv_order_id=order["id"]).count() == 1  # the genuine delivery
    body = json.dumps(order).encode()
    resp = _post(client, body, "orders/create", b.orgid)
    assert resp.status_code == 200  # signed: accepted for storage, then found not to be B's
    event = InboundEvent.objects.get(tenant=b, topic="orders/create")
    assert event.state == InboundEvent.State.DONE and event.error == "not this shop's order"
    assert not OrderLink.objects.filter(tenant=b).exists()
    # The same body under the uninstall topic: its id is not B's org id, refused.
    assert _post(client, body, "app/uninstalled", b.orgid).status_code == 403
    # A signed body that names no shop at all, under the uninstall topic and B's header: stored,
    # then B's own token shows the app is still installed.
    resp = _post(client, json.dumps({"note": "replayed"}).encode(), "app/uninstalled", b.orgid)
    assert resp.status_code == 200
    b.refresh_from_db()
    assert b.status == Tenant.Status.ACTIVE and HaravanInstallation.objects.filter(tenant=b).exists()
    note = InboundEvent.objects.get(tenant=b, topic="app/uninstalled").error
    assert note == "the shop's token still works"


def test_a_body_naming_one_shop_with_another_shops_header_is_refused(
    connected: Platforms, client: Client
) -> None:
    _second_shop(connected)
    a = Tenant.objects.get(orgid=str(connected.hv_creds["orgid"]))
    b = Tenant.objects.exclude(pk=a.pk).get()
    body = json.dumps(
        {"id": int(a.orgid), "org_id": int(a.orgid), "uninstalled_at": "2030-01-01T00:00:00Z"}
    ).encode()
    resp = _post(client, body, "app/uninstalled", b.orgid)
    assert resp.status_code == 403
    assert not InboundEvent.objects.exists()
    for tenant in (a, b):
        tenant.refresh_from_db()
        assert tenant.status == Tenant.Status.ACTIVE


def test_an_old_uninstall_replayed_after_a_reinstall_is_ignored(connected: Platforms, client: Client) -> None:
    p = connected
    tenant = Tenant.objects.get()
    SyncSettings.objects.filter(tenant=tenant).update(auto_sync_enabled=True)
    p.hv_control(
        "POST",
        "/uninstall",
        json={"orgid": p.hv_creds["orgid"], "client_id": settings.CONFIG.haravan_client_id},
    )
    p.hv.webhooks.drain(10)
    tenant.refresh_from_db()
    assert tenant.status == Tenant.Status.UNINSTALLED
    old = InboundEvent.objects.get(tenant=tenant, topic="app/uninstalled")
    # The owner installs the app again.
    auto_approve(p)
    page = follow_oauth(Client(), p.hv_http, "/install")
    assert page.status_code == 200
    tenant.refresh_from_db()
    assert tenant.status == Tenant.Status.ACTIVE
    # Auto-sync is as the merchant left it, and the page says so (it used to be off, silently).
    assert SyncSettings.objects.get(tenant=tenant).auto_sync_enabled
    assert "Tự đồng bộ vẫn đang bật" in page.content.decode()
    # Haravan (or anyone holding the old delivery) sends the old uninstall again.
    resp = _post(client, json.dumps(old.payload).encode(), "app/uninstalled", tenant.orgid)
    assert resp.status_code == 200
    tenant.refresh_from_db()
    assert tenant.status == Tenant.Status.ACTIVE
    assert HaravanInstallation.objects.filter(tenant=tenant).exists()
    # The exact same bytes again are a duplicate: stored once, nothing done.
    before = InboundEvent.objects.count()
    assert (
        _post(client, json.dumps(old.payload).encode(), "app/uninstalled", tenant.orgid).json()["note"]
        == "duplicate"
    )
    assert InboundEvent.objects.count() == before
