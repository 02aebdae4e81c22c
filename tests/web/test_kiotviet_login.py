"""KiotViet login screen: live verification, clear errors, webhook registration."""

from __future__ import annotations

from django.test import Client

from kiotsync.tenants.models import KiotVietConnection, KiotVietWebhook, Tenant
from kiotsync.wiring import get_wiring

from .conftest import Platforms


def _post(client: Client, **values: str) -> object:
    return client.post("/kiotviet/login", values)


def test_login_page_explains_where_to_find_credentials(installed: Platforms, client: Client) -> None:
    page = client.get("/kiotviet/login").content.decode()
    assert "Thiết lập kết nối API" in page
    assert "Client ID" in page and "Mã bảo mật" in page


def test_wrong_secret_keeps_what_was_typed_and_says_why(installed: Platforms, client: Client) -> None:
    creds = installed.kv_creds
    resp = client.post(
        "/kiotviet/login",
        {"retailer": creds["retailer"], "client_id": creds["client_id"], "client_secret": "wrong-secret-123"},
    )
    assert resp.status_code == 400
    page = resp.content.decode()
    assert "Client ID hoặc mã bảo mật không đúng" in page
    assert f'value="{creds["retailer"]}"' in page
    assert f'value="{creds["client_id"]}"' in page
    assert 'value="wrong-secret-123"' in page
    assert not KiotVietConnection.objects.exists()


def test_wrong_retailer_is_explained(installed: Platforms, client: Client) -> None:
    creds = installed.kv_creds
    resp = client.post(
        "/kiotviet/login",
        {"retailer": "khongtontai", "client_id": creds["client_id"], "client_secret": creds["client_secret"]},
    )
    assert resp.status_code == 400
    assert "Tên gian hàng" in resp.content.decode()
    assert not KiotVietConnection.objects.exists()


def test_empty_form_lists_every_missing_field(installed: Platforms, client: Client) -> None:
    resp = client.post("/kiotviet/login", {})
    page = resp.content.decode()
    assert resp.status_code == 400
    for text in ("Vui lòng nhập tên gian hàng", "Vui lòng nhập Client ID", "Vui lòng nhập mã bảo mật"):
        assert text in page


def test_pasted_login_url_is_accepted_as_retailer(installed: Platforms, client: Client) -> None:
    creds = installed.kv_creds
    resp = client.post(
        "/kiotviet/login",
        {
            "retailer": f"https://{creds['retailer']}.kiotviet.vn/man/#/DashBoard",
            "client_id": creds["client_id"],
            "client_secret": creds["client_secret"],
        },
    )
    assert resp.status_code == 302
    assert KiotVietConnection.objects.get().retailer == creds["retailer"]


def test_success_stores_connection_registers_webhooks_and_goes_to_settings(
    connected: Platforms, client: Client
) -> None:
    tenant = Tenant.objects.get()
    conn = KiotVietConnection.objects.get(tenant=tenant)
    assert conn.retailer == connected.kv_creds["retailer"]
    assert conn.retailer_id
    types = set(KiotVietWebhook.objects.filter(tenant=tenant).values_list("type", flat=True))
    assert types == {
        "product.update",
        "product.delete",
        "stock.update",
        "order.update",
        "invoice.update",
        "pricebookdetail.update",
        "pricebookdetail.delete",
    }
    # KiotViet knows them, pointing at this tenant's URL.
    urls = {h.url for h in get_wiring().kiotviet(tenant).list_webhooks()}
    assert f"http://testserver/webhooks/kiotviet/{tenant.public_id}" in urls
    assert client.get("/").status_code == 302
    assert client.get("/")["Location"] == "/settings"
