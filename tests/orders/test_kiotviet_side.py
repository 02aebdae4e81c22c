"""Processing at KiotViet, end to end on both emulators: a Haravan order becomes a KiotViet order
(customer, lines, shipping, discounts, COD/prepaid, address, name in the description) and every
KiotViet status change flows back to Haravan."""

from __future__ import annotations

from decimal import Decimal

from kiotsync.orders.models import OrderLink

from .conftest import Shop


def _kv_of(shop: Shop, order: dict) -> object:
    found = shop.kv_orders_for(order["id"])
    assert len(found) == 1, [o.code for o in found]
    return shop.kv_order(found[0].id)


def test_web_order_becomes_a_kiotviet_order_with_everything(shop: Shop) -> None:
    known = shop.kv("/customers", name="Khách Quen", contactNumber="0901234567")
    order = shop.web_order(
        lines=[{"sku": "ATCB-DEN-M", "quantity": 2}, {"sku": "QJSF-30", "quantity": 1}],
        customer={"first_name": "Quen", "last_name": "Khách", "phone": "+84 901 234 567"},
        shipping_address={
            "name": "Khách Quen",
            "phone": "+84 901 234 567",
            "address1": "45 Hàng Bài",
            "ward": "Phường Hàng Bài",
            "district": "Quận Hoàn Kiếm",
            "province": "Hà Nội",
        },
        discount_codes=[{"code": "GIAM20K", "amount": 20000, "type": "fixed_amount"}],
    )
    kv = _kv_of(shop, order)
    link = shop.link(order["id"])
    assert link.state == OrderLink.State.SYNCED and link.kv_order_code == kv.code
    assert kv.branch_id == shop.branches[0]["id"]
    assert kv.customer_id == known["id"]  # found by phone, normalised (+84 …) and exact
    assert order["name"] in kv.description and f"[HRV:{order['id']}]" in kv.description
    assert [(d.product_code, d.quantity, d.price) for d in kv.details] == [
        ("ATCB-DEN-M", 2, Decimal(149000)),
        ("QJSF-30", 1, Decimal(459000)),
    ]
    assert kv.discount == Decimal(20000)
    surcharges = kv.raw["invoiceOrderSurcharges"]
    assert [(s["surchargeName"], s["price"]) for s in surcharges] == [("Phí vận chuyển web", 30000)]
    assert kv.total == Decimal(order["total_price"]) == Decimal(2 * 149000 + 459000 - 20000 + 30000)
    assert kv.using_cod and kv.total_payment == 0
    assert kv.delivery is not None
    assert (kv.delivery.receiver, kv.delivery.contact_number, kv.delivery.address) == (
        "Khách Quen",
        "0901234567",
        "45 Hàng Bài",
    )
    assert kv.delivery.location_name == "Hà Nội - Quận Hoàn Kiếm" and kv.delivery.price == Decimal(30000)
    channel = next(c for c in shop.p.kv_creds["sale_channels"] if c["id"] == kv.sale_channel_id)
    assert channel["name"] == "Website"


def test_new_customer_is_created_once_and_found_again(shop: Shop) -> None:
    phone = "0933111222"
    first = shop.web_order(customer={"first_name": "Mới", "last_name": "Khách", "phone": phone})
    second = shop.web_order(customer={"first_name": "Mới", "last_name": "Khách", "phone": "84933111222"})
    a, b = _kv_of(shop, first), _kv_of(shop, second)
    assert a.customer_id is not None and a.customer_id == b.customer_id
    with_phone = [
        c for c in shop.kv_customers() if (c.contact_number or "").replace(" ", "").endswith("933111222")
    ]
    assert len(with_phone) == 1


def test_prepaid_order_carries_its_payment(shop: Shop) -> None:
    order = shop.web_order(gateway="Chuyển khoản ngân hàng", financial_status="paid")
    kv = _kv_of(shop, order)
    assert not kv.using_cod
    assert kv.total_payment == Decimal(order["total_price"])
    assert [p.method for p in kv.payments] == ["Transfer"]


def test_kiotviet_progress_flows_back_to_haravan(shop: Shop) -> None:
    order = shop.web_order()
    kv = _kv_of(shop, order)
    hv = shop.hv_order(order["id"])
    assert hv["confirmed_status"] == "unconfirmed"

    shop.kv(f"/orders/{kv.id}", "PUT", status=5)  # confirmed in KiotViet
    assert shop.hv_order(order["id"])["confirmed_status"] == "confirmed"

    done = shop.kv(
        f"/orders/{kv.id}/complete",
        deliveryDetail={
            "status": 2,
            "deliveryCode": "GHN0001",
            "usingPriceCod": True,
            "priceCodPayment": order["total_price"],
            "partnerDelivery": {"name": "Giao Hàng Nhanh"},
        },
        usingCod=True,
    )
    hv = shop.hv_order(order["id"])
    assert hv["fulfillment_status"] == "fulfilled"
    (f,) = hv["fulfillments"]
    assert (f["carrier_status_code"], f["carrier_cod_status_code"], f["tracking_number"]) == (
        "delivering",
        "codpending",
        "GHN0001",
    )
    assert f["tracking_company"] == "Giao Hàng Nhanh" and f["cod_amount"] == order["total_price"]

    shop.kv(f"/invoices/{done['invoice']['id']}/delivery", status=3)  # delivered, COD collected
    hv = shop.hv_order(order["id"])
    (f,) = hv["fulfillments"]
    assert (f["carrier_status_code"], f["carrier_cod_status_code"]) == ("delivered", "codpaid")
    assert hv["financial_status"] == "paid"
    assert hv["closed_status"] == "closed"  # completed, delivered and paid: nothing left to do

    link = shop.link(order["id"])
    assert link.state == OrderLink.State.SYNCED
    # No echo: one KiotViet order, and the link's timeline holds each push once.
    assert len(shop.kv_orders_for(order["id"])) == 1
    actions = list(link.events.filter(kind="action").values_list("message", flat=True))
    assert actions == [
        "Tạo đơn đặt hàng KiotViet",
        "Xác nhận đơn Haravan",
        f"Tạo vận đơn Haravan từ hóa đơn {done['invoice']['code']}",
        "Cập nhật vận chuyển Haravan (delivered, codpaid)",
        "Đóng đơn Haravan",
    ]


def test_payment_in_kiotviet_is_captured_on_haravan(shop: Shop) -> None:
    order = shop.web_order(gateway="Chuyển khoản", lines=[{"sku": "SP000007", "quantity": 1}])
    kv = _kv_of(shop, order)
    shop.kv(f"/orders/{kv.id}/complete", totalPayment=order["total_price"], method="Transfer")
    hv = shop.hv_order(order["id"])
    assert hv["financial_status"] == "paid"
    captures = [t for t in hv["transactions"] if t["kind"] == "capture"]
    assert [t["amount"] for t in captures] == [order["total_price"]]
    assert hv["fulfillments"][0]["carrier_status_code"] == "pending"  # invoiced, delivery "Chờ xử lý"


def test_partial_invoices_become_partial_fulfilments(shop: Shop) -> None:
    order = shop.web_order(lines=[{"sku": "ATCB-DEN-M", "quantity": 1}, {"sku": "SP000008", "quantity": 2}])
    kv = _kv_of(shop, order)
    shop.kv(f"/orders/{kv.id}/complete", lines=[{"productCode": "SP000008", "quantity": 2}])
    hv = shop.hv_order(order["id"])
    assert hv["fulfillment_status"] == "partial"
    (f,) = hv["fulfillments"]
    assert [(li["sku"], li["quantity"]) for li in f["line_items"]] == [("SP000008", 2)]
    shop.kv(f"/orders/{kv.id}/complete")
    hv = shop.hv_order(order["id"])
    assert hv["fulfillment_status"] == "fulfilled" and len(hv["fulfillments"]) == 2
    assert shop.kv_order(kv.id).status == 3


def test_cancelled_invoice_cancels_the_delivery(shop: Shop) -> None:
    order = shop.web_order()
    kv = _kv_of(shop, order)
    done = shop.kv(f"/orders/{kv.id}/complete", delivery_status=2)
    shop.kv(f"/invoices/{done['invoice']['id']}/cancel")
    (f,) = shop.hv_order(order["id"])["fulfillments"]
    assert f["carrier_status_code"] == "cancel"


def test_kiotviet_cancellation_cancels_haravan_with_restock(shop: Shop) -> None:
    order = shop.web_order()
    kv = _kv_of(shop, order)
    shop.kv(f"/orders/{kv.id}/cancel")
    hv = shop.hv_order(order["id"])
    assert hv["cancelled_status"] == "cancelled"
    assert all(li["fulfillment_status"] == "restock" for li in hv["line_items"])
    assert shop.link(order["id"]).state == OrderLink.State.SYNCED


def test_haravan_cancellation_cancels_the_kiotviet_order(shop: Shop) -> None:
    order = shop.web_order()
    kv = _kv_of(shop, order)
    shop.hv(f"/orders/{order['id']}/cancel", reason="customer")
    assert shop.kv_order(kv.id).status == 4
    link = shop.link(order["id"])
    assert link.state == OrderLink.State.SYNCED and link.kv_status == "Đã hủy"


def test_haravan_cancellation_after_kiotviet_completed_is_explained(shop: Shop) -> None:
    order = shop.web_order()
    kv = _kv_of(shop, order)
    shop.kv(f"/orders/{kv.id}/complete", delivery_status=3)
    shop.hv(f"/orders/{order['id']}/cancel", restock=False)
    assert shop.kv_order(kv.id).status == 3
    link = shop.link(order["id"])
    assert link.state == OrderLink.State.ERROR and link.reason_code == "cannot_cancel_completed"
    page = shop.client.get("/orders/?state=error").content.decode()
    assert f"đơn KiotViet {kv.code} đã hoàn thành" in page
