"""App webhooks (digest §1.7, §4.8, §4.9): dashboard handshake, per-shop subscription, delivery.

An app registers ONE callback URL + verify token + topics (partner dashboard). Saving a URL
runs the ``hub.challenge`` GET handshake; the echo must match. A shop's deliveries start after
``POST /api/subscribe`` with that shop's token (needs ``wh_api``) and stop on ``DELETE`` or
uninstall. Body = the bare resource JSON; headers ``X-Haravan-Topic``, ``X-Haravan-Org-Id``,
``X-Haravan-HmacSha256`` = base64(HMAC-SHA256(client_secret, raw body)). Failed deliveries
(non-2xx or transport error) are retried after ``config.webhook_retry_delays`` platform seconds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from typing import Any

import httpx

from ..common import ApiError, Clock, Delivery, WebhookDispatcher
from .model import App
from .store import Shop, World
from .timeutil import iso

# An app that registered the alias spelling gets the event under that name (digest §4.8).
TOPIC_ALIASES = {"products/deleted": "products/delete"}


class HaravanDispatcher(WebhookDispatcher):
    """The shared dispatcher plus a synchronous GET over the same transport (handshakes)."""

    def get(self, url: str, params: dict[str, str]) -> httpx.Response:
        if self._transport is None:
            with httpx.Client(timeout=self.timeout_s) as client:
                return client.get(url, params=params)
        # never close a shared transport (the delivery client uses it too)
        return httpx.Client(transport=self._transport, timeout=self.timeout_s).get(url, params=params)


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")


def handshake(dispatcher: HaravanDispatcher, url: str, verify_token: str) -> dict[str, Any]:
    """GET {url}?hub.mode=subscribe&hub.verify_token=..&hub.challenge=..; 200 + exact echo passes."""
    challenge = secrets.token_hex(16)
    params = {"hub.mode": "subscribe", "hub.verify_token": verify_token, "hub.challenge": challenge}
    try:
        resp = dispatcher.get(url, params)
    except Exception as exc:  # unreachable endpoint: refuse like the dashboard would
        return {"verified": False, "error": f"{type(exc).__name__}: {exc}"}
    echoed = resp.text.strip()
    ok = resp.status_code == 200 and echoed == challenge
    result: dict[str, Any] = {"verified": ok, "status": resp.status_code}
    if not ok:
        result["error"] = "the callback did not echo hub.challenge with HTTP 200"
    return result


class WebhookHub:
    """Turns rule events into signed deliveries for every app subscribed in the shop."""

    def __init__(self, world_ref: Callable[[], World], dispatcher: HaravanDispatcher, clock: Clock) -> None:
        self._world = world_ref
        self.dispatcher = dispatcher
        self.clock = clock

    def emit(self, shop: Shop, topic: str, build: Callable[[], dict[str, Any]]) -> None:
        if not shop.subscriptions:
            return
        world = self._world()
        targets: list[tuple[App, str]] = []
        for cid in shop.subscriptions:
            app = world.apps.get(cid)
            if app is None or not app.webhook_url:
                continue
            name = topic if topic in app.topics else TOPIC_ALIASES.get(topic)
            if name is not None and name in app.topics:
                targets.append((app, name))
        if not targets:
            return
        body = json.dumps(build(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        for app, name in targets:
            self.deliver(app, shop.id, name, body)

    def deliver(self, app: App, orgid: int, topic: str, body: bytes) -> None:
        mode = self._world().config.webhook_signing
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Haravan-Topic": topic,
            "X-Haravan-Org-Id": str(orgid),
        }
        if mode == "valid":
            headers["X-Haravan-HmacSha256"] = sign(app.client_secret, body)
        elif mode == "invalid":
            headers["X-Haravan-HmacSha256"] = sign(app.client_secret + "-wrong", body)
        assert app.webhook_url is not None
        self.dispatcher.enqueue(
            Delivery(
                url=app.webhook_url,
                body=body,
                headers=headers,
                on_result=self._retry_policy,
                meta={"topic": topic, "orgid": str(orgid), "client_id": app.client_id},
            )
        )

    def _retry_policy(self, delivery: Delivery, status: int | None, error: str | None) -> float | None:
        if status is not None and 200 <= status < 300:
            return None
        delays = self._world().config.webhook_retry_delays
        if delivery.attempt <= len(delays):
            return delays[delivery.attempt - 1]
        return None


# -- the subscribe API (webhook.haravan.com/api/subscribe) -----------------------------------
def _view(app: App, shop: Shop) -> list[dict[str, Any]]:
    since = shop.subscriptions.get(app.client_id)
    if since is None:
        return []
    return [
        {
            "org_id": shop.id,
            "client_id": app.client_id,
            "topic": t,
            "webhook_url": app.webhook_url,
            "created_at": iso(since),
        }
        for t in app.topics
    ]


def subscription(world: World, shop: Shop, client_id: str) -> dict[str, Any]:
    app = world.apps[client_id]
    return {"error": False, "message": "OK", "data": _view(app, shop)}


def subscribe(world: World, shop: Shop, client_id: str, now_ms: int) -> dict[str, Any]:
    app = world.apps[client_id]
    if not app.webhook_url or app.webhook_verified_at is None:
        raise ApiError(
            400,
            {
                "error": True,
                "message": "The app has no verified webhook callback URL in the partner dashboard",
            },
        )
    shop.subscriptions.setdefault(client_id, now_ms)
    return {"error": False, "message": "Subscribed", "data": _view(app, shop)}


def unsubscribe(world: World, shop: Shop, client_id: str) -> dict[str, Any]:
    shop.subscriptions.pop(client_id, None)
    return {"error": False, "message": "Unsubscribed", "data": []}
