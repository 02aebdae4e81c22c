"""Orders and invoices (§3.7, §3.8): stock reservation, invoicing, cancellation, settings."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kiotsync.emulators.common import Clock

from .helpers import Api, ctl


@pytest.fixture
def branch(creds: dict[str, Any]) -> int:
    return int(creds["branches"][0]["id"])


def _order(api: Api, branch: int, lines: list[tuple[str, float]], **extra: Any) -> dict[str, Any]:
    details = []
    for code, qty in lines:
        p = api.product(code)
        details.append({"productId": p["id"], "productCode": code, "quantity": qty, "price": p["basePrice"]})
    return dict(api.ok("POST", "/orders", json={"branchId": branch, "orderDetails": details, **extra}))


def test_order_create_reserves_and_cancel_releases(api: Api, branch: int) -> None:
    before = api.stock("ATCB-DEN-L", branch)
    order = _order(api, branch, [("ATCB-DEN-L", 2)], description="Web order #1001")
    assert order["status"] == 1 and order["statusValue"] == "Phiếu tạm"
    assert order["code"].startswith("DH") and len(order["code"]) == 8
    assert order["total"] == 2 * api.product("ATCB-DEN-L")["basePrice"]
    after = api.stock("ATCB-DEN-L", branch)
    assert after["reserved"] == before["reserved"] + 2 and after["onHand"] == before["onHand"]
    r = api.ok("DELETE", f"/orders/{order['id']}", params={"IsVoidPayment": "true"})
    assert r == {"message": "Xóa dữ liệu thành công"}
    cancelled = api.ok("GET", f"/orders/{order['id']}")
    assert cancelled["status"] == 4 and cancelled["statusValue"] == "Đã hủy"
    assert api.stock("ATCB-DEN-L", branch)["reserved"] == before["reserved"]
    assert api.request("DELETE", f"/orders/{order['id']}").status_code == 200  # a second cancel is a no-op
    assert api.stock("ATCB-DEN-L", branch)["reserved"] == before["reserved"]


def test_order_read_forms_and_filters(api: Api, branch: int, creds: dict[str, Any]) -> None:
    website = next(c["id"] for c in creds["sale_channels"] if c["name"] == "Website")
    order = _order(api, branch, [("SP000012", 1)], saleChannelId=website, customerId=None)
    assert api.ok("GET", f"/orders/code/{order['code']}")["id"] == order["id"]
    full = api.ok("GET", f"/orders/{order['id']}")
    assert full["saleChannelId"] == website and full["orderDetails"][0]["productCode"] == "SP000012"
    by_channel = api.all("/orders", saleChannelId=website)
    assert order["id"] in [o["id"] for o in by_channel] and all(
        o["saleChannelId"] == website for o in by_channel
    )
    other_branch = creds["branches"][1]["id"]
    assert all(o["branchId"] == other_branch for o in api.all("/orders", branchIds=other_branch))
    customer = api.ok("GET", "/customers", params={"pageSize": 1})["data"][0]
    mine = api.all("/orders", customerIds=customer["id"])
    assert mine and all(o["customerId"] == customer["id"] for o in mine)
    assert [o["id"] for o in api.all("/orders", customerCode=customer["code"])] == [o["id"] for o in mine]
    default_channel = _order(api, branch, [("SP000012", 1)])
    khac = next(c["id"] for c in creds["sale_channels"] if c["name"] == "Khác")
    assert default_channel["saleChannelId"] == khac


def test_order_delivery_and_payment_blocks(api: Api, branch: int) -> None:
    order = _order(
        api,
        branch,
        [("SP000013", 1)],
        totalPayment=50000,
        method="transfer",
        orderDelivery={"type": 1, "price": 30000, "receiver": "Nguyễn Văn A", "contactNumber": "0987654321"},
        surchages=[{"code": "THK000001", "price": 25000}],
    )
    assert order["totalPayment"] == 50000 and order["payments"][0]["method"] == "Transfer"
    assert order["orderDelivery"]["receiver"] == "Nguyễn Văn A"
    assert order["invoiceOrderSurcharges"][0]["price"] == 25000
    assert order["total"] == api.product("SP000013")["basePrice"] + 25000
    listed = api.ok("GET", "/orders", params={"pageSize": 100, "orderBy": "id", "orderDirection": "desc"})[
        "data"
    ][0]
    assert "orderDelivery" not in listed and "payments" not in listed
    rich = api.ok(
        "GET",
        "/orders",
        params={
            "pageSize": 1,
            "orderBy": "id",
            "orderDirection": "desc",
            "includePayment": True,
            "includeOrderDelivery": True,
        },
    )["data"][0]
    assert rich["orderDelivery"]["contactNumber"] == "0987654321" and rich["payments"]


def test_invoice_from_order_consumes_reservation(api: Api, branch: int) -> None:
    before = api.stock("ATCB-DEN-S", branch)
    order = _order(api, branch, [("ATCB-DEN-S", 3)])
    invoice = api.ok("POST", "/invoices", json={"orderId": order["id"], "branchId": branch})
    assert invoice["code"].startswith("HD") and invoice["orderCode"] == order["code"]
    assert invoice["status"] == 1 and invoice["statusValue"] == "Hoàn thành"
    assert invoice["invoiceDetails"][0]["quantity"] == 3
    after = api.stock("ATCB-DEN-S", branch)
    assert after["onHand"] == before["onHand"] - 3 and after["reserved"] == before["reserved"]
    assert api.ok("GET", f"/orders/{order['id']}")["status"] == 3
    assert [i["id"] for i in api.all("/invoices", orderId=order["id"])] == [invoice["id"]]
    r = api.request("POST", "/invoices", json={"orderId": order["id"]})
    assert r.status_code == 400  # nothing left to invoice
    r = api.request("DELETE", f"/orders/{order['id']}")
    assert r.status_code == 400  # a completed order cannot be cancelled


def test_partial_invoicing_and_invoice_cancel(api: Api, branch: int) -> None:
    tee = api.product("ATCB-XAN-M")
    start = api.stock("ATCB-XAN-M", branch)
    order = _order(api, branch, [("ATCB-XAN-M", 4)])
    line = {"productId": tee["id"], "quantity": 1, "price": tee["basePrice"]}
    first = api.ok(
        "POST", "/invoices", json={"orderId": order["id"], "branchId": branch, "invoiceDetails": [line]}
    )
    mid = api.stock("ATCB-XAN-M", branch)
    assert (mid["onHand"], mid["reserved"]) == (start["onHand"] - 1, start["reserved"] + 3)
    assert api.ok("GET", f"/orders/{order['id']}")["status"] == 2
    cancelled = api.ok("DELETE", "/invoices", json={"id": first["id"], "isVoidPayment": True})
    assert cancelled["status"] == 2 and cancelled["statusValue"] == "Đã hủy"
    back = api.stock("ATCB-XAN-M", branch)
    assert (back["onHand"], back["reserved"]) == (start["onHand"], start["reserved"] + 4)
    assert api.ok("GET", f"/orders/{order['id']}")["status"] == 1
    assert api.ok("GET", f"/invoices/{first['id']}")["status"] == 2  # the record survives
    rest = api.ok("POST", "/invoices", json={"orderId": order["id"]})
    assert rest["invoiceDetails"][0]["quantity"] == 4
    assert api.ok("GET", f"/orders/{order['id']}")["status"] == 3
    again = api.ok("DELETE", f"/invoices/{rest['id']}", params={"isVoidPayment": "false"})
    assert again["status"] == 2
    assert api.get("/invoices/1").status_code == 404


def test_make_invoice_and_pos_invoice(api: Api, branch: int, creds: dict[str, Any]) -> None:
    before = api.stock("SP000014", branch)
    order = _order(api, branch, [("SP000014", 1)], makeInvoice=True)
    assert api.ok("GET", f"/orders/{order['id']}")["status"] == 3
    assert api.stock("SP000014", branch)["onHand"] == before["onHand"] - 1
    p = api.product("SP000014")
    direct = api.ok(
        "POST",
        "/invoices",
        json={
            "branchId": branch,
            "invoiceDetails": [{"productCode": "SP000014", "quantity": 2, "price": p["basePrice"]}],
            "totalPayment": 10,
        },
    )
    assert "orderCode" not in direct and direct["totalPayment"] == 10
    assert api.stock("SP000014", branch)["onHand"] == before["onHand"] - 3
    by_code = api.ok("GET", f"/invoices/code/{direct['code']}")
    assert by_code["id"] == direct["id"] and by_code["payments"][0]["code"] == "TT" + direct["code"]


def test_units_and_combos_move_component_stock(api: Api, branch: int) -> None:
    beer = [p for p in api.all("/products") if p["name"] == "Bia Tiger lon 330ml"]
    base = next(p for p in beer if "masterUnitId" not in p)
    case = next(p for p in beer if "masterUnitId" in p)
    lon_before = api.stock(base["code"], branch)
    _order(api, branch, [(case["code"], 1)])
    assert api.stock(base["code"], branch)["reserved"] == lon_before["reserved"] + 24
    combo = next(p for p in api.all("/products", productType=1, includeMaterial="true"))
    tee_code = combo["productFormulas"][0]["materialCode"]
    tee_before = api.stock(tee_code, branch)
    api.ok(
        "POST",
        "/invoices",
        json={
            "branchId": branch,
            "invoiceDetails": [{"productId": combo["id"], "quantity": 1, "price": combo["basePrice"]}],
        },
    )
    assert api.stock(tee_code, branch)["onHand"] == tee_before["onHand"] - 1
    service = next(p for p in api.all("/products", productType=3))
    inv = api.ok(
        "POST",
        "/invoices",
        json={"branchId": branch, "invoiceDetails": [{"productId": service["id"], "quantity": 1}]},
    )
    assert inv["total"] == service["basePrice"]


def test_inactive_and_unknown_products_cannot_be_ordered(api: Api, branch: int) -> None:
    inactive = api.all("/products", isActive="false")[0]
    r = api.request(
        "POST",
        "/orders",
        json={"branchId": branch, "orderDetails": [{"productId": inactive["id"], "quantity": 1}]},
    )
    assert r.status_code == 400 and "ngừng kinh doanh" in r.json()["responseStatus"]["message"]
    r = api.request(
        "POST", "/orders", json={"branchId": branch, "orderDetails": [{"productCode": "NOPE", "quantity": 1}]}
    )
    assert r.status_code == 400
    r = api.request("POST", "/orders", json={"branchId": branch, "orderDetails": []})
    assert r.status_code == 400
    r = api.request("POST", "/orders", json={"orderDetails": [{"productCode": "SP000012", "quantity": 1}]})
    assert r.status_code == 400  # branchId is required


SETTINGS_CASES = [
    ("allow_order", "/orders", {}, 'Thiết lập "Cho phép đặt hàng" đang không được bật'),
    (
        "use_delivery",
        "/orders",
        {"orderDelivery": {"receiver": "A"}},
        'Thiết lập "Sử dụng tính năng giao hàng" đang không được bật',
    ),
    (
        "allow_change_purchase_date",
        "/orders",
        {"purchaseDate": "2026-01-02T10:00:00"},
        'Thiết lập "Không cho phép thay đổi thời gian bán hàng" đang không được bật',
    ),
    (
        "use_delivery",
        "/invoices",
        {"deliveryDetail": {"receiver": "A"}},
        'Thiết lập "Sử dụng tính năng giao hàng" đang không được bật',
    ),
    ("manage_cod", "/invoices", {"usingCod": True}, 'Thiết lập "Quản lý thu hộ tiền" đang không được bật'),
    (
        "allow_sell_when_out_stock",
        "/invoices",
        {"qty": 100000},
        'Thiết lập "Cho phép bán hàng khi hết tồn kho" đang không được bật',
    ),
]


@pytest.mark.parametrize(("flag", "path", "extra", "message"), SETTINGS_CASES)
def test_settings_refuse_writes_with_exact_messages(
    api: Api, http: httpx.Client, branch: int, flag: str, path: str, extra: dict[str, Any], message: str
) -> None:
    p = api.product("SP000015")
    qty = extra.pop("qty", 1)
    key = "orderDetails" if path == "/orders" else "invoiceDetails"
    body = {"branchId": branch, key: [{"productId": p["id"], "quantity": qty, "price": 1000}], **extra}
    assert api.request("POST", path, json=body).status_code == 200
    ctl(http, "PUT", "/settings", {flag: False})
    r = api.request("POST", path, json=body)
    assert r.status_code == 400
    assert r.json()["responseStatus"]["message"] == message
    ctl(http, "PUT", "/settings", {flag: True})
    assert api.request("POST", path, json=body).status_code == 200


def test_settings_endpoint_reflects_flags(api: Api, http: httpx.Client) -> None:
    settings = api.ok("GET", "/settings")
    assert settings == {
        "ManagerCustomerByBranch": False,
        "AllowOrderWhenOutStock": True,
        "AllowSellWhenOrderOutStock": True,
        "AllowSellWhenOutStock": True,
    }
    ctl(http, "PUT", "/settings", {"AllowSellWhenOutStock": False})
    assert api.ok("GET", "/settings")["AllowSellWhenOutStock"] is False


def test_update_order_changes_lines_and_reservation(api: Api, branch: int) -> None:
    start_a, start_b = api.stock("SP000016", branch), api.stock("SP000017", branch)
    order = _order(api, branch, [("SP000016", 2)], description="Web order #77")
    b = api.product("SP000017")
    updated = api.ok(
        "PUT",
        f"/orders/{order['id']}",
        json={
            "branchId": branch,
            "description": "Web order #77 (sửa)",
            "orderDetails": [{"productId": b["id"], "quantity": 5, "price": 1000}],
        },
    )
    assert updated["description"] == "Web order #77 (sửa)" and updated["total"] == 5000
    assert api.stock("SP000016", branch)["reserved"] == start_a["reserved"]
    assert api.stock("SP000017", branch)["reserved"] == start_b["reserved"] + 5
    confirmed = api.ok("PUT", f"/orders/{order['id']}", json={"status": 5})
    assert confirmed["status"] == 5 and confirmed["statusValue"] == "Đã xác nhận"


def test_invoice_delivery_updates_and_filters(api: Api, branch: int) -> None:
    order = _order(api, branch, [("SP000018", 1)], orderDelivery={"receiver": "Chị Mai", "price": 20000})
    inv = api.ok(
        "POST",
        "/invoices",
        json={
            "orderId": order["id"],
            "deliveryDetail": {
                "receiver": "Chị Mai",
                "status": 2,
                "usingPriceCod": True,
                "priceCodPayment": 100000,
            },
        },
    )
    assert inv["status"] == 3 and inv["statusValue"] == "Đang xử lý"
    assert inv["deliveryDetail"]["status"] == 2 and inv["invoiceDelivery"]["statusValue"] == "Đang giao hàng"
    done = api.ok("PUT", f"/invoices/{inv['id']}", json={"deliveryDetail": {"status": 3}})
    assert done["invoiceDelivery"]["status"] == 3 and done["status"] == 1
    assert done["invoiceDelivery"]["receiver"] == "Chị Mai"  # merged, not replaced
    listed = api.ok(
        "GET",
        "/invoices",
        params={"orderId": order["id"], "includeInvoiceDelivery": True, "SaleChannel": True},
    )["data"]
    assert listed[0]["invoiceDelivery"]["statusValue"] == "Giao thành công" and "saleChannel" in listed[0]
    assert all(i["status"] in (2,) for i in api.all("/invoices", status=2))
    window = api.all("/invoices", fromPurchaseDate=inv["purchaseDate"], toPurchaseDate=inv["purchaseDate"])
    assert inv["id"] in [i["id"] for i in window]


def test_make_invoice_is_all_or_nothing(api: Api, http: httpx.Client, branch: int) -> None:
    ctl(http, "PUT", "/settings", {"allow_sell_when_order_out_stock": False})
    before_orders = api.ok("GET", "/orders")["total"]
    before = api.stock("SP000019", branch)
    p = api.product("SP000019")
    body = {
        "branchId": branch,
        "makeInvoice": True,
        "orderDetails": [{"productId": p["id"], "quantity": before["onHand"] + 1}],
    }
    r = api.request("POST", "/orders", json=body)
    assert r.status_code == 400
    assert (
        r.json()["responseStatus"]["message"]
        == 'Thiết lập "Cho phép bán hàng khi hết tồn kho" đang không được bật'
    )
    assert api.ok("GET", "/orders")["total"] == before_orders
    assert api.stock("SP000019", branch) == before


def test_order_when_out_of_stock_setting(api: Api, http: httpx.Client, branch: int) -> None:
    ctl(http, "POST", "/stock", {"code": "SP000019", "branch_id": branch, "on_hand": 5})
    ctl(http, "PUT", "/settings", {"allow_order_when_out_stock": False})
    p = api.product("SP000019")
    reserved = api.stock("SP000019", branch)["reserved"]
    free = 5 - reserved
    line = {"productId": p["id"], "quantity": free + 1}
    r = api.request("POST", "/orders", json={"branchId": branch, "orderDetails": [line]})
    assert (
        r.status_code == 400 and "Cho phép đặt hàng khi hết tồn kho" in r.json()["responseStatus"]["message"]
    )
    line["quantity"] = free
    assert (
        api.request("POST", "/orders", json={"branchId": branch, "orderDetails": [line]}).status_code == 200
    )


def test_order_and_invoice_time_filters(api: Api, branch: int, clock: Clock) -> None:
    cursor = api.ok("GET", "/orders", params={"pageSize": 1})["timestamp"]
    clock.advance(10)
    fresh = _order(api, branch, [("SP000020", 1)])
    clock.advance(10)
    later = api.ok("GET", "/orders", params={"pageSize": 1})["timestamp"]
    delta = api.all("/orders", lastModifiedFrom=cursor)
    assert [o["id"] for o in delta] == [fresh["id"]]
    assert fresh["id"] not in [o["id"] for o in api.all("/orders", toDate=cursor)]
    assert fresh["id"] in [o["id"] for o in api.all("/orders", toDate=later)]
    assert [o["id"] for o in api.all("/orders", createdDate=cursor)] == [fresh["id"]]
    clock.advance(10)
    api.ok("DELETE", f"/orders/{fresh['id']}")
    assert [o["status"] for o in api.all("/orders", lastModifiedFrom=later)] == [4]
    inv = api.ok(
        "POST",
        "/invoices",
        json={"branchId": branch, "invoiceDetails": [{"productCode": "SP000020", "quantity": 1}]},
    )
    assert [i["id"] for i in api.all("/invoices", lastModifiedFrom=later)] == [inv["id"]]
    assert inv["id"] not in [i["id"] for i in api.all("/invoices", toPurchaseDate=cursor)]
