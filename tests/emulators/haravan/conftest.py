"""Fixtures for the Haravan emulator tests: an in-process app, a client, a seeded shop, tokens."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from kiotsync.emulators.common import Clock
from kiotsync.emulators.haravan import HaravanApp, create_app

from .helpers import REDIRECT, Receiver, api_token


@pytest.fixture
def clock() -> Clock:
    # nearly frozen: leaky buckets and TTLs move only when a test calls clock.advance()
    return Clock(time_scale=0.001)


@pytest.fixture
def app(clock: Clock) -> Iterator[HaravanApp]:
    emulator = create_app(clock=clock)
    yield emulator
    emulator.webhooks.stop()


@pytest.fixture
def client(app: HaravanApp) -> Iterator[httpx.Client]:
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://hv.test") as c:
        yield c


@pytest.fixture
def shop(client: httpx.Client) -> dict[str, Any]:
    r = client.post(
        "/_emulator/seed", json={"preset": "demo", "seed": 1, "app": {"redirect_uris": [REDIRECT]}}
    )
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
def token(client: httpx.Client, shop: dict[str, Any]) -> str:
    return api_token(client, shop)


@pytest.fixture
def api(client: httpx.Client, token: str) -> httpx.Client:
    """The same client with the shop's Bearer token preset."""
    client.headers["Authorization"] = f"Bearer {token}"
    return client


@pytest.fixture
def receiver(app: HaravanApp) -> Receiver:
    rec = Receiver()
    app.webhooks.set_transport(httpx.WSGITransport(app=rec))
    return rec
