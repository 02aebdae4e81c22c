"""Processing at Haravan, a Haravan web order, end to end on both emulators (issue 10).

The order is created once in KiotViet in the order branch (its stock reserved there, so the stock
sync no longer puts the sold units back on sale), and Haravan's handling drives the KiotViet order:
confirmed → confirmed, fulfilled → an invoice from the order (the stock leaves KiotViet),
cancelled → cancelled (the reservation released). Nothing KiotViet does to it is pushed back to
Haravan; a KiotViet cancellation is shown as an error for the merchant to decide.

(Replaces ``test_haravan_web_orders_stay_in_haravan``, which asserted the lost sale: the web order
skipped as "processed_at_haravan" and no KiotViet order.)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kiotsync.orders.models import OrderLink
from kiotsync.orders.polling import poll_tenant
from kiotsync.tenants.models import SyncSettings
from kiotsync.wiring import get_wiring

from .conftest import Shop


@dataclass(frozen=True)
class Stock:
    on_hand: float
    reserved: float

    @property
    def available(self) -> float:
        return self.on_hand - self.reserved


def _stock(shop: Shop, code: str, branch: int = 0) -> Stock:
    product = get_wiring().kiotviet(shop.tenant).get_product_by_code(code)
    inv = product.inventory_at(shop.branches[branch]["id"])
    assert inv is not None
    return Stock(inv.on_hand, inv.reserved)


def _only_kv_order(shop: Shop, hv_order_id: int) -> object:
    found = shop.kv_orders_for(hv_order_id)
    assert len(found) == 1, [o.code for o in found]
    return shop.kv_order(found[0].id)


def _actions(link: OrderLink) -> list[str]:
    return list(link.events.filter(kind="action").values_list("message", flat=True))


def test_web_order_is_created_once_in_kiotviet_and_reserves_its_stock(hv_shop: Shop) -> None:
    shop = hv_shop
    before = _stock(shop, "ATCB-DEN-M")
    other_branch = _stock(shop, "ATCB-DEN-M", branch=1)
    order = shop.web_order()  # 2 × ATCB-DEN-M, COD
    link = shop.link(order["id"])
    assert (link.origin, link.processed_at, link.state) == ("haravan", "haravan", OrderLink.State.SYNCED)
    kv = _only_kv_order(shop, order["id"])
    assert link.kv_order_id == kv.id and link.kv_order_code == kv.code  # type: ignore[attr-defined]
    assert kv.branch_id == shop.branches[0]["id"] and kv.status == 1  # type: ignore[attr-defined]
    assert [(d.product_code, d.quantity) for d in kv.details] == [("ATCB-DEN-M", 2)]  # type: ignore[attr-defined]
    assert order["name"] in kv.description and kv.using_cod  # type: ignore[attr-defined]
    # Reserved in the order branch: KiotViet's sellable stock (what Haravan is shown) drops by 2.
    after = _stock(shop, "ATCB-DEN-M")
    assert (after.on_hand, after.reserved) == (before.on_hand, before.reserved + 2)
    assert after.available == before.available - 2
    assert _stock(shop, "ATCB-DEN-M", branch=1) == other_branch
    # Haravan is the master of its own order: KiotSync wrote nothing to it.
    hv = shop.hv_order(order["id"])
    assert hv["confirmed_status"] == "unconfirmed" and hv["fulfillments"] == []
    assert _actions(link) == ["Tạo đơn đặt hàng KiotViet"]
    page = shop.client.get(f"/orders/{order['id']}").content.decode()
    assert "Đơn phát sinh trên Haravan, xử lý tại Haravan" in page and kv.code in page  # type: ignore[attr-defined]
    shop.client.cookies["kiotsync_language"] = "en"
    page = shop.client.get(f"/orders/{order['id']}").content.decode()
    assert "Order born on Haravan, processed on Haravan" in page
    del shop.client.cookies["kiotsync_language"]
    # The same facts again (duplicate webhooks, a poll) change nothing.
    shop.post_haravan_webhook("orders/updated", hv)
    shop.settle()
    assert len(shop.kv_orders_for(order["id"])) == 1 and _stock(shop, "ATCB-DEN-M") == after


def test_haravan_handling_drives_the_kiotviet_order(hv_shop: Shop) -> None:
    shop = hv_shop
    before = _stock(shop, "ATCB-DEN-M")
    order = shop.web_order()
    hv_id = order["id"]
    kv = _only_kv_order(shop, hv_id)
    kv_id = kv.id  # type: ignore[attr-defined]

    shop.hv(f"/com/orders/{hv_id}/confirm.json")
    assert shop.kv_order(kv_id).status == 5

    f = shop.hv(f"/orders/{hv_id}/fulfill")["fulfillment"]
    (inv,) = shop.kv_invoices(kv_id)
    assert f"[HRVF:{f['id']}]" in (inv.description or "") and inv.order_code == kv.code  # type: ignore[attr-defined]
    assert inv.delivery is not None
    assert (inv.delivery.status, inv.delivery.delivery_code, inv.delivery.using_price_cod) == (
        11,  # "Chờ chuyển hàng" ← readytopick
        f["tracking_number"],
        True,
    )
    assert inv.delivery.price_cod_payment == Decimal(order["total_price"])
    assert shop.kv_order(kv_id).status == 3  # invoiced from the order: "Hoàn thành"
    # The sale is made in KiotViet: the stock leaves on hand, the reservation is consumed.
    sold = _stock(shop, "ATCB-DEN-M")
    assert (sold.on_hand, sold.reserved) == (before.on_hand - 2, before.reserved)

    shop.hv(f"/orders/{hv_id}/carrier", carrier_status_code="delivering")
    assert shop.kv_invoices(kv_id)[0].delivery.status == 2
    shop.hv(f"/orders/{hv_id}/carrier", carrier_status_code="delivered", carrier_cod_status_code="codreceipt")
    (inv,) = shop.kv_invoices(kv_id)
    assert inv.delivery.status == 3 and inv.status == 1

    link = shop.link(hv_id)
    assert link.state == OrderLink.State.SYNCED
    assert _actions(link) == [
        "Tạo đơn đặt hàng KiotViet",
        "Xác nhận đơn KiotViet",
        "Tạo hóa đơn KiotViet từ vận đơn Haravan",
        "Cập nhật giao hàng KiotViet (delivering)",
        "Cập nhật giao hàng KiotViet (delivered)",
        "Ghi nhận đã thu COD trên KiotViet",
    ]
    # Nothing came back to Haravan: its one fulfilment is the merchant's, the order not closed.
    hv = shop.hv_order(hv_id)
    assert len(hv["fulfillments"]) == 1 and hv["closed_status"] == "unclosed"
    assert _stock(shop, "ATCB-DEN-M") == sold  # and KiotViet's stock left exactly once


def test_partial_fulfilments_invoice_their_lines(hv_shop: Shop) -> None:
    shop = hv_shop
    order = shop.web_order(lines=[{"sku": "ATCB-DEN-M", "quantity": 1}, {"sku": "SP000008", "quantity": 2}])
    kv = _only_kv_order(shop, order["id"])
    kv_id = kv.id  # type: ignore[attr-defined]
    sp8 = next(li for li in order["line_items"] if li["sku"] == "SP000008")
    shop.hv(f"/orders/{order['id']}/fulfill", line_items=[{"id": sp8["id"], "quantity": 2}])
    (inv,) = shop.kv_invoices(kv_id)
    assert [(d.product_code, d.quantity) for d in inv.details] == [("SP000008", 2)]
    assert shop.kv_order(kv_id).status == 2  # partly invoiced
    shop.hv(f"/orders/{order['id']}/fulfill")
    invoices = shop.kv_invoices(kv_id)
    assert len(invoices) == 2 and shop.kv_order(kv_id).status == 3


def test_prepaid_web_order_records_the_payment_in_kiotviet(hv_shop: Shop) -> None:
    shop = hv_shop
    order = shop.web_order(gateway="Chuyển khoản ngân hàng", financial_status="paid")
    kv = shop.kv_order(_only_kv_order(shop, order["id"]).id)  # type: ignore[attr-defined]
    assert not kv.using_cod and kv.total_payment == Decimal(order["total_price"])
    assert [p.method for p in kv.payments] == ["Transfer"]
    shop.hv(f"/orders/{order['id']}/fulfill")
    (inv,) = shop.kv_invoices(kv.id)
    assert shop.kv_order(kv.id).status == 3
    assert not inv.using_cod  # paid already: nothing to collect, nothing paid twice


def test_payment_on_haravan_after_the_order_reaches_the_invoice(hv_shop: Shop) -> None:
    shop = hv_shop
    order = shop.web_order(gateway="Chuyển khoản")
    kv_id = _only_kv_order(shop, order["id"]).id  # type: ignore[attr-defined]
    shop.hv(f"/orders/{order['id']}/pay")  # the transfer arrives
    assert shop.hv_order(order["id"])["financial_status"] == "paid"
    shop.hv(f"/orders/{order['id']}/fulfill")
    (inv,) = shop.kv_invoices(kv_id)
    assert inv.total_payment == Decimal(order["total_price"])


def test_haravan_cancellation_cancels_kiotviet_and_returns_the_stock(hv_shop: Shop) -> None:
    shop = hv_shop
    before = _stock(shop, "ATCB-DEN-M")
    order = shop.web_order()
    kv_id = _only_kv_order(shop, order["id"]).id  # type: ignore[attr-defined]
    assert _stock(shop, "ATCB-DEN-M").reserved == before.reserved + 2
    shop.hv(f"/orders/{order['id']}/cancel", reason="customer")
    assert shop.kv_order(kv_id).status == 4
    assert _stock(shop, "ATCB-DEN-M") == before  # the reservation is released
    link = shop.link(order["id"])
    assert link.state == OrderLink.State.SYNCED and link.kv_status == "Đã hủy"
    assert shop.hv_order(order["id"])["cancelled_status"] == "cancelled"  # (Haravan's own)


def test_haravan_cancellation_after_fulfilment_cancels_the_invoice_too(hv_shop: Shop) -> None:
    shop = hv_shop
    before = _stock(shop, "ATCB-DEN-M")
    order = shop.web_order()
    kv_id = _only_kv_order(shop, order["id"]).id  # type: ignore[attr-defined]
    shop.hv(f"/orders/{order['id']}/fulfill")
    assert _stock(shop, "ATCB-DEN-M").on_hand == before.on_hand - 2
    shop.hv(f"/orders/{order['id']}/cancel")
    assert shop.kv_order(kv_id).status == 4
    assert [i.status for i in shop.kv_invoices(kv_id)] == [2]
    assert _stock(shop, "ATCB-DEN-M") == before  # the goods are back on hand


def test_kiotviet_changes_are_not_pushed_back_over_haravan(hv_shop: Shop) -> None:
    shop = hv_shop
    order = shop.web_order()
    kv_id = _only_kv_order(shop, order["id"]).id  # type: ignore[attr-defined]
    shop.kv(f"/orders/{kv_id}", "PUT", status=5)  # confirmed in KiotViet
    shop.kv(f"/orders/{kv_id}/complete", delivery_status=2)  # invoiced at the till
    hv = shop.hv_order(order["id"])
    assert hv["confirmed_status"] == "unconfirmed" and hv["fulfillments"] == []
    assert hv["financial_status"] == "pending"
    on_hand = _stock(shop, "ATCB-DEN-M").on_hand
    # Haravan fulfils later: KiotViet already sold the goods, no second invoice, no second exit.
    shop.hv(f"/orders/{order['id']}/fulfill")
    assert len(shop.kv_invoices(kv_id)) == 1 and _stock(shop, "ATCB-DEN-M").on_hand == on_hand
    assert shop.link(order["id"]).state == OrderLink.State.SYNCED


def test_kiotviet_cancellation_needs_the_merchant_then_haravan_settles_it(hv_shop: Shop) -> None:
    shop = hv_shop
    order = shop.web_order()
    kv = _only_kv_order(shop, order["id"])
    shop.kv(f"/orders/{kv.id}/cancel")  # type: ignore[attr-defined]
    hv = shop.hv_order(order["id"])
    assert hv["cancelled_status"] == "uncancelled"  # Haravan is the master: not cancelled
    link = shop.link(order["id"])
    assert (link.state, link.reason_code) == (OrderLink.State.ERROR, "kv_cancelled_hv_open")
    assert link.reason_params == {"code": kv.code, "name": order["name"]}  # type: ignore[attr-defined]
    page = shop.client.get("/orders/?state=error").content.decode()
    assert f"Đơn KiotViet {kv.code} đã bị hủy trên KiotViet" in page  # type: ignore[attr-defined]
    assert f"hãy hủy đơn {order['name']} trên Haravan" in page
    shop.client.cookies["kiotsync_language"] = "en"
    page = shop.client.get("/orders/?state=error").content.decode()
    assert f"KiotViet order {kv.code} was cancelled in KiotViet" in page  # type: ignore[attr-defined]
    del shop.client.cookies["kiotsync_language"]
    # The customer really cancelled: the merchant cancels on Haravan too; nothing left to do.
    shop.hv(f"/orders/{order['id']}/cancel")
    link.refresh_from_db()
    assert link.state == OrderLink.State.SYNCED and link.reason_code == ""
    assert len(shop.kv_orders_for(order["id"])) == 1


def test_kiotviet_cancellation_then_the_merchant_creates_it_again(hv_shop: Shop) -> None:
    shop = hv_shop
    before = _stock(shop, "ATCB-DEN-M")
    order = shop.web_order()
    first = _only_kv_order(shop, order["id"])
    shop.kv(f"/orders/{first.id}/cancel")  # type: ignore[attr-defined]
    assert _stock(shop, "ATCB-DEN-M") == before
    link = shop.link(order["id"])
    shop.hv(f"/com/orders/{order['id']}/confirm.json")  # Haravan goes on meanwhile
    link.refresh_from_db()
    assert link.reason_code == "kv_cancelled_hv_open" and not link.recreate
    resp = shop.client.post(f"/orders/link/{link.pk}/sync")
    assert resp.status_code == 302
    shop.settle()
    link.refresh_from_db()
    live = [o for o in shop.kv_orders_for(order["id"]) if o.status != 4]
    assert len(live) == 1 and len(shop.kv_orders_for(order["id"])) == 2
    assert link.kv_order_id == live[0].id != first.id  # type: ignore[attr-defined]
    assert link.state == OrderLink.State.SYNCED and not link.recreate
    assert shop.kv_order(live[0].id).status == 5  # Haravan's confirmation, on the new order
    assert _stock(shop, "ATCB-DEN-M").reserved == before.reserved + 2  # reserved again, once
    # The poll seeing the old, cancelled copy changes nothing; it is never adopted again.
    poll_tenant(shop.tenant, get_wiring())
    shop.settle()
    shop.hv(f"/orders/{order['id']}/fulfill")
    link.refresh_from_db()
    assert link.kv_order_id == live[0].id and link.state == OrderLink.State.SYNCED
    assert len(shop.kv_invoices(live[0].id)) == 1
    assert "Tạo lại đơn đặt hàng KiotViet" in _actions(link)


def test_create_timing_out_after_kiotviet_committed_is_adopted_in_haravan_mode(hv_shop: Shop) -> None:
    shop = hv_shop
    before = _stock(shop, "ATCB-DEN-M")
    shop.faults(
        "kiotviet", {"method": "POST", "path": "/orders", "after_commit": True, "status": 504, "count": 1}
    )
    shop.p.kv.webhooks.pause()  # and KiotViet's own webhook about it is lost too
    order = shop.web_order()
    link = shop.link(order["id"])
    assert (link.state, link.reason_code) == (OrderLink.State.WAITING, "checking_previous")
    assert shop.intent(link)["marker"] == f"[HRV:{order['id']}]"  # type: ignore[index]
    assert len(shop.kv_orders_for(order["id"])) == 1  # KiotViet did create it
    shop.p.kv.webhooks.clear()
    shop.p.kv.webhooks.resume()
    shop.retry_due()
    shop.retry_due()  # once more: nothing left to do, still one order
    link.refresh_from_db()
    kv = _only_kv_order(shop, order["id"])
    assert link.state == OrderLink.State.SYNCED and link.kv_order_id == kv.id  # type: ignore[attr-defined]
    assert shop.intent(link) is None
    assert link.events.filter(kind="adopted", message__contains=kv.code).exists()  # type: ignore[attr-defined]
    assert _stock(shop, "ATCB-DEN-M").reserved == before.reserved + 2  # reserved once
    # Haravan still drives the adopted order.
    shop.hv(f"/orders/{order['id']}/fulfill")
    assert [i.status for i in shop.kv_invoices(kv.id)] == [3]  # type: ignore[attr-defined]


def test_creating_again_timing_out_after_kiotviet_committed_is_adopted(hv_shop: Shop) -> None:
    shop = hv_shop
    order = shop.web_order()
    first = _only_kv_order(shop, order["id"])
    shop.kv(f"/orders/{first.id}/cancel")  # type: ignore[attr-defined]
    link = shop.link(order["id"])
    shop.faults(
        "kiotviet", {"method": "POST", "path": "/orders", "after_commit": True, "status": 504, "count": 1}
    )
    shop.p.kv.webhooks.pause()
    shop.client.post(f"/orders/link/{link.pk}/sync")
    shop.p.kv.webhooks.clear()
    shop.p.kv.webhooks.resume()
    link.refresh_from_db()
    assert link.reason_code == "checking_previous" and link.kv_order_id == first.id  # type: ignore[attr-defined]
    shop.retry_due()
    link.refresh_from_db()
    live = [o for o in shop.kv_orders_for(order["id"]) if o.status != 4]
    assert len(live) == 1 and link.kv_order_id == live[0].id and link.state == OrderLink.State.SYNCED
    assert not link.recreate and shop.intent(link) is None


def test_order_first_seen_while_kiotviet_processes_keeps_its_side(shop: Shop) -> None:
    """The side is decided when the order is first seen: switching later changes new orders only."""
    order = shop.web_order()
    kv_id = _only_kv_order(shop, order["id"]).id  # type: ignore[attr-defined]
    SyncSettings.objects.filter(tenant=shop.tenant).update(order_side="haravan")
    shop.hv(f"/orders/{order['id']}/fulfill")  # a Haravan fulfilment does not invoice KiotViet…
    assert shop.kv_invoices(kv_id) == []
    shop.kv(f"/orders/{kv_id}", "PUT", status=5)  # …KiotViet still drives it
    assert shop.hv_order(order["id"])["confirmed_status"] == "confirmed"
    assert shop.link(order["id"]).processed_at == "kiotviet"
    second = shop.web_order(lines=[{"sku": "SP000007", "quantity": 1}])
    assert shop.link(second["id"]).processed_at == "haravan"
    assert len(shop.kv_orders_for(second["id"])) == 1


def test_sold_units_stay_off_sale_on_haravan_after_a_kiotviet_stock_change(hv_shop: Shop) -> None:
    """The issue's symptom: the next KiotViet stock change must not put the web sale back on sale."""
    from kiotsync.catalog import usecases as catalog
    from kiotsync.catalog.models import SyncJob, VariantLinkRecord

    shop = hv_shop
    location = shop.p.hv_creds["locations"][0]["id"]
    SyncSettings.objects.filter(tenant=shop.tenant).update(
        stock_mode=SyncSettings.StockMode.ORDER_BRANCH, haravan_location_id=location
    )

    def sync_catalogue() -> None:
        job = catalog.start_sync_now(shop.tenant, get_wiring())
        job.refresh_from_db()
        assert job.state == SyncJob.State.DONE, job.message

    def haravan_available(variant_id: int) -> float:
        (level,) = get_wiring().haravan(shop.tenant).inventory_locations([variant_id], [location])
        return level.qty_onhand - level.qty_committed

    sync_catalogue()
    row = get_wiring().kiotviet(shop.tenant).get_product_by_code("ATCB-DEN-M")
    variant = VariantLinkRecord.objects.get(tenant=shop.tenant, kv_id=row.id).hv_variant_id
    reserved = _stock(shop, "ATCB-DEN-M").reserved  # (other open KiotViet orders)
    shop.web_order()  # 2 units sold on the web
    # A stock count in KiotViet, then the stock sync: Haravan shows what is really left.
    shop.kv("/stock", code="ATCB-DEN-M", branch_id=shop.branches[0]["id"], on_hand=20)
    sync_catalogue()
    assert _stock(shop, "ATCB-DEN-M") == Stock(20, reserved + 2)
    assert haravan_available(variant) == 20 - reserved - 2  # not 20 - reserved: the 2 stay sold


def test_web_orders_skipped_by_earlier_versions_are_created_on_request(hv_shop: Shop) -> None:
    """A link left by the old rule ("processed_at_haravan", skipped) is marked processed at
    Haravan by the migration; the merchant's "Đồng bộ sang KiotViet" creates its KiotViet order."""
    import importlib

    from django.apps import apps

    shop = hv_shop
    shop.p.hv.webhooks.pause()
    order = shop.p.hv_control(
        "POST",
        f"/shops/{shop.orgid}/web_orders",
        json={"line_items": [{"sku": "SP000007", "quantity": 1}], "customer": {"phone": "0977000111"}},
    )["order"]
    shop.p.hv.webhooks.clear()
    shop.p.hv.webhooks.resume()
    OrderLink.objects.create(  # what the old first-sight rule left behind
        tenant=shop.tenant,
        origin=OrderLink.Origin.HARAVAN,
        hv_order_id=order["id"],
        hv_snapshot=shop.hv_order(order["id"]),
        hv_name=order["name"],
        state=OrderLink.State.SKIPPED,
        skip_code="processed_at_haravan",
        reason_code="processed_at_haravan",
        needs_sync=False,
    )
    migration = importlib.import_module("kiotsync.orders.migrations.0004_processed_at")
    migration.mark_processed_at_haravan(apps, None)
    link = shop.link(order["id"])
    assert link.processed_at == "haravan" and shop.kv_orders_for(order["id"]) == []
    page = shop.client.get("/orders/").content.decode()
    assert "phiên bản KiotSync trước đây bỏ qua" in page
    assert shop.client.post(f"/orders/link/{link.pk}/sync").status_code == 302
    shop.settle()
    link.refresh_from_db()
    kv = _only_kv_order(shop, order["id"])
    assert link.state == OrderLink.State.SYNCED and link.kv_order_id == kv.id  # type: ignore[attr-defined]
    shop.hv(f"/orders/{order['id']}/fulfill")  # Haravan drives it
    assert [i.status for i in shop.kv_invoices(kv.id)] == [3]  # type: ignore[attr-defined]


def test_creating_again_waits_until_the_cancelled_orders_invoices_are_cancelled(hv_shop: Shop) -> None:
    """KiotViet cancelled an order it had partly invoiced: its invoice keeps the goods sold, so a new
    order (which Haravan's fulfilments would invoice again) waits until the merchant cancels it."""
    shop = hv_shop
    order = shop.web_order(lines=[{"sku": "ATCB-DEN-M", "quantity": 1}, {"sku": "SP000008", "quantity": 2}])
    first = _only_kv_order(shop, order["id"])
    sp8 = next(li for li in order["line_items"] if li["sku"] == "SP000008")
    shop.hv(f"/orders/{order['id']}/fulfill", line_items=[{"id": sp8["id"], "quantity": 2}])
    (invoice,) = shop.kv_invoices(first.id)  # type: ignore[attr-defined]
    shop.kv(f"/orders/{first.id}/cancel")  # type: ignore[attr-defined]
    link = shop.link(order["id"])
    assert link.reason_code == "kv_cancelled_hv_open"
    shop.client.post(f"/orders/link/{link.pk}/sync")
    shop.settle()
    link.refresh_from_db()
    assert (link.state, link.reason_code) == (OrderLink.State.ERROR, "kv_cancelled_invoiced")
    assert link.reason_params["invoices"] == invoice.code and link.recreate
    page = shop.client.get("/orders/?state=error").content.decode()
    assert f"Hủy hóa đơn {invoice.code} trên KiotViet" in page
    assert len(shop.kv_orders_for(order["id"])) == 1
    shop.kv(f"/invoices/{invoice.id}/cancel")  # the merchant does what the screen says
    link.refresh_from_db()
    live = [o for o in shop.kv_orders_for(order["id"]) if o.status != 4]
    assert len(live) == 1 and link.kv_order_id == live[0].id and link.state == OrderLink.State.SYNCED
    # The new order carries the whole sale again: Haravan's fulfilment invoiced on it.
    (again,) = shop.kv_invoices(live[0].id)
    assert [(d.product_code, d.quantity) for d in again.details] == [("SP000008", 2)]
    assert not link.recreate
