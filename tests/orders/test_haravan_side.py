"""Processing at Haravan, end to end: orders born in KiotViet become Haravan orders (source
``kiotviet``), Haravan's handling flows back to KiotViet, and orders KiotSync created are never
pushed back as new ones. Haravan web orders in this mode: ``test_web_orders_at_haravan.py``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kiotsync.orders.models import OrderLink

from .conftest import Shop, configure


def _pos_order(shop: Shop, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "branchId": shop.branches[0]["id"],
        "lines": [{"productCode": "ATCB-DEN-M", "quantity": 1}, {"productCode": "QJSF-30", "quantity": 2}],
        "orderDelivery": {
            "receiver": "Phạm Hùng",
            "contactNumber": "0912345678",
            "address": "5 Trần Phú",
            "locationName": "Hà Nội - Quận Ba Đình",
            "wardName": "Phường Kim Mã",
        },
        "customer": {"name": "Phạm Hùng", "contactNumber": "0912345678"},
    }
    body.update(extra)
    return shop.kv("/pos/orders", **body)


def test_kiotviet_order_becomes_a_haravan_order(hv_shop: Shop) -> None:
    shop = hv_shop
    location = shop.p.hv_creds["locations"][1]
    from kiotsync.tenants.models import SyncSettings

    SyncSettings.objects.filter(tenant=shop.tenant).update(haravan_location_id=location["id"])
    kv = _pos_order(shop, totalPayment=100000, method="Cash")
    link = shop.link(kv_order_id=kv["id"])
    assert link.origin == OrderLink.Origin.KIOTVIET and link.state == OrderLink.State.SYNCED
    hv = shop.hv_order(link.hv_order_id)
    assert hv["source"] == "kiotviet"
    assert hv["note_attributes"] == [{"name": "KiotViet", "value": kv["code"]}] and "KiotViet" in hv["tags"]
    assert kv["code"] in hv["note"]
    assert [(li["sku"], li["quantity"], li["price"]) for li in hv["line_items"]] == [
        ("ATCB-DEN-M", 1, 149000),
        ("QJSF-30", 2, 459000),
    ]
    assert hv["customer"]["phone"] == "0912345678"
    ship = hv["shipping_address"]
    assert (ship["address1"], ship["province"], ship["district"], ship["ward"]) == (
        "5 Trần Phú",
        "Hà Nội",
        "Quận Ba Đình",
        "Phường Kim Mã",
    )
    assert Decimal(hv["total_price"]) == Decimal(kv["total"])
    assert hv["financial_status"] == "partially_paid"
    assert [t["amount"] for t in hv["transactions"] if t["kind"] == "capture"] == [100000]
    assert link.hv_name == hv["name"] and hv["location_id"] == location["id"]
    # KiotSync's own Haravan order is attached to this link, never pushed back to KiotViet.
    assert OrderLink.objects.filter(tenant=shop.tenant).count() == 1
    assert len(shop.kv_orders(f"[HRV:{hv['id']}]")) == 0


def test_haravan_handling_flows_back_to_kiotviet(hv_shop: Shop) -> None:
    shop = hv_shop
    kv = _pos_order(shop, usingCod=True)
    link = shop.link(kv_order_id=kv["id"])
    hv_id = link.hv_order_id
    shop.hv(f"/com/orders/{hv_id}/confirm.json")
    assert shop.kv_order(kv["id"]).status == 5

    f = shop.hv(f"/orders/{hv_id}/fulfill", cod_amount=kv["total"])["fulfillment"]
    (inv,) = shop.kv_invoices(kv["id"])
    assert inv.delivery is not None
    assert (inv.delivery.status, inv.delivery.delivery_code, inv.delivery.using_price_cod) == (
        11,  # "Chờ chuyển hàng" ← readytopick
        f["tracking_number"],
        True,
    )
    assert inv.delivery.price_cod_payment == Decimal(kv["total"])
    assert f"[HRVF:{f['id']}]" in (inv.description or "")
    assert shop.kv_order(kv["id"]).status == 3  # fully invoiced: "Hoàn thành"

    shop.hv(f"/orders/{hv_id}/carrier", carrier_status_code="delivering")
    assert shop.kv_invoices(kv["id"])[0].delivery.status == 2
    shop.hv(f"/orders/{hv_id}/carrier", carrier_status_code="delivered", carrier_cod_status_code="codreceipt")
    (inv,) = shop.kv_invoices(kv["id"])
    assert inv.delivery.status == 3 and inv.status == 1
    assert shop.link(kv_order_id=kv["id"]).state == OrderLink.State.SYNCED
    actions = list(
        shop.link(kv_order_id=kv["id"]).events.filter(kind="action").values_list("message", flat=True)
    )
    assert actions == [
        "Tạo đơn Haravan",
        "Xác nhận đơn KiotViet",
        "Tạo hóa đơn KiotViet từ vận đơn Haravan",
        "Cập nhật giao hàng KiotViet (delivering)",
        "Cập nhật giao hàng KiotViet (delivered)",
        "Ghi nhận đã thu COD trên KiotViet",
    ]


def test_haravan_cancellation_cancels_the_kiotviet_order_and_invoice(hv_shop: Shop) -> None:
    shop = hv_shop
    kv = _pos_order(shop)
    hv_id = shop.link(kv_order_id=kv["id"]).hv_order_id
    shop.hv(f"/orders/{hv_id}/fulfill")
    shop.hv(f"/orders/{hv_id}/cancel")
    assert shop.kv_order(kv["id"]).status == 4
    assert [i.status for i in shop.kv_invoices(kv["id"])] == [2]


def test_kiotviet_cancellation_cancels_haravan(hv_shop: Shop) -> None:
    shop = hv_shop
    kv = _pos_order(shop)
    hv_id = shop.link(kv_order_id=kv["id"]).hv_order_id
    shop.kv(f"/orders/{kv['id']}/cancel")
    hv = shop.hv_order(hv_id)
    assert hv["cancelled_status"] == "cancelled"
    assert all(li["fulfillment_status"] == "restock" for li in hv["line_items"])


def test_orders_kiotsync_created_never_come_back_as_new_ones(shop: Shop) -> None:
    """KiotViet processes; the KiotViet order KiotSync made is then touched after the merchant
    switched to processing at Haravan: it must not become a Haravan order (it came from one)."""
    order = shop.web_order()
    (kv,) = shop.kv_orders_for(order["id"])
    configure(shop.tenant, "haravan", shop.branches[0]["id"])
    shop.kv(f"/orders/{kv.id}", "PUT", status=5)
    hv_orders = [o for o in shop.hv_orders() if o["source"] == "kiotviet"]
    assert hv_orders == []
    assert OrderLink.objects.filter(tenant=shop.tenant).count() == 1
    assert shop.hv_order(order["id"])["confirmed_status"] == "confirmed"  # the status still flows


def test_unlinked_kiotviet_product_is_an_error_until_linked(hv_shop: Shop) -> None:
    shop = hv_shop
    kv = _pos_order(shop, lines=[{"productCode": "SP000010", "quantity": 1}])  # not on Haravan
    link = shop.link(kv_order_id=kv["id"])
    assert link.state == OrderLink.State.ERROR and link.reason_code == "kv_product_not_linked"
    assert link.reason_params["code"] == "SP000010"
    # The merchant creates the product on Haravan with that SKU, the catalogue links it.
    shop.p.hv_control(
        "POST",
        f"/shops/{shop.orgid}/com/products.json",
        json={"product": {"title": "Quần short", "variants": [{"sku": "SP000010", "price": 219000}]}},
    )
    from tests.orders.linking import mirror_and_link_by_sku

    mirror_and_link_by_sku(shop.tenant)
    resp = shop.client.post(f"/orders/link/{link.pk}/sync")
    assert resp.status_code == 302
    link.refresh_from_db()
    assert link.state == OrderLink.State.SYNCED and link.hv_order_id
    assert [li["sku"] for li in shop.hv_order(link.hv_order_id)["line_items"]] == ["SP000010"]
