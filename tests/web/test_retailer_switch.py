"""Connecting another KiotViet retailer is never a silent reuse of the old one's links, mirrors
and cursors: it is said on the login page and done only when the merchant confirms the switch
(issue 10, fix 3). Reconnecting the same retailer keeps everything, Auto-sync included."""

from __future__ import annotations

from collections import Counter

from django.test import Client

from kiotsync.catalog.models import KvRow, SyncJob, VariantLinkRecord
from kiotsync.tenants.models import KiotVietConnection, RetailerSwitch, SyncSettings, Tenant
from kiotsync.wiring import get_wiring
from tests.catalog.test_sync import hv_skus, run_sync

from .conftest import Platforms


def _login(client: Client, creds: dict, switch: bool = False) -> object:
    data = {
        "retailer": creds["retailer"],
        "client_id": creds["client_id"],
        "client_secret": creds["client_secret"],
    }
    if switch:
        data["switch_retailer"] = "on"
    return client.post("/kiotviet/login", data)


def _save_settings(client: Client) -> None:
    form = client.get("/settings").context["form"]
    branches = [c for c, _ in form.fields["order_branch"].choices if c != ""]
    locations = [c for c, _ in form.fields["haravan_location"].choices if c != ""]
    data = {
        "order_branch": branches[0],
        "stock_mode": "all",
        "haravan_location": locations[0],
        "order_side": "kiotviet",
        "price_source": "base",
        "link_key": "code",
        "auto_sync_interval_minutes": "15",
    } | {flag: "on" for flag in SyncSettings.FIELD_FLAGS}
    assert client.post("/settings", data).status_code == 302


def test_another_retailer_is_said_and_switched_only_when_confirmed(shop: Platforms, client: Client) -> None:
    p = shop
    tenant = Tenant.objects.get()
    run_sync()
    old_links = VariantLinkRecord.objects.filter(tenant=tenant).count()
    old_rows = set(KvRow.objects.filter(tenant=tenant).values_list("kv_id", flat=True))
    assert old_links > 40
    skus_before = hv_skus()
    assert client.post("/connection/disconnect").status_code == 302

    other = p.kv.control_seed({"preset": "demo", "seed": 2, "retailer": "shopthuhai"})
    resp = _login(client, other)
    assert resp.status_code == 400
    page = resp.content.decode()
    assert 'data-testid="other-retailer"' in page and "shopthuhai" in page
    # Nothing was reused or changed.
    assert not KiotVietConnection.objects.exists()
    tenant.refresh_from_db()
    assert tenant.data_retailer == p.kv_creds["retailer"]
    assert VariantLinkRecord.objects.filter(tenant=tenant).count() == old_links

    resp = _login(client, other, switch=True)
    assert resp.status_code == 302 and resp["Location"].endswith("/settings")
    tenant.refresh_from_db()
    assert tenant.data_retailer == "shopthuhai"
    switch = RetailerSwitch.objects.get(tenant=tenant)
    assert switch.from_retailer == p.kv_creds["retailer"] and switch.retired["variant_links"] == old_links
    assert len(switch.retired["old_links"]) == old_links
    assert not VariantLinkRecord.objects.filter(tenant=tenant).exists()
    assert not KvRow.objects.filter(tenant=tenant).exists()
    assert SyncSettings.objects.get(tenant=tenant).configured_at is None  # branch and price book asked again

    _save_settings(client)  # the first save fills the lists from the new retailer
    new_rows = set(KvRow.objects.filter(tenant=tenant).values_list("kv_id", flat=True))
    assert new_rows and not (new_rows & old_rows)
    job = run_sync()
    assert job.state == SyncJob.State.DONE
    skus = hv_skus()
    assert max(skus.values()) == 1, {s: n for s, n in skus.items() if n > 1}
    # The new retailer's products were linked to the Haravan products that carry their SKU
    # (relinked by the link key), not created a second time.
    relinked = VariantLinkRecord.objects.filter(tenant=tenant, kv_code__in=list(skus_before))
    assert relinked.count() > 0 and set(relinked.values_list("kv_id", flat=True)) <= new_rows
    kv_new = {pr.id for pr in get_wiring().kiotviet(tenant).list_products().items}
    assert (
        set(VariantLinkRecord.objects.filter(tenant=tenant).values_list("kv_id", flat=True))
        <= kv_new | new_rows
    )
    page = client.get("/connection").content.decode()
    assert 'data-testid="retailer-switch"' in page and "shopthuhai" in page


def test_reconnecting_the_same_retailer_keeps_links_and_auto_sync(shop: Platforms, client: Client) -> None:
    tenant = Tenant.objects.get()
    run_sync()
    SyncSettings.objects.filter(tenant=tenant).update(auto_sync_enabled=True)
    links = Counter(VariantLinkRecord.objects.filter(tenant=tenant).values_list("kv_id", flat=True))
    assert client.post("/connection/disconnect").status_code == 302
    assert SyncSettings.objects.get(tenant=tenant).auto_sync_enabled  # kept; nothing runs while disconnected
    assert _login(client, shop.kv_creds).status_code == 302
    assert Counter(VariantLinkRecord.objects.filter(tenant=tenant).values_list("kv_id", flat=True)) == links
    assert SyncSettings.objects.get(tenant=tenant).auto_sync_enabled
    assert not RetailerSwitch.objects.exists()
