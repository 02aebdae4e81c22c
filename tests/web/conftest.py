"""Fixtures for the app's tests: both emulators in-process, wired into the app.

The app talks to the emulators through ``httpx.WSGITransport``; the emulators deliver their
webhooks into the app's own WSGI handler the same way. Nothing is mocked.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from django.conf import settings
from django.test import Client

from kiotsync.wiring import Wiring, set_wiring

PUBLIC = "http://testserver"


@dataclasses.dataclass
class Platforms:
    kv: Any
    hv: Any
    kv_creds: dict[str, Any]
    hv_creds: dict[str, Any]
    kv_http: httpx.Client
    hv_http: httpx.Client

    def kv_control(self, method: str, path: str, **kw: Any) -> Any:
        resp = self.kv_http.request(method, "/_emulator" + path, **kw)
        resp.raise_for_status()
        return resp.json()

    def hv_control(self, method: str, path: str, **kw: Any) -> Any:
        resp = self.hv_http.request(method, "/_emulator" + path, **kw)
        resp.raise_for_status()
        return resp.json()


def django_wsgi() -> Any:
    from django.core.handlers.wsgi import WSGIHandler

    return WSGIHandler()


@pytest.fixture
def platforms(transactional_db: None) -> Iterator[Platforms]:
    from kiotsync.emulators.haravan import create_app as create_hv
    from kiotsync.emulators.kiotviet import create_app as create_kv

    kv = create_kv()
    hv = create_hv()
    app_transport = httpx.WSGITransport(app=django_wsgi())
    kv.webhooks.set_transport(app_transport)
    hv.webhooks.set_transport(app_transport)
    kv_creds = kv.control_seed({"preset": "demo", "seed": 1})
    hv_creds = hv.control_seed(
        {
            "preset": "demo",
            "seed": 1,
            "app": {
                "client_id": settings.CONFIG.haravan_client_id,
                "client_secret": settings.CONFIG.haravan_client_secret,
                "redirect_uris": [f"{PUBLIC}/auth/callback", f"{PUBLIC}/auth/install/callback"],
            },
        }
    )
    kv_http = httpx.Client(transport=httpx.WSGITransport(app=kv), base_url="http://kiotviet.test")
    hv_http = httpx.Client(transport=httpx.WSGITransport(app=hv), base_url="http://haravan.test")
    # Tests run Haravan's leaky bucket 50x faster (the client paces to match); pacing itself
    # is tested at the real rate in tests/clients.
    hv_http.put("/_emulator/config", json={"leak_rate": 200}).raise_for_status()
    config = dataclasses.replace(settings.CONFIG, public_url=PUBLIC, haravan_leak_rate=200.0)
    set_wiring(
        Wiring(
            config,
            transports={
                "kiotviet": httpx.WSGITransport(app=kv),
                "haravan": httpx.WSGITransport(app=hv),
            },
        )
    )
    # Register the app's webhook endpoint as the partner dashboard would (hub.challenge check).
    hv_http.post(
        "/_emulator/apps",
        json={
            "client_id": settings.CONFIG.haravan_client_id,
            "webhook_url": f"{PUBLIC}/webhooks/haravan",
            "webhook_verify_token": settings.CONFIG.haravan_webhook_verify_token,
        },
    ).raise_for_status()
    try:
        yield Platforms(kv, hv, kv_creds, hv_creds, kv_http, hv_http)
    finally:
        # Deliveries in flight finish before the wiring goes and the database is flushed.
        kv.webhooks.stop()
        hv.webhooks.stop()
        set_wiring(None)
        kv_http.close()
        hv_http.close()


def follow_oauth(client: Client, hv_http: httpx.Client, start: str) -> Any:
    """Follow redirects between the app (Django test client) and Haravan until the app
    answers with a page. Haravan must be set to auto-approve for the user."""
    resp = client.get(start)
    for _ in range(12):
        if resp.status_code not in (301, 302, 303):
            return resp
        location = resp["Location"]
        parts = urlsplit(location)
        if parts.netloc in ("", "testserver"):
            resp = client.get(parts.path + ("?" + parts.query if parts.query else ""))
            continue
        hv_resp = hv_http.get(parts.path + ("?" + parts.query if parts.query else ""))
        if hv_resp.status_code not in (301, 302, 303):
            raise AssertionError(f"Haravan answered {hv_resp.status_code}: {hv_resp.text[:300]}")
        back = urlsplit(hv_resp.headers["Location"])
        resp = client.get(back.path + ("?" + back.query if back.query else ""))
    raise AssertionError("too many redirects")


def auto_approve(p: Platforms, email: str | None = None) -> None:
    p.hv_control("PUT", "/config", json={"auto_approve": {"email": email or p.hv_creds["owner"]["email"]}})


@pytest.fixture
def installed(platforms: Platforms, client: Client) -> Platforms:
    """The owner installed the app: signed in, no KiotViet connection yet."""
    auto_approve(platforms)
    resp = follow_oauth(client, platforms.hv_http, "/install")
    assert resp.status_code == 200, resp.content[:500]
    return platforms


@pytest.fixture
def connected(installed: Platforms, client: Client) -> Platforms:
    """Installed and logged in to KiotViet."""
    creds = installed.kv_creds
    resp = client.post(
        "/kiotviet/login",
        {
            "retailer": creds["retailer"],
            "client_id": creds["client_id"],
            "client_secret": creds["client_secret"],
        },
    )
    assert resp.status_code == 302, resp.content[:1000]
    return installed
