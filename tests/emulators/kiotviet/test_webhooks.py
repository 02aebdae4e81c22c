"""Webhooks (§4): registration, payloads, signature variants, retries, deactivation, scoping."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
import uuid
from typing import Any

import httpx
import pytest

from kiotsync.emulators.common import Clock
from kiotsync.emulators.kiotviet import KiotVietApp

from .helpers import HOOK_URL, Api, Receiver, ctl, register, seed

SECRET_RAW = "kiotsync-secret-123"
SECRET = base64.b64encode(SECRET_RAW.encode()).decode()


def _drain(app: KiotVietApp) -> None:
    assert app.webhooks.drain(5)


def _advance(app: KiotVietApp, clock: Clock, seconds: float) -> None:
    """Move platform time and wake the dispatcher (it would notice within 0.5 s anyway)."""
    clock.advance(seconds)
    app.webhooks.resume()


def _sig(key: bytes, body: bytes, algo: Any = hashlib.sha256) -> bytes:
    return hmac.new(key, body, algo).digest()


def test_registration_crud(api: Api) -> None:
    hook = register(api, "product.update", SECRET)
    assert set(hook) == {"id", "type", "url", "isActive", "retailerId", "description"}
    assert hook["type"] == "product.update" and hook["url"] == HOOK_URL and hook["isActive"] is True
    assert hook["retailerId"] == api.creds["retailer_id"]
    listed = api.ok("GET", "/webhooks")
    assert listed["total"] == 1 and "secret" not in str(listed).lower()
    assert "modifiedDate" in listed["data"][0]
    assert api.ok("GET", f"/webhooks/{hook['id']}")["id"] == hook["id"]
    r = api.request("POST", "/webhooks", json={"Webhook": {"Type": "product.created", "Url": HOOK_URL}})
    assert r.status_code == 400  # no *.create(d) events exist
    r = api.request("POST", "/webhooks", json={"Webhook": {"Type": "product.update", "Url": HOOK_URL}})
    assert r.status_code == 400  # same type and url twice
    assert api.ok("DELETE", f"/webhooks/{hook['id']}") == {"message": "Hủy đăng ký webhook thành công"}
    assert api.ok("GET", "/webhooks")["total"] == 0
    assert api.request("DELETE", f"/webhooks/{hook['id']}").status_code == 404


def test_product_update_payload(app: KiotVietApp, api: Api, receiver: Receiver) -> None:
    register(api, "product.update", SECRET)
    started = time.monotonic()
    created = api.ok("POST", "/products", json={"name": "Áo webhook", "code": "WH-1", "basePrice": 10000})
    while not receiver.calls and time.monotonic() - started < 5:
        time.sleep(0.005)
    assert receiver.calls, "no delivery"
    assert time.monotonic() - started < 2  # delivered promptly (typically a few ms)
    _drain(app)
    call = receiver.calls[0]
    envelope = call.json
    assert list(envelope) == ["Id", "Attempt", "Notifications"]
    uuid.UUID(envelope["Id"])
    assert envelope["Attempt"] == 1
    note = envelope["Notifications"][0]
    assert note["Action"] == f"product.update.{api.creds['retailer_id']}"
    item = note["Data"][0]
    assert item["__type"].startswith("KiotViet.OmniChannelCore.Api.Shared.Model.WebhookProductUpdateRes")
    assert item["Id"] == created["id"] and item["Code"] == "WH-1" and item["BasePrice"] == 10000
    assert item["isActive"] is True and "IsActive" not in item  # the real lower-case oddity
    assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}\+07:00$", item["ModifiedDate"])
    assert len(item["Inventories"]) == 3 and "isActive" in item["Inventories"][0]
    assert call.headers["content-type"].startswith("application/json")


def test_variant_payload_keeps_lowercase_master_product_id(
    app: KiotVietApp, api: Api, receiver: Receiver
) -> None:
    register(api, "product.update")
    member = api.product("ATCB-TRA-M")
    api.ok("PUT", f"/products/{member['id']}", json={"basePrice": 150000})
    _drain(app)
    item = receiver.data("product.update")[0]
    assert item["masterProductId"] == member["masterProductId"] and "MasterProductId" not in item
    assert item["Attributes"][0]["AttributeName"] == "Màu sắc"
    assert "x-hub-signature" not in receiver.calls[0].headers  # no secret registered, no header


def test_product_delete_sends_bare_ids(app: KiotVietApp, api: Api, receiver: Receiver) -> None:
    register(api, "product.delete")
    p = api.product("SP000021")
    api.ok("DELETE", f"/products/{p['id']}")
    _drain(app)
    assert receiver.data("product.delete") == [p["id"]]
    assert receiver.actions() == [f"product.delete.{api.creds['retailer_id']}"]


def test_stock_update_rows_and_coalescing(
    app: KiotVietApp, api: Api, receiver: Receiver, creds: dict[str, Any]
) -> None:
    register(api, "stock.update")
    branch = creds["branches"][0]["id"]
    tee, cap = api.product("ATCB-DEN-M"), api.product("SP000015")
    api.ok(
        "POST",
        "/orders",
        json={
            "branchId": branch,
            "orderDetails": [
                {"productId": tee["id"], "quantity": 1},
                {"productId": cap["id"], "quantity": 2},
            ],
        },
    )
    _drain(app)
    assert len(receiver.calls) == 1  # one operation, one delivery, several Data items
    rows = {(r["ProductId"], r["BranchId"]): r for r in receiver.data("stock.update")}
    assert set(rows) == {(tee["id"], branch), (cap["id"], branch)}
    row = rows[(cap["id"], branch)]
    assert row["__type"].endswith("WebhookProductStockRes, KiotViet.OmniChannelCore.Api.Shared")
    assert row["Reserved"] == api.stock("SP000015", branch)["reserved"]
    assert {
        "ProductCode",
        "ProductName",
        "BranchName",
        "Cost",
        "OnHand",
        "MinQuantity",
        "MaxQuantity",
        "isActive",
    } <= set(row)


def test_stock_update_covers_unit_rows_and_combos(
    app: KiotVietApp, api: Api, receiver: Receiver, http: httpx.Client, creds: dict[str, Any]
) -> None:
    register(api, "stock.update")
    branch = creds["branches"][0]["id"]
    beer = [p for p in api.all("/products") if p["name"] == "Bia Tiger lon 330ml"]
    ctl(http, "POST", "/stock", {"product_id": beer[0]["id"], "branch_id": branch, "on_hand": 240})
    _drain(app)
    assert {r["ProductId"] for r in receiver.data("stock.update")} == {p["id"] for p in beer}
    receiver.calls.clear()
    combo = api.all("/products", productType=1)[0]
    ctl(http, "POST", "/stock", {"code": "ATCB-TRA-M", "branch_id": branch, "on_hand": 0})
    _drain(app)
    changed = {r["ProductId"]: r for r in receiver.data("stock.update")}
    assert combo["id"] in changed and changed[combo["id"]]["OnHand"] == 0


def test_order_invoice_customer_category_events(
    app: KiotVietApp, api: Api, receiver: Receiver, creds: dict[str, Any]
) -> None:
    for t in (
        "order.update",
        "invoice.update",
        "customer.update",
        "customer.delete",
        "category.update",
        "category.delete",
    ):
        register(api, t)
    branch = creds["branches"][0]["id"]
    p = api.product("SP000022")
    order = api.ok(
        "POST",
        "/orders",
        json={
            "branchId": branch,
            "description": "Web #9",
            "orderDetails": [{"productId": p["id"], "quantity": 1, "price": 5000}],
            "orderDelivery": {"receiver": "Anh Ba", "price": 15000},
        },
    )
    inv = api.ok(
        "POST",
        "/invoices",
        json={"orderId": order["id"], "deliveryDetail": {"status": 2, "receiver": "Anh Ba"}},
    )
    api.ok("PUT", f"/invoices/{inv['id']}", json={"deliveryDetail": {"status": 3}})
    cust = api.ok("POST", "/customers", json={"name": "Chị Tư", "contactNumber": "0911222333"})["data"]
    api.ok("DELETE", f"/customers/{cust['id']}")
    cat = api.ok("POST", "/categories", json={"categoryName": "Sự kiện"})["data"]
    api.ok("DELETE", f"/categories/{cat['categoryId']}")
    _drain(app)
    orders = receiver.data("order.update")
    assert [o["Status"] for o in orders] == [1, 3]  # created, then completed by the invoice
    assert orders[0]["Code"] == order["code"] and orders[0]["StatusValue"] == "Phiếu tạm"
    assert orders[0]["OrderDetails"][0]["ProductCode"] == "SP000022" and orders[0]["Description"] == "Web #9"
    invoices = receiver.data("invoice.update")
    assert [i["InvoiceDelivery"]["Status"] for i in invoices] == [2, 3]
    assert invoices[-1]["Status"] == 1 and invoices[-1]["InvoiceDelivery"]["StatusValue"] == "Giao thành công"
    assert invoices[0]["BranchName"] and invoices[0]["InvoiceDetails"][0]["Quantity"] == 1
    assert receiver.data("customer.update")[0]["ContactNumber"] == "0911222333"
    assert receiver.data("customer.delete") == [cust["id"]]
    assert receiver.data("category.update")[0]["Name"] == "Sự kiện"
    assert receiver.data("category.delete") == [cat["categoryId"]]


DEFAULT = {"key": "decoded", "encoding": "hex", "prefix": "sha1=", "algorithm": "sha256"}


@pytest.mark.parametrize(
    ("config", "secret", "expect"),
    [
        ({}, SECRET, lambda body: "sha1=" + _sig(SECRET_RAW.encode(), body).hex()),
        ({}, "not base64 !", lambda body: "sha1=" + _sig(b"not base64 !", body).hex()),
        ({"key": "raw"}, SECRET, lambda body: "sha1=" + _sig(SECRET.encode(), body).hex()),
        (
            {"encoding": "base64"},
            SECRET,
            lambda body: "sha1=" + base64.b64encode(_sig(SECRET_RAW.encode(), body)).decode(),
        ),
        ({"prefix": "sha256="}, SECRET, lambda body: "sha256=" + _sig(SECRET_RAW.encode(), body).hex()),
        ({"prefix": ""}, SECRET, lambda body: _sig(SECRET_RAW.encode(), body).hex()),
        (
            {"algorithm": "sha1"},
            SECRET,
            lambda body: "sha1=" + _sig(SECRET_RAW.encode(), body, hashlib.sha1).hex(),
        ),
    ],
)
def test_signature_variants(
    app: KiotVietApp,
    api: Api,
    receiver: Receiver,
    http: httpx.Client,
    config: dict[str, str],
    secret: str,
    expect: Any,
) -> None:
    r = http.put("/_emulator/config", json={"webhook_signature": config})
    assert r.status_code == 200 and r.json()["webhook_signature"] == {**DEFAULT, **config}
    register(api, "product.update", secret)
    p = api.product("SP000023")
    api.ok("PUT", f"/products/{p['id']}", json={"basePrice": 1234})
    _drain(app)
    call = receiver.calls[0]
    assert call.headers["x-hub-signature"] == expect(call.body)


def test_bad_signature_config_is_refused(http: httpx.Client) -> None:
    assert http.put("/_emulator/config", json={"webhook_signature": {"key": "weird"}}).status_code == 400
    assert http.put("/_emulator/config", json={"nope": 1}).status_code == 400


def test_failures_are_retried_with_same_id_and_next_attempt(
    app: KiotVietApp, api: Api, receiver: Receiver, clock: Clock
) -> None:
    register(api, "product.update", SECRET)
    receiver.statuses = [500, 503]
    p = api.product("SP000024")
    api.ok("PUT", f"/products/{p['id']}", json={"basePrice": 4321})
    _drain(app)
    assert len(receiver.calls) == 1
    _advance(app, clock, 59)
    _drain(app)
    assert len(receiver.calls) == 1  # not yet due
    _advance(app, clock, 2)
    _drain(app)
    assert len(receiver.calls) == 2
    _advance(app, clock, 301)
    _drain(app)
    bodies = [c.json for c in receiver.calls]
    assert [b["Attempt"] for b in bodies] == [1, 2, 3]
    assert len({b["Id"] for b in bodies}) == 1
    assert bodies[0]["Notifications"] == bodies[2]["Notifications"]
    expected = "sha1=" + _sig(SECRET_RAW.encode(), receiver.calls[2].body).hex()
    assert receiver.calls[2].headers["x-hub-signature"] == expected  # re-signed for the new body
    history = [h for h in app.webhooks.history if h.get("type") == "product.update"]
    assert [h["status"] for h in history] == [500, 503, 200]


def test_gives_up_after_five_attempts(app: KiotVietApp, api: Api, receiver: Receiver, clock: Clock) -> None:
    register(api, "product.update")
    receiver.statuses = [500] * 10
    p = api.product("SP000025")
    api.ok("PUT", f"/products/{p['id']}", json={"basePrice": 1})
    _drain(app)
    for delay in (60, 300, 1800, 3600, 7200):
        _advance(app, clock, delay + 1)
        _drain(app)
    assert [c.json["Attempt"] for c in receiver.calls] == [1, 2, 3, 4, 5]
    assert app.webhooks.pending() == 0
    assert api.ok("GET", "/webhooks")["data"][0]["isActive"] is True  # 5xx never deactivates


def test_receiver_crash_counts_as_failure(app: KiotVietApp, api: Api, clock: Clock) -> None:
    calls: list[int] = []

    def broken(environ: dict[str, Any], start_response: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("reset by peer")
        start_response("200 OK", [])
        return [b""]

    app.webhooks.set_transport(httpx.WSGITransport(app=broken))
    register(api, "product.update")
    p = api.product("SP000026")
    api.ok("PUT", f"/products/{p['id']}", json={"basePrice": 2})
    _drain(app)
    _advance(app, clock, 61)
    _drain(app)
    assert len(calls) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405])
def test_client_errors_deactivate_the_registration(
    app: KiotVietApp, api: Api, receiver: Receiver, status: int, clock: Clock
) -> None:
    hook = register(api, "product.update")
    register(api, "stock.update")
    receiver.statuses = [status]
    p = api.product("SP000027")
    api.ok("PUT", f"/products/{p['id']}", json={"basePrice": 3})
    _drain(app)
    hooks = {h["id"]: h for h in api.ok("GET", "/webhooks")["data"]}
    assert hooks[hook["id"]]["isActive"] is False
    assert sum(h["isActive"] for h in hooks.values()) == 1
    _advance(app, clock, 4000)
    api.ok("PUT", f"/products/{p['id']}", json={"basePrice": 4})
    _drain(app)
    assert len(receiver.calls) == 1  # no retry, no further deliveries


def test_inactive_registrations_and_other_shops_get_nothing(
    app: KiotVietApp, api: Api, receiver: Receiver, http: httpx.Client
) -> None:
    api.ok(
        "POST",
        "/webhooks",
        json={"Webhook": {"Type": "product.update", "Url": HOOK_URL + "/off", "IsActive": False}},
    )
    other = Api(http, seed(http, seed=5))
    register(other, "product.update", url=HOOK_URL + "/other")
    p = api.product("SP000028")
    api.ok("PUT", f"/products/{p['id']}", json={"basePrice": 5})
    _drain(app)
    assert receiver.calls == []
    q = other.product("SP000028")
    other.ok("PUT", f"/products/{q['id']}", json={"basePrice": 6})
    _drain(app)
    assert [c.json["Notifications"][0]["Action"] for c in receiver.calls] == [
        f"product.update.{other.creds['retailer_id']}"
    ]


def test_control_plane_changes_fire_webhooks(
    app: KiotVietApp, api: Api, receiver: Receiver, http: httpx.Client
) -> None:
    register(api, "product.update")
    p = api.product("SP000029")
    ctl(http, "PUT", f"/products/{p['id']}", {"is_active": False, "base_price": 99000})
    _drain(app)
    item = receiver.data("product.update")[0]
    assert item["isActive"] is False and item["BasePrice"] == 99000
    hooks = ctl(http, "GET", "/registered-webhooks")["webhooks"]
    assert hooks[0]["has_secret"] is False and hooks[0]["type"] == "product.update"


def test_big_changes_are_split_into_deliveries_of_100(
    app: KiotVietApp, api: Api, receiver: Receiver, http: httpx.Client
) -> None:
    register(api, "product.update")
    ctl(http, "POST", "/products/bulk", {"products": 50, "variants_per_product": 5})
    _drain(app)
    sizes = [len(c.json["Notifications"][0]["Data"]) for c in receiver.calls]
    assert sum(sizes) == 250 and max(sizes) == 100 and len(sizes) == 3
