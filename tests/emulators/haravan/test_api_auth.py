"""Commerce API gatekeeping: 401/403, call-limit header, leaky bucket 429 + Retry-After, errors."""

from __future__ import annotations

from typing import Any

import httpx

from kiotsync.emulators.common import Clock

from .helpers import api_token, bearer


def test_missing_or_unknown_token_is_401(client: httpx.Client, shop: dict[str, Any]) -> None:
    r = client.get("/com/products.json")
    assert r.status_code == 401 and r.json() == {"errors": "Unauthorized"}
    assert client.get("/com/products.json", headers=bearer("nope")).status_code == 401


def test_scopes_are_enforced_and_write_implies_read(client: httpx.Client, shop: dict[str, Any]) -> None:
    read_only = api_token(client, shop, "openid org com.read_products")
    h = bearer(read_only)
    assert client.get("/com/products.json", headers=h).status_code == 200
    r = client.post("/com/products.json", headers=h, json={"product": {"title": "X"}})
    assert r.status_code == 403 and "com.write_products" in r.json()["errors"]
    assert r.headers["X-Haravan-Api-Call-Limit"]
    assert client.get("/com/orders.json", headers=h).status_code == 403
    assert client.get("/com/shop.json", headers=h).status_code == 403
    writer = bearer(api_token(client, shop, "openid com.write_orders"))
    assert client.get("/com/orders.json", headers=writer).status_code == 200


def test_call_limit_header_on_every_answer(api: httpx.Client) -> None:
    answers = [
        api.get("/com/shop.json"),
        api.get("/com/products/1.json"),
        api.post("/com/products.json", json={"product": {}}),
        api.get("/com/nothing-here.json"),
    ]
    assert [r.status_code for r in answers[:3]] == [200, 404, 422]
    for i, r in enumerate(answers[:3], start=1):
        assert r.headers["X-Haravan-Api-Call-Limit"] == f"{i}/80"
    assert answers[1].json() == {"errors": "Not Found"}
    assert answers[2].json() == {"errors": {"title": ["can't be blank"]}}


def test_bucket_overflows_at_80_and_drains_at_4_per_second(api: httpx.Client, clock: Clock) -> None:
    for i in range(80):
        r = api.get("/com/shop.json")
        assert r.status_code == 200, i
    assert r.headers["X-Haravan-Api-Call-Limit"] == "80/80"
    r = api.get("/com/shop.json")
    assert r.status_code == 429
    assert r.headers["X-Haravan-Api-Call-Limit"] == "80/80"
    assert 0 < float(r.headers["Retry-After"]) <= 0.3
    clock.advance(1.0)  # leaks 4 calls
    for _ in range(4):
        assert api.get("/com/shop.json").status_code == 200
    assert api.get("/com/shop.json").status_code == 429
    clock.advance(20)
    r = api.get("/com/shop.json")
    assert r.status_code == 200 and r.headers["X-Haravan-Api-Call-Limit"] == "1/80"


def test_bucket_is_per_shop_and_app(client: httpx.Client, shop: dict[str, Any]) -> None:
    other = client.post(
        "/_emulator/seed", json={"preset": "empty", "seed": 2, "app": {"client_id": shop["client_id"]}}
    ).json()
    client.put("/_emulator/config", json={"bucket_size": 3, "leak_rate": 1})
    a, b = bearer(api_token(client, shop)), bearer(api_token(client, other))
    assert [client.get("/com/shop.json", headers=a).status_code for _ in range(4)] == [200, 200, 200, 429]
    r = client.get("/com/shop.json", headers=b)
    assert r.status_code == 200 and r.headers["X-Haravan-Api-Call-Limit"] == "1/3"


def test_wrong_content_type_and_malformed_json_are_400(api: httpx.Client) -> None:
    r = api.post(
        "/com/products.json",
        content=b"title=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 400 and "errors" in r.json()
    r = api.post("/com/products.json", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400


def test_request_log_names_the_shop(api: httpx.Client, shop: dict[str, Any]) -> None:
    api.get("/com/shop.json")
    log = api.get("/_emulator/requests", params={"path": "/com/shop.json"}).json()["requests"]
    assert log[-1]["orgid"] == shop["orgid"] and log[-1]["client_id"] == shop["client_id"]


def test_injected_fault_answers_before_the_rules(api: httpx.Client) -> None:
    api.post("/_emulator/faults", json={"path": "/com/orders.json", "status": 503, "count": 1})
    assert api.get("/com/orders.json").status_code == 503
    assert api.get("/com/orders.json").status_code == 200
