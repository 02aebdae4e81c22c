"""App webhooks: dashboard handshake, subscribe API, signed deliveries, retries, uninstall."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import httpx
import pytest

from kiotsync.emulators.common import Clock
from kiotsync.emulators.haravan import HaravanApp

from .helpers import REDIRECT, Receiver, api_token, bearer

HOOK = "https://kiotsync.example/webhooks/haravan"


def seed_hooked(
    client: httpx.Client, seed: int = 1, topics: list[str] | None = None, client_id: str | None = None
) -> dict[str, Any]:
    app: dict[str, Any] = {
        "redirect_uris": [REDIRECT],
        "webhook_url": HOOK,
        "webhook_verify_token": "verify-me",
    }
    if topics is not None:
        app["topics"] = topics
    if client_id:
        app["client_id"] = client_id
    r = client.post("/_emulator/seed", json={"preset": "demo", "seed": seed, "app": app})
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
def hooked(client: httpx.Client, receiver: Receiver) -> dict[str, Any]:
    shop = seed_hooked(client)
    token = api_token(client, shop)
    r = client.post("https://webhook.test/api/subscribe", headers=bearer(token))
    assert r.status_code == 200 and r.json()["error"] is False, r.text
    return {**shop, "token": token}


def drain(app: HaravanApp) -> None:
    assert app.webhooks.drain(5)


def verify(post: dict[str, Any], secret: str) -> bool:
    expected = base64.b64encode(hmac.new(secret.encode(), post["body"], hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, post["headers"].get("X-Haravan-Hmacsha256", ""))


def test_registration_runs_the_hub_challenge_handshake(client: httpx.Client, receiver: Receiver) -> None:
    shop = seed_hooked(client)
    assert shop["webhook"]["verified"] is True
    receiver.echo_wrong = True
    r = client.post("/_emulator/apps", json={"client_id": shop["client_id"], "webhook_url": HOOK + "/v2"})
    assert r.status_code == 422 and r.json()["webhook"]["verified"] is False
    app = next(a for a in client.get("/_emulator/apps").json()["apps"] if a["client_id"] == shop["client_id"])
    assert app["webhook_url"] == HOOK  # refused: unchanged
    receiver.echo_wrong = False
    r = client.post("/_emulator/apps", json={"client_id": shop["client_id"], "webhook_url": HOOK + "/v2"})
    assert r.status_code == 200 and r.json()["webhook_url"] == HOOK + "/v2"
    r = client.post("/_emulator/apps", json={"client_id": shop["client_id"], "webhook_verify_token": "other"})
    assert r.status_code == 422  # the endpoint rejects a token it does not know


def test_subscribe_api_needs_wh_api(client: httpx.Client, receiver: Receiver) -> None:
    shop = seed_hooked(client)
    assert client.post("/api/subscribe").status_code == 401
    no_wh = api_token(client, shop, "openid org com.read_products")
    r = client.post("/api/subscribe", headers=bearer(no_wh))
    assert r.status_code == 403 and r.json()["error"] is True
    token = api_token(client, shop)
    assert client.get("/api/subscribe", headers=bearer(token)).json()["data"] == []
    r = client.post(
        "/api/subscribe", headers=bearer(token), json={"webhook_url": "ignored", "topics": ["orders/create"]}
    )
    assert r.status_code == 200
    listed = client.get("/api/subscribe", headers=bearer(token)).json()["data"]
    assert {d["topic"] for d in listed} >= {"orders/create", "products/update", "app/uninstalled"}
    assert client.delete("/api/subscribe", headers=bearer(token)).json()["error"] is False
    assert client.get("/api/subscribe", headers=bearer(token)).json()["data"] == []


def test_signed_delivery_of_the_bare_resource(
    app: HaravanApp, client: httpx.Client, receiver: Receiver, hooked: dict[str, Any]
) -> None:
    r = client.post(
        "/com/products.json", headers=bearer(hooked["token"]), json={"product": {"title": "Webhook test"}}
    )
    pid = r.json()["product"]["id"]
    drain(app)
    post = next(p for p in receiver.posts if p["headers"]["X-Haravan-Topic"] == "products/create")
    assert post["path"] == "/webhooks/haravan"
    assert post["headers"]["X-Haravan-Org-Id"] == hooked["orgid"]
    assert post["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert verify(post, hooked["client_secret"])
    body = json.loads(post["body"])
    assert body["id"] == pid and body["title"] == "Webhook test" and "product" not in body


def test_order_events(
    app: HaravanApp, client: httpx.Client, receiver: Receiver, hooked: dict[str, Any]
) -> None:
    h = bearer(hooked["token"])
    variant = client.get("/com/products.json", headers=h, params={"sku": "QJSF-30"}).json()["products"][0][
        "variants"
    ][0]
    o = client.post(
        "/com/orders.json",
        headers=h,
        json={"order": {"line_items": [{"variant_id": variant["id"], "quantity": 1}]}},
    ).json()["order"]
    client.post(
        f"/com/orders/{o['id']}/transactions.json", headers=h, json={"transaction": {"kind": "capture"}}
    )
    client.post(f"/com/orders/{o['id']}/fulfillments.json", headers=h, json={"fulfillment": {}})
    client.post(f"/com/orders/{o['id']}/cancel.json", headers=h, json={"reason": "other"})
    drain(app)
    topics = receiver.topics()
    for topic in (
        "orders/create",
        "orders/paid",
        "orders/fulfilled",
        "orders/cancelled",
        "orders/updated",
        "inventorylocationbalances/update",
    ):
        assert topic in topics, topic
    assert topics.index("orders/create") < topics.index("orders/paid") < topics.index("orders/cancelled")
    balance = json.loads(
        next(
            p["body"]
            for p in receiver.posts
            if p["headers"]["X-Haravan-Topic"] == "inventorylocationbalances/update"
        )
    )
    assert balance["variant_id"] == variant["id"] and "qty_available" in balance
    assert all(verify(p, hooked["client_secret"]) for p in receiver.posts)


def test_only_subscribed_shops_and_registered_topics(
    app: HaravanApp, client: httpx.Client, receiver: Receiver
) -> None:
    first = seed_hooked(client, seed=1, topics=["orders/create"])
    second = seed_hooked(
        client, seed=2, client_id=first["client_id"]
    )  # same app, second shop, not subscribed
    t1, t2 = api_token(client, first), api_token(client, second)
    client.post("/api/subscribe", headers=bearer(t1))
    client.post(
        "/com/products.json", headers=bearer(t1), json={"product": {"title": "not a registered topic"}}
    )
    client.post(
        "/com/orders.json", headers=bearer(t2), json={"order": {"line_items": [{"title": "x", "price": 1}]}}
    )
    client.post(
        "/com/orders.json", headers=bearer(t1), json={"order": {"line_items": [{"title": "y", "price": 1}]}}
    )
    drain(app)
    assert receiver.topics() == ["orders/create"]
    assert receiver.posts[0]["headers"]["X-Haravan-Org-Id"] == first["orgid"]


def test_failed_delivery_is_retried_on_the_platform_clock(
    app: HaravanApp, client: httpx.Client, receiver: Receiver, hooked: dict[str, Any], clock: Clock
) -> None:
    receiver.statuses = [500]
    client.post(
        "/com/customers.json",
        headers=bearer(hooked["token"]),
        json={"customer": {"email": "retry@example.vn"}},
    )
    drain(app)
    assert [p["status"] for p in receiver.posts] == [500]
    clock.advance(10)
    assert app.webhooks.drain(5, include_retries=True)
    assert [p["status"] for p in receiver.posts] == [500, 200]
    assert receiver.posts[0]["body"] == receiver.posts[1]["body"]
    history = client.get("/_emulator/webhooks").json()["deliveries"]
    assert [(d["attempt"], d["status"], d["topic"]) for d in history] == [
        (1, 500, "customers/create"),
        (2, 200, "customers/create"),
    ]


def test_uninstall_notifies_and_revokes(
    app: HaravanApp, client: httpx.Client, receiver: Receiver, hooked: dict[str, Any]
) -> None:
    r = client.post("/_emulator/uninstall", json={"orgid": hooked["orgid"], "client_id": hooked["client_id"]})
    assert r.json() == {"uninstalled": True, "revoked_tokens": 2, "notified": True}  # access + refresh
    drain(app)
    assert receiver.topics() == ["app/uninstalled"]
    body = json.loads(receiver.posts[0]["body"])
    assert str(body["id"]) == hooked["orgid"] and verify(receiver.posts[0], hooked["client_secret"])
    assert client.get("/com/shop.json", headers=bearer(hooked["token"])).status_code == 401
    client.post(
        f"/_emulator/shops/{hooked['orgid']}/web_orders",
        json={"line_items": [{"sku": "SP000008", "quantity": 1}]},
    )
    drain(app)
    assert receiver.topics() == ["app/uninstalled"]
    assert client.get(f"/_emulator/shops/{hooked['orgid']}").json()["installs"] == []


def test_emit_on_demand_and_bad_signatures(
    app: HaravanApp, client: httpx.Client, receiver: Receiver, hooked: dict[str, Any]
) -> None:
    order_id = client.get("/com/orders.json", headers=bearer(hooked["token"])).json()["orders"][0]["id"]
    r = client.post(
        "/_emulator/emit", json={"orgid": hooked["orgid"], "topic": "orders/updated", "id": order_id}
    )
    assert r.json() == {"enqueued": 1}
    client.put("/_emulator/config", json={"webhook_signing": "invalid"})
    client.post("/_emulator/emit", json={"orgid": hooked["orgid"], "topic": "orders/updated", "id": order_id})
    drain(app)
    first, second = receiver.posts
    assert json.loads(first["body"])["id"] == order_id
    assert verify(first, hooked["client_secret"]) and not verify(second, hooked["client_secret"])


def test_alias_topic_spelling_is_honoured(app: HaravanApp, client: httpx.Client, receiver: Receiver) -> None:
    shop = seed_hooked(client, topics=["products/delete"])
    token = api_token(client, shop)
    client.post("/api/subscribe", headers=bearer(token))
    pid = client.get("/com/products.json", headers=bearer(token), params={"limit": 1}).json()["products"][0][
        "id"
    ]
    client.delete(f"/com/products/{pid}.json", headers=bearer(token))
    drain(app)
    assert receiver.topics() == ["products/delete"]
    assert json.loads(receiver.posts[0]["body"]) == {"id": pid}
