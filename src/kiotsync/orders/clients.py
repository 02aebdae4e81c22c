"""Platform clients for the order flow: the wiring's shared, per-tenant clients.

Callers must not close them (see :class:`kiotsync.wiring.ClientCache`).
"""

from __future__ import annotations

from kiotsync.haravan.client import HaravanClient
from kiotsync.kiotviet.client import KiotVietClient
from kiotsync.tenants.models import Tenant
from kiotsync.wiring import get_wiring


def kiotviet(tenant: Tenant) -> KiotVietClient:
    return get_wiring().kiotviet(tenant)


def haravan(tenant: Tenant) -> HaravanClient:
    return get_wiring().haravan(tenant)
