"""The clickable Haravan admin + storefront (``/_emulator/admin``): every form changes the shop
exactly as the JSON control plane would (signed webhooks included), pages carry Haravan's
Vietnamese labels, and bad input re-renders the page with an error and changes nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from kiotsync.emulators.common import Clock
from kiotsync.emulators.haravan import HaravanApp, create_app

from .helpers import REDIRECT, Receiver, api_token, bearer

ADMIN = "/_emulator/admin"
HOOK = "https://kiotsync.example/webhooks/haravan"
SKU = "ATCB-TRA-S"


def seed_body(seed: int = 1, hook: bool = False, **extra: Any) -> dict[str, Any]:
    app: dict[str, Any] = {"redirect_uris": [REDIRECT]}
    if hook:  # the dashboard then runs the hub.challenge handshake against the receiver
        app.update({"webhook_url": HOOK, "webhook_verify_token": "verify-me"})
    return {"preset": "demo", "seed": seed, "app": app, **extra}


@pytest.fixture
def hooked(client: httpx.Client, receiver: Receiver) -> dict[str, Any]:
    """The demo shop, with the app installed and subscribed to its webhooks."""
    r = client.post("/_emulator/seed", json=seed_body(hook=True))
    assert r.status_code == 200, r.text
    shop: dict[str, Any] = r.json()
    token = api_token(client, shop)
    assert client.post("/api/subscribe", headers=bearer(token)).status_code == 200
    return shop


@pytest.fixture
def twin() -> Iterator[tuple[HaravanApp, httpx.Client]]:
    """A second emulator seeded identically: the JSON path runs there, the form path here."""
    other = create_app(clock=Clock(time_scale=0.001))
    with httpx.Client(transport=httpx.WSGITransport(app=other), base_url="http://hv.test") as c:
        assert c.post("/_emulator/seed", json=seed_body()).status_code == 200
        yield other, c
    other.webhooks.stop()


def submit(client: httpx.Client, shop: dict[str, Any], path: str, **fields: Any) -> httpx.Response:
    """Post an admin-page form the way the browser does (url-encoded fields)."""
    data = {"orgid": shop["orgid"], **{k: str(v) for k, v in fields.items()}}
    return client.post(f"{ADMIN}{path}", data=data)


def done(r: httpx.Response) -> str:
    assert r.status_code == 303, r.text[:2000]
    assert r.headers["location"].startswith(f"{ADMIN}?")
    return str(httpx.URL(r.headers["location"]).params.get("msg"))


def error(r: httpx.Response) -> str:
    assert r.status_code == 400, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    found = re.search(r'id="error">([^<]*)<', r.text)
    assert found, "no error message on the page"
    assert 'id="product-table"' in r.text  # the whole page is shown again
    return found.group(1)


def com(client: httpx.Client, shop: dict[str, Any], path: str, **params: Any) -> Any:
    """A ``/com`` read as the shop admin (no token involved)."""
    r = client.get(f"/_emulator/shops/{shop['orgid']}/com/{path}", params=params or None)
    assert r.status_code == 200, r.text
    return r.json()


def variant(client: httpx.Client, shop: dict[str, Any], sku: str) -> dict[str, Any]:
    products = com(client, shop, "products.json", limit=250)["products"]
    return next(v for p in products for v in p["variants"] if v["sku"] == sku)


def balance(client: httpx.Client, shop: dict[str, Any], variant_id: int, location_id: int) -> dict[str, Any]:
    rows = com(client, shop, "inventory_locations.json", variant_ids=variant_id)["inventory_locations"]
    return next(r for r in rows if r["loc_id"] == location_id)


def latest_order(client: httpx.Client, shop: dict[str, Any]) -> dict[str, Any]:
    return dict(com(client, shop, "orders.json", status="any", limit=1, order="created_at desc")["orders"][0])


def drain(app: HaravanApp) -> None:
    assert app.webhooks.drain(5)


def deliveries(receiver: Receiver, topic: str) -> list[dict[str, Any]]:
    return [json.loads(p["body"]) for p in receiver.posts if p["headers"]["X-Haravan-Topic"] == topic]


def signed(post: dict[str, Any], secret: str) -> bool:
    expected = base64.b64encode(hmac.new(secret.encode(), post["body"], hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, post["headers"].get("X-Haravan-Hmacsha256", ""))


def without_dates(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: without_dates(v) for k, v in value.items() if not (k.endswith("_at") or k.endswith("_date"))
        }
    if isinstance(value, list):
        return [without_dates(v) for v in value]
    return value


def variant_rows(html: str) -> list[str]:
    return re.findall(r'<tr id="v-\d+" data-sku="([^"]*)"', html)


# -- rendering ---------------------------------------------------------------------------------
def test_page_renders_the_shop_with_vietnamese_labels(client: httpx.Client, shop: dict[str, Any]) -> None:
    r = client.get(ADMIN)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    for label in (
        "Quản trị",
        "Sản phẩm",
        "Có thể bán",
        "Điều chỉnh tồn kho",
        "Đặt hàng trên website",
        "Thanh toán khi giao hàng (COD)",
        "Đơn hàng",
        "Chờ xử lý thanh toán",
        "Đã thanh toán",
        "Chưa giao hàng",
        "Chưa xác nhận",
        "Đã hủy",
        "Chờ lấy hàng",
        "Giao hàng",
        "Xác nhận",
        shop["orgname"],
    ):
        assert label in html, label
    for loc in shop["locations"]:
        assert loc["name"] in html
    assert SKU in variant_rows(html) and "#100001" in html


def test_index_links_to_the_admin_page(client: httpx.Client, shop: dict[str, Any]) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert f'href="{ADMIN}"' in r.text and f"?orgid={shop['orgid']}" in r.text
    assert "/_emulator/shops/&lt;orgid&gt;/web_orders" in r.text


def test_shop_picker_when_several_shops(client: httpx.Client) -> None:
    first = client.post("/_emulator/seed", json=seed_body(1)).json()
    second = client.post("/_emulator/seed", json=seed_body(2, shop={"name": "Shop Thứ Hai"})).json()
    picker = client.get(ADMIN).text
    assert "Chọn cửa hàng" in picker and 'id="product-table"' not in picker
    assert f"orgid={first['orgid']}" in picker and f"orgid={second['orgid']}" in picker
    chosen = client.get(ADMIN, params={"orgid": second["orgid"]}).text
    assert 'id="product-table"' in chosen and "Shop Thứ Hai" in chosen and "Đổi cửa hàng" in chosen
    assert "Không tìm thấy cửa hàng" in client.get(ADMIN, params={"orgid": "42"}).text


def test_search_and_paging(client: httpx.Client) -> None:
    shop = client.post(
        "/_emulator/seed", json=seed_body(bulk={"products": 30, "variants_per_product": 2})
    ).json()
    assert len(variant_rows(client.get(ADMIN, params={"q": ""}).text)) == 50
    second_html = client.get(ADMIN, params={"orgid": shop["orgid"], "page": 2}).text
    second = variant_rows(second_html)
    assert len(second) == 22 + 60 - 50 and "Trang 2/2 · 82 phiên bản" in second_html
    assert variant_rows(client.get(ADMIN, params={"q": "atcb-tra"}).text) == ["ATCB-TRA-S", "ATCB-TRA-M"]
    assert variant_rows(client.get(ADMIN, params={"q": "quần jean"}).text) == [
        f"QJSF-{n}" for n in (29, 30, 31, 32)
    ]
    # a shop this big asks the storefront for a SKU instead of listing every variant
    many = client.post("/_emulator/seed", json=seed_body(3, bulk={"products": 300})).json()
    storefront = client.get(ADMIN, params={"orgid": many["orgid"]}).text.split('id="storefront"')[1]
    assert 'name="sku"' in storefront and 'name="variant_id"' not in storefront


# -- stock -------------------------------------------------------------------------------------
def test_stock_form_fires_a_signed_balance_update(
    app: HaravanApp, client: httpx.Client, hooked: dict[str, Any], receiver: Receiver
) -> None:
    v = variant(client, hooked, SKU)
    loc = hooked["locations"][1]["id"]
    before = balance(client, hooked, v["id"], loc)
    msg = done(
        submit(client, hooked, "/inventory", variant_id=v["id"], location_id=loc, type="set", quantity=40)
    )
    assert msg == f"Đã cập nhật tồn kho {SKU}"
    after = balance(client, hooked, v["id"], loc)
    assert after["qty_onhand"] == 40 and after["qty_available"] == 40 - before["qty_commited"]
    done(
        submit(client, hooked, "/inventory", variant_id=v["id"], location_id=loc, type="adjust", quantity=-5)
    )
    assert balance(client, hooked, v["id"], loc)["qty_onhand"] == 35
    drain(app)
    posts = [
        p for p in receiver.posts if p["headers"]["X-Haravan-Topic"] == "inventorylocationbalances/update"
    ]
    bodies = [json.loads(p["body"]) for p in posts]
    assert [(b["variant_id"], b["loc_id"], b["qty_onhand"]) for b in bodies] == [
        (v["id"], loc, 40),
        (v["id"], loc, 35),
    ]
    assert all(signed(p, hooked["client_secret"]) for p in posts)
    row = client.get(ADMIN).text.split(f'data-sku="{SKU}"')[1].split("</tr>")[0]
    assert "tồn 35" in row


# -- storefront --------------------------------------------------------------------------------
def test_storefront_cod_order_commits_stock_and_fires_orders_create(
    app: HaravanApp, client: httpx.Client, hooked: dict[str, Any], receiver: Receiver
) -> None:
    v = variant(client, hooked, SKU)
    primary = hooked["locations"][0]["id"]
    before = balance(client, hooked, v["id"], primary)
    msg = done(
        submit(
            client,
            hooked,
            "/web_order",
            variant_id=v["id"],
            quantity=3,
            name="Ngô Thị Lan",
            phone="0977000111",
            address="8 Hàng Bài, Hoàn Kiếm",
            payment="cod",
        )
    )
    order = latest_order(client, hooked)
    assert msg == f"Khách đã đặt đơn hàng {order['name']}"
    assert (
        order["source"] == "web" and order["gateway_code"] == "COD" and order["financial_status"] == "pending"
    )
    assert order["line_items"][0]["variant_id"] == v["id"] and order["line_items"][0]["quantity"] == 3
    assert order["shipping_address"]["name"] == "Ngô Thị Lan"
    assert order["shipping_address"]["address1"] == "8 Hàng Bài, Hoàn Kiếm"
    assert order["customer"]["first_name"] == "Lan" and order["customer"]["phone"] == "0977000111"
    after = balance(client, hooked, v["id"], primary)
    assert after["qty_commited"] == before["qty_commited"] + 3
    assert (
        after["qty_available"] == before["qty_available"] - 3 and after["qty_onhand"] == before["qty_onhand"]
    )
    drain(app)
    created = [p for p in receiver.posts if p["headers"]["X-Haravan-Topic"] == "orders/create"]
    assert [json.loads(p["body"])["id"] for p in created] == [order["id"]]
    assert signed(created[0], hooked["client_secret"])
    assert deliveries(receiver, "customers/create")[0]["phone"] == "0977000111"


def test_storefront_paid_order_by_sku(
    app: HaravanApp, client: httpx.Client, hooked: dict[str, Any], receiver: Receiver
) -> None:
    fields = {
        "sku": SKU,
        "quantity": 1,
        "name": "An",
        "phone": "0911222333",
        "address": "1 Lê Lợi",
        "payment": "paid",
    }
    done(submit(client, hooked, "/web_order", **fields))
    order = latest_order(client, hooked)
    assert order["financial_status"] == "paid" and order["gateway"] == "Chuyển khoản ngân hàng"
    drain(app)
    assert [o["id"] for o in deliveries(receiver, "orders/paid")] == [order["id"]]


def test_storefront_form_matches_the_json_web_order(
    client: httpx.Client, shop: dict[str, Any], twin: tuple[HaravanApp, httpx.Client]
) -> None:
    _, other = twin
    v = variant(client, shop, SKU)
    fields = {"name": "Trần Văn Ba", "phone": "0966000222", "address": "5 Trần Phú"}
    done(submit(client, shop, "/web_order", variant_id=v["id"], quantity=2, payment="cod", **fields))
    person = {"first_name": "Ba", "last_name": "Trần Văn", "phone": "0966000222"}
    r = other.post(
        f"/_emulator/shops/{shop['orgid']}/web_orders",
        json={
            "line_items": [{"variant_id": v["id"], "quantity": 2}],
            "customer": person,
            "phone": "0966000222",
            "shipping_address": {**person, "address1": "5 Trần Phú"},
            "billing_address": {**person, "address1": "5 Trần Phú"},
        },
    )
    assert r.status_code == 200, r.text
    assert without_dates(latest_order(client, shop)) == without_dates(latest_order(other, shop))
    primary = shop["locations"][0]["id"]
    assert without_dates(balance(client, shop, v["id"], primary)) == without_dates(
        balance(other, shop, v["id"], primary)
    )


# -- order processing --------------------------------------------------------------------------
def test_confirm_fulfil_carrier_and_cod(
    app: HaravanApp, client: httpx.Client, hooked: dict[str, Any], receiver: Receiver
) -> None:
    v = variant(client, hooked, SKU)
    primary = hooked["locations"][0]["id"]
    fields = {"name": "Lý Thị Mơ", "phone": "0933444555", "address": "3 Nguyễn Huệ", "payment": "cod"}
    done(submit(client, hooked, "/web_order", variant_id=v["id"], quantity=2, **fields))
    order = latest_order(client, hooked)
    oid, name = order["id"], order["name"]
    before = balance(client, hooked, v["id"], primary)

    assert done(submit(client, hooked, f"/orders/{oid}/confirm")) == f"Đã xác nhận đơn hàng {name}"
    assert com(client, hooked, f"orders/{oid}.json")["order"]["confirmed_status"] == "confirmed"

    assert done(submit(client, hooked, f"/orders/{oid}/fulfill")) == f"Đã giao hàng đơn hàng {name}"
    order = com(client, hooked, f"orders/{oid}.json")["order"]
    f = order["fulfillments"][0]
    assert order["fulfillment_status"] == "fulfilled"
    assert f["carrier_status_code"] == "readytopick" and f["carrier_cod_status_code"] == "codpending"
    assert f["cod_amount"] == order["total_price"]
    after = balance(client, hooked, v["id"], primary)
    assert (
        after["qty_onhand"] == before["qty_onhand"] - 2
        and after["qty_commited"] == before["qty_commited"] - 2
    )
    page = client.get(ADMIN).text.split(f'data-name="{name}"')[1].split("</tr>")[0]
    assert "Chờ lấy hàng" in page and 'value="picking" selected' in page and "Đã thu COD" in page

    msg = done(
        submit(
            client, hooked, f"/orders/{oid}/carrier", fulfillment_id=f["id"], carrier_status_code="delivered"
        )
    )
    assert msg == f"{name}: Đã giao hàng"
    msg = done(
        submit(
            client,
            hooked,
            f"/orders/{oid}/carrier",
            fulfillment_id=f["id"],
            carrier_cod_status_code="codpaid",
        )
    )
    assert msg == f"{name}: COD đã thanh toán"
    order = com(client, hooked, f"orders/{oid}.json")["order"]
    f = order["fulfillments"][0]
    assert f["carrier_status_code"] == "delivered" and f["carrier_cod_status_code"] == "codpaid"
    assert order["financial_status"] == "paid"
    drain(app)
    topics = [
        p["headers"]["X-Haravan-Topic"] for p in receiver.posts if json.loads(p["body"]).get("id") == oid
    ]
    assert topics[0] == "orders/create"
    assert {"orders/updated", "orders/fulfilled", "orders/paid"} <= set(topics)


def test_cancel_restocks(
    app: HaravanApp, client: httpx.Client, hooked: dict[str, Any], receiver: Receiver
) -> None:
    v = variant(client, hooked, SKU)
    primary = hooked["locations"][0]["id"]
    before = balance(client, hooked, v["id"], primary)
    fields = {"name": "Hồ Văn Dũng", "phone": "0944555666", "address": "9 Lý Tự Trọng"}
    done(submit(client, hooked, "/web_order", variant_id=v["id"], quantity=2, **fields))
    first = latest_order(client, hooked)
    done(submit(client, hooked, "/web_order", variant_id=v["id"], quantity=1, **fields))
    second = latest_order(client, hooked)
    done(submit(client, hooked, f"/orders/{second['id']}/fulfill"))

    assert done(submit(client, hooked, f"/orders/{first['id']}/cancel")) == f"Đã hủy đơn hàng {first['name']}"
    assert (
        done(submit(client, hooked, f"/orders/{second['id']}/cancel")) == f"Đã hủy đơn hàng {second['name']}"
    )
    for o in (first, second):
        got = com(client, hooked, f"orders/{o['id']}.json")["order"]
        assert got["cancelled_status"] == "cancelled" and got["cancel_reason"] == "customer"
    assert balance(client, hooked, v["id"], primary)["qty_onhand"] == before["qty_onhand"]
    assert balance(client, hooked, v["id"], primary)["qty_commited"] == before["qty_commited"]
    drain(app)
    assert {o["id"] for o in deliveries(receiver, "orders/cancelled")} == {first["id"], second["id"]}


# -- bad input ---------------------------------------------------------------------------------
def _fingerprint(client: httpx.Client, shop: dict[str, Any]) -> Any:
    return (
        com(client, shop, "orders.json", status="any", limit=250),
        com(client, shop, "inventory_locations.json", limit=250),
        com(client, shop, "customers.json", limit=250),
    )


BAD_INPUTS: list[tuple[str, dict[str, str], str]] = [
    ("/inventory", {"variant_id": "{vid}", "location_id": "{loc}", "quantity": "mười"}, "phải là số nguyên"),
    ("/inventory", {"variant_id": "{vid}", "location_id": "{loc}", "quantity": "1.5"}, "phải là số nguyên"),
    ("/inventory", {"variant_id": "{vid}", "location_id": "{loc}", "quantity": "-1"}, "không được âm"),
    ("/inventory", {"variant_id": "77", "location_id": "{loc}", "quantity": "3"}, "Không tìm thấy phiên bản"),
    ("/inventory", {"variant_id": "{vid}", "location_id": "5", "quantity": "3"}, "location 5 not found"),
    (
        "/inventory",
        {"variant_id": "{vid}", "location_id": "{loc}", "quantity": "3", "type": "x"},
        "không hợp lệ",
    ),
    ("/web_order", {"variant_id": "{vid}", "quantity": "hai", "person": "1"}, "phải là số nguyên"),
    ("/web_order", {"variant_id": "{vid}", "quantity": "0", "person": "1"}, "phải lớn hơn 0"),
    ("/web_order", {"sku": "KHONG-CO", "quantity": "1", "person": "1"}, "Không tìm thấy sản phẩm"),
    ("/web_order", {"variant_id": "77", "quantity": "1", "person": "1"}, "Không tìm thấy sản phẩm"),
    ("/web_order", {"variant_id": "{vid}", "quantity": "1", "phone": "09", "address": "x"}, "họ tên"),
    ("/web_order", {"variant_id": "{vid}", "quantity": "1", "name": "A", "phone": "09"}, "địa chỉ"),
    ("/orders/{cancelled}/confirm", {}, "Cannot confirm a cancelled order"),
    ("/orders/{cancelled}/fulfill", {}, "Cannot fulfill a cancelled order"),
    ("/orders/{fulfilled}/fulfill", {}, "no fulfillable line items"),
    (
        "/orders/{fulfilled}/carrier",
        {"fulfillment_id": "{fid}", "carrier_status_code": "flying"},
        "không hợp lệ",
    ),
    ("/orders/{fulfilled}/carrier", {"fulfillment_id": "{fid}"}, "Vui lòng chọn"),
    (
        "/orders/{open}/carrier",
        {"fulfillment_id": "1", "carrier_status_code": "delivered"},
        "no such fulfillment",
    ),
    ("/orders/{cancelled}/cancel", {}, "already been cancelled"),
    ("/orders/12/cancel", {}, "order 12 not found"),
]


@pytest.mark.parametrize(
    ("path", "fields", "message"), BAD_INPUTS, ids=[f"{p}-{m}" for p, _, m in BAD_INPUTS]
)
def test_bad_input_shows_an_error_and_changes_nothing(
    app: HaravanApp,
    client: httpx.Client,
    hooked: dict[str, Any],
    receiver: Receiver,
    path: str,
    fields: dict[str, str],
    message: str,
) -> None:
    orders = {o["name"]: o for o in com(client, hooked, "orders.json", status="any")["orders"]}
    values = {
        "vid": variant(client, hooked, SKU)["id"],
        "loc": hooked["locations"][0]["id"],
        "cancelled": orders["#100004"]["id"],
        "fulfilled": orders["#100002"]["id"],
        "fid": orders["#100002"]["fulfillments"][0]["id"],
        "open": orders["#100001"]["id"],
    }
    form = {k: v.format(**values) for k, v in fields.items() if k != "person"}
    if "person" in fields:
        form.update({"name": "Khách Thử", "phone": "0900000000", "address": "1 Phố Huế"})
    receiver.posts.clear()
    before = _fingerprint(client, hooked)
    assert message in error(submit(client, hooked, path.format(**values), **form))
    assert _fingerprint(client, hooked) == before
    drain(app)
    assert receiver.posts == []
