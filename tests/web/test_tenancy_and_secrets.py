"""Tenant isolation (tampered ids in URLs and forms) and secrets at rest."""

from __future__ import annotations

import hashlib
import hmac
import json

from django.db import connection
from django.test import Client

from kiotsync.inbox.models import InboundEvent
from kiotsync.tenants.models import HaravanInstallation, KiotVietConnection, SyncSettings, Tenant

from .conftest import PUBLIC, Platforms, auto_approve, follow_oauth


def _second_shop(p: Platforms) -> tuple[Client, dict, dict]:
    """Another Haravan shop with its own KiotViet retailer, installed and connected."""
    from django.conf import settings

    hv2 = p.hv.control_seed(
        {
            "preset": "demo",
            "seed": 2,
            "app": {
                "client_id": settings.CONFIG.haravan_client_id,
                "client_secret": settings.CONFIG.haravan_client_secret,
                "redirect_uris": [f"{PUBLIC}/auth/callback", f"{PUBLIC}/auth/install/callback"],
            },
        }
    )
    kv2 = p.kv.control_seed({"preset": "demo", "seed": 2, "retailer": "shopthuhai"})
    client2 = Client()
    auto_approve(p, hv2["owner"]["email"])
    assert follow_oauth(client2, p.hv_http, "/install").status_code == 200
    resp = client2.post(
        "/kiotviet/login",
        {"retailer": kv2["retailer"], "client_id": kv2["client_id"], "client_secret": kv2["client_secret"]},
    )
    assert resp.status_code == 302, resp.content[:800]
    return client2, hv2, kv2


def test_two_shops_never_see_each_other(connected: Platforms, client: Client) -> None:
    client2, hv2, kv2 = _second_shop(connected)
    a = Tenant.objects.get(orgid=str(connected.hv_creds["orgid"]))
    b = Tenant.objects.get(orgid=str(hv2["orgid"]))
    assert a.pk != b.pk
    page_a = client.get("/connection").content.decode()
    page_b = client2.get("/connection").content.decode()
    assert connected.kv_creds["retailer"] in page_a and kv2["retailer"] not in page_a
    assert kv2["retailer"] in page_b and connected.kv_creds["retailer"] not in page_b
    # Shop A submits shop B's branch id: refused, B's settings untouched.
    b_branches = [
        c for c, _ in client2.get("/settings").context["form"].fields["order_branch"].choices if c != ""
    ]
    a_form = client.get("/settings").context["form"]
    a_branches = [c for c, _ in a_form.fields["order_branch"].choices if c != ""]
    foreign = next(x for x in b_branches if x not in a_branches)
    locations = [c for c, _ in a_form.fields["haravan_location"].choices if c != ""]
    resp = client.post(
        "/settings",
        {
            "order_branch": foreign,
            "stock_mode": "all",
            "haravan_location": locations[0],
            "order_side": "kiotviet",
            "price_source": "base",
            "link_key": "code",
            "auto_sync_interval_minutes": "15",
        },
    )
    assert resp.status_code == 400
    assert SyncSettings.objects.get(tenant=b).configured_at is None


def test_webhook_signed_for_one_shop_is_not_accepted_for_another(
    connected: Platforms, client: Client
) -> None:
    _client2, _hv2, _kv2 = _second_shop(connected)
    a = Tenant.objects.get(orgid=str(connected.hv_creds["orgid"]))
    b = Tenant.objects.exclude(pk=a.pk).get()
    body = json.dumps(
        {
            "Id": "0f3c1d52-1111-2222-3333-444455556666",
            "Attempt": 1,
            "Notifications": [{"Action": "product.delete.1", "Data": [1, 2]}],
        }
    ).encode()
    # KiotViet keys the HMAC with the Base64-decoded registered secret, i.e. our raw secret.
    key = a.kiotviet.webhook_secret.encode()
    sig = "sha1=" + hmac.new(key, body, hashlib.sha256).hexdigest()
    resp = client.post(
        f"/webhooks/kiotviet/{b.public_id}", body, content_type="application/json", HTTP_X_HUB_SIGNATURE=sig
    )
    assert resp.status_code == 200  # 2xx so KiotViet keeps the registration, but nothing stored
    assert not InboundEvent.objects.filter(tenant=b).exists()
    resp = client.post(
        f"/webhooks/kiotviet/{a.public_id}", body, content_type="application/json", HTTP_X_HUB_SIGNATURE=sig
    )
    assert resp.status_code == 200
    assert InboundEvent.objects.filter(tenant=a).count() == 1


def test_no_secret_is_stored_in_clear(connected: Platforms, client: Client) -> None:
    conn = KiotVietConnection.objects.get()
    install = HaravanInstallation.objects.get()
    conn_secret, webhook_secret = connected.kv_creds["client_secret"], conn.webhook_secret
    assert conn.access_token  # a token was cached during login
    secrets = [conn_secret, webhook_secret, conn.access_token, install.access_token, install.refresh_token]
    with connection.cursor() as cur:
        rows = []
        for table in ("tenants_kiotvietconnection", "tenants_haravaninstallation"):
            cur.execute(f"SELECT * FROM {table}")
            rows.extend(cur.fetchall())
    dump = repr(rows)
    for secret in secrets:
        assert secret and secret not in dump


def test_secrets_never_shown_in_full(connected: Platforms, client: Client) -> None:
    from django.contrib.auth.models import User

    secret = connected.kv_creds["client_secret"]
    assert secret not in client.get("/connection").content.decode()
    User.objects.create_superuser("ops", "ops@example.com", "pw-ops-123")
    ops = Client()
    ops.login(username="ops", password="pw-ops-123")
    conn = KiotVietConnection.objects.get()
    for url in (
        "/admin/tenants/kiotvietconnection/",
        f"/admin/tenants/kiotvietconnection/{conn.pk}/change/",
        f"/admin/tenants/tenant/{conn.tenant_id}/change/",
    ):
        page = ops.get(url).content.decode()
        assert secret not in page
        assert conn.access_token not in page
        assert HaravanInstallation.objects.get().access_token not in page
