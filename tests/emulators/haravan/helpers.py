"""Test helpers: OAuth flows against the emulator and a webhook receiver WSGI app."""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
from werkzeug.wrappers import Request, Response

REDIRECT = "https://kiotsync.example/haravan/callback"
ALL_SCOPES = (
    "openid profile email org userinfo grant_service offline_access wh_api com.read_shop "
    "com.write_products com.write_orders com.write_inventories com.write_customers"
)


def authorize_params(shop: dict[str, Any], scope: str = ALL_SCOPES, **extra: str) -> dict[str, str]:
    return {
        "client_id": shop["client_id"],
        "response_type": "code",
        "response_mode": "query",
        "scope": scope,
        "redirect_uri": REDIRECT,
        **extra,
    }


def callback_params(location: str) -> dict[str, str]:
    parsed = urlparse(location)
    return {k: v[0] for k, v in parse_qs(parsed.query or parsed.fragment).items()}


def auto_code(
    client: httpx.Client, shop: dict[str, Any], scope: str = ALL_SCOPES, email: str | None = None
) -> str:
    r = client.put("/_emulator/config", json={"auto_approve": {"email": email or shop["owner"]["email"]}})
    assert r.status_code == 200, r.text
    r = client.get("/connect/authorize", params=authorize_params(shop, scope))
    client.put("/_emulator/config", json={"auto_approve": None})
    assert r.status_code == 302, r.text
    params = callback_params(r.headers["location"])
    assert "code" in params, params
    return params["code"]


def exchange(
    client: httpx.Client, shop: dict[str, Any], code: str, redirect_uri: str = REDIRECT
) -> httpx.Response:
    return client.post(
        "/connect/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": shop["client_id"],
            "client_secret": shop["client_secret"],
        },
    )


def api_token(client: httpx.Client, shop: dict[str, Any], scope: str = ALL_SCOPES) -> str:
    r = exchange(client, shop, auto_code(client, shop, scope))
    assert r.status_code == 200, r.text
    token: str = r.json()["access_token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Receiver:
    """A webhook endpoint: answers the hub.challenge GET and records every POST."""

    def __init__(self, verify_token: str = "verify-me", statuses: list[int] | None = None) -> None:
        self.verify_token = verify_token
        self.statuses = list(statuses or [])
        self.posts: list[dict[str, Any]] = []
        self.echo_wrong = False
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.method == "GET":
            args = request.args
            ok = args.get("hub.mode") == "subscribe" and args.get("hub.verify_token") == self.verify_token
            if not ok:
                return Response("forbidden", status=403)(environ, start_response)
            challenge = args.get("hub.challenge", "")
            body = challenge + "x" if self.echo_wrong else challenge
            return Response(body, status=200, mimetype="text/plain")(environ, start_response)
        with self._lock:
            status = self.statuses.pop(0) if self.statuses else 200
            self.posts.append(
                {
                    "path": request.path,
                    "headers": dict(request.headers),
                    "body": request.get_data(),
                    "status": status,
                }
            )
        return Response("ok", status=status)(environ, start_response)

    def topics(self) -> list[str]:
        with self._lock:
            return [p["headers"]["X-Haravan-Topic"] for p in self.posts if p["status"] < 300]
