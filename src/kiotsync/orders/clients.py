"""Platform clients for the order flow, reused across order syncs.

Building a client is not free (an HTTP connection pool and a TLS context each time), and an
order sync needs one or two per run; both clients are thread-safe, so the order flow keeps one
per tenant connection and reuses it. The key changes when the merchant reconnects KiotViet (or a
test installs another wiring), so a stale client is never used. Callers must not close them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from kiotsync.haravan.client import HaravanClient
from kiotsync.kiotviet.client import KiotVietClient
from kiotsync.tenants.models import HaravanInstallation, KiotVietConnection, Tenant
from kiotsync.wiring import get_wiring

MAX_CLIENTS = 64
_lock = threading.Lock()
_clients: OrderedDict[tuple[Any, ...], Any] = OrderedDict()


def _cached(key: tuple[Any, ...], build: Any) -> Any:
    with _lock:
        client = _clients.get(key)
        if client is not None:
            _clients.move_to_end(key)
            return client
    client = build()
    with _lock:
        existing = _clients.get(key)
        if existing is not None:
            client.close()
            return existing
        _clients[key] = client
        while len(_clients) > MAX_CLIENTS:
            _, old = _clients.popitem(last=False)
            old.close()
    return client


def kiotviet(tenant: Tenant) -> KiotVietClient:
    wiring = get_wiring()
    ident = (
        KiotVietConnection.objects.filter(tenant=tenant)
        .values_list("retailer", "client_id", "connected_at")
        .first()
    )
    key = (wiring, "kiotviet", tenant.pk, ident)
    client: KiotVietClient = _cached(key, lambda: wiring.kiotviet(tenant))
    return client


def haravan(tenant: Tenant) -> HaravanClient:
    wiring = get_wiring()
    ident = HaravanInstallation.objects.filter(tenant=tenant).values_list("created_at", flat=True).first()
    key = (wiring, "haravan", tenant.pk, ident)
    client: HaravanClient = _cached(key, lambda: wiring.haravan(tenant))
    return client


def forget() -> None:
    """Close every cached client (tests, shutdown)."""
    with _lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        client.close()
