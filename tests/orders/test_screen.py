"""The "Đơn hàng Haravan" screen: states, search, filters (Đồng bộ lỗi), paging, detail with
timeline, re-sync, import of past orders, tenancy; and the status map on the settings screen."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from kiotsync.core.orders import STATUS_MAP
from kiotsync.orders.models import OrderLink
from kiotsync.tenants.models import KiotVietConnection, Tenant

from .conftest import Shop


def test_list_states_search_filter_and_paging(shop: Shop) -> None:
    good = shop.web_order()
    bad = shop.web_order(lines=[{"sku": "HRV-002", "quantity": 1}])
    for i in range(55):  # older orders, already synced
        OrderLink.objects.create(
            tenant=shop.tenant,
            origin="haravan",
            hv_order_id=9_000_000 + i,
            hv_name=f"#9{i:04d}",
            hv_created_at=timezone.now() - timedelta(days=3, minutes=i),
            kv_order_id=8_000_000 + i,
            kv_order_code=f"DH9{i:05d}",
            state="synced",
            needs_sync=False,
        )
    page = shop.client.get("/orders/").content.decode()
    assert 'data-testid="count-error">1<' in page and 'data-testid="count-synced">56<' in page
    assert good["name"] in page and bad["name"] in page  # newest first, on page 1
    assert shop.link(good["id"]).kv_order_code in page
    assert "Trang 1/2" in page and "page=2" in page
    assert "#90054" in shop.client.get("/orders/?page=2").content.decode()

    errors = shop.client.get("/orders/?state=error").content.decode()
    assert bad["name"] in errors and good["name"] not in errors
    assert "SKU HRV-002 (Bình giữ nhiệt inox 500ml - Xanh) chưa được liên kết với KiotViet." in errors

    found = shop.client.get("/orders/", {"q": good["name"]}).content.decode()
    assert good["name"] in found and bad["name"] not in found
    by_code = shop.client.get("/orders/", {"q": "DH900007"}).content.decode()
    assert "#90007" in by_code and good["name"] not in by_code
    assert "Không tìm thấy đơn hàng phù hợp." in shop.client.get("/orders/", {"q": "#nope"}).content.decode()
    # The customer's name, typed with or without accents, in any case.
    assert shop.link(good["id"]).customer_name == "Lê Minh Cường"
    for typed in ("Lê Minh Cường", "le minh cuong", "LE MINH", "cường"):
        by_name = shop.client.get("/orders/", {"q": typed}).content.decode()
        assert good["name"] in by_name and "#90007" not in by_name, typed


def test_detail_shows_both_sides_and_the_timeline(shop: Shop) -> None:
    order = shop.web_order()
    (kv,) = shop.kv_orders_for(order["id"])
    shop.kv(f"/orders/{kv.id}", "PUT", status=5)
    page = shop.client.get(f"/orders/{order['id']}").content.decode()
    assert f"Đơn hàng {order['name']}" in page and kv.code in page
    assert "Đã xác nhận" in page and "Tạo đơn đặt hàng KiotViet" in page and "Xác nhận đơn Haravan" in page
    assert page.index("Xác nhận đơn Haravan") < page.index("Tạo đơn đặt hàng KiotViet")  # newest first


def test_another_shops_order_is_not_found(shop: Shop) -> None:
    other = Tenant.objects.create(orgid="999", name="Shop khác")
    link = OrderLink.objects.create(
        tenant=other, origin="haravan", hv_order_id=424242, hv_name="#X", kv_order_id=77
    )
    assert shop.client.get("/orders/424242").status_code == 404
    assert shop.client.get("/orders/kv/77").status_code == 404
    assert shop.client.post(f"/orders/link/{link.pk}/sync").status_code == 404
    shop.client.post("/orders/sync", {"ids": [str(link.pk)]})
    assert not link.events.exists()
    assert "#X" not in shop.client.get("/orders/").content.decode()


def test_resync_from_the_row_answers_the_new_row(shop: Shop) -> None:
    shop.kv("/settings", "PUT", allow_order=False)
    order = shop.web_order()
    link = shop.link(order["id"])
    shop.kv("/settings", "PUT", allow_order=True)
    resp = shop.client.post(f"/orders/link/{link.pk}/sync", HTTP_HX_REQUEST="true")
    html = resp.content.decode()
    assert resp.status_code == 200 and html.lstrip().startswith(f'<tr id="order-{link.pk}"')
    shop.settle()
    link.refresh_from_db()
    assert link.state == "synced"
    detail = shop.client.post(f"/orders/link/{link.pk}/sync", {"view": "detail"}, HTTP_HX_REQUEST="true")
    assert 'id="sync-status"' in detail.content.decode()


def test_import_past_orders_validates_and_runs(shop: Shop) -> None:
    lost = shop.p.hv.webhooks
    lost.pause()
    old = shop.p.hv_control(
        "POST",
        f"/shops/{shop.orgid}/web_orders",
        json={
            "line_items": [{"sku": "SP000023", "quantity": 3}],
            "customer": {"first_name": "Cũ", "phone": "0966000111"},
        },
    )["order"]
    lost.clear()
    lost.resume()
    # The shop connected KiotViet after that order was placed.
    KiotVietConnection.objects.filter(tenant=shop.tenant).update(
        connected_at=timezone.now() + timedelta(seconds=1)
    )
    shop.post_haravan_webhook("orders/updated", shop.hv_order(old["id"]))
    shop.settle()
    link = shop.link(old["id"])
    assert (link.state, link.reason_code) == ("skipped", "before_sync_start")

    today = timezone.localdate()
    for value, message in (
        ("", "Chọn ngày bắt đầu."),
        ((today + timedelta(days=1)).isoformat(), "Ngày bắt đầu không được ở tương lai."),
        ((today - timedelta(days=200)).isoformat(), "Chỉ nhập được đơn trong vòng 90 ngày gần đây."),
        ("ngày mai", "Ngày không hợp lệ."),
    ):
        resp = shop.client.post("/orders/import", {"since": value})
        assert resp.status_code == 400 and message in resp.content.decode(), value
    resp = shop.client.post("/orders/import", {"since": today.isoformat()}, HTTP_HX_REQUEST="true")
    assert resp.status_code == 200 and "Lần nhập gần nhất đã xong." in resp.content.decode()
    shop.settle()
    link.refresh_from_db()
    assert link.state == "synced" and link.forced
    (kv,) = shop.kv_orders_for(old["id"])
    assert [(d.product_code, d.quantity) for d in shop.kv_order(kv.id).details] == [("SP000023", 3)]


def test_status_map_on_settings_screen_and_in_readme(shop: Shop, client: Client) -> None:
    page = shop.client.get("/settings").content.decode()
    assert 'data-testid="status-map"' in page
    for row in STATUS_MAP:
        assert f"<code>{row.code}</code>" in page
        assert row.label.vi in page
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Order status map", 1)[1]
    for row in STATUS_MAP:
        assert f"`{row.code}`" in section and row.label.vi in section
    # Every status either digest lists is in the map.
    codes = {(r.platform, r.field.en, r.code) for r in STATUS_MAP}
    kv_fields = {"Order status": {"1", "2", "3", "4", "5"}, "Invoice status": {"1", "2", "3", "5"}}
    kv_fields["Delivery status"] = {str(i) for i in range(1, 13)}
    for field, values in kv_fields.items():
        assert {c for p, f, c in codes if p == "kiotviet" and f == field} == values
    hv = {
        "Payment (financial_status)": {
            "pending",
            "authorized",
            "partially_paid",
            "paid",
            "partially_refunded",
            "refunded",
            "voided",
        },
        "Fulfilment (fulfillment_status)": {"notfulfilled", "partial", "fulfilled", "restocked"},
        "Confirmation (confirmed_status)": {"unconfirmed", "confirmed"},
        "Cancellation (cancelled_status)": {"uncancelled", "cancelled"},
        "Closing (closed_status)": {"unclosed", "closed"},
        "Carrier (carrier_status_code)": {
            "pending",
            "readytopick",
            "picking",
            "delivering",
            "delivered",
            "notmeetcustomer",
            "waitingforreturn",
            "return",
            "cancel",
        },
        "COD (carrier_cod_status_code)": {"none", "codpending", "codpaid", "codreceipt", "codnotreceipt"},
    }
    for field, values in hv.items():
        assert {c for p, f, c in codes if p == "haravan" and f == field} == values


def test_english_screen(shop: Shop) -> None:
    order = shop.web_order(lines=[{"sku": "HRV-003", "quantity": 1}])
    shop.client.cookies["kiotsync_language"] = "en"
    page = shop.client.get("/orders/?state=error").content.decode()
    assert "SKU HRV-003" in page and "is not linked to KiotViet." in page
    assert order["name"] in page
