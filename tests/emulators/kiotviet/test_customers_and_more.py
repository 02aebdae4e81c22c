"""Customers (§3.6), price books (§3.5), sale channels (§3.9), surcharges (§3.10), branches/users."""

from __future__ import annotations

from typing import Any

import httpx

from kiotsync.emulators.common import Clock

from .helpers import Api, ctl


def test_customer_create_is_wrapped_and_searchable(api: Api, creds: dict[str, Any]) -> None:
    branch = creds["branches"][1]["id"]
    body = {
        "name": "Nguyễn Thị Thử",
        "contactNumber": "0912 345 678",
        "gender": False,
        "birthDate": "1990-05-01",
    }
    assert api.request("POST", "/customers", json={**body, "branchId": [1]}).status_code == 400
    r = api.ok("POST", "/customers", json={**body, "branchId": [branch]})
    assert r["data"]["branchId"] == branch
    assert r["message"] and r["data"]["id"] and r["data"]["code"].startswith("KH")
    c = r["data"]
    assert (
        c["type"] == 0
        and c["customerGroupDetails"] == []
        and c["birthDate"].startswith("1990-05-01T00:00:00")
    )
    # phone search is a substring match on digits, whatever the formatting
    for query in ("0912345678", "+84 912 345 678"[4:], "345 678", "912-345"):
        found = api.ok("GET", "/customers", params={"contactNumber": query})["data"]
        assert c["id"] in [x["id"] for x in found], query
    assert api.ok("GET", "/customers", params={"contactNumber": "0999999999"})["total"] == 0
    assert [x["id"] for x in api.ok("GET", "/customers", params={"name": "thị thử"})["data"]] == [c["id"]]
    assert [x["id"] for x in api.ok("GET", "/customers", params={"code": c["code"]})["data"]] == [c["id"]]
    assert api.ok("GET", f"/customers/{c['id']}")["name"] == "Nguyễn Thị Thử"
    assert api.ok("GET", f"/customers/code/{c['code']}")["id"] == c["id"]


def test_customer_code_rules_update_delete(api: Api, clock: Clock) -> None:
    first = api.ok("POST", "/customers", json={"name": "A", "code": "KHWEB01"})["data"]
    assert first["code"] == "KHWEB01"
    r = api.request("POST", "/customers", json={"name": "B", "code": "khweb01"})
    assert r.status_code == 400
    assert api.request("POST", "/customers", json={"contactNumber": "0900000000"}).status_code == 400
    cursor = api.ok("GET", "/customers", params={"pageSize": 1})["timestamp"]
    clock.advance(1)
    updated = api.ok(
        "PUT", f"/customers/{first['id']}", json={"name": "A mới", "email": "a@x.vn", "taxCode": "0101"}
    )
    assert updated["data"]["name"] == "A mới" and updated["data"]["taxCode"] == "0101"
    victim = api.ok("GET", "/customers", params={"pageSize": 1})["data"][0]
    assert api.ok("DELETE", f"/customers/{victim['id']}") == {"message": "Xóa dữ liệu thành công"}
    env = api.ok("GET", "/customers", params={"lastModifiedFrom": cursor, "includeRemoveIds": True})
    assert [x["id"] for x in env["data"]] == [first["id"]] and env["removedIds"] == [victim["id"]]


def test_customer_totals_follow_invoices(api: Api, creds: dict[str, Any]) -> None:
    c = api.ok("POST", "/customers", json={"name": "Khách tổng"})["data"]
    p = api.product("SP000020")
    branch = creds["branches"][0]["id"]
    api.ok(
        "POST",
        "/invoices",
        json={
            "branchId": branch,
            "customerId": c["id"],
            "invoiceDetails": [{"productId": p["id"], "quantity": 2, "price": 1000}],
            "totalPayment": 500,
        },
    )
    got = api.ok("GET", "/customers", params={"code": c["code"], "includeTotal": True})["data"][0]
    assert got["totalInvoiced"] == 2000 and got["debt"] == 1500


def test_inline_customer_on_order(api: Api, creds: dict[str, Any]) -> None:
    p = api.product("SP000020")
    body = {
        "branchId": creds["branches"][0]["id"],
        "orderDetails": [{"productId": p["id"], "quantity": 1, "price": 1}],
        "customer": {
            "id": 0,
            "code": "",
            "name": "Khách web",
            "contactNumber": "0987000111",
            "address": "1 Lê Lợi",
        },
    }
    order = api.ok("POST", "/orders", json=body)
    assert order["customerName"] == "Khách web" and order["customerCode"].startswith("KH")
    again = api.ok("POST", "/orders", json=body)
    assert again["customerId"] == order["customerId"]  # same phone: reused, not duplicated


def test_price_books(api: Api) -> None:
    books = api.ok("GET", "/pricebooks", params={"includePriceBookBranch": True})["data"]
    assert {b["name"] for b in books} == {"Giá sỉ", "Khuyến mãi tháng này"}
    promo = next(b for b in books if b["name"] == "Khuyến mãi tháng này")
    assert promo["priceBookBranches"] and promo["isActive"] and promo["endDate"] > promo["startDate"]
    p = api.product("ATCB-DEN-S")
    r = api.ok(
        "POST", "/pricebooks/detail", json={"pricebookId": promo["id"], "productId": p["id"], "price": 99000}
    )
    assert r["isSuccess"] is True
    lines = api.ok("GET", f"/pricebooks/{promo['id']}", params={"pageSize": 100})
    assert {"productId": p["id"], "productCode": "ATCB-DEN-S", "price": 99000} in lines["data"]
    assert any(
        x["priceBookId"] == promo["id"] and x["price"] == 99000
        for x in api.product("ATCB-DEN-S")["priceBooks"]
    )
    api.ok("POST", "/pricebooks/detail", json={"pricebookId": 0, "productId": p["id"], "price": 155000})
    assert api.product("ATCB-DEN-S")["basePrice"] == 155000  # book 0 is the general price
    assert (
        api.request(
            "POST", "/pricebooks/detail", json={"pricebookId": 1, "productId": p["id"], "price": 1}
        ).status_code
        == 404
    )


def test_sale_channels_and_surcharges(api: Api, http: httpx.Client) -> None:
    channels = api.ok("GET", "/salechannel")["data"]
    names = {c["name"]: c for c in channels}
    assert {"Bán trực tiếp", "Khác", "Website"} <= set(names)
    assert names["Bán trực tiếp"]["isNotDelete"] is True and names["Website"]["isNotDelete"] is False
    made = ctl(http, "POST", "/salechannels", {"name": "Haravan"})
    assert made["name"] == "Haravan" and made["id"] in [
        c["id"] for c in api.ok("GET", "/salechannel")["data"]
    ]
    created = api.ok(
        "POST", "/surchages", json={"name": "Phí ship web", "code": "THKSHIPPINGWEB", "value": 30000}
    )
    sc = created["data"]
    assert sc["surchargeCode"] == "THKSHIPPINGWEB" and sc["id"]
    r = api.request("POST", "/surchages", json={"name": "Trùng", "code": "thkshippingweb", "value": 1})
    assert r.status_code == 400
    api.ok("PUT", f"/surchages/{sc['id']}", json={"isActive": False})
    assert api.request("POST", "/surchages", json={"name": "x", "code": "THKSHIPPINGWEB"}).status_code == 400
    activated = api.ok("POST", f"/surchages/{sc['id']}/activesurchage", json={})
    assert activated["data"]["isActive"] is True
    assert any(s["id"] == sc["id"] for s in api.ok("GET", "/surchages")["data"])


def test_branches_users_and_deactivation(api: Api, http: httpx.Client, clock: Clock) -> None:
    users = api.ok("GET", "/users")["data"]
    assert len(users) == 3 and all(u["userName"] != "admin" for u in users)  # the super-admin is hidden
    cursor = api.ok("GET", "/branches")["timestamp"]
    clock.advance(1)
    new = ctl(http, "POST", "/branches", {"name": "Chi nhánh Đà Nẵng"})
    branches = api.ok("GET", "/branches", params={"lastModifiedFrom": cursor, "includeRemoveIds": True})
    assert [b["id"] for b in branches["data"]] == [new["id"]] and branches["removedIds"] == []
    ctl(http, "POST", f"/branches/{new['id']}/deactivate")
    env = api.ok("GET", "/branches", params={"lastModifiedFrom": cursor, "includeRemoveIds": True})
    assert env["removedIds"] == [new["id"]]
