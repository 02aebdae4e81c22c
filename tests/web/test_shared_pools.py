"""One connection pool per platform per process (issue 11): a shop's client, rebuilt after the
client cache dropped it, builds no new pool (no new TLS context) and still reaches the platform;
closing one shop's client leaves the others' calls working."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kiotsync.tenants.models import Tenant
from kiotsync.wiring import Wiring, get_wiring

from .conftest import Platforms


def test_clients_of_every_shop_share_the_process_pools(
    connected: Platforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    wiring: Wiring = get_wiring()
    tenant = Tenant.objects.get()
    kv, hv = wiring.kiotviet(tenant), wiring.haravan(tenant)
    assert kv.list_branches() and hv.list_locations()  # the pools exist and work

    built: list[Any] = []
    original = httpx.Client.__init__

    def counting(self: httpx.Client, *args: Any, **kwargs: Any) -> None:
        built.append(kwargs)
        original(self, *args, **kwargs)

    monkeypatch.setattr(httpx.Client, "__init__", counting)
    wiring._clients.forget()  # as when the cache evicts a shop
    kv2, hv2 = wiring.kiotviet(tenant), wiring.haravan(tenant)
    assert kv2 is not kv and hv2 is not hv
    kv.close()  # a client closed by its holder does not close the shared pool
    hv.close()
    assert [b.id for b in kv2.list_branches()] == [b.id for b in kv.list_branches()]
    assert hv2.list_locations()
    wiring.haravan_oauth()  # the OAuth helper sends through the Haravan pool too
    assert built == [], f"{len(built)} HTTP pools built for a shop already seen"
