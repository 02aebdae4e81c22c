"""Orders: create defaults, committed stock, confirm/close/open/cancel, fulfilments with carrier
and COD states, transactions, refunds, list filters."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


@pytest.fixture
def stocked(api: httpx.Client, shop: dict[str, Any]) -> dict[str, Any]:
    """A tracked two-variant product with 10 on hand at each location."""
    r = api.post(
        "/com/products.json",
        json={
            "product": {
                "title": "Ví da",
                "options": [{"name": "Màu"}],
                "variants": [
                    {"option1": "Nâu", "sku": "VI-N", "price": 300000, "inventory_management": "haravan"},
                    {"option1": "Đen", "sku": "VI-D", "price": 320000, "inventory_management": "haravan"},
                ],
            }
        },
    )
    product = r.json()["product"]
    for loc in shop["locations"]:
        api.post(
            "/com/inventories/adjustorset.json",
            json={
                "inventory": {
                    "location_id": loc["id"],
                    "type": "set",
                    "line_items": [
                        {"product_variant_id": v["id"], "quantity": 10} for v in product["variants"]
                    ],
                }
            },
        )
    return {
        "product": product,
        "brown": product["variants"][0],
        "black": product["variants"][1],
        "loc": shop["locations"][0]["id"],
        "loc2": shop["locations"][1]["id"],
    }


def stock(api: httpx.Client, variant_id: int, loc: int) -> tuple[int, int, int]:
    rows = api.get(
        "/com/inventory_locations.json", params={"variant_ids": str(variant_id), "location_ids": str(loc)}
    ).json()
    r = rows["inventory_locations"][0]
    return r["qty_onhand"], r["qty_commited"], r["qty_available"]


def place(api: httpx.Client, **order: Any) -> dict[str, Any]:
    r = api.post("/com/orders.json", json={"order": order})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()["order"]
    return body


def test_create_defaults_and_committed_stock(
    api: httpx.Client, shop: dict[str, Any], stocked: dict[str, Any]
) -> None:
    o = place(
        api,
        line_items=[
            {"variant_id": stocked["brown"]["id"], "quantity": 3},
            {"title": "Phí gói quà", "price": 10000, "quantity": 1},
        ],
        email="khach@example.vn",
        shipping_lines=[{"title": "GHN", "price": 25000}],
        note_attributes=[{"name": "kv", "value": "1"}],
    )
    assert o["name"] == "#100005" and o["order_number"] == "#100005" and o["number"] == o["id"]
    assert (o["financial_status"], o["fulfillment_status"]) == ("pending", "notfulfilled")
    assert (o["confirmed_status"], o["cancelled_status"], o["closed_status"]) == (
        "unconfirmed",
        "uncancelled",
        "unclosed",
    )
    assert o["source"] == shop["client_id"] and o["location_id"] == stocked["loc"]
    assert o["total_line_items_price"] == 910000 and o["total_price"] == 935000
    assert [t["kind"] for t in o["transactions"]] == ["pending"]
    custom = o["line_items"][1]
    assert custom["variant_id"] is None and custom["product_exists"] is False
    assert o["line_items"][0]["variant_title"] == "Nâu" and o["line_items"][0]["sku"] == "VI-N"
    assert o["customer"]["email"] == "khach@example.vn"
    assert stock(api, stocked["brown"]["id"], stocked["loc"]) == (10, 3, 7)
    assert stock(api, stocked["brown"]["id"], stocked["loc2"]) == (10, 0, 10)


def test_create_paid_and_confirmed(api: httpx.Client, stocked: dict[str, Any]) -> None:
    o = place(
        api,
        line_items=[{"variant_id": stocked["black"]["id"], "quantity": 1}],
        financial_status="paid",
        is_confirm=True,
    )
    assert o["financial_status"] == "paid" and o["confirmed_status"] == "confirmed" and o["confirmed_at"]
    pending, capture = o["transactions"]
    assert (pending["kind"], capture["kind"], capture["parent_id"]) == ("pending", "capture", pending["id"])
    assert capture["amount"] == 320000


def test_create_validation(api: httpx.Client, stocked: dict[str, Any]) -> None:
    assert api.post("/com/orders.json", json={"order": {"line_items": []}}).json() == {
        "errors": {"line_items": ["can't be blank"]}
    }
    r = api.post("/com/orders.json", json={"order": {"line_items": [{"variant_id": 12345, "quantity": 1}]}})
    assert r.status_code == 422
    r = api.post(
        "/com/orders.json",
        json={"order": {"line_items": [{"variant_id": stocked["brown"]["id"]}], "financial_status": "rich"}},
    )
    assert r.status_code == 422
    assert stock(api, stocked["brown"]["id"], stocked["loc"]) == (10, 0, 10)


def test_lifecycle_fulfilment_carrier_and_cod(api: httpx.Client, stocked: dict[str, Any], clock: Any) -> None:
    o = place(
        api,
        line_items=[
            {"variant_id": stocked["brown"]["id"], "quantity": 2},
            {"variant_id": stocked["black"]["id"], "quantity": 1},
        ],
        is_cod_gateway=True,
    )
    assert o["gateway_code"] == "COD"
    oid, first_updated = o["id"], o["updated_at"]
    clock.advance(5)
    c = api.post(f"/com/orders/{oid}/confirm.json", json={}).json()["order"]
    assert c["confirmed_status"] == "confirmed" and c["updated_at"] > first_updated
    brown_line = o["line_items"][0]["id"]
    r = api.post(
        f"/com/orders/{oid}/fulfillments.json",
        json={
            "fulfillment": {
                "line_items": [{"id": brown_line, "quantity": 2}],
                "tracking_company": "GHN",
                "tracking_number": "GHN123",
                "cod_amount": 620000,
            }
        },
    )
    assert r.status_code == 201, r.text
    f = r.json()["fulfillment"]
    assert f["carrier_status_code"] == "readytopick" and f["carrier_status_name"] == "Chờ lấy hàng"
    assert f["carrier_cod_status_code"] == "codpending" and f["ready_to_pick_date"] and f["cod_pending_date"]
    assert f["line_items"][0]["fulfillment_status"] == "Đã hoàn thành"
    assert stock(api, stocked["brown"]["id"], stocked["loc"]) == (8, 0, 8)
    o = api.get(f"/com/orders/{oid}.json").json()["order"]
    assert o["fulfillment_status"] == "partial"
    assert [li["fulfillable_quantity"] for li in o["line_items"]] == [0, 1]
    r = api.post(
        f"/com/orders/{oid}/fulfillments.json",
        json={"fulfillment": {"line_items": [{"id": brown_line, "quantity": 1}]}},
    )
    assert r.status_code == 422
    api.post(f"/com/orders/{oid}/fulfillments.json", json={"fulfillment": {"location_id": stocked["loc2"]}})
    o = api.get(f"/com/orders/{oid}.json").json()["order"]
    assert o["fulfillment_status"] == "fulfilled"
    assert stock(api, stocked["black"]["id"], stocked["loc"]) == (10, 0, 10)  # reservation released
    assert stock(api, stocked["black"]["id"], stocked["loc2"]) == (9, 0, 9)  # goods left loc2
    for code in ("picking", "delivering", "delivered"):
        r = api.put(
            f"/com/orders/{oid}/fulfillments/{f['id']}.json",
            json={"fulfillment": {"carrier_status_code": code}},
        )
        assert r.status_code == 200 and r.json()["fulfillment"]["carrier_status_code"] == code
    f = r.json()["fulfillment"]
    assert f["carrier_status_name"] == "Đã giao hàng" and f["delivered_date"] and f["picking_date"]
    bad = api.put(
        f"/com/orders/{oid}/fulfillments/{f['id']}.json",
        json={"fulfillment": {"carrier_status_code": "teleported"}},
    )
    assert bad.status_code == 422
    assert api.get(f"/com/orders/{oid}.json").json()["order"]["financial_status"] == "pending"
    r = api.put(
        f"/com/orders/{oid}/fulfillments/{f['id']}.json",
        json={"fulfillment": {"carrier_cod_status_code": "codreceipt"}},
    )
    f = r.json()["fulfillment"]
    assert f["carrier_cod_status_name"] == "Đã nhận" and f["cod_receipt_date"]
    o = api.get(f"/com/orders/{oid}.json").json()["order"]
    assert o["financial_status"] == "partially_paid"  # COD covered the brown wallets only
    assert api.get(f"/com/orders/{oid}/fulfillments/count.json").json() == {"count": 2}
    closed = api.post(f"/com/orders/{oid}/close.json").json()["order"]
    assert closed["closed_status"] == "closed" and closed["closed_at"]
    assert oid not in [x["id"] for x in api.get("/com/orders.json").json()["orders"]]
    assert oid in [x["id"] for x in api.get("/com/orders.json", params={"status": "closed"}).json()["orders"]]
    reopened = api.post(f"/com/orders/{oid}/open.json").json()["order"]
    assert reopened["closed_status"] == "unclosed" and reopened["closed_at"] is None


def test_cancel_with_restock_releases_committed(api: httpx.Client, stocked: dict[str, Any]) -> None:
    o = place(api, line_items=[{"variant_id": stocked["brown"]["id"], "quantity": 4}])
    assert stock(api, stocked["brown"]["id"], stocked["loc"]) == (10, 4, 6)
    r = api.post(f"/com/orders/{o['id']}/cancel.json", json={"reason": "inventory", "restock": True})
    assert r.status_code == 200, r.text
    c = r.json()["order"]
    assert (c["cancelled_status"], c["cancel_reason"]) == ("cancelled", "inventory") and c["cancelled_at"]
    assert c["line_items"][0]["fulfillment_status"] == "restock"
    assert stock(api, stocked["brown"]["id"], stocked["loc"]) == (10, 0, 10)
    again = api.post(f"/com/orders/{o['id']}/cancel.json", json={})
    assert again.status_code == 422
    assert api.post(f"/com/orders/{o['id']}/fulfillments.json", json={"fulfillment": {}}).status_code == 422


def test_cancel_bare_body_defaults_to_customer_and_keeps_reservation(
    api: httpx.Client, stocked: dict[str, Any]
) -> None:
    o = place(api, line_items=[{"variant_id": stocked["brown"]["id"], "quantity": 1}])
    c = api.post(f"/com/orders/{o['id']}/cancel.json").json()["order"]
    assert c["cancel_reason"] == "customer"
    assert stock(api, stocked["brown"]["id"], stocked["loc"]) == (10, 1, 9)


def test_cancel_of_fulfilled_order_with_restock_returns_goods(
    api: httpx.Client, stocked: dict[str, Any]
) -> None:
    o = place(
        api, line_items=[{"variant_id": stocked["brown"]["id"], "quantity": 2}], financial_status="paid"
    )
    api.post(f"/com/orders/{o['id']}/fulfillments.json", json={"fulfillment": {}})
    assert stock(api, stocked["brown"]["id"], stocked["loc"]) == (8, 0, 8)
    c = api.post(f"/com/orders/{o['id']}/cancel.json", json={"restock": True, "amount": "600000"}).json()[
        "order"
    ]
    assert stock(api, stocked["brown"]["id"], stocked["loc"]) == (10, 0, 10)
    assert c["financial_status"] == "refunded"
    assert c["transactions"][-1]["kind"] == "refund" and c["transactions"][-1]["amount"] == -600000
    assert c["fulfillments"][0]["status"] == "cancelled"


def test_transactions_move_financial_status(api: httpx.Client, stocked: dict[str, Any]) -> None:
    o = place(api, line_items=[{"variant_id": stocked["brown"]["id"], "quantity": 1}])
    url = f"/com/orders/{o['id']}/transactions.json"
    r = api.post(url, json={"transaction": {"amount": 100000, "kind": "capture"}})
    assert r.status_code == 201 and r.json()["transaction"]["kind"] == "capture"
    assert api.get(f"/com/orders/{o['id']}.json").json()["order"]["financial_status"] == "partially_paid"
    assert api.post(url, json={"transaction": {"amount": 999999, "kind": "capture"}}).status_code == 422
    api.post(url, json={"transaction": {"kind": "Capture"}})  # remaining amount, mixed case
    order = api.get(f"/com/orders/{o['id']}.json").json()["order"]
    assert order["financial_status"] == "paid"
    listed = api.get(url).json()["transactions"]
    assert [t["kind"] for t in listed] == ["pending", "capture", "capture"] and listed[2]["amount"] == 200000
    one = api.get(f"/com/orders/{o['id']}/transactions/{listed[1]['id']}.json").json()["transaction"]
    assert one["amount"] == 100000


def test_refund_with_restock(api: httpx.Client, stocked: dict[str, Any]) -> None:
    o = place(
        api, line_items=[{"variant_id": stocked["brown"]["id"], "quantity": 3}], financial_status="paid"
    )
    line = o["line_items"][0]["id"]
    r = api.post(
        f"/com/orders/{o['id']}/refunds.json",
        json={
            "refund": {
                "restock": True,
                "note": "khách đổi ý",
                "refund_line_items": [{"line_item_id": line, "quantity": 1}],
                "transactions": [{"amount": 300000, "kind": "refund"}],
            }
        },
    )
    assert r.status_code == 201, r.text
    refund = r.json()["refund"]
    assert refund["transactions"][0]["amount"] == -300000 and refund["refund_line_items"][0]["quantity"] == 1
    assert stock(api, stocked["brown"]["id"], stocked["loc"]) == (10, 2, 8)
    order = api.get(f"/com/orders/{o['id']}.json").json()["order"]
    assert order["financial_status"] == "partially_refunded"
    assert order["line_items"][0]["fulfillable_quantity"] == 2
    assert len(api.get(f"/com/orders/{o['id']}/refunds.json").json()["refunds"]) == 1
    too_much = {"refund": {"transactions": [{"amount": 10**7, "kind": "refund"}]}}
    assert api.post(f"/com/orders/{o['id']}/refunds.json", json=too_much).status_code == 422


def test_put_edits_note_tags_and_attributes(api: httpx.Client, stocked: dict[str, Any], clock: Any) -> None:
    o = place(api, line_items=[{"variant_id": stocked["brown"]["id"], "quantity": 1}])
    clock.advance(2)
    r = api.put(
        f"/com/orders/{o['id']}.json",
        json={
            "order": {
                "id": o["id"],
                "note": "Gọi trước",
                "tags": "kv, sync",
                "note_attributes": [{"name": "kv_code", "value": "HD0001"}],
            }
        },
    )
    u = r.json()["order"]
    assert (u["note"], u["tags"], u["note_attributes"]) == (
        "Gọi trước",
        "kv,sync",
        [{"name": "kv_code", "value": "HD0001"}],
    )
    assert u["updated_at"] > o["updated_at"]
    assert api.post(f"/com/orders/{o['id']}/tags.json", json={"tags": "x"}).json() == {"tags": "kv,sync,x"}


def test_list_filters(api: httpx.Client, stocked: dict[str, Any], clock: Any) -> None:
    demo = api.get("/com/orders.json", params={"status": "any"}).json()["orders"]
    assert len(demo) == 4
    assert (
        len(api.get("/com/orders.json").json()["orders"]) == 3
    )  # default status=open hides the cancelled one
    assert api.get("/com/orders/count.json", params={"status": "cancelled"}).json() == {"count": 1}
    assert api.get("/com/orders/count.json", params={"status": "any", "financial_status": "paid"}).json() == {
        "count": 1
    }
    assert api.get("/com/orders/count.json", params={"fulfillment_status": "shipped"}).json() == {"count": 1}
    assert api.get("/com/orders/count.json", params={"fulfillment_status": "unshipped"}).json() == {
        "count": 2
    }
    clock.advance(10)
    mark = api.get("/_emulator/clock").json()["iso"]
    made = [
        place(api, line_items=[{"variant_id": stocked["black"]["id"], "quantity": 1}])["id"] for _ in range(3)
    ]
    clock.advance(10)
    api.put(f"/com/orders/{made[0]}.json", json={"order": {"note": "sửa"}})
    asc = api.get("/com/orders.json", params={"updated_at_min": mark, "order": "updated_at asc"}).json()[
        "orders"
    ]
    assert [x["id"] for x in asc] == [made[1], made[2], made[0]]
    created_desc = api.get("/com/orders.json", params={"created_at_min": mark}).json()["orders"]
    assert [x["id"] for x in created_desc] == made[::-1]
    page = api.get(
        "/com/orders.json", params={"status": "any", "limit": 2, "page": 2, "order": "created_at asc"}
    ).json()["orders"]
    assert len(page) == 2
    clamp = api.get("/com/orders.json", params={"status": "any", "limit": 500}).json()["orders"]
    assert len(clamp) == 7
    slim = api.get(
        "/com/orders.json", params={"ids": f"{made[0]},{made[2]}", "fields": "id,name,updated_at"}
    ).json()["orders"]
    assert {tuple(sorted(x)) for x in slim} == {("id", "name", "updated_at")} and len(slim) == 2
    since = api.get("/com/orders.json", params={"since_id": made[1], "status": "any"}).json()["orders"]
    assert [x["id"] for x in since] == [made[2]]
