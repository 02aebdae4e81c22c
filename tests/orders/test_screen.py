"""The "Đơn hàng Haravan" screen: states, search, filters (Đồng bộ lỗi), paging, detail with
timeline, re-sync, import of past orders, tenancy; and the status map on the settings screen."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from kiotsync.core.orders import STATUS_MAP
from kiotsync.orders.models import OrderFeed, OrderLink
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
    # Issue 12: the settings card speaks the merchant's words — every status by its label, the
    # field without its API name; the platform's code only marks the row (data-code), unseen.
    for row in STATUS_MAP:
        assert f'data-code="{row.code}"' in page
        assert row.label.vi in page and row.field_words.vi in page
    assert "<code>" not in page.split('data-testid="status-map"', 1)[1].split("</details>", 1)[0]
    for api_name in ("financial_status", "fulfillment_status", "carrier_status_code", "capture"):
        assert api_name not in page
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


# -- issue 12: words, not codes; the language the merchant chose --------------------------------


def test_statuses_shipments_and_invoices_in_words_in_both_languages(shop: Shop) -> None:
    order = shop.web_order()
    (kv,) = shop.kv_orders_for(order["id"])
    shop.kv(f"/orders/{kv.id}/complete", deliverystatus=3)
    detail = shop.client.get(f"/orders/{order['id']}").content.decode()
    # The invoice and the shipment in words: never "HD000006 · 1 · giao hàng 3", "· delivered · COD none".
    assert "Hoàn thành · giao hàng: Giao thành công" in detail
    assert "Không thu hộ" in detail and "COD none" not in detail and "· delivered" not in detail
    shop.client.cookies["kiotsync_language"] = "en"
    detail = shop.client.get(f"/orders/{order['id']}").content.decode()
    assert f"Order {order['name']}" in detail and f"Orders {order['name']}" not in detail
    assert "Completed · delivery: Delivered" in detail and "No COD" in detail
    listing = shop.client.get("/orders/").content.decode()
    # The listed statuses follow the language (they are stored in Vietnamese on the link).
    assert "Confirmed · Fulfilled" in listing and "Completed" in listing
    for vietnamese in ("Đã xác nhận", "Hoàn thành", "Chưa giao hàng", "Phiếu tạm", "Đã đồng bộ"):
        assert vietnamese not in listing, vietnamese
    assert ">Sync status<" in listing and ">Sync now<" not in listing


def test_no_retry_is_offered_for_a_skipped_cancelled_order(shop: Shop) -> None:
    cancelled = OrderLink.objects.create(
        tenant=shop.tenant,
        origin="haravan",
        hv_order_id=31_000_001,
        hv_name="#31001",
        hv_created_at=timezone.now(),
        state="skipped",
        reason_code="cancelled_before_sync",
        needs_sync=False,
    )
    early = OrderLink.objects.create(
        tenant=shop.tenant,
        origin="haravan",
        hv_order_id=31_000_002,
        hv_name="#31002",
        hv_created_at=timezone.now(),
        state="skipped",
        reason_code="before_sync_start",
        needs_sync=False,
    )
    page = shop.client.get("/orders/?state=skipped").content.decode()
    assert (
        f'data-testid="resync-{cancelled.pk}"' not in page
        and f'data-testid="select-{cancelled.pk}"' not in page
    )
    # Placed before syncing started: pushing it through is what the merchant may want.
    assert f'data-testid="resync-{early.pk}"' in page


def test_importing_past_orders_says_what_it_does(shop: Shop) -> None:
    feed, _ = OrderFeed.objects.get_or_create(tenant=shop.tenant)
    OrderFeed.objects.filter(pk=feed.pk).update(import_state="queued", import_message="2026-11-20")
    page = shop.client.get("/orders/").content.decode()
    card = page[page.index('id="import-card"') : page.index("</details>")]
    assert (
        "Đang nhập đơn cũ từ ngày 20/11/2026" in card and 'hx-trigger="every 2s"' in card and " open" in card
    )
    OrderFeed.objects.filter(pk=feed.pk).update(
        import_state="done", import_message="4|2026-11-20|2026-12-02T10:15:00+07:00"
    )
    page = shop.client.get("/orders/").content.decode()
    assert "Đã nhận 4 đơn đặt từ ngày 20/11/2026" in page and "every 2s" not in page
    # Dates as Vietnamese shops write them, whatever the browser's own date picker would show.
    today = timezone.localdate()
    resp = shop.client.post("/orders/import", {"since": today.strftime("%d/%m/%Y")}, HTTP_HX_REQUEST="true")
    assert resp.status_code == 200 and 'type="date"' not in resp.content.decode()
    assert "ngày/tháng/năm" in shop.client.get("/orders/").content.decode()
