"""The orders screen in a real browser: an order with an unlinked SKU shows under "Đồng bộ lỗi"
with its reason, the merchant links the product and re-syncs, and the order goes through."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kiotsync.orders.models import OrderLink
from kiotsync.tenants.models import Tenant
from tests.orders.linking import mirror_and_link_by_sku

from .conftest import Live

pytestmark = pytest.mark.browser


def _connect(page: Any, live: Live) -> None:
    page.goto(live.app_url + "/")
    page.click("[data-testid=install]")
    page.wait_for_selector("#email")
    page.fill("#email", live.hv_creds["owner"]["email"])
    page.fill("#password", live.hv_creds["owner"]["password"])
    page.click("#login")
    page.click("#allow")
    page.wait_for_selector("#allow")
    page.click("#allow")
    page.wait_for_selector("[data-testid=kiotviet-login]")
    page.fill("[data-testid=retailer]", live.kv_creds["retailer"])
    page.fill("[data-testid=client-id]", live.kv_creds["client_id"])
    page.fill("[data-testid=client-secret]", live.kv_creds["client_secret"])
    page.click("[data-testid=kiotviet-submit]")
    page.wait_for_selector("[data-testid=settings-form]")
    assert page.locator("[data-testid=status-map]").is_visible()
    options = page.locator("select[name=order_branch] option").all_inner_texts()
    page.select_option("select[name=order_branch]", label=options[1])
    page.click("[data-testid=settings-save]")
    page.wait_for_selector("[data-testid=connection-card]")


def _checkout(live: Live, sku: str, phone: str) -> dict[str, Any]:
    orgid = live.hv_creds["orgid"]
    order = httpx.post(
        f"{live.hv_url}/_emulator/shops/{orgid}/web_orders",
        json={
            "line_items": [{"sku": sku, "quantity": 1}],
            "customer": {"first_name": "Hoa", "last_name": "Nguyễn Thị", "phone": phone},
            "shipping_address": {
                "name": "Nguyễn Thị Hoa",
                "phone": phone,
                "address1": "9 Hai Bà Trưng",
                "province": "Hà Nội",
            },
        },
    ).json()["order"]
    live.hv.webhooks.drain(10)
    live.kv.webhooks.drain(10)
    return order


def test_error_fixed_and_resynced(page: Any, live: Live) -> None:
    _connect(page, live)
    tenant = Tenant.objects.get()
    mirror_and_link_by_sku(tenant)
    good = _checkout(live, "QJSF-29", "0904111222")
    bad = _checkout(live, "HRV-001", "0904333444")

    page.click("text=Đơn hàng Haravan")
    page.wait_for_selector("[data-testid=orders-table]")
    assert page.locator("[data-testid=order-row]").count() == 2
    live.shot(page, "orders-01-list")

    page.click("[data-testid=filter-errors]")
    page.wait_for_selector("[data-testid=orders-table]")
    rows = page.locator("[data-testid=order-row]")
    assert rows.count() == 1 and rows.first.get_attribute("data-order") == bad["name"]
    reason = rows.first.locator("[data-testid=reason]").inner_text()
    assert reason == "SKU HRV-001 (Túi vải canvas in hình) chưa được liên kết với KiotViet."
    assert "Tạo hàng hóa có mã HRV-001 trên KiotViet" in rows.first.locator("[data-testid=fix]").inner_text()
    live.shot(page, "orders-02-sync-errors")

    # The merchant creates the product in KiotViet; the catalogue links it.
    httpx.post(
        f"{live.kv_url}/_emulator/products",
        json={"code": "HRV-001", "name": "Túi vải canvas", "basePrice": 99000},
    )
    live.kv.webhooks.drain(10)
    mirror_and_link_by_sku(tenant)

    link = OrderLink.objects.get(hv_order_id=bad["id"])
    page.check(f"[data-testid=select-{link.pk}]")
    page.click("[data-testid=resync-selected]")
    page.wait_for_selector("[data-testid=notice]")
    live.kv.webhooks.drain(10)
    link.refresh_from_db()
    assert link.state == OrderLink.State.SYNCED and link.kv_order_code
    assert "Đã gửi yêu cầu đồng bộ 1 đơn hàng." in page.locator("[data-testid=notice]").inner_text()
    live.shot(page, "orders-03-after-resync")

    page.goto(f"{live.app_url}/orders/?q={bad['name'].lstrip('#')}")
    row = page.locator("[data-testid=order-row]")
    assert row.count() == 1
    assert row.locator("[data-testid=sync-state]").inner_text() == "Đã đồng bộ"
    assert row.locator("[data-testid=kv-code]").inner_text() == link.kv_order_code
    row.locator("[data-testid=order-link]").click()
    page.wait_for_selector("[data-testid=timeline]")
    timeline = page.locator("[data-testid=timeline]").inner_text()
    assert "chưa được liên kết với KiotViet" in timeline and "Tạo đơn đặt hàng KiotViet" in timeline
    assert page.locator("[data-testid=kv-code]").first.inner_text() == link.kv_order_code
    live.shot(page, "orders-04-detail")
    assert OrderLink.objects.get(hv_order_id=good["id"]).state == OrderLink.State.SYNCED
