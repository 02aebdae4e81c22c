"""Several shops at once: isolation, deterministic seeds, reset, control-plane admin helpers."""

from __future__ import annotations

from typing import Any

import httpx

from kiotsync.emulators.common import Clock
from kiotsync.emulators.haravan import create_app
from kiotsync.emulators.haravan.presets import HARAVAN_ONLY_SKUS, SHARED_SKUS

from .helpers import REDIRECT, api_token, bearer


def _seed(client: httpx.Client, **body: Any) -> dict[str, Any]:
    r = client.post("/_emulator/seed", json={"app": {"redirect_uris": [REDIRECT]}, **body})
    assert r.status_code == 200, r.text
    return r.json()


def test_two_shops_never_see_each_other(client: httpx.Client) -> None:
    a = _seed(client, preset="demo", seed=1)
    b = _seed(client, preset="demo", seed=2, shop={"name": "Tiệm Bánh Mì Cô Ba"})
    assert a["orgid"] != b["orgid"] and b["orgname"] == "Tiệm Bánh Mì Cô Ba"
    ha, hb = bearer(api_token(client, a)), bearer(api_token(client, b))
    pa = client.get("/com/products.json", headers=ha, params={"limit": 1}).json()["products"][0]
    oa = client.get("/com/orders.json", headers=ha).json()["orders"][0]
    va = pa["variants"][0]["id"]
    assert client.get(f"/com/products/{pa['id']}.json", headers=hb).status_code == 404
    assert client.get(f"/com/variants/{va}.json", headers=hb).status_code == 404
    assert client.get(f"/com/orders/{oa['id']}.json", headers=hb).status_code == 404
    assert (
        client.put(f"/com/orders/{oa['id']}.json", headers=hb, json={"order": {"note": "x"}}).status_code
        == 404
    )
    r = client.post(
        "/com/orders.json", headers=hb, json={"order": {"line_items": [{"variant_id": va, "quantity": 1}]}}
    )
    assert r.status_code == 422
    loc_a = a["locations"][0]["id"]
    r = client.post(
        "/com/inventories/adjustorset.json",
        headers=hb,
        json={"inventory": {"location_id": loc_a, "line_items": [{"product_variant_id": va, "quantity": 1}]}},
    )
    assert r.status_code == 422
    assert client.get("/com/shop.json", headers=hb).json()["shop"]["id"] == int(b["orgid"])
    rows_b = client.get("/com/inventory_locations.json", headers=hb).json()["inventory_locations"]
    assert {r["loc_id"] for r in rows_b} == {loc["id"] for loc in b["locations"]}
    assert not {c["id"] for c in client.get("/com/customers.json", headers=ha).json()["customers"]} & {
        c["id"] for c in client.get("/com/customers.json", headers=hb).json()["customers"]
    }
    # one owner login only reaches its own org
    r = client.put(
        "/_emulator/config", json={"auto_approve": {"email": a["owner"]["email"], "orgid": b["orgid"]}}
    )
    r = client.get(
        "/connect/authorize",
        params={
            "client_id": a["client_id"],
            "response_type": "code",
            "scope": "openid org",
            "redirect_uri": REDIRECT,
        },
    )
    assert "error=access_denied" in r.headers["location"]


def test_same_app_seeded_twice_serves_two_shops(client: httpx.Client) -> None:
    a = _seed(client, preset="empty", seed=5)
    b = _seed(client, preset="empty", seed=5, app={"client_id": a["client_id"], "redirect_uris": [REDIRECT]})
    assert a["client_id"] == b["client_id"] and a["client_secret"] == b["client_secret"]
    assert a["orgid"] != b["orgid"] and a["orgsub"] != b["orgsub"]
    assert len(client.get("/_emulator/shops").json()["shops"]) == 2


def _snapshot(seed: int) -> dict[str, Any]:
    app = create_app(clock=Clock(time_scale=0.001))
    try:
        with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://hv.test") as c:
            creds = _seed(c, preset="demo", seed=seed)
            admin = f"/_emulator/shops/{creds['orgid']}/com"
            products = c.get(f"{admin}/products.json", params={"fields": "id,title,handle,variants"}).json()[
                "products"
            ]
            stock = c.get(f"{admin}/inventory_locations.json").json()["inventory_locations"]
            orders = c.get(
                f"{admin}/orders.json",
                params={"status": "any", "fields": "id,name,total_price,financial_status"},
            ).json()
            return {
                "creds": {k: v for k, v in creds.items() if k != "webhook"},
                "products": [
                    (p["id"], p["title"], p["handle"], [(v["sku"], v["price"]) for v in p["variants"]])
                    for p in products
                ],
                "stock": [(r["id"], r["qty_onhand"], r["qty_commited"]) for r in stock],
                "orders": orders,
            }
    finally:
        app.webhooks.stop()


def test_seeds_are_deterministic() -> None:
    one, again, other = _snapshot(7), _snapshot(7), _snapshot(8)
    assert one == again
    assert one["creds"]["client_id"] != other["creds"]["client_id"]
    assert one["creds"]["owner"] != other["creds"]["owner"]
    assert len(one["products"]) == 15 and len(one["orders"]["orders"]) == 4
    skus = {sku for _, _, _, variants in one["products"] for sku, _ in variants}
    assert set(SHARED_SKUS) | set(HARAVAN_ONLY_SKUS) | {None} == skus


def test_reset_empties_everything(client: httpx.Client) -> None:
    shop = _seed(client, preset="demo", seed=1)
    token = api_token(client, shop)
    assert client.post("/_emulator/reset").json() == {"ok": True}
    assert client.get("/_emulator/shops").json() == {"shops": []}
    assert client.get("/com/shop.json", headers=bearer(token)).status_code == 401


def test_bulk_seed(client: httpx.Client) -> None:
    creds = _seed(
        client,
        preset="empty",
        seed=3,
        bulk={"products": 30, "variants_per_product": 4, "sku_prefix": "KV", "stock": 5},
    )
    assert creds["products"] == 30
    summary = client.get(f"/_emulator/shops/{creds['orgid']}").json()
    assert summary["variants"] == 120 and len(summary["locations"]) == 1
    admin = f"/_emulator/shops/{creds['orgid']}/com"
    p = client.get(f"{admin}/products.json", params={"sku": "KV00030-4"}).json()["products"][0]
    assert p["variants"][3]["inventory_quantity"] == 5


def test_admin_helpers_play_the_merchant(client: httpx.Client) -> None:
    shop = _seed(client, preset="demo", seed=1)
    base = f"/_emulator/shops/{shop['orgid']}"
    r = client.post(
        f"{base}/web_orders",
        json={
            "line_items": [{"sku": "SP000007", "quantity": 2}],
            "customer": {"first_name": "Hạnh", "phone": "0933000111"},
        },
    )
    order = r.json()["order"]
    assert (
        order["source"] == "web"
        and order["gateway_code"] == "COD"
        and order["customer"]["phone"] == "0933000111"
    )
    f = client.post(f"{base}/orders/{order['id']}/fulfill", json={}).json()["fulfillment"]
    assert f["tracking_company"] == "Giao Hàng Nhanh" and f["cod_amount"] == order["total_price"]
    for code in ("delivering", "delivered"):
        client.post(f"{base}/orders/{order['id']}/carrier", json={"carrier_status_code": code})
    done = client.post(
        f"{base}/orders/{order['id']}/carrier", json={"carrier_cod_status_code": "codreceipt"}
    ).json()
    assert (
        done["order"]["financial_status"] == "paid"
        and done["fulfillment"]["carrier_status_code"] == "delivered"
    )
    other = client.post(
        f"{base}/web_orders", json={"line_items": [{"sku": "SP000007", "quantity": 1}]}
    ).json()["order"]
    assert (
        client.post(f"{base}/orders/{other['id']}/cancel", json={}).json()["order"]["cancelled_status"]
        == "cancelled"
    )
    inv = client.post(
        f"{base}/inventory", json={"type": "set", "line_items": [{"sku": "SP000007", "quantity": 50}]}
    )
    assert inv.status_code == 200 and inv.json()["inventory"]["type"] == "set"
    variant = client.get(f"{base}/com/products.json", params={"sku": "SP000007"}).json()["products"][0][
        "variants"
    ][0]
    assert variant["inventory_advance"]["qty_onhand"] >= 50
    assert client.get(f"{base}/com/nope.json").status_code == 404
    assert client.post("/_emulator/seed", json={"preset": "galaxy"}).status_code == 400
