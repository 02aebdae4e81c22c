"""Fixtures for the KiotViet emulator tests: an in-process app, a seeded demo shop, an
authorised API helper and a recording webhook receiver (all plain httpx over WSGI)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from kiotsync.emulators.common import Clock
from kiotsync.emulators.kiotviet import KiotVietApp, create_app

from .helpers import BASE, Api, Receiver, seed


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(clock: Clock) -> Iterator[KiotVietApp]:
    a = create_app(clock)
    yield a
    a.webhooks.stop()


@pytest.fixture
def http(app: KiotVietApp) -> Iterator[httpx.Client]:
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url=BASE) as c:
        yield c


@pytest.fixture
def creds(http: httpx.Client) -> dict[str, Any]:
    return seed(http)


@pytest.fixture
def api(http: httpx.Client, creds: dict[str, Any]) -> Api:
    return Api(http, creds)


@pytest.fixture
def receiver(app: KiotVietApp) -> Receiver:
    rec = Receiver()
    app.webhooks.set_transport(httpx.WSGITransport(app=rec))
    return rec
