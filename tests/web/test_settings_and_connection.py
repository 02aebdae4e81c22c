"""Settings screen (live choices, validation) and the connection screen with disconnect."""

from __future__ import annotations

from typing import Any

from django.test import Client

from kiotsync.connections.kiotviet import WEBHOOK_TYPES
from kiotsync.tenants.models import KiotVietConnection, KiotVietWebhook, SyncSettings, Tenant
from kiotsync.wiring import get_wiring

from .conftest import Platforms


def _valid_form(client: Client) -> dict[str, Any]:
    form = client.get("/settings").context["form"]
    branches = [c for c, _ in form.fields["order_branch"].choices if c != ""]
    locations = [c for c, _ in form.fields["haravan_location"].choices if c != ""]
    return {
        "order_branch": branches[1],
        "stock_mode": "branch",
        "haravan_location": locations[0],
        "order_side": "kiotviet",
        "price_source": "base",
        "price_book": "",
        "link_key": "code",
        "auto_sync_interval_minutes": "15",
        "sync_name": "on",
        "sync_price": "on",
        "sync_stock": "on",
    }


def test_settings_lists_live_branches_locations_and_price_books(connected: Platforms, client: Client) -> None:
    resp = client.get("/settings")
    assert resp.status_code == 200
    form = resp.context["form"]
    branch_names = [str(label) for value, label in form.fields["order_branch"].choices if value != ""]
    assert len(branch_names) == 3
    assert len([v for v, _ in form.fields["haravan_location"].choices if v != ""]) == 2
    assert len([v for v, _ in form.fields["price_book"].choices if v != ""]) == 2
    page = resp.content.decode()
    for label in ("Chọn chi nhánh", "Cấu hình đồng bộ tồn kho", "Chọn nơi xử lý đơn hàng"):
        assert label in page


def test_settings_save_and_show_in_words(connected: Platforms, client: Client) -> None:
    data = _valid_form(client)
    resp = client.post("/settings", data)
    assert resp.status_code == 302 and resp["Location"] == "/connection"
    s = SyncSettings.objects.get()
    assert s.order_branch_id == data["order_branch"] and s.order_branch_name
    assert s.stock_mode == "branch" and s.haravan_location_id == data["haravan_location"]
    assert s.sync_name and s.sync_price and s.sync_stock
    assert not s.sync_images and not s.sync_description
    assert s.configured_at is not None
    page = client.get("/connection").content.decode()
    assert s.order_branch_name in page
    assert "Chỉ tồn kho của chi nhánh đã chọn" in page
    assert connected.kv_creds["retailer"] in page
    assert connected.kv_creds["client_secret"] not in page


def test_price_book_required_when_price_comes_from_a_book(connected: Platforms, client: Client) -> None:
    data = _valid_form(client) | {"price_source": "pricebook", "price_book": ""}
    resp = client.post("/settings", data)
    assert resp.status_code == 400
    assert "vui lòng chọn một bảng giá" in resp.content.decode()
    assert SyncSettings.objects.get().configured_at is None


def test_unknown_branch_is_refused(connected: Platforms, client: Client) -> None:
    data = _valid_form(client) | {"order_branch": "999999999"}
    resp = client.post("/settings", data)
    assert resp.status_code == 400
    assert "Chi nhánh này không còn trong KiotViet" in resp.content.decode()


def test_connection_screen_shows_webhooks_on_both_sides(connected: Platforms, client: Client) -> None:
    client.post("/settings", _valid_form(client))
    resp = client.get("/connection")
    assert resp.status_code == 200
    assert resp.context["kv_webhooks"]["ok"], resp.context["kv_webhooks"]
    assert resp.context["hv_webhooks"]["ok"], resp.context["hv_webhooks"]


def test_disconnect_unregisters_and_forgets_then_reconnect_works(
    connected: Platforms, client: Client
) -> None:
    tenant = Tenant.objects.get()
    client.post("/settings", _valid_form(client))
    creds = connected.kv_creds
    # The confirmation comes first (htmx modal or full page).
    confirm = client.get("/connection/disconnect", HTTP_HX_REQUEST="true")
    assert "Ngắt kết nối KiotViet?" in confirm.content.decode()
    resp = client.post("/connection/disconnect")
    assert resp.status_code == 302 and resp["Location"] == "/kiotviet/login"
    assert not KiotVietConnection.objects.filter(tenant=tenant).exists()
    assert not KiotVietWebhook.objects.filter(tenant=tenant).exists()
    # KiotViet no longer has our registrations.
    probe = get_wiring().kiotviet_for_credentials(
        creds["retailer"], creds["client_id"], creds["client_secret"]
    )
    assert not [h for h in probe.list_webhooks() if str(tenant.public_id) in (h.url or "")]
    assert client.get("/").status_code == 302 and client.get("/")["Location"] == "/kiotviet/login"
    # Settings stay; reconnecting the same retailer works and registers again.
    resp = client.post(
        "/kiotviet/login",
        {
            "retailer": creds["retailer"],
            "client_id": creds["client_id"],
            "client_secret": creds["client_secret"],
        },
    )
    assert resp.status_code == 302
    assert KiotVietWebhook.objects.filter(tenant=tenant).count() == len(WEBHOOK_TYPES)
    assert SyncSettings.objects.get(tenant=tenant).configured_at is not None
