"""Each reason an order cannot go to KiotViet, said in words the shop owner can act on, and the
re-sync that puts it through once the cause is fixed. Transient failures wait, then retry."""

from __future__ import annotations

from typing import Any

from kiotsync.orders.models import OrderLink
from kiotsync.tenants.models import SyncSettings
from kiotsync.wiring import get_wiring
from tests.orders.linking import mirror_and_link_by_sku

from .conftest import Shop


def _error_page(shop: Shop) -> str:
    resp = shop.client.get("/orders/?state=error")
    assert resp.status_code == 200
    return resp.content.decode()


def _resync(shop: Shop, link: OrderLink) -> OrderLink:
    resp = shop.client.post(f"/orders/link/{link.pk}/sync", HTTP_HX_REQUEST="true")
    assert resp.status_code == 200
    shop.settle()
    link.refresh_from_db()
    return link


def _kv_product(shop: Shop, code: str) -> dict[str, Any]:
    return shop.kv("/products", code=code, name=f"Hàng {code}", basePrice=99000)


def test_unlinked_sku_then_linked_and_resynced(shop: Shop) -> None:
    order = shop.web_order(lines=[{"sku": "HRV-001", "quantity": 1}])
    link = shop.link(order["id"])
    assert link.state == OrderLink.State.ERROR and link.reason_code == "sku_not_linked"
    page = _error_page(shop)
    assert "SKU HRV-001 (Túi vải canvas in hình) chưa được liên kết với KiotViet." in page
    assert "Tạo hàng hóa có mã HRV-001 trên KiotViet" in page
    assert shop.kv_orders_for(order["id"]) == []

    _kv_product(shop, "HRV-001")
    mirror_and_link_by_sku(shop.tenant)
    link = _resync(shop, link)
    assert link.state == OrderLink.State.SYNCED and link.reason_code == ""
    (kv,) = shop.kv_orders_for(order["id"])
    assert [d.product_code for d in shop.kv_order(kv.id).details] == ["HRV-001"]
    assert order["name"] not in _error_page(shop)


def test_inactive_product_then_reactivated(shop: Shop) -> None:
    product = next(p for p in shop.kv_products() if p.code == "SP000014")
    shop.kv(f"/products/{product.id}", "PUT", isActive=False)
    mirror_and_link_by_sku(shop.tenant)
    order = shop.web_order(lines=[{"sku": "SP000014", "quantity": 1}])
    link = shop.link(order["id"])
    assert (link.state, link.reason_code) == (OrderLink.State.ERROR, "product_inactive")
    assert "Hàng hóa SP000014 (Mũ lưỡi trai trơn) đang ngừng kinh doanh trên KiotViet." in _error_page(shop)

    shop.kv(f"/products/{product.id}", "PUT", isActive=True)
    mirror_and_link_by_sku(shop.tenant)
    assert _resync(shop, link).state == OrderLink.State.SYNCED


def test_kiotviet_refusing_an_inactive_product_is_explained_the_same_way(shop: Shop) -> None:
    """The mirror still says "on sale" but KiotViet refuses: its own message names the product."""
    product = next(p for p in shop.kv_products() if p.code == "SP000016")
    shop.kv(f"/products/{product.id}", "PUT", isActive=False)
    order = shop.web_order(lines=[{"sku": "SP000016", "quantity": 1}])
    link = shop.link(order["id"])
    assert (link.state, link.reason_code, link.reason_params["code"]) == (
        "error",
        "product_inactive",
        "SP000016",
    )
    assert shop.intent(link) is None  # refused: nothing was created, nothing to look for


def test_kiotviet_setting_off_then_on(shop: Shop) -> None:
    shop.kv("/settings", "PUT", allow_order=False)
    order = shop.web_order()
    link = shop.link(order["id"])
    assert (link.state, link.reason_code) == (OrderLink.State.ERROR, "setting_disabled")
    page = _error_page(shop)
    assert "Thiết lập “Cho phép đặt hàng” trên KiotViet đang tắt." in page
    assert "Bật “Cho phép đặt hàng” trong KiotViet" in page
    shop.kv("/settings", "PUT", allow_order=True)
    assert _resync(shop, link).state == OrderLink.State.SYNCED


def test_invalid_phone_resolves_itself_when_the_order_is_corrected(shop: Shop) -> None:
    order = shop.web_order(
        customer={"first_name": "Lan", "phone": "12345"},
        shipping_address={"name": "Lan", "phone": "12345", "address1": "1 Lê Lợi", "province": "Hà Nội"},
    )
    link = shop.link(order["id"])
    assert (link.state, link.reason_code) == (OrderLink.State.ERROR, "phone_invalid")
    assert "Số điện thoại “12345” không hợp lệ" in _error_page(shop)
    # The merchant corrects the address on Haravan: the update webhook triggers a new attempt.
    shop.hv(
        f"/com/orders/{order['id']}.json",
        "PUT",
        order={
            "shipping_address": {
                "name": "Lan",
                "phone": "0988777666",
                "address1": "1 Lê Lợi",
                "province": "Hà Nội",
            }
        },
    )
    link.refresh_from_db()
    assert link.state == OrderLink.State.SYNCED and link.reason_code == ""
    (kv,) = shop.kv_orders_for(order["id"])
    assert shop.kv_order(kv.id).delivery.contact_number == "0988777666"


def test_missing_phone(shop: Shop) -> None:
    order = shop.web_order(
        customer={"first_name": "Ẩn Danh"}, shipping_address={"name": "Ẩn Danh", "address1": "x"}
    )
    link = shop.link(order["id"])
    assert (link.state, link.reason_code) == (OrderLink.State.ERROR, "phone_missing")
    assert "Đơn hàng không có số điện thoại khách hàng." in _error_page(shop)


def test_no_branch_chosen_then_chosen(shop: Shop) -> None:
    SyncSettings.objects.filter(tenant=shop.tenant).update(order_branch_id=None)
    order = shop.web_order()
    link = shop.link(order["id"])
    assert (link.state, link.reason_code) == (OrderLink.State.ERROR, "branch_not_chosen")
    SyncSettings.objects.filter(tenant=shop.tenant).update(order_branch_id=shop.branches[1]["id"])
    assert _resync(shop, link).state == OrderLink.State.SYNCED
    (kv,) = shop.kv_orders_for(order["id"])
    assert kv.branch_id == shop.branches[1]["id"]


def test_transient_failures_wait_then_go_through(shop: Shop) -> None:
    shop.faults("kiotviet", {"method": "POST", "path": "/orders", "status": 503, "count": 6})
    order = shop.web_order()
    link = shop.link(order["id"])
    assert link.state == OrderLink.State.WAITING and link.reason_code == "retrying"
    assert order["name"] not in _error_page(shop)
    waiting = shop.client.get("/orders/?state=waiting").content.decode()
    assert "KiotViet tạm thời không phản hồi; KiotSync tự thử lại (lần 1/" in waiting
    shop.retry_due()
    link.refresh_from_db()
    assert link.state == OrderLink.State.SYNCED and link.attempts == 0
    assert len(shop.kv_orders_for(order["id"])) == 1


def test_rate_limited_waits_too(shop: Shop) -> None:
    shop.faults(
        "kiotviet", {"path": "/customers", "status": 429, "count": 4, "headers": {"Retry-After": "0"}}
    )
    order = shop.web_order()
    link = shop.link(order["id"])
    assert link.state == OrderLink.State.WAITING
    shop.retry_due()
    assert shop.link(order["id"]).state == OrderLink.State.SYNCED


def test_retries_run_out_then_an_error_then_resync(shop: Shop) -> None:
    shop.faults("kiotviet", {"method": "POST", "path": "/orders", "status": 503, "count": 1000})
    order = shop.web_order()
    for _ in range(len(get_wiring().order_retry_delays)):
        shop.retry_due()
    link = shop.link(order["id"])
    assert (link.state, link.reason_code) == (OrderLink.State.ERROR, "transient_exhausted")
    assert "KiotViet không phản hồi sau" in _error_page(shop)
    shop.p.kv_control("DELETE", "/faults")
    assert _resync(shop, link).state == OrderLink.State.SYNCED
    assert len(shop.kv_orders_for(order["id"])) == 1


def test_resync_all_selected_errors(shop: Shop) -> None:
    first = shop.web_order(lines=[{"sku": "HRV-004", "quantity": 1}])
    second = shop.web_order(lines=[{"sku": "HRV-004", "quantity": 2}])
    links = [shop.link(first["id"]), shop.link(second["id"])]
    assert [lk.state for lk in links] == ["error", "error"]
    _kv_product(shop, "HRV-004")
    mirror_and_link_by_sku(shop.tenant)
    resp = shop.client.post("/orders/sync", {"ids": [str(lk.pk) for lk in links]}, HTTP_HX_REQUEST="true")
    assert resp.status_code == 200 and "Đã gửi yêu cầu đồng bộ 2 đơn hàng." in resp.content.decode()
    shop.settle()
    for lk in links:
        lk.refresh_from_db()
        assert lk.state == OrderLink.State.SYNCED
