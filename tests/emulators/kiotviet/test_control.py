"""Control plane (/_emulator/...): seeding, determinism, admin/POS helpers, bulk, reset, faults."""

from __future__ import annotations

import ast
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiotsync.emulators.common import ServerThread
from kiotsync.emulators.kiotviet import KiotVietApp, create_app

from .helpers import BASE, Api, ctl, seed


def _snapshot(app: KiotVietApp) -> dict[str, Any]:
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url=BASE) as http:
        creds = seed(http, seed=42)
        api = Api(http, creds)
        strip = (
            "createdDate",
            "modifiedDate",
            "purchaseDate",
            "startDate",
            "endDate",
            "transDate",
            "timestamp",
        )

        def clean(value: Any) -> Any:
            if isinstance(value, dict):
                return {k: clean(v) for k, v in value.items() if k not in strip}
            if isinstance(value, list):
                return [clean(v) for v in value]
            return value

        return {
            "creds": creds,
            "products": clean(api.all("/products", includeInventory="true", includePricebook="true")),
            "customers": clean(api.all("/customers")),
            "orders": clean(api.all("/orders", includePayment="true", includeOrderDelivery="true")),
            "categories": clean(api.all("/categories")),
        }


def test_seed_is_deterministic() -> None:
    a, b = create_app(), create_app()
    try:
        first, second = _snapshot(a), _snapshot(b)
    finally:
        a.webhooks.stop()
        b.webhooks.stop()
    assert first == second
    assert first["creds"]["retailer"] == "shopthoitrang42"


def test_different_seeds_and_overrides(http: httpx.Client) -> None:
    one = seed(http, seed=1)
    two = seed(http, seed=2)
    named = seed(http, preset="empty", seed=1, retailer="TapHoaXYZ")
    assert len({one["client_id"], two["client_id"], named["client_id"]}) == 3
    assert named["retailer"] == "taphoaxyz" and [b["name"] for b in named["branches"]] == [
        "Chi nhánh trung tâm"
    ]
    shops = ctl(http, "GET", "/shops")["shops"]
    assert {s["retailer"] for s in shops} == {"shopthoitrang", "shopthoitrang2", "taphoaxyz"}
    again = seed(http, seed=1)  # same seed: the shop is replaced, credentials identical
    assert again["client_secret"] == one["client_secret"]
    assert len(ctl(http, "GET", "/shops")["shops"]) == 3
    assert http.post("/_emulator/seed", json={"preset": "unknown"}).status_code == 400


def test_empty_preset(http: httpx.Client) -> None:
    api = Api(http, seed(http, preset="empty", seed=9))
    assert api.ok("GET", "/products")["total"] == 0
    assert {c["name"] for c in api.ok("GET", "/salechannel")["data"]} == {"Bán trực tiếp", "Khác", "Website"}
    assert api.ok("GET", "/users")["total"] == 0  # only the hidden admin


def test_bulk_products_for_benchmarks(http: httpx.Client) -> None:
    started = time.perf_counter()
    creds = seed(http, preset="empty", seed=3, products=250, variants_per_product=4)
    elapsed = time.perf_counter() - started
    assert creds["products"] == 1000
    assert elapsed < 20  # generous; ~0.1 s on a laptop
    api = Api(http, creds)
    group = api.ok("GET", "/products/code/BK00007-1")
    family = api.ok("GET", "/products", params={"masterProductId": group["id"]})
    assert [p["fullName"] for p in family["data"]] == [
        f"Sản phẩm mẫu 00007 - {s}" for s in ("S", "M", "L", "XL")
    ]
    more = ctl(
        http, "POST", "/products/bulk", {"retailer": creds["retailer"], "products": 3, "code_prefix": "EX"}
    )
    assert more["created"] == 3 and api.ok("GET", "/products/code/EX00002")["hasVariants"] is False


def test_stock_take_helper(http: httpx.Client, api: Api, creds: dict[str, Any]) -> None:
    branch = creds["branches"][1]["id"]
    out = ctl(
        http,
        "POST",
        "/stock",
        {
            "retailer": creds["retailer"],
            "code": "SP000030",
            "branch_id": branch,
            "on_hand": 12.5,
            "cost": 1000,
        },
    )
    row = next(i for i in out["inventories"] if i["branchId"] == branch)
    assert row["onHand"] == 12.5 and row["cost"] == 1000
    assert api.stock("SP000030", branch)["onHand"] == 12.5
    r = http.post("/_emulator/stock", json={"code": "KHONGCO", "branch_id": branch, "on_hand": 1})
    assert r.status_code == 404


def test_pos_order_complete_and_delivery(http: httpx.Client, api: Api, creds: dict[str, Any]) -> None:
    branch = creds["branches"][0]["id"]
    p = api.product("SP000031")
    before = api.stock("SP000031", branch)
    order = ctl(
        http,
        "POST",
        "/pos/orders",
        {
            "branch_id": branch,
            "lines": [{"product_id": p["id"], "quantity": 2}],
            "orderDelivery": {"receiver": "Cô Hoa"},
        },
    )
    pos = next(c["id"] for c in creds["sale_channels"] if c["name"] == "Bán trực tiếp")
    assert order["saleChannelId"] == pos and order["status"] == 1
    assert api.stock("SP000031", branch)["reserved"] == before["reserved"] + 2
    done = ctl(http, "POST", f"/orders/{order['id']}/complete", {"delivery_status": 2})
    invoice = done["invoice"]
    assert done["order"]["status"] == 3 and invoice["invoiceDelivery"]["status"] == 2
    assert invoice["invoiceDelivery"]["receiver"] == "Cô Hoa" and invoice["status"] == 3
    after = api.stock("SP000031", branch)
    assert (after["onHand"], after["reserved"]) == (before["onHand"] - 2, before["reserved"])
    delivered = ctl(http, "POST", f"/invoices/{invoice['id']}/delivery", {"status": 3})
    assert delivered["status"] == 1 and delivered["invoiceDelivery"]["statusValue"] == "Giao thành công"
    cancelled = ctl(http, "POST", f"/invoices/{invoice['id']}/cancel")
    assert cancelled["status"] == 2
    sale = ctl(
        http, "POST", "/pos/invoices", {"lines": [{"code": "x", "productCode": "SP000031", "quantity": 1}]}
    )
    assert sale["saleChannelId"] == pos and sale["status"] == 1


def test_order_cancel_and_confirm_helpers(http: httpx.Client, api: Api) -> None:
    order = ctl(http, "POST", "/pos/orders", {"lines": [{"productCode": "SP000032", "quantity": 1}]})
    confirmed = ctl(http, "PUT", f"/orders/{order['id']}", {"status": 5})
    assert confirmed["status"] == 5
    assert ctl(http, "POST", f"/orders/{order['id']}/cancel")["status"] == 4


def test_settings_helper(http: httpx.Client, api: Api) -> None:
    got = ctl(http, "GET", "/settings")
    assert all(
        got["settings"][k]
        for k in ("allow_order", "use_delivery", "manage_cod", "allow_change_purchase_date")
    )
    changed = ctl(http, "PUT", "/settings", {"allow_order": False, "AllowSellWhenOutStock": False})
    assert changed["settings"]["allow_order"] is False and changed["wire"]["AllowSellWhenOutStock"] is False
    assert http.put("/_emulator/settings", json={"nope": True}).status_code == 400


def test_admin_product_changes_customers_categories(http: httpx.Client, api: Api) -> None:
    p = api.product("SP000033")
    ctl(http, "PUT", f"/products/{p['id']}", {"name": "Đổi tên", "base_price": 1})
    assert api.product("SP000033")["name"] == "Đổi tên"
    made = ctl(http, "POST", "/products", {"name": "Hàng admin", "code": "ADM-1"})
    assert api.product("ADM-1")["id"] == made["id"]
    assert ctl(http, "DELETE", f"/products/{made['id']}")["deleted"] == [made["id"]]
    cat = ctl(http, "POST", "/categories", {"name": "Nhóm admin"})
    assert cat["categoryName"] == "Nhóm admin"
    cust = ctl(http, "POST", "/customers", {"name": "Khách admin", "contact_number": "0900111222"})
    assert api.ok("GET", f"/customers/{cust['id']}")["contactNumber"] == "0900111222"
    ctl(http, "POST", "/pricebooks/detail", {"pricebook_id": 0, "product_id": p["id"], "price": 777})
    assert api.product("SP000033")["basePrice"] == 777


def test_retailer_must_be_named_when_several_shops(http: httpx.Client) -> None:
    seed(http, seed=1)
    seed(http, seed=2)
    r = http.get("/_emulator/settings")
    assert r.status_code == 400
    assert http.get("/_emulator/settings", params={"retailer": "shopthoitrang2"}).status_code == 200


def test_reset_empties_everything(http: httpx.Client, api: Api) -> None:
    assert ctl(http, "POST", "/reset") == {"ok": True}
    assert ctl(http, "GET", "/shops")["shops"] == []
    assert api.get("/branches").status_code == 401  # tokens are gone too


def test_faults_and_request_log(http: httpx.Client, api: Api) -> None:
    ctl(http, "POST", "/faults", {"method": "POST", "path": "/orders", "status": 504, "after_commit": True})
    r = api.request(
        "POST",
        "/orders",
        json={
            "branchId": api.creds["branches"][0]["id"],
            "orderDetails": [{"productCode": "SP000034", "quantity": 1}],
        },
    )
    assert r.status_code == 504 and "responseStatus" in r.json()
    assert (
        api.ok("GET", "/orders", params={"pageSize": 1, "orderBy": "id", "orderDirection": "desc"})["data"][
            0
        ]["orderDetails"][0]["productCode"]
        == "SP000034"
    )
    log = http.get("/_emulator/requests", params={"path": "/orders"}).json()["requests"]
    assert [(e["method"], e["status"]) for e in log][:1] == [("POST", 504)]
    assert all(e["retailer"] == api.retailer for e in log)


@pytest.mark.socket
def test_over_a_real_socket() -> None:
    app = create_app()
    with ServerThread(app) as server, httpx.Client(base_url=server.url, timeout=10) as http:
        creds = seed(http, seed=11, base_url=server.url)
        assert creds["token_url"] == f"{server.url}/connect/token"
        api = Api(http, creds)
        env = api.ok("GET", "/products", params={"pageSize": 5, "includeInventory": True})
        assert len(env["data"]) == 5
        order = api.ok(
            "POST",
            "/orders",
            json={
                "branchId": creds["branches"][0]["id"],
                "orderDetails": [{"productCode": "SP000035", "quantity": 1}],
            },
        )
        assert api.ok("GET", f"/orders/code/{order['code']}")["id"] == order["id"]

        received: list[bytes] = []

        def hook(environ: dict[str, Any], start_response: Any) -> Any:
            received.append(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b"{}"]

        with ServerThread(hook) as receiver:
            app.webhooks.set_transport(None)
            api.ok(
                "POST", "/webhooks", json={"Webhook": {"Type": "order.update", "Url": receiver.url + "/kv"}}
            )
            api.ok("DELETE", f"/orders/{order['id']}")
            assert app.webhooks.drain(10)
            assert received and b'"Status":4' in received[0]
    app.webhooks.stop()


SRC = Path(__file__).resolve().parents[3] / "src" / "kiotsync" / "emulators"


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_emulators_import_only_emulator_code(path: Path) -> None:
    package = ".".join(path.relative_to(SRC.parents[1]).with_suffix("").parts[:-1])
    bad = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                names = [".".join([*base, node.module] if node.module else base)]
            elif node.module:
                names = [node.module]
        bad += [n for n in names if n.startswith("kiotsync") and not n.startswith("kiotsync.emulators")]
    assert not bad, f"{path} imports {bad}"
