"""Customers: create/update, uniqueness, search by phone/email/name, order stats."""

from __future__ import annotations

from typing import Any

import httpx


def test_create_update_and_uniqueness(api: httpx.Client) -> None:
    r = api.post(
        "/com/customers.json",
        json={
            "customer": {
                "first_name": "Dũng",
                "last_name": "Hoàng",
                "email": "dung@example.vn",
                "phone": "+84 903 111 222",
                "addresses": [{"address1": "1 Lý Thường Kiệt", "province_code": "HI"}],
            }
        },
    )
    assert r.status_code == 201, r.text
    c = r.json()["customer"]
    assert c["default_address"]["province_code"] == "HI" and c["default_address"]["country_code"] == "VN"
    dup = api.post("/com/customers.json", json={"customer": {"email": "DUNG@example.vn"}})
    assert dup.status_code == 422 and "email" in dup.json()["errors"]
    dup = api.post("/com/customers.json", json={"customer": {"phone": "0903111222"}})
    assert dup.status_code == 422 and "phone" in dup.json()["errors"]
    assert api.post("/com/customers.json", json={"customer": {}}).status_code == 422
    u = api.put(
        f"/com/customers/{c['id']}.json", json={"customer": {"note": "VIP", "email": "dung2@example.vn"}}
    ).json()["customer"]
    assert u["note"] == "VIP" and u["email"] == "dung2@example.vn"
    assert api.post("/com/customers.json", json={"customer": {"email": "dung@example.vn"}}).status_code == 201
    assert api.get(f"/com/customers/{c['id']}.json").json()["customer"]["first_name"] == "Dũng"


def test_search(api: httpx.Client) -> None:
    def names(query: str) -> list[str]:
        found = api.get("/com/customers/search.json", params={"query": query}).json()["customers"]
        return sorted(f"{c['last_name']} {c['first_name']}" for c in found)

    assert names("0901234567") == ["Nguyễn Văn An"]
    assert names("+84912345678") == ["Trần Thị Bình"]
    assert names("binh.tran@") == ["Trần Thị Bình"]
    assert names("nguyen van") == ["Nguyễn Văn An"]
    assert names("Cường") == ["Lê Minh Cường"]
    assert names("email:an.nguyen@example.vn") == ["Nguyễn Văn An"]
    assert names("không-có-ai") == []


def test_order_stats_and_listing(api: httpx.Client) -> None:
    customers = api.get("/com/customers.json").json()["customers"]
    an = next(c for c in customers if c["first_name"] == "An")
    assert an["orders_count"] == 2 and an["last_order_name"] == "#100004"
    assert customers[0]["id"] == an["id"]  # default order: last_order_date desc
    assert api.get("/com/customers/count.json").json() == {"count": 3}
    assert api.get("/com/customers/1.json").status_code == 404


def test_customer_delete_rules(api: httpx.Client, shop: dict[str, Any]) -> None:
    with_orders = api.get("/com/customers.json").json()["customers"][0]
    assert api.delete(f"/com/customers/{with_orders['id']}.json").status_code == 422
    fresh = api.post("/com/customers.json", json={"customer": {"email": "tam@example.vn"}}).json()["customer"]
    assert api.delete(f"/com/customers/{fresh['id']}.json").json() == {}
    assert api.get(f"/com/customers/{fresh['id']}.json").status_code == 404
