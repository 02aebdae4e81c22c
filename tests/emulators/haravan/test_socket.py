"""The emulator over real TCP sockets: issuer from the Host, cookies, webhook delivery over HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest

from kiotsync.emulators.common import Clock, ServerThread
from kiotsync.emulators.haravan import HaravanApp, create_app

from .helpers import ALL_SCOPES, REDIRECT, Receiver, bearer, callback_params
from .test_oidc import _form_fields

pytestmark = pytest.mark.socket


@pytest.fixture
def served() -> Iterator[tuple[HaravanApp, ServerThread]]:
    app = create_app(clock=Clock(time_scale=1.0))
    with ServerThread(app) as server:
        yield app, server
    app.webhooks.stop()


def test_browser_flow_over_http(served: tuple[HaravanApp, ServerThread]) -> None:
    _, server = served
    with httpx.Client(base_url=server.url, timeout=10) as c:
        shop = c.post(
            "/_emulator/seed", json={"preset": "demo", "seed": 1, "app": {"redirect_uris": [REDIRECT]}}
        ).json()
        doc = c.get("/.well-known/openid-configuration").json()
        assert doc["issuer"] == server.url
        params = {
            "client_id": shop["client_id"],
            "response_type": "code",
            "response_mode": "query",
            "scope": ALL_SCOPES,
            "redirect_uri": REDIRECT,
            "state": "s",
            "nonce": "n",
        }
        r = c.get("/connect/authorize", params=params, follow_redirects=True)
        assert 'id="email"' in r.text
        r = c.post(
            "/account/login",
            data={
                **_form_fields(r.text),
                "email": shop["owner"]["email"],
                "password": shop["owner"]["password"],
            },
            follow_redirects=True,
        )
        assert 'id="allow"' in r.text
        r = c.post("/connect/consent", data={**_form_fields(r.text), "decision": "allow"})
        code = callback_params(r.headers["location"])["code"]
        tok = c.post(
            "/connect/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
                "client_id": shop["client_id"],
                "client_secret": shop["client_secret"],
            },
        ).json()
        jwks = jwt.PyJWKClient(doc["jwks_uri"])
        key = jwks.get_signing_key_from_jwt(tok["id_token"])
        claims = jwt.decode(
            tok["id_token"], key.key, algorithms=["RS256"], audience=shop["client_id"], issuer=server.url
        )
        assert claims["orgid"] == shop["orgid"] and claims["nonce"] == "n"
        r = c.get("/com/orders.json", headers=bearer(tok["access_token"]), params={"status": "any"})
        assert r.status_code == 200 and len(r.json()["orders"]) == 4
        assert r.headers["X-Haravan-Api-Call-Limit"] == "1/80"


def test_webhook_delivery_over_http(served: tuple[HaravanApp, ServerThread]) -> None:
    _, server = served
    receiver = Receiver()
    with ServerThread(receiver) as hooks, httpx.Client(base_url=server.url, timeout=10) as c:
        shop = c.post(
            "/_emulator/seed",
            json={
                "preset": "empty",
                "seed": 1,
                "app": {
                    "redirect_uris": [REDIRECT],
                    "webhook_url": f"{hooks.url}/hooks",
                    "webhook_verify_token": "verify-me",
                },
            },
        ).json()
        assert shop["webhook"]["verified"] is True
        c.put("/_emulator/config", json={"auto_approve": {"email": shop["owner"]["email"]}})
        r = c.get(
            "/connect/authorize",
            params={
                "client_id": shop["client_id"],
                "response_type": "code",
                "scope": "openid wh_api com.write_products",
                "redirect_uri": REDIRECT,
            },
        )
        code = callback_params(r.headers["location"])["code"]
        token = c.post(
            "/connect/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
                "client_id": shop["client_id"],
                "client_secret": shop["client_secret"],
            },
        ).json()["access_token"]
        assert c.post("/api/subscribe", headers=bearer(token)).status_code == 200
        started = time.monotonic()
        c.post("/com/products.json", headers=bearer(token), json={"product": {"title": "Qua mạng"}})
        deadline = started + 5
        while not receiver.posts and time.monotonic() < deadline:
            time.sleep(0.01)
        assert receiver.posts, "no delivery within 5 s"
        post: dict[str, Any] = receiver.posts[0]
        assert post["headers"]["X-Haravan-Topic"] == "products/create"
        assert json.loads(post["body"])["title"] == "Qua mạng"
